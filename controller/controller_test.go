package controller

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/watch"
)

func deployment(t *testing.T, ns, name string, gen int64, labels, annotations string, owners ...string) *kinds.Deployment {
	t.Helper()
	refs := ""
	for i, o := range owners {
		if i > 0 {
			refs += ","
		}
		refs += o
	}
	raw := fmt.Sprintf(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":%q,"namespace":%q,"generation":%d,"labels":{%s},"annotations":{%s},"ownerReferences":[%s]}}`,
		name, ns, gen, labels, annotations, refs)
	it, err := sdk.DecodeItem(nil, kinds.DeploymentKind, []byte(raw))
	require.NoError(t, err)
	return it
}

func meta(t *testing.T, gen int64, labels, annotations string) *sdk.ObjectMeta {
	m := deployment(t, "ns", "d", gen, labels, annotations).Meta()
	return &m
}

func TestPredicates(t *testing.T) {
	base := meta(t, 1, `"a":"1"`, `"x":"1"`)
	for _, tc := range []struct {
		name   string
		reason string
		p      Predicate
		ch     Change
		want   bool
	}{
		{"generation same", "a status-only change is filtered", GenerationChanged(), Change{Type: watch.Modified, Old: base, New: meta(t, 1, `"a":"1"`, `"x":"2"`)}, false},
		{"generation bumped", "a spec change passes", GenerationChanged(), Change{Type: watch.Modified, Old: base, New: meta(t, 2, `"a":"1"`, `"x":"1"`)}, true},
		{"generation added", "additions always pass", GenerationChanged(), Change{Type: watch.Added, New: base}, true},
		{"generation deleted", "deletions always pass", GenerationChanged(), Change{Type: watch.Deleted, Old: base, New: base}, true},
		{"generation unknown old", "without a previous state the change passes", GenerationChanged(), Change{Type: watch.Modified, New: base}, true},
		{"labels same", "an annotation change is not a label change", LabelsChanged(), Change{Type: watch.Modified, Old: base, New: meta(t, 1, `"a":"1"`, `"x":"2"`)}, false},
		{"labels changed", "a label value change passes", LabelsChanged(), Change{Type: watch.Modified, Old: base, New: meta(t, 1, `"a":"2"`, `"x":"1"`)}, true},
		{"annotations same", "a label change is not an annotation change", AnnotationsChanged(), Change{Type: watch.Modified, Old: base, New: meta(t, 1, `"a":"2"`, `"x":"1"`)}, false},
		{"annotations changed", "an added annotation passes", AnnotationsChanged(), Change{Type: watch.Modified, Old: base, New: meta(t, 1, `"a":"1"`, `"x":"1","y":"2"`)}, true},
		{"any", "one accepting predicate is enough", Any(GenerationChanged(), LabelsChanged()), Change{Type: watch.Modified, Old: base, New: meta(t, 1, `"a":"2"`, `"x":"1"`)}, true},
		{"any none", "no predicate accepts", Any(GenerationChanged(), LabelsChanged()), Change{Type: watch.Modified, Old: base, New: meta(t, 1, `"a":"1"`, `"x":"2"`)}, false},
		{"any empty", "an empty Any accepts nothing", Any(), Change{Type: watch.Added, New: base}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.p(tc.ch), tc.reason)
		})
	}
}

// newTestController returns a controller of Deployments, not running.
func newTestController(t *testing.T, r Reconciler, opts Options) *Controller[kinds.DeploymentStatus] {
	client, err := sdk.New(sdk.Options{URL: "http://fake.invalid"})
	require.NoError(t, err)
	c, err := New(sdk.NewView(client, kinds.DeploymentKind), r, opts)
	require.NoError(t, err)
	return c
}

func TestOwnedEventsEnqueueTheControllerOwner(t *testing.T) {
	c := newTestController(t, ReconcilerFunc(func(context.Context, Request) (Result, error) { return Result{}, nil }), Options{})
	client, err := sdk.New(sdk.Options{URL: "http://fake.invalid"})
	require.NoError(t, err)
	require.NoError(t, Owns(c, sdk.NewView(client, kinds.ReplicaSetKind)))
	owned := c.sources[1].(*source[kinds.ReplicaSetStatus])

	rs := func(owners ...string) *kinds.ReplicaSet {
		refs := ""
		for i, o := range owners {
			if i > 0 {
				refs += ","
			}
			refs += o
		}
		it, err := sdk.DecodeItem(nil, kinds.ReplicaSetKind, []byte(`{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"rs","namespace":"ns","ownerReferences":[`+refs+`]}}`))
		require.NoError(t, err)
		return it
	}
	ctrl := `{"apiVersion":"apps/v1","kind":"Deployment","name":"web","uid":"u1","controller":true}`
	for _, tc := range []struct {
		name   string
		reason string
		obj    *kinds.ReplicaSet
		want   []Request
	}{
		{"controller owner", "the controller owner of the primary kind is enqueued", rs(ctrl), []Request{{"ns", "web"}}},
		{"not controller", "an owner that is not the controller is ignored", rs(`{"apiVersion":"apps/v1","kind":"Deployment","name":"web","uid":"u1"}`), nil},
		{"other kind", "a controller owner of another kind is ignored", rs(`{"apiVersion":"apps/v1","kind":"StatefulSet","name":"web","uid":"u1","controller":true}`), nil},
		{"other group", "a Deployment of another API group is another kind", rs(`{"apiVersion":"example.com/v1","kind":"Deployment","name":"web","uid":"u1","controller":true}`), nil},
		{"no owner", "an orphan enqueues nothing", rs(), nil},
		{"second ref", "the controller ref is found among others", rs(`{"apiVersion":"v1","kind":"Pod","name":"x","uid":"u2"}`, ctrl), []Request{{"ns", "web"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []Request
			owned.handle(watch.Event[*kinds.ReplicaSet]{Type: watch.Added, Object: tc.obj}, map[string]*kinds.ReplicaSet{}, func(r Request) { got = append(got, r) })
			assert.Equal(t, tc.want, got, tc.reason)
		})
	}

	// A deletion whose object lacks the owner references (a tombstone)
	// still reaches the owner, from the last state seen.
	seen := map[string]*kinds.ReplicaSet{}
	var got []Request
	owned.handle(watch.Event[*kinds.ReplicaSet]{Type: watch.Added, Object: rs(ctrl)}, seen, func(r Request) { got = append(got, r) })
	owned.handle(watch.Event[*kinds.ReplicaSet]{Type: watch.Deleted, Object: rs()}, seen, func(r Request) { got = append(got, r) })
	assert.Equal(t, []Request{{"ns", "web"}, {"ns", "web"}}, got)
	assert.Empty(t, seen, "a deleted object is forgotten")
}

func TestPrimaryEventsAndPredicates(t *testing.T) {
	c := newTestController(t, ReconcilerFunc(func(context.Context, Request) (Result, error) { return Result{}, nil }),
		Options{Predicates: []Predicate{GenerationChanged()}})
	seen := map[string]*kinds.Deployment{}
	var got []Request
	enq := func(r Request) { got = append(got, r) }
	c.primary.handle(watch.Event[*kinds.Deployment]{Type: watch.Added, Object: deployment(t, "ns", "d", 1, "", "")}, seen, enq)
	c.primary.handle(watch.Event[*kinds.Deployment]{Type: watch.Modified, Object: deployment(t, "ns", "d", 1, "", `"a":"b"`)}, seen, enq)
	assert.Len(t, got, 1, "a change that keeps the generation is filtered")
	c.primary.handle(watch.Event[*kinds.Deployment]{Type: watch.Modified, Object: deployment(t, "ns", "d", 2, "", "")}, seen, enq)
	c.primary.handle(watch.Event[*kinds.Deployment]{Type: watch.Added, Object: deployment(t, "ns", "d", 2, "", "")}, seen, enq)
	assert.Len(t, got, 2, "an Added event of a known object (a resubscription snapshot) is judged as a modification")
	c.primary.handle(watch.Event[*kinds.Deployment]{Type: watch.Deleted, Object: deployment(t, "ns", "d", 2, "", "")}, seen, enq)
	assert.Equal(t, []Request{{"ns", "d"}, {"ns", "d"}, {"ns", "d"}}, got)
}

func TestReconcileOutcomes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		outcome := map[string]func() (Result, error){
			"ok":      func() (Result, error) { return Result{}, nil },
			"fail":    func() (Result, error) { return Result{}, errors.New("boom") },
			"requeue": func() (Result, error) { return Result{RequeueAfter: time.Minute}, nil },
			"panic":   func() (Result, error) { panic("bad object") },
		}
		c := newTestController(t, ReconcilerFunc(func(_ context.Context, r Request) (Result, error) { return outcome[r.Name]() }),
			Options{Queue: QueueOptions{Backoff: watch.Backoff{Initial: time.Second, Max: time.Second, Jitter: 0.01}}})
		q := c.Queue()
		for _, name := range []string{"ok", "fail", "requeue", "panic"} {
			q.Add(Request{"ns", name})
		}
		for range 4 {
			r, err := q.Get(t.Context())
			require.NoError(t, err)
			c.reconcile(t.Context(), r)
			q.Done(r)
		}
		assert.Equal(t, 0, q.Retries(Request{"ns", "ok"}))
		assert.Equal(t, 1, q.Retries(Request{"ns", "fail"}), "an error retries with backoff")
		assert.Equal(t, 1, q.Retries(Request{"ns", "panic"}), "a panic is an error, retried; the process survives")
		assert.Equal(t, 0, q.Retries(Request{"ns", "requeue"}))
		assert.Equal(t, 3, q.Delayed(), "fail, panic and requeue wait")
		time.Sleep(time.Second)
		assert.Equal(t, 2, q.Len(), "the failures are back after their backoff")
		time.Sleep(time.Minute)
		assert.Equal(t, 3, q.Len(), "the requeue is back after RequeueAfter")
	})
}

func TestNewControllerErrors(t *testing.T) {
	r := ReconcilerFunc(func(context.Context, Request) (Result, error) { return Result{}, nil })
	client, err := sdk.New(sdk.Options{URL: "http://fake.invalid"})
	require.NoError(t, err)
	_, err = New[kinds.DeploymentStatus](nil, r, Options{})
	assert.ErrorIs(t, err, ErrInvalidOptions, "a nil view")
	_, err = New(sdk.NewView(client, kinds.DeploymentKind), nil, Options{})
	assert.ErrorIs(t, err, ErrInvalidOptions, "a nil reconciler")
	_, err = New(sdk.NewView(client, kinds.NodeKind).In("ns"), r, Options{})
	assert.ErrorIs(t, err, ErrInvalidOptions, "a view that cannot work")
	c, err := New(sdk.NewView(client, kinds.DeploymentKind), r, Options{})
	require.NoError(t, err)
	assert.ErrorIs(t, Watches(c, sdk.NewView(client, kinds.PodKind), nil), ErrInvalidOptions, "a nil map function")
	assert.ErrorIs(t, Owns(c, sdk.NewView(client, kinds.PodKind).In("")), ErrInvalidOptions, "an owned view that cannot work")
	assert.False(t, c.Ready(), "not ready before the caches synced")
	assert.Equal(t, "deployment", c.name)
}
