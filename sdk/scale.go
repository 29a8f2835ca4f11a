package sdk

import (
	"context"
	"fmt"
	"net/http"
)

// Scale is the scale subresource of an object (autoscaling/v1 Scale): the
// desired and observed replica counts and the selector of its pods.
type Scale struct {
	// Replicas is the desired number of replicas (spec.replicas).
	Replicas int32
	// StatusReplicas is the number of replicas the controller last observed
	// (status.replicas).
	StatusReplicas int32
	// Selector is the label selector of the replicas in query form, e.g.
	// "app=web", usable with View.Filter; "" if the server sent none.
	Selector string
	// Version is the resourceVersion of the object the scale belongs to.
	Version string
}

type wireScale struct {
	Metadata struct {
		ResourceVersion string `json:"resourceVersion"`
	} `json:"metadata"`
	Spec struct {
		Replicas int32 `json:"replicas"`
	} `json:"spec"`
	Status struct {
		Replicas int32  `json:"replicas"`
		Selector string `json:"selector"`
	} `json:"status"`
}

// GetScale reads the scale subresource of the named object.
func (v *ScaleView[S]) GetScale(ctx context.Context, name string) (Scale, error) {
	p, err := v.object(ctx, name, "scale")
	if err != nil {
		return Scale{}, err
	}
	var w wireScale
	if err := v.client.roundTripJSON(ctx, request{method: http.MethodGet, path: p}, &w); err != nil {
		return Scale{}, err
	}
	return Scale{Replicas: w.Spec.Replicas, StatusReplicas: w.Status.Replicas, Selector: w.Status.Selector, Version: w.Metadata.ResourceVersion}, nil
}

// Scale sets the desired replica count of the named object through its
// scale subresource (the way `kubectl scale` does, unconditionally) and
// returns the object's new snapshot. The controller then creates or removes
// replicas; wait for them with the item's Watch or watch.WaitFor. With
// opts.DryRun the server validates the change and the returned snapshot is
// the current, unchanged object.
func (v *ScaleView[S]) Scale(ctx context.Context, name string, replicas int32, opts WriteOptions) (*Item[S], error) {
	var zero *Item[S]
	if replicas < 0 {
		return zero, &Error{Op: "scale " + v.kind.Kind, Err: fmt.Errorf("negative replica count %d", replicas)}
	}
	p, err := v.object(ctx, name, "scale")
	if err != nil {
		return zero, err
	}
	body := fmt.Appendf(nil, `{"spec":{"replicas":%d}}`, replicas)
	r := request{method: http.MethodPatch, path: p, query: opts.query(), body: body, contentType: string(MergePatch)}
	if err := v.client.roundTripJSON(ctx, r, nil); err != nil {
		return zero, err
	}
	return v.Get(ctx, name)
}
