package kubefake

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	kube "github.com/kube-for-go/kube"
)

// DefaultHistory is the number of changes a server retains for watches and
// continued lists when Options.History is 0.
const DefaultHistory = 10000

// DefaultMaxBody bounds a request body when Options.MaxBody is 0 (the real
// server's limit is 3 MiB per object).
const DefaultMaxBody = 3 << 20

// Options configure a Server. The zero value serves over a loopback
// httptest server with the default kinds and history.
type Options struct {
	// InProcess serves without a socket: URL is a placeholder and only
	// RoundTripper (and Client, which uses it) reach the server. Use it
	// inside testing/synctest bubbles, where real network I/O is not
	// durably blocking and fake time would not advance.
	InProcess bool
	// History is how many changes are retained for watches and continued
	// lists; a resourceVersion older than that answers 410 Gone. 0 means
	// DefaultHistory.
	History int
	// Resources replace DefaultResources when non-nil.
	Resources []*Resource
	// Now is the clock for timestamps; nil means time.Now.
	Now func() time.Time
	// BookmarkInterval sends a BOOKMARK to each watch that allows them at
	// this interval; 0 means only when Server.Bookmark is called (and at
	// the end of the initial events of sendInitialEvents).
	BookmarkInterval time.Duration
	// MaxBody bounds the size of a request body; 0 means DefaultMaxBody.
	MaxBody int64
	// Objects seed the server, as Server.Add takes them.
	Objects []any
}

// Server is an in-memory Kubernetes API server. It is safe for concurrent
// use. Create it with New and Close it when done (t.Cleanup).
type Server struct {
	opts   Options
	reg    *registry
	st     *store
	http   *httptest.Server
	url    string
	now    func() time.Time
	faults faults

	watchersMu sync.Mutex
	open       map[*watcher]*request // open watches

	done     chan struct{}
	closeOne sync.Once
	wg       sync.WaitGroup // in-process handlers
}

// New starts a server seeded with opts.Objects. It fails only on invalid
// resources or objects.
func New(opts Options) (*Server, error) {
	s := &Server{opts: opts, reg: newRegistry(), st: newStore(opts.History), now: opts.Now, done: make(chan struct{}), open: map[*watcher]*request{}}
	if s.now == nil {
		s.now = time.Now
	}
	if s.opts.MaxBody <= 0 {
		s.opts.MaxBody = DefaultMaxBody
	}
	res := opts.Resources
	if res == nil {
		res = DefaultResources()
	}
	for _, r := range res {
		if err := s.reg.add(r); err != nil {
			return nil, err
		}
	}
	for _, ns := range []string{"default", "kube-system", "kube-public", "kube-node-lease"} {
		if err := s.Add(map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}}); err != nil {
			return nil, err
		}
	}
	if err := s.Add(opts.Objects...); err != nil {
		return nil, err
	}
	if opts.InProcess {
		s.url = "http://kubefake.invalid"
	} else {
		s.http = httptest.NewServer(s)
		s.url = s.http.URL
	}
	return s, nil
}

// MustNew is New for tests: it fails tb if New does and closes the server
// when the test ends.
func MustNew(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s, err := New(opts)
	if err != nil {
		tb.Fatalf("kubefake: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// URL returns the server's base URL.
func (s *Server) URL() string { return s.url }

// Client returns a kube.Cluster connected to the server (through
// RoundTripper when InProcess). Each call returns a new client.
func (s *Server) Client() *kube.Cluster {
	opts := kube.Options{URL: s.url}
	if s.http == nil {
		opts.Transport = s.RoundTripper()
	}
	c, err := kube.New(opts)
	if err != nil { // cannot happen: the server's URL is always valid
		return nil
	}
	return c
}

// Close ends every open watch and stalled request and shuts the server
// down. It is safe to call more than once.
func (s *Server) Close() {
	s.closeOne.Do(func() {
		close(s.done)
		if s.http != nil {
			s.http.CloseClientConnections()
			s.http.Close()
		}
		s.wg.Wait()
	})
}

// Register adds or replaces a served resource (a custom kind). Creating a
// CustomResourceDefinition through the API registers its served versions
// the same way.
func (s *Server) Register(r *Resource) error { return s.reg.add(r) }

// Resources returns the served resources.
func (s *Server) Resources() []Resource {
	var out []Resource
	for _, r := range s.reg.all() {
		out = append(out, *r)
	}
	return out
}

// Add stores objects as if created through the API, creating their
// namespaces if missing. An object is a map, a struct that encodes to a
// Kubernetes object with encoding/json, JSON or YAML bytes or string
// (several YAML documents allowed), or a sdk.Object (its Raw bytes).
func (s *Server) Add(objects ...any) error {
	for _, x := range objects {
		docs, err := toObjects(x)
		if err != nil {
			return err
		}
		for _, o := range docs {
			if err := s.addOne(o); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Server) addOne(o obj) error {
	r := s.reg.byKind(str(o, "apiVersion"), str(o, "kind"))
	if r == nil {
		return fmt.Errorf("kubefake: add: no resource for apiVersion %q kind %q (Register it first)", str(o, "apiVersion"), str(o, "kind"))
	}
	ns := str(meta(o), "namespace")
	if r.Namespaced {
		if ns == "" {
			ns = "default"
		}
		if s.reg.lookup("", "v1", "namespaces") != nil {
			s.st.mu.Lock()
			missing := s.st.getLocked("namespaces", objKey("", ns)) == nil
			s.st.mu.Unlock()
			if missing {
				nsObj := obj{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}}
				if err := s.addOne(nsObj); err != nil {
					return err
				}
			}
		}
	} else {
		ns = ""
	}
	_, st := s.create(&request{res: r, ns: ns, verb: "create"}, o)
	if st != nil {
		return fmt.Errorf("kubefake: add %s %s/%s: %s", r.Kind, ns, str(meta(o), "name"), st.Message)
	}
	return nil
}

// ResourceVersion returns the newest resourceVersion.
func (s *Server) ResourceVersion() string {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return fmt.Sprint(s.st.rv)
}

// Compact forgets the retained history, like an etcd compaction: a watch
// or continued list from an older resourceVersion answers 410 Gone.
func (s *Server) Compact() {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	s.st.compactLocked()
}

func newUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func randomSuffix() string {
	const alphabet = "bcdfghjklmnpqrstvwxz2456789"
	var b [5]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

// errClosed ends stalls and watches when the server closes.
var errClosed = errors.New("kubefake: server closed")

// wait blocks for d, the request's end or the server's close.
func (s *Server) wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.done:
		return errClosed
	}
}

func (s *Server) timestamp() string { return s.now().UTC().Format(time.RFC3339) }

func isWatch(q string) bool { return q == "true" || q == "1" }

func trimSlash(p string) string { return strings.Trim(p, "/") }

// Object returns a copy of the stored object of the given apiVersion and
// kind ("" namespace for cluster-scoped kinds), reading the server's state
// directly: no request is logged and no fault applies, so a test can check
// what the server holds while it scripts failures for the code under test.
func (s *Server) Object(apiVersion, kind, namespace, name string) (map[string]any, bool) {
	r := s.reg.byKind(apiVersion, kind)
	if r == nil {
		return nil, false
	}
	if !r.Namespaced {
		namespace = ""
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	st := s.st.getLocked(r.GroupResource(), objKey(namespace, name))
	if st == nil {
		return nil, false
	}
	return copyObj(st.o), true
}
