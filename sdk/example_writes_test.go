package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/jarcoal/httpmock"
	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/sdk"
)

// exampleCluster is a Cluster whose API server is an in-memory transport
// answering each "METHOD path" with the given status and body, so that the
// examples run offline.
func exampleCluster(answers map[string]func(req *http.Request) (int, string)) *kube.Cluster {
	mt := httpmock.NewMockTransport()
	mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		if req.URL.Path == "/apis/apps/v1" {
			return httpmock.NewStringResponse(200, wAppsDiscovery), nil
		}
		if f, ok := answers[req.Method+" "+req.URL.Path]; ok {
			code, body := f(req)
			return httpmock.NewStringResponse(code, body), nil
		}
		return httpmock.NewStringResponse(404, `{"kind":"Status","reason":"NotFound","code":404}`), nil
	})
	c, err := kube.New(kube.Options{URL: "http://kube.test", Transport: mt})
	if err != nil {
		panic(err)
	}
	return c
}

func fixed(code int, body string) func(*http.Request) (int, string) {
	return func(*http.Request) (int, string) { return code, body }
}

func ExampleItem_Modify() {
	// The server's copy moved on (version 6) since our snapshot (version 5):
	// the first PUT conflicts, Modify fetches version 6, re-applies the
	// change and retries.
	puts := 0
	c := exampleCluster(map[string]func(*http.Request) (int, string){
		"PUT " + wDepPath: func(*http.Request) (int, string) {
			if puts++; puts == 1 {
				return 409, `{"kind":"Status","reason":"Conflict","code":409,"message":"the object has been modified"}`
			}
			return 200, wDeployment("7", 4)
		},
		"GET " + wDepPath: fixed(200, wDeployment("6", 3)),
	})
	ctx := context.Background()
	stale, _ := sdk.DecodeItem(c.Client, c.Deployments.Kind(), []byte(wDeployment("5", 1)))

	d, err := stale.Modify(ctx, func(obj map[string]any) error {
		spec := obj["spec"].(map[string]any)
		spec["replicas"] = spec["replicas"].(int64) + 1 // integers are int64
		return nil
	}, sdk.ModifyOptions{})
	fmt.Println(d, err, "after", puts, "PUTs")
	// Output: Deployment ns/web (version 7) <nil> after 2 PUTs
}

func ExampleView_Apply() {
	c := exampleCluster(map[string]func(*http.Request) (int, string){
		"PATCH " + wDepPath: fixed(409, `{"kind":"Status","reason":"Conflict","code":409,"message":"Apply failed with 1 conflict",
			"details":{"causes":[{"reason":"FieldManagerConflict","message":"conflict with \"alice\"","field":".spec.replicas"}]}}`),
	})
	manifest := `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec: {replicas: 3}
`
	_, err := c.Deployments.In("ns").Apply(context.Background(), manifest, sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "bob"}})
	var conflict *sdk.ApplyConflictError
	if errors.As(err, &conflict) {
		for _, f := range conflict.Conflicts {
			fmt.Printf("%s is owned by %s\n", f.Field, f.Manager)
		}
		// Retry with sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "bob"}, Force: true} to take it over.
	}
	// Output: .spec.replicas is owned by alice
}

func ExamplePodView_Logs() {
	c := exampleCluster(map[string]func(*http.Request) (int, string){
		"GET " + wPodPath + "/log": func(req *http.Request) (int, string) {
			lines := []string{"starting", "listening on :8080", "ready"}
			n := len(lines)
			if req.URL.Query().Get("tailLines") == "2" {
				n = 2
			}
			return 200, strings.Join(lines[len(lines)-n:], "\n") + "\n"
		},
	})
	for line, err := range c.Pods.In("ns").Logs(context.Background(), "p", sdk.LogOptions{Container: "c", TailLines: 2}) {
		if err != nil {
			fmt.Println("error:", err)
			break
		}
		fmt.Println(line)
	}
	// Output:
	// listening on :8080
	// ready
}
