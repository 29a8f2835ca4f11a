// Command memprobe measures the peak memory of one way of iterating over a
// list of pods, in a process of its own so that peaks do not mix: the peak
// heap (runtime/metrics /memory/classes/heap/objects:bytes, sampled every
// millisecond; the highest GC heap goal; the highest heap marked live by a
// GC, /gc/heap/live:bytes, i.e. what the iteration retains) and the peak RSS (VmHWM of
// /proc/self/status). The list is served by another process (cmd/report)
// at -url. It prints one JSON object.
//
// It also keeps the highest heap sampled within each GC cycle, and prints
// how many cycles ran and the median and 90th percentile of those
// per-cycle peaks: the overall peak is the highest of them, so it depends
// on how many cycles a run samples, while their distribution does not.
// With -passes N, a list reader reads the whole list N times in the same
// process (as a program that relists does), so that a short list can be
// measured over as many pods, and about as many GC cycles, as a long one.
//
// After measuring, it checks that what it read equals the fixture's pods
// (the correctness guard) and exits non-zero otherwise.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"math"
	"os"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kube-for-go/kube/bench/fixture"
	"github.com/kube-for-go/kube/bench/reads"
)

// Result is what memprobe prints.
type Result struct {
	Impl      string  `json:"impl"`
	Pods      int     `json:"pods"`
	PeakHeap  uint64  `json:"peakHeapBytes"`
	PeakGoal  uint64  `json:"peakHeapGoalBytes"`
	PeakLive  uint64  `json:"peakLiveHeapBytes"`
	VmHWM     uint64  `json:"vmHWMBytes"`
	Seconds   float64 `json:"seconds"`
	GuardedOK bool    `json:"guardOK"`
	Passes    int     `json:"passes"`
	// GC cycles sampled, and the median and 90th percentile of the
	// highest heap sampled in each.
	Cycles   int    `json:"gcCycles"`
	CycleP50 uint64 `json:"cyclePeakP50Bytes"`
	CycleP90 uint64 `json:"cyclePeakP90Bytes"`
}

var impls = map[string]string{
	"sdk":                      "the SDK's paginated streaming iterator (View.All)",
	"client-go-json-list":      "client-go JSON: every page appended into one []Pod, then read",
	"client-go-protobuf-list":  "client-go protobuf: every page appended into one []Pod, then read",
	"client-go-protobuf-pages": "client-go protobuf: page by page, each page dropped after reading",
	"sdk-store":                "the SDK's watch.Store (list then watch), synced, then every cached pod read",
	"client-go-informer":       "client-go's SharedInformer (protobuf, its default), synced, then every cached pod read",
}

func main() {
	url := flag.String("url", "", "fixture server URL")
	impl := flag.String("impl", "sdk", "sdk | client-go-json-list | client-go-protobuf-list | client-go-protobuf-pages | sdk-store | client-go-informer")
	n := flag.Int("pods", 10000, "pods the server holds (checked)")
	page := flag.Int("page", 500, "page size")
	passes := flag.Int("passes", 1, "times a list reader reads the whole list (not the caches)")
	flag.Parse()
	if _, ok := impls[*impl]; !ok || *url == "" || *passes < 1 {
		fmt.Fprintln(os.Stderr, "memprobe: bad -impl or -passes, or missing -url")
		os.Exit(2)
	}
	cache := *impl == "sdk-store" || *impl == "client-go-informer"
	if cache && *passes != 1 {
		fmt.Fprintln(os.Stderr, "memprobe: -passes is for the list readers")
		os.Exit(2)
	}

	var mu sync.Mutex // guards what sample sets
	var peak, goal, live uint64
	cyclePeak := map[uint64]uint64{} // GC cycle number -> highest heap sampled in it
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/goal:bytes"}, {Name: "/gc/heap/live:bytes"}, {Name: "/gc/cycles/total:gc-cycles"}}
	sample := func() {
		mu.Lock()
		defer mu.Unlock()
		metrics.Read(samples)
		peak = max(peak, samples[0].Value.Uint64())
		c := samples[3].Value.Uint64()
		cyclePeak[c] = max(cyclePeak[c], samples[0].Value.Uint64())
		goal = max(goal, samples[1].Value.Uint64())
		live = max(live, samples[2].Value.Uint64())
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				sample()
			}
		}
	}()

	// One digest per pass, each checked against the fixture.
	digests := make([]reads.Digest, *passes)
	d := &digests[0]
	ctx := context.Background()
	begin := time.Now()
	var err error
	switch *impl {
	case "sdk":
		c, e := reads.NewSDK(*url, *page, true)
		if e != nil {
			fail(e)
		}
		for i := 0; i < *passes && err == nil; i++ {
			err = reads.SDKList(ctx, c, digests[i].Visit)
		}
	case "sdk-store", "client-go-informer":
		// The cache is measured full: it keeps running (and holding
		// every pod) until the peaks are sampled.
		var stopCache func()
		if *impl == "sdk-store" {
			c, e := reads.NewSDK(*url, *page, true)
			if e != nil {
				fail(e)
			}
			stopCache, err = reads.SDKStore(ctx, c, d.Visit)
		} else {
			cs, e := reads.NewClientGo(*url, true, true)
			if e != nil {
				fail(e)
			}
			stopCache, err = reads.ClientGoInformer(ctx, cs, d.Visit)
		}
		if err == nil {
			sample()
			defer stopCache()
		}
	default:
		cs, e := reads.NewClientGo(*url, strings.Contains(*impl, "protobuf"), true)
		if e != nil {
			fail(e)
		}
		for i := 0; i < *passes && err == nil; i++ {
			if strings.HasSuffix(*impl, "-list") {
				err = reads.ClientGoListAll(ctx, cs, *page, digests[i].Visit)
			} else {
				err = reads.ClientGoList(ctx, cs, *page, digests[i].Visit)
			}
		}
	}
	elapsed := time.Since(begin)
	sample()
	close(stop)
	<-done
	if err != nil {
		fail(err)
	}
	hwm := vmHWM()

	// The guard, after measuring: the digest of what was read must equal
	// the digest of the fixture's pods.
	recs := make([]reads.Record, *n)
	for i := range recs {
		recs[i] = reads.Expect("", fixture.Pod(i, 0))
	}
	if cache {
		reads.SortByKey(recs) // the caches are read in key order
	}
	want := reads.DigestOf(recs)
	ok := true
	for i, d := range digests {
		if d != want {
			ok = false
			fmt.Fprintf(os.Stderr, "memprobe: CORRECTNESS GUARD FAILED: %s pass %d read %d pods with digest %x, want %d with %x\n", *impl, i+1, d.N, d.Sum, want.N, want.Sum)
		}
	}
	cycles, p50, p90 := cycleStats(cyclePeak)
	res := Result{Impl: *impl, Pods: d.N, Passes: *passes, PeakHeap: peak, PeakGoal: goal, PeakLive: live, VmHWM: hwm, Seconds: elapsed.Seconds(), GuardedOK: ok,
		Cycles: cycles, CycleP50: p50, CycleP90: p90}
	json.NewEncoder(os.Stdout).Encode(res)
	if !ok {
		os.Exit(1)
	}
}

// cycleStats returns the number of GC cycles sampled and the median and
// 90th percentile (nearest rank) of the highest heap sampled in each.
func cycleStats(peaks map[uint64]uint64) (n int, p50, p90 uint64) {
	vs := slices.Sorted(maps.Values(peaks))
	if len(vs) == 0 {
		return 0, 0, 0
	}
	rank := func(q float64) uint64 { return vs[int(math.Ceil(q*float64(len(vs))))-1] }
	return len(vs), rank(0.5), rank(0.9)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "memprobe:", err)
	os.Exit(1)
}

// vmHWM returns the peak resident set size of this process.
func vmHWM() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}
