package kubefake_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kube-for-go/kube/kubefake"
)

func benchServer(b *testing.B, n int) (*kubefake.Server, *http.Client) {
	var objs strings.Builder
	for i := range n {
		fmt.Fprintf(&objs, "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-%04d, namespace: default, labels: {i: \"%d\"}}\ndata: {k: v}\n", i, i%10)
	}
	srv, err := kubefake.New(kubefake.Options{Objects: []any{objs.String()}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Close)
	return srv, &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
}

func fetch(b *testing.B, hc *http.Client, url string) {
	resp, err := hc.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("status %d", resp.StatusCode)
	}
}

// BenchmarkServerGet measures a GET of one object over loopback HTTP.
func BenchmarkServerGet(b *testing.B) {
	srv, hc := benchServer(b, 100)
	url := srv.URL() + "/api/v1/namespaces/default/configmaps/cm-0042"
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			fetch(b, hc, url)
		}
	})
}

// BenchmarkServerList measures a list of 100 objects under a label
// selector matching 10 of them, over loopback HTTP.
func BenchmarkServerList(b *testing.B) {
	srv, hc := benchServer(b, 100)
	url := srv.URL() + "/api/v1/namespaces/default/configmaps?labelSelector=i%3D3"
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			fetch(b, hc, url)
		}
	})
}

// BenchmarkServerWatch measures one change from its write (merge patch)
// to its event on an open watch.
func BenchmarkServerWatch(b *testing.B) {
	srv, hc := benchServer(b, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL()+"/api/v1/namespaces/default/configmaps?watch=true&resourceVersion="+srv.ResourceVersion(), nil)
	resp, err := hc.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(nil, 1<<20)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		body := fmt.Sprintf(`{"data":{"k":"%d"}}`, i)
		preq, _ := http.NewRequest("PATCH", srv.URL()+"/api/v1/namespaces/default/configmaps/cm-0000", strings.NewReader(body))
		preq.Header.Set("Content-Type", "application/merge-patch+json")
		presp, err := hc.Do(preq)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, presp.Body)
		presp.Body.Close()
		if !lines.Scan() {
			b.Fatal("watch ended")
		}
	}
}
