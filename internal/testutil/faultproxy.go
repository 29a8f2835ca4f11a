package testutil

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// FaultProxy is an HTTP reverse proxy on 127.0.0.1 that sits between a
// client under test and a plain-HTTP Kubernetes API endpoint (typically
// the cluster's kubectl proxy, Cluster.ProxyURL) and injects the faults a
// hostile network or an overloaded server produces: connections cut
// mid-stream, truncated and garbled frames, stalled headers and bodies,
// 429 with Retry-After, 5xx with HTML bodies, and 410 Gone as a status
// and as an in-stream ERROR event (see FaultKind).
//
// Faults come from a script (Script: each fault goes to the next request
// it applies to) or at random (FaultProxyOptions: a seed, a rate and a
// budget per kind, so the number of faults is bounded). Every fault that
// is injected is counted (Counts, Injections); a fault that could not be
// injected (a stream that ended before the frame it was meant for) is not
// counted and goes back to the script or the budget.
//
// Bodies are handled as frames: the newline-terminated JSON objects of a
// watch stream, or the single line of a list or get answer. Frames longer
// than FaultProxyOptions.MaxFrame pass through in pieces.
//
// Nothing in the proxy waits without a bound: a stall ends after its
// duration, when the client goes away, or when the proxy is closed,
// whichever comes first, and Close ends every request in flight.
//
// The proxy speaks HTTP/1.1 only and does not support upgrades (exec,
// port-forward). It asks the upstream for uncompressed bodies so that it
// can cut and garble frames.
type FaultProxy struct {
	url      string
	upstream *url.URL
	client   *http.Client
	srv      *http.Server
	maxFrame int

	ctx    context.Context // cancelled by Close: ends stalls and upstream requests
	cancel context.CancelFunc

	mu         sync.Mutex
	closed     bool
	handlers   sync.WaitGroup
	inflight   int
	script     []Fault
	rng        *rand.Rand
	rate       float64
	budget     map[FaultKind]int // remaining random faults per kind
	maxAfter   int
	stall      time.Duration
	counts     map[FaultKind]int
	injections []Injection
	requests   map[RequestClass]int
	logf       func(string)
	closeErr   error
	closeOnce  sync.Once
}

// FaultKind names a fault the FaultProxy injects.
type FaultKind string

// The faults. "Frames" are the newline-terminated JSON objects of a body;
// Fault.AfterFrames whole frames pass before a body fault strikes.
const (
	// FaultCut closes the connection after AfterFrames frames, before the
	// next one, as a dropped TCP connection would.
	FaultCut FaultKind = "cut"
	// FaultTruncate sends the first half of the frame after AfterFrames
	// frames, then closes the connection: a frame cut in the middle.
	FaultTruncate FaultKind = "truncate"
	// FaultGarble replaces bytes in the middle of the frame after
	// AfterFrames frames with control characters (the frame keeps its
	// length and its newline but is no longer JSON); the stream goes on.
	FaultGarble FaultKind = "garble"
	// FaultStallHeaders sends nothing at all for Fault.Stall, then closes
	// the connection; the request never reaches the upstream. It is what a
	// half-open connection looks like to a client waiting for headers.
	FaultStallHeaders FaultKind = "stall-headers"
	// FaultStallBody sends the response headers and AfterFrames frames,
	// then nothing for Fault.Stall, then closes the connection: a body
	// that stops making progress.
	FaultStallBody FaultKind = "stall-body"
	// FaultTooManyRequests answers 429 with a Retry-After header
	// (Fault.RetryAfter seconds) and a Kubernetes Status body.
	FaultTooManyRequests FaultKind = "429"
	// FaultServerError answers a 5xx status (Fault.Status) with an HTML
	// body, as a load balancer in front of the API server would.
	FaultServerError FaultKind = "5xx"
	// FaultGone answers 410 Gone with a Kubernetes Status body (reason
	// Expired), as for a too old resourceVersion.
	FaultGone FaultKind = "410"
	// FaultGoneInStream sends, after AfterFrames frames, an ERROR event
	// whose object is a 410 Expired Status, and ends the stream cleanly,
	// as the API server does when a watch falls out of its window.
	FaultGoneInStream FaultKind = "410-in-stream"
)

// FaultKinds returns every FaultKind, in a fixed order.
func FaultKinds() []FaultKind {
	return []FaultKind{FaultCut, FaultTruncate, FaultGarble, FaultStallHeaders, FaultStallBody,
		FaultTooManyRequests, FaultServerError, FaultGone, FaultGoneInStream}
}

// RequestClass is a set of kinds of API requests, as the proxy tells them
// apart by method and path.
type RequestClass uint8

// The request classes. Combine them with |.
const (
	// RequestWatch is a GET with watch=true (or a /watch/ path).
	RequestWatch RequestClass = 1 << iota
	// RequestList is a GET of a collection (list) without watch.
	RequestList
	// RequestGet is a GET of one object or of a subresource.
	RequestGet
	// RequestWrite is any other method on an API resource.
	RequestWrite
	// RequestOther is anything else: discovery, /version, /readyz...
	RequestOther
)

// String names the classes in the set, e.g. "watch|list".
func (c RequestClass) String() string {
	var names []string
	for i, n := range []string{"watch", "list", "get", "write", "other"} {
		if c&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, "|")
}

// allowed and default request classes of each kind.
func (k FaultKind) classes() (allowed, def RequestClass) {
	const reads = RequestWatch | RequestList | RequestGet
	switch k {
	case FaultCut, FaultTruncate, FaultGarble, FaultStallBody:
		return reads, RequestWatch | RequestList
	case FaultGoneInStream:
		return RequestWatch, RequestWatch
	case FaultStallHeaders, FaultTooManyRequests, FaultServerError:
		return ^RequestClass(0), reads
	case FaultGone:
		return ^RequestClass(0), RequestWatch
	}
	return 0, 0
}

func (k FaultKind) body() bool {
	switch k {
	case FaultCut, FaultTruncate, FaultGarble, FaultStallBody, FaultGoneInStream:
		return true
	}
	return false
}

// Fault is one fault to inject.
type Fault struct {
	// Kind of fault.
	Kind FaultKind
	// On is the set of requests the fault may strike; 0 means the kind's
	// default: watches and lists for body faults (watches only for
	// FaultGoneInStream and FaultGone), watches, lists and gets for the
	// others. Writes are never struck unless asked for.
	On RequestClass
	// AfterFrames is the number of whole frames passed before a body
	// fault strikes. A fault whose stream ends first is not injected.
	AfterFrames int
	// Stall is how long FaultStallHeaders and FaultStallBody send
	// nothing; 0 means DefaultStall. The stall also ends when the client
	// goes away or the proxy is closed.
	Stall time.Duration
	// RetryAfter is the Retry-After of FaultTooManyRequests in seconds;
	// 0 means 1.
	RetryAfter int
	// Status is the code of FaultServerError (500 to 599); 0 means 503.
	Status int

	random bool // drawn from the budget (given back if not injected)
}

// DefaultStall is the length of a stall when Fault.Stall and
// FaultProxyOptions.Stall are zero.
const DefaultStall = 30 * time.Second

// Injection records one injected fault.
type Injection struct {
	Fault  Fault
	Class  RequestClass // the request's class
	Method string
	Path   string // the request's path (no query)
	At     time.Time
}

// FaultProxyOptions configure NewFaultProxy. The zero value injects no
// fault until Script is called.
type FaultProxyOptions struct {
	// Seed of the random choices: whether a request gets a fault, which
	// one, after how many frames. The same seed and the same sequence of
	// requests give the same faults.
	Seed uint64
	// Rate is the probability, in [0, 1], that a request gets a random
	// fault while the budget lasts.
	Rate float64
	// Budget bounds the random faults: at most Budget[k] faults of kind k
	// are injected. Empty means no random faults. A random fault strikes
	// only the default request classes of its kind (see Fault.On).
	Budget map[FaultKind]int
	// MaxAfterFrames bounds Fault.AfterFrames of random body faults on
	// watches, drawn from [1, MaxAfterFrames]; 0 means 20. On lists and
	// gets it is always 0.
	MaxAfterFrames int
	// Stall is the length of random stalls; 0 means DefaultStall.
	Stall time.Duration
	// MaxFrame is the largest frame the proxy holds in memory; longer
	// frames pass through in pieces (a fault then strikes a piece). 0
	// means 1 MiB.
	MaxFrame int
	// Log, if set, receives one line for each injected fault.
	Log func(string)
}

// NewFaultProxy starts a fault proxy on 127.0.0.1 in front of upstream, a
// plain-HTTP API endpoint such as Cluster.ProxyURL. Close stops it.
func NewFaultProxy(upstream string, opts FaultProxyOptions) (*FaultProxy, error) {
	u, err := url.Parse(upstream)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("testutil: fault proxy: upstream %q is not an http(s) URL", upstream)
	}
	if opts.Rate < 0 || opts.Rate > 1 {
		return nil, fmt.Errorf("testutil: fault proxy: rate %v is not in [0, 1]", opts.Rate)
	}
	budget := map[FaultKind]int{}
	for k, n := range opts.Budget {
		if allowed, _ := k.classes(); allowed == 0 {
			return nil, fmt.Errorf("testutil: fault proxy: unknown fault kind %q in budget", k)
		}
		if n < 0 {
			return nil, fmt.Errorf("testutil: fault proxy: negative budget %d for %s", n, k)
		}
		budget[k] = n
	}
	if opts.MaxAfterFrames <= 0 {
		opts.MaxAfterFrames = 20
	}
	if opts.Stall <= 0 {
		opts.Stall = DefaultStall
	}
	if opts.MaxFrame <= 0 {
		opts.MaxFrame = 1 << 20
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("testutil: fault proxy: listen: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &FaultProxy{
		url:      "http://" + l.Addr().String(),
		upstream: u,
		client: &http.Client{
			Transport: &http.Transport{
				Proxy:                 nil,
				DialContext:           (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
				DisableCompression:    true,
				ResponseHeaderTimeout: 2 * time.Minute,
				MaxIdleConnsPerHost:   32,
				IdleConnTimeout:       30 * time.Second,
			},
			// The client under test sees redirects as they are.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		maxFrame: opts.MaxFrame,
		ctx:      ctx,
		cancel:   cancel,
		rng:      rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
		rate:     opts.Rate,
		budget:   budget,
		maxAfter: opts.MaxAfterFrames,
		stall:    opts.Stall,
		counts:   map[FaultKind]int{},
		requests: map[RequestClass]int{},
		logf:     opts.Log,
	}
	p.srv = &http.Server{
		Handler:           p,
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	go p.srv.Serve(l)
	return p, nil
}

// URL is the proxy's base URL (http://127.0.0.1:port): use it as the
// client's server URL.
func (p *FaultProxy) URL() string { return p.url }

// Script queues faults. Each request takes the first queued fault that may
// strike it (see Fault.On), before any random fault; a fault that could
// not be injected goes back to the head of the queue.
func (p *FaultProxy) Script(faults ...Fault) error {
	for i := range faults {
		f := &faults[i]
		allowed, def := f.Kind.classes()
		if allowed == 0 {
			return fmt.Errorf("testutil: fault proxy: unknown fault kind %q", f.Kind)
		}
		if f.On == 0 {
			f.On = def
		}
		if f.On&^allowed != 0 {
			return fmt.Errorf("testutil: fault proxy: %s cannot strike %s requests", f.Kind, f.On&^allowed)
		}
		if f.AfterFrames < 0 || f.Stall < 0 || f.RetryAfter < 0 {
			return fmt.Errorf("testutil: fault proxy: negative parameter in %+v", *f)
		}
		if f.Status != 0 && (f.Status < 500 || f.Status > 599) {
			return fmt.Errorf("testutil: fault proxy: %s status %d is not 5xx", f.Kind, f.Status)
		}
		f.random = false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.script = append(p.script, faults...)
	return nil
}

// SetRate changes the probability of random faults; 0 stops them (faults
// in progress, such as stalls, go on until they end).
func (p *FaultProxy) SetRate(rate float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rate = min(max(rate, 0), 1)
}

// Pending returns the number of scripted faults not injected yet.
func (p *FaultProxy) Pending() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.script)
}

// Counts returns the number of injected faults by kind.
func (p *FaultProxy) Counts() map[FaultKind]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[FaultKind]int, len(p.counts))
	for k, n := range p.counts {
		out[k] = n
	}
	return out
}

// Total returns the number of injected faults.
func (p *FaultProxy) Total() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.injections)
}

// Injections returns the injected faults in the order they struck.
func (p *FaultProxy) Injections() []Injection {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Injection(nil), p.injections...)
}

// Requests returns the number of requests the proxy received by class.
func (p *FaultProxy) Requests() map[RequestClass]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[RequestClass]int, len(p.requests))
	for k, n := range p.requests {
		out[k] = n
	}
	return out
}

// Close stops the proxy: it ends every stall, closes every connection
// and waits (at most ten seconds) until every request handler has
// returned. It returns an error if one has not.
func (p *FaultProxy) Close() error {
	p.closeOnce.Do(func() {
		p.mu.Lock()
		p.closed = true
		p.mu.Unlock()
		p.cancel()
		p.srv.Close()
		done := make(chan struct{})
		go func() { p.handlers.Wait(); close(done) }()
		t := time.NewTimer(10 * time.Second)
		defer t.Stop()
		select {
		case <-done:
		case <-t.C:
			p.mu.Lock()
			p.closeErr = fmt.Errorf("testutil: fault proxy: %d request handlers still running 10s after Close", p.inflight)
			p.mu.Unlock()
		}
		p.client.CloseIdleConnections()
	})
	return p.closeErr
}

// running returns the number of request handlers running (for tests).
func (p *FaultProxy) running() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.inflight
}

// classify tells the class of an API request by method and path.
func classify(r *http.Request) RequestClass {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	var rest []string
	switch {
	case len(segs) >= 2 && segs[0] == "api":
		rest = segs[2:]
	case len(segs) >= 3 && segs[0] == "apis":
		rest = segs[3:]
	default:
		return RequestOther
	}
	if len(rest) == 0 || rest[0] == "" {
		return RequestOther
	}
	if rest[0] == "watch" {
		return RequestWatch
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return RequestWrite
	}
	if w := r.URL.Query().Get("watch"); w == "true" || w == "1" {
		return RequestWatch
	}
	if rest[0] == "namespaces" && len(rest) >= 3 {
		rest = rest[2:]
	}
	if len(rest) == 1 {
		return RequestList
	}
	return RequestGet
}

// take picks the fault for a request of class c, if any: the first
// scripted fault that may strike it, else a random one.
func (p *FaultProxy) take(c RequestClass) (Fault, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests[c]++
	for i, f := range p.script {
		if f.On&c != 0 {
			p.script = append(p.script[:i:i], p.script[i+1:]...)
			return f, true
		}
	}
	if p.rate <= 0 || len(p.budget) == 0 {
		return Fault{}, false
	}
	if p.rng.Float64() >= p.rate {
		return Fault{}, false
	}
	var candidates []FaultKind
	for _, k := range FaultKinds() {
		if _, def := k.classes(); p.budget[k] > 0 && def&c != 0 {
			candidates = append(candidates, k)
		}
	}
	if len(candidates) == 0 {
		return Fault{}, false
	}
	k := candidates[p.rng.IntN(len(candidates))]
	p.budget[k]--
	_, def := k.classes()
	f := Fault{Kind: k, On: def, Stall: p.stall, random: true}
	if k.body() && c == RequestWatch {
		f.AfterFrames = 1 + p.rng.IntN(p.maxAfter)
	}
	switch k {
	case FaultServerError:
		f.Status = []int{500, 502, 503, 504}[p.rng.IntN(4)]
	case FaultTooManyRequests:
		f.RetryAfter = 1 + p.rng.IntN(2)
	}
	return f, true
}

// giveBack returns a fault that was not injected to where it came from.
func (p *FaultProxy) giveBack(f Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if f.random {
		p.budget[f.Kind]++
		return
	}
	p.script = append([]Fault{f}, p.script...)
}

func (p *FaultProxy) record(f Fault, c RequestClass, r *http.Request) {
	p.mu.Lock()
	p.counts[f.Kind]++
	p.injections = append(p.injections, Injection{Fault: f, Class: c, Method: r.Method, Path: r.URL.Path, At: time.Now()})
	logf := p.logf
	p.mu.Unlock()
	if logf != nil {
		logf(fmt.Sprintf("faultproxy: %s on %s %s (%s, after %d frames)", f.Kind, r.Method, r.URL.Path, c, f.AfterFrames))
	}
}

// ServeHTTP proxies one request, injecting the fault it draws, if any.
func (p *FaultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		http.Error(w, "fault proxy closed", http.StatusServiceUnavailable)
		return
	}
	p.handlers.Add(1)
	p.inflight++
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.inflight--
		p.mu.Unlock()
		p.handlers.Done()
	}()

	// Every wait below ends when the client goes away or Close is called.
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	defer context.AfterFunc(p.ctx, cancel)()

	c := classify(r)
	f, ok := p.take(c)
	injected := false
	defer func() {
		if ok && !injected {
			p.giveBack(f)
		}
	}()
	if ok {
		switch f.Kind {
		case FaultStallHeaders:
			injected = true
			p.record(f, c, r)
			sleep(ctx, stallOf(f))
			cut(w)
			return
		case FaultTooManyRequests:
			injected = true
			p.record(f, c, r)
			ra := max(f.RetryAfter, 1)
			w.Header().Set("Retry-After", fmt.Sprint(ra))
			writeStatus(w, http.StatusTooManyRequests, "TooManyRequests", "too many requests (injected by the fault proxy)", ra)
			return
		case FaultServerError:
			injected = true
			p.record(f, c, r)
			code := f.Status
			if code == 0 {
				code = http.StatusServiceUnavailable
			}
			text := http.StatusText(code)
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(code)
			fmt.Fprintf(w, "<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d %s</h1></center>\r\n<hr><center>fault proxy</center>\r\n</body>\r\n</html>\r\n", code, text, code, text)
			return
		case FaultGone:
			injected = true
			p.record(f, c, r)
			writeStatus(w, http.StatusGone, "Expired", "too old resource version (injected by the fault proxy)", 0)
			return
		}
	}

	resp, err := p.forward(ctx, r)
	if err != nil {
		if ctx.Err() == nil {
			http.Error(w, "fault proxy: upstream: "+err.Error(), http.StatusBadGateway)
		}
		return
	}
	defer resp.Body.Close()
	for k, vs := range resp.Header {
		if hopByHop(k) || k == "Content-Length" {
			continue
		}
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	rc := http.NewResponseController(w)
	if rc.Flush() != nil {
		return
	}
	var bf *Fault
	if ok && resp.StatusCode/100 == 2 {
		bf = &f
	}
	injected = p.copyFrames(ctx, w, rc, resp.Body, bf, c, r)
}

// forward sends the request to the upstream, without hop-by-hop headers
// and asking for an uncompressed body.
func (p *FaultProxy) forward(ctx context.Context, r *http.Request) (*http.Response, error) {
	// The request target goes on byte for byte (escapes included), after
	// the upstream's own path, if any.
	target := r.RequestURI
	if !strings.HasPrefix(target, "/") {
		target = r.URL.RequestURI()
	}
	base := *p.upstream
	base.RawQuery, base.Fragment = "", ""
	var body io.Reader
	if r.ContentLength != 0 {
		body = r.Body
	}
	out, err := http.NewRequestWithContext(ctx, r.Method, strings.TrimSuffix(base.String(), "/")+target, body)
	if err != nil {
		return nil, err
	}
	out.ContentLength = r.ContentLength
	for k, vs := range r.Header {
		if hopByHop(k) || k == "Accept-Encoding" {
			continue
		}
		out.Header[k] = vs
	}
	return p.client.Do(out)
}

// copyFrames copies body to w frame by frame, flushing after each, and
// applies the body fault f (if not nil). It reports whether f was injected.
func (p *FaultProxy) copyFrames(ctx context.Context, w http.ResponseWriter, rc *http.ResponseController, body io.Reader, f *Fault, c RequestClass, r *http.Request) bool {
	br := bufio.NewReaderSize(body, p.maxFrame)
	frames, atStart, injected := 0, true, false
	for {
		chunk, err := br.ReadSlice('\n')
		if len(chunk) > 0 {
			out := chunk
			if f != nil && !injected && atStart && frames == f.AfterFrames && f.Kind.body() {
				injected = true
				p.record(*f, c, r)
				switch f.Kind {
				case FaultCut:
					cut(w)
					return true
				case FaultTruncate:
					frame := bytes.TrimSuffix(chunk, []byte("\n"))
					w.Write(frame[:len(frame)/2])
					rc.Flush()
					cut(w)
					return true
				case FaultStallBody:
					sleep(ctx, stallOf(*f))
					cut(w)
					return true
				case FaultGoneInStream:
					w.Write(goneEvent)
					rc.Flush()
					return true
				case FaultGarble:
					out = garble(chunk)
				}
			}
			if _, werr := w.Write(out); werr != nil {
				return injected
			}
			if rc.Flush() != nil {
				return injected
			}
			if chunk[len(chunk)-1] == '\n' {
				frames++
				atStart = true
			} else {
				atStart = false
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return injected
		}
	}
}

// garbleMark replaces bytes in the middle of a garbled frame: control
// characters are invalid anywhere in JSON, inside strings too, so the
// frame cannot decode to a plausible wrong object.
var garbleMark = []byte("\x01\x02garbled by the fault proxy\x03\x04")

// garble returns a copy of frame with its middle overwritten by
// garbleMark (as much as fits), keeping its length and final newline.
func garble(frame []byte) []byte {
	out := bytes.Clone(frame)
	body := out
	if n := len(body); n > 0 && body[n-1] == '\n' {
		body = body[:n-1]
	}
	if len(body) == 0 {
		return out
	}
	start := len(body) / 2
	if len(body)-start < len(garbleMark) {
		start = max(0, len(body)-len(garbleMark))
	}
	copy(body[start:], garbleMark)
	return out
}

var goneEvent = func() []byte {
	b, _ := json.Marshal(map[string]any{"type": "ERROR", "object": statusObject(http.StatusGone, "Expired", "too old resource version (injected by the fault proxy)", 0)})
	return append(b, '\n')
}()

func statusObject(code int, reason, message string, retryAfter int) map[string]any {
	st := map[string]any{
		"kind": "Status", "apiVersion": "v1", "metadata": map[string]any{},
		"status": "Failure", "message": message, "reason": reason, "code": code,
	}
	if retryAfter > 0 {
		st["details"] = map[string]any{"retryAfterSeconds": retryAfter}
	}
	return st
}

func writeStatus(w http.ResponseWriter, code int, reason, message string, retryAfter int) {
	b, _ := json.Marshal(statusObject(code, reason, message, retryAfter))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(b)
}

func stallOf(f Fault) time.Duration {
	if f.Stall > 0 {
		return f.Stall
	}
	return DefaultStall
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// cut closes the client connection under a response, flushing what was
// written: the client sees the connection end in the middle of the
// response (or before it, if nothing was written).
func cut(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not hijackable (never the case on this HTTP/1.1 server): the
		// response ends early but cleanly.
		return
	}
	conn.Close()
}

func hopByHop(h string) bool {
	switch http.CanonicalHeaderKey(h) {
	case "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection",
		"Te", "Trailer", "Transfer-Encoding", "Upgrade":
		return true
	}
	return false
}
