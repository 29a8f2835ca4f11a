package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/watch"
)

// Request names the primary object to reconcile. It carries no state: the
// reconciler reads the object's current state (Controller.Get reads the
// cache), so a burst of changes to one object is one reconciliation.
type Request struct {
	Namespace string // "" for a cluster-scoped kind
	Name      string
}

// String returns "namespace/name", or "name" for a cluster-scoped object.
func (r Request) String() string { return watch.Key(r.Namespace, r.Name) }

// Result tells the controller what to do after a successful reconciliation.
type Result struct {
	// RequeueAfter > 0 reconciles the object again after this long (for
	// state that changes without an event, e.g. to poll an external
	// system). The zero Result does nothing more.
	RequeueAfter time.Duration
}

// Reconciler brings the cluster to the state one primary object asks for.
// Reconcile must be idempotent: it may be called any number of times for
// an object, and for an object that no longer exists (it then cleans up,
// or does nothing). An error retries the request with per-key backoff.
// Calls for different requests run in parallel (Options.Workers); never
// two for the same request at once.
type Reconciler interface {
	Reconcile(ctx context.Context, req Request) (Result, error)
}

// ReconcilerFunc adapts a function to Reconciler.
type ReconcilerFunc func(ctx context.Context, req Request) (Result, error)

// Reconcile calls f.
func (f ReconcilerFunc) Reconcile(ctx context.Context, req Request) (Result, error) {
	return f(ctx, req)
}

// Change is what a Predicate sees of one event: its type and the object's
// metadata before (nil when the controller had not seen the object) and
// after (for Deleted, its last state).
type Change struct {
	Type watch.EventType
	Old  *sdk.ObjectMeta
	New  *sdk.ObjectMeta
}

// Predicate decides whether an event is worth a reconciliation. An event
// is enqueued when every predicate of its watch accepts it.
type Predicate func(c Change) bool

// GenerationChanged accepts additions, deletions, and modifications that
// changed metadata.generation: changes of the spec, not of the status (the
// server bumps the generation only for the spec, for kinds with a status
// subresource).
func GenerationChanged() Predicate {
	return func(c Change) bool {
		return c.Type != watch.Modified || c.Old == nil || c.Old.Generation != c.New.Generation
	}
}

// LabelsChanged accepts additions, deletions, and modifications that
// changed the labels.
func LabelsChanged() Predicate {
	return func(c Change) bool {
		return c.Type != watch.Modified || c.Old == nil || !c.Old.Labels.Equal(c.New.Labels)
	}
}

// AnnotationsChanged accepts additions, deletions, and modifications that
// changed the annotations.
func AnnotationsChanged() Predicate {
	return func(c Change) bool {
		return c.Type != watch.Modified || c.Old == nil || !c.Old.Annotations.Equal(c.New.Annotations)
	}
}

// Any accepts an event when one of ps accepts it (none: never).
func Any(ps ...Predicate) Predicate {
	return func(c Change) bool {
		for _, p := range ps {
			if p(c) {
				return true
			}
		}
		return false
	}
}

// Options configure a Controller. The zero value works.
type Options struct {
	// Name of the controller in logs; empty means the primary kind's name.
	Name string
	// Workers is the number of reconciliations run in parallel; ≤ 0 means 1.
	Workers int
	// Predicates filter the events of the primary kind (all must accept).
	Predicates []Predicate
	// Resync, if > 0, reconciles every cached primary object that often,
	// even without events.
	Resync time.Duration
	// DrainTimeout bounds the graceful shutdown when Run's ctx ends: the
	// reconciliations in flight and the keys already queued are finished
	// within it, with a ctx that ends when it expires. 0 means 30s.
	DrainTimeout time.Duration
	// Queue configures the work queue (retry backoff and rate limit).
	Queue QueueOptions
	// Store configures the caches of every kind the controller watches
	// (request timeouts, retry backoff, DropFields; dropping
	// metadata.ownerReferences breaks Owns).
	Store watch.StoreOptions
	// Logger receives the controller's logs, keyed by object; nil
	// discards them. Reconcilers get it, keyed by their object, from
	// LoggerFrom(ctx).
	Logger *slog.Logger
	// Metrics receives the reconciliations' outcomes and durations, and
	// the work queue's measurements (under the controller's name, unless
	// Queue.Metrics is set); nil means none.
	Metrics Metrics
	// Hook, if set, wraps every reconciliation (for tracing).
	Hook ReconcileHook
}

// DefaultDrainTimeout is the default Options.DrainTimeout.
const DefaultDrainTimeout = 30 * time.Second

// Controller reconciles the objects of one primary kind S: it caches them
// (a watch.Store of the primary view), enqueues a Request for each change
// that passes the predicates, for each change of an owned object (to its
// controller owner, through ownerReferences) and of other watched kinds
// (through a map function), and runs the Reconciler for each request with
// N workers, at most one in flight per request. Failed requests are
// retried with per-key exponential backoff.
//
//	c, err := controller.New(deployments.View, r, controller.Options{Workers: 4})
//	controller.Owns(c, pdbs, controller.GenerationChanged())
//	err = c.Run(ctx)
//
// To run one active replica among several, call Run from
// LeaderElectionOptions.OnStartedLeading.
type Controller[S sdk.Status] struct {
	name    string
	kind    *sdk.Kind[S]
	opts    Options
	r       Reconciler
	log     *slog.Logger
	queue   *Queue[Request]
	primary *source[S]

	mu      sync.Mutex
	sources []watched
	running bool
}

// watched is one cached, watched kind, whatever its status type.
type watched interface {
	run(ctx context.Context, enqueue func(Request)) error // until ctx ends (nil) or a permanent error
	synced() bool
	waitSync(ctx context.Context) error
	kindName() string
}

// New returns a controller of the objects of view (its namespace and
// selectors apply) reconciled by r. It makes no request: add owned and
// watched kinds with Owns and Watches, then call Run.
func New[S sdk.Status](view *sdk.View[S], r Reconciler, opts Options) (*Controller[S], error) {
	if view == nil || r == nil {
		return nil, fmt.Errorf("controller: %w: nil view or reconciler", ErrInvalidOptions)
	}
	if err := view.Err(); err != nil {
		return nil, fmt.Errorf("controller: %w: %w", ErrInvalidOptions, err)
	}
	if opts.Workers <= 0 {
		opts.Workers = 1
	}
	if opts.DrainTimeout <= 0 {
		opts.DrainTimeout = DefaultDrainTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Metrics == nil {
		opts.Metrics = NopMetrics{}
	}
	name := opts.Name
	if name == "" {
		name = strings.ToLower(view.Kind().Kind)
	}
	if opts.Queue.Metrics == nil {
		opts.Queue.Metrics = opts.Metrics
	}
	if opts.Queue.Name == "" {
		opts.Queue.Name = name
	}
	c := &Controller[S]{
		name: name, kind: view.Kind(), opts: opts, r: r,
		log:   opts.Logger.With("controller", name),
		queue: NewQueue[Request](opts.Queue),
	}
	c.primary = newSource(view, opts.Store, opts.Predicates, func(_ *sdk.Item[S], m *sdk.ObjectMeta) []Request {
		return []Request{{Namespace: m.Namespace, Name: m.Name}}
	})
	c.sources = []watched{c.primary}
	return c, nil
}

// Owns makes c watch the objects of view (its namespace and selectors
// apply): a change to one of them that passes ps enqueues its controller
// owner (the ownerReference with controller: true) if that owner is of
// c's primary kind. It must be called before Run.
func Owns[S, O sdk.Status](c *Controller[S], view *sdk.View[O], ps ...Predicate) error {
	if view == nil || view.Err() != nil {
		return fmt.Errorf("controller: %w: owned view: %v", ErrInvalidOptions, viewErr(view))
	}
	group := c.kind.Group()
	return c.add(newSource(view, c.opts.Store, ps, func(_ *sdk.Item[O], m *sdk.ObjectMeta) []Request {
		for _, ref := range m.OwnerReferences {
			if !ref.Controller || ref.Kind != c.kind.Kind || groupOf(ref.APIVersion) != group {
				continue
			}
			ns := m.Namespace
			if !c.kind.Namespaced {
				ns = ""
			}
			return []Request{{Namespace: ns, Name: ref.Name}}
		}
		return nil
	}))
}

func viewErr[O sdk.Status](v *sdk.View[O]) error {
	if v == nil {
		return errors.New("nil view")
	}
	return v.Err()
}

// Watches makes c watch the objects of view: a change to one of them that
// passes ps enqueues the requests toObjects returns for it (for a
// deletion, the object's last state). It must be called before Run.
func Watches[S, O sdk.Status](c *Controller[S], view *sdk.View[O], toRequests func(obj *sdk.Item[O]) []Request, ps ...Predicate) error {
	if toRequests == nil || view == nil || view.Err() != nil {
		return fmt.Errorf("controller: %w: watched view or map function: %v", ErrInvalidOptions, viewErr(view))
	}
	return c.add(newSource(view, c.opts.Store, ps, func(it *sdk.Item[O], _ *sdk.ObjectMeta) []Request { return toRequests(it) }))
}

func (c *Controller[S]) add(w watched) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		return fmt.Errorf("controller: %w: watches must be added before Run", ErrInvalidOptions)
	}
	c.sources = append(c.sources, w)
	return nil
}

func groupOf(apiVersion string) string {
	if g, _, ok := strings.Cut(apiVersion, "/"); ok {
		return g
	}
	return ""
}

// Ready reports whether every cache of the controller has synced (the
// readiness of a controller process).
func (c *Controller[S]) Ready() bool {
	c.mu.Lock()
	srcs := c.sources
	c.mu.Unlock()
	for _, s := range srcs {
		if !s.synced() {
			return false
		}
	}
	return true
}

// Get returns the cached primary object a request names, and whether it
// exists (in the cache, which may lag the server by the watch's latency).
func (c *Controller[S]) Get(req Request) (*sdk.Item[S], bool) {
	return c.primary.store.Get(req.String())
}

// Store returns the cache of the primary kind.
func (c *Controller[S]) Store() *watch.Store[*sdk.Item[S]] { return c.primary.store }

// Queue returns the controller's work queue (to enqueue requests from
// elsewhere, or read its length).
func (c *Controller[S]) Queue() *Queue[Request] { return c.queue }

// Run starts the caches, waits until they synced, then reconciles with
// Options.Workers workers until ctx ends. It then stops the caches and
// drains: reconciliations in flight and requests already queued are
// finished within Options.DrainTimeout (requests that were waiting for a
// retry or a RequeueAfter are logged as not processed), and returns ctx's
// error. If a cache fails for good (e.g. the watch is forbidden), Run
// shuts down the same way and returns that error. A controller runs once:
// to run again (e.g. each time leadership is acquired), create a new one.
func (c *Controller[S]) Run(ctx context.Context) error {
	c.mu.Lock()
	if c.running {
		c.mu.Unlock()
		return errors.New("controller: Run called twice")
	}
	c.running = true
	srcs := c.sources
	c.mu.Unlock()

	watchCtx, stopWatches := context.WithCancel(ctx)
	var watchers sync.WaitGroup
	failed := make(chan error, len(srcs))
	for _, s := range srcs {
		watchers.Go(func() {
			if err := s.run(watchCtx, func(r Request) { c.queue.Add(r) }); err != nil {
				failed <- err
			}
		})
	}
	defer func() {
		stopWatches()
		watchers.Wait()
	}()
	for _, s := range srcs {
		if err := s.waitSync(ctx); err != nil {
			c.queue.ShutDown()
			return fmt.Errorf("controller %s: cache of %s: %w", c.name, s.kindName(), err)
		}
	}
	c.log.Info("caches synced, starting workers", "workers", c.opts.Workers)

	// Reconciliations get a ctx that outlives ctx by the drain timeout.
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	var workers sync.WaitGroup
	for range c.opts.Workers {
		workers.Go(func() { c.work(workCtx) })
	}
	if c.opts.Resync > 0 {
		watchers.Go(func() { c.resync(watchCtx) })
	}

	var runErr error
	select {
	case <-ctx.Done():
		runErr = ctx.Err()
	case err := <-failed:
		runErr = fmt.Errorf("controller %s: %w", c.name, err)
		c.log.Error("stopping: a cache failed", "err", err)
	}
	stopWatches()
	for _, r := range c.queue.ShutDown() {
		c.log.Warn("request not processed: shut down while it waited for a retry or requeue", "object", r.String())
	}
	done := make(chan struct{})
	go func() { workers.Wait(); close(done) }()
	t := time.NewTimer(c.opts.DrainTimeout)
	defer t.Stop()
	select {
	case <-done:
		c.log.Info("drained")
	case <-t.C:
		stopWork()
		c.log.Warn("drain timeout: reconciliations cancelled", "timeout", c.opts.DrainTimeout, "queued", c.queue.Len())
		select {
		case <-done:
		case <-time.After(c.opts.DrainTimeout):
			c.log.Error("reconcilers did not return after their ctx was cancelled")
		}
	}
	return runErr
}

// work is one worker: it reconciles requests until the queue is drained
// after shutdown, or ctx ends.
func (c *Controller[S]) work(ctx context.Context) {
	for {
		req, err := c.queue.Get(ctx)
		if err != nil {
			return
		}
		c.reconcile(ctx, req)
		c.queue.Done(req)
	}
}

func (c *Controller[S]) reconcile(ctx context.Context, req Request) {
	log := c.log.With("object", req.String())
	ctx = context.WithValue(ctx, loggerKey{}, log)
	var after func(Result, error)
	if c.opts.Hook != nil {
		ctx, after = c.opts.Hook(ctx, req)
	}
	start := time.Now()
	res, err := c.call(ctx, req)
	took := time.Since(start)
	if after != nil {
		after(res, err)
	}
	switch {
	case err != nil:
		c.opts.Metrics.ReconcileDone(c.name, ResultError, took)
		if d, ok := c.queue.Retry(req); ok {
			log.Error("reconcile failed", "err", err, "retry_in", d, "retries", c.queue.Retries(req))
		} else {
			log.Error("reconcile failed; not retried: shutting down", "err", err)
		}
	case res.RequeueAfter > 0:
		c.opts.Metrics.ReconcileDone(c.name, ResultRequeueAfter, took)
		c.queue.Forget(req)
		if c.queue.AddAfter(req, res.RequeueAfter) {
			log.Debug("reconciled", "took", took, "requeue_after", res.RequeueAfter)
		} else {
			log.Warn("reconciled; requeue not scheduled: shutting down", "requeue_after", res.RequeueAfter)
		}
	default:
		c.opts.Metrics.ReconcileDone(c.name, ResultSuccess, took)
		c.queue.Forget(req)
		log.Debug("reconciled", "took", took)
	}
}

// call runs the reconciler, turning a panic into an error so one bad
// object cannot crash the process.
func (c *Controller[S]) call(ctx context.Context, req Request) (res Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("reconciler panic: %v\n%s", p, debug.Stack())
		}
	}()
	return c.r.Reconcile(ctx, req)
}

func (c *Controller[S]) resync(ctx context.Context) {
	t := time.NewTicker(c.opts.Resync)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for _, it := range c.primary.store.All() {
				c.queue.Add(Request{Namespace: it.Namespace(), Name: it.Name()})
			}
		}
	}
}

// source is one watched kind: its cache, predicates and mapping.
type source[O sdk.Status] struct {
	kind  string
	store *watch.Store[*sdk.Item[O]]
	preds []Predicate
	toReq func(it *sdk.Item[O], m *sdk.ObjectMeta) []Request
}

func newSource[O sdk.Status](view *sdk.View[O], opts watch.StoreOptions, ps []Predicate, m func(*sdk.Item[O], *sdk.ObjectMeta) []Request) *source[O] {
	return &source[O]{kind: view.Kind().String(), store: watch.NewStore(view.Source(), opts), preds: ps, toReq: m}
}

func (s *source[O]) synced() bool                       { return s.store.HasSynced() }
func (s *source[O]) waitSync(ctx context.Context) error { return s.store.WaitForSync(ctx) }
func (s *source[O]) kindName() string                   { return s.kind }

// run runs the store and turns its changes into requests until ctx ends
// (nil) or the store ends with a permanent error (returned).
func (s *source[O]) run(ctx context.Context, enqueue func(Request)) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { _ = s.store.Run(ctx) })
	// Subscribe once the initial list is cached: the subscription's
	// snapshot then carries it, instead of a burst of events that could
	// overflow the subscription's buffer.
	if err := s.store.WaitForSync(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("cache of %s: %w", s.kind, err)
	}
	seen := map[string]*sdk.Item[O]{} // the last state seen of each object (shared with the store)
	for {
		var end error
		for ev, err := range s.store.Changes(ctx) {
			if err != nil {
				end = err
				break
			}
			s.handle(ev, seen, enqueue)
		}
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(end, watch.ErrSlowConsumer):
			// Changes were missed: reconcile everything known, then
			// resume from a fresh snapshot.
			for _, it := range seen {
				m := it.Meta()
				for _, r := range s.toReq(it, &m) {
					enqueue(r)
				}
			}
		case end == nil:
			return fmt.Errorf("the change stream of %s ended", s.kind)
		default:
			return fmt.Errorf("cache of %s: %w", s.kind, end)
		}
	}
}

func (s *source[O]) handle(ev watch.Event[*sdk.Item[O]], seen map[string]*sdk.Item[O], enqueue func(Request)) {
	if ev.Object == nil || ev.Type == watch.Bookmark {
		return
	}
	m := ev.Object.Meta()
	key := watch.Key(m.Namespace, m.Name)
	prev := seen[key]
	var old *sdk.ObjectMeta
	if prev != nil {
		om := prev.Meta()
		old = &om
	}
	typ := ev.Type
	if typ == watch.Added && old != nil {
		typ = watch.Modified // a snapshot after a resubscription
	}
	if typ == watch.Deleted {
		delete(seen, key)
		if old != nil && len(m.OwnerReferences) == 0 {
			m.OwnerReferences = old.OwnerReferences // a tombstone lacks them
		}
	} else {
		seen[key] = ev.Object
	}
	ch := Change{Type: typ, Old: old, New: &m}
	for _, p := range s.preds {
		if !p(ch) {
			return
		}
	}
	for _, r := range s.toReq(ev.Object, &m) {
		enqueue(r)
	}
}
