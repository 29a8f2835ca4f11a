// Package prometheus exports the measurements of package controller
// (github.com/kube-for-go/kube/controller) to Prometheus, under the names
// controller-runtime uses, so existing dashboards and alerts keep working:
//
//	controller_runtime_reconcile_total{controller,result}
//	controller_runtime_reconcile_errors_total{controller}
//	controller_runtime_reconcile_time_seconds{controller}   (histogram)
//	workqueue_depth{name}
//	workqueue_adds_total{name}
//	workqueue_queue_duration_seconds{name}                   (histogram)
//	workqueue_retries_total{name}
//	leader_election_master_status{name}
//
// It is a module of its own, so that programs that do not export metrics
// do not link client_golang:
//
//	m, err := prometheus.New(prometheus.DefaultRegisterer)
//	c, err := controller.New(view, r, controller.Options{Metrics: m})
//	http.Handle("/metrics", promhttp.Handler())
package prometheus

import (
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kube-for-go/kube/controller"
)

// DefaultRegisterer is client_golang's default registry, re-exported for
// the common case.
var DefaultRegisterer = prometheus.DefaultRegisterer

// Metrics implements controller.Metrics with Prometheus collectors. It is
// safe for concurrent use.
type Metrics struct {
	reconcileTotal  *prometheus.CounterVec
	reconcileErrors *prometheus.CounterVec
	reconcileTime   *prometheus.HistogramVec
	depth           *prometheus.GaugeVec
	adds            *prometheus.CounterVec
	queueDuration   *prometheus.HistogramVec
	retries         *prometheus.CounterVec
	leader          *prometheus.GaugeVec
}

var _ controller.Metrics = (*Metrics)(nil)

// New returns Metrics whose collectors are registered with reg. Collectors
// already registered there under the same names (e.g. by a second call
// with the same registry) are reused; a collector of the same name but
// another shape is an error.
func New(reg prometheus.Registerer) (*Metrics, error) {
	if reg == nil {
		return nil, errors.New("controller/prometheus: nil registerer")
	}
	m := &Metrics{
		reconcileTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "controller_runtime_reconcile_total", Help: "Total number of reconciliations per controller and result.",
		}, []string{"controller", "result"}),
		reconcileErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "controller_runtime_reconcile_errors_total", Help: "Total number of reconciliation errors per controller.",
		}, []string{"controller"}),
		reconcileTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "controller_runtime_reconcile_time_seconds", Help: "Length of time per reconciliation per controller.",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0,
				1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60},
		}, []string{"controller"}),
		depth: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "workqueue_depth", Help: "Current depth of the work queue.",
		}, []string{"name"}),
		adds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "workqueue_adds_total", Help: "Total number of adds handled by the work queue.",
		}, []string{"name"}),
		queueDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "workqueue_queue_duration_seconds", Help: "How long in seconds an item stays in the work queue before being requested.",
			Buckets: prometheus.ExponentialBuckets(10e-9, 10, 12),
		}, []string{"name"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "workqueue_retries_total", Help: "Total number of retries handled by the work queue.",
		}, []string{"name"}),
		leader: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "leader_election_master_status", Help: "Whether this process leads on the lease (1) or not (0).",
		}, []string{"name"}),
	}
	var err error
	m.reconcileTotal, err = register(reg, m.reconcileTotal)
	if err == nil {
		m.reconcileErrors, err = register(reg, m.reconcileErrors)
	}
	if err == nil {
		m.reconcileTime, err = register(reg, m.reconcileTime)
	}
	if err == nil {
		m.depth, err = register(reg, m.depth)
	}
	if err == nil {
		m.adds, err = register(reg, m.adds)
	}
	if err == nil {
		m.queueDuration, err = register(reg, m.queueDuration)
	}
	if err == nil {
		m.retries, err = register(reg, m.retries)
	}
	if err == nil {
		m.leader, err = register(reg, m.leader)
	}
	if err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c with reg, or returns the collector already
// registered in its place.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	var zero C
	return zero, fmt.Errorf("controller/prometheus: %w", err)
}

// ReconcileDone counts the reconciliation and observes its duration.
func (m *Metrics) ReconcileDone(c string, result controller.ReconcileResult, took time.Duration) {
	m.reconcileTotal.WithLabelValues(c, string(result)).Inc()
	if result == controller.ResultError {
		m.reconcileErrors.WithLabelValues(c).Inc()
	}
	m.reconcileTime.WithLabelValues(c).Observe(took.Seconds())
}

// QueueAdd counts an add.
func (m *Metrics) QueueAdd(q string) { m.adds.WithLabelValues(q).Inc() }

// QueueDepth sets the queue's depth.
func (m *Metrics) QueueDepth(q string, depth int) { m.depth.WithLabelValues(q).Set(float64(depth)) }

// QueueLatency observes how long a key waited in the queue.
func (m *Metrics) QueueLatency(q string, waited time.Duration) {
	m.queueDuration.WithLabelValues(q).Observe(waited.Seconds())
}

// QueueRetry counts a retry.
func (m *Metrics) QueueRetry(q string) { m.retries.WithLabelValues(q).Inc() }

// LeaderStatus sets the leader gauge to 1 while leading, 0 otherwise.
func (m *Metrics) LeaderStatus(lease string, leading bool) {
	v := 0.0
	if leading {
		v = 1
	}
	m.leader.WithLabelValues(lease).Set(v)
}
