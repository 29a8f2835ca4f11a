package testutil

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// kubeletPodFor creates a pod with the named containers in a new namespace
// and waits until it is Ready.
func kubeletPodFor(t *testing.T, ctx context.Context, c *Cluster, name string, containers ...string) string {
	t.Helper()
	require.GreaterOrEqual(t, c.Harness, 3, "the shared cluster was started by a testutil whose kwok does not serve the kubelet API: run `make cluster-down` (or `kubetest up`, which restarts it)")
	ns := c.Namespace(t)
	var cs []any
	for _, n := range containers {
		cs = append(cs, map[string]any{"name": n, "image": "registry.example/" + n})
	}
	pod, err := json.Marshal(map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": name, "namespace": ns},
		"spec":     map[string]any{"containers": cs},
	})
	require.NoError(t, err)
	_, err = c.Kubectl(ctx, string(pod), "apply", "-f", "-")
	require.NoError(t, err)
	_, err = c.Kubectl(ctx, "", "-n", ns, "wait", "pod/"+name, "--for=condition=Ready", "--timeout=60s")
	require.NoError(t, err)
	return ns
}

// at returns a fixed time on 2026-01-02, h hours, m minutes and ns
// nanoseconds after midnight UTC.
func at(h, m, ns int) time.Time { return time.Date(2026, 1, 2, h, m, 0, ns, time.UTC) }

// TestE2EKubeletLogs checks every `kubectl logs` option against log lines
// the harness writes for a kwok pod with two containers, through the
// apiserver and kwok's kubelet API.
func TestE2EKubeletLogs(t *testing.T) {
	c := Shared(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel) // parallel subtests run after this function returns
	ns := kubeletPodFor(t, ctx, c, "web", "app", "sidecar")

	// A pod the harness never wrote a log for logs DefaultLogLine.
	out, err := c.Kubectl(ctx, "", "-n", ns, "logs", "web", "-c", "app")
	require.NoError(t, err)
	assert.Equal(t, DefaultLogLine+"\n", out)

	now := time.Now().UTC()
	require.NoError(t, c.WriteLog(ctx, ns, "web", "app",
		LogLine{Time: at(10, 0, 1), Text: "one"},
		LogLine{Time: at(10, 1, 20), Text: "two", Stderr: true},
		LogLine{Time: at(10, 2, 300), Text: "three"},
		LogLine{Time: now.Add(-10 * time.Second), Text: "recent four"},
	))
	require.NoError(t, c.WriteLog(ctx, ns, "web", "sidecar", Lines("side a\nside b\n")...))
	require.NoError(t, c.WritePreviousLog(ctx, ns, "web", "app", LogLine{Time: at(9, 0, 0), Text: "before the restart"}))

	tests := []struct {
		name   string
		args   []string
		want   string
		reason string
	}{
		{"content", []string{"-c", "app"}, "one\ntwo\nthree\nrecent four\n",
			"every line, stdout and stderr interleaved as written"},
		{"container", []string{"-c", "sidecar"}, "side a\nside b\n",
			"each container has its own log"},
		{"tail", []string{"-c", "app", "--tail=2"}, "three\nrecent four\n",
			"the last two lines"},
		{"timestamps", []string{"-c", "app", "--timestamps", "--tail=3"},
			"2026-01-02T10:01:00.000000020Z two\n2026-01-02T10:02:00.000000300Z three\n" + now.Add(-10*time.Second).Format("2006-01-02T15:04:05.000000000Z07:00") + " recent four\n",
			"the time each line was written, with nanoseconds"},
		{"since time", []string{"-c", "app", "--since-time=2026-01-02T10:01:00Z"}, "two\nthree\nrecent four\n",
			"lines written at or after the time"},
		{"since seconds", []string{"-c", "app", "--since=1h"}, "recent four\n",
			"only the line of the last hour"},
		{"limit bytes", []string{"-c", "app", "--limit-bytes=6"}, "one\ntw",
			"the first six bytes"},
		{"previous", []string{"-c", "app", "--previous"}, "before the restart\n",
			"the previous instance's log"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := c.Kubectl(ctx, "", append([]string{"-n", ns, "logs", "web"}, tt.args...)...)
			require.NoError(t, err, tt.reason)
			assert.Equal(t, tt.want, out, tt.reason)
		})
	}
	t.Run("all containers", func(t *testing.T) {
		t.Parallel()
		out, err := c.Kubectl(ctx, "", "-n", ns, "logs", "web", "--all-containers", "--prefix")
		require.NoError(t, err)
		// kubectl may print the containers in any order; each one's lines
		// stay in order.
		byPrefix := map[string][]string{}
		for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			prefix, text, ok := strings.Cut(l, "] ")
			require.True(t, ok, "every line is prefixed: %q", l)
			byPrefix[prefix+"]"] = append(byPrefix[prefix+"]"], text)
		}
		assert.Equal(t, map[string][]string{
			"[pod/web/app]":     {"one", "two", "three", "recent four"},
			"[pod/web/sidecar]": {"side a", "side b"},
		}, byPrefix)
	})
	t.Run("no previous log", func(t *testing.T) {
		t.Parallel()
		_, err := c.Kubectl(ctx, "", "-n", ns, "logs", "web", "-c", "sidecar", "--previous")
		require.Error(t, err, "the sidecar has no previous instance")
		assert.Contains(t, err.Error(), "sidecar.previous.log")
	})
	t.Run("unknown container", func(t *testing.T) {
		t.Parallel()
		err := c.WriteLog(ctx, ns, "web", "nope", Lines("x")...)
		require.Error(t, err)
		assert.Contains(t, err.Error(), `has no container "nope" (it has app, sidecar)`)
	})
	t.Run("log file", func(t *testing.T) {
		t.Parallel()
		path, err := c.PodLogFile(ctx, ns, "web", "sidecar", false)
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(path, filepath.Join(c.Dir, "kubelet", "pods", ns, "web")+"/"), path)
		assert.Equal(t, "sidecar.log", filepath.Base(path))
	})
}

// TestE2EKubeletLogsFollow checks that `kubectl logs -f` prints the lines
// written before it started and then each line appended while it runs.
func TestE2EKubeletLogsFollow(t *testing.T) {
	c := Shared(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ns := kubeletPodFor(t, ctx, c, "tailer", "app")
	require.NoError(t, c.WriteLog(ctx, ns, "tailer", "app", Lines("first\nsecond")...))

	fctx, stop := context.WithTimeout(ctx, time.Minute)
	defer stop()
	var stderr syncBuffer
	cmd, out, err := c.kubectlStream(fctx, &stderr, "-n", ns, "logs", "-f", "tailer", "-c", "app")
	require.NoError(t, err)
	defer func() {
		stop()
		cmd.Wait()
	}()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-fctx.Done():
				return
			}
		}
	}()
	next := func() string {
		t.Helper()
		select {
		case l, ok := <-lines:
			require.True(t, ok, "kubectl logs -f ended: %s", stderr.String())
			return l
		case <-fctx.Done():
			require.FailNow(t, "no log line", "%v: %s", fctx.Err(), stderr.String())
			return ""
		}
	}
	assert.Equal(t, "first", next())
	assert.Equal(t, "second", next())
	for i := range 3 {
		text := fmt.Sprintf("appended %d", i)
		require.NoError(t, c.WriteLog(ctx, ns, "tailer", "app", Lines(text)...))
		assert.Equal(t, text, next(), "each appended line is followed")
	}
}

// TestE2EKubeletExec checks `kubectl exec` against a kwok pod: the command
// runs on the host in the harness's exec directory, stdin reaches it and
// ends, stdout and stderr come back apart, and a non-zero exit status comes
// back as kubectl's exit code.
func TestE2EKubeletExec(t *testing.T) {
	c := Shared(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel) // parallel subtests run after this function returns
	ns := kubeletPodFor(t, ctx, c, "shell", "app")

	t.Run("output and working directory", func(t *testing.T) {
		t.Parallel()
		out, err := c.Kubectl(ctx, "", "-n", ns, "exec", "shell", "-c", "app", "--", "sh", "-c", "echo hi; pwd")
		require.NoError(t, err)
		assert.Equal(t, "hi\n"+filepath.Join(c.Dir, "kubelet", "exec")+"\n", out)
	})
	t.Run("stdin, stdout and stderr", func(t *testing.T) {
		t.Parallel()
		cmd := exec.CommandContext(ctx, c.Binaries.Kubectl, "--kubeconfig="+c.KubeconfigPath,
			"-n", ns, "exec", "-i", "shell", "--", "sh", "-c", `read a; read b; echo "got $a and $b"; echo "to stderr" >&2`)
		cmd.Stdin = strings.NewReader("one\ntwo\n")
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		require.NoError(t, cmd.Run(), stderr.String())
		assert.Equal(t, "got one and two\n", stdout.String())
		assert.Equal(t, "to stderr\n", stderr.String())
	})
	t.Run("exit code", func(t *testing.T) {
		t.Parallel()
		cmd := exec.CommandContext(ctx, c.Binaries.Kubectl, "--kubeconfig="+c.KubeconfigPath,
			"-n", ns, "exec", "shell", "--", "sh", "-c", "echo hi; exit 3")
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		assert.Equal(t, "hi\n", stdout.String(), "the output before the exit")
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee)
		assert.Equal(t, 3, ee.ExitCode(), "kubectl exits with the command's exit code: %s", stderr.String())
		assert.Equal(t, "command terminated with exit code 3\n", stderr.String())
	})
	t.Run("tty", func(t *testing.T) {
		t.Parallel()
		// kubectl asks for a TTY only when its own stdin is a terminal:
		// util-linux script runs it on one.
		scriptBin, err := exec.LookPath("script")
		// .ci/run installs it (bsdutils); an e2e test fails rather than skip.
		require.NoError(t, err, "this test needs script(1) (util-linux/bsdutils) to give kubectl a terminal")
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		q := func(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
		line := strings.Join([]string{q(c.Binaries.Kubectl), q("--kubeconfig=" + c.KubeconfigPath), "-n", q(ns),
			"exec", "-it", "shell", "--", "sh", "-c", q("if test -t 0 && test -t 1; then exit 5; fi; exit 6")}, " ")
		cmd := exec.CommandContext(cctx, scriptBin, "-qec", line, "/dev/null")
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee, string(out))
		// kwok closes the TTY as soon as the command exits, so what the
		// command printed last may be lost: the exit code says it all.
		assert.Equal(t, 5, ee.ExitCode(), "stdin and stdout are a TTY, and its exit code comes back: %s", out)
	})
	t.Run("stdin to its end", func(t *testing.T) {
		t.Parallel()
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		out, err := c.Kubectl(cctx, "line one\nline two\n", "-n", ns, "exec", "-i", "shell", "--", "sh", "-c", "cat; echo end")
		require.NoError(t, err, "the command sees the end of stdin and exits")
		assert.Equal(t, "line one\nline two\nend\n", out)
	})
}

// TestE2EKubeletAttach checks that `kubectl attach` streams the lines a
// container writes after the attach began, and only those.
func TestE2EKubeletAttach(t *testing.T) {
	c := Shared(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ns := kubeletPodFor(t, ctx, c, "daemon", "app", "sidecar")
	require.NoError(t, c.WriteLog(ctx, ns, "daemon", "app", Lines("written before the attach")...))

	actx, stop := context.WithTimeout(ctx, time.Minute)
	defer stop()
	var stderr syncBuffer
	cmd, out, err := c.kubectlStream(actx, &stderr, "-n", ns, "attach", "daemon", "-c", "app")
	require.NoError(t, err)
	defer func() {
		stop()
		cmd.Wait()
	}()
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	// When kwok begins to follow the file is not observable: write marks
	// until one arrives, then the lines under test.
	var got []string
	mark := 0
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
waitMark:
	for {
		require.NoError(t, c.WriteLog(ctx, ns, "daemon", "app", Lines(fmt.Sprintf("mark %d", mark))...))
		mark++
		select {
		case l, ok := <-lines:
			require.True(t, ok, "kubectl attach ended: %s", stderr.String())
			got = append(got, l)
			break waitMark
		case <-actx.Done():
			require.FailNow(t, "attach streamed nothing", "%v: %s", actx.Err(), stderr.String())
		case <-tick.C:
		}
	}
	require.NoError(t, c.WriteLog(ctx, ns, "daemon", "sidecar", Lines("sidecar line")...))
	require.NoError(t, c.WriteLog(ctx, ns, "daemon", "app", Lines("alpha\nbeta")...))
	for len(got) == 0 || got[len(got)-1] != "beta" {
		select {
		case l, ok := <-lines:
			require.True(t, ok, "kubectl attach ended: %s", stderr.String())
			got = append(got, l)
		case <-actx.Done():
			require.FailNow(t, "attach did not stream the lines", "got %q; %v: %s", got, actx.Err(), stderr.String())
		}
	}
	require.GreaterOrEqual(t, len(got), 3)
	assert.Equal(t, []string{"alpha", "beta"}, got[len(got)-2:], "the lines written after the attach, in order")
	for _, l := range got[:len(got)-2] {
		assert.True(t, strings.HasPrefix(l, "mark "), "only marks came before: %q", l)
	}
	assert.NotContains(t, got, "written before the attach", "attach starts at the end of the output")
	assert.NotContains(t, got, "sidecar line", "attach streams the chosen container only")
}

// TestE2EKubeletPortForward checks `kubectl port-forward` to kwok pods: an
// HTTP request through a forwarded port is answered by the server the
// test runs, the echo port echoes, and an unforwarded port fails.
func TestE2EKubeletPortForward(t *testing.T) {
	c := Shared(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel) // parallel subtests run after this function returns
	ns := kubeletPodFor(t, ctx, c, "server", "app")

	c.ServePodPort(t, ns, "server", 80, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from the pod's port 80: %s %s", r.Method, r.URL.Path)
	}))
	// A second port, forwarded with ForwardPort to a server of the test's.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "port 8443")
	}))
	t.Cleanup(srv.Close)
	require.NoError(t, c.ForwardPort(ctx, ns, "server", 8443, srv.Listener.Addr().String()))

	// forward runs `kubectl port-forward` with spec ("local:remote" or
	// ":remote") and returns the local address and a channel closed when
	// kubectl exits.
	forward := func(t *testing.T, spec string, stderr io.Writer) (string, <-chan struct{}) {
		t.Helper()
		fctx, stop := context.WithTimeout(ctx, time.Minute)
		cmd, out, err := c.kubectlStream(fctx, stderr, "-n", ns, "port-forward", "pod/server", "--address=127.0.0.1", spec)
		require.NoError(t, err)
		port, err := forwardedPort(fctx, out)
		done := make(chan struct{})
		go func() {
			cmd.Wait()
			close(done)
		}()
		t.Cleanup(func() {
			stop()
			<-done
		})
		require.NoError(t, err)
		return "127.0.0.1:" + strconv.Itoa(port), done
	}

	t.Run("http", func(t *testing.T) {
		t.Parallel()
		ports, err := freePorts(1)
		require.NoError(t, err)
		var stderr syncBuffer
		addr, _ := forward(t, strconv.Itoa(ports[0])+":80", &stderr)
		assert.Equal(t, "127.0.0.1:"+strconv.Itoa(ports[0]), addr, "the local port asked for")
		cl := &http.Client{Timeout: 10 * time.Second}
		for _, path := range []string{"/first", "/second"} {
			resp, err := cl.Get("http://" + addr + path)
			require.NoError(t, err, stderr.String())
			body, err := io.ReadAll(io.LimitReader(resp.Body, 1024))
			resp.Body.Close()
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, "hello from the pod's port 80: GET "+path, string(body), "each connection reaches the server")
		}
	})
	t.Run("two ports", func(t *testing.T) {
		t.Parallel()
		var stderr syncBuffer
		addr, _ := forward(t, ":8443", &stderr)
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://" + addr + "/")
		require.NoError(t, err, stderr.String())
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1024))
		resp.Body.Close()
		require.NoError(t, err)
		assert.Equal(t, "port 8443", string(body), "the second forward did not replace the first (checked by http)")
	})
	t.Run("echo", func(t *testing.T) {
		t.Parallel()
		var stderr syncBuffer
		addr, _ := forward(t, ":"+strconv.Itoa(EchoPort), &stderr)
		conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
		require.NoError(t, err)
		defer conn.Close()
		require.NoError(t, conn.SetDeadline(time.Now().Add(20*time.Second)))
		_, err = io.WriteString(conn, "ping\n")
		require.NoError(t, err)
		got, err := bufio.NewReader(conn).ReadString('\n')
		require.NoError(t, err, stderr.String())
		assert.Equal(t, "ping\n", got)
	})
	t.Run("unforwarded port", func(t *testing.T) {
		t.Parallel()
		var stderr syncBuffer
		addr, done := forward(t, ":81", &stderr)
		conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
		require.NoError(t, err)
		defer conn.Close()
		require.NoError(t, conn.SetDeadline(time.Now().Add(20*time.Second)))
		n, _ := conn.Read(make([]byte, 16))
		assert.Zero(t, n, "the connection closes without data")
		// kubectl reports the remote error and stops forwarding.
		select {
		case <-done:
		case <-ctx.Done():
			require.FailNow(t, "kubectl port-forward did not stop", stderr.String())
		}
		assert.Contains(t, stderr.String(), `forward not found for port 81 in pod \"`+ns+`/server\"`)
		assert.Contains(t, stderr.String(), "error: lost connection to pod")
	})
	t.Run("bad target", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			port   int32
			target string
			reason string
		}{
			{EchoPort, "127.0.0.1:1", "the echo port is the harness's"},
			{probePort, "127.0.0.1:1", "the probe port is the harness's"},
			{80, "127.0.0.1", "no port"},
			{80, "127.0.0.1:0", "port zero"},
		} {
			assert.Error(t, c.ForwardPort(ctx, ns, "server", tc.port, tc.target), tc.reason)
		}
	})
}
