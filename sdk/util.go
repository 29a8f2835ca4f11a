package sdk

import (
	"context"
	"github.com/go-json-experiment/json"
	"maps"
	"slices"
)

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

type streamingKey struct{}

// streamingContext marks a request as a long-lived stream (watch, logs) so
// transports exempt it from rate limits and never time it out.
func streamingContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, streamingKey{}, true)
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
