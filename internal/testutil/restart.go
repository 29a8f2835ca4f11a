package testutil

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"syscall"
	"time"
)

// RestartAPIServer kills kube-apiserver (SIGKILL, like a crash: open
// connections are reset, not drained), starts it again with the arguments
// it was started with plus extra (later flags win), and waits until it is
// ready again. Only use it on a private cluster (Start): restarting the
// shared one disturbs the tests of other packages running in parallel.
func (c *Cluster) RestartAPIServer(ctx context.Context, extra ...string) error {
	if err := c.StopAPIServer(); err != nil {
		return err
	}
	return c.StartAPIServer(ctx, extra...)
}

// StopAPIServer kills kube-apiserver (SIGKILL) and waits until it has
// exited. StartAPIServer starts it again.
func (c *Cluster) StopAPIServer() error {
	i, err := c.procIndex("kube-apiserver")
	if err != nil {
		return err
	}
	p := c.Procs[i]
	syscall.Kill(-p.PID, syscall.SIGKILL)
	syscall.Kill(p.PID, syscall.SIGKILL)
	deadline := time.Now().Add(10 * time.Second)
	for pidAlive(p.PID) {
		if time.Now().After(deadline) {
			return fmt.Errorf("testutil: kube-apiserver (pid %d) did not exit after SIGKILL", p.PID)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The thread group leader may be a zombie while other threads still
	// hold the listening socket: wait until the port can be bound.
	u, err := url.Parse(c.ServerURL)
	if err != nil {
		return err
	}
	for {
		l, err := net.Listen("tcp", u.Host)
		if err == nil {
			l.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("testutil: the port of the killed kube-apiserver is still in use: %w", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// StartAPIServer starts a stopped kube-apiserver with its original
// arguments plus extra, and waits until it answers /readyz.
func (c *Cluster) StartAPIServer(ctx context.Context, extra ...string) error {
	i, err := c.procIndex("kube-apiserver")
	if err != nil {
		return err
	}
	old := c.Procs[i]
	if pidAlive(old.PID) {
		return fmt.Errorf("testutil: kube-apiserver (pid %d) is still running", old.PID)
	}
	if old.Args == nil {
		return fmt.Errorf("testutil: the arguments of kube-apiserver were not recorded (cluster started by an older testutil)")
	}
	args := append(append([]string(nil), old.Args...), extra...)
	if err := c.spawn("kube-apiserver", c.Binaries.APIServer, args...); err != nil {
		return err
	}
	// spawn appended the new process; put it in the old one's place, and
	// keep the original arguments so extra flags do not accumulate.
	np := c.Procs[len(c.Procs)-1]
	np.Args = old.Args
	c.Procs = c.Procs[:len(c.Procs)-1]
	c.Procs[i] = np
	admin, err := c.AdminClient()
	if err != nil {
		return err
	}
	if err := waitHTTP(ctx, admin, c.ServerURL+"/readyz", 90*time.Second, c.procAlive("kube-apiserver")); err != nil {
		return fmt.Errorf("testutil: kube-apiserver not ready after restart: %w\n%s", err, c.LogTails(20))
	}
	return nil
}

func (c *Cluster) procIndex(name string) (int, error) {
	for i, p := range c.Procs {
		if p.Name == name {
			return i, nil
		}
	}
	return -1, fmt.Errorf("testutil: no %s process in the cluster", name)
}

// EtcdRevision returns etcd's current revision (through its v3 JSON
// gateway), which is the newest resourceVersion of the cluster.
func (c *Cluster) EtcdRevision(ctx context.Context) (int64, error) {
	// A range over one key is enough: every answer carries the header.
	key := base64.StdEncoding.EncodeToString([]byte("/registry/"))
	var out struct {
		Header struct {
			Revision string `json:"revision"`
		} `json:"header"`
	}
	if err := c.etcdPost(ctx, "/v3/kv/range", map[string]any{"key": key, "limit": 1}, &out); err != nil {
		return 0, err
	}
	rev, err := strconv.ParseInt(out.Header.Revision, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("testutil: etcd revision %q: %w", out.Header.Revision, err)
	}
	return rev, nil
}

// CompactEtcd compacts etcd's history up to its current revision
// (physically), so watches from any older resourceVersion that reach etcd
// fail with 410 Gone. It returns the revision compacted at.
func (c *Cluster) CompactEtcd(ctx context.Context) (int64, error) {
	rev, err := c.EtcdRevision(ctx)
	if err != nil {
		return 0, err
	}
	if err := c.etcdPost(ctx, "/v3/kv/compaction", map[string]any{"revision": strconv.FormatInt(rev, 10), "physical": true}, nil); err != nil {
		return 0, err
	}
	return rev, nil
}

// compactRevKey is the etcd key in which kube-apiserver's compactor
// records the revision it compacted at; every apiserver watches it.
const compactRevKey = "compact_rev_key"

// CompactEtcdAnnounced compacts like CompactEtcd and, first, records the
// revision in compact_rev_key the way kube-apiserver's own periodic
// compactor does. The API server watches that key, and its watch cache
// drops the list snapshots older than the revision (each resource's cache
// polls every 15 seconds): from then on, lists at an older exact
// resourceVersion fail with 410 Gone too, not only the requests that reach
// etcd. The apiserver's compactor adopts the recorded revision at its next
// round.
func (c *Cluster) CompactEtcdAnnounced(ctx context.Context) (int64, error) {
	rev, err := c.EtcdRevision(ctx)
	if err != nil {
		return 0, err
	}
	put := map[string]any{
		"key":   base64.StdEncoding.EncodeToString([]byte(compactRevKey)),
		"value": base64.StdEncoding.EncodeToString([]byte(strconv.FormatInt(rev, 10))),
	}
	if err := c.etcdPost(ctx, "/v3/kv/put", put, nil); err != nil {
		return 0, err
	}
	if err := c.etcdPost(ctx, "/v3/kv/compaction", map[string]any{"revision": strconv.FormatInt(rev, 10), "physical": true}, nil); err != nil {
		return 0, err
	}
	return rev, nil
}

func (c *Cluster) etcdPost(ctx context.Context, path string, body, out any) error {
	data, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.EtcdURL+path, bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("testutil: etcd %s: %w", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("testutil: etcd %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("testutil: etcd %s: HTTP %d: %s", path, resp.StatusCode, bytes.TrimSpace(b))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("testutil: etcd %s: %w", path, err)
		}
	}
	return nil
}
