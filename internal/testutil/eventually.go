package testutil

import (
	"context"
	"testing"
	"time"
)

// Eventually calls cond every 20 ms until it returns nil, and fails the test
// with cond's last error when ctx ends first. Tests wait on conditions with
// it instead of sleeping.
func Eventually(tb testing.TB, ctx context.Context, what string, cond func() error) {
	tb.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		err := cond()
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			tb.Fatalf("gave up waiting for %s: %v (last: %v)", what, ctx.Err(), err)
		case <-tick.C:
		}
	}
}
