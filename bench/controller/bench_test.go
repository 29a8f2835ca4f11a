// Package controller_test compares the controller toolkit of package
// github.com/kube-for-go/kube/controller with controller-runtime, on the
// same fixture (bench/fixture: realistic pods served as the apiserver
// serves them, in JSON or protobuf by the Accept header) from a server in a
// child process, so that its allocations do not count:
//
//   - BenchmarkReconcile: a no-op reconciler over every pod of the list,
//     4 workers each: time until every pod was reconciled once, from the
//     start of the controller (list included);
//   - BenchmarkCache: peak and retained heap of the cache of the pods
//     (this toolkit's watch.Store, controller-runtime's informer cache),
//     by default and dropping the pods' spec (and managedFields) from the
//     cache: watch.StoreOptions.DropFields, controller-runtime's
//     cache.Options.DefaultTransform. 10k pods, and 100k with
//     BENCH_CACHE_100K set.
//
// cmd/report runs them and writes RESULTS.md.
package controller_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	ctrl "sigs.k8s.io/controller-runtime"
	crcache "sigs.k8s.io/controller-runtime/pkg/cache"
	crcontroller "sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/bench/fixture"
	"github.com/kube-for-go/kube/controller"
	"github.com/kube-for-go/kube/watch"
)

const workers = 4

func TestMain(m *testing.M) {
	if n := os.Getenv("BENCH_CONTROLLER_FIXTURE"); n != "" {
		serveFixture(n)
		return
	}
	ctrl.SetLogger(logr.Discard())
	os.Exit(m.Run())
}

// serveFixture serves n pods on a loopback port, prints its URL, and
// serves until stdin closes (the parent ended).
func serveFixture(n string) {
	pods, err := strconv.Atoi(n)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	// Every page encoded before serving, in both encodings, so that the
	// server's encoding cost (protobuf is cheaper to produce than JSON)
	// does not weigh on either client: answers are memory copies.
	f := &fixture.Server{N: pods, Cache: true}
	f.Warm(500) // both clients ask for pages of 500
	srv := &http.Server{Handler: handler(f), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	fmt.Printf("http://%s\n", l.Addr())
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // EOF when the parent goes
	os.Exit(0)
}

// handler adds to the fixture what a controller needs of an apiserver:
// discovery of /api/v1, a refusal of streaming lists (the feature is off,
// both libraries then list), and watches that stay open without events
// until the client ends them (at most 10 minutes).
func handler(f *fixture.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch {
		case r.URL.Path == "/api/v1":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"kind":"APIResourceList","groupVersion":"v1","resources":[{"name":"pods","singularName":"pod","namespaced":true,"kind":"Pod","verbs":["get","list","watch"]}]}`)
		case r.URL.Path == "/api":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"kind":"APIVersions","versions":["v1"]}`)
		case r.URL.Path == "/apis":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"kind":"APIGroupList","apiVersion":"v1","groups":[]}`)
		case q.Get("watch") == "true" && q.Get("sendInitialEvents") != "":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"BadRequest","message":"sendInitialEvents is not supported","code":400}`)
		case q.Get("watch") == "true" || q.Get("watch") == "1":
			if strings.Contains(r.Header.Get("Accept"), "protobuf") {
				w.Header().Set("Content-Type", fixture.MediaProtoWatch)
			} else {
				w.Header().Set("Content-Type", fixture.MediaJSON)
			}
			w.WriteHeader(http.StatusOK)
			http.NewResponseController(w).Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Minute):
			}
		default:
			f.ServeHTTP(w, r)
		}
	})
}

// startFixture starts the fixture server process for n pods and returns
// its URL.
func startFixture(b testing.TB, n int) string {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "BENCH_CONTROLLER_FIXTURE="+strconv.Itoa(n))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		b.Fatalf("fixture server: %v", err)
	}
	return strings.TrimSpace(line)
}

func podMapper(*rest.Config, *http.Client) (meta.RESTMapper, error) {
	m := meta.NewDefaultRESTMapper(nil)
	m.Add(corev1.SchemeGroupVersion.WithKind("Pod"), meta.RESTScopeNamespace)
	return m, nil
}

// runKube reconciles every pod once with this toolkit and returns how
// long it took.
func runKube(b *testing.B, url string, n int) time.Duration {
	cluster, err := kube.New(kube.Options{URL: url})
	if err != nil {
		b.Fatal(err)
	}
	defer cluster.Close()
	var count atomic.Int64
	all := make(chan struct{})
	c, err := controller.New(cluster.Pods.View, controller.ReconcilerFunc(func(context.Context, controller.Request) (controller.Result, error) {
		if count.Add(1) == int64(n) {
			close(all)
		}
		return controller.Result{}, nil
	}), controller.Options{Workers: workers})
	if err != nil {
		b.Fatal(err)
	}
	return timeRun(b, func(ctx context.Context) error { return c.Run(ctx) }, all)
}

// runControllerRuntime does the same with controller-runtime.
func runControllerRuntime(b *testing.B, url string, n int) time.Duration {
	mgr, err := manager.New(&rest.Config{Host: url}, manager.Options{
		Scheme:                 scheme.Scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		MapperProvider:         podMapper,
		Logger:                 logr.Discard(),
	})
	if err != nil {
		b.Fatal(err)
	}
	var count atomic.Int64
	all := make(chan struct{})
	skip := true
	err = ctrl.NewControllerManagedBy(mgr).For(&corev1.Pod{}).
		WithOptions(crcontroller.Options{MaxConcurrentReconciles: workers, SkipNameValidation: &skip}).
		Complete(reconcile.Func(func(context.Context, reconcile.Request) (reconcile.Result, error) {
			if count.Add(1) == int64(n) {
				close(all)
			}
			return reconcile.Result{}, nil
		}))
	if err != nil {
		b.Fatal(err)
	}
	return timeRun(b, mgr.Start, all)
}

// timeRun runs run until all is closed (at most 5 minutes), stops it, and
// returns how long until all closed.
func timeRun(b *testing.B, run func(ctx context.Context) error, all chan struct{}) time.Duration {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	start := time.Now()
	wg.Go(func() { _ = run(ctx) })
	defer func() { cancel(); wg.Wait() }()
	select {
	case <-all:
		return time.Since(start)
	case <-time.After(5 * time.Minute):
		b.Fatal("not every object was reconciled within 5 minutes")
		return 0
	}
}

func BenchmarkReconcile(b *testing.B) {
	n := envInt("BENCH_RECONCILE_PODS", 10000)
	url := startFixture(b, n)
	for _, impl := range []struct {
		name string
		run  func(*testing.B, string, int) time.Duration
	}{{"kube", runKube}, {"controller-runtime", runControllerRuntime}} {
		b.Run(fmt.Sprintf("%s/pods=%d", impl.name, n), func(b *testing.B) {
			var total time.Duration
			for b.Loop() {
				total += impl.run(b, url, n)
			}
			b.ReportMetric(float64(n)*float64(b.N)/total.Seconds(), "reconciles/s")
			b.ReportMetric(0, "ns/op")
		})
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// heapSampler tracks the highest heap in use (bytes of heap objects,
// sampled every millisecond) until stopped.
type heapSampler struct {
	stop chan struct{}
	done chan uint64
}

func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func sampleHeap() *heapSampler {
	h := &heapSampler{stop: make(chan struct{}), done: make(chan uint64, 1)}
	go func() {
		peak := heapObjects()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-h.stop:
				h.done <- max(peak, heapObjects())
				return
			case <-t.C:
				peak = max(peak, heapObjects())
			}
		}
	}()
	return h
}

func (h *heapSampler) peak() uint64 { close(h.stop); return <-h.done }

// cacheKube fills this toolkit's Store with every pod and returns it
// (kept alive by the caller) and a stop function.
func cacheKube(b testing.TB, url string, n int) (any, func()) {
	return fillKube(b, url, n, watch.StoreOptions{})
}

// cacheKubeDropSpec is cacheKube with the pods' spec dropped from the
// cache (managedFields is dropped by default).
func cacheKubeDropSpec(b testing.TB, url string, n int) (any, func()) {
	return fillKube(b, url, n, watch.StoreOptions{DropFields: []string{"spec"}})
}

func fillKube(b testing.TB, url string, n int, opts watch.StoreOptions) (any, func()) {
	cluster, err := kube.New(kube.Options{URL: url})
	if err != nil {
		b.Fatal(err)
	}
	store := watch.NewStore(cluster.Pods.View.Source(), opts)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = store.Run(ctx) })
	wctx, wcancel := context.WithTimeout(ctx, 5*time.Minute)
	defer wcancel()
	if err := store.WaitForSync(wctx); err != nil {
		b.Fatal(err)
	}
	if store.Len() != n {
		b.Fatalf("store has %d pods, want %d", store.Len(), n)
	}
	return store, func() { cancel(); wg.Wait(); cluster.Close() }
}

// cacheControllerRuntime fills controller-runtime's informer cache.
func cacheControllerRuntime(b testing.TB, url string, n int) (any, func()) {
	return fillControllerRuntime(b, url, n, nil)
}

// cacheControllerRuntimeDropSpec is cacheControllerRuntime with a
// DefaultTransform that drops the pods' spec and managedFields from the
// cache, as controller-runtime's users do.
func cacheControllerRuntimeDropSpec(b testing.TB, url string, n int) (any, func()) {
	return fillControllerRuntime(b, url, n, func(obj any) (any, error) {
		if p, ok := obj.(*corev1.Pod); ok {
			p.Spec = corev1.PodSpec{}
			p.ManagedFields = nil
		}
		return obj, nil
	})
}

func fillControllerRuntime(b testing.TB, url string, n int, transform toolscache.TransformFunc) (any, func()) {
	cfg := &rest.Config{Host: url}
	mapper, _ := podMapper(cfg, nil)
	c, err := crcache.New(cfg, crcache.Options{Scheme: scheme.Scheme, Mapper: mapper, DefaultTransform: transform})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := c.GetInformer(ctx, &corev1.Pod{}); err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { _ = c.Start(ctx) })
	wctx, wcancel := context.WithTimeout(ctx, 5*time.Minute)
	defer wcancel()
	if !c.WaitForCacheSync(wctx) {
		b.Fatal("controller-runtime cache did not sync")
	}
	var pods corev1.PodList
	if err := c.List(ctx, &pods); err != nil || len(pods.Items) != n {
		b.Fatalf("cache has %d pods (%v), want %d", len(pods.Items), err, n)
	}
	pods = corev1.PodList{}
	return c, func() { cancel(); wg.Wait() }
}

func BenchmarkCache(b *testing.B) {
	sizes := []int{10000}
	if os.Getenv("BENCH_CACHE_100K") != "" {
		sizes = append(sizes, 100000)
	}
	for _, n := range sizes {
		url := startFixture(b, n)
		for _, impl := range []struct {
			name string
			fill func(testing.TB, string, int) (any, func())
		}{
			{"kube", cacheKube}, {"controller-runtime", cacheControllerRuntime},
			{"kube-dropspec", cacheKubeDropSpec}, {"controller-runtime-dropspec", cacheControllerRuntimeDropSpec},
		} {
			b.Run(fmt.Sprintf("%s/pods=%d", impl.name, n), func(b *testing.B) {
				var peak, live uint64
				var synced time.Duration
				for b.Loop() {
					runtime.GC()
					base := heapObjects()
					h := sampleHeap()
					start := time.Now()
					cache, stop := impl.fill(b, url, n)
					synced = max(synced, time.Since(start))
					p := h.peak()
					runtime.GC()
					l := heapObjects()
					runtime.KeepAlive(cache)
					stop()
					peak = max(peak, p-min(p, base))
					live = max(live, l-min(l, base))
				}
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
				b.ReportMetric(float64(live)/(1<<20), "retained-heap-MB")
				b.ReportMetric(synced.Seconds(), "sync-s")
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}
