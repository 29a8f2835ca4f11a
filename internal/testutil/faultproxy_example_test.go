package testutil_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/kube-for-go/kube/internal/testutil"
)

// A fault proxy in front of an API endpoint (here a stand-in for kubectl
// proxy): the first watch gets a 429, the second is cut after one frame.
func ExampleFaultProxy() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"type":"ADDED","object":{"metadata":{"name":"a"}}}`+"\n")
		io.WriteString(w, `{"type":"ADDED","object":{"metadata":{"name":"b"}}}`+"\n")
	}))
	defer api.Close()

	p, err := testutil.NewFaultProxy(api.URL, testutil.FaultProxyOptions{})
	if err != nil {
		panic(err)
	}
	defer p.Close()
	p.Script(
		testutil.Fault{Kind: testutil.FaultTooManyRequests, RetryAfter: 2},
		testutil.Fault{Kind: testutil.FaultCut, AfterFrames: 1},
	)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for range 2 {
		resp, err := client.Get(p.URL() + "/api/v1/namespaces/default/pods?watch=true")
		if err != nil {
			panic(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("%d Retry-After=%q err=%v\n%s\n", resp.StatusCode, resp.Header.Get("Retry-After"), err, bytes.TrimSpace(body))
	}
	fmt.Println(p.Counts())
	// Output:
	// 429 Retry-After="2" err=<nil>
	// {"apiVersion":"v1","code":429,"details":{"retryAfterSeconds":2},"kind":"Status","message":"too many requests (injected by the fault proxy)","metadata":{},"reason":"TooManyRequests","status":"Failure"}
	// 200 Retry-After="" err=unexpected EOF
	// {"type":"ADDED","object":{"metadata":{"name":"a"}}}
	// map[429:1 cut:1]
}
