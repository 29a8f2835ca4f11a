package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/watch"
)

// fuzzCluster returns a cluster whose every answer is 200 with body.
func fuzzCluster(t *testing.T, body []byte) *kube.Cluster {
	t.Helper()
	c, err := kube.New(kube.Options{URL: base, MaxObjectBytes: 1 << 16, Transport: hRT(func(r *http.Request) (*http.Response, error) {
		return hResp(r, 200, strings.NewReader(string(body))), nil
	})})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// frameMembers are the members of watch frames, for permutations.
var frameMembers = [][2]string{
	{"type", `"ADDED"`},
	{"object", podJSON("ns", "a", "1", "Running")},
	{"kind", `"WatchEvent"`},
}

// permuted returns the frame of members in the order perm (indexes).
func permuted(members [][2]string, perm []int) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range perm {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:%s", members[k][0], members[k][1])
	}
	b.WriteByte('}')
	return b.String()
}

// FuzzWatchStream feeds any bytes to a watch stream: frames with members
// in any order, corrupted, cut, or not JSON at all. Next never panics,
// every error is io.EOF, a *sdk.DecodeError or an *sdk.APIError, and
// every event has a known type and an object.
func FuzzWatchStream(f *testing.F) {
	pod := podJSON("ns", "a", "1", "Running")
	for _, perm := range [][]int{{0, 1}, {1, 0}, {0, 1, 2}, {2, 1, 0}, {1, 2, 0}, {1, 0, 2}} {
		frame := permuted(frameMembers, perm)
		f.Add([]byte(frame + "\n" + frame))
		f.Add([]byte(frame[:len(frame)/2]))                                   // cut inside
		f.Add([]byte(strings.Replace(frame, `"metadata"`, `"metadata":`, 1))) // garbled
	}
	for _, s := range []string{
		`{"type":"ADDED","object":null}`,
		`{"object":null,"type":"ADDED"}`,
		`{"object":[1],"type":"MODIFIED"}`,
		`{"type":"ERROR","object":{}}`,
		`{"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old"}}`,
		`{"object":{"kind":"Status","code":500,"reason":"InternalError"},"type":"ERROR"}`,
		`{"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"9","annotations":{"k8s.io/initial-events-end":"true"}}}}`,
		`{"type":"DELETED","object":` + pod + `}` + " \n\t " + `{"type":"MODIFIED","x":{"y":[{}]},"object":` + pod + `}`,
		`{"type":"ADDED","object":{"kind":"Service","metadata":{"name":"s"}}}`,
		`{"type":"UNKNOWN","object":` + pod + `}`,
		`{"type":1,"object":{}}`,
		`[]`, `null`, `"x"`, ``, `{`, `{}`, `{"type":"ADDED"}`,
		"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"\xff\xfe\"}}}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		c := fuzzCluster(t, body)
		st, err := c.Pods.Source().OpenWatch(context.Background(), watch.WatchOptions{ResourceVersion: "1"})
		if err != nil {
			t.Fatalf("OpenWatch: %v", err)
		}
		defer st.Close()
		for i := 0; i <= len(body); i++ { // each frame takes at least one byte
			ev, err := st.Next()
			if errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				return
			}
			if err != nil {
				var de *sdk.DecodeError
				var ae *sdk.APIError
				if !errors.As(err, &de) && !errors.As(err, &ae) {
					t.Fatalf("error of type %T: %v", err, err)
				}
				return // the loop abandons a stream after an error
			}
			switch ev.Type {
			case watch.Added, watch.Modified, watch.Deleted, watch.Bookmark:
			default:
				t.Fatalf("event of type %q", ev.Type)
			}
			if ev.Object == nil {
				t.Fatalf("%s event without an object", ev.Type)
			}
			_ = fmt.Sprint(ev.Object, ev.Object.Meta())
		}
		t.Fatalf("more events than bytes")
	})
}

// FuzzListBody feeds any bytes to View.All as every list page: never a
// panic, never an endless iteration, and every error is a *sdk.DecodeError
// or an *sdk.APIError.
func FuzzListBody(f *testing.F) {
	items := []string{podJSON("ns", "a", "1", "Running"), podJSON("ns", "b", "2", "Pending")}
	for _, s := range []string{
		listBody(items, "", "9"),
		listBody(items, "next", "9"),
		listBody(nil, "", "9"),
		`{"items":[` + items[0] + `],"metadata":{"resourceVersion":"9"},"kind":"PodList"}`,
		`{"kind":"PodList","items":null}`,
		`{"kind":"PodList","metadata":{}}`,
		`{"kind":"PodList","items":[null]}`,
		`{"kind":"PodList","items":[1,2]}`,
		`{"kind":"PodList","items":[{"kind":"Service"}]}`,
		`{"kind":"PodList","items":[{"metadata":{"name":1}}]}`,
		`{"kind":"PodList","metadata":{"continue":5},"items":[]}`,
		listBody(items, "", "9")[:80],
		`[]`, `null`, ``, `{`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		c := fuzzCluster(t, body)
		n := 0
		for it, err := range c.Pods.All(context.Background()) {
			if err != nil {
				var de *sdk.DecodeError
				var ae *sdk.APIError
				if !errors.As(err, &de) && !errors.As(err, &ae) {
					t.Fatalf("error of type %T: %v", err, err)
				}
				return
			}
			if it == nil {
				t.Fatal("nil item without an error")
			}
			_ = fmt.Sprint(it)
			n++
			if n > 2*len(body)+2 {
				t.Fatalf("more items than the pages can hold: the iteration does not end")
			}
		}
	})
}

// FuzzDecodeItem decodes any bytes as a Pod, a Secret and a Deployment:
// never a panic; errors are *sdk.DecodeErrors; a decoded item prints and
// reads its status without a panic.
func FuzzDecodeItem(f *testing.F) {
	for _, s := range []string{
		podJSON("ns", "a", "1", "Running"),
		`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"ns","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}"}},"type":"Opaque","data":{"k":"dg=="}}`,
		`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"k":"not base64!"}}`,
		`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"ns","generation":3},"spec":{"replicas":2},"status":{"replicas":2,"readyReplicas":1,"observedGeneration":3,"conditions":[{"type":"Available","status":"True"}]}}`,
		`{"kind":"Deployment","status":{"replicas":"two"}}`,
		`{"metadata":null,"status":null}`,
		`{"status":{"phase":5}}`,
		`null`, `[]`, `42`, ``, `{`, `{"kind":"Pod"}`,
	} {
		f.Add([]byte(s))
	}
	check := func(t *testing.T, what string, err error) {
		var de *sdk.DecodeError
		if err != nil && !errors.As(err, &de) {
			t.Fatalf("%s: error of type %T: %v", what, err, err)
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		pod, err := sdk.DecodeItem(nil, kinds.PodKind, append([]byte(nil), raw...))
		check(t, "Pod", err)
		if err == nil {
			_ = fmt.Sprintf("%v %+v %#v", pod, pod.Meta(), pod.Spec())
			_, _ = pod.Status().Phase()
			_, _ = pod.Status().IP()
		}
		secret, err := sdk.DecodeItem(nil, kinds.SecretKind, append([]byte(nil), raw...))
		check(t, "Secret", err)
		if err == nil {
			_ = fmt.Sprintf("%v %+v", secret, secret.Status())
			_ = secret.Status().Data()
		}
		d, err := sdk.DecodeItem(nil, kinds.DeploymentKind, append([]byte(nil), raw...))
		check(t, "Deployment", err)
		if err == nil {
			_ = fmt.Sprintf("%v %+v", d, d.Meta())
			_, _ = d.Status().UpdatedReplicas()
			_ = d.Status().Available(1)
		}
	})
}

// yamlAlias matches an alias node ("*name" where a node starts; a '*'
// inside a plain scalar such as a key "m**adata" is no alias).
var yamlAlias = regexp.MustCompile(`(?:^|[\s\[{,])\*([A-Za-z0-9_]{4,})`)

// FuzzParseManifests parses any bytes as a manifest stream: never a panic,
// every error is a *sdk.ManifestError, and no error quotes the name of an
// alias (the source text, which may be a Secret's data).
func FuzzParseManifests(f *testing.F) {
	for _, s := range []string{
		"apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: *S3cret\n",
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: b\n  namespace: ns\n",
		"a: &anchor x\nb: *anchor\n",
		"metadata:\n  name: ..\n  namespace: Bad/NS\napiVersion: v1\nkind: Pod\n",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":".."}}`,
		"? [a]\n: b\n",
		"- 1\n- 2\n",
		"--- |\n  text\n",
		"key: 'unterminated\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ms, err := sdk.ParseManifests(data)
		if err == nil {
			for _, m := range ms {
				if m == nil || m.APIVersion == "" || m.Kind == "" {
					t.Fatalf("an accepted manifest without apiVersion or kind: %+v", m)
				}
			}
			return
		}
		var me *sdk.ManifestError
		if !errors.As(err, &me) {
			t.Fatalf("error of type %T: %v", err, err)
		}
		msg := err.Error()
		for _, m := range yamlAlias.FindAllSubmatch(data, -1) {
			name := string(m[1])
			if strings.Count(string(data), name) == 1 && strings.Contains(msg, name) {
				t.Fatalf("the error quotes the alias %q: %s", name, msg)
			}
		}
	})
}
