package controller

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/sdk"
)

const (
	testNS    = "ns"
	testLease = "lock"
)

// candidate runs one elector and records when it started and stopped
// leading, and when its leader ctx ended.
type candidate struct {
	id      string
	le      *LeaderElector
	cancel  context.CancelFunc
	done    chan struct{}
	mu      sync.Mutex
	started []time.Time
	ctxEnd  []time.Time
	stopped []time.Time
	runErr  error
}

func startCandidate(t *testing.T, f *fakeLeases, id string, release bool) *candidate {
	return runCandidate(t, f.client(t), LeaderElectionOptions{Namespace: testNS, Name: testLease, Identity: id, ReleaseOnCancel: release})
}

// runCandidate runs an elector with opts, whose callbacks it sets.
func runCandidate(t *testing.T, client *sdk.Client, opts LeaderElectionOptions) *candidate {
	c := &candidate{id: opts.Identity, done: make(chan struct{})}
	opts.OnStartedLeading = func(ctx context.Context) {
		c.mu.Lock()
		c.started = append(c.started, time.Now())
		c.mu.Unlock()
		<-ctx.Done()
		c.mu.Lock()
		c.ctxEnd = append(c.ctxEnd, time.Now())
		c.mu.Unlock()
	}
	opts.OnStoppedLeading = func() {
		c.mu.Lock()
		c.stopped = append(c.stopped, time.Now())
		c.mu.Unlock()
	}
	le, err := NewLeaderElector(client, opts)
	require.NoError(t, err)
	c.le = le
	ctx, cancel := context.WithCancel(t.Context())
	c.cancel = cancel
	go func() {
		defer close(c.done)
		c.runErr = le.Run(ctx)
	}()
	return c
}

func (c *candidate) startedAt() []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Time(nil), c.started...)
}

func (c *candidate) stop() {
	c.cancel()
	<-c.done
}

func TestLeaderAcquireRenewRelease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeLeases(t, testNS)
		t0 := time.Now()
		a := startCandidate(t, f, "a", true)
		synctest.Wait()
		require.Equal(t, []time.Time{t0}, a.startedAt(), "a free lease is acquired at once")
		assert.True(t, a.le.IsLeader())
		assert.Equal(t, "a", a.le.Leader())
		spec := f.spec(testLease)
		assert.Equal(t, "a", spec["holderIdentity"])
		assert.EqualValues(t, 15, spec["leaseDurationSeconds"], "client-go's default lease duration")
		assert.EqualValues(t, 0, spec["leaseTransitions"])

		time.Sleep(10*time.Second + time.Millisecond)
		assert.Equal(t, 5, f.putCount(), "renewed every RetryPeriod (2s)")
		renew, err := time.Parse(time.RFC3339Nano, f.spec(testLease)["renewTime"].(string))
		require.NoError(t, err)
		assert.Equal(t, t0.Add(10*time.Second).UTC(), renew.UTC(), "renewTime is the time of the last renewal")

		a.stop()
		require.ErrorIs(t, a.runErr, context.Canceled)
		assert.False(t, a.le.IsLeader())
		assert.Equal(t, "", f.holder(testLease), "ReleaseOnCancel clears the holder")
		assert.EqualValues(t, 1, f.spec(testLease)["leaseDurationSeconds"])
		assert.Len(t, a.ctxEnd, 1, "the leader's ctx was cancelled")
		assert.Len(t, a.stopped, 1, "OnStoppedLeading was called")
	})
}

func TestLeaderTwoCandidatesFailover(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeLeases(t, testNS)
		a := startCandidate(t, f, "a", false)
		synctest.Wait()
		b := startCandidate(t, f, "b", false)
		time.Sleep(time.Minute)
		require.Len(t, a.startedAt(), 1)
		require.Empty(t, b.startedAt(), "exactly one candidate leads")
		assert.Equal(t, "a", b.le.Leader())
		assert.False(t, b.le.IsLeader())

		cancelled := time.Now()
		a.stop() // without release: the lease must expire
		assert.Equal(t, "a", f.holder(testLease))
		for len(b.startedAt()) == 0 {
			time.Sleep(10 * time.Millisecond)
		}
		took := b.startedAt()[0].Sub(cancelled)
		t.Logf("failover without release: %s (LeaseDuration 15s, RetryPeriod 2s)", took)
		assert.LessOrEqual(t, took, DefaultLeaseDuration+DefaultRetryPeriod, "takeover within LeaseDuration+RetryPeriod")
		assert.GreaterOrEqual(t, took, DefaultLeaseDuration-DefaultRetryPeriod, "no takeover before the lease can have expired")
		assert.Equal(t, "b", f.holder(testLease))
		assert.EqualValues(t, 1, f.spec(testLease)["leaseTransitions"])
		b.stop()
	})
}

func TestLeaderGracefulHandover(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeLeases(t, testNS)
		a := startCandidate(t, f, "a", true)
		synctest.Wait()
		b := startCandidate(t, f, "b", true)
		time.Sleep(30 * time.Second)
		require.Empty(t, b.startedAt())

		cancelled := time.Now()
		a.stop()
		time.Sleep(DefaultRetryPeriod)
		require.Len(t, b.startedAt(), 1, "a released lease is taken within RetryPeriod")
		took := b.startedAt()[0].Sub(cancelled)
		t.Logf("graceful handover: %s", took)
		assert.LessOrEqual(t, took, DefaultRetryPeriod)
		assert.Equal(t, []string{"a", "", "b"}, compact(f.written()), "a held it, released it, then b took it: never two holders")
		b.stop()
	})
}

// compact drops consecutive repeats.
func compact(s []string) []string {
	var out []string
	for _, v := range s {
		if len(out) == 0 || out[len(out)-1] != v {
			out = append(out, v)
		}
	}
	return out
}

func TestLeaderRenewDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeLeases(t, testNS)
		a := startCandidate(t, f, "a", true)
		time.Sleep(4*time.Second + time.Millisecond) // renewed at 2s and 4s
		lastRenew := time.Now().Add(-time.Millisecond)
		f.setDown(true)
		<-a.done
		require.ErrorIs(t, a.runErr, ErrLeadershipLost)
		assert.Contains(t, a.runErr.Error(), "RenewDeadline")
		require.Len(t, a.ctxEnd, 1)
		lost := a.ctxEnd[0].Sub(lastRenew)
		assert.Equal(t, DefaultRenewDeadline, lost, "leadership ends RenewDeadline after the last successful renewal")
		assert.Less(t, lost, DefaultLeaseDuration, "before any other candidate may take over")
		require.Len(t, a.stopped, 1)
		assert.False(t, a.stopped[0].Before(a.ctxEnd[0]), "OnStoppedLeading comes after the leader's ctx ended")
		assert.Equal(t, "a", f.holder(testLease), "the server was down: nothing could be released")
	})
}

func TestLeaderSeesAnotherHolder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeLeases(t, testNS)
		a := startCandidate(t, f, "a", true)
		time.Sleep(time.Second)
		f.write(testLease, map[string]any{"holderIdentity": "intruder", "leaseDurationSeconds": 15})
		took := time.Now()
		<-a.done
		require.ErrorIs(t, a.runErr, ErrLeadershipLost)
		assert.Contains(t, a.runErr.Error(), `"intruder"`)
		assert.Equal(t, time.Second, time.Since(took), "lost at the next renewal")
		assert.Equal(t, "intruder", f.holder(testLease), "the other holder's lease is left alone, even on release")
	})
}

func TestLeaderClockSkew(t *testing.T) {
	for _, tc := range []struct {
		name   string
		reason string
		renew  time.Time
	}{
		{"renewTime in the past", "a holder whose clock is behind must not lose its lease early", time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"renewTime in the future", "a holder whose clock is ahead must not keep its lease forever", time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFakeLeases(t, testNS)
				f.write(testLease, map[string]any{
					"holderIdentity": "other", "leaseDurationSeconds": 15,
					"renewTime": microTime(tc.renew), "acquireTime": microTime(tc.renew), "leaseTransitions": 4,
				})
				t0 := time.Now()
				b := startCandidate(t, f, "b", false)
				time.Sleep(14 * time.Second)
				assert.Empty(t, b.startedAt(), tc.reason)
				time.Sleep(2 * time.Second)
				require.Len(t, b.startedAt(), 1, tc.reason)
				assert.Equal(t, 15*time.Second, b.startedAt()[0].Sub(t0), "expiry is LeaseDuration after this candidate first saw the record")
				assert.EqualValues(t, 5, f.spec(testLease)["leaseTransitions"])
				b.stop()
			})
		})
	}
}

func TestLeaderRenewedLeaseNotTaken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeLeases(t, testNS)
		spec := func() map[string]any {
			return map[string]any{"holderIdentity": "other", "leaseDurationSeconds": 15, "renewTime": microTime(time.Now())}
		}
		f.write(testLease, spec())
		b := startCandidate(t, f, "b", false)
		for range 30 { // the other holder renews every 5s for 150s
			time.Sleep(5 * time.Second)
			f.write(testLease, spec())
		}
		assert.Empty(t, b.startedAt(), "a lease that keeps being renewed is never taken")
		b.stop()
	})
}

func TestLeaderCreateRace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeLeases(t, testNS)
		var cs []*candidate
		for _, id := range []string{"a", "b", "c", "d"} {
			cs = append(cs, startCandidate(t, f, id, false))
		}
		time.Sleep(time.Minute)
		leaders := 0
		for _, c := range cs {
			leaders += len(c.startedAt())
		}
		assert.Equal(t, 1, leaders, "candidates racing to create the lease: exactly one leads")
		for _, c := range cs {
			c.stop()
		}
	})
}

func TestLeaderRunTwice(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeLeases(t, testNS)
		a := startCandidate(t, f, "a", false)
		synctest.Wait()
		assert.ErrorIs(t, a.le.Run(t.Context()), ErrElectorRunning)
		a.stop()
	})
}

func TestNewLeaderElectorOptions(t *testing.T) {
	f := newFakeLeases(t, testNS)
	c := f.client(t)
	ok := LeaderElectionOptions{Namespace: "ns", Name: "l", Identity: "me"}
	for _, tc := range []struct {
		name   string
		reason string
		change func(o *LeaderElectionOptions)
		want   string
	}{
		{"no name", "the lease must be named", func(o *LeaderElectionOptions) { o.Name = "" }, "Namespace and a Name"},
		{"no identity", "candidates must be told apart", func(o *LeaderElectionOptions) { o.Identity = "" }, "empty Identity"},
		{"renew ≥ lease", "the leader must stop before another may start", func(o *LeaderElectionOptions) { o.RenewDeadline = 15 * time.Second }, "RenewDeadline (15s) must be shorter than LeaseDuration (15s)"},
		{"retry ≥ renew", "at least one retry before giving up", func(o *LeaderElectionOptions) { o.RetryPeriod = 10 * time.Second }, "RetryPeriod (10s) must be shorter than RenewDeadline (10s)"},
		{"negative", "durations are positive", func(o *LeaderElectionOptions) { o.RetryPeriod = -1 }, "negative duration"},
		{"bad namespace", "the namespace must be a valid name", func(o *LeaderElectionOptions) { o.Namespace = "Not_Valid" }, "invalid namespace"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := ok
			tc.change(&o)
			_, err := NewLeaderElector(c, o)
			require.ErrorIs(t, err, ErrInvalidOptions, tc.reason)
			assert.Contains(t, err.Error(), tc.want, tc.reason)
		})
	}
	_, err := NewLeaderElector(nil, ok)
	assert.ErrorIs(t, err, ErrInvalidOptions, "a nil client")
	le, err := NewLeaderElector(c, ok)
	require.NoError(t, err)
	assert.Equal(t, DefaultLeaseDuration, le.opts.LeaseDuration)
	assert.Equal(t, DefaultRenewDeadline, le.opts.RenewDeadline)
	assert.Equal(t, DefaultRetryPeriod, le.opts.RetryPeriod)
}
