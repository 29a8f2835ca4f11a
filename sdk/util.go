package sdk

import (
	"context"
	"github.com/kube-for-go/kube/transport"
	"maps"
	"slices"
)

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// streamingContext marks a request as a long-lived stream (watch, logs) so
// the transport exempts it from rate limits and never times it out.
func streamingContext(ctx context.Context) context.Context { return transport.Streaming(ctx) }
