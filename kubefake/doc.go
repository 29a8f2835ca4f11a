// Package kubefake is an in-memory Kubernetes API server for tests, with
// scriptable fault injection. It serves the real HTTP API over httptest
// (or in process, without sockets), so the whole client stack (requests,
// decoding, pagination, watch loops, retries) runs as against a cluster:
//
//	func TestReconcile(t *testing.T) {
//		srv := kubefake.MustNew(t, kubefake.Options{Objects: []any{manifestsYAML}})
//		cluster := srv.Client() // a *kube.Cluster wired to the server
//		srv.Fail(kubefake.Match{Verb: "list", Resource: "pods"}, 2, 503, time.Second)
//		// ... the code under test lists pods, sees two 503s, retries ...
//	}
//
// # What it serves
//
// Objects of any kind: the common built-in kinds (DefaultResources: core,
// apps, batch, rbac, coordination, events, policy, networking,
// apiextensions) with their scope, subresources, field selectors and list
// merge keys; Register adds custom kinds, and creating a
// CustomResourceDefinition through the API registers its served versions
// (with its status and scale subresources and selectableFields).
//
//   - Discovery: /api, /apis (legacy and aggregated apidiscovery.k8s.io/v2),
//     /api/v1, /apis/<group>/<version>, /version, /healthz, /livez, /readyz.
//   - get, list with limit/continue over a consistent snapshot, one global
//     resourceVersion counter, label selectors (package selector) and the
//     field selectors each resource supports (others answer 400 like the
//     real server).
//   - create (AlreadyExists, generateName, uid, creationTimestamp,
//     generation), update with resourceVersion conflicts, generation bumped
//     only by spec changes, no-op writes that keep the resourceVersion,
//     status and scale subresources, dryRun=All.
//   - JSON merge patch, JSON patch, strategic merge patch for built-in kinds
//     (merge keys, $patch: delete/replace, $deleteFromPrimitiveList; custom
//     kinds answer 415 like the real server), server-side apply with
//     managedFields (fieldsV1), field ownership, conflicts (409 with
//     FieldManagerConflict causes) and force.
//   - delete with preconditions, finalizers and deletionTimestamp, and the
//     propagation policies Background, Foreground (foregroundDeletion) and
//     Orphan (orphan), whose garbage collection happens at once;
//     deletecollection.
//   - watch with resume from a resourceVersion, label and field selectors
//     (objects entering or leaving the selection are ADDED or DELETED),
//     bookmarks (allowWatchBookmarks: on Server.Bookmark and every
//     Options.BookmarkInterval), sendInitialEvents with the
//     k8s.io/initial-events-end bookmark, timeoutSeconds, and an ERROR
//     event with 410 Expired for a resourceVersion older than the retained
//     history (Options.History, Server.Compact).
//   - Errors are metav1.Status objects with the real codes and reasons.
//
// It answers thousands of requests per second (BenchmarkServerGet, List,
// Watch).
//
// # Faults
//
// Faults are scripted per test and consumed in order, so runs are
// deterministic: Fail (a status, optionally with Retry-After), Delay,
// StallHeaders and StallBody (which end when the request's context ends
// or the server closes, never hanging a test run), CutWatch,
// TruncateWatch and ExpireWatch for the next watches, DropWatches and
// ExpireWatches for the open ones, and Compact. Requests logs what the
// server received and which fault each got.
//
// # testing/synctest
//
// The httptest server does real network I/O, which is not durably
// blocking in a synctest bubble: fake time would not advance while a
// client waits on it. Inside a bubble create the server with
// Options{InProcess: true} and reach it through Server.RoundTripper (or
// Server.Client, which uses it): requests then run in goroutines of the
// bubble, Delay takes fake time and stalls end with the caller's context.
//
// # Fidelity
//
// Fidelity is measured: the differential suite (TestE2EDifferential in
// differential_e2e_test.go) runs 34 scenarios against kubefake and the
// shared real test cluster (Kubernetes v1.34) and compares what a client
// observes: status codes and reasons, list contents under label and field
// selectors, pagination, generation bumps, subresources, the three patch
// types, managedFields of server-side apply (managers, operations and
// field sets) and its conflicts, finalizers, deletion and propagation
// policies, watch event sequences (types and names) with resume,
// selectors, sendInitialEvents and 410 Gone, and discovery. All 34 agree.
//
// Known differences (not covered by the suite, or normalized in it):
//
//   - No defaulting and almost no validation: the real server fills in
//     defaults (imagePullPolicy, terminationMessagePath, protocol: TCP,
//     ...) and validates every field; kubefake checks names, kinds,
//     namespaces and resourceVersions only. Unknown fields are kept.
//   - No controllers, scheduler or kubelet: a Deployment gets no
//     ReplicaSet, pods are never scheduled or run, status changes only when
//     written, and a deleted namespace disappears at once with its
//     contents left in place (the real one is Terminating until emptied).
//     Pods are deleted at once, without a grace period.
//   - Garbage collection runs inside the delete request; the real
//     collector is asynchronous (the suite waits for it on the real side).
//   - Server-side apply knows the list merge keys of the built-in kinds by
//     field name (containers, env, volumes, ports, conditions, ...) and
//     keys a container's ports by containerPort alone (the real key is
//     containerPort and protocol); label selectors are atomic. Custom
//     kinds' lists are atomic (as without x-kubernetes-list-type).
//     Managed fields of updates are computed from the change, which
//     matches the real server for the common cases. Apply to the scale
//     subresource is not supported.
//   - Strategic merge patch ignores $retainKeys and $setElementOrder.
//   - Watches send bookmarks only when asked (Server.Bookmark,
//     Options.BookmarkInterval); the real server sends them about once a
//     minute. resourceVersion "0" and "" both mean the newest state; list
//     resourceVersionMatch=NotOlderThan returns the newest state.
//   - The real side of the 410 scenario cannot force a compaction on the
//     shared cluster; it watches from resourceVersion 2, which its watch
//     cache no longer holds, and gets the same ERROR 410 Expired.
//   - No authentication, authorization, admission, protobuf or Table
//     output; every request is served as the cluster admin, in JSON.
//   - Apply conflict messages for Update managers say "using <version>"
//     without the time the real server adds.
package kubefake
