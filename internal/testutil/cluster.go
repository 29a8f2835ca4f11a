package testutil

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Cluster is a running test cluster: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and kwok on loopback, two kwok
// nodes whose kubelet API kwok serves (logs, exec, attach, port-forward:
// see WriteLog, ForwardPort), and kubectl proxy. Its fields are what tests connect with; it is
// recorded as JSON in Dir/state.json so other processes can share it.
type Cluster struct {
	Dir            string            `json:"dir"`            // run directory: PKI, kubeconfig, logs, etcd data
	ProxyURL       string            `json:"proxyURL"`       // kubectl proxy, plain HTTP, no auth (the seed's connection model)
	ServerURL      string            `json:"serverURL"`      // kube-apiserver, HTTPS
	EtcdURL        string            `json:"etcdURL"`        // etcd client URL, plain HTTP
	KubeletURL     string            `json:"kubeletURL"`     // kwok's kubelet API for every node, HTTPS (see kubelet.go)
	CAFile         string            `json:"caFile"`         // CA that signed the serving and client certificates
	CAPEM          []byte            `json:"caPEM"`          // CAFile's contents
	KubeconfigPath string            `json:"kubeconfig"`     // admin kubeconfig (client certificate, system:masters)
	AdminCertFile  string            `json:"adminCert"`      // admin client certificate
	AdminKeyFile   string            `json:"adminKey"`       // admin client key
	Nodes          []string          `json:"nodes"`          // names of the kwok nodes
	Tokens         map[string]string `json:"tokens"`         // static bearer tokens by user name
	Procs          []Proc            `json:"procs"`          // started processes
	Binaries       *Binaries         `json:"binaries"`       // the binaries it runs
	StartedAt      time.Time         `json:"startedAt"`      // when Start returned
	StartupTime    time.Duration     `json:"startupSeconds"` // how long Start took
	Harness        int               `json:"harness"`        // HarnessVersion of the testutil that started it
}

// HarnessVersion is the version of how Start configures a cluster; it is
// recorded in the state file so that `kubetest up` restarts a shared
// cluster started by an older testutil. Bump it whenever a change to Start
// (flags, kwok configuration, stages) matters to tests.
//
//	1: the first recorded version (kwok without node leases).
//	2: kwok nodes hold Leases in kube-node-lease (NodeLeaseDurationSeconds).
//	3: kwok serves the kubelet API (logs, exec, attach, port-forward) on
//	   loopback and the nodes point at it (InternalIP 127.0.0.1).
const HarnessVersion = 3

// NodeLeaseDurationSeconds is the duration of the Leases kwok holds for its
// nodes in kube-node-lease; kwok renews them every quarter of it, like a
// kubelet. Without them the node lifecycle controller marks every node
// NotReady (and every pod on it Ready=False) once
// --node-monitor-grace-period passes without a status heartbeat.
const NodeLeaseDurationSeconds = 40

// Proc is one process of the cluster.
type Proc struct {
	Name string   `json:"name"`
	PID  int      `json:"pid"`
	Log  string   `json:"log"`
	Args []string `json:"args,omitempty"` // command-line arguments it was started with
}

// Static token users registered with the apiserver's --token-auth-file.
const (
	// UserAdmin is in group system:masters.
	UserAdmin = "admin"
	// UserAlice is an authenticated user with no RBAC permissions.
	UserAlice = "alice"
)

// StartOptions configure Start.
type StartOptions struct {
	// Dir is the run directory; empty means a new directory under the cache.
	Dir string
	// Nodes is the number of kwok nodes to create; zero means two.
	Nodes int
	// Log receives progress messages; nil discards them.
	Log io.Writer
}

// Start builds (if needed) and starts a test cluster and waits until it
// serves: the apiserver is ready, the nodes are Ready, the default service
// account exists and kubectl proxy answers. On failure everything started
// is stopped and the error includes the tails of the component logs.
func Start(ctx context.Context, opts StartOptions) (c *Cluster, err error) {
	begin := time.Now()
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	if opts.Nodes == 0 {
		opts.Nodes = 2
	}
	bins, err := EnsureBinaries(ctx, logw)
	if err != nil {
		return nil, err
	}
	dir := opts.Dir
	if dir == "" {
		cache, err := CacheDir()
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Join(cache, "run"), 0o755); err != nil {
			return nil, err
		}
		dir, err = os.MkdirTemp(filepath.Join(cache, "run"), "cluster-")
		if err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		return nil, err
	}
	c = &Cluster{Dir: dir, Binaries: bins, Tokens: map[string]string{}, Harness: HarnessVersion}
	defer func() {
		if err != nil {
			tails := c.LogTails(30)
			c.Stop()
			err = fmt.Errorf("%w\n%s", err, tails)
		}
	}()

	p, err := generatePKI(dir)
	if err != nil {
		return c, fmt.Errorf("testutil: generate PKI: %w", err)
	}
	c.CAFile, c.CAPEM, c.AdminCertFile, c.AdminKeyFile = p.CACert, p.caPEM, p.AdminCert, p.AdminKey

	ports, err := freePorts(7)
	if err != nil {
		return c, err
	}
	etcdPort, peerPort, apiPort, cmPort, schedPort, kwokPort, proxyPort := ports[0], ports[1], ports[2], ports[3], ports[4], ports[5], ports[6]
	c.EtcdURL = "http://127.0.0.1:" + strconv.Itoa(etcdPort)
	c.ServerURL = "https://127.0.0.1:" + strconv.Itoa(apiPort)
	c.ProxyURL = "http://127.0.0.1:" + strconv.Itoa(proxyPort)
	c.KubeletURL = "https://127.0.0.1:" + strconv.Itoa(kwokPort)

	// Static tokens.
	var csv strings.Builder
	for _, u := range []struct{ name, groups string }{{UserAdmin, "system:masters"}, {UserAlice, ""}} {
		tok := randomHex(24)
		c.Tokens[u.name] = tok
		fmt.Fprintf(&csv, "%s,%s,uid-%s,\"%s\"\n", tok, u.name, u.name, u.groups)
	}
	tokenFile := filepath.Join(dir, "tokens.csv")
	if err := os.WriteFile(tokenFile, []byte(csv.String()), 0o600); err != nil {
		return c, err
	}
	c.KubeconfigPath = filepath.Join(dir, "admin.kubeconfig")
	if err := os.WriteFile(c.KubeconfigPath, []byte(adminKubeconfig(c)), 0o600); err != nil {
		return c, err
	}

	fmt.Fprintln(logw, "testutil: starting etcd")
	peer := "http://127.0.0.1:" + strconv.Itoa(peerPort)
	if err := c.spawn("etcd", bins.Etcd,
		"--name=default", "--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls="+c.EtcdURL, "--advertise-client-urls="+c.EtcdURL,
		"--listen-peer-urls="+peer, "--initial-advertise-peer-urls="+peer,
		"--initial-cluster=default="+peer, "--unsafe-no-fsync=true", "--log-level=warn",
	); err != nil {
		return c, err
	}
	plain := &http.Client{Timeout: 2 * time.Second}
	if err := waitHTTP(ctx, plain, c.EtcdURL+"/health", 30*time.Second, c.procAlive("etcd")); err != nil {
		return c, fmt.Errorf("testutil: etcd not healthy: %w", err)
	}

	fmt.Fprintln(logw, "testutil: starting kube-apiserver")
	if err := c.spawn("kube-apiserver", bins.APIServer,
		"--etcd-servers="+c.EtcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--secure-port="+strconv.Itoa(apiPort),
		"--tls-cert-file="+p.ServingCert, "--tls-private-key-file="+p.ServingKey,
		"--client-ca-file="+p.CACert,
		// kwok serves the kubelet API of every node at the node's
		// InternalIP (127.0.0.1) with a certificate from the cluster CA.
		"--kubelet-client-certificate="+p.KubeletClientCert, "--kubelet-client-key="+p.KubeletClientKey,
		"--kubelet-certificate-authority="+p.CACert,
		"--kubelet-preferred-address-types=InternalIP",
		"--token-auth-file="+tokenFile,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file="+p.SAPub, "--service-account-signing-key-file="+p.SAKey,
		"--service-cluster-ip-range=10.96.0.0/16",
		"--authorization-mode=RBAC",
		"--endpoint-reconciler-type=none",
		"--allow-privileged=true",
		"--profiling=false",
		"--v=1",
	); err != nil {
		return c, err
	}
	admin, err := c.AdminClient()
	if err != nil {
		return c, err
	}
	if err := waitHTTP(ctx, admin, c.ServerURL+"/readyz", 90*time.Second, c.procAlive("kube-apiserver")); err != nil {
		return c, fmt.Errorf("testutil: kube-apiserver not ready: %w", err)
	}

	fmt.Fprintln(logw, "testutil: starting controller-manager, scheduler, kwok")
	if err := c.spawn("kube-controller-manager", bins.ControllerManager,
		"--kubeconfig="+c.KubeconfigPath, "--leader-elect=false",
		"--bind-address=127.0.0.1", "--secure-port="+strconv.Itoa(cmPort),
		"--root-ca-file="+p.CACert, "--service-account-private-key-file="+p.SAKey,
		"--use-service-account-credentials=false",
		"--concurrent-namespace-syncs=5", "--concurrent-gc-syncs=20",
		"--v=1",
	); err != nil {
		return c, err
	}
	if err := c.spawn("kube-scheduler", bins.Scheduler,
		"--kubeconfig="+c.KubeconfigPath, "--leader-elect=false",
		"--bind-address=127.0.0.1", "--secure-port="+strconv.Itoa(schedPort), "--v=1",
	); err != nil {
		return c, err
	}
	if err := c.installKwokCRDs(ctx, bins.KwokCRDs); err != nil {
		return c, err
	}
	kubeletDocs, err := kubeletConfig(dir)
	if err != nil {
		return c, err
	}
	kwokConfig := filepath.Join(dir, "kwok.yaml")
	if err := writeKwokConfig(kwokConfig, bins.KwokStages, kubeletDocs...); err != nil {
		return c, err
	}
	// --node-ip and --node-port become every node's InternalIP and kubelet
	// port (the node stages fill status.addresses and daemonEndpoints).
	if err := c.spawn("kwok", bins.Kwok,
		"--kubeconfig="+c.KubeconfigPath, "--config="+kwokConfig,
		"--manage-all-nodes=true", "--server-address=127.0.0.1:"+strconv.Itoa(kwokPort),
		"--node-ip=127.0.0.1", "--node-port="+strconv.Itoa(kwokPort),
		"--tls-cert-file="+p.KubeletCert, "--tls-private-key-file="+p.KubeletKey,
		"--cidr=10.244.0.0/16",
	); err != nil {
		return c, err
	}

	for i := 0; i < opts.Nodes; i++ {
		name := fmt.Sprintf("kwok-node-%d", i)
		if err := c.createNode(ctx, admin, name, i); err != nil {
			return c, err
		}
		c.Nodes = append(c.Nodes, name)
	}

	fmt.Fprintln(logw, "testutil: starting kubectl proxy")
	if err := c.spawn("kubectl-proxy", bins.Kubectl, "proxy",
		"--kubeconfig="+c.KubeconfigPath, "--address=127.0.0.1", "--port="+strconv.Itoa(proxyPort),
	); err != nil {
		return c, err
	}
	if err := waitHTTP(ctx, plain, c.ProxyURL+"/readyz", 30*time.Second, c.procAlive("kubectl-proxy")); err != nil {
		return c, fmt.Errorf("testutil: kubectl proxy not serving: %w", err)
	}

	fmt.Fprintln(logw, "testutil: waiting for nodes Ready and the default service account")
	for _, n := range c.Nodes {
		if err := c.waitJSON(ctx, admin, "/api/v1/nodes/"+n, 60*time.Second, nodeReady); err != nil {
			return c, fmt.Errorf("testutil: node %s not Ready: %w", n, err)
		}
	}
	if err := c.waitJSON(ctx, admin, "/api/v1/namespaces/default/serviceaccounts/default", 60*time.Second, func(map[string]any) bool { return true }); err != nil {
		return c, fmt.Errorf("testutil: default service account missing: %w", err)
	}
	kubelet, err := c.kubeletClient()
	if err != nil {
		return c, err
	}
	if err := waitHTTP(ctx, kubelet, c.KubeletURL+"/healthz", 30*time.Second, c.procAlive("kwok")); err != nil {
		return c, fmt.Errorf("testutil: kwok does not serve the kubelet API: %w", err)
	}
	c.StartupTime = time.Since(begin)
	c.StartedAt = time.Now()
	if err := c.save(); err != nil {
		return c, err
	}
	fmt.Fprintf(logw, "testutil: cluster ready in %s (proxy %s, server %s)\n", c.StartupTime.Round(time.Millisecond), c.ProxyURL, c.ServerURL)
	return c, nil
}

// spawn starts a component in its own process group with output to its log.
func (c *Cluster) spawn(name, bin string, args ...string) error {
	logPath := filepath.Join(c.Dir, "logs", name+".log")
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Dir = c.Dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("testutil: start %s: %w", name, err)
	}
	c.Procs = append(c.Procs, Proc{Name: name, PID: cmd.Process.Pid, Log: logPath, Args: args})
	// Reap the child when it exits so it does not linger as a zombie; the
	// process may outlive this goroutine's caller when started by kubetest up.
	go cmd.Wait()
	return nil
}

// procAlive returns a check that fails once the named process has exited.
func (c *Cluster) procAlive(name string) func() error {
	return func() error {
		for _, p := range c.Procs {
			if p.Name == name && !pidAlive(p.PID) {
				return fmt.Errorf("%s (pid %d) exited", name, p.PID)
			}
		}
		return nil
	}
}

func pidAlive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	// A zombie still answers kill(0); look at its state.
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	if i := bytes.LastIndexByte(b, ')'); i > 0 && i+2 < len(b) {
		return b[i+2] != 'Z'
	}
	return true
}

// Stop stops every process of the cluster by pid (SIGTERM to its process
// group, then SIGKILL after five seconds) and waits for them to exit. It
// removes the etcd data and keeps the run directory's logs.
func (c *Cluster) Stop() {
	// Only signal processes that are still ours: after a reboot or a long
	// pause a recorded pid may belong to another program.
	var ours []Proc
	for _, p := range c.Procs {
		if c.owns(p) {
			ours = append(ours, p)
		}
	}
	for i := len(ours) - 1; i >= 0; i-- {
		syscall.Kill(-ours[i].PID, syscall.SIGTERM)
		syscall.Kill(ours[i].PID, syscall.SIGTERM)
	}
	deadline := time.Now().Add(5 * time.Second)
	for _, p := range ours {
		for pidAlive(p.PID) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if pidAlive(p.PID) {
			syscall.Kill(-p.PID, syscall.SIGKILL)
			syscall.Kill(p.PID, syscall.SIGKILL)
		}
	}
	for _, p := range ours {
		for i := 0; i < 100 && pidAlive(p.PID); i++ {
			time.Sleep(20 * time.Millisecond)
		}
	}
	os.Remove(filepath.Join(c.Dir, "state.json"))
	// The etcd data is the bulk of a run directory (tens of MB); the logs
	// stay for post-mortems.
	os.RemoveAll(filepath.Join(c.Dir, "etcd"))
}

// owns reports whether pid p is alive and still runs one of the cluster's
// binaries (checked through /proc/<pid>/cmdline).
func (c *Cluster) owns(p Proc) bool {
	if !pidAlive(p.PID) {
		return false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p.PID))
	if err != nil {
		return false
	}
	exe, _, _ := bytes.Cut(cmdline, []byte{0})
	return c.Binaries != nil && bytes.HasPrefix(exe, []byte(c.Binaries.Dir+"/"))
}

// LogTails returns the last n lines of every component's log, each under a
// header naming the component.
func (c *Cluster) LogTails(n int) string {
	var b strings.Builder
	for _, p := range c.Procs {
		data, err := os.ReadFile(p.Log)
		if err != nil {
			continue
		}
		fmt.Fprintf(&b, "----- %s (pid %d, alive %v): last %d lines of %s -----\n%s\n", p.Name, p.PID, pidAlive(p.PID), n, p.Log, tail(string(data), n))
	}
	return b.String()
}

// Healthy reports whether every process is alive and the apiserver and the
// proxy answer /readyz.
func (c *Cluster) Healthy(ctx context.Context) error {
	for _, p := range c.Procs {
		if !pidAlive(p.PID) {
			return fmt.Errorf("testutil: %s (pid %d) is not running", p.Name, p.PID)
		}
	}
	admin, err := c.AdminClient()
	if err != nil {
		return err
	}
	for _, u := range []struct {
		cl  *http.Client
		url string
	}{{admin, c.ServerURL + "/readyz"}, {http.DefaultClient, c.ProxyURL + "/readyz"}} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u.url, nil)
		resp, err := u.cl.Do(req)
		if err != nil {
			return fmt.Errorf("testutil: %s: %w", u.url, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("testutil: %s: HTTP %d", u.url, resp.StatusCode)
		}
	}
	return nil
}

// AdminClient returns an HTTPS client that trusts the cluster CA and
// authenticates with the admin client certificate.
func (c *Cluster) AdminClient() (*http.Client, error) {
	cert, err := tls.LoadX509KeyPair(c.AdminCertFile, c.AdminKeyFile)
	if err != nil {
		return nil, fmt.Errorf("testutil: admin certificate: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(c.CAPEM) {
		return nil, errors.New("testutil: bad CA PEM")
	}
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		},
	}, nil
}

// kubeletClient returns an HTTPS client for kwok's kubelet API that checks
// its serving certificate against the cluster CA.
func (c *Cluster) kubeletClient() (*http.Client, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(c.CAPEM) {
		return nil, errors.New("testutil: bad CA PEM")
	}
	return &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}},
	}, nil
}

// StateFile is where Start records a cluster for other processes.
func (c *Cluster) StateFile() string { return filepath.Join(c.Dir, "state.json") }

func (c *Cluster) save() error {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(c.StateFile(), data, 0o600)
}

// Load reads a cluster recorded by Start from its state file.
func Load(stateFile string) (*Cluster, error) {
	data, err := os.ReadFile(stateFile)
	if err != nil {
		return nil, err
	}
	c := &Cluster{}
	if err := json.Unmarshal(data, c); err != nil {
		return nil, fmt.Errorf("testutil: state file %s: %w", stateFile, err)
	}
	return c, nil
}

func adminKubeconfig(c *Cluster) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: %s
    certificate-authority: %s
users:
- name: admin
  user:
    client-certificate: %s
    client-key: %s
contexts:
- name: test
  context:
    cluster: test
    user: admin
    namespace: default
current-context: test
`, c.ServerURL, c.CAFile, c.AdminCertFile, c.AdminKeyFile)
}

// writeKwokConfig writes kwok's --config: the KwokConfiguration, the
// documents in extra, then the Stage documents read from stages.
func writeKwokConfig(path string, stages []string, extra ...string) error {
	var b bytes.Buffer
	// nodeLeaseDurationSeconds makes kwok create and renew a Lease per
	// node, so the nodes heartbeat (the heartbeat-with-lease stage then
	// refreshes their status only every 10 to 20 minutes, like a kubelet).
	fmt.Fprintf(&b, "apiVersion: config.kwok.x-k8s.io/v1alpha1\nkind: KwokConfiguration\noptions:\n  enableCRDs: [%s]\n  nodeLeaseDurationSeconds: %d\n", strings.Join(kwokCRDKinds, ", "), NodeLeaseDurationSeconds)
	for _, d := range extra {
		b.WriteString("---\n")
		b.WriteString(strings.TrimSpace(d))
		b.WriteString("\n")
	}
	for _, s := range stages {
		data, err := os.ReadFile(s)
		if err != nil {
			return err
		}
		b.WriteString("---\n")
		b.Write(bytes.TrimSpace(data))
		b.WriteString("\n")
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

func (c *Cluster) createNode(ctx context.Context, admin *http.Client, name string, i int) error {
	node := map[string]any{
		"apiVersion": "v1", "kind": "Node",
		"metadata": map[string]any{
			"name":        name,
			"annotations": map[string]string{"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
			"labels": map[string]string{
				"type": "kwok", "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
				"kubernetes.io/arch": "amd64", "kubernetes.io/role": "agent", "node-role.kubernetes.io/agent": "",
			},
		},
		"spec": map[string]any{"podCIDR": fmt.Sprintf("10.244.%d.0/24", i)},
		"status": map[string]any{
			"allocatable": map[string]string{"cpu": "32", "memory": "256Gi", "pods": "110", "ephemeral-storage": "100Gi"},
			"capacity":    map[string]string{"cpu": "32", "memory": "256Gi", "pods": "110", "ephemeral-storage": "100Gi"},
			"nodeInfo": map[string]string{"architecture": "amd64", "operatingSystem": "linux",
				"kubeletVersion": "fake", "kubeProxyVersion": "fake"},
		},
	}
	_, err := doJSON(ctx, admin, http.MethodPost, c.ServerURL+"/api/v1/nodes", node, http.StatusCreated)
	if err != nil {
		return fmt.Errorf("testutil: create node %s: %w", name, err)
	}
	return nil
}

func nodeReady(obj map[string]any) bool {
	st, _ := obj["status"].(map[string]any)
	conds, _ := st["conditions"].([]any)
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == "Ready" && m["status"] == "True" {
			return true
		}
	}
	return false
}

// doJSON sends body (if not nil) as JSON and decodes the JSON answer,
// failing unless the status is want.
func doJSON(ctx context.Context, cl *http.Client, method, url string, body any, want int) (map[string]any, error) {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := cl.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return nil, fmt.Errorf("%s %s: HTTP %d: %s", method, url, resp.StatusCode, bytes.TrimSpace(data))
	}
	out := map[string]any{}
	if len(data) > 0 {
		if err := json.Unmarshal(data, &out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (c *Cluster) waitJSON(ctx context.Context, cl *http.Client, path string, timeout time.Duration, ok func(map[string]any) bool) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		obj, err := doJSON(ctx, cl, http.MethodGet, c.ServerURL+path, nil, http.StatusOK)
		if err == nil && ok(obj) {
			return nil
		}
		if err != nil {
			last = err
		} else {
			last = errors.New("condition not met")
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitHTTP polls url until it answers 200, the timeout passes, or alive
// reports that the process serving it died.
func waitHTTP(ctx context.Context, cl *http.Client, url string, timeout time.Duration, alive func() error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		if err := alive(); err != nil {
			return err
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := cl.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Errorf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(body))
		} else {
			last = err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("testutil: find free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
