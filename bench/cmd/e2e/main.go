// Command e2e times listing every pod of a real cluster (workload 5): it
// starts a private test cluster (internal/testutil: etcd, kube-apiserver,
// controller-manager, scheduler, kwok) with enough kwok nodes, creates the
// pods directly (bound to nodes, so that the scheduler is not the
// bottleneck), waits until kwok reports them all Running with an IP, checks
// that the SDK, client-go (JSON and protobuf) and kubectl read the same
// values for every pod, and then times each of them listing all pods
// through the apiserver with the admin kubeconfig (500 per page for all:
// the SDK's default, the same limit for client-go, kubectl's default
// --chunk-size). It prints one JSON object and stops the cluster.
//
// The apiserver gzips list answers over 128 KiB when the request accepts
// gzip, which Go's transport (and so the SDK and client-go) asks for by
// default; each reader is also timed with compression turned off
// (sdk.Options / transport.Config / rest.Config DisableCompression), and
// every timing records how many answers actually came compressed.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/bench/fixture"
	"github.com/kube-for-go/kube/bench/reads"
	"github.com/kube-for-go/kube/internal/testutil"
	"github.com/kube-for-go/kube/transport"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

const namespace = "bench-e2e"

// Timing is the list times of one reader.
type Timing struct {
	Name    string    `json:"name"`
	Seconds []float64 `json:"seconds"`
	Median  float64   `json:"median"`
	Min     float64   `json:"min"`
	// Responses and Gzipped count the reader's HTTP answers during the
	// timed runs and those that came gzip-compressed (-1: not observed,
	// kubectl).
	Responses int `json:"responses"`
	Gzipped   int `json:"gzipped"`
}

// gzipCounter wraps a round tripper and counts the answers, and those the
// server compressed (net/http inflated them: Response.Uncompressed).
type gzipCounter struct {
	next               http.RoundTripper
	responses, gzipped atomic.Int64
}

func (g *gzipCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := g.next.RoundTrip(req)
	if err == nil {
		g.responses.Add(1)
		if resp.Uncompressed {
			g.gzipped.Add(1)
		}
	}
	return resp, err
}

func (g *gzipCounter) reset() { g.responses.Store(0); g.gzipped.Store(0) }

// Result is what e2e prints.
type Result struct {
	Pods          int      `json:"pods"`
	Nodes         int      `json:"nodes"`
	PageSize      int      `json:"pageSize"`
	Runs          int      `json:"runs"`
	StartupSecs   float64  `json:"clusterStartupSeconds"`
	CreateSecs    float64  `json:"createSeconds"`
	ReadySecs     float64  `json:"readySeconds"`
	ListBytesJSON int      `json:"listBytesJSON"`
	Timings       []Timing `json:"timings"`
	KubectlCmd    string   `json:"kubectlCommand"`
}

func main() {
	nPods := flag.Int("pods", 2000, "pods to create")
	nodes := flag.Int("nodes", 0, "kwok nodes (0: enough for 100 pods per node)")
	runs := flag.Int("runs", 5, "timed runs per reader")
	flag.Parse()
	if *nodes == 0 {
		*nodes = (*nPods + 99) / 100
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := run(ctx, *nPods, *nodes, *runs)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	json.NewEncoder(os.Stdout).Encode(res)
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "e2e: "+format+"\n", args...)
}

func run(ctx context.Context, nPods, nodes, runs int) (*Result, error) {
	res := &Result{Pods: nPods, Nodes: nodes, PageSize: 500, Runs: runs}
	logf("starting a private cluster with %d kwok nodes", nodes)
	sctx, cancel := context.WithTimeout(ctx, 20*time.Minute)
	defer cancel()
	c, err := testutil.Start(sctx, testutil.StartOptions{Nodes: nodes, Log: os.Stderr})
	if err != nil {
		return nil, err
	}
	defer c.Stop()
	res.StartupSecs = c.StartupTime.Seconds()

	admin, err := c.AdminClient()
	if err != nil {
		return nil, err
	}
	begin := time.Now()
	if err := post(ctx, admin, c.ServerURL+"/api/v1/namespaces", &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: namespace}}); err != nil {
		return nil, err
	}
	if err := waitFor(ctx, 60*time.Second, func() (bool, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.ServerURL+"/api/v1/namespaces/"+namespace+"/serviceaccounts/default", nil)
		resp, err := admin.Do(req)
		if err != nil {
			return false, err
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	}); err != nil {
		return nil, fmt.Errorf("default service account: %w", err)
	}
	logf("creating %d pods", nPods)
	if err := createPods(ctx, admin, c.ServerURL, nPods, c.Nodes); err != nil {
		return nil, err
	}
	res.CreateSecs = time.Since(begin).Seconds()

	// The readers, all straight to the apiserver with the admin kubeconfig.
	tcfg, err := transport.LoadKubeconfig(transport.KubeconfigOptions{Paths: []string{c.KubeconfigPath}})
	if err != nil {
		return nil, err
	}
	rcfg, err := clientcmd.BuildConfigFromFlags("", c.KubeconfigPath)
	if err != nil {
		return nil, err
	}
	type variant struct {
		suffix   string
		sdk      *kube.Cluster
		cgJSON   *kubernetes.Clientset
		cgProto  *kubernetes.Clientset
		counters [3]*gzipCounter
	}
	var variants []*variant
	for _, disable := range []bool{false, true} {
		v := &variant{}
		if disable {
			v.suffix = "-nogzip"
		}
		for i := range v.counters {
			v.counters[i] = &gzipCounter{}
		}
		tc := *tcfg
		tc.DisableCompression = disable
		rt, err := tc.RoundTripper()
		if err != nil {
			return nil, err
		}
		v.counters[0].next = rt
		if v.sdk, err = kube.New(kube.Options{URL: tc.Server, Transport: v.counters[0], PageSize: 500}); err != nil {
			return nil, err
		}
		for i, proto := range []bool{false, true} {
			rc := rest.CopyConfig(rcfg)
			rc.DisableCompression = disable // honoured: a TLS config gets its own transport
			cnt := v.counters[i+1]
			rc.Wrap(func(rt http.RoundTripper) http.RoundTripper { cnt.next = rt; return cnt })
			cs, err := reads.NewClientGoConfig(rc, proto)
			if err != nil {
				return nil, err
			}
			if proto {
				v.cgProto = cs
			} else {
				v.cgJSON = cs
			}
		}
		variants = append(variants, v)
	}
	cgProto := variants[0].cgProto
	kubectlArgs := []string{"--kubeconfig=" + c.KubeconfigPath, "get", "pods", "--all-namespaces", "-o", "json", "--chunk-size=500"}
	res.KubectlCmd = "kubectl get pods --all-namespaces -o json --chunk-size=500"
	kubectl := func(ctx context.Context, visit reads.Visitor) error {
		var out bytes.Buffer
		cmd := exec.CommandContext(ctx, c.Binaries.Kubectl, kubectlArgs...)
		cmd.Stdout = &out
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return err
		}
		res.ListBytesJSON = out.Len()
		if visit == nil {
			return nil
		}
		var list corev1.PodList
		if err := json.Unmarshal(out.Bytes(), &list); err != nil {
			return err
		}
		for i := range list.Items {
			visit(reads.FromGo("", &list.Items[i]))
		}
		return nil
	}
	type reader struct {
		name string
		cnt  *gzipCounter // nil: not observed
		run  func(context.Context, reads.Visitor) error
	}
	var readers []reader
	for _, v := range variants {
		readers = append(readers,
			reader{"sdk" + v.suffix, v.counters[0], func(ctx context.Context, vis reads.Visitor) error { return reads.SDKList(ctx, v.sdk, vis) }},
			reader{"client-go-json" + v.suffix, v.counters[1], func(ctx context.Context, vis reads.Visitor) error {
				return reads.ClientGoList(ctx, v.cgJSON, 500, vis)
			}},
			reader{"client-go-protobuf" + v.suffix, v.counters[2], func(ctx context.Context, vis reads.Visitor) error {
				return reads.ClientGoList(ctx, v.cgProto, 500, vis)
			}},
		)
	}
	readers = append(readers, reader{"kubectl", nil, kubectl})

	logf("waiting until kwok reports every pod Running with an IP")
	if err := waitFor(ctx, 10*time.Minute, func() (bool, error) { return allRunning(ctx, cgProto, nPods) }); err != nil {
		return nil, fmt.Errorf("pods not running: %w", err)
	}
	res.ReadySecs = time.Since(begin).Seconds()

	// The guard: every reader reads the same values for every pod. kwok
	// may still be writing a status; retry a few times until stable.
	var guardErr error
	for attempt := 0; attempt < 5; attempt++ {
		guardErr = nil
		var ref []reads.Record
		for _, r := range readers {
			var col reads.Collector
			if err := r.run(ctx, col.Visit); err != nil {
				return nil, fmt.Errorf("%s: %w", r.name, err)
			}
			if len(col.Records) != nPods {
				guardErr = fmt.Errorf("CORRECTNESS GUARD FAILED: %s read %d pods, want %d", r.name, len(col.Records), nPods)
				break
			}
			if ref == nil {
				ref = col.Records
				continue
			}
			if err := reads.Compare(r.name+" vs sdk", col.Records, ref); err != nil {
				guardErr = err
				break
			}
		}
		if guardErr == nil {
			break
		}
		logf("guard attempt %d: %v", attempt+1, guardErr)
		time.Sleep(3 * time.Second)
	}
	if guardErr != nil {
		return nil, guardErr
	}

	for _, r := range readers {
		if r.cnt != nil {
			r.cnt.reset()
		}
	}
	logf("timing %d runs of each reader", runs)
	times := make([][]float64, len(readers))
	for i := 0; i < runs; i++ {
		for k := range readers {
			r := readers[(i+k)%len(readers)] // rotate the order
			idx := (i + k) % len(readers)
			var n atomic.Int64
			count := func(*reads.Pod) { n.Add(1) }
			if r.name == "kubectl" {
				// Time the command only, not our parsing of its output
				// (checked by the guard above).
				count = nil
				n.Store(int64(nPods))
			}
			start := time.Now()
			err := r.run(ctx, count)
			d := time.Since(start).Seconds()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", r.name, err)
			}
			if int(n.Load()) != nPods {
				return nil, fmt.Errorf("%s read %d pods, want %d", r.name, n.Load(), nPods)
			}
			times[idx] = append(times[idx], d)
		}
	}
	for k, r := range readers {
		t := Timing{Name: r.name, Seconds: times[k], Responses: -1, Gzipped: -1}
		if r.cnt != nil {
			t.Responses, t.Gzipped = int(r.cnt.responses.Load()), int(r.cnt.gzipped.Load())
		}
		s := slices.Sorted(slices.Values(times[k]))
		t.Min, t.Median = s[0], s[len(s)/2]
		res.Timings = append(res.Timings, t)
	}
	return res, nil
}

func post(ctx context.Context, cl *http.Client, url string, obj any) error {
	body, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := cl.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return fmt.Errorf("POST %s: HTTP %d: %s", url, resp.StatusCode, b.String())
	}
	return nil
}

// createPods creates the fixture's pods (spec, labels, annotations; the
// server sets metadata and kwok the status) bound round-robin to the nodes.
func createPods(ctx context.Context, cl *http.Client, server string, n int, nodes []string) error {
	idx := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range idx {
				p := fixture.Pod(i, 0)
				pod := &corev1.Pod{
					TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
					ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: namespace, Labels: p.Labels, Annotations: p.Annotations},
					Spec:       p.Spec,
				}
				pod.Spec.NodeName = nodes[i%len(nodes)]
				pod.Spec.ServiceAccountName, pod.Spec.DeprecatedServiceAccount = "default", "default"
				if err := post(ctx, cl, server+"/api/v1/namespaces/"+namespace+"/pods", pod); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		idx <- i
	}
	close(idx)
	wg.Wait()
	return first
}

func allRunning(ctx context.Context, cs kubernetes.Interface, n int) (bool, error) {
	running := 0
	err := reads.ClientGoList(ctx, cs, 500, func(p *reads.Pod) {
		if p.Phase == "Running" && p.IP.IsValid() && p.Ready == p.Total && p.Total > 0 {
			running++
		}
	})
	logf("%d/%d pods Running and ready", running, n)
	return running == n, err
}

func waitFor(ctx context.Context, timeout time.Duration, ok func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		done, err := ok()
		if done && err == nil {
			return nil
		}
		last = err
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
	return fmt.Errorf("timed out after %s (last error: %v)", timeout, last)
}
