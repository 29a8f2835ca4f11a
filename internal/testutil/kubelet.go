package testutil

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The kubelet API of the kwok pods
//
// kwok serves the kubelet API (containerLogs, exec, attach, portForward)
// for its fake pods over HTTPS on loopback (Cluster.KubeletURL), with a
// serving certificate from the cluster CA; the nodes' InternalIP is
// 127.0.0.1 and their kubelet port is that server's, so the apiserver
// reaches it (with --kubelet-client-certificate and
// --kubelet-certificate-authority) and `kubectl logs`, `exec`, `attach` and
// `port-forward` work against every kwok pod. What kwok answers is
// configured with its kwok.x-k8s.io/v1alpha1 objects:
//
//   - logs: every container logs the single line DefaultLogLine until
//     WriteLog (or PodLogFile) gives the pod its own log files, in the CRI
//     log format, under Dir/kubelet/pods; every option of `kubectl logs`
//     works on them (follow, tail, timestamps, since, limit bytes, previous
//     with WritePreviousLog, container selection);
//   - exec runs the command on the host, as the user running kwok, in
//     Dir/kubelet/exec (a ClusterExec for every pod), with stdin, stdout,
//     stderr or a TTY; a non-zero exit status comes back as the
//     NonZeroExitCode status with the exit code, as from a kubelet. Both
//     that and the end of stdin reaching the command need the harness's
//     patches to kwok v0.7.0 (kwokPatches in patch.go). With a TTY, kwok
//     closes the terminal as soon as the command exits, so output written
//     just before the exit may be lost;
//   - attach streams what WriteLog appends after the attach began (kwok
//     follows the container's attach file from its end; it ignores stdin
//     and TTY resizes);
//   - port-forward: pod port EchoPort of every pod echoes what it receives
//     (kwok runs cat); ForwardPort forwards another pod port to a loopback
//     address; a connection to any other port fails with kwok's error
//     ("no forward found for port N", or "forward not found for port N"
//     once the pod has forwards of its own), and kubectl port-forward
//     stops.
//
// The per-pod objects (kinds Logs, Attach and PortForward, named after the
// pod and owned by it, so they go with it) reach kwok through a watch;
// WriteLog, PodLogFile, ForwardPort and ServePodPort return only once kwok
// serves them.

// DefaultLogLine is the log of every container of a kwok pod for which
// WriteLog and PodLogFile were never called.
const DefaultLogLine = "kwok: no log was written for this container (see testutil.Cluster.WriteLog)"

// EchoPort is the pod port that every kwok pod echoes: what a port-forward
// connection to it sends comes back.
const EchoPort = 7

// probePort is the pod port ForwardPort uses to see that kwok serves a new
// PortForward object; it must not be forwarded otherwise.
const probePort = 65535

// probeNonceLen is the length of what the probe listener of ForwardPort
// answers.
const probeNonceLen = 32

// kubeletWait bounds how long WriteLog, PodLogFile and ForwardPort wait for
// kwok to serve a new per-pod object.
const kubeletWait = 60 * time.Second

// LogLine is one line a container wrote, as kwok serves it.
type LogLine struct {
	Time   time.Time // when the container wrote it; the zero Time means now
	Stderr bool      // written to standard error rather than standard output
	Text   string    // the line, without a line break
}

// Lines returns one LogLine on standard output per line of text, each
// stamped with the current time.
func Lines(text string) []LogLine {
	var out []LogLine
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		out = append(out, LogLine{Text: l})
	}
	return out
}

// criLine formats l as a line of the CRI log format kwok reads
// ("<RFC 3339 time> <stdout|stderr> F <text>\n").
func criLine(l LogLine) (string, error) {
	if strings.ContainsAny(l.Text, "\r\n") {
		return "", fmt.Errorf("testutil: a log line must not contain a line break: %q", l.Text)
	}
	t := l.Time
	if t.IsZero() {
		t = time.Now()
	}
	stream := "stdout"
	if l.Stderr {
		stream = "stderr"
	}
	return t.UTC().Format(time.RFC3339Nano) + " " + stream + " F " + l.Text + "\n", nil
}

// kubeletDir is where the harness keeps what kwok serves for the pods.
func (c *Cluster) kubeletDir() string { return filepath.Join(c.Dir, "kubelet") }

// kubeletConfig prepares Dir/kubelet and returns the kwok documents that
// configure what every pod serves (see above), as JSON documents (which
// are YAML) for kwok's --config.
func kubeletConfig(dir string) ([]string, error) {
	kdir := filepath.Join(dir, "kubelet")
	for _, d := range []string{kdir, filepath.Join(kdir, "exec"), filepath.Join(kdir, "pods")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	line, err := criLine(LogLine{Time: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), Text: DefaultLogLine})
	if err != nil {
		return nil, err
	}
	defaultLog := filepath.Join(kdir, "default.log")
	if err := os.WriteFile(defaultLog, []byte(line), 0o644); err != nil {
		return nil, err
	}
	defaultAttach := filepath.Join(kdir, "default.attach.log")
	if err := os.WriteFile(defaultAttach, nil, 0o644); err != nil {
		return nil, err
	}
	objs := []map[string]any{
		kwokObject("ClusterLogs", "harness-default", map[string]any{
			"logs": []any{map[string]any{"logsFile": defaultLog}},
		}),
		kwokObject("ClusterAttach", "harness-default", map[string]any{
			"attaches": []any{map[string]any{"logsFile": defaultAttach}},
		}),
		kwokObject("ClusterExec", "harness-local", map[string]any{
			"execs": []any{map[string]any{"local": map[string]any{"workDir": filepath.Join(kdir, "exec")}}},
		}),
		kwokObject("ClusterPortForward", "harness-echo", map[string]any{
			"forwards": []any{echoForward()},
		}),
	}
	var docs []string
	for _, o := range objs {
		data, err := json.Marshal(o)
		if err != nil {
			return nil, err
		}
		docs = append(docs, string(data))
	}
	return docs, nil
}

// echoForward is the forward of EchoPort: kwok runs cat with the
// connection as its standard input and output.
func echoForward() map[string]any {
	return map[string]any{"ports": []int32{EchoPort}, "command": []string{"cat"}}
}

func kwokObject(kind, name string, spec map[string]any) map[string]any {
	return map[string]any{
		"apiVersion": "kwok.x-k8s.io/v1alpha1", "kind": kind,
		"metadata": map[string]any{"name": name},
		"spec":     spec,
	}
}

// kwokCRDKinds are the kinds kwok watches in the cluster (--enable-crds);
// the cluster-wide ones are static, in kwok's configuration.
var kwokCRDKinds = []string{"Logs", "Attach", "PortForward"}

// installKwokCRDs creates kwok's CustomResourceDefinitions and waits until
// they are established, so kwok's watches start on served resources.
func (c *Cluster) installKwokCRDs(ctx context.Context, files []string) error {
	args := []string{"apply", "--server-side"}
	for _, f := range files {
		args = append(args, "-f", f)
	}
	if _, err := c.Kubectl(ctx, "", args...); err != nil {
		return fmt.Errorf("testutil: install kwok CRDs: %w", err)
	}
	args = []string{"wait", "--for=condition=Established", "--timeout=60s"}
	for _, f := range files {
		args = append(args, "-f", f)
	}
	if _, err := c.Kubectl(ctx, "", args...); err != nil {
		return fmt.Errorf("testutil: kwok CRDs not established: %w", err)
	}
	return nil
}

// kubeletPod is what the harness knows of a pod it serves.
type kubeletPod struct {
	namespace, name, uid string
	containers           []string // containers and init containers, in order
}

func (p *kubeletPod) dir(c *Cluster) string {
	return filepath.Join(c.kubeletDir(), "pods", p.namespace, p.name, p.uid)
}

func (p *kubeletPod) has(container string) bool {
	for _, n := range p.containers {
		if n == container {
			return true
		}
	}
	return false
}

// readyPods records the pods (by run directory and uid) whose Logs and
// Attach objects kwok serves.
var readyPods sync.Map

// getPod waits until the pod is scheduled and returns it.
func (c *Cluster) getPod(ctx context.Context, admin *http.Client, namespace, name string) (*kubeletPod, error) {
	var pod map[string]any
	err := c.waitJSON(ctx, admin, "/api/v1/namespaces/"+url.PathEscape(namespace)+"/pods/"+url.PathEscape(name), kubeletWait, func(obj map[string]any) bool {
		pod = obj
		spec, _ := obj["spec"].(map[string]any)
		node, _ := spec["nodeName"].(string)
		return node != ""
	})
	if err != nil {
		return nil, fmt.Errorf("testutil: pod %s/%s is not scheduled: %w", namespace, name, err)
	}
	meta, _ := pod["metadata"].(map[string]any)
	spec, _ := pod["spec"].(map[string]any)
	p := &kubeletPod{namespace: namespace, name: name}
	p.uid, _ = meta["uid"].(string)
	for _, field := range []string{"containers", "initContainers"} {
		list, _ := spec[field].([]any)
		for _, ct := range list {
			m, _ := ct.(map[string]any)
			if n, _ := m["name"].(string); n != "" {
				p.containers = append(p.containers, n)
			}
		}
	}
	if p.uid == "" || len(p.containers) == 0 {
		return nil, fmt.Errorf("testutil: pod %s/%s has no uid or no containers", namespace, name)
	}
	return p, nil
}

// servePod makes kwok serve the pod's logs and attach from its own files
// and returns the pod once it does.
func (c *Cluster) servePod(ctx context.Context, namespace, name string) (*kubeletPod, error) {
	admin, err := c.AdminClient()
	if err != nil {
		return nil, err
	}
	p, err := c.getPod(ctx, admin, namespace, name)
	if err != nil {
		return nil, err
	}
	key := c.Dir + "\x00" + p.uid
	if _, ok := readyPods.Load(key); ok {
		return p, nil
	}
	dir := p.dir(c)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var logs, attaches []any
	for _, ct := range p.containers {
		for _, f := range []string{ct + ".log", ct + ".attach.log"} {
			fh, err := os.OpenFile(filepath.Join(dir, f), os.O_CREATE|os.O_WRONLY, 0o644)
			if err != nil {
				return nil, err
			}
			fh.Close()
		}
		logs = append(logs, map[string]any{
			"containers":       []string{ct},
			"logsFile":         filepath.Join(dir, ct+".log"),
			"previousLogsFile": filepath.Join(dir, ct+".previous.log"),
		})
		attaches = append(attaches, map[string]any{
			"containers": []string{ct},
			"logsFile":   filepath.Join(dir, ct+".attach.log"),
		})
	}
	// Attach first: that its object reached kwok is checked last.
	if err := c.putPodObject(ctx, admin, p, "attaches", "Attach", map[string]any{"attaches": attaches}, nil); err != nil {
		return nil, err
	}
	if err := c.putPodObject(ctx, admin, p, "logs", "Logs", map[string]any{"logs": logs}, nil); err != nil {
		return nil, err
	}
	if err := c.waitPodLogs(ctx, admin, p); err != nil {
		return nil, err
	}
	if err := c.probeAttach(ctx, p); err != nil {
		return nil, err
	}
	readyPods.Store(key, true)
	return p, nil
}

// putPodObject creates or replaces the kwok object of a kind for the pod
// (named after it and owned by it). When edit is not nil, it computes the
// new spec from the current one (nil when there is none).
func (c *Cluster) putPodObject(ctx context.Context, admin *http.Client, p *kubeletPod, resource, kind string, spec map[string]any, edit func(old map[string]any) map[string]any) error {
	base := c.ServerURL + "/apis/kwok.x-k8s.io/v1alpha1/namespaces/" + url.PathEscape(p.namespace) + "/" + resource
	for attempt := 0; attempt < 10; attempt++ {
		cur, err := doJSON(ctx, admin, http.MethodGet, base+"/"+url.PathEscape(p.name), nil, http.StatusOK)
		exists := err == nil
		if err != nil && !strings.Contains(err.Error(), "HTTP 404") {
			return fmt.Errorf("testutil: get %s %s/%s: %w", kind, p.namespace, p.name, err)
		}
		if edit != nil {
			var old map[string]any
			if exists && ownedBy(cur, p.uid) {
				old, _ = cur["spec"].(map[string]any)
			}
			spec = edit(old)
		}
		obj := kwokObject(kind, p.name, spec)
		meta := obj["metadata"].(map[string]any)
		meta["namespace"] = p.namespace
		meta["ownerReferences"] = []any{map[string]any{
			"apiVersion": "v1", "kind": "Pod", "name": p.name, "uid": p.uid,
		}}
		if exists {
			curMeta, _ := cur["metadata"].(map[string]any)
			meta["resourceVersion"] = curMeta["resourceVersion"]
			_, err = doJSON(ctx, admin, http.MethodPut, base+"/"+url.PathEscape(p.name), obj, http.StatusOK)
		} else {
			_, err = doJSON(ctx, admin, http.MethodPost, base, obj, http.StatusCreated)
		}
		if err == nil {
			return nil
		}
		if !strings.Contains(err.Error(), "HTTP 409") {
			return fmt.Errorf("testutil: write %s %s/%s: %w", kind, p.namespace, p.name, err)
		}
		// A concurrent writer won: read again and redo the change.
	}
	return fmt.Errorf("testutil: write %s %s/%s: too many conflicts", kind, p.namespace, p.name)
}

func ownedBy(obj map[string]any, uid string) bool {
	meta, _ := obj["metadata"].(map[string]any)
	refs, _ := meta["ownerReferences"].([]any)
	for _, r := range refs {
		m, _ := r.(map[string]any)
		if m["uid"] == uid {
			return true
		}
	}
	return false
}

// waitPodLogs waits until the apiserver serves the pod's first container's
// log from the pod's own file (empty or written) rather than the default.
func (c *Cluster) waitPodLogs(ctx context.Context, admin *http.Client, p *kubeletPod) error {
	ctx, cancel := context.WithTimeout(ctx, kubeletWait)
	defer cancel()
	u := c.ServerURL + "/api/v1/namespaces/" + url.PathEscape(p.namespace) + "/pods/" + url.PathEscape(p.name) +
		"/log?container=" + url.QueryEscape(p.containers[0]) + "&limitBytes=4096"
	var last string
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		resp, err := admin.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && !bytes.Contains(body, []byte(DefaultLogLine)) {
				return nil
			}
			last = fmt.Sprintf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(body))
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("testutil: kwok does not serve the log of pod %s/%s: %w (last: %s)", p.namespace, p.name, ctx.Err(), last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// kubectlStream starts kubectl with the admin kubeconfig and returns it with
// a reader of its standard output; its standard error is kept in stderr.
// Cancelling ctx kills it.
func (c *Cluster) kubectlStream(ctx context.Context, stderr io.Writer, args ...string) (*exec.Cmd, io.Reader, error) {
	cmd := exec.CommandContext(ctx, c.Binaries.Kubectl, append([]string{"--kubeconfig=" + c.KubeconfigPath}, args...)...)
	cmd.Stderr = stderr
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("testutil: start kubectl: %w", err)
	}
	return cmd, out, nil
}

// syncBuffer is a bytes.Buffer safe for a writer and readers in different
// goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// probeAttach waits until `kubectl attach` to the pod's first container
// streams what is appended to that container's attach file: then kwok
// serves the pod's Attach object. The probe lines stay in the attach file,
// which attach only follows from its end.
func (c *Cluster) probeAttach(ctx context.Context, p *kubeletPod) error {
	ctx, cancel := context.WithTimeout(ctx, kubeletWait)
	defer cancel()
	file := filepath.Join(p.dir(c), p.containers[0]+".attach.log")
	var last string
	for ctx.Err() == nil {
		ok, msg := c.probeAttachOnce(ctx, p, file)
		if ok {
			return nil
		}
		last = msg
	}
	return fmt.Errorf("testutil: kwok does not serve attach for pod %s/%s: %w (last: %s)", p.namespace, p.name, ctx.Err(), last)
}

func (c *Cluster) probeAttachOnce(ctx context.Context, p *kubeletPod, file string) (bool, string) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var stderr syncBuffer
	cmd, out, err := c.kubectlStream(ctx, &stderr, "attach", "-n", p.namespace, p.name, "-c", p.containers[0])
	if err != nil {
		return false, err.Error()
	}
	defer func() {
		cancel()
		cmd.Wait()
	}()
	nonce := "kwok-harness-probe " + randomHex(8)
	seen := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.Contains(sc.Text(), nonce) {
				close(seen)
				io.Copy(io.Discard, out)
				return
			}
		}
	}()
	line, _ := criLine(LogLine{Text: nonce})
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := appendFile(file, line); err != nil {
			return false, err.Error()
		}
		select {
		case <-seen:
			return true, ""
		case <-ctx.Done():
			return false, "kubectl attach: " + strings.TrimSpace(stderr.String())
		case <-tick.C:
		}
	}
}

func appendFile(path, data string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	// One write per call: a reader never sees half a line.
	_, err = f.WriteString(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// PodLogFile returns the file kwok serves as the log of a container of a
// scheduled kwok pod (or its previous instance's log, for `kubectl logs
// --previous`), after making kwok serve the pod's logs from its own files
// (see WriteLog). The file is in the CRI log format: one
// "<RFC 3339 time> <stdout|stderr> F <text>" line per line; a line written
// in pieces ("P" instead of "F" marks a partial line) must be written with
// a single write to be read whole. The previous log file does not exist
// until WritePreviousLog writes it.
func (c *Cluster) PodLogFile(ctx context.Context, namespace, pod, container string, previous bool) (string, error) {
	p, err := c.servePod(ctx, namespace, pod)
	if err != nil {
		return "", err
	}
	if !p.has(container) {
		return "", fmt.Errorf("testutil: pod %s/%s has no container %q (it has %s)", namespace, pod, container, strings.Join(p.containers, ", "))
	}
	name := container + ".log"
	if previous {
		name = container + ".previous.log"
	}
	return filepath.Join(p.dir(c), name), nil
}

// WriteLog appends lines to the log of a container of a scheduled kwok pod,
// as `kubectl logs` (and, from when it begins, `kubectl attach`) shows it.
// The first call for a pod gives it log files of its own (every container's
// log is then empty until written) and waits until kwok serves them, which
// takes a `kubectl attach` and up to a minute. Lines are appended with one
// write each, so `kubectl logs -f` sees whole lines.
func (c *Cluster) WriteLog(ctx context.Context, namespace, pod, container string, lines ...LogLine) error {
	return c.writeLog(ctx, namespace, pod, container, false, lines)
}

// WritePreviousLog appends lines to the log of the previous instance of a
// container of a kwok pod, which `kubectl logs --previous` shows (see
// WriteLog).
func (c *Cluster) WritePreviousLog(ctx context.Context, namespace, pod, container string, lines ...LogLine) error {
	return c.writeLog(ctx, namespace, pod, container, true, lines)
}

func (c *Cluster) writeLog(ctx context.Context, namespace, pod, container string, previous bool, lines []LogLine) error {
	path, err := c.PodLogFile(ctx, namespace, pod, container, previous)
	if err != nil {
		return err
	}
	attach := strings.TrimSuffix(path, ".log") + ".attach.log"
	for _, l := range lines {
		s, err := criLine(l)
		if err != nil {
			return err
		}
		if err := appendFile(path, s); err != nil {
			return err
		}
		if !previous {
			if err := appendFile(attach, s); err != nil {
				return err
			}
		}
	}
	return nil
}

// ForwardPort makes kwok forward port-forward connections to a port of a
// scheduled kwok pod to target, a host:port address on this machine (a
// server the test runs), replacing an earlier target of that port. Other
// ports forwarded this way stay, and EchoPort still echoes. It returns once
// kwok serves the change, which takes a `kubectl port-forward` and up to a
// minute. (The pod's PortForward object also maps port 65535 to a listener
// that lived only while ForwardPort ran.)
func (c *Cluster) ForwardPort(ctx context.Context, namespace, pod string, port int32, target string) error {
	if port < 1 || port == probePort || port == EchoPort {
		return fmt.Errorf("testutil: cannot forward pod port %d (ports 1 to %d except %d, the echo port)", port, probePort-1, EchoPort)
	}
	host, portStr, err := net.SplitHostPort(target)
	if err != nil {
		return fmt.Errorf("testutil: forward target %q: %w", target, err)
	}
	tport, err := strconv.ParseInt(portStr, 10, 32)
	if err != nil || tport < 1 || tport > 65535 {
		return fmt.Errorf("testutil: forward target %q: bad port", target)
	}
	admin, err := c.AdminClient()
	if err != nil {
		return err
	}
	p, err := c.getPod(ctx, admin, namespace, pod)
	if err != nil {
		return err
	}
	// One change per pod at a time: each change replaces the probe.
	mu, _ := forwardLocks.LoadOrStore(c.Dir+"\x00"+p.uid, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	// A listener that answers a nonce: when a port-forward to probePort
	// reads it, kwok serves this version of the object.
	probe, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer probe.Close()
	nonce := randomHex(probeNonceLen / 2)
	go func() {
		for {
			conn, err := probe.Accept()
			if err != nil {
				return
			}
			conn.SetDeadline(time.Now().Add(5 * time.Second))
			io.WriteString(conn, nonce)
			conn.Close()
		}
	}()
	probeAddr := probe.Addr().(*net.TCPAddr)
	edit := func(old map[string]any) map[string]any {
		forwards := []any{}
		list, _ := old["forwards"].([]any)
		for _, f := range list {
			m, _ := f.(map[string]any)
			ports, _ := m["ports"].([]any)
			if len(ports) != 1 {
				continue
			}
			if n, _ := ports[0].(float64); int32(n) == port || int32(n) == probePort || int32(n) == EchoPort {
				continue
			}
			forwards = append(forwards, m)
		}
		// A pod's own object hides the cluster-wide one: keep the echo.
		forwards = append(forwards,
			echoForward(),
			map[string]any{"ports": []int32{port}, "target": map[string]any{"address": host, "port": tport}},
			map[string]any{"ports": []int32{probePort}, "target": map[string]any{"address": "127.0.0.1", "port": probeAddr.Port}},
		)
		return map[string]any{"forwards": forwards}
	}
	if err := c.putPodObject(ctx, admin, p, "portforwards", "PortForward", nil, edit); err != nil {
		return err
	}
	return c.probePortForward(ctx, p, nonce)
}

// forwardLocks serialises ForwardPort calls per pod (by run directory and
// uid) in this process.
var forwardLocks sync.Map

var forwardingRE = regexp.MustCompile(`Forwarding from 127\.0\.0\.1:(\d+) -> `)

// probePortForward waits until a `kubectl port-forward` to probePort of
// the pod reads nonce.
func (c *Cluster) probePortForward(ctx context.Context, p *kubeletPod, nonce string) error {
	ctx, cancel := context.WithTimeout(ctx, kubeletWait)
	defer cancel()
	var last string
	for ctx.Err() == nil {
		got, msg := c.probePortForwardOnce(ctx, p)
		if got == nonce {
			return nil
		}
		last = msg
		if got != "" {
			last = fmt.Sprintf("read %q, an older forward", got)
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("testutil: kwok does not serve the port forward of pod %s/%s: %w (last: %s)", p.namespace, p.name, ctx.Err(), last)
}

func (c *Cluster) probePortForwardOnce(ctx context.Context, p *kubeletPod) (string, string) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var stderr syncBuffer
	cmd, out, err := c.kubectlStream(ctx, &stderr, "port-forward", "-n", p.namespace, "pod/"+p.name, "--address=127.0.0.1", ":"+strconv.Itoa(probePort))
	if err != nil {
		return "", err.Error()
	}
	defer func() {
		cancel()
		cmd.Wait()
	}()
	local, err := forwardedPort(ctx, out)
	if err != nil {
		return "", fmt.Sprintf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", "127.0.0.1:"+strconv.Itoa(local))
	if err != nil {
		return "", err.Error()
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	// The nonce is all the probe listener sends, but the connection stays
	// open until this side closes it: read exactly its length.
	got := make([]byte, probeNonceLen)
	if n, err := io.ReadFull(conn, got); err != nil {
		return string(got[:n]), fmt.Sprintf("read %q (%v): %s", got[:n], err, strings.TrimSpace(stderr.String()))
	}
	return string(got), ""
}

// forwardedPort reads `kubectl port-forward` output until it names the
// local port it listens on, and keeps draining the output afterwards.
func forwardedPort(ctx context.Context, out io.Reader) (int, error) {
	found := make(chan int, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sent := false
		for sc.Scan() {
			if m := forwardingRE.FindStringSubmatch(sc.Text()); m != nil && !sent {
				n, _ := strconv.Atoi(m[1])
				found <- n
				sent = true
			}
		}
		close(found)
	}()
	select {
	case n, ok := <-found:
		if !ok {
			return 0, errors.New("kubectl port-forward exited before forwarding")
		}
		return n, nil
	case <-ctx.Done():
		return 0, fmt.Errorf("kubectl port-forward did not start forwarding: %w", ctx.Err())
	}
}

// ServePodPort starts an HTTP server on loopback that answers with handler,
// makes kwok forward port of a scheduled kwok pod to it (see ForwardPort),
// and returns the server's address; the server stops when the test ends.
// A port-forward to that pod port (`kubectl port-forward pod/NAME :PORT`)
// then reaches handler, one request per connection or several.
func (c *Cluster) ServePodPort(tb testing.TB, namespace, pod string, port int32, handler http.Handler) string {
	tb.Helper()
	srv := httptest.NewServer(handler)
	tb.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 2*kubeletWait)
	defer cancel()
	addr := srv.Listener.Addr().String()
	if err := c.ForwardPort(ctx, namespace, pod, port, addr); err != nil {
		tb.Fatalf("e2e: forward port %d of pod %s/%s to %s: %v", port, namespace, pod, addr, err)
	}
	return addr
}
