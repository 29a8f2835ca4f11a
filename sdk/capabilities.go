package sdk

import "github.com/kube-for-go/kube/selector"

// StatusView is the view of a kind that serves the status subresource: a
// View plus GetStatus, UpdateStatus and PatchStatus. Its narrowing methods
// return a StatusView, so the subresource methods stay in reach:
//
//	nodes := sdk.NewStatusView(client, kinds.NodeKind)
//	node, err := nodes.PatchStatus(ctx, "n1", sdk.MergePatch, patch, sdk.PatchOptions{})
type StatusView[S WithStatus] struct{ *View[S] }

// NewStatusView returns the global view of kind k, whose status type
// declares the status subresource (HasStatus).
func NewStatusView[S WithStatus](c *Client, k *Kind[S]) *StatusView[S] {
	return &StatusView[S]{NewView(c, k)}
}

// In returns the view bound to namespace ns (see View.In).
func (v *StatusView[S]) In(ns string) *StatusView[S] { return &StatusView[S]{v.View.In(ns)} }

// Filter returns the view restricted by selectors (see View.Filter).
func (v *StatusView[S]) Filter(labels selector.LabelFilter, fields selector.FieldFilter) *StatusView[S] {
	return &StatusView[S]{v.View.Filter(labels, fields)}
}

// PageSize returns the view reading lists n objects per request (see View.PageSize).
func (v *StatusView[S]) PageSize(n int) *StatusView[S] { return &StatusView[S]{v.View.PageSize(n)} }

// ScaleView is the view of a kind that serves the status and scale
// subresources (Deployments, ReplicaSets, ReplicationControllers,
// StatefulSets, custom kinds that enable them): a StatusView plus GetScale
// and Scale.
type ScaleView[S WithScale] struct{ *StatusView[S] }

// NewScaleView returns the global view of kind k, whose status type
// declares the status and scale subresources (HasStatus, HasScale).
func NewScaleView[S WithScale](c *Client, k *Kind[S]) *ScaleView[S] {
	return &ScaleView[S]{NewStatusView(c, k)}
}

// In returns the view bound to namespace ns (see View.In).
func (v *ScaleView[S]) In(ns string) *ScaleView[S] { return &ScaleView[S]{v.StatusView.In(ns)} }

// Filter returns the view restricted by selectors (see View.Filter).
func (v *ScaleView[S]) Filter(labels selector.LabelFilter, fields selector.FieldFilter) *ScaleView[S] {
	return &ScaleView[S]{v.StatusView.Filter(labels, fields)}
}

// PageSize returns the view reading lists n objects per request (see View.PageSize).
func (v *ScaleView[S]) PageSize(n int) *ScaleView[S] { return &ScaleView[S]{v.StatusView.PageSize(n)} }

// PodView is the view of pods: a StatusView plus the pod-only subresources
// (Logs, LogRecords, Evict).
type PodView[S WithPod] struct{ *StatusView[S] }

// NewPodView returns the global view of pods; k is the pod kind
// (kinds.PodKind), whose status type declares the pod subresources.
func NewPodView[S WithPod](c *Client, k *Kind[S]) *PodView[S] {
	return &PodView[S]{NewStatusView(c, k)}
}

// In returns the view bound to namespace ns (see View.In).
func (v *PodView[S]) In(ns string) *PodView[S] { return &PodView[S]{v.StatusView.In(ns)} }

// Filter returns the view restricted by selectors (see View.Filter).
func (v *PodView[S]) Filter(labels selector.LabelFilter, fields selector.FieldFilter) *PodView[S] {
	return &PodView[S]{v.StatusView.Filter(labels, fields)}
}

// PageSize returns the view reading lists n objects per request (see View.PageSize).
func (v *PodView[S]) PageSize(n int) *PodView[S] { return &PodView[S]{v.StatusView.PageSize(n)} }
