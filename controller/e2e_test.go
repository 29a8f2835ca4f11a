package controller

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/internal/testutil"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

// Short durations keep the e2e test fast; the unit tests use the defaults.
const (
	e2eLease = 6 * time.Second
	e2eRenew = 4 * time.Second
	e2eRetry = time.Second
	// e2eSlack allows for request latency on a loaded test machine.
	e2eSlack = 2 * time.Second
)

// e2eCandidates starts two candidates, each with its own client, on the
// lease name in namespace ns, and waits until one leads. It returns the
// leader first.
func e2eCandidates(t *testing.T, tc *testutil.Cluster, ns, name string, release bool) (leader, follower *candidate) {
	var cs []*candidate
	for _, id := range []string{name + "-a", name + "-b"} {
		k, err := kube.New(kube.Options{URL: tc.ProxyURL})
		require.NoError(t, err)
		t.Cleanup(func() { k.Close() })
		c := runCandidate(t, k.Client, LeaderElectionOptions{
			Namespace: ns, Name: name, Identity: id, ReleaseOnCancel: release,
			LeaseDuration: e2eLease, RenewDeadline: e2eRenew, RetryPeriod: e2eRetry,
		})
		t.Cleanup(c.stop)
		cs = append(cs, c)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	testutil.Eventually(t, ctx, "one candidate leads", func() error {
		if len(cs[0].startedAt())+len(cs[1].startedAt()) == 0 {
			return assert.AnError
		}
		return nil
	})
	// Several renewals later (the lease's renewTime has moved twice),
	// still exactly one leader, at every look.
	k, err := kube.New(kube.Options{URL: tc.ProxyURL})
	require.NoError(t, err)
	t.Cleanup(func() { k.Close() })
	leases := sdk.NewView(k.Client, kinds.LeaseKind).In(ns)
	renewals := map[time.Time]bool{}
	leaders := 1
	testutil.Eventually(t, ctx, "two renewals of the lease", func() error {
		leaders = max(leaders, len(cs[0].startedAt())+len(cs[1].startedAt()))
		lease, err := leases.Get(ctx, name)
		if err != nil {
			return err
		}
		rt, err := lease.Status().RenewTime()
		if err != nil {
			return err
		}
		if renewals[rt] = true; len(renewals) < 3 {
			return fmt.Errorf("the lease's renewTime took %d values", len(renewals))
		}
		return nil
	})
	require.Equal(t, 1, leaders, "exactly one candidate leads")
	require.Equal(t, 1, len(cs[0].startedAt())+len(cs[1].startedAt()), "exactly one candidate leads")
	if len(cs[0].startedAt()) == 1 {
		return cs[0], cs[1]
	}
	return cs[1], cs[0]
}

// waitLeading waits until c leads, and returns when it started.
func waitLeading(t *testing.T, c *candidate, within time.Duration) time.Time {
	ctx, cancel := context.WithTimeout(t.Context(), within)
	defer cancel()
	testutil.Eventually(t, ctx, c.id+" leads", func() error {
		if len(c.startedAt()) == 0 {
			return assert.AnError
		}
		return nil
	})
	return c.startedAt()[0]
}

func TestE2ELeaderElection(t *testing.T) {
	tc := testutil.Shared(t)
	ns := tc.Namespace(t)
	k, err := kube.New(kube.Options{URL: tc.ProxyURL})
	require.NoError(t, err)
	t.Cleanup(func() { k.Close() })
	leases := sdk.NewView(k.Client, kinds.LeaseKind).In(ns)

	t.Run("failover without release", func(t *testing.T) {
		t.Parallel()
		leader, follower := e2eCandidates(t, tc, ns, "crash", false)
		lease, err := leases.Get(t.Context(), "crash")
		require.NoError(t, err)
		h, err := lease.Status().HolderIdentity()
		require.NoError(t, err)
		assert.Equal(t, leader.id, h, "the lease on the server names the leader")
		d, err := lease.Status().LeaseDuration()
		require.NoError(t, err)
		assert.Equal(t, e2eLease, d)

		cancelled := time.Now()
		leader.stop() // like a crash: the lease is left to expire
		started := waitLeading(t, follower, e2eLease+e2eRetry+10*time.Second)
		took := started.Sub(cancelled)
		t.Logf("failover: without release: %s (LeaseDuration %s, RetryPeriod %s)", took, e2eLease, e2eRetry)
		assert.LessOrEqual(t, took, e2eLease+e2eRetry+e2eSlack, "takeover within LeaseDuration+RetryPeriod")
		assert.GreaterOrEqual(t, took, e2eLease-e2eRetry-e2eSlack, "no takeover before the lease expired")

		lease, err = leases.Get(t.Context(), "crash")
		require.NoError(t, err)
		h, _ = lease.Status().HolderIdentity()
		assert.Equal(t, follower.id, h)
		n, err := lease.Status().LeaseTransitions()
		require.NoError(t, err)
		assert.Equal(t, int32(1), n)
	})

	t.Run("graceful release", func(t *testing.T) {
		t.Parallel()
		leader, follower := e2eCandidates(t, tc, ns, "graceful", true)
		cancelled := time.Now()
		leader.stop()
		require.ErrorIs(t, leader.runErr, context.Canceled)
		started := waitLeading(t, follower, e2eLease)
		took := started.Sub(cancelled)
		t.Logf("failover: graceful release: %s (RetryPeriod %s)", took, e2eRetry)
		assert.LessOrEqual(t, took, e2eRetry+e2eSlack, "a released lease is taken at once")
	})
}
