package transport

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"
)

// API versions of the exec credential protocol.
const (
	ExecAPIVersionV1      = "client.authentication.k8s.io/v1"
	ExecAPIVersionV1beta1 = "client.authentication.k8s.io/v1beta1"
)

// execAPIVersionV1alpha1 was removed from Kubernetes; it is only named in
// errors.
const execAPIVersionV1alpha1 = "client.authentication.k8s.io/v1alpha1"

// ExecInteractiveMode says whether an exec plugin may use standard input.
type ExecInteractiveMode string

// Values of [ExecInteractiveMode].
const (
	// ExecInteractiveNever never connects standard input to the plugin.
	ExecInteractiveNever ExecInteractiveMode = "Never"
	// ExecInteractiveIfAvailable connects standard input when it is a
	// terminal. It is the default for v1beta1.
	ExecInteractiveIfAvailable ExecInteractiveMode = "IfAvailable"
	// ExecInteractiveAlways requires standard input to be a terminal and
	// fails with [ErrExecNotInteractive] otherwise.
	ExecInteractiveAlways ExecInteractiveMode = "Always"
)

// execInfoEnv is the environment variable carrying the ExecCredential input.
const execInfoEnv = "KUBERNETES_EXEC_INFO"

// execTimeout bounds a non-interactive plugin run; interactive runs are
// bounded only by the request context.
const execTimeout = 2 * time.Minute

// execWaitDelay bounds how long a finished or killed plugin's output pipes
// may stay open (held by a child it left behind) before they are closed.
const execWaitDelay = time.Second

// ExecOutputLimit is the most an exec credential plugin may print on
// standard output: 1 MiB, far more than any ExecCredential needs. A plugin
// printing more is killed and the request fails with an [ExecError]
// matching [ErrExecOutputTooLarge] (and [ErrExecOutput]).
const ExecOutputLimit = 1 << 20

// execExpirySkew renews credentials this long before they expire, so that
// they do not expire while a request is in flight.
const execExpirySkew = 10 * time.Second

// ExecConfig runs a credential plugin following the Kubernetes
// client.authentication.k8s.io protocol (v1 or v1beta1), as configured by a
// kubeconfig user's "exec" section. The plugin prints an ExecCredential with
// a bearer token or a client certificate and key; they are cached until
// their expirationTimestamp, and renewed early when the server answers 401.
//
// A non-interactive plugin runs in a process group of its own (on Unix);
// when the request context ends, when it runs for two minutes, or when it
// prints more than [ExecOutputLimit], the whole group is killed, children
// included, and the request fails with an [ExecError] (matching the
// context's error when that ended it). When the plugin exits, whatever it
// left running in its group is killed too; a child holding the plugin's
// output open delays the answer by at most a second, after which what the
// plugin printed is used. An
// interactive plugin (standard input is a terminal) stays in the
// terminal's foreground process group, so only the plugin itself is killed
// when the context ends. Only one plugin run happens at a time; requests
// waiting for it give up when their context ends.
//
// Printing an ExecConfig, with any fmt verb, encoding/json or log/slog,
// shows the environment variable names but not their values, which are
// [Secret]s.
type ExecConfig struct {
	// APIVersion is ExecAPIVersionV1 or ExecAPIVersionV1beta1.
	APIVersion string
	// Command is the program to run: a name looked up in $PATH, or a path.
	Command string
	// Args are the program's arguments.
	Args []string
	// Env is added to the environment of the current process.
	Env []ExecEnvVar
	// InstallHint is shown when Command cannot be found.
	InstallHint string
	// ProvideClusterInfo passes the server URL, certificate authority and
	// ClusterConfig in the KUBERNETES_EXEC_INFO environment variable.
	ProvideClusterInfo bool
	// InteractiveMode is required for v1; for v1beta1 "" means
	// ExecInteractiveIfAvailable. Standard input counts as a terminal when it
	// is a character device other than the null device.
	InteractiveMode ExecInteractiveMode
	// ClusterConfig is the cluster's "client.authentication.k8s.io/exec"
	// extension, passed as spec.cluster.config when ProvideClusterInfo is set.
	ClusterConfig json.RawMessage
	// Stderr receives the plugin's standard error; nil means os.Stderr.
	Stderr io.Writer
}

// ExecEnvVar is one environment variable for an exec plugin.
type ExecEnvVar struct {
	// Name is the variable's name.
	Name string
	// Value is the variable's value; a Secret, since plugins are often
	// given credentials this way.
	Value Secret
}

func (e *ExecConfig) validate() error {
	bad := func(field, format string, args ...any) error {
		return &ConfigError{Field: "Exec." + field, Err: fmt.Errorf(format, args...)}
	}
	if e.Command == "" {
		return bad("Command", "no command")
	}
	switch e.APIVersion {
	case ExecAPIVersionV1, ExecAPIVersionV1beta1:
	case "":
		return bad("APIVersion", "no apiVersion (want %s or %s)", ExecAPIVersionV1, ExecAPIVersionV1beta1)
	default:
		return bad("APIVersion", "unsupported %q (want %s or %s)", e.APIVersion, ExecAPIVersionV1, ExecAPIVersionV1beta1)
	}
	switch e.InteractiveMode {
	case ExecInteractiveNever, ExecInteractiveIfAvailable, ExecInteractiveAlways:
	case "":
		if e.APIVersion == ExecAPIVersionV1 {
			return bad("InteractiveMode", "required for %s (Never, IfAvailable or Always)", ExecAPIVersionV1)
		}
	default:
		return bad("InteractiveMode", "unsupported %q (want Never, IfAvailable or Always)", e.InteractiveMode)
	}
	for i, v := range e.Env {
		if v.Name == "" {
			return bad(fmt.Sprintf("Env[%d].Name", i), "empty name")
		}
	}
	return nil
}

// execCluster is spec.cluster of the ExecCredential input.
type execCluster struct {
	Server                   string          `json:"server"`
	TLSServerName            string          `json:"tls-server-name,omitempty"`
	InsecureSkipTLSVerify    bool            `json:"insecure-skip-tls-verify,omitempty"`
	CertificateAuthorityData []byte          `json:"certificate-authority-data,omitempty"`
	ProxyURL                 string          `json:"proxy-url,omitempty"`
	Config                   json.RawMessage `json:"config,omitempty"`
}

type execInput struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Spec       struct {
		Interactive bool         `json:"interactive"`
		Cluster     *execCluster `json:"cluster,omitempty"`
	} `json:"spec"`
}

type execOutput struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Status     *struct {
		Token                 string     `json:"token"`
		ClientCertificateData string     `json:"clientCertificateData"`
		ClientKeyData         string     `json:"clientKeyData"`
		ExpirationTimestamp   *time.Time `json:"expirationTimestamp"`
	} `json:"status"`
}

// execCred is one set of credentials from a plugin run. It is immutable.
type execCred struct {
	token  string
	cert   *tls.Certificate
	expiry time.Time // zero: never expires
}

// isTerminal reports whether f is an interactive terminal. Without a
// dependency on golang.org/x/term it accepts any character device except the
// null device.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	null, err := os.Stat(os.DevNull)
	return err != nil || !os.SameFile(fi, null)
}

// execProvider runs the plugin and caches its credentials. At most one run
// happens at a time; waiting for it respects the caller's context.
type execProvider struct {
	cfg          ExecConfig
	cluster      *execCluster // nil unless ProvideClusterInfo
	onCertChange func()
	isTerminal   func(*os.File) bool // replaced in tests

	sem  chan struct{}            // holds one token: the right to run the plugin
	cred atomic.Pointer[execCred] // the cached credentials; written under sem
}

func newExecProvider(cfg ExecConfig, cluster *execCluster, onCertChange func()) *execProvider {
	if cfg.InteractiveMode == "" {
		cfg.InteractiveMode = ExecInteractiveIfAvailable
	}
	if !cfg.ProvideClusterInfo {
		cluster = nil
	}
	p := &execProvider{cfg: cfg, cluster: cluster, onCertChange: onCertChange, isTerminal: isTerminal, sem: make(chan struct{}, 1)}
	p.sem <- struct{}{}
	return p
}

// lock takes the right to read or run, or gives up with ctx's error: a
// waiter never outlives its own context, whatever the holder does.
func (p *execProvider) lock(ctx context.Context) error {
	select {
	case <-p.sem:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *execProvider) unlock() { p.sem <- struct{}{} }

func (p *execProvider) valid(c *execCred) bool {
	return c != nil && (c.expiry.IsZero() || time.Now().Before(c.expiry.Add(-execExpirySkew)))
}

// get returns cached credentials, running the plugin when there are none or
// they expired. Valid cached credentials are returned without waiting for a
// plugin run in progress.
func (p *execProvider) get(ctx context.Context) (*execCred, error) {
	if c := p.cred.Load(); p.valid(c) {
		return c, nil
	}
	if err := p.lock(ctx); err != nil {
		return nil, err
	}
	defer p.unlock()
	if c := p.cred.Load(); p.valid(c) {
		return c, nil // another request ran the plugin meanwhile
	}
	return p.runLocked(ctx)
}

// refresh is called after the server rejected used with 401. Unless another
// request already renewed them, it runs the plugin again.
func (p *execProvider) refresh(ctx context.Context, used *execCred) (*execCred, error) {
	if err := p.lock(ctx); err != nil {
		return nil, err
	}
	defer p.unlock()
	if c := p.cred.Load(); c != used && p.valid(c) {
		return c, nil
	}
	p.cred.Store(nil)
	return p.runLocked(ctx)
}

func (p *execProvider) fail(err error) error {
	return &ExecError{Command: p.cfg.Command, InstallHint: p.cfg.InstallHint, Err: err}
}

func (p *execProvider) runLocked(ctx context.Context) (*execCred, error) {
	interactive := false
	switch p.cfg.InteractiveMode {
	case ExecInteractiveIfAvailable:
		interactive = p.isTerminal(os.Stdin)
	case ExecInteractiveAlways:
		if !p.isTerminal(os.Stdin) {
			return nil, p.fail(ErrExecNotInteractive)
		}
		interactive = true
	}
	in := execInput{APIVersion: p.cfg.APIVersion, Kind: "ExecCredential"}
	in.Spec.Interactive = interactive
	in.Spec.Cluster = p.cluster
	info, err := json.Marshal(in)
	if err != nil {
		return nil, p.fail(fmt.Errorf("%w: encoding %s: %w", ErrExecFailed, execInfoEnv, err))
	}

	out, err := p.run(ctx, info, interactive)
	if err != nil {
		return nil, p.fail(err)
	}
	cred, err := p.parse(out)
	if err != nil {
		return nil, p.fail(err)
	}
	old := p.cred.Swap(cred)
	if old != nil && p.onCertChange != nil && !sameCert(old.cert, cred.cert) {
		p.onCertChange()
	}
	return cred, nil
}

// errExecTimeout is the cause of a plugin run that reached execTimeout.
var errExecTimeout = fmt.Errorf("no answer within %v", execTimeout)

// run runs the plugin and returns what it printed. Its errors wrap
// ErrExecNotFound, ErrExecFailed (with the caller's context error, or the
// exit status) or ErrExecOutputTooLarge; none holds the plugin's output.
func (p *execProvider) run(ctx context.Context, info []byte, interactive bool) ([]byte, error) {
	var runCtx context.Context
	var cancel context.CancelFunc
	if interactive {
		runCtx, cancel = context.WithCancel(ctx)
	} else {
		runCtx, cancel = context.WithTimeoutCause(ctx, execTimeout, errExecTimeout)
	}
	defer cancel()
	cmd := exec.CommandContext(runCtx, p.cfg.Command, p.cfg.Args...)
	env := os.Environ()
	for _, v := range p.cfg.Env {
		env = append(env, v.Name+"="+v.Value.Reveal())
	}
	cmd.Env = append(env, execInfoEnv+"="+string(info))
	stdout := &limitedBuffer{limit: ExecOutputLimit, overflow: cancel}
	cmd.Stdout = stdout
	cmd.Stderr = p.cfg.Stderr
	if cmd.Stderr == nil {
		cmd.Stderr = os.Stderr
	}
	if interactive {
		cmd.Stdin = os.Stdin
	} else {
		ownProcessGroup(cmd)
	}
	cmd.WaitDelay = execWaitDelay
	err := cmd.Run()
	if !interactive && cmd.Process != nil {
		// Children left behind (holding the output open, or not) go too.
		killProcessGroup(cmd)
	}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%w: %w", ErrExecNotFound, err)
	case stdout.exceeded():
		return nil, fmt.Errorf("%w: %w (%d bytes); the plugin was stopped", ErrExecOutput, ErrExecOutputTooLarge, ExecOutputLimit)
	case ctx.Err() != nil:
		return nil, fmt.Errorf("%w: stopped: %w", ErrExecFailed, context.Cause(ctx))
	case runCtx.Err() != nil:
		return nil, fmt.Errorf("%w: stopped: %w: %w", ErrExecFailed, context.Cause(runCtx), context.DeadlineExceeded)
	case errors.Is(err, exec.ErrWaitDelay):
		// The plugin exited successfully, but something it started kept
		// the output open; what it printed before exiting is used.
	case errors.As(err, &exitErr):
		return nil, fmt.Errorf("%w: exit status %d (see the plugin's standard error)", ErrExecFailed, exitErr.ExitCode())
	default:
		return nil, fmt.Errorf("%w: %w", ErrExecFailed, err)
	}
	return stdout.Bytes(), nil
}

// limitedBuffer keeps at most limit bytes; a write beyond them fails and
// calls overflow, which stops the plugin.
type limitedBuffer struct {
	mu       sync.Mutex
	buf      bytes.Buffer
	limit    int
	over     bool
	overflow func()
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.over || b.buf.Len()+len(p) > b.limit {
		b.over = true
		b.overflow()
		return 0, ErrExecOutputTooLarge
	}
	return b.buf.Write(p)
}

func (b *limitedBuffer) exceeded() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.over
}

func (b *limitedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Bytes()
}

// parse decodes the plugin's output. Its errors never quote the output,
// which holds credentials.
func (p *execProvider) parse(out []byte) (*execCred, error) {
	var o execOutput
	if err := json.Unmarshal(out, &o); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return nil, fmt.Errorf("%w: not a JSON ExecCredential (syntax error at byte %d)", ErrExecOutput, syn.Offset)
		case errors.As(err, &typ) && typ.Field == "":
			return nil, fmt.Errorf("%w: not a JSON object", ErrExecOutput)
		case errors.As(err, &typ):
			// Field is a path of the decoded struct's names, not output.
			return nil, fmt.Errorf("%w: field %q of the ExecCredential has the wrong type", ErrExecOutput, typ.Field)
		default:
			return nil, fmt.Errorf("%w: not a valid ExecCredential (malformed field value)", ErrExecOutput)
		}
	}
	if o.Kind != "ExecCredential" {
		return nil, fmt.Errorf("%w: kind is not ExecCredential", ErrExecOutput)
	}
	if o.APIVersion != p.cfg.APIVersion {
		// Only a known version is named: the output itself is never quoted.
		got := "an unknown apiVersion"
		switch o.APIVersion {
		case ExecAPIVersionV1, ExecAPIVersionV1beta1, execAPIVersionV1alpha1:
			got = "apiVersion " + o.APIVersion
		case "":
			got = "no apiVersion"
		}
		return nil, fmt.Errorf("%w: plugin returned %s, configured %s", ErrExecOutput, got, p.cfg.APIVersion)
	}
	s := o.Status
	if s == nil {
		return nil, fmt.Errorf("%w: no status", ErrExecOutput)
	}
	if s.Token == "" && s.ClientCertificateData == "" && s.ClientKeyData == "" {
		return nil, fmt.Errorf("%w: status has neither a token nor a client certificate and key", ErrExecOutput)
	}
	if (s.ClientCertificateData == "") != (s.ClientKeyData == "") {
		return nil, fmt.Errorf("%w: status has only one of clientCertificateData and clientKeyData", ErrExecOutput)
	}
	cred := &execCred{token: s.Token}
	if s.ExpirationTimestamp != nil {
		cred.expiry = *s.ExpirationTimestamp
	}
	if s.ClientCertificateData != "" {
		cert, err := tls.X509KeyPair([]byte(s.ClientCertificateData), []byte(s.ClientKeyData))
		if err != nil {
			return nil, fmt.Errorf("%w: client certificate and key do not form a valid pair", ErrExecOutput)
		}
		cred.cert = &cert
	}
	return cred, nil
}

func sameCert(a, b *tls.Certificate) bool {
	if a == nil || b == nil {
		return a == b
	}
	if len(a.Certificate) != len(b.Certificate) {
		return false
	}
	for i := range a.Certificate {
		if !bytes.Equal(a.Certificate[i], b.Certificate[i]) {
			return false
		}
	}
	return true
}
