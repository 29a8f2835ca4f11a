package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/kube-for-go/kube/sdk"
)

// eventKind describes events.k8s.io/v1 Events for the recorder. It is not
// registered in the SDK's catalogue (package kinds owns that); the
// recorder only writes through its own view.
var eventKind = sdk.MustKind[eventStatus](sdk.KindInfo{
	Kind: "Event", Resource: "events", Namespaced: true, APIPaths: []string{"apis/events.k8s.io/v1"},
})

// eventStatus is empty: the recorder reads nothing back from its events.
type eventStatus struct{ sdk.FromStatus }

// EventType is the type of an event: EventNormal or EventWarning.
type EventType string

// The two event types the API accepts.
const (
	EventNormal  EventType = "Normal"
	EventWarning EventType = "Warning"
)

// Defaults of EventRecorderOptions, those of client-go's events and
// record packages.
const (
	DefaultEventBuffer       = 1000
	DefaultEventSeriesWindow = 6 * time.Minute
	DefaultEventBurst        = 25
	DefaultEventRefill       = 5 * time.Minute
	DefaultEventFlushTimeout = 10 * time.Second
	DefaultEventSeriesFlush  = 30 * time.Second
)

// Limits of the events.k8s.io/v1 API on an event's fields.
const (
	maxEventNote  = 1024
	maxEventField = 128
	maxTracked    = 4096 // series and rate limit buckets remembered
)

// ErrInvalidEvent is matched by the errors EventRecorder reports (through
// its logger and EventStats.Invalid) for an event the API would refuse.
var ErrInvalidEvent = errors.New("controller: invalid event")

// EventRecorderOptions configure an EventRecorder. Controller is
// required; the zero value of every other field means its default.
type EventRecorderOptions struct {
	// Controller is the events' reportingController, a qualified name
	// such as "example.com/team-x".
	Controller string
	// Instance is the events' reportingInstance (at most 128 bytes);
	// empty means "<Controller>-<hostname>".
	Instance string
	// Buffer is how many events may wait to be written; when it is full,
	// Eventf drops the event (counted in EventStats.Dropped) rather than
	// block the reconciler.
	Buffer int
	// SeriesWindow: an event with the same regarding and related objects,
	// reason, action and reporting controller as one recorded less than
	// SeriesWindow ago is counted in that event's series (series.count,
	// series.lastObservedTime) instead of creating another Event.
	SeriesWindow time.Duration
	// SeriesFlush is how often series that changed but could not be
	// written at once (the object's rate limit was spent) are written.
	SeriesFlush time.Duration
	// Burst and Refill are the rate limit per regarding object, a token
	// bucket: at most Burst writes at once, then one per Refill. Events
	// over it are dropped (new ones, counted in EventStats.RateLimited) or
	// folded into their series, written at the next SeriesFlush.
	Burst  int
	Refill time.Duration
	// FlushTimeout bounds the writing of the events still buffered when
	// Run's ctx ends.
	FlushTimeout time.Duration
	// Logger receives the recorder's own failures; nil discards them.
	Logger *slog.Logger
}

// EventStats counts what an EventRecorder did with the events it was
// given.
type EventStats struct {
	Created     int64 // Events created
	Aggregated  int64 // repeats counted in a series
	Patched     int64 // series written (patches of series.count)
	Dropped     int64 // events dropped because the buffer was full or the recorder stopped
	RateLimited int64 // new events dropped by the per-object rate limit
	Invalid     int64 // events the API would refuse (see ErrInvalidEvent)
	Failed      int64 // writes that failed
}

// EventRecorder records events.k8s.io/v1 Events about objects, like
// client-go's events.EventRecorder: Eventf never blocks (events wait in a
// bounded buffer, written by Run), repeats within a window are aggregated
// into one Event's series, and writes are rate limited per object. It is
// safe for concurrent use.
//
//	rec, err := controller.NewEventRecorder(cluster.Client, controller.EventRecorderOptions{Controller: "example.com/team-x"})
//	go rec.Run(ctx)
//	rec.Eventf(deployment, nil, controller.EventNormal, "Annotated", "Reconcile", "set %s", annotation)
type EventRecorder struct {
	client *sdk.Client
	opts   EventRecorderOptions
	log    *slog.Logger
	ch     chan *pendingEvent
	done   atomic.Bool // Run returned: Eventf drops
	runs   atomic.Bool

	created, aggregated, patched, dropped, rateLimited, invalid, failed atomic.Int64

	// owned by Run's goroutine
	series  map[eventKey]*eventSeries
	buckets map[objectRef]*bucket
}

// objectRef is an events.k8s.io/v1 ObjectReference (comparable, as a map
// key).
type objectRef struct {
	APIVersion      string `json:"apiVersion,omitempty"`
	Kind            string `json:"kind,omitempty"`
	Namespace       string `json:"namespace,omitempty"`
	Name            string `json:"name,omitempty"`
	UID             string `json:"uid,omitempty"`
	ResourceVersion string `json:"resourceVersion,omitempty"`
}

// id is the reference without its resourceVersion: the object, whatever
// its version.
func (r objectRef) id() objectRef { r.ResourceVersion = ""; return r }

type eventKey struct {
	regarding, related objectRef
	reason, action     string
}

type pendingEvent struct {
	at        time.Time
	typ       EventType
	reason    string
	action    string
	note      string
	regarding objectRef
	related   *objectRef
}

type eventSeries struct {
	namespace, name string
	count           int64
	last            time.Time
	written         int64 // the count last written
	ev              *pendingEvent
}

type bucket struct {
	tokens float64
	at     time.Time
}

// NewEventRecorder returns a recorder writing with c. Nothing is written
// until Run runs.
func NewEventRecorder(c *sdk.Client, opts EventRecorderOptions) (*EventRecorder, error) {
	if c == nil {
		return nil, fmt.Errorf("controller: %w: nil client", ErrInvalidOptions)
	}
	if opts.Controller == "" || len(opts.Controller) > maxEventField {
		return nil, fmt.Errorf("controller: %w: EventRecorderOptions.Controller must be 1 to %d bytes", ErrInvalidOptions, maxEventField)
	}
	if opts.Instance == "" {
		host, _ := os.Hostname()
		opts.Instance = opts.Controller + "-" + host
	}
	if len(opts.Instance) > maxEventField {
		opts.Instance = opts.Instance[:maxEventField]
	}
	if opts.Buffer <= 0 {
		opts.Buffer = DefaultEventBuffer
	}
	if opts.SeriesWindow <= 0 {
		opts.SeriesWindow = DefaultEventSeriesWindow
	}
	if opts.SeriesFlush <= 0 {
		opts.SeriesFlush = DefaultEventSeriesFlush
	}
	if opts.Burst <= 0 {
		opts.Burst = DefaultEventBurst
	}
	if opts.Refill <= 0 {
		opts.Refill = DefaultEventRefill
	}
	if opts.FlushTimeout <= 0 {
		opts.FlushTimeout = DefaultEventFlushTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &EventRecorder{
		client: c, opts: opts, log: opts.Logger.With("recorder", opts.Controller),
		ch:     make(chan *pendingEvent, opts.Buffer),
		series: map[eventKey]*eventSeries{}, buckets: map[objectRef]*bucket{},
	}, nil
}

// Stats returns the recorder's counters.
func (r *EventRecorder) Stats() EventStats {
	return EventStats{
		Created: r.created.Load(), Aggregated: r.aggregated.Load(), Patched: r.patched.Load(),
		Dropped: r.dropped.Load(), RateLimited: r.rateLimited.Load(), Invalid: r.invalid.Load(), Failed: r.failed.Load(),
	}
}

// refOf returns the reference to obj.
func refOf(obj sdk.Object) objectRef {
	return objectRef{
		APIVersion: apiVersionOf(obj), Kind: obj.Descriptor().Info().Kind,
		Namespace: obj.Namespace(), Name: obj.Name(), UID: obj.UID(), ResourceVersion: obj.Version(),
	}
}

// Eventf records an event about regarding (and related, which may be
// nil): its type, reason (why: a CamelCase word such as "Scaled"), action
// (what the controller did or failed to do, such as "Scale") and note (a
// human-readable description, fmt.Sprintf(note, args...) when args are
// given; cut at 1 kB). It returns at once: the event is written by Run.
// An event the API would refuse (no regarding object, no reason or
// action, fields over 128 bytes, an unknown type) is dropped and logged.
func (r *EventRecorder) Eventf(regarding, related sdk.Object, typ EventType, reason, action, note string, args ...any) {
	if err := validEvent(regarding, typ, reason, action); err != nil {
		r.invalid.Add(1)
		r.log.Warn("event not recorded", "err", err)
		return
	}
	if r.done.Load() {
		r.dropped.Add(1)
		return
	}
	if len(args) > 0 {
		note = fmt.Sprintf(note, args...)
	}
	ev := &pendingEvent{at: time.Now(), typ: typ, reason: reason, action: action, note: truncateUTF8(note, maxEventNote), regarding: refOf(regarding)}
	if related != nil {
		ref := refOf(related)
		ev.related = &ref
	}
	select {
	case r.ch <- ev:
	default:
		r.dropped.Add(1)
	}
}

func validEvent(regarding sdk.Object, typ EventType, reason, action string) error {
	switch {
	case regarding == nil || regarding.Name() == "":
		return fmt.Errorf("%w: no regarding object", ErrInvalidEvent)
	case typ != EventNormal && typ != EventWarning:
		return fmt.Errorf("%w: type %q is neither Normal nor Warning", ErrInvalidEvent, typ)
	case reason == "" || len(reason) > maxEventField:
		return fmt.Errorf("%w: the reason must be 1 to %d bytes", ErrInvalidEvent, maxEventField)
	case action == "" || len(action) > maxEventField:
		return fmt.Errorf("%w: the action must be 1 to %d bytes", ErrInvalidEvent, maxEventField)
	}
	return nil
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Run writes the recorded events until ctx ends, then writes those still
// buffered and the series not yet written within
// EventRecorderOptions.FlushTimeout, and returns ctx's error. Events
// recorded after Run returned are dropped. Run may be called once.
func (r *EventRecorder) Run(ctx context.Context) error {
	if !r.runs.CompareAndSwap(false, true) {
		return errors.New("controller: EventRecorder.Run called twice")
	}
	// Writes outlive ctx by the flush timeout, so that a write in flight
	// when ctx ends is not lost, and the flush is bounded.
	wctx, cancelWrites := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWrites()
	var flushTimer atomic.Pointer[time.Timer]
	stopAfter := context.AfterFunc(ctx, func() { flushTimer.Store(time.AfterFunc(r.opts.FlushTimeout, cancelWrites)) })
	defer func() {
		stopAfter()
		if t := flushTimer.Load(); t != nil {
			t.Stop()
		}
	}()
	tick := time.NewTicker(r.opts.SeriesFlush)
	defer tick.Stop()
	for {
		select {
		case ev := <-r.ch:
			if ctx.Err() != nil {
				return r.shutdown(ctx, wctx, ev)
			}
			r.process(wctx, ev)
		case <-tick.C:
			r.flushSeries(wctx)
			r.forget(time.Now())
		case <-ctx.Done():
			return r.shutdown(ctx, wctx, nil)
		}
	}
}

// shutdown writes ev (if not nil), the buffered events and the unwritten
// series until wctx ends (the flush timeout after ctx's end).
func (r *EventRecorder) shutdown(ctx, wctx context.Context, ev *pendingEvent) error {
	r.done.Store(true)
	if ev != nil {
		r.process(wctx, ev)
	}
	for wctx.Err() == nil {
		select {
		case ev := <-r.ch:
			r.process(wctx, ev)
			continue
		default:
		}
		break
	}
	r.flushSeries(wctx)
	r.dropped.Add(int64(len(r.ch))) // what the timeout left
	return ctx.Err()
}

// allow takes a token of obj's bucket, if any is left.
func (r *EventRecorder) allow(obj objectRef, now time.Time) bool {
	b := r.buckets[obj]
	if b == nil {
		if len(r.buckets) >= maxTracked {
			r.forget(now)
		}
		b = &bucket{tokens: float64(r.opts.Burst), at: now}
		r.buckets[obj] = b
	}
	b.tokens = min(float64(r.opts.Burst), b.tokens+float64(now.Sub(b.at))/float64(r.opts.Refill))
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// forget drops the series past their window (written) and the buckets
// that are full again; if the maps are still at their bound, arbitrary
// entries go (a bound on memory matters more than perfect aggregation).
func (r *EventRecorder) forget(now time.Time) {
	for k, s := range r.series {
		if now.Sub(s.last) >= r.opts.SeriesWindow && s.written == s.count {
			delete(r.series, k)
		}
	}
	full := time.Duration(r.opts.Burst) * r.opts.Refill
	for k, b := range r.buckets {
		if now.Sub(b.at) >= full {
			delete(r.buckets, k)
		}
	}
	for k := range r.series {
		if len(r.series) < maxTracked {
			break
		}
		delete(r.series, k)
	}
	for k := range r.buckets {
		if len(r.buckets) < maxTracked {
			break
		}
		delete(r.buckets, k)
	}
}

func (r *EventRecorder) process(ctx context.Context, ev *pendingEvent) {
	key := eventKey{regarding: ev.regarding.id(), reason: ev.reason, action: ev.action}
	if ev.related != nil {
		key.related = ev.related.id()
	}
	if s := r.series[key]; s != nil && ev.at.Sub(s.last) < r.opts.SeriesWindow {
		s.count++
		s.last = ev.at
		r.aggregated.Add(1)
		if r.allow(key.regarding, ev.at) {
			r.writeSeries(ctx, key, s)
		}
		return
	}
	if !r.allow(key.regarding, ev.at) {
		r.rateLimited.Add(1)
		return
	}
	if len(r.series) >= maxTracked {
		r.forget(ev.at)
	}
	s := &eventSeries{count: 1, written: 1, last: ev.at, ev: ev}
	if r.create(ctx, s) {
		r.series[key] = s
	}
}

func (r *EventRecorder) view(ns string) *sdk.View[eventStatus] {
	return sdk.NewView(r.client, eventKind).In(ns)
}

// create writes a new Event for s.ev, with s's series when it has one.
func (r *EventRecorder) create(ctx context.Context, s *eventSeries) bool {
	ev := s.ev
	ns := ev.regarding.Namespace
	if ns == "" {
		ns = "default" // where the API keeps events about cluster-scoped objects
	}
	base := ev.regarding.Name
	if len(base) > 200 {
		base = base[:200]
	}
	name := base + "." + strconv.FormatInt(ev.at.UnixNano(), 16)
	m := map[string]any{
		"apiVersion": "events.k8s.io/v1", "kind": "Event",
		"metadata":            map[string]any{"name": name, "namespace": ns},
		"eventTime":           microTime(ev.at),
		"reportingController": r.opts.Controller,
		"reportingInstance":   r.opts.Instance,
		"type":                string(ev.typ),
		"reason":              ev.reason,
		"action":              ev.action,
		"regarding":           ev.regarding,
	}
	if ev.note != "" {
		m["note"] = ev.note
	}
	if ev.related != nil {
		m["related"] = *ev.related
	}
	if s.count > 1 {
		m["series"] = map[string]any{"count": s.count, "lastObservedTime": microTime(s.last)}
	}
	if _, err := r.view(ns).Create(ctx, m, sdk.CreateOptions{}); err != nil {
		r.failed.Add(1)
		r.log.Warn("event not written", "object", describe(ev.regarding.Kind, ev.regarding.Namespace, ev.regarding.Name), "reason", ev.reason, "err", err)
		return false
	}
	s.namespace, s.name, s.written = ns, name, s.count
	r.created.Add(1)
	return true
}

// writeSeries writes s's count and last observation to its Event (or a
// new Event, if that one is gone).
func (r *EventRecorder) writeSeries(ctx context.Context, key eventKey, s *eventSeries) {
	patch := map[string]any{"series": map[string]any{"count": s.count, "lastObservedTime": microTime(s.last)}}
	_, err := r.view(s.namespace).Patch(ctx, s.name, sdk.MergePatch, patch, sdk.PatchOptions{})
	switch {
	case err == nil:
		s.written = s.count
		r.patched.Add(1)
	case errors.Is(err, sdk.ErrNotFound): // expired (the API keeps events an hour)
		if !r.create(ctx, s) {
			delete(r.series, key)
		}
	default:
		r.failed.Add(1)
		r.log.Warn("event series not written", "object", describe(key.regarding.Kind, key.regarding.Namespace, key.regarding.Name), "reason", key.reason, "err", err)
	}
}

// flushSeries writes the series whose last counts are not written yet.
func (r *EventRecorder) flushSeries(ctx context.Context) {
	for k, s := range r.series {
		if ctx.Err() != nil {
			return
		}
		if s.written != s.count {
			r.writeSeries(ctx, k, s)
		}
	}
}
