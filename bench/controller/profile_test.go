package controller_test

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"testing"
)

// TestCacheHeapProfile writes heap profiles (inuse_space, every
// allocation sampled) of this toolkit's cache of 10k pods, whole and
// without spec, into the directory BENCH_CACHE_PROFILE names, for
// `go tool pprof -sample_index=inuse_space`. It is skipped without it
// (a measurement tool, not a test).
func TestCacheHeapProfile(t *testing.T) {
	dir := os.Getenv("BENCH_CACHE_PROFILE")
	if dir == "" {
		t.Skip("set BENCH_CACHE_PROFILE to a directory to write heap profiles")
	}
	n := envInt("BENCH_CACHE_PODS", 10000)
	old := runtime.MemProfileRate
	runtime.MemProfileRate = 1
	defer func() { runtime.MemProfileRate = old }()
	url := startFixture(t, n)
	for _, c := range []struct {
		name string
		fill func(testing.TB, string, int) (any, func())
	}{{"kube", cacheKube}, {"kube-dropspec", cacheKubeDropSpec}} {
		cache, stop := c.fill(t, url, n)
		runtime.GC()
		f, err := os.Create(filepath.Join(dir, c.name+".heap"))
		if err != nil {
			t.Fatal(err)
		}
		if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
			t.Fatal(err)
		}
		f.Close()
		runtime.KeepAlive(cache)
		stop()
	}
}
