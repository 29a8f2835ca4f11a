package remote_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/internal/testutil"
	"github.com/kube-for-go/kube/remote"
	"github.com/kube-for-go/kube/transport"
)

// e2ePod starts a kwok pod with the containers in a fresh namespace, waits
// until it is ready, and returns the cluster, a client over the direct
// HTTPS kubeconfig connection, the namespace and a deadline context.
func e2ePod(t *testing.T, name string, containers ...string) (*testutil.Cluster, *kube.Cluster, string, context.Context) {
	t.Helper()
	tc := testutil.Shared(t)
	require.GreaterOrEqual(t, tc.Harness, 3, "the shared cluster's kwok does not serve the kubelet API: restart it (make cluster-down)")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	ns := tc.Namespace(t)
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
	_, err = tc.Kubectl(ctx, string(pod), "apply", "-f", "-")
	require.NoError(t, err)
	_, err = tc.Kubectl(ctx, "", "-n", ns, "wait", "pod/"+name, "--for=condition=Ready", "--timeout=60s")
	require.NoError(t, err)
	cfg, err := transport.LoadKubeconfig(transport.KubeconfigOptions{Paths: []string{tc.KubeconfigPath}})
	require.NoError(t, err)
	c, err := kube.NewFromConfig(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return tc, c, ns, ctx
}

func TestE2EExec(t *testing.T) {
	tc, c, ns, ctx := e2ePod(t, "shell", "app")
	pods := c.Pods.In(ns)

	t.Run("output and working directory", func(t *testing.T) {
		var out, errOut strings.Builder
		err := remote.Exec(ctx, pods, "shell", remote.ExecOptions{
			Command: []string{"sh", "-c", "echo hi; pwd; echo oops >&2"},
			Streams: remote.Streams{Stdout: &out, Stderr: &errOut},
		})
		require.NoError(t, err)
		assert.Equal(t, "hi\n"+filepath.Join(tc.Dir, "kubelet", "exec")+"\n", out.String())
		assert.Equal(t, "oops\n", errOut.String(), "stderr comes apart")
	})
	t.Run("stdin to its end", func(t *testing.T) {
		var out strings.Builder
		err := remote.Exec(ctx, pods, "shell", remote.ExecOptions{
			Command: []string{"sh", "-c", `read a; read b; echo "got $a and $b"; cat; echo end`},
			Streams: remote.Streams{Stdin: strings.NewReader("one\ntwo\nrest\n"), Stdout: &out},
		})
		require.NoError(t, err, "the command sees the end of stdin (v5 close) and exits")
		assert.Equal(t, "got one and two\nrest\nend\n", out.String())
	})
	t.Run("exit code", func(t *testing.T) {
		var out strings.Builder
		err := remote.Exec(ctx, pods, "shell", remote.ExecOptions{
			Command: []string{"sh", "-c", "echo before; exit 3"},
			Streams: remote.Streams{Stdout: &out},
		})
		var ee *remote.ExitError
		require.ErrorAs(t, err, &ee)
		assert.Equal(t, 3, ee.Code)
		assert.Equal(t, ns+"/shell", ee.Pod)
		assert.Equal(t, "before\n", out.String(), "the output before the exit")
		var se *remote.StreamError
		assert.False(t, errors.As(err, &se), "a non-zero exit is not a stream failure")
	})
}

func TestE2EPortForward(t *testing.T) {
	tc, c, ns, ctx := e2ePod(t, "server", "app")
	pods := c.Pods.In(ns)
	tc.ServePodPort(t, ns, "server", 80, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from the pod's port 80: %s %s", r.Method, r.URL.Path)
	}))

	t.Run("dialer echo", func(t *testing.T) {
		conn, err := remote.NewDialer(pods, "server").DialPort(ctx, testutil.EchoPort)
		require.NoError(t, err)
		defer conn.Close()
		require.NoError(t, conn.SetDeadline(time.Now().Add(20*time.Second)))
		_, err = io.WriteString(conn, "ping\n")
		require.NoError(t, err)
		got, err := bufio.NewReader(conn).ReadString('\n')
		require.NoError(t, err)
		assert.Equal(t, "ping\n", got)
		assert.Equal(t, ns+"/server:7", conn.RemoteAddr().String())
	})
	t.Run("dialer http", func(t *testing.T) {
		d := remote.NewDialer(pods, "server")
		hc := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
		defer hc.CloseIdleConnections()
		for _, path := range []string{"/first", "/second"} {
			resp, err := hc.Get("http://pod:80" + path)
			require.NoError(t, err)
			body, err := io.ReadAll(io.LimitReader(resp.Body, 1024))
			resp.Body.Close()
			require.NoError(t, err)
			assert.Equal(t, "hello from the pod's port 80: GET "+path, string(body))
		}
	})
	t.Run("dialer remote error", func(t *testing.T) {
		conn, err := remote.NewDialer(pods, "server").DialPort(ctx, 81)
		require.NoError(t, err, "the stream opens; the error comes on it")
		defer conn.Close()
		require.NoError(t, conn.SetDeadline(time.Now().Add(20*time.Second)))
		_, err = io.ReadAll(conn)
		var re *remote.RemoteError
		require.ErrorAs(t, err, &re, "the connection's read reports the remote error")
		assert.Contains(t, re.Message, "port 81")
	})
	t.Run("forwarder", func(t *testing.T) {
		var mu sync.Mutex
		var errs []error
		f, err := remote.Forward(ctx, pods, "server", remote.ForwardOptions{
			Ports:   []remote.PortMapping{{Remote: 80}, {Remote: testutil.EchoPort}, {Remote: 81}},
			OnError: func(_ net.Addr, err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() },
		})
		require.NoError(t, err)
		defer f.Close()
		addrs := f.Addrs()
		require.Len(t, addrs, 3)
		hc := &http.Client{Timeout: 20 * time.Second}
		resp, err := hc.Get("http://" + addrs[0].String() + "/via-listener")
		require.NoError(t, err)
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		resp.Body.Close()
		assert.Equal(t, "hello from the pod's port 80: GET /via-listener", string(body))

		conn, err := net.DialTimeout("tcp", addrs[1].String(), 10*time.Second)
		require.NoError(t, err)
		require.NoError(t, conn.SetDeadline(time.Now().Add(20*time.Second)))
		_, err = io.WriteString(conn, "echo me\n")
		require.NoError(t, err)
		got, err := bufio.NewReader(conn).ReadString('\n')
		require.NoError(t, err)
		assert.Equal(t, "echo me\n", got)
		conn.Close()

		conn, err = net.DialTimeout("tcp", addrs[2].String(), 10*time.Second)
		require.NoError(t, err)
		require.NoError(t, conn.SetDeadline(time.Now().Add(20*time.Second)))
		n, _ := conn.Read(make([]byte, 16))
		assert.Zero(t, n, "an unforwarded port closes the local connection")
		conn.Close()
		ectx, ecancel := context.WithTimeout(ctx, 20*time.Second)
		defer ecancel()
		testutil.Eventually(t, ectx, "OnError reports the remote error", func() error {
			mu.Lock()
			defer mu.Unlock()
			if len(errs) == 0 {
				return errors.New("no error reported yet")
			}
			return nil
		})
		var re *remote.RemoteError
		mu.Lock()
		assert.ErrorAs(t, errs[0], &re)
		mu.Unlock()

		require.NoError(t, f.Close())
		_, err = net.DialTimeout("tcp", addrs[0].String(), time.Second)
		assert.Error(t, err, "Close stops listening")
	})
}

func TestE2EExecTTY(t *testing.T) {
	_, c, ns, ctx := e2ePod(t, "term", "app")
	pods := c.Pods.In(ns)
	// Stdin stays open (a TTY whose input ends may hang up the command).
	stdin, feed := io.Pipe()
	defer feed.Close()
	sizes := make(chan remote.TerminalSize, 1)
	sizes <- remote.TerminalSize{Width: 101, Height: 42}
	var out strings.Builder
	err := remote.Exec(ctx, pods, "term", remote.ExecOptions{
		// The exit code says it all: kwok may lose the output written just
		// before the exit of a TTY command.
		Command: []string{"sh", "-c", `test -t 0 && test -t 1 || exit 6; for i in 1 2 3 4 5 6 7 8 9 10; do set -- $(stty size); test "$1" = 42 && exit 5; sleep 0.2; done; exit 7`},
		Streams: remote.Streams{Stdin: stdin, Stdout: &out, TTY: true, Resize: sizes},
	})
	var ee *remote.ExitError
	require.ErrorAs(t, err, &ee, "output: %q", out.String())
	assert.Equal(t, 5, ee.Code, "stdin and stdout are a terminal, resized to 42 rows (6: no TTY, 7: no resize); output %q", out.String())
}

func TestE2EAttach(t *testing.T) {
	tc, c, ns, ctx := e2ePod(t, "daemon", "app", "sidecar")
	pods := c.Pods.In(ns)
	require.NoError(t, tc.WriteLog(ctx, ns, "daemon", "app", testutil.Lines("written before the attach")...))

	actx, stop := context.WithCancel(ctx)
	defer stop()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- remote.Attach(actx, pods, "daemon", remote.AttachOptions{Container: "app", Streams: remote.Streams{Stdout: pw}})
		pw.Close()
	}()
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	// When kwok begins to follow the output is not observable: write marks
	// until one arrives, then the lines under test.
	var got []string
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for mark := 0; len(got) == 0; mark++ {
		require.NoError(t, tc.WriteLog(ctx, ns, "daemon", "app", testutil.Lines(fmt.Sprintf("mark %d", mark))...))
		select {
		case l, ok := <-lines:
			if !ok {
				require.FailNow(t, "attach ended", "%v", <-done)
			}
			got = append(got, l)
		case <-ctx.Done():
			require.FailNow(t, "attach streamed nothing")
		case <-tick.C:
		}
	}
	require.NoError(t, tc.WriteLog(ctx, ns, "daemon", "sidecar", testutil.Lines("sidecar line")...))
	require.NoError(t, tc.WriteLog(ctx, ns, "daemon", "app", testutil.Lines("alpha\nbeta")...))
	for got[len(got)-1] != "beta" {
		select {
		case l, ok := <-lines:
			if !ok {
				require.FailNow(t, "attach ended", "%v", <-done)
			}
			got = append(got, l)
		case <-ctx.Done():
			require.FailNow(t, "attach did not stream the lines", "got %q", got)
		}
	}
	assert.Equal(t, []string{"alpha", "beta"}, got[len(got)-2:], "the lines written after the attach, in order")
	assert.NotContains(t, got, "written before the attach")
	assert.NotContains(t, got, "sidecar line", "the chosen container only")

	stop()
	select {
	case err := <-done:
		var se *remote.StreamError
		require.ErrorAs(t, err, &se, "ending ctx ends the attach")
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(20 * time.Second):
		require.FailNow(t, "Attach did not return after ctx ended")
	}
}

func TestE2EThroughKubectlProxy(t *testing.T) {
	tc, _, ns, ctx := e2ePod(t, "proxied", "app")
	c, err := kube.New(kube.Options{URL: tc.ProxyURL})
	require.NoError(t, err)
	defer c.Close()
	pods := c.Pods.In(ns)

	err = remote.Exec(ctx, pods, "proxied", remote.ExecOptions{Command: []string{"true"}})
	require.ErrorIs(t, err, remote.ErrProxyRejected, "kubectl proxy rejects exec paths by default")
	var pe *remote.ProxyRejectedError
	require.ErrorAs(t, err, &pe)
	assert.Contains(t, err.Error(), "--reject-paths")
	assert.Contains(t, pe.Path, "/pods/proxied/exec")

	err = remote.Attach(ctx, pods, "proxied", remote.AttachOptions{})
	require.ErrorIs(t, err, remote.ErrProxyRejected, "and attach paths")

	// Port-forward is not among the proxy's rejected paths: it works.
	conn, err := remote.NewDialer(pods, "proxied").DialPort(ctx, testutil.EchoPort)
	require.NoError(t, err, "port-forward through kubectl proxy")
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(20*time.Second)))
	_, err = io.WriteString(conn, "through the proxy\n")
	require.NoError(t, err)
	got, err := bufio.NewReader(conn).ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "through the proxy\n", got)

	// A missing pod is the API server's answer, not the proxy's.
	err = remote.Exec(ctx, c.Pods.In(ns), "missing", remote.ExecOptions{Command: []string{"true"}})
	require.ErrorIs(t, err, remote.ErrProxyRejected, "the proxy filters on the path, before the API server")
}

// TestE2ECopy copies a directory into a kwok pod (whose exec runs on the
// host, in the harness's exec directory) and back, like kubectl cp.
func TestE2ECopy(t *testing.T) {
	tc, c, ns, ctx := e2ePod(t, "files", "app")
	pods := c.Pods.In(ns)
	remoteDir := "copy-" + ns // relative to the exec directory every kwok pod shares
	t.Cleanup(func() { os.RemoveAll(filepath.Join(tc.Dir, "kubelet", "exec", remoteDir)) })
	require.NoError(t, remote.Exec(ctx, pods, "files", remote.ExecOptions{Command: []string{"mkdir", "-p", remoteDir}}))

	src := filepath.Join(t.TempDir(), "tree")
	require.NoError(t, os.MkdirAll(filepath.Join(src, "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(src, "a.txt"), []byte("alpha\n"), 0o644))
	big := strings.Repeat("0123456789abcdef", 1<<14) // 256 KiB: many stdin messages
	require.NoError(t, os.WriteFile(filepath.Join(src, "sub", "big.bin"), []byte(big), 0o644))

	require.NoError(t, remote.CopyTo(ctx, pods, "files", src, remoteDir, remote.CopyOptions{}))
	var out strings.Builder
	require.NoError(t, remote.Exec(ctx, pods, "files", remote.ExecOptions{
		Command: []string{"sh", "-c", "cat " + remoteDir + "/tree/a.txt; wc -c < " + remoteDir + "/tree/sub/big.bin"},
		Streams: remote.Streams{Stdout: &out},
	}))
	assert.Equal(t, "alpha\n"+strconv.Itoa(len(big)), strings.TrimSpace(out.String()), "the files arrived in the container")

	dst := t.TempDir()
	require.NoError(t, remote.CopyFrom(ctx, pods, "files", remoteDir+"/tree", dst, remote.CopyOptions{}))
	data, err := os.ReadFile(filepath.Join(dst, "tree", "a.txt"))
	require.NoError(t, err)
	assert.Equal(t, "alpha\n", string(data))
	data, err = os.ReadFile(filepath.Join(dst, "tree", "sub", "big.bin"))
	require.NoError(t, err)
	assert.Equal(t, big, string(data), "and came back whole")

	err = remote.CopyFrom(ctx, pods, "files", remoteDir+"/missing", dst, remote.CopyOptions{})
	var ee *remote.ExitError
	require.ErrorAs(t, err, &ee, "tar fails in the container")
	assert.Contains(t, err.Error(), "missing", "with tar's message")

	err = remote.CopyFrom(ctx, pods, "files", remoteDir+"/tree", dst, remote.CopyOptions{MaxBytes: 1000})
	assert.ErrorIs(t, err, remote.ErrTooLarge)
}
