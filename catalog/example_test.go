package catalog_test

import (
	"fmt"

	"github.com/kube-for-go/kube/catalog"
	"github.com/kube-for-go/kube/sdk"
)

// Reading a catalogue kind offline: decode an object (from a file, or the
// Proxy) and read its typed status. With a cluster, views of the kind
// (sdk.NewStatusView(client, catalog.JobKind)) return the same items, and
// watch.WaitFor(ctx, view.In(ns).ObjectSource("pi"), catalog.JobComplete())
// waits for the job to complete, failing with ErrJobFailed if it fails.
func Example() {
	raw := []byte(`{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"pi","namespace":"default"},
		"spec":{"completions":3},
		"status":{"startTime":"2026-01-02T03:04:05Z","active":1,"succeeded":2,"ready":1}}`)
	job, err := sdk.DecodeItem(nil, catalog.JobKind, raw)
	if err != nil {
		fmt.Println(err)
		return
	}
	st := job.Status()
	done, _ := st.SucceededPods()
	want, _ := st.Completions()
	fmt.Printf("%s: %d/%d complete=%v\n", job.Name(), done, want, st.Complete())
	_, err = st.CompletionTime()
	fmt.Println(err)
	// Output:
	// pi: 2/3 complete=false
	// kube: Job: status.completionTime is not available
}

// Kinds lists the catalogue; Verbs says what the server serves for each,
// e.g. create only for the virtual review kinds.
func ExampleVerbs() {
	fmt.Println(catalog.TokenReviewKind, catalog.Verbs(catalog.TokenReviewKind))
	fmt.Println(catalog.HorizontalPodAutoscalerKind.APIPaths)
	// Output:
	// TokenReview.authentication.k8s.io [create]
	// [apis/autoscaling/v2]
}
