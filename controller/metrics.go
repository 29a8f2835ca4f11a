package controller

import (
	"context"
	"log/slog"
	"time"
)

// Metrics receives the measurements of controllers, queues and leader
// electors, the way controller-runtime's metrics do: set Options.Metrics,
// QueueOptions.Metrics and LeaderElectionOptions.Metrics. The default is
// NopMetrics. Package github.com/kube-for-go/kube/controller/prometheus (a
// module of its own) adapts it to Prometheus; programs that do not import
// it do not link client_golang.
//
// Implementations must be safe for concurrent use, quick, and must not
// call back into the controller or queue (queue methods are called with
// the queue's lock held).
type Metrics interface {
	// ReconcileDone is called after each reconciliation by controller
	// (Options.Name) with its result and how long it took.
	ReconcileDone(controller string, result ReconcileResult, took time.Duration)
	// QueueAdd is called when a key is added to queue (and was not
	// already waiting).
	QueueAdd(queue string)
	// QueueDepth is called with the number of keys ready in queue
	// whenever it changes.
	QueueDepth(queue string, depth int)
	// QueueLatency is called when a key is handed to a worker, with how
	// long it waited in queue since it became ready.
	QueueLatency(queue string, waited time.Duration)
	// QueueRetry is called when a key is retried after a failure.
	QueueRetry(queue string)
	// LeaderStatus is called when the elector on lease ("namespace/name")
	// starts (true) or stops (false) leading.
	LeaderStatus(lease string, leading bool)
}

// ReconcileResult is the outcome of one reconciliation, as Metrics see
// it (the label values of controller-runtime's reconcile_total).
type ReconcileResult string

// The outcomes of a reconciliation.
const (
	ResultSuccess      ReconcileResult = "success"       // no error, no requeue
	ResultError        ReconcileResult = "error"         // an error (or a panic): retried with backoff
	ResultRequeueAfter ReconcileResult = "requeue_after" // no error, Result.RequeueAfter > 0
)

// NopMetrics discards every measurement.
type NopMetrics struct{}

// ReconcileDone does nothing.
func (NopMetrics) ReconcileDone(string, ReconcileResult, time.Duration) {}

// QueueAdd does nothing.
func (NopMetrics) QueueAdd(string) {}

// QueueDepth does nothing.
func (NopMetrics) QueueDepth(string, int) {}

// QueueLatency does nothing.
func (NopMetrics) QueueLatency(string, time.Duration) {}

// QueueRetry does nothing.
func (NopMetrics) QueueRetry(string) {}

// LeaderStatus does nothing.
func (NopMetrics) LeaderStatus(string, bool) {}

// ReconcileHook wraps each reconciliation, for tracing: it is called
// before Reconcile with the request, and returns the ctx Reconcile gets
// (e.g. carrying a span) and a function called with the outcome after it
// (e.g. ending the span). See Options.Hook.
type ReconcileHook func(ctx context.Context, req Request) (context.Context, func(Result, error))

type loggerKey struct{}

// LoggerFrom returns the logger the controller put in a reconciliation's
// ctx: Options.Logger with the controller's name and the request's object
// ("namespace/name") as attributes, so that every line a reconciler logs
// is keyed by its object. Outside a reconciliation it returns a logger
// that discards everything.
func LoggerFrom(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.New(slog.DiscardHandler)
}
