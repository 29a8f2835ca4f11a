package sdk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// ErrEvictionBlocked is matched by the error of an eviction the server
// refused because it would violate a PodDisruptionBudget (or because the
// budget is still being computed): the answer 429 TooManyRequests. Retry
// later; the *EvictionError says when the server suggests.
var ErrEvictionBlocked = errors.New("kube: eviction blocked by a disruption budget")

// EvictionError is an eviction the server refused with 429: a
// PodDisruptionBudget does not allow the pod to be disrupted now. It
// matches ErrEvictionBlocked, ErrTooManyRequests and ErrKube, and
// errors.As also finds the underlying *APIError.
type EvictionError struct {
	Namespace, Name string
	// Budgets are the server's explanations naming the budgets, e.g. "The
	// disruption budget web needs 1 healthy pods and has 1 currently".
	Budgets []string
	// RetryAfter is the wait the server suggested, 0 if none.
	RetryAfter time.Duration
	Err        *APIError
}

func (e *EvictionError) Error() string {
	s := fmt.Sprintf("kube: eviction of pod %s/%s blocked: %s", e.Namespace, e.Name, e.Err.Message)
	if len(e.Budgets) > 0 {
		s += " (" + strings.Join(e.Budgets, "; ") + ")"
	}
	return s
}

// Unwrap returns the underlying *APIError.
func (e *EvictionError) Unwrap() error { return e.Err }

// Is matches ErrEvictionBlocked.
func (e *EvictionError) Is(target error) bool { return target == ErrEvictionBlocked }

// disruptionBudgetCause is the StatusCause type naming a blocking budget.
const disruptionBudgetCause = "DisruptionBudget"

// Evict asks the server to evict the named pod (a policy/v1 Eviction): the
// pod is deleted, as with Delete, only if no PodDisruptionBudget forbids
// it. opts carry the grace period, preconditions and dry run of the
// deletion (Propagation does not apply). A refusal because of a budget is
// an *EvictionError matching ErrEvictionBlocked; other refusals are
// *APIError (ErrNotFound for a pod that does not exist).
func (v *PodView[S]) Evict(ctx context.Context, name string, opts DeleteOptions) error {
	if opts.Propagation != "" {
		return &Error{Op: "evict", Err: fmt.Errorf("an eviction takes no propagation policy")}
	}
	p, err := v.object(ctx, name, "eviction")
	if err != nil {
		return err
	}
	del, err := opts.body()
	if err != nil {
		return &Error{Op: "evict", Err: err}
	}
	body, err := json.Marshal(struct {
		APIVersion    string         `json:"apiVersion"`
		Kind          string         `json:"kind"`
		Metadata      map[string]any `json:"metadata"`
		DeleteOptions jsontext.Value `json:"deleteOptions"`
	}{"policy/v1", "Eviction", map[string]any{"name": name, "namespace": v.namespace}, del})
	if err != nil {
		return &Error{Op: "evict", Err: err}
	}
	err = v.client.roundTripJSON(ctx, request{method: http.MethodPost, path: p, body: body}, nil)
	var ae *APIError
	if errors.As(err, &ae) && ae.Code == http.StatusTooManyRequests {
		ee := &EvictionError{Namespace: v.namespace, Name: name, RetryAfter: ae.RetryDelay, Err: ae}
		if ae.Details != nil {
			for _, c := range ae.Details.Causes {
				if c.Type == disruptionBudgetCause {
					ee.Budgets = append(ee.Budgets, c.Message)
				}
			}
		}
		return ee
	}
	return err
}
