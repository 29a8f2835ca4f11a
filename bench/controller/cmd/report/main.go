// Command report runs the benchmarks of bench/controller (go test -bench,
// one iteration each) and writes their figures to RESULTS.md, side by
// side. Run it from bench/controller:
//
//	go run ./cmd/report            # 10k pods, and the cache with 100k pods
//	go run ./cmd/report -quick     # 10k pods only
//	go run ./cmd/report -in FILE   # from the saved output of such a run
//
// The whole run takes about 5 minutes on 2 cores (most of it
// controller-runtime's 100k-pod caches), and up to 3 GB of memory.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/kube-for-go/kube/bench/fixture"
)

func main() {
	quick := flag.Bool("quick", false, "skip the caches of 100k pods (BENCH_CACHE_100K)")
	out := flag.String("o", "RESULTS.md", "output file")
	in := flag.String("in", "", "read the go test -bench output from this file instead of running it")
	flag.Parse()
	raw, err := benchOutput(*in, *quick)
	if err != nil {
		fmt.Fprintf(os.Stderr, "report: %v\n", err)
		os.Exit(1)
	}
	// name -> unit -> value
	res := map[string]map[string]float64{}
	var names []string
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := f[0][:strings.LastIndex(f[0], "-")] // drop -GOMAXPROCS
		res[name] = map[string]float64{}
		names = append(names, name)
		for i := 2; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				res[name][f[i+1]] = v
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# bench/controller results\n\nWritten by `go run ./cmd/report` on %s (%s/%s, GOMAXPROCS %d), %s.\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), cpu())
	b.WriteString("Both libraries read the same fixture (bench/fixture pods, served by a child process over HTTP, each in the encoding it asks for); one iteration each.\n\n")
	b.WriteString("## Reconcile throughput (no-op reconciler, 4 workers, list included)\n\n| benchmark | reconciles/s |\n|---|---:|\n")
	for _, n := range names {
		if v, ok := res[n]["reconciles/s"]; ok {
			fmt.Fprintf(&b, "| %s | %.0f |\n", strings.TrimPrefix(n, "BenchmarkReconcile/"), v)
		}
	}
	b.WriteString("\n## Cache memory (heap of objects above the baseline)\n\n" +
		"Rows `-dropspec` cache the pods without their spec and managedFields: `watch.StoreOptions{DropFields: []string{\"spec\"}}` " +
		"(managedFields goes by default), and controller-runtime's `cache.Options.DefaultTransform` setting `Spec` to its zero value and `ManagedFields` to nil. " +
		"The issue's target is a peak heap ≤ 0.20× controller-runtime's informer cache (its default).\n\n" +
		"| benchmark | peak heap MB | retained heap MB | peak vs controller-runtime, same content | peak vs controller-runtime default (target ≤ 0.20×) | list to synced cache, s |\n|---|---:|---:|---:|---:|---:|\n")
	for _, n := range names {
		v, ok := res[n]["peak-heap-MB"]
		if !ok {
			continue
		}
		same, target := "", ""
		if rest, ok := strings.CutPrefix(n, "BenchmarkCache/kube"); ok {
			if cr := res["BenchmarkCache/controller-runtime"+rest]["peak-heap-MB"]; cr > 0 {
				same = fmt.Sprintf("%.2f×", v/cr)
			}
			_, size, _ := strings.Cut(rest, "/")
			if cr := res["BenchmarkCache/controller-runtime/"+size]["peak-heap-MB"]; cr > 0 {
				verdict := "not met"
				if v/cr <= 0.2 {
					verdict = "met"
				}
				target = fmt.Sprintf("%.3f× (%s)", v/cr, verdict)
			}
		}
		fmt.Fprintf(&b, "| %s | %.1f | %.1f | %s | %s | %.2f |\n", strings.TrimPrefix(n, "BenchmarkCache/"), v, res[n]["retained-heap-MB"], same, target, res[n]["sync-s"])
	}
	b.WriteString(bytesNote(res))
	b.WriteString("\nRaw `go test -bench` output:\n\n```\n" + string(raw) + "```\n")
	if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
	fmt.Print(b.String())
}

// benchOutput runs the benchmarks (30 minutes at most), or reads their
// output from the file in.
func benchOutput(in string, quick bool) ([]byte, error) {
	if in != "" {
		return os.ReadFile(in)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", ".", "-benchtime", "1x", "-timeout", "30m", ".")
	cmd.Env = os.Environ()
	if !quick {
		cmd.Env = append(cmd.Env, "BENCH_CACHE_100K=1")
	}
	cmd.Stderr = os.Stderr
	raw, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go test: %v\n%s", err, raw)
	}
	return raw, nil
}

// bytesNote explains, with the fixture's bytes per pod, why a cache of
// whole objects cannot reach the target.
func bytesNote(res map[string]map[string]float64) string {
	const sample = 1000
	var whole, noMF, noSpec, spec, status, meta float64
	for i := range sample {
		p := fixture.Pod(i, 0)
		whole += size(p)
		spec += size(p.Spec)
		status += size(p.Status)
		p.ManagedFields = nil
		noMF += size(p)
		meta += size(p.ObjectMeta)
		p.Spec = corev1.PodSpec{}
		noSpec += size(p)
	}
	kb := func(v float64) string { return fmt.Sprintf("%.1f KB", v/sample/1000) }
	var b strings.Builder
	fmt.Fprintf(&b, "\nWhy a cache of whole objects cannot reach 0.20×: a fixture pod is %s of JSON as served, %s without managedFields "+
		"(spec %s, status %s, metadata without managedFields %s), and %s without spec and managedFields (JSON as encoding/json writes it, mean of %d pods).\n\n",
		kb(whole), kb(noMF), kb(spec), kb(status), kb(meta), kb(noSpec), sample)
	for _, n := range []int{10000, 100000} {
		cr := res[fmt.Sprintf("BenchmarkCache/controller-runtime/pods=%d", n)]["peak-heap-MB"]
		if cr == 0 {
			continue
		}
		budget := 0.2 * cr * (1 << 20)
		fmt.Fprintf(&b, "- %d pods: 0.20× controller-runtime's peak is %.1f MB, %.2f KB per pod; the JSON of the pods without managedFields alone is %.1f MB, without spec and managedFields %.1f MB.\n",
			n, budget/(1<<20), budget/float64(n)/1000, noMF/sample*float64(n)/(1<<20), noSpec/sample*float64(n)/(1<<20))
	}
	b.WriteString("\nSo only a cache that keeps less than the object (the `-dropspec` rows: metadata and status) can meet the target; " +
		"the `-dropspec` rows compare it with controller-runtime doing the same. " +
		"Peak heap is the highest heap of objects, sampled every millisecond while the cache fills: the cache, the list pages being decoded, and garbage not yet collected (GOGC=100); " +
		"retained heap is measured after a GC once the cache is synced: the cache itself.\n")
	return b.String()
}

func size(v any) float64 {
	data, err := json.Marshal(v)
	if err != nil {
		return 0
	}
	return float64(len(data))
}

func cpu() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, l := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}
