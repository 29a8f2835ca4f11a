package catalog

import (
	"errors"
	"fmt"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/watch"
)

// JobStatus holds a Job's status attributes and the completions and
// parallelism of its spec. The pod counters (ActivePods, SucceededPods,
// FailedPods, ReadyPods, TerminatingPods) are omitted by the server when zero: they are
// unavailable until the job controller first reports status (a start
// time, a condition, or any counter) and read as zero when omitted after
// that.
type JobStatus struct {
	sdk.FromObject
	sdk.HasStatus
	w jobWire
}

type jobWire struct {
	Spec struct {
		Completions  *int32 `json:"completions"`
		Parallelism  *int32 `json:"parallelism"`
		BackoffLimit *int32 `json:"backoffLimit"`
		Suspend      *bool  `json:"suspend"`
	} `json:"spec"`
	Status struct {
		Active         *int32            `json:"active"`
		Succeeded      *int32            `json:"succeeded"`
		Failed         *int32            `json:"failed"`
		Ready          *int32            `json:"ready"`
		Terminating    *int32            `json:"terminating"`
		StartTime      *time.Time        `json:"startTime"`
		CompletionTime *time.Time        `json:"completionTime"`
		Conditions     []kinds.Condition `json:"conditions"`
	} `json:"status"`
}

// UnmarshalJSONFrom decodes the job in one pass.
func (s *JobStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return json.UnmarshalDecode(dec, &s.w)
}

// reported says whether the job controller has written status.
func (s JobStatus) reported() bool {
	st := &s.w.Status
	return st.StartTime != nil || len(st.Conditions) > 0 || st.Active != nil || st.Succeeded != nil ||
		st.Failed != nil || st.Ready != nil || st.Terminating != nil
}

func (s JobStatus) count(p *int32, field string) (int32, error) {
	if !s.reported() {
		return 0, unavailable("Job", "status."+field)
	}
	if p == nil {
		return 0, nil
	}
	return *p, nil
}

// ActivePods returns the number of pending and running pods.
func (s JobStatus) ActivePods() (int32, error) { return s.count(s.w.Status.Active, "active") }

// SucceededPods returns the number of pods that succeeded.
func (s JobStatus) SucceededPods() (int32, error) { return s.count(s.w.Status.Succeeded, "succeeded") }

// FailedPods returns the number of pods that failed.
func (s JobStatus) FailedPods() (int32, error) { return s.count(s.w.Status.Failed, "failed") }

// ReadyPods returns the number of active pods that are ready.
func (s JobStatus) ReadyPods() (int32, error) { return s.count(s.w.Status.Ready, "ready") }

// TerminatingPods returns the number of pods being terminated.
func (s JobStatus) TerminatingPods() (int32, error) {
	return s.count(s.w.Status.Terminating, "terminating")
}

// Completions returns spec.completions: how many pods must succeed;
// unavailable when unset (any one success completes the job).
func (s JobStatus) Completions() (int32, error) {
	return num(s.w.Spec.Completions, "Job", "spec.completions")
}

// Parallelism returns spec.parallelism, the most pods running at once
// (the server defaults it to 1).
func (s JobStatus) Parallelism() (int32, error) {
	return num(s.w.Spec.Parallelism, "Job", "spec.parallelism")
}

// Suspended reports whether spec.suspend is true.
func (s JobStatus) Suspended() bool { return s.w.Spec.Suspend != nil && *s.w.Spec.Suspend }

// StartTime returns when the job controller started the job.
func (s JobStatus) StartTime() (time.Time, error) {
	return timeAt(s.w.Status.StartTime, "Job", "status.startTime")
}

// CompletionTime returns when the job completed; unavailable until it
// completed successfully.
func (s JobStatus) CompletionTime() (time.Time, error) {
	return timeAt(s.w.Status.CompletionTime, "Job", "status.completionTime")
}

// Conditions returns the job's conditions (Complete, Failed,
// SuccessCriteriaMet, FailureTarget, Suspended), empty if none.
func (s JobStatus) Conditions() kinds.Conditions {
	return kinds.NewConditions("Job", "status.conditions", s.w.Status.Conditions)
}

// Complete reports whether the job's Complete condition is True.
func (s JobStatus) Complete() bool { return s.Conditions().IsTrue("Complete") }

// Failed reports whether the job's Failed condition is True (a
// terminal failure; FailedPods counts failed pods).
func (s JobStatus) Failed() bool { return s.Conditions().IsTrue("Failed") }

// ObjectReference names another object, e.g. a Job a CronJob started.
type ObjectReference struct {
	Kind       string `json:"kind"`
	APIVersion string `json:"apiVersion"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
	UID        string `json:"uid"`
}

// CronJobStatus holds a CronJob's status attributes.
type CronJobStatus struct {
	sdk.FromStatus
	sdk.HasStatus
	w cronJobWire
}

type cronJobWire struct {
	Active             []ObjectReference `json:"active"`
	LastScheduleTime   *time.Time        `json:"lastScheduleTime"`
	LastSuccessfulTime *time.Time        `json:"lastSuccessfulTime"`
}

// UnmarshalJSONFrom decodes the status in one pass.
func (s *CronJobStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return json.UnmarshalDecode(dec, &s.w)
}

// LastScheduleTime returns when a job was last scheduled; unavailable
// before the first.
func (s CronJobStatus) LastScheduleTime() (time.Time, error) {
	return timeAt(s.w.LastScheduleTime, "CronJob", "status.lastScheduleTime")
}

// LastSuccessfulTime returns when a job last completed successfully;
// unavailable before the first.
func (s CronJobStatus) LastSuccessfulTime() (time.Time, error) {
	return timeAt(s.w.LastSuccessfulTime, "CronJob", "status.lastSuccessfulTime")
}

// Active returns references to the jobs running now, empty if none.
func (s CronJobStatus) Active() []ObjectReference {
	return append([]ObjectReference(nil), s.w.Active...)
}

// ErrJobFailed is matched (errors.Is) by the error of JobFailure and
// JobComplete when the job failed.
var ErrJobFailed = errors.New("kube: job failed")

// JobComplete holds when the job's Complete condition is True (kubectl
// wait --for=condition=Complete). When the job's Failed condition is True
// instead, the wait ends with an error matching ErrJobFailed that gives
// the condition's reason and message: a failed job never completes.
func JobComplete() watch.Condition[*Job] {
	return watch.Or(watch.Match(func(j *Job) bool { return j.Status().Complete() }), JobFailure())
}

// JobFailure is a failure condition: when the job's Failed condition is
// True, the wait ends with an error matching ErrJobFailed, with the
// condition's reason and message. It never holds otherwise.
func JobFailure() watch.Condition[*Job] {
	return func(j *Job, exists bool) (bool, error) {
		if !exists {
			return false, nil
		}
		c, err := j.Status().Conditions().Get("Failed")
		if err != nil || !c.IsTrue() {
			return false, nil
		}
		return false, fmt.Errorf("%w: %s: reason %q: %s", ErrJobFailed, j.Name(), c.Reason, c.Message)
	}
}
