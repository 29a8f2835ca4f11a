package prometheus_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/controller"
	ctlprom "github.com/kube-for-go/kube/controller/prometheus"
	"github.com/kube-for-go/kube/watch"
)

func TestMetrics(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m, err := ctlprom.New(reg)
	require.NoError(t, err)

	m.ReconcileDone("team-x", controller.ResultSuccess, 20*time.Millisecond)
	m.ReconcileDone("team-x", controller.ResultError, time.Second)
	m.ReconcileDone("team-x", controller.ResultRequeueAfter, time.Millisecond)
	// An hour of backoff: the retried key stays delayed during the test.
	q := controller.NewQueue[string](controller.QueueOptions{Name: "team-x", Metrics: m, Backoff: watch.Backoff{Initial: time.Hour, Max: time.Hour, Factor: 2}})
	q.Add("a")
	q.Add("b")
	k, err := q.Get(t.Context())
	require.NoError(t, err)
	q.Retry(k)
	m.LeaderStatus("ns/lease", true)

	expected := `
# HELP controller_runtime_reconcile_errors_total Total number of reconciliation errors per controller.
# TYPE controller_runtime_reconcile_errors_total counter
controller_runtime_reconcile_errors_total{controller="team-x"} 1
# HELP controller_runtime_reconcile_total Total number of reconciliations per controller and result.
# TYPE controller_runtime_reconcile_total counter
controller_runtime_reconcile_total{controller="team-x",result="error"} 1
controller_runtime_reconcile_total{controller="team-x",result="requeue_after"} 1
controller_runtime_reconcile_total{controller="team-x",result="success"} 1
# HELP leader_election_master_status Whether this process leads on the lease (1) or not (0).
# TYPE leader_election_master_status gauge
leader_election_master_status{name="ns/lease"} 1
# HELP workqueue_adds_total Total number of adds handled by the work queue.
# TYPE workqueue_adds_total counter
workqueue_adds_total{name="team-x"} 2
# HELP workqueue_depth Current depth of the work queue.
# TYPE workqueue_depth gauge
workqueue_depth{name="team-x"} 1
# HELP workqueue_retries_total Total number of retries handled by the work queue.
# TYPE workqueue_retries_total counter
workqueue_retries_total{name="team-x"} 1
`
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(expected),
		"controller_runtime_reconcile_total", "controller_runtime_reconcile_errors_total", "leader_election_master_status",
		"workqueue_adds_total", "workqueue_depth", "workqueue_retries_total"))
	assert.Equal(t, 1, testutil.CollectAndCount(reg, "controller_runtime_reconcile_time_seconds"), "one histogram per controller")
	assert.Equal(t, 1, testutil.CollectAndCount(reg, "workqueue_queue_duration_seconds"), "one histogram per queue")

	m.LeaderStatus("ns/lease", false)
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP leader_election_master_status Whether this process leads on the lease (1) or not (0).
# TYPE leader_election_master_status gauge
leader_election_master_status{name="ns/lease"} 0
`), "leader_election_master_status"))

	again, err := ctlprom.New(reg)
	require.NoError(t, err, "a second New on the same registry reuses its collectors")
	again.QueueAdd("team-x")
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP workqueue_adds_total Total number of adds handled by the work queue.
# TYPE workqueue_adds_total counter
workqueue_adds_total{name="team-x"} 3
`), "workqueue_adds_total"))

	_, err = ctlprom.New(nil)
	require.Error(t, err)
}

func ExampleNew() {
	reg := prometheus.NewRegistry()
	m, err := ctlprom.New(reg)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Pass m as controller.Options.Metrics (and LeaderElectionOptions.Metrics).
	m.ReconcileDone("team-x", controller.ResultSuccess, time.Millisecond)
	n := testutil.CollectAndCount(reg, "controller_runtime_reconcile_total")
	fmt.Println(n, "reconcile_total series")
	// Output: 1 reconcile_total series
}
