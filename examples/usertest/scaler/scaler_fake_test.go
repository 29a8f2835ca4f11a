package scaler_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"example.com/usertest/scaler"
	"github.com/kube-for-go/kube/kubefake"
	"github.com/kube-for-go/kube/sdk"
)

// The same code under test, against kubefake's in-memory API server: no
// cluster, milliseconds per test, and faults a real server cannot be made
// to produce on demand.

func TestScaleLabelledInMemory(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv := kubefake.MustNew(t, kubefake.Options{Objects: []any{"apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n"}})
	k := srv.Client()
	const ns = "team"
	for _, d := range []struct{ name, tier string }{{"web", "front"}, {"api", "front"}, {"db", "back"}} {
		_, err := k.Create(ctx, deployment(d.name, d.tier, 1), sdk.CreateOptions{Namespace: ns})
		require.NoError(t, err)
	}

	names, err := scaler.ScaleLabelled(ctx, k, ns, "tier=front", 4)
	require.NoError(t, err)
	assert.Equal(t, []string{"api", "web"}, names)

	for name, want := range map[string]int32{"web": 4, "api": 4, "db": 1} {
		s, err := k.Deployments.In(ns).GetScale(ctx, name)
		require.NoError(t, err)
		assert.Equal(t, want, s.Replicas, name)
	}
}

func TestScaleLabelledReportsWhatItScaledBeforeAFailure(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv := kubefake.MustNew(t, kubefake.Options{Objects: []any{"apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n"}})
	k := srv.Client()
	const ns = "team"
	for _, name := range []string{"a", "b", "c"} {
		_, err := k.Create(ctx, deployment(name, "front", 1), sdk.CreateOptions{Namespace: ns})
		require.NoError(t, err)
	}
	// The scale of "b" fails once with 403: "a" was scaled, "c" was not tried.
	srv.Fail(kubefake.Match{Verb: "patch", Resource: "deployments", Subresource: "scale", Name: "b"}, 1, http.StatusForbidden)

	names, err := scaler.ScaleLabelled(ctx, k, ns, "tier=front", 2)
	require.ErrorIs(t, err, sdk.ErrForbidden)
	assert.Contains(t, err.Error(), "team/b")
	assert.Equal(t, []string{"a"}, names)
	for name, want := range map[string]int32{"a": 2, "b": 1, "c": 1} {
		s, err := k.Deployments.In(ns).GetScale(ctx, name)
		require.NoError(t, err)
		assert.Equal(t, want, s.Replicas, name)
	}
}
