// Command report runs the benchmarks of bench/controller (go test -bench,
// one iteration each) and writes their figures to RESULTS.md, side by
// side. Run it from bench/controller:
//
//	go run ./cmd/report            # 10k pods, and the cache with 100k pods
//	go run ./cmd/report -quick     # 10k pods only
//
// The whole run takes about 5 minutes on 2 cores (most of it
// controller-runtime's 100k-pod caches), and up to 3 GB of memory.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

func main() {
	quick := flag.Bool("quick", false, "skip the caches of 100k pods (BENCH_CACHE_100K)")
	out := flag.String("o", "RESULTS.md", "output file")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", ".", "-benchtime", "1x", "-timeout", "30m", ".")
	cmd.Env = os.Environ()
	if !*quick {
		cmd.Env = append(cmd.Env, "BENCH_CACHE_100K=1")
	}
	cmd.Stderr = os.Stderr
	raw, err := cmd.Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "report: go test: %v\n%s", err, raw)
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
	b.WriteString("\n## Cache memory (heap of objects above the baseline)\n\n| benchmark | peak heap MB | retained heap MB | peak vs controller-runtime | list to synced cache, s |\n|---|---:|---:|---:|---:|\n")
	for _, n := range names {
		v, ok := res[n]["peak-heap-MB"]
		if !ok {
			continue
		}
		ratio := ""
		if strings.Contains(n, "/kube/") {
			if cr, ok := res[strings.Replace(n, "/kube/", "/controller-runtime/", 1)]["peak-heap-MB"]; ok && cr > 0 {
				verdict := "target ≤ 0.20× not met"
				if v/cr <= 0.2 {
					verdict = "target ≤ 0.20× met"
				}
				ratio = fmt.Sprintf("%.2f× (%s)", v/cr, verdict)
			}
		}
		fmt.Fprintf(&b, "| %s | %.1f | %.1f | %s | %.2f |\n", strings.TrimPrefix(n, "BenchmarkCache/"), v, res[n]["retained-heap-MB"], ratio, res[n]["sync-s"])
	}
	b.WriteString("\nRaw `go test -bench` output:\n\n```\n" + string(raw) + "```\n")
	if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
	fmt.Print(b.String())
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
