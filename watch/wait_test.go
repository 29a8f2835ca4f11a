package watch_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/watch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConditions(t *testing.T) {
	errBoom := errors.New("boom")
	yes := watch.Match(func(int) bool { return true })
	no := watch.Match(func(int) bool { return false })
	fail := watch.FailIf(watch.Exists[int](), errBoom)
	cases := []struct {
		reason string
		cond   watch.Condition[int]
		exists bool
		want   bool
		err    error
	}{
		{"Match holds for an existing object when f does", yes, true, true, nil},
		{"Match never holds for a missing object", yes, false, false, nil},
		{"Exists", watch.Exists[int](), true, true, nil},
		{"Absent holds for a missing object", watch.Absent[int](), false, true, nil},
		{"Absent does not hold for an existing object", watch.Absent[int](), true, false, nil},
		{"And of none holds", watch.And[int](), true, true, nil},
		{"And needs all", watch.And(yes, no), true, false, nil},
		{"And holds when all hold", watch.And(yes, watch.Exists[int]()), true, true, nil},
		{"Or of none does not hold", watch.Or[int](), true, false, nil},
		{"Or needs one", watch.Or(no, yes), true, true, nil},
		{"Not inverts", watch.Not(no), true, true, nil},
		{"FailIf fails when its condition holds", fail, true, false, errBoom},
		{"FailIf never holds otherwise", fail, false, false, nil},
		{"a failure inside And ends the evaluation", watch.And(fail, yes), true, false, errBoom},
		{"Or stops at the first that holds, before a later failure", watch.Or(yes, fail), true, true, nil},
		{"Or reports a failure met before any holds", watch.Or(no, fail, yes), true, false, errBoom},
		{"Not keeps a failure a failure", watch.Not(fail), true, false, errBoom},
	}
	for _, c := range cases {
		got, err := c.cond(1, c.exists)
		assert.Equal(t, c.want, got, c.reason)
		if c.err == nil {
			assert.NoError(t, err, c.reason)
		} else {
			assert.ErrorIs(t, err, c.err, c.reason)
			var ce *watch.ConditionError
			assert.ErrorAs(t, err, &ce, c.reason)
		}
	}
}

func TestWaitForScripted(t *testing.T) {
	errCrashed := errors.New("crashed")
	labelled := func(k string) watch.Condition[*kinds.Pod] {
		return watch.Match(func(p *kinds.Pod) bool { return p.Labels().Has(k) })
	}
	cases := []struct {
		reason  string
		frames  []string
		cond    watch.Condition[*kinds.Pod]
		wantRV  string // "" = no object
		wantErr error
	}{
		{
			reason: "Absent holds at once when the initial list is empty",
			frames: []string{bookmark("10", true)},
			cond:   watch.Absent[*kinds.Pod](),
		},
		{
			reason: "the condition already holds in the initial state",
			frames: []string{frame("ADDED", pod("a", "ua", "5", "ready=1")), bookmark("10", true)},
			cond:   labelled("ready"), wantRV: "5",
		},
		{
			reason: "the condition holds after a change",
			frames: []string{frame("ADDED", pod("a", "ua", "5")), bookmark("10", true), frame("MODIFIED", pod("a", "ua", "11", "ready=1"))},
			cond:   labelled("ready"), wantRV: "11",
		},
		{
			reason: "Absent holds when the object is deleted; the last state is returned",
			frames: []string{frame("ADDED", pod("a", "ua", "5")), bookmark("10", true), frame("DELETED", pod("a", "ua", "12"))},
			cond:   watch.Absent[*kinds.Pod](), wantRV: "12",
		},
		{
			reason: "a failure condition ends the wait with its error",
			frames: []string{frame("ADDED", pod("a", "ua", "5")), bookmark("10", true), frame("MODIFIED", pod("a", "ua", "11", "crashed=1"))},
			cond:   watch.Or(labelled("ready"), watch.FailIf(labelled("crashed"), errCrashed)), wantRV: "11", wantErr: errCrashed,
		},
	}
	for _, c := range cases {
		t.Run(c.reason, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				f := newFakeAPI(t, stream(true, c.frames...))
				got, err := watch.WaitFor(testCtx(t), f.pods().ObjectSource("a"), c.cond)
				if c.wantErr != nil {
					assert.ErrorIs(t, err, c.wantErr, c.reason)
				} else {
					require.NoError(t, err, c.reason)
				}
				if c.wantRV == "" {
					assert.Nil(t, got, c.reason)
				} else {
					require.NotNil(t, got, c.reason)
					assert.Equal(t, c.wantRV, got.Version(), c.reason)
				}
				assert.Equal(t, "metadata.name=a", f.requests()[0].Get("fieldSelector"), "ObjectSource filters on the server")
			})
		})
	}
}

func TestWaitForDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeAPI(t, stream(true, frame("ADDED", pod("a", "ua", "5")), bookmark("10", true)))
		ctx, cancel := context.WithTimeout(testCtx(t), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		got, err := watch.WaitFor(ctx, f.pods().ObjectSource("a"), watch.Absent[*kinds.Pod]())
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, 100*time.Millisecond, time.Since(start), "WaitFor returns when the deadline passes")
		require.NotNil(t, got, "the last state seen is returned with the timeout")
		assert.Equal(t, "5", got.Version())
	})
}

// TestWaitForRecoversFromMalformed: WaitFor does not fail on data that
// does not decode: it relists (reporting through OnRetry) and goes on.
func TestWaitForRecoversFromMalformed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeAPI(t,
			stream(false, frame("ADDED", pod("a", "ua", "5")), bookmark("10", true), "garbage\n"),
			stream(true, frame("ADDED", pod("a", "ua", "12", "ready=1")), bookmark("12", true)),
		)
		var reported []error
		got, err := watch.WaitForOpts(testCtx(t), f.pods().ObjectSource("a"),
			watch.Match(func(p *kinds.Pod) bool { return p.Labels().Has("ready") }),
			watch.LoopOptions{OnRetry: func(err error, _ time.Duration) { reported = append(reported, err) }})
		require.NoError(t, err)
		assert.Equal(t, "12", got.Version())
		require.Len(t, reported, 1)
		assert.ErrorIs(t, reported[0], watch.ErrMalformed)
	})
}
