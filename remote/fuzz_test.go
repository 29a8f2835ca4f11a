package remote

import (
	"bytes"
	"errors"
	"testing"
)

// messages splits fuzz input into WebSocket messages: each is a length
// byte followed by that many bytes.
func messages(data []byte) [][]byte {
	var out [][]byte
	for len(data) > 0 {
		n := min(int(data[0]), len(data)-1)
		out = append(out, data[1:1+n])
		data = data[1+n:]
	}
	return out
}

func FuzzExecFrames(f *testing.F) {
	f.Add([]byte("\x04\x01abc\x04\x02def\x15\x03{\"status\":\"Success\"}"))
	f.Add([]byte("\x02\x09x"))
	f.Add(append([]byte{byte(1 + len(`{"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}`)), 3},
		`{"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}`...))
	f.Fuzz(func(t *testing.T, data []byte) {
		var stdout, stderr, wantOut, wantErr bytes.Buffer
		fr := &execFrames{op: "exec", pod: "ns/p", stdout: &stdout, stderr: &stderr}
		for _, m := range messages(data) {
			status := fr.gotStatus
			err := fr.handle(m)
			if err != nil {
				var se *StreamError
				if !errors.As(err, &se) {
					t.Fatalf("a frame error is a *StreamError, got %T: %v", err, err)
				}
				break
			}
			if !status && len(m) > 1 {
				switch m[0] {
				case chStdout:
					wantOut.Write(m[1:])
				case chStderr:
					wantErr.Write(m[1:])
				}
			}
		}
		if !bytes.Equal(stdout.Bytes(), wantOut.Bytes()) || !bytes.Equal(stderr.Bytes(), wantErr.Bytes()) {
			t.Fatalf("output differs from the payloads of channels 1 and 2 before the status")
		}
		if fr.gotStatus {
			switch e := fr.result.(type) {
			case nil:
			case *ExitError:
				if e.Code <= 0 {
					t.Fatalf("exit code %d", e.Code)
				}
			case *RemoteError:
				if len(e.Message) > 1100 || len(e.Reason) > 140 {
					t.Fatalf("unbounded message in error")
				}
			default:
				t.Fatalf("unexpected result %T", e)
			}
		}
	})
}

func FuzzDecodeStatus(f *testing.F) {
	f.Add([]byte(`{"status":"Success"}`))
	f.Add([]byte(`{"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"137"}]}}`))
	f.Add([]byte(`{"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"99999999999999999999"}]}}`))
	f.Add([]byte(`{"status":"Failure","reason":"InternalError","message":"boom"}`))
	f.Add([]byte(`{"status":7}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		err := decodeStatus("exec", "ns/p", data)
		switch e := err.(type) {
		case nil, *RemoteError:
		case *ExitError:
			if e.Code <= 0 {
				t.Fatalf("exit code %d", e.Code)
			}
		case *StreamError:
			if !errors.Is(e, ErrProtocol) {
				t.Fatalf("a bad status is a protocol error: %v", e)
			}
		default:
			t.Fatalf("unexpected %T", e)
		}
		if err != nil && len(err.Error()) > 2048 {
			t.Fatalf("error of %d bytes", len(err.Error()))
		}
	})
}

func FuzzPortFrames(f *testing.F) {
	f.Add([]byte("\x02\x00\x50\x02\x00\x00\x04\x00abc\x03\x01\x50\x00\x05\x01oops"))
	f.Add([]byte("\x01\x00\x02\x02x"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var out, want bytes.Buffer
		skip := 2
		fr := &portFrames{pod: "ns/p", skip: [2]int{2, 2}}
		for _, m := range messages(data) {
			err := fr.handle(m, &out)
			if err != nil {
				if !errors.Is(err, ErrProtocol) {
					t.Fatalf("a frame error is a protocol error: %v", err)
				}
				break
			}
			if len(m) > 0 && m[0] == chData {
				p := m[1:]
				n := min(skip, len(p))
				skip -= n
				want.Write(p[n:])
			}
		}
		if !bytes.Equal(out.Bytes(), want.Bytes()) {
			t.Fatalf("data %q, want %q", out.Bytes(), want.Bytes())
		}
		if e := fr.remoteErr(); e != nil && len(e.Error()) > 2048 {
			t.Fatalf("unbounded error")
		}
	})
}
