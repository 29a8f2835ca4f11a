package kubetest_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/kube-for-go/kube/kubetest"
)

// A pod template that makes every pod of a workload fail: the labels and
// annotations go into the template's metadata, and kwok terminates the
// container "app" with exit code 137 about a second after each pod runs.
func ExampleContainerFailure_Metadata() {
	labels, annotations, err := kubetest.ContainerFailure{Container: "app", ExitCode: 137, Reason: "OOMKilled"}.Metadata()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range []map[string]string{labels, annotations} {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			fmt.Printf("%s: %s\n", k, m[k])
		}
	}
	// Output:
	// pod-container-running-failed.stage.kwok.x-k8s.io: true
	// pod-container-running-failed.stage.kwok.x-k8s.io/container-name: app
	// pod-container-running-failed.stage.kwok.x-k8s.io/exit-code: 137
	// pod-container-running-failed.stage.kwok.x-k8s.io/reason: OOMKilled
}

// Start runs a private cluster outside of a test, e.g. for a demo or a
// benchmark program (it does not run here: a start takes 10 to 30 seconds,
// and the first one on a machine builds the binaries for ten minutes).
func ExampleStart() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	tc, err := kubetest.Start(ctx, kubetest.Options{Nodes: 3, Log: os.Stderr})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tc.Stop()
	fmt.Println("kubectl --kubeconfig", tc.KubeconfigPath(), "get nodes")
	if err := tc.RestartAPIServer(ctx); err != nil { // allowed: the cluster is private
		fmt.Println(err)
	}
	// Lists at resourceVersions older than rev now fail with sdk.ErrGone.
	rev, err := tc.CompactEtcd(ctx)
	fmt.Println(rev, err)
	fmt.Println("nodes:", strings.Join(tc.Nodes(), ", "))
}
