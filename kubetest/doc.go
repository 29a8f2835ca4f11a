// Package kubetest is a real Kubernetes cluster for your tests: envtest, but
// pods really run.
//
//	func TestMain(m *testing.M) { kubetest.Main(m) }
//
//	func TestScale(t *testing.T) {
//		tc := kubetest.Shared(t)                // start or reuse the cluster
//		ns := tc.Namespace(t)                   // deleted when the test ends
//		cluster := tc.Client(t)                 // a *kube.Cluster
//		_, err := cluster.Create(ctx, deployment, sdk.CreateOptions{Namespace: ns})
//		...                                     // the pods are scheduled and turn Running
//	}
//
// The cluster is etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and kwok, built from pinned Go modules (Kubernetes
// v1.34, etcd v3.6, kwok v0.7) and run as local processes on loopback:
// no container runtime, no root, no download but Go modules. kwok plays
// the kubelet of every node, so Deployments create ReplicaSets, ReplicaSets
// create pods, the scheduler binds them and they turn Running and Ready;
// controllers, garbage collection, namespace deletion and RBAC are the real
// ones. Logs, exec, attach and port-forward are served too (kwok's kubelet
// API). Containers do not run any code.
//
// # Cost
//
// The first use on a machine builds the binaries with `go build` into the
// user cache directory ($KUBE_GO_CACHE, or <user cache dir>/kube-for-go):
// it downloads the Kubernetes, etcd and kwok modules and takes about ten
// minutes on two cores, printing its progress to standard error (shown
// live by `go test` in a package directory with no arguments, or by
// `go test -v` of one package; `go test ./...` shows a passing package's
// output only with -v, once the package ends). Later runs reuse the
// binaries.
// Starting a cluster takes 10 to 30 seconds, which is why one cluster is
// shared: see below.
//
// # One cluster for every test package
//
// Shared connects to the cluster recorded in <cache>/shared/state.json
// (or the state file named by $KUBE_GO_CLUSTER), which serves every test
// package of every module on the machine and stays up across `go test`
// runs. Three ways to have it:
//
//   - Set KUBE_GO_KEEP_CLUSTER=1: the first Shared that finds no cluster
//     starts it, under a file lock so that packages tested in parallel
//     start it once, and leaves it running; later runs connect in
//     milliseconds. Stop it with
//     `go run github.com/kube-for-go/kube/internal/testutil/cmd/kubetest down`.
//   - Start it yourself with the same command's `up` (the SDK's `make
//     test` does this, and stops it after).
//   - Neither: each test process (package) whose tests call Shared starts a
//     private cluster of its own, which Main stops when its tests end; that
//     is why a package calling Shared must run its tests through Main.
//
// Building the binaries is guarded by a file lock too, so packages tested
// in parallel never build twice.
//
// # Identities
//
// Client talks through kubectl proxy as the cluster administrator,
// AdminClient over HTTPS with the admin kubeconfig (KubeconfigPath);
// UserClient authenticates with one of the harness's static tokens
// (UserAdmin, in system:masters, or UserAlice, authenticated with no
// permission at all) and ServiceAccountClient creates a service account
// allowed exactly the RBAC rules you give it.
//
// # Knobs
//
// What tests of controllers and operators need to provoke, each covered by
// an end-to-end test of this package:
//
//   - Failing containers: FailPod makes a running pod's containers
//     terminate with an exit code (its phase turns Failed); put
//     ContainerFailure.Labels and Annotations in a pod template to make
//     every pod of a workload fail once it runs (or, with Init, in its
//     init container while Pending).
//   - Nodes: Nodes lists the cluster's nodes; AddNode adds a node of your
//     own (tainted, so only your pods go there) and SetNodeReady makes a
//     node NotReady and Ready again. A private cluster starts with
//     Options.Nodes nodes.
//   - etcd compaction: CompactEtcd compacts etcd's history, so requests for
//     older resourceVersions that reach etcd fail with 410 Gone. It works
//     on the shared cluster too, but every paged list other test packages
//     have in flight at that moment fails with 410: prefer a private
//     cluster (the project's own test does).
//   - API server restart: RestartAPIServer kills and restarts
//     kube-apiserver (private clusters only).
//
// Knobs that disturb other tests (restarting the API server, making one of
// the cluster's own nodes NotReady) are refused on the shared cluster with
// an error matching ErrSharedCluster; use a private cluster (Start or
// Private) for them. A private cluster costs a start (10 to 30 seconds) and
// a few hundred MB of memory: combine the tests that need one.
//
// # Differences from a production cluster
//
// There is no container runtime: images are not pulled, commands do not
// run, probes always succeed, resource usage is not measured. Pods get IPs
// but there is no pod network, kube-proxy or DNS. Pod phases follow kwok's
// stages: a pod turns Running and Ready about as soon as it is bound, and
// pods owned by a Job complete (Succeeded).
package kubetest
