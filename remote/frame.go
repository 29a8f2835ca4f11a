package remote

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// The channels of the exec and attach protocol (the first byte of every
// binary message).
const (
	chStdin  = 0
	chStdout = 1
	chStderr = 2
	chError  = 3 // the Status of the command, sent once at its end
	chResize = 4 // terminal sizes, client to server
	chClose  = 255
)

// maxStatusBytes bounds the Status message of the error channel and the
// text of a port-forward error.
const maxStatusBytes = 64 << 10

// status is the part of a metav1.Status the error channel carries.
type status struct {
	Status  string `json:"status"`
	Message string `json:"message"`
	Reason  string `json:"reason"`
	Details *struct {
		Causes []struct {
			Reason  string `json:"reason"`
			Message string `json:"message"`
		} `json:"causes"`
	} `json:"details"`
}

// decodeStatus turns the error channel's message into the command's
// result: nil for success, *ExitError for a non-zero exit, *RemoteError for
// another failure, or a *StreamError matching ErrProtocol for a message
// that is not a Status.
func decodeStatus(op, pod string, data []byte) error {
	if len(data) > maxStatusBytes {
		return &StreamError{Op: op, Pod: pod, Err: fmt.Errorf("%w: status of %d bytes (at most %d)", ErrProtocol, len(data), maxStatusBytes)}
	}
	var st status
	if err := json.Unmarshal(data, &st); err != nil {
		return &StreamError{Op: op, Pod: pod, Err: fmt.Errorf("%w: malformed status on the error channel: %v", ErrProtocol, err)}
	}
	switch st.Status {
	case "Success":
		return nil
	case "Failure":
	default:
		return &StreamError{Op: op, Pod: pod, Err: fmt.Errorf("%w: status %q on the error channel (want Success or Failure)", ErrProtocol, clip(st.Status, 64))}
	}
	msg := clip(st.Message, 1024)
	if st.Reason == "NonZeroExitCode" && st.Details != nil {
		for _, c := range st.Details.Causes {
			if c.Reason != "ExitCode" {
				continue
			}
			code, err := strconv.Atoi(strings.TrimSpace(c.Message))
			if err != nil || code <= 0 {
				return &StreamError{Op: op, Pod: pod, Err: fmt.Errorf("%w: exit code %q is not a positive number", ErrProtocol, clip(c.Message, 64))}
			}
			return &ExitError{Pod: pod, Code: code, Message: msg}
		}
	}
	return &RemoteError{Op: op, Pod: pod, Reason: clip(st.Reason, 128), Message: msg}
}

// clip bounds a string the server sent before it goes into an error.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// TerminalSize is the size of the terminal of a command run with a TTY,
// in characters.
type TerminalSize struct {
	Width  uint16
	Height uint16
}

func resizeMessage(s TerminalSize) []byte {
	data, _ := json.Marshal(struct{ Width, Height uint16 }{s.Width, s.Height})
	return append([]byte{chResize}, data...)
}
