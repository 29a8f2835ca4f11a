// Command report runs every benchmark workload of the bench module and
// writes the results, with ratios, targets, the machine and the commands,
// to a Markdown file (../BENCHMARKS.md from make -C bench).
//
// It must run with the bench module as its working directory. Workloads:
//
//	list, watch  go test -bench (bench_test.go): list and read 10,000 pods,
//	             read 10,000 watch events, and the floors
//	mem          cmd/memprobe subprocesses against a fixture server here
//	size         builds of size/sdk and size/clientgo
//	e2e          cmd/e2e on a private kwok cluster
//
// Progress goes to standard error.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kube-for-go/kube/bench/fixture"
)

var (
	out       = flag.String("out", "../BENCHMARKS.md", "Markdown file to write")
	benchtime = flag.String("benchtime", "5x", "go test -benchtime for list and watch")
	count     = flag.Int("count", 3, "go test -count for list and watch (the table shows medians)")
	e2ePods   = flag.Int("e2e-pods", 2000, "pods of the end-to-end workload")
	e2eRuns   = flag.Int("e2e-runs", 5, "timed runs per reader of the end-to-end workload")
	only      = flag.String("only", "", "comma-separated workloads to run (list,watch,mem,size,e2e); default all")
	e2eJSON   = flag.String("e2e-json", "", "with -only including e2e: render this saved output of cmd/e2e instead of running it")
	serve     = flag.Int("serve", 0, "only serve a fixture list of this many pods (for running cmd/memprobe by hand): print the URL and wait")
)

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "report: "+format+"\n", args...)
}

func want(w string) bool {
	return *only == "" || slices.Contains(strings.Split(*only, ","), w)
}

func main() {
	flag.Parse()
	if *serve > 0 {
		srv := httptest.NewServer(&fixture.Server{N: *serve})
		fmt.Println(srv.URL)
		select {}
	}
	if _, err := os.Stat("bench_test.go"); err != nil {
		logf("run me from the bench module directory (make -C bench)")
		os.Exit(2)
	}
	tmp, err := os.MkdirTemp("", "kube-bench-")
	check(err)
	defer os.RemoveAll(tmp)

	r := &Report{Started: time.Now()}
	r.Machine = machine()
	if want("list") || want("watch") {
		r.Bench = goBench(tmp)
	}
	if want("mem") {
		r.Mem = memory(tmp)
	}
	if want("size") {
		r.Size = size(tmp)
	}
	if want("e2e") {
		r.E2E = e2e(tmp)
	}
	if r.Bench != nil && r.Bench.Err == nil {
		r.Profiles = profiles(tmp)
	}
	r.Finished = time.Now()
	r.LoadEnd = loadavg()
	md := r.Markdown()
	check(os.WriteFile(*out, []byte(md), 0o644))
	logf("wrote %s in %s", *out, r.Finished.Sub(r.Started).Round(time.Second))
	if r.Failed() {
		os.Exit(1)
	}
}

func check(err error) {
	if err != nil {
		logf("%v", err)
		os.Exit(1)
	}
}

// run runs a command, echoing its standard error, and returns its output.
func run(env []string, name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = os.Stderr
	err := cmd.Run()
	return stdout.Bytes(), err
}

// runTee is run with the standard output also echoed to standard error.
func runTee(name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	var stdout bytes.Buffer
	cmd.Stdout = io.MultiWriter(&stdout, os.Stderr)
	cmd.Stderr = os.Stderr
	err := cmd.Run()
	return stdout.Bytes(), err
}

// ---- CPU profiles of the SDK's list and watch paths ----

// Profile is an excerpt of a CPU profile of one benchmark.
type Profile struct {
	Bench, Command, Top string
}

func profiles(tmp string) []Profile {
	var out []Profile
	for _, x := range []struct{ bench, focus string }{
		// The timed loop and the SDK's read-ahead goroutines (socket
		// reads, scan), which do not run under the loop's frames.
		{"^BenchmarkList$/^sdk$", `BenchmarkList\.func|sdk\.prefetch|sdk\.\(\*aheadReader\)\.run`},
		{"^BenchmarkWatch$/^sdk$", `BenchmarkWatch\.func|sdk\.\(\*prefetchedStream.*\)\.run|sdk\.\(\*aheadReader\)\.run`},
	} {
		prof := filepath.Join(tmp, "cpu.out")
		exe := filepath.Join(tmp, "bench.test")
		args := []string{"test", "-run", "^$", "-bench", x.bench, "-benchtime", "3x", "-cpuprofile", prof, "-o", exe, "."}
		p := Profile{Bench: x.bench, Command: "go " + strings.Join(args, " ") + " && go tool pprof -top -cum -focus='" + x.focus + "' -nodecount=28 bench.test cpu.out"}
		logf("profile: %s", p.Command)
		if _, err := run(nil, "go", args...); err != nil {
			p.Top = "profile failed: " + err.Error()
			out = append(out, p)
			continue
		}
		top, err := exec.Command("go", "tool", "pprof", "-top", "-cum", "-focus="+x.focus, "-nodecount=28", exe, prof).Output()
		if err != nil {
			p.Top = "pprof failed: " + err.Error()
		} else {
			var keep []string
			for _, line := range strings.Split(string(top), "\n") {
				if strings.Contains(line, "testing.") || strings.HasPrefix(line, "File:") || strings.HasPrefix(line, "Build ID:") || strings.HasPrefix(line, "Time:") {
					continue
				}
				line = strings.ReplaceAll(line, "github.com/go-json-experiment/json", "go-json-experiment")
				line = strings.ReplaceAll(line, "github.com/kube-for-go/kube/", "")
				keep = append(keep, line)
			}
			p.Top = strings.TrimSpace(strings.Join(keep, "\n"))
		}
		out = append(out, p)
	}
	return out
}

// ---- machine ----

// Machine describes where the benchmarks ran.
type Machine struct {
	Nproc, CPU, Go, Kernel, Mem, LoadStart, Commit, ClientGo string
}

func machine() Machine {
	m := Machine{LoadStart: loadavg()}
	if b, err := exec.Command("nproc").Output(); err == nil {
		m.Nproc = strings.TrimSpace(string(b))
	} else {
		m.Nproc = strconv.Itoa(runtime.NumCPU())
	}
	m.CPU = procField("/proc/cpuinfo", "model name")
	m.Mem = procField("/proc/meminfo", "MemTotal")
	if b, err := exec.Command("go", "version").Output(); err == nil {
		m.Go = strings.TrimSpace(string(b))
	}
	if b, err := exec.Command("uname", "-srm").Output(); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if b, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output(); err == nil {
		m.Commit = strings.TrimSpace(string(b))
		if st, err := exec.Command("git", "status", "--porcelain", "--", "..").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
			m.Commit += " (with uncommitted changes in the working tree)"
		}
	}
	if b, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", "k8s.io/client-go").Output(); err == nil {
		m.ClientGo = strings.TrimSpace(string(b))
	}
	return m
}

func procField(file, key string) string {
	f, err := os.Open(file)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// ---- list and watch: go test -bench ----

// BenchResult holds the medians of each benchmark's metrics.
type BenchResult struct {
	Command string
	Raw     string
	Median  map[string]map[string]float64 // benchmark -> unit -> median
	Err     error
}

func goBench(tmp string) *BenchResult {
	var pat []string
	if want("list") {
		pat = append(pat, "List")
	}
	if want("watch") {
		pat = append(pat, "Watch")
	}
	// Each reader runs in a process of its own, and the rounds are
	// interleaved: each round runs every reader once. So a reader is not
	// measured on the heap and the connections the readers before it left
	// in a shared process (on this 2-core machine that slowed the SDK's
	// three goroutines by up to half), and a change in the shared
	// machine's load during the run touches all readers alike.
	exe := filepath.Join(tmp, "bench.test")
	build := []string{"test", "-c", "-o", exe, "."}
	bench := "^Benchmark(" + strings.Join(pat, "|") + ")$"
	flags := []string{"-test.run", "^$", "-test.benchtime", *benchtime, "-test.count", "1", "-test.benchmem", "-test.timeout", "30m"}
	res := &BenchResult{Command: fmt.Sprintf("go %s, then %d rounds of: each benchmark that KUBE_BENCH_NAMES=1 ./bench.test -test.run '^$' -test.bench '%s' -test.benchtime 1x names, in a process of its own: ./bench.test -test.bench '^BenchmarkList$/^sdk$' %s (and so on)", strings.Join(build, " "), *count, bench, shellQuote(flags))}
	logf("%s", res.Command)
	if _, err := runTee("go", build...); err != nil {
		res.Err = fmt.Errorf("building the benchmarks failed: %w", err)
		return res
	}
	names, err := benchNames(exe, bench)
	if err != nil {
		res.Err = err
		return res
	}
	var raw strings.Builder
	for round := range *count {
		for _, name := range names {
			top, sub, _ := strings.Cut(name, "/")
			logf("benchmark round %d of %d: %s", round+1, *count, name)
			args := append([]string{"-test.bench", "^" + top + "$/^" + regexp.QuoteMeta(sub) + "$"}, flags...)
			outb, err := runTee(exe, args...)
			raw.Write(outb)
			if err != nil {
				res.Raw = raw.String()
				res.Err = fmt.Errorf("benchmark %s failed (a correctness guard failure stops it): %w", name, err)
				return res
			}
		}
	}
	res.Raw = raw.String()
	samples := map[string]map[string][]float64{}
	for _, line := range strings.Split(res.Raw, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := trimProcs(f[0])
		if samples[name] == nil {
			samples[name] = map[string][]float64{}
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err == nil {
				samples[name][f[i+1]] = append(samples[name][f[i+1]], v)
			}
		}
	}
	res.Median = map[string]map[string]float64{}
	for name, units := range samples {
		res.Median[name] = map[string]float64{}
		for u, vs := range units {
			res.Median[name][u] = median(vs)
		}
	}
	return res
}

// benchNames lists the benchmarks exe runs for the pattern bench (as
// "BenchmarkList/sdk"), asking them for their names only.
func benchNames(exe, bench string) ([]string, error) {
	cmd := exec.Command(exe, "-test.run", "^$", "-test.bench", bench, "-test.benchtime", "1x")
	cmd.Env = append(os.Environ(), "KUBE_BENCH_NAMES=1")
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("listing the benchmarks: %w", err)
	}
	var names []string
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(f[0], "Benchmark") || !strings.Contains(f[0], "/") {
			continue
		}
		name := trimProcs(f[0])
		names = append(names, name)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("listing the benchmarks: none named in %q", out)
	}
	return names, nil
}

// trimProcs drops the GOMAXPROCS suffix of a benchmark result's name
// ("BenchmarkList/sdk-2" is "BenchmarkList/sdk").
func trimProcs(name string) string {
	if i := strings.LastIndex(name, "-"); i > 0 {
		return name[:i]
	}
	return name
}

// shellQuote joins args for a shell command line, quoting those with
// characters a shell would interpret.
func shellQuote(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, "^$|()*? ") {
			a = "'" + a + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}

func median(vs []float64) float64 {
	s := slices.Sorted(slices.Values(vs))
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// ---- memory ----

// MemResult is one memprobe run.
type MemResult struct {
	Impl     string  `json:"impl"`
	Pods     int     `json:"pods"`
	PeakHeap float64 `json:"peakHeapBytes"`
	PeakGoal float64 `json:"peakHeapGoalBytes"`
	PeakLive float64 `json:"peakLiveHeapBytes"`
	VmHWM    float64 `json:"vmHWMBytes"`
	Seconds  float64 `json:"seconds"`
	GuardOK  bool    `json:"guardOK"`
	Passes   int     `json:"passes"`
	Cycles   float64 `json:"gcCycles"`
	CycleP50 float64 `json:"cyclePeakP50Bytes"`
	CycleP90 float64 `json:"cyclePeakP90Bytes"`
	Err      string  `json:"-"`
}

// MemReport holds every memprobe run.
type MemReport struct {
	Command string
	Runs    []MemResult
}

var memImpls = []string{"sdk", "client-go-protobuf-pages", "client-go-protobuf-list", "client-go-json-list", "sdk-store", "client-go-informer"}
var memSizes = []int{10000, 100000}

// memRelists is how many times the SDK reads the short list in the runs
// that compare it with the long one over as many pods (see flatTolerance).
var memRelists = memSizes[1] / memSizes[0]

// flatTolerance is how much higher the long list's peak heap may be than
// the short list's, read as many pods, for the peak to count as flat. A
// peak heap is the highest of per-GC-cycle peaks that move with the
// scheduling of GC work on a shared machine: over the same number of
// cycles, medians of three processes differ by a few percent between
// lists of any length. The report prints what it allows in bytes kept per
// pod (sensitivity).
const flatTolerance = 1.10

func memory(tmp string) *MemReport {
	bin := filepath.Join(tmp, "memprobe")
	logf("go build -o %s ./cmd/memprobe", bin)
	if _, err := run(nil, "go", "build", "-o", bin, "./cmd/memprobe"); err != nil {
		return &MemReport{Command: "go build ./cmd/memprobe", Runs: []MemResult{{Impl: "build", Err: err.Error()}}}
	}
	mr := &MemReport{Command: "memprobe -url <fixture server> -impl <impl> -pods <n> -page 500 -passes <1, or 10 for the SDK's relisted 10k rows>   (one fresh process per row; built from ./cmd/memprobe)"}
	for _, n := range memSizes {
		// Generated page by page on request, so the server's memory (in
		// this process) does not grow with n either.
		srv := httptest.NewServer(&fixture.Server{N: n})
		type probe struct {
			impl   string
			passes int
		}
		var probes []probe
		for _, impl := range memImpls {
			probes = append(probes, probe{impl, 1})
			if impl == "sdk" && n == memSizes[0] {
				probes = append(probes, probe{impl, memRelists})
			}
		}
		for _, pr := range probes {
			for rep := 0; rep < memRepeats(pr.impl); rep++ {
				logf("memprobe -impl %s -pods %d -passes %d", pr.impl, n, pr.passes)
				outb, err := run([]string{"GOGC=", "GOMEMLIMIT="}, bin, "-url", srv.URL, "-impl", pr.impl, "-pods", strconv.Itoa(n), "-page", "500", "-passes", strconv.Itoa(pr.passes))
				var m MemResult
				if jerr := json.Unmarshal(outb, &m); jerr != nil && err == nil {
					err = jerr
				}
				m.Impl, m.Pods, m.Passes = pr.impl, n, pr.passes
				if err != nil {
					m.Err = err.Error()
				}
				mr.Runs = append(mr.Runs, m)
			}
		}
		srv.Close()
	}
	return mr
}

// memRepeats is how many fresh processes measure impl: the SDK's peaks are a
// few MB and depend on when GCs run, so its rows are repeated and the
// summary compares medians; client-go's lists are hundreds of MB to GB. The
// two caches (watch.Store, SharedInformer) are compared with each other,
// median against median.
func memRepeats(impl string) int {
	switch impl {
	case "sdk", "sdk-store", "client-go-informer":
		return 3
	}
	return 1
}

// get returns the run of impl with n pods read once, with each metric the
// median over the repeated runs; nil if none succeeded.
func (m *MemReport) get(impl string, n int) *MemResult { return m.getPasses(impl, n, 1) }

// getPasses is get for the runs that read the list passes times.
func (m *MemReport) getPasses(impl string, n, passes int) *MemResult {
	var ok []MemResult
	for _, r := range m.Runs {
		if r.Impl == impl && r.Pods == n && r.Passes == passes && r.Err == "" && r.GuardOK {
			ok = append(ok, r)
		}
	}
	if len(ok) == 0 {
		return nil
	}
	med := func(f func(MemResult) float64) float64 {
		var vs []float64
		for _, r := range ok {
			vs = append(vs, f(r))
		}
		return median(vs)
	}
	return &MemResult{
		Impl: impl, Pods: n, Passes: passes, GuardOK: true,
		Cycles:   med(func(r MemResult) float64 { return r.Cycles }),
		CycleP50: med(func(r MemResult) float64 { return r.CycleP50 }),
		CycleP90: med(func(r MemResult) float64 { return r.CycleP90 }),
		PeakHeap: med(func(r MemResult) float64 { return r.PeakHeap }),
		PeakGoal: med(func(r MemResult) float64 { return r.PeakGoal }),
		PeakLive: med(func(r MemResult) float64 { return r.PeakLive }),
		VmHWM:    med(func(r MemResult) float64 { return r.VmHWM }),
		Seconds:  med(func(r MemResult) float64 { return r.Seconds }),
	}
}

// ---- size ----

// SizeResult is one program's build.
type SizeResult struct {
	Name              string
	Bytes, Stripped   int64
	Modules           []string
	ColdSecs, WarmSec float64
	Err               string
}

func size(tmp string) []SizeResult {
	var out []SizeResult
	for _, prog := range []string{"sdk", "clientgo"} {
		r := SizeResult{Name: prog}
		cache := filepath.Join(tmp, "gocache-"+prog)
		env := []string{"GOCACHE=" + cache}
		pkg := "./size/" + prog
		exe := filepath.Join(tmp, prog)
		logf("cold build: GOCACHE=<empty temp dir> go build -o %s %s", exe, pkg)
		start := time.Now()
		if _, err := run(env, "go", "build", "-o", exe, pkg); err != nil {
			r.Err = err.Error()
			out = append(out, r)
			continue
		}
		r.ColdSecs = time.Since(start).Seconds()
		logf("warm build: go build -o %s2 %s", exe, pkg)
		start = time.Now()
		if _, err := run(env, "go", "build", "-o", exe+"2", pkg); err != nil {
			r.Err = err.Error()
		}
		r.WarmSec = time.Since(start).Seconds()
		if _, err := run(env, "go", "build", "-ldflags=-s -w", "-o", exe+"-stripped", pkg); err != nil {
			r.Err = err.Error()
		}
		if fi, err := os.Stat(exe); err == nil {
			r.Bytes = fi.Size()
		}
		if fi, err := os.Stat(exe + "-stripped"); err == nil {
			r.Stripped = fi.Size()
		}
		if b, err := exec.Command("go", "version", "-m", exe).Output(); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				f := strings.Fields(line)
				if len(f) >= 2 && f[0] == "dep" {
					r.Modules = append(r.Modules, f[1])
				}
			}
		}
		out = append(out, r)
	}
	return out
}

// ---- end to end ----

// E2EResult is cmd/e2e's output.
type E2EResult struct {
	Pods          int     `json:"pods"`
	Nodes         int     `json:"nodes"`
	PageSize      int     `json:"pageSize"`
	Runs          int     `json:"runs"`
	StartupSecs   float64 `json:"clusterStartupSeconds"`
	CreateSecs    float64 `json:"createSeconds"`
	ReadySecs     float64 `json:"readySeconds"`
	ListBytesJSON int     `json:"listBytesJSON"`
	Timings       []struct {
		Name      string    `json:"name"`
		Seconds   []float64 `json:"seconds"`
		Median    float64   `json:"median"`
		Min       float64   `json:"min"`
		Responses int       `json:"responses"`
		Gzipped   int       `json:"gzipped"`
	} `json:"timings"`
	KubectlCmd string `json:"kubectlCommand"`
	Command    string `json:"-"`
	Err        string `json:"-"`
}

func e2e(tmp string) *E2EResult {
	bin := filepath.Join(tmp, "e2e")
	res := &E2EResult{Command: fmt.Sprintf("go build -o e2e ./cmd/e2e && ./e2e -pods %d -runs %d", *e2ePods, *e2eRuns)}
	if *e2eJSON != "" {
		b, err := os.ReadFile(*e2eJSON)
		if err == nil {
			err = json.Unmarshal(b, res)
		}
		if err != nil {
			res.Err = err.Error()
		}
		return res
	}
	logf("%s", res.Command)
	if _, err := run(nil, "go", "build", "-o", bin, "./cmd/e2e"); err != nil {
		res.Err = err.Error()
		return res
	}
	outb, err := run(nil, bin, "-pods", strconv.Itoa(*e2ePods), "-runs", strconv.Itoa(*e2eRuns))
	if err != nil {
		res.Err = err.Error()
		return res
	}
	if err := json.NewDecoder(bytes.NewReader(outb)).Decode(res); err != nil && err != io.EOF {
		res.Err = err.Error()
	}
	return res
}

func (e *E2EResult) timing(name string) float64 {
	for _, t := range e.Timings {
		if t.Name == name {
			return t.Median
		}
	}
	return 0
}
