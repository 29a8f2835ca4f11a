package sdk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kube-for-go/kube/watch"
)

// RetryOptions say how RetryOnConflict (and Item.Modify) retry: at most
// Attempts attempts, the first included, waiting as Backoff says in
// between. Zero values take the defaults.
type RetryOptions struct {
	// Attempts is the maximum number of attempts; 0 means
	// DefaultConflictAttempts.
	Attempts int
	// Backoff between attempts, watch.Backoff being the SDK's one backoff
	// type; the zero value means DefaultConflictBackoff.
	Backoff watch.Backoff
}

// DefaultConflictAttempts is the default number of attempts of a conflict
// retry.
const DefaultConflictAttempts = 5

// DefaultConflictBackoff is the default wait between the attempts of a
// conflict retry: 10ms, doubling, at most 1s, each wait reduced by up to
// 10% at random. Conflicts resolve quickly (the other writer is done), so
// it is much shorter than a watch loop's.
var DefaultConflictBackoff = watch.Backoff{Initial: 10 * time.Millisecond, Max: time.Second, Factor: 2, Jitter: 0.1}

func (o RetryOptions) withDefaults() RetryOptions {
	if o.Attempts <= 0 {
		o.Attempts = DefaultConflictAttempts
	}
	if o.Backoff == (watch.Backoff{}) {
		o.Backoff = DefaultConflictBackoff
	}
	return o
}

// RetryOnConflict calls fn until it returns an error that does not match
// ErrConflict (nil included), waiting between attempts as opts say. fn
// must start from fresh state on every call, typically by fetching the
// object again and re-applying its change; a conflict means another writer
// changed the object since it was read. When every attempt conflicted, the
// error says so and still matches ErrConflict; when ctx ends while
// waiting, the error matches ctx.Err(). Item.Modify is this loop around
// Fetch and Update.
func RetryOnConflict(ctx context.Context, opts RetryOptions, fn func() error) error {
	opts = opts.withDefaults()
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || !errors.Is(err, ErrConflict) {
			return err
		}
		if attempt >= opts.Attempts {
			return &Error{Op: "retry on conflict", Err: fmt.Errorf("gave up after %d attempts: %w", attempt, err)}
		}
		if werr := opts.Backoff.Sleep(ctx, attempt); werr != nil {
			return &Error{Op: "retry on conflict", Err: fmt.Errorf("%w (after %d attempts, the last one: %v)", ctx.Err(), attempt, err)}
		}
	}
}
