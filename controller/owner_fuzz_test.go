package controller

import (
	"encoding/json"
	"testing"

	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

// FuzzSetControllerReference feeds arbitrary manifests (JSON decoded as
// the SDK's callers build them) to SetControllerReference: it never
// panics, and when it succeeds the manifest has exactly one controller
// reference, the owner's, in the owner's namespace.
func FuzzSetControllerReference(f *testing.F) {
	f.Add([]byte(`{"metadata":{"name":"web"}}`))
	f.Add([]byte(`{"metadata":{"name":"web","namespace":"b"}}`))
	f.Add([]byte(`{"metadata":{"ownerReferences":[{"apiVersion":"apps/v1","kind":"StatefulSet","name":"db","uid":"u","controller":true}]}}`))
	f.Add([]byte(`{"metadata":{"ownerReferences":[1,"x",null]}}`))
	f.Add([]byte(`{"metadata":null}`))
	c, err := sdk.New(sdk.Options{URL: "http://fake.invalid"})
	if err != nil {
		f.Fatal(err)
	}
	owner, err := sdk.DecodeItem(c, kinds.DeploymentKind, []byte(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"a","uid":"u-1"}}`))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var obj map[string]any
		if json.Unmarshal(data, &obj) != nil || obj == nil {
			return
		}
		if err := SetControllerReference(owner, kinds.ServiceKind, obj); err != nil {
			return
		}
		md := obj["metadata"].(map[string]any)
		if md["namespace"] != "a" {
			t.Fatalf("accepted a child in namespace %v", md["namespace"])
		}
		refs, err := ownerRefs(md)
		if err != nil {
			t.Fatalf("wrote unreadable ownerReferences: %v", err)
		}
		n := 0
		for _, r := range refs {
			if r.Controller {
				n++
				if r.UID != "u-1" {
					t.Fatalf("the controller is %+v", r)
				}
			}
		}
		if n != 1 {
			t.Fatalf("%d controller references", n)
		}
	})
}
