package watch

import (
	"context"
	"errors"
	"fmt"
)

// Condition is a predicate on the state of one object, for WaitFor:
// exists is false when there is no object (not created yet, or deleted;
// obj is then its last state if known, else the zero T). A condition
// returns true when it holds. A non-nil error is a failure: the wait ends
// at once with that error (see FailIf).
//
// Conditions compose with And, Or and Not; Match, Exists and Absent
// build the common ones. The kinds package has kind-specific ones (pod
// Running and Ready, deployment Available).
type Condition[T any] func(obj T, exists bool) (bool, error)

// Match returns the condition "the object exists and f(obj) is true".
func Match[T any](f func(obj T) bool) Condition[T] {
	return func(obj T, exists bool) (bool, error) { return exists && f(obj), nil }
}

// Exists returns the condition "the object exists".
func Exists[T any]() Condition[T] {
	return func(_ T, exists bool) (bool, error) { return exists, nil }
}

// Absent returns the condition "the object does not exist" (kubectl wait
// --for=delete): it holds when the object is deleted, and at once for an
// object that does not exist.
func Absent[T any]() Condition[T] {
	return func(_ T, exists bool) (bool, error) { return !exists, nil }
}

// And holds when every condition holds (true for none). Conditions are
// evaluated in order; the first failure ends the evaluation.
func And[T any](conds ...Condition[T]) Condition[T] {
	return func(obj T, exists bool) (bool, error) {
		for _, c := range conds {
			ok, err := c(obj, exists)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	}
}

// Or holds when any condition holds (false for none). Conditions are
// evaluated in order until one holds; a failure of one evaluated before
// that ends the evaluation with its error.
func Or[T any](conds ...Condition[T]) Condition[T] {
	return func(obj T, exists bool) (bool, error) {
		for _, c := range conds {
			ok, err := c(obj, exists)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	}
}

// Not holds when c does not; a failure of c stays a failure.
func Not[T any](c Condition[T]) Condition[T] {
	return func(obj T, exists bool) (bool, error) {
		ok, err := c(obj, exists)
		return !ok && err == nil, err
	}
}

// FailIf turns cond into a failure condition: when cond holds, the wait
// ends with an error wrapping err (and never holds otherwise). Combine it
// with the condition waited for:
//
//	watch.Or(kinds.PodIsReady(), watch.FailIf(kinds.PodFailure(), errPodFailed))
func FailIf[T any](cond Condition[T], err error) Condition[T] {
	return func(obj T, exists bool) (bool, error) {
		ok, cerr := cond(obj, exists)
		if cerr != nil {
			return false, cerr
		}
		if ok {
			return false, &ConditionError{Err: err}
		}
		return false, nil
	}
}

// ConditionError is the error WaitFor returns when a failure condition
// (FailIf) held. It wraps the failure's error.
type ConditionError struct{ Err error }

// Error says which failure condition was met.
func (e *ConditionError) Error() string { return "watch: failure condition met: " + e.Err.Error() }

// Unwrap returns the failure's error.
func (e *ConditionError) Unwrap() error { return e.Err }

// WaitFor waits until cond holds for the object of src and returns its
// state then (like kubectl wait). It reads the current state first
// (InitialList), then watches, with the robustness of Watch. cond is
// evaluated for each object state the watch delivers: with exists=true
// for Added and Modified, exists=false for Deleted, and once with the
// zero T and exists=false when the initial list is empty.
//
// It is meant for a source of one object, e.g. View.ObjectSource(name),
// which watches that name only (server-side field selector); with a
// source of several objects it returns the first state, of any object,
// for which cond holds.
//
// WaitFor returns cond's error when a failure condition holds, the
// watch's error when it fails permanently, and an error wrapping ctx's
// error when ctx ends first (with the last state seen, if any).
func WaitFor[T any](ctx context.Context, src Source[T], cond Condition[T]) (T, error) {
	return WaitForOpts(ctx, src, cond, LoopOptions{})
}

// WaitForOpts is WaitFor with the loop's options (backoff, timeouts,
// OnRetry). Like a Store, WaitFor always reads the current state first and
// recovers from errors that are not permanent (they reach opts.OnRetry, not
// the caller).
func WaitForOpts[T any](ctx context.Context, src Source[T], cond Condition[T], opts LoopOptions) (T, error) {
	var (
		zero, found, last T
		done              bool
		condErr           error
		seen              bool
		states            = map[string]T{}
	)
	eval := func(obj T, exists bool) bool {
		ok, err := cond(obj, exists)
		if err != nil {
			found, condErr, done = obj, err, true
			return false
		}
		if ok {
			found, done = obj, true
			return false
		}
		return true
	}
	l := newLoop(src, opts, func(ev Event[T]) bool {
		key, _, _ := src.Meta(ev.Object)
		last, seen = ev.Object, true
		switch ev.Type {
		case Added, Modified:
			states[key] = ev.Object
			return eval(ev.Object, true)
		case Deleted:
			delete(states, key)
			return eval(ev.Object, false)
		}
		return true
	})
	l.initial = true
	l.last = func(key string) (T, bool) { obj, ok := states[key]; return obj, ok }
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	synced := false
	l.onSync = func() {
		if !synced && !done && len(states) == 0 {
			eval(zero, false)
		}
		synced = true
		if done {
			cancel() // the loop cannot be stopped from onSync otherwise
		}
	}
	err := l.run(ctx)
	if done {
		return found, condErr
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		if seen {
			return last, fmt.Errorf("watch: condition not met (last state seen returned): %w", err)
		}
		return zero, fmt.Errorf("watch: condition not met: %w", err)
	}
	return zero, err
}
