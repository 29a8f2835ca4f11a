package sdk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

// FuzzInto decodes arbitrary objects into structs: never a panic, and
// every failure a *DecodeError or *Error.
func FuzzInto(f *testing.F) {
	f.Add([]byte(`{"kind":"Deployment","metadata":{"name":"web","creationTimestamp":"2026-01-02T03:04:05Z"},"spec":{"replicas":2}}`))
	f.Add([]byte(`{"metadata":{"creationTimestamp":"yesterday"},"spec":{"replicas":"2"}}`))
	f.Add([]byte(`{"spec":{"template":{"spec":{"containers":[{"name":1}],"volumes":[{"emptyDir":null}]}}}}`))
	f.Add([]byte(`{"spec":{"template":{"spec":{"containers":{}}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		it, err := sdk.DecodeItem(nil, kinds.DeploymentKind, data)
		if err != nil {
			return
		}
		check := func(err error) {
			var de *sdk.DecodeError
			var e *sdk.Error
			if err != nil && !errors.As(err, &de) && !errors.As(err, &e) {
				t.Fatalf("Into failed with %T: %v", err, err)
			}
		}
		_, err = sdk.Into[tDeployment](it)
		check(err)
		_, err = sdk.Into[map[string]any](it)
		check(err)
		var v struct {
			Spec struct {
				Replicas int `json:"replicas"`
			} `json:"spec"`
		}
		check(it.Into(&v))
	})
}

// FuzzMarshalApply checks the apply encoding of typed structs decoded from
// arbitrary JSON: it is JSON, and decodes back to what encoding/json's own
// encoding decodes to (what it omits beyond encoding/json was zero).
func FuzzMarshalApply(f *testing.F) {
	b, err := json.Marshal(newTDeployment())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"metadata":{"creationTimestamp":"2026-01-02T03:04:05Z","labels":{}},"spec":{"replicas":0,"strategy":{},"template":{"spec":{"containers":[],"volumes":[{"name":"","emptyDir":{}}]}}},"status":{"replicas":0}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var in tDeployment
		if json.Unmarshal(data, &in) != nil {
			return
		}
		out, err := sdk.MarshalApply(in)
		if err != nil {
			t.Fatalf("MarshalApply: %v", err)
		}
		std, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		var want, back tDeployment
		if err := json.Unmarshal(std, &want); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("MarshalApply wrote invalid JSON %s: %v", out, err)
		}
		if !reflect.DeepEqual(want, back) {
			t.Fatalf("round trip changed the struct:\n want %+v\n got  %+v\n json %s", want, back, out)
		}
	})
}

// FuzzTypeMetaFill sends arbitrary JSON manifests through a view's Create:
// a manifest is refused with an error and no request, or sent with the
// view's apiVersion and kind and every other member unchanged.
func FuzzTypeMetaFill(f *testing.F) {
	f.Add([]byte(`{"metadata":{"name":"web"}}`))
	f.Add([]byte(`{"kind":"","apiVersion":"","metadata":{"name":"web"},"x":[1,2.5e3]}`))
	f.Add([]byte(`{"kind":"Deployment","metadata":{"name":"web","namespace":"ns"}}`))
	f.Add([]byte(`{"metadata":{"name":"web"},"a\u0041":"\ud800"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if t := bytes.TrimSpace(data); len(t) == 0 || t[0] != '{' {
			return // YAML: covered by FuzzParseManifests
		}
		c, m := newWriteMock(t, map[string][]wReply{"POST /apis/apps/v1/namespaces/ns/deployments": {{201, wDeployment("1", 1)}}})
		_, err := c.Deployments.In("ns").Create(context.Background(), data, sdk.CreateOptions{})
		reqs := m.requests()
		if err != nil {
			if len(reqs) != 0 {
				t.Fatalf("refused with %v after a request", err)
			}
			return
		}
		if len(reqs) != 1 {
			t.Fatalf("%d requests", len(reqs))
		}
		var in, sent map[string]any
		if err := json.Unmarshal(data, &in); err != nil {
			t.Fatalf("the manifest was accepted but is not JSON: %v", err)
		}
		if err := json.Unmarshal([]byte(reqs[0].Body), &sent); err != nil {
			t.Fatalf("sent invalid JSON %q: %v", reqs[0].Body, err)
		}
		if sent["apiVersion"] != "apps/v1" || sent["kind"] != "Deployment" {
			t.Fatalf("sent apiVersion %v kind %v", sent["apiVersion"], sent["kind"])
		}
		delete(in, "apiVersion")
		delete(in, "kind")
		delete(sent, "apiVersion")
		delete(sent, "kind")
		if !reflect.DeepEqual(in, sent) {
			t.Fatalf("members changed:\n in   %v\n sent %v", in, sent)
		}
	})
}
