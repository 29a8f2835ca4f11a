package kinds

import (
	"errors"
	"fmt"
	"slices"

	"github.com/kube-for-go/kube/watch"
)

// Conditions for watch.WaitFor on the built-in kinds. Each holds only for
// an existing object; combine them with watch.And, watch.Or, watch.Not
// and the failure conditions below:
//
//	pods := cluster.Pods.In("default")
//	pod, err := watch.WaitFor(ctx, pods.ObjectSource("web"),
//		watch.Or(kinds.PodIsReady(), kinds.PodFailure()))

// ErrPodFailed is matched (errors.Is) by the error of PodFailure.
var ErrPodFailed = errors.New("kube: pod failed")

// ErrRolloutStalled is matched (errors.Is) by the error of
// DeploymentStalled.
var ErrRolloutStalled = errors.New("kube: deployment rollout stalled")

// PodInPhase holds when the pod's phase is one of phases.
func PodInPhase(phases ...PodPhase) watch.Condition[*Pod] {
	return watch.Match(func(p *Pod) bool {
		ph, err := p.Status().Phase()
		return err == nil && slices.Contains(phases, ph)
	})
}

// PodIsRunning holds when the pod's phase is Running (kubectl wait
// --for=jsonpath='{.status.phase}'=Running).
func PodIsRunning() watch.Condition[*Pod] { return PodInPhase(PodRunning) }

// PodIsReady holds when the pod's Ready condition is True (kubectl wait
// --for=condition=Ready).
func PodIsReady() watch.Condition[*Pod] {
	return watch.Match(func(p *Pod) bool { return p.Status().Ready() })
}

// PodFailure is a failure condition: when the pod's phase is Failed, the
// wait ends with an error matching ErrPodFailed that gives the pod's
// reason and message (those the pod reports). It never holds otherwise.
func PodFailure() watch.Condition[*Pod] {
	return func(p *Pod, exists bool) (bool, error) {
		if !exists {
			return false, nil
		}
		st := p.Status()
		if ph, err := st.Phase(); err != nil || ph != PodFailed {
			return false, nil
		}
		detail := ""
		if reason, err := st.Reason(); err == nil {
			detail += fmt.Sprintf(": reason %q", reason)
		}
		if msg, err := st.Message(); err == nil {
			detail += ": " + msg
		}
		return false, fmt.Errorf("%w: %s%s", ErrPodFailed, p.Name(), detail)
	}
}

// DeploymentIsAvailable holds when the rollout of the deployment's
// current generation is complete (kubectl rollout status): the controller
// observed that generation and the updated and available replicas equal
// the desired count (DeploymentStatus.Available).
func DeploymentIsAvailable() watch.Condition[*Deployment] {
	return watch.Match(func(d *Deployment) bool { return d.Status().Available(d.Meta().Generation) })
}

// DeploymentStalled is a failure condition: when the deployment's
// Progressing condition is False with reason ProgressDeadlineExceeded,
// the wait ends with an error matching ErrRolloutStalled. It never holds
// otherwise.
func DeploymentStalled() watch.Condition[*Deployment] {
	return func(d *Deployment, exists bool) (bool, error) {
		if !exists {
			return false, nil
		}
		c, err := d.Status().Conditions().Get("Progressing")
		if err != nil || c.Status != ConditionFalse || c.Reason != "ProgressDeadlineExceeded" {
			return false, nil
		}
		return false, fmt.Errorf("%w: %s: %s", ErrRolloutStalled, d.Name(), c.Message)
	}
}
