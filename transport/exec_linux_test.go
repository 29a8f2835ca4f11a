//go:build linux

package transport_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/internal/testutil"
	"github.com/kube-for-go/kube/transport"
)

// credentialJSON is what a well-behaved v1 plugin prints.
const credentialJSON = `{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"tok-script"}}`

// scriptPlugin writes a sh plugin whose first line records its process id,
// which is also its process group id, in the returned file.
func scriptPlugin(t *testing.T, body string) (cfg *transport.ExecConfig, pidFile string) {
	t.Helper()
	dir := t.TempDir()
	pidFile = filepath.Join(dir, "pid")
	script := "#!/bin/sh\necho $$ > '" + pidFile + "'\n" + body + "\n"
	path := filepath.Join(dir, "plugin.sh")
	require.NoError(t, os.WriteFile(path, []byte(script), 0o755))
	return &transport.ExecConfig{
		APIVersion: transport.ExecAPIVersionV1, Command: path,
		InteractiveMode: transport.ExecInteractiveNever, Stderr: &transport.SyncBuffer{},
	}, pidFile
}

// groupMembers lists the live (not zombie) processes of process group pgid.
func groupMembers(pgid int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var pids []int
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // the process is gone
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
		rest := string(b[bytes.LastIndexByte(b, ')')+1:])
		fields := strings.Fields(rest)
		if len(fields) < 3 || fields[0] == "Z" || fields[0] == "X" {
			continue
		}
		if g, _ := strconv.Atoi(fields[2]); g == pgid {
			pid, _ := strconv.Atoi(strings.Split(string(b), " ")[0])
			pids = append(pids, pid)
		}
	}
	return pids
}

// requireGroupGone waits, within a bound, until the plugin's process group
// has no live member. SIGKILL is immediate, but the kernel needs a moment
// to tear processes down.
func requireGroupGone(t *testing.T, pidFile string) {
	t.Helper()
	b, err := os.ReadFile(pidFile)
	require.NoError(t, err, "the plugin did not start")
	pgid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	testutil.Eventually(t, ctx, "the plugin's process group to be gone", func() error {
		if m := groupMembers(pgid); len(m) > 0 {
			return fmt.Errorf("processes %v of group %d still run", m, pgid)
		}
		return nil
	})
}

func TestExecPluginStoppedWithItsChildren(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		script    string
		timeout   time.Duration // the request context
		wantErr   []error       // nil: the request succeeds with the script's token
		wantToken string
		reason    string
	}{{
		name:    "sleeps",
		script:  "sleep 60",
		timeout: 2 * time.Second,
		wantErr: []error{transport.ErrExecFailed, context.DeadlineExceeded},
		reason:  "a plugin that does not answer is killed, with its sleeping child, when the request context ends",
	}, {
		name:    "child-sleeps-parent-waits",
		script:  "sleep 60 &\nwait",
		timeout: 2 * time.Second,
		wantErr: []error{transport.ErrExecFailed, context.DeadlineExceeded},
		reason:  "the whole process group is killed, not just the plugin",
	}, {
		name:      "forks-and-exits",
		script:    "sleep 60 &\necho '" + credentialJSON + "'\nexit 0",
		timeout:   30 * time.Second,
		wantToken: "Bearer tok-script",
		reason:    "a child left holding the output open is killed about a second after the plugin exits, and the answer is used",
	}, {
		name:    "huge-output",
		script:  "yes 0123456789abcdef",
		timeout: 30 * time.Second,
		wantErr: []error{transport.ErrExecOutputTooLarge, transport.ErrExecOutput},
		reason:  "output beyond ExecOutputLimit stops the plugin with a typed error",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			exec, pidFile := scriptPlugin(t, tc.script)
			srv, mock := newAuthServer("tok-script")
			rt := mustRT(t, &transport.Config{Server: "https://kube.test", Exec: exec, Base: mock})
			ctx, cancel := context.WithTimeout(context.Background(), tc.timeout)
			defer cancel()
			resp, err := get(t, rt, ctx, "https://kube.test/api")
			if tc.wantErr == nil {
				require.NoError(t, err, tc.reason)
				assert.Equal(t, 200, resp.StatusCode, tc.reason)
				assert.Equal(t, []string{tc.wantToken}, srv.sent(), tc.reason)
				assert.NoError(t, ctx.Err(), "the request needed its whole context: %s", tc.reason)
			} else {
				var ee *transport.ExecError
				require.ErrorAs(t, err, &ee, tc.reason)
				for _, want := range tc.wantErr {
					assert.ErrorIs(t, err, want, tc.reason)
				}
				assert.Zero(t, mock.GetTotalCallCount(), "a request was sent without credentials")
			}
			requireGroupGone(t, pidFile)
		})
	}
}

// TestExecPluginStoppedPromptly is the regression test of the exec plugin
// that held a request with a 2 s context for 20 s: the only timing
// assertion, with a margin of 8 s over the context.
func TestExecPluginStoppedPromptly(t *testing.T) {
	t.Parallel()
	exec, pidFile := scriptPlugin(t, "sleep 30 &\nsleep 30")
	_, mock := newAuthServer()
	rt := mustRT(t, &transport.Config{Server: "https://kube.test", Exec: exec, Base: mock})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := get(t, rt, ctx, "https://kube.test/api")
	took := time.Since(start)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, took, 10*time.Second, "the request outlived its 2 s context by far")
	requireGroupGone(t, pidFile)
}

func TestExecPluginWaitersGiveUp(t *testing.T) {
	t.Parallel()
	exec, pidFile := scriptPlugin(t, "sleep 60")
	_, mock := newAuthServer()
	rt := mustRT(t, &transport.Config{Server: "https://kube.test", Exec: exec, Base: mock})

	// The holder runs the plugin with a long context.
	holderCtx, stopHolder := context.WithCancel(context.Background())
	holder := make(chan error, 1)
	go func() {
		_, err := get(t, rt, holderCtx, "https://kube.test/api")
		holder <- err
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	testutil.Eventually(t, ctx, "the plugin to start", func() error {
		_, err := os.Stat(pidFile)
		return err
	})

	// A request with a short context waits for the plugin lock and gives up
	// with its own context's error while the holder still runs.
	waiterCtx, cancelWaiter := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancelWaiter()
	_, err := get(t, rt, waiterCtx, "https://kube.test/api")
	require.ErrorIs(t, err, context.DeadlineExceeded, "the waiter must end with its context")
	select {
	case herr := <-holder:
		t.Fatalf("the holder ended (%v) before the waiter; the test proves nothing", herr)
	default:
	}

	// Cancelling the holder stops the plugin at once.
	stopHolder()
	select {
	case herr := <-holder:
		require.ErrorIs(t, herr, context.Canceled)
	case <-ctx.Done():
		t.Fatal("the holder did not return after its context was cancelled")
	}
	requireGroupGone(t, pidFile)
}

func TestExecPluginOutputNeverQuoted(t *testing.T) {
	t.Parallel()
	const secret = "SECRET-plugin-output-7f3a"
	tests := []struct {
		name   string
		script string
		is     error
		reason string
	}{
		{"stderr-and-exit", "echo 'token: " + secret + "' >&2\nexit 1", transport.ErrExecFailed, "standard error is passed on, never quoted"},
		{"stdout-garbage", "echo 'token: " + secret + "'", transport.ErrExecOutput, "unparsable output is not quoted"},
		{"wrong-kind", `echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"` + secret + `","status":{"token":"x"}}'`, transport.ErrExecOutput, "the kind is not quoted"},
		{"wrong-version", `echo '{"apiVersion":"` + secret + `","kind":"ExecCredential","status":{"token":"x"}}'`, transport.ErrExecOutput, "an unknown apiVersion is not quoted"},
		{"bad-expiry", `echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"x","expirationTimestamp":"` + secret + `"}}'`, transport.ErrExecOutput, "a malformed timestamp is not quoted"},
		{"wrong-type", `echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":["` + secret + `"]}}'`, transport.ErrExecOutput, "a value of the wrong type is not quoted"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			exec, _ := scriptPlugin(t, tc.script)
			stderr := &transport.SyncBuffer{}
			exec.Stderr = stderr
			_, mock := newAuthServer()
			logger, logs := transport.CaptureLogger()
			rt := mustRT(t, &transport.Config{Server: "https://kube.test", Exec: exec, Base: mock, Logger: logger})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, err := get(t, rt, ctx, "https://kube.test/api")
			require.ErrorIs(t, err, tc.is, tc.reason)
			assert.NotContains(t, err.Error(), secret, tc.reason)
			assert.NotContains(t, fmt.Sprintf("%+v %#v", err, err), secret, tc.reason)
			assert.NotContains(t, logs.String(), secret, tc.reason)
			if tc.name == "stderr-and-exit" {
				assert.Contains(t, stderr.String(), secret, "the plugin's standard error goes to ExecConfig.Stderr")
			}
		})
	}
}
