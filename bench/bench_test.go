// Benchmarks of this SDK against k8s.io/client-go's typed clientset on the
// same bytes: list and read (workload 1), watch (workload 2) and the floor
// (workload 6). The memory, size and end-to-end workloads are programs run
// by ./cmd/report (make -C bench), which also runs these benchmarks and
// writes ../BENCHMARKS.md.
//
// There are no timing assertions: the only thing a test here can fail on
// is the correctness guard, which checks, before any benchmark runs, that
// every reader reads exactly the values the fixture pods hold.
package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kube-for-go/kube/bench/fixture"
	"github.com/kube-for-go/kube/bench/reads"
)

// The workload sizes: 10,000 pods listed 500 per page, 10,000 watch events.
const (
	NPods     = 10000
	PageSize  = 500
	NEvents   = 10000
	benchEnvN = "KUBE_BENCH_PODS" // smaller lists while developing
)

var (
	server  *fixture.Server
	baseURL string
	nPods   = NPods
	nEvents = NEvents
)

func TestMain(m *testing.M) {
	if v := os.Getenv(benchEnvN); v != "" {
		fmt.Sscan(v, &nPods)
		nEvents = nPods
	}
	server = &fixture.Server{N: nPods, WatchEvents: nEvents, Cache: true, Gzip: true}
	server.Warm(PageSize)
	server.Watch(fixture.JSON)
	server.Watch(fixture.Protobuf)
	ts := httptest.NewServer(server)
	baseURL = ts.URL
	code := m.Run()
	ts.Close()
	os.Exit(code)
}

// expected lists and watches: the ground truth, from the Go values.
func expectedList() []reads.Record {
	out := make([]reads.Record, nPods)
	for i := range out {
		out[i] = reads.Expect("", fixture.Pod(i, 0))
	}
	return out
}

func expectedWatch() []reads.Record {
	evs := fixture.Events(nEvents)
	out := make([]reads.Record, len(evs))
	for i, ev := range evs {
		out[i] = reads.Expect(ev.Type, ev.Pod)
	}
	return out
}

type reader struct {
	name string
	enc  fixture.Encoding // what it must ask the server for
	gzip bool             // whether it must get gzip-compressed list pages
	run  func(ctx context.Context, visit reads.Visitor) error
}

// listReaders are the list readers. The fixture server compresses list
// pages as kube-apiserver does when the request accepts gzip; the rows
// without a suffix turn compression off (DisableCompression), the "-gzip"
// rows keep the client's default (ask for gzip, inflate transparently).
func listReaders(tb testing.TB) []reader {
	var rs []reader
	for _, gz := range []bool{false, true} {
		suffix := ""
		if gz {
			suffix = "-gzip"
		}
		sdk, err := reads.NewSDK(baseURL, PageSize, gz)
		if err != nil {
			tb.Fatal(err)
		}
		cgJSON, err := reads.NewClientGo(baseURL, false, gz)
		if err != nil {
			tb.Fatal(err)
		}
		cgProto, err := reads.NewClientGo(baseURL, true, gz)
		if err != nil {
			tb.Fatal(err)
		}
		rs = append(rs,
			reader{"sdk" + suffix, fixture.JSON, gz, func(ctx context.Context, v reads.Visitor) error { return reads.SDKList(ctx, sdk, v) }},
			reader{"client-go-json" + suffix, fixture.JSON, gz, func(ctx context.Context, v reads.Visitor) error {
				return reads.ClientGoList(ctx, cgJSON, PageSize, v)
			}},
			reader{"client-go-protobuf" + suffix, fixture.Protobuf, gz, func(ctx context.Context, v reads.Visitor) error {
				return reads.ClientGoList(ctx, cgProto, PageSize, v)
			}},
		)
	}
	return rs
}

// watchReaders are the watch readers. Watch streams are never compressed
// (kube-apiserver writes events one by one, each under its threshold), so
// there are no "-gzip" variants.
func watchReaders(tb testing.TB) []reader {
	sdk, err := reads.NewSDK(baseURL, PageSize, false)
	if err != nil {
		tb.Fatal(err)
	}
	cgJSON, err := reads.NewClientGo(baseURL, false, false)
	if err != nil {
		tb.Fatal(err)
	}
	cgProto, err := reads.NewClientGo(baseURL, true, false)
	if err != nil {
		tb.Fatal(err)
	}
	return []reader{
		{"sdk", fixture.JSON, false, func(ctx context.Context, v reads.Visitor) error {
			return reads.SDKWatch(ctx, sdk, fixture.ListRV, nEvents, v)
		}},
		{"client-go-json", fixture.JSON, false, func(ctx context.Context, v reads.Visitor) error {
			return reads.ClientGoWatch(ctx, cgJSON, fixture.ListRV, nEvents, v)
		}},
		{"client-go-protobuf", fixture.Protobuf, false, func(ctx context.Context, v reads.Visitor) error {
			return reads.ClientGoWatch(ctx, cgProto, fixture.ListRV, nEvents, v)
		}},
	}
}

// guard checks every reader against the ground truth, object by object,
// and that it spoke the encoding it is named after.
func guard(tb testing.TB, what string, rs []reader, want []reads.Record) {
	for _, r := range rs {
		var c reads.Collector
		server.ResetHits()
		if err := r.run(context.Background(), c.Visit); err != nil {
			tb.Fatalf("%s %s: %v", what, r.name, err)
		}
		hits := server.ResetHits()
		key := r.enc.String() + " " + what
		if r.gzip {
			key += " gzip"
		}
		if len(hits) != 1 || hits[key] == 0 {
			tb.Fatalf("CORRECTNESS GUARD FAILED: %s %s made requests %v, want only %s", what, r.name, hits, key)
		}
		if err := reads.Compare(what+" "+r.name, c.Records, want); err != nil {
			tb.Fatal(err)
		}
	}
}

var listGuard, watchGuard sync.Once
var listGuardOK, watchGuardOK bool

// namesOnly (KUBE_BENCH_NAMES=1) makes the benchmarks only name their
// readers, without the guard or a timed loop: cmd/report lists them this
// way, then runs each in a process of its own.
var namesOnly = os.Getenv("KUBE_BENCH_NAMES") != ""

// TestCorrectnessGuard is the guard on its own (go test ./...).
func TestCorrectnessGuard(t *testing.T) {
	guard(t, "list", listReaders(t), expectedList())
	guard(t, "watch", watchReaders(t), expectedWatch())
}

func mustGuardList(b *testing.B) {
	if namesOnly {
		return
	}
	listGuard.Do(func() {
		guard(b, "list", listReaders(b), expectedList())
		listGuardOK = true
	})
	if !listGuardOK {
		b.Fatal("list correctness guard failed")
	}
}

func mustGuardWatch(b *testing.B) {
	if namesOnly {
		return
	}
	watchGuard.Do(func() {
		guard(b, "watch", watchReaders(b), expectedWatch())
		watchGuardOK = true
	})
	if !watchGuardOK {
		b.Fatal("watch correctness guard failed")
	}
}

// perObject reports bytes and allocations per object, measured around the
// benchmark loop (like -benchmem, the in-process server's share included).
type perObject struct {
	ms  runtime.MemStats
	cpu time.Duration
}

func startPerObject() *perObject {
	p := &perObject{cpu: processCPU()}
	runtime.ReadMemStats(&p.ms)
	return p
}

// processCPU is the user and system CPU time of the process so far: the
// work of every goroutine (the in-process server's too), which a reader
// that decodes on more than one goroutine spends beside its wall time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func (p *perObject) report(b *testing.B, objects int, unit string) {
	var now runtime.MemStats
	runtime.ReadMemStats(&now)
	n := float64(b.N) * float64(objects)
	b.ReportMetric(float64(now.TotalAlloc-p.ms.TotalAlloc)/n, "B/"+unit)
	b.ReportMetric(float64(now.Mallocs-p.ms.Mallocs)/n, "allocs/"+unit)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/"+unit)
	b.ReportMetric(float64(processCPU()-p.cpu)/n, "cpu-ns/"+unit)
}

// BenchmarkList lists and reads every pod once per op.
func BenchmarkList(b *testing.B) {
	mustGuardList(b)
	want := reads.DigestOf(expectedList())
	hc := plainClient()
	floors := []struct {
		name string
		run  func(context.Context) (int64, error)
	}{
		{"floor-transfer", func(ctx context.Context) (int64, error) {
			return reads.FloorTransfer(ctx, hc, baseURL, PageSize, fixture.MediaJSON)
		}},
		{"floor-bytecount", func(ctx context.Context) (int64, error) {
			return reads.FloorByteCount(ctx, hc, baseURL, PageSize)
		}},
		{"floor-jsonscan", func(ctx context.Context) (int64, error) {
			return reads.FloorJSONScan(ctx, hc, baseURL, PageSize)
		}},
		{"floor-gzip-transfer", func(ctx context.Context) (int64, error) {
			return reads.FloorGzipTransfer(ctx, hc, baseURL, PageSize, fixture.MediaJSON)
		}},
		{"floor-gzip-inflate", func(ctx context.Context) (int64, error) {
			return reads.FloorGzipInflate(ctx, hc, baseURL, PageSize, fixture.MediaJSON, false)
		}},
		{"floor-gzip-inflate-jsonscan", func(ctx context.Context) (int64, error) {
			return reads.FloorGzipInflate(ctx, hc, baseURL, PageSize, fixture.MediaJSON, true)
		}},
		{"floor-gzip-transfer-protobuf", func(ctx context.Context) (int64, error) {
			return reads.FloorGzipTransfer(ctx, hc, baseURL, PageSize, fixture.MediaProtobuf)
		}},
		{"floor-gzip-inflate-protobuf", func(ctx context.Context) (int64, error) {
			return reads.FloorGzipInflate(ctx, hc, baseURL, PageSize, fixture.MediaProtobuf, false)
		}},
		{"floor-jsontext-scan", func(ctx context.Context) (int64, error) {
			return reads.FloorScan(ctx, hc, baseURL, PageSize, false)
		}},
		{"floor-jsontext-scan-dupcheck", func(ctx context.Context) (int64, error) {
			return reads.FloorScan(ctx, hc, baseURL, PageSize, true)
		}},
		{"floor-json-valid", func(ctx context.Context) (int64, error) {
			return reads.FloorValid(ctx, hc, baseURL, PageSize)
		}},
		{"floor-transfer-protobuf", func(ctx context.Context) (int64, error) {
			return reads.FloorTransfer(ctx, hc, baseURL, PageSize, fixture.MediaProtobuf)
		}},
	}
	for _, f := range floors {
		b.Run(f.name, func(b *testing.B) {
			if namesOnly {
				return
			}
			b.ReportAllocs()
			var n int64
			m := startPerObject()
			for b.Loop() {
				var err error
				if n, err = f.run(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			m.report(b, nPods, "pod")
			b.ReportMetric(float64(n)/float64(nPods), "wire-B/pod")
		})
	}
	for _, r := range listReaders(b) {
		b.Run(r.name, func(b *testing.B) {
			if namesOnly {
				return
			}
			b.ReportAllocs()
			m := startPerObject()
			for b.Loop() {
				var d reads.Digest
				if err := r.run(context.Background(), d.Visit); err != nil {
					b.Fatal(err)
				}
				if d != want {
					b.Fatalf("read wrong data: digest %+v, want %+v", d, want)
				}
			}
			m.report(b, nPods, "pod")
		})
	}
}

// BenchmarkWatch reads a stream of ADDED and MODIFIED events once per op.
func BenchmarkWatch(b *testing.B) {
	mustGuardWatch(b)
	want := reads.DigestOf(expectedWatch())
	hc := plainClient()
	floors := []struct {
		name string
		run  func(context.Context) (int64, error)
	}{
		{"floor-transfer", func(ctx context.Context) (int64, error) {
			return reads.FloorWatchTransfer(ctx, hc, baseURL, fixture.MediaJSON)
		}},
		{"floor-bytecount", func(ctx context.Context) (int64, error) {
			return reads.FloorWatchByteCount(ctx, hc, baseURL)
		}},
		{"floor-jsonscan", func(ctx context.Context) (int64, error) {
			return reads.FloorWatchJSONScan(ctx, hc, baseURL, nEvents)
		}},
		{"floor-jsontext-scan", func(ctx context.Context) (int64, error) {
			return reads.FloorWatchScan(ctx, hc, baseURL, nEvents)
		}},
	}
	for _, f := range floors {
		b.Run(f.name, func(b *testing.B) {
			if namesOnly {
				return
			}
			b.ReportAllocs()
			m := startPerObject()
			for b.Loop() {
				if _, err := f.run(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			m.report(b, nEvents, "event")
			b.ReportMetric(float64(nEvents)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
	for _, r := range watchReaders(b) {
		b.Run(r.name, func(b *testing.B) {
			if namesOnly {
				return
			}
			b.ReportAllocs()
			m := startPerObject()
			for b.Loop() {
				var d reads.Digest
				if err := r.run(context.Background(), d.Visit); err != nil {
					b.Fatal(err)
				}
				if d != want {
					b.Fatalf("read wrong data: digest %+v, want %+v", d, want)
				}
			}
			m.report(b, nEvents, "event")
			b.ReportMetric(float64(nEvents)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// plainClient is the floors' HTTP client: it does not ask for gzip, so the
// uncompressed floors read what the uncompressed readers read (the gzip
// floors ask for it by hand and inflate, or not, themselves).
func plainClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DisableCompression = true
	return &http.Client{Transport: t}
}
