package kinds_test

import (
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/kinds"
)

// TestContainerRawAndPod checks the seed's Container.raw, Container.pod and
// ContainerState.raw: the raw JSON is the object as received (unknown
// members included), and ContainersOf links each container to its pod.
func TestContainerRawAndPod(t *testing.T) {
	pod := load[kinds.PodStatus](t, kinds.PodKind, "pod_running.json")
	var wire struct {
		Status struct {
			ContainerStatuses []map[string]any `json:"containerStatuses"`
		} `json:"status"`
	}
	require.NoError(t, json.Unmarshal(pod.Raw(), &wire))
	want := wire.Status.ContainerStatuses
	require.NotEmpty(t, want, "the fixture has container statuses")

	cs := kinds.ContainersOf(pod)
	require.Len(t, cs, len(want))
	for i, c := range cs {
		var got map[string]any
		require.NoError(t, json.Unmarshal(c.Raw(), &got), "Raw is the container's JSON")
		assert.Equal(t, want[i], got, "container %d: Raw holds every member as received", i)
		assert.Same(t, pod, c.Pod(), "ContainersOf links the pod")

		st, err := c.State()
		require.NoError(t, err)
		var gotState map[string]any
		require.NoError(t, json.Unmarshal(st.Raw(), &gotState))
		assert.Equal(t, want[i]["state"], gotState, "ContainerState.Raw is the state as received")

		raw := c.Raw()
		raw[0] = 'X'
		assert.NotEqual(t, raw, c.Raw(), "Raw returns a copy")
	}
	for _, c := range pod.Status().Containers() {
		assert.Nil(t, c.Pod(), "a container from the status alone has no pod")
	}
}
