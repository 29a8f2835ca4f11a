package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

// Defaults of LeaderElectionOptions: those of client-go's leaderelection.
const (
	DefaultLeaseDuration = 15 * time.Second
	DefaultRenewDeadline = 10 * time.Second
	DefaultRetryPeriod   = 2 * time.Second
)

// ErrInvalidOptions is matched by the error of NewLeaderElector when its
// options cannot work.
var ErrInvalidOptions = errors.New("controller: invalid options")

// ErrLeadershipLost is matched by the error LeaderElector.Run returns when
// the candidate led and then lost the lease: it could not renew it within
// RenewDeadline, or it saw another candidate hold it.
var ErrLeadershipLost = errors.New("controller: leadership lost")

// ErrElectorRunning is returned by LeaderElector.Run when the elector is
// already running.
var ErrElectorRunning = errors.New("controller: leader elector already running")

// LeaderElectionOptions configure a LeaderElector.
type LeaderElectionOptions struct {
	// Namespace and Name of the Lease; required. The Lease is created if
	// it does not exist.
	Namespace, Name string
	// Identity of this candidate, unique among the candidates (a pod name,
	// or host name plus a random suffix); required.
	Identity string

	// LeaseDuration is how long the other candidates wait, after they last
	// saw the lease change, before taking it over (it is written to the
	// Lease in whole seconds, rounded up). 0 means DefaultLeaseDuration.
	LeaseDuration time.Duration
	// RenewDeadline is how long the leader keeps trying to renew after its
	// last successful renewal before it gives up leadership; shorter than
	// LeaseDuration, so that it stops before anyone else may start. 0
	// means DefaultRenewDeadline.
	RenewDeadline time.Duration
	// RetryPeriod is the interval between renewals, and between attempts
	// to acquire; shorter than RenewDeadline. 0 means DefaultRetryPeriod.
	RetryPeriod time.Duration

	// ReleaseOnCancel releases the lease when Run's ctx ends (after
	// OnStartedLeading returned), so another candidate takes over at once
	// instead of after LeaseDuration. Only safe if the leader's work stops
	// when the ctx given to OnStartedLeading ends.
	ReleaseOnCancel bool

	// OnStartedLeading is called in its own goroutine when the candidate
	// becomes leader. Its ctx is cancelled when leadership ends (lost, or
	// Run's ctx ended); the work must stop then. May be nil.
	OnStartedLeading func(ctx context.Context)
	// OnStoppedLeading is called when the candidate stops leading, after
	// the ctx of OnStartedLeading was cancelled. May be nil.
	OnStoppedLeading func()
	// OnNewLeader is called from Run's goroutine when the candidate sees
	// the lease's holder change (to "" when it is released). It must not
	// block. May be nil.
	OnNewLeader func(identity string)

	// Logger receives the elector's logs, keyed by lease and identity; nil
	// discards them.
	Logger *slog.Logger
	// Metrics receives the leader status (LeaderStatus, named
	// "namespace/name" of the lease); nil means none.
	Metrics Metrics
}

func (o LeaderElectionOptions) withDefaults() (LeaderElectionOptions, error) {
	if o.LeaseDuration == 0 {
		o.LeaseDuration = DefaultLeaseDuration
	}
	if o.RenewDeadline == 0 {
		o.RenewDeadline = DefaultRenewDeadline
	}
	if o.RetryPeriod == 0 {
		o.RetryPeriod = DefaultRetryPeriod
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Metrics == nil {
		o.Metrics = NopMetrics{}
	}
	bad := func(format string, args ...any) (LeaderElectionOptions, error) {
		return o, fmt.Errorf("leader election: %w: "+format, append([]any{ErrInvalidOptions}, args...)...)
	}
	switch {
	case o.Namespace == "" || o.Name == "":
		return bad("the lease needs a Namespace and a Name")
	case o.Identity == "":
		return bad("empty Identity")
	case o.RetryPeriod < 0 || o.RenewDeadline < 0 || o.LeaseDuration < 0:
		return bad("negative duration")
	case o.RenewDeadline >= o.LeaseDuration:
		return bad("RenewDeadline (%s) must be shorter than LeaseDuration (%s)", o.RenewDeadline, o.LeaseDuration)
	case o.RetryPeriod >= o.RenewDeadline:
		return bad("RetryPeriod (%s) must be shorter than RenewDeadline (%s)", o.RetryPeriod, o.RenewDeadline)
	}
	return o, nil
}

// LeaderElector elects one leader among candidates that share a
// coordination.k8s.io/v1 Lease, as client-go's leaderelection does, so it
// interoperates with Kubernetes' own components: the API server's
// optimistic concurrency (resourceVersion) decides every race; there is
// no other consensus.
//
// A candidate acquires the lease when it is free (no holder) or expired,
// and renews it every RetryPeriod while it leads. Expiry is judged by this
// candidate's own clock: a lease is expired when it has not changed for
// LeaseDuration since this candidate last saw it change, whatever times
// the holder wrote in it, so clocks that disagree between machines do not
// matter (only their rates must be close).
//
// The leader gives up leadership when it has not renewed successfully for
// RenewDeadline, or at once when it sees another holder in the lease: the
// ctx of OnStartedLeading is cancelled, then OnStoppedLeading is called
// and Run returns an error matching ErrLeadershipLost.
type LeaderElector struct {
	opts   LeaderElectionOptions
	leases *sdk.View[kinds.LeaseStatus]
	log    *slog.Logger

	running atomic.Bool
	leading atomic.Bool

	mu           sync.Mutex
	observed     leaseRecord // the lease as last seen
	observedTime time.Time   // when it was last seen to change, by our clock
	reported     string      // the holder last passed to OnNewLeader
}

// leaseRecord is the part of a Lease leader election reads. Two records
// are equal when nobody wrote the lease in between.
type leaseRecord struct {
	holder      string
	duration    time.Duration
	acquire     time.Time
	renew       time.Time
	transitions int32
}

func recordOf(l *kinds.Lease) leaseRecord {
	s := l.Status()
	var r leaseRecord
	r.holder, _ = s.HolderIdentity()
	r.duration, _ = s.LeaseDuration()
	r.acquire, _ = s.AcquireTime()
	r.renew, _ = s.RenewTime()
	r.transitions, _ = s.LeaseTransitions()
	return r
}

func (r leaseRecord) equal(o leaseRecord) bool {
	return r.holder == o.holder && r.duration == o.duration && r.acquire.Equal(o.acquire) &&
		r.renew.Equal(o.renew) && r.transitions == o.transitions
}

// NewLeaderElector returns an elector for the lease opts names, through
// client c. It makes no request; an option that cannot work is an error
// matching ErrInvalidOptions.
func NewLeaderElector(c *sdk.Client, opts LeaderElectionOptions) (*LeaderElector, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, fmt.Errorf("leader election: %w: nil client", ErrInvalidOptions)
	}
	leases := sdk.NewView(c, kinds.LeaseKind).In(opts.Namespace)
	if err := leases.Err(); err != nil {
		return nil, fmt.Errorf("leader election: %w: %w", ErrInvalidOptions, err)
	}
	return &LeaderElector{
		opts:   opts,
		leases: leases,
		log:    opts.Logger.With("lease", opts.Namespace+"/"+opts.Name, "identity", opts.Identity),
	}, nil
}

// IsLeader reports whether this candidate leads now.
func (le *LeaderElector) IsLeader() bool { return le.leading.Load() }

// Leader returns the identity of the lease's holder as this candidate last
// saw it ("" when free or not yet read).
func (le *LeaderElector) Leader() string {
	le.mu.Lock()
	defer le.mu.Unlock()
	return le.observed.holder
}

// Run takes part in the election until ctx ends or leadership is lost. It
// waits to acquire the lease, then calls OnStartedLeading and renews the
// lease until ctx ends (Run then returns ctx's error, after releasing the
// lease if ReleaseOnCancel) or leadership is lost (Run returns an error
// matching ErrLeadershipLost). A candidate that lost leadership should
// usually exit, or call Run again to stand again. Run may not be called
// again while it runs (ErrElectorRunning).
func (le *LeaderElector) Run(ctx context.Context) error {
	if !le.running.CompareAndSwap(false, true) {
		return ErrElectorRunning
	}
	defer le.running.Store(false)

	if err := le.acquire(ctx); err != nil {
		return err
	}
	le.leading.Store(true)
	le.opts.Metrics.LeaderStatus(le.opts.Namespace+"/"+le.opts.Name, true)
	le.log.Info("leadership acquired")
	leadCtx, cancelLead := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if le.opts.OnStartedLeading != nil {
			le.opts.OnStartedLeading(leadCtx)
		}
	}()

	err := le.renew(ctx)
	le.leading.Store(false)
	le.opts.Metrics.LeaderStatus(le.opts.Namespace+"/"+le.opts.Name, false)
	cancelLead()
	// Wait for the leader's work to stop, within a bound: the lease must
	// not be released while it may still run.
	stopped := true
	t := time.NewTimer(le.opts.RenewDeadline)
	select {
	case <-done:
	case <-t.C:
		stopped = false
		le.log.Warn("OnStartedLeading did not return within RenewDeadline after its ctx was cancelled")
	}
	t.Stop()
	if ctx.Err() != nil && le.opts.ReleaseOnCancel {
		if stopped {
			le.release(ctx)
		} else {
			le.log.Warn("lease not released: the leader's work may still be running; it expires after LeaseDuration")
		}
	}
	if errors.Is(err, ErrLeadershipLost) {
		le.log.Warn("leadership lost", "err", err)
	} else {
		le.log.Info("leadership ended", "reason", err)
	}
	if le.opts.OnStoppedLeading != nil {
		le.opts.OnStoppedLeading()
	}
	return err
}

// acquire tries to acquire the lease until it succeeds (nil) or ctx ends
// (ctx's error). Attempts are RetryPeriod apart, randomised to [½, 1] of
// it so candidates started together spread out, and an attempt is made as
// soon as the lease is due to expire if that is sooner: a free or expired
// lease is taken within one RetryPeriod.
func (le *LeaderElector) acquire(ctx context.Context) error {
	le.log.Debug("trying to acquire the lease")
	for {
		res, err := le.try(ctx, false)
		switch {
		case res == acquired:
			return nil
		case err != nil && ctx.Err() == nil:
			le.log.Debug("acquire attempt failed", "err", err)
		}
		wait := time.Duration(float64(le.opts.RetryPeriod) * (0.5 + rand.Float64()/2))
		if res == heldByOther {
			le.mu.Lock()
			expiry := time.Until(le.observedTime.Add(le.observed.durationOr(le.opts.LeaseDuration)))
			le.mu.Unlock()
			wait = max(min(wait, expiry), time.Millisecond)
		}
		if err := sleepCtx(ctx, wait); err != nil {
			return err
		}
	}
}

func (r leaseRecord) durationOr(d time.Duration) time.Duration {
	if r.duration > 0 {
		return r.duration
	}
	return d
}

// renew renews the lease every RetryPeriod until ctx ends (ctx's error)
// or leadership is lost (ErrLeadershipLost): no successful renewal for
// RenewDeadline, or another holder seen in the lease.
func (le *LeaderElector) renew(ctx context.Context) error {
	last := time.Now() // the acquisition counts as a renewal (conservatively: it began before)
	var lastErr error
	for {
		if err := sleepCtx(ctx, le.opts.RetryPeriod); err != nil {
			return err
		}
		deadline := last.Add(le.opts.RenewDeadline)
		for {
			start := time.Now()
			if !start.Before(deadline) {
				return fmt.Errorf("%w: lease %s/%s not renewed for %s (RenewDeadline); last error: %v",
					ErrLeadershipLost, le.opts.Namespace, le.opts.Name, le.opts.RenewDeadline, lastErr)
			}
			actx, cancel := context.WithDeadline(ctx, deadline)
			res, err := le.try(actx, true)
			cancel()
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if res == acquired {
				last, lastErr = start, nil
				break
			}
			if res == heldByOther {
				return fmt.Errorf("%w: lease %s/%s is held by %q", ErrLeadershipLost, le.opts.Namespace, le.opts.Name, le.Leader())
			}
			lastErr = err
			le.log.Debug("renewal failed", "err", err)
			if err := sleepCtx(ctx, min(le.opts.RetryPeriod, time.Until(deadline))); err != nil {
				return err
			}
		}
	}
}

type tryResult int

const (
	failed      tryResult = iota // the request failed (err says why), or a race was lost
	acquired                     // the lease is ours, acquired or renewed
	heldByOther                  // another candidate holds an unexpired lease
)

// microTime formats a time as the API's MicroTime.
func microTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z07:00") }

// try makes one attempt to acquire or renew the lease. When renewing, a
// lease that another candidate wrote since is lost, expired or not.
func (le *LeaderElector) try(ctx context.Context, renewing bool) (tryResult, error) {
	now := time.Now()
	seconds := int64((le.opts.LeaseDuration + time.Second - 1) / time.Second)
	cur, err := le.leases.Get(ctx, le.opts.Name)
	if errors.Is(err, sdk.ErrNotFound) {
		manifest := map[string]any{
			"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
			"metadata": map[string]any{"name": le.opts.Name, "namespace": le.opts.Namespace},
			"spec": map[string]any{
				"holderIdentity": le.opts.Identity, "leaseDurationSeconds": seconds,
				"acquireTime": microTime(now), "renewTime": microTime(now), "leaseTransitions": 0,
			},
		}
		created, err := le.leases.Create(ctx, manifest, sdk.CreateOptions{})
		if err != nil {
			return failed, err // AlreadyExists: another candidate created it first
		}
		le.observe(recordOf(created), now)
		return acquired, nil
	}
	if err != nil {
		return failed, err
	}
	old := recordOf(cur)
	le.observe(old, now)
	le.mu.Lock()
	valid := now.Before(le.observedTime.Add(old.durationOr(le.opts.LeaseDuration)))
	le.mu.Unlock()
	if old.holder != le.opts.Identity && (renewing || old.holder != "" && valid) {
		return heldByOther, nil
	}
	updated, err := cur.Update(ctx, func(obj map[string]any) error {
		spec, _ := obj["spec"].(map[string]any)
		if spec == nil {
			spec = map[string]any{}
			obj["spec"] = spec
		}
		spec["holderIdentity"] = le.opts.Identity
		spec["leaseDurationSeconds"] = seconds
		spec["renewTime"] = microTime(now)
		if old.holder != le.opts.Identity {
			spec["acquireTime"] = microTime(now)
			spec["leaseTransitions"] = int64(old.transitions) + 1
		}
		return nil
	}, sdk.WriteOptions{})
	if err != nil {
		return failed, err // a conflict: someone else wrote the lease first
	}
	le.observe(recordOf(updated), now)
	return acquired, nil
}

// observe records the lease as seen at now, and reports a new holder.
func (le *LeaderElector) observe(r leaseRecord, now time.Time) {
	le.mu.Lock()
	if !r.equal(le.observed) || le.observedTime.IsZero() {
		le.observed, le.observedTime = r, now
	}
	changed := r.holder != le.reported
	le.reported = r.holder
	le.mu.Unlock()
	if changed {
		le.log.Info("new leader observed", "leader", r.holder)
		if le.opts.OnNewLeader != nil {
			le.opts.OnNewLeader(r.holder)
		}
	}
}

// release clears the holder of the lease if this candidate still holds it,
// so another candidate takes it over at once. It is bounded by
// RenewDeadline and runs after ctx ended.
func (le *LeaderElector) release(ctx context.Context) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), le.opts.RenewDeadline)
	defer cancel()
	cur, err := le.leases.Get(rctx, le.opts.Name)
	if err != nil {
		le.log.Warn("lease not released", "err", err)
		return
	}
	if h, _ := cur.Status().HolderIdentity(); h != le.opts.Identity {
		return // not ours any more: nothing to release
	}
	now := time.Now()
	updated, err := cur.Update(rctx, func(obj map[string]any) error {
		spec, _ := obj["spec"].(map[string]any)
		if spec == nil {
			spec = map[string]any{}
			obj["spec"] = spec
		}
		delete(spec, "holderIdentity")
		spec["leaseDurationSeconds"] = 1
		spec["renewTime"] = microTime(now)
		spec["acquireTime"] = microTime(now)
		return nil
	}, sdk.WriteOptions{})
	if err != nil {
		le.log.Warn("lease not released", "err", err)
		return
	}
	le.observe(recordOf(updated), now)
	le.log.Info("lease released")
}

// sleepCtx waits d or until ctx ends (ctx's error).
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
