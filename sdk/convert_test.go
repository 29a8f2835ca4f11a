package sdk_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

// The types below mimic k8s.io/api's (which the SDK module must not
// require): a metav1.Time-like timestamp that marshals its zero value as
// null and has IsZero on the pointer, TypeMeta inlined, struct values that
// encoding/json writes as {} when empty, and a union member that is a
// pointer to an empty struct (emptyDir).

type tTime struct{ t time.Time }

func (t tTime) MarshalJSON() ([]byte, error) {
	if t.t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.t.UTC().Format(time.RFC3339))
}

func (t *tTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		t.t = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	pt, err := time.Parse(time.RFC3339, s)
	t.t = pt
	return err
}

func (t *tTime) IsZero() bool { return t == nil || t.t.IsZero() }

type tTypeMeta struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind,omitempty"`
}

type tMeta struct {
	Name              string            `json:"name,omitempty"`
	Namespace         string            `json:"namespace,omitempty"`
	ResourceVersion   string            `json:"resourceVersion,omitempty"`
	CreationTimestamp tTime             `json:"creationTimestamp"`
	Labels            map[string]string `json:"labels,omitempty"`
}

type tEmptyDir struct {
	Medium string `json:"medium,omitempty"`
}

type tVolumeSource struct {
	EmptyDir *tEmptyDir `json:"emptyDir,omitempty"`
}

type tVolume struct {
	Name          string `json:"name"`
	tVolumeSource `json:",inline"`
}

type tResources struct {
	Limits map[string]string `json:"limits,omitempty"`
}

type tContainer struct {
	Name      string     `json:"name"`
	Image     string     `json:"image,omitempty"`
	Resources tResources `json:"resources,omitempty"`
}

type tPodSpec struct {
	Containers []tContainer `json:"containers"`
	Volumes    []tVolume    `json:"volumes,omitempty"`
}

type tTemplate struct {
	Metadata tMeta    `json:"metadata,omitempty"`
	Spec     tPodSpec `json:"spec,omitempty"`
}

type tStrategy struct {
	Type string `json:"type,omitempty"`
}

type tDeploymentSpec struct {
	Replicas *int32    `json:"replicas,omitempty"`
	Strategy tStrategy `json:"strategy,omitempty"`
	Template tTemplate `json:"template"`
}

type tDeploymentStatus struct {
	Replicas int32 `json:"replicas,omitempty"`
}

type tDeployment struct {
	tTypeMeta `json:",inline"`
	Metadata  tMeta             `json:"metadata,omitempty"`
	Spec      tDeploymentSpec   `json:"spec,omitempty"`
	Status    tDeploymentStatus `json:"status,omitempty"`
}

// newTDeployment is what a client-go user writes: no TypeMeta, replicas
// explicitly 0, one container, an emptyDir volume.
func newTDeployment() tDeployment {
	var zero int32
	return tDeployment{
		Metadata: tMeta{Name: "web", Namespace: "ns"},
		Spec: tDeploymentSpec{
			Replicas: &zero,
			Template: tTemplate{Spec: tPodSpec{
				Containers: []tContainer{{Name: "web", Image: "nginx"}},
				Volumes:    []tVolume{{Name: "scratch", tVolumeSource: tVolumeSource{EmptyDir: &tEmptyDir{}}}},
			}},
		},
	}
}

// tPrunedDeployment is MarshalApply's output for newTDeployment: sorted
// members, no creationTimestamp, strategy, resources, template metadata or
// status; replicas 0 and emptyDir {} kept.
const tPrunedDeployment = `{"metadata":{"name":"web","namespace":"ns"},"spec":{"replicas":0,"template":{"spec":{"containers":[{"image":"nginx","name":"web"}],"volumes":[{"emptyDir":{},"name":"scratch"}]}}}}`

type panicZero struct{}

func (panicZero) IsZero() bool { panic("boom") }

type shadowInner struct {
	Name string `json:"name"`
	Note string `json:"note"`
}

type shadowOuter struct {
	shadowInner
	Name string `json:"name"`
}

func TestMarshalApply(t *testing.T) {
	d := newTDeployment()
	stamped := newTDeployment()
	stamped.Metadata.CreationTimestamp = tTime{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	mapManifest := map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "cm", "labels": map[string]any{}}, "data": nil}
	mapJSON, err := json.Marshal(mapManifest)
	require.NoError(t, err)
	tests := []struct {
		reason string
		in     any
		want   string
	}{
		{"a typed struct drops its zero-valued struct fields and keeps pointers the user set", d, tPrunedDeployment},
		{"a pointer to the struct is the same", &d, tPrunedDeployment},
		{"a timestamp that is set is kept (its IsZero is on the pointer receiver)", stamped,
			`{"metadata":{"creationTimestamp":"2026-01-02T03:04:05Z","name":"web","namespace":"ns"},"spec":{"replicas":0,"template":{"spec":{"containers":[{"image":"nginx","name":"web"}],"volumes":[{"emptyDir":{},"name":"scratch"}]}}}}`},
		{"a map is marshalled by encoding/json unchanged, empty objects and nulls included", mapManifest, string(mapJSON)},
		{"bytes are sent as they are", []byte("kind: ConfigMap\n"), "kind: ConfigMap\n"},
		{"a string is sent as it is", `{"b":1,"a":{}}`, `{"b":1,"a":{}}`},
		{"map entries and list elements stay even when zero; their zero struct fields go, tagged omitempty or not",
			struct {
				M map[string]tStrategy `json:"m"`
				L []tContainer         `json:"l"`
			}{M: map[string]tStrategy{"a": {}}, L: []tContainer{{}}},
			`{"l":[{}],"m":{"a":{}}}`},
		{"a shallower field shadows an embedded one of the same name: its value decides",
			shadowOuter{Name: "outer"}, `{"name":"outer"}`},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			got, err := sdk.MarshalApply(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
		})
	}
	t.Run("a panicking IsZero method is an error, not a crash", func(t *testing.T) {
		_, err := sdk.MarshalApply(struct {
			P panicZero `json:"p"`
		}{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "IsZero")
	})
	t.Run("what encoding/json cannot marshal is its error", func(t *testing.T) {
		_, err := sdk.MarshalApply(struct {
			C chan int `json:"c"`
		}{})
		require.Error(t, err)
	})
}

func TestInto(t *testing.T) {
	raw := []byte(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"ns","resourceVersion":"7","creationTimestamp":"2026-01-02T03:04:05Z","labels":{"app":"web"}},"spec":{"replicas":3,"strategy":{"type":"Recreate"},"template":{"spec":{"containers":[{"name":"web","image":"nginx","resources":{"limits":{"cpu":"250m"}}}]}},"unknownField":{"x":1}},"status":{"replicas":2}}`)
	it, err := sdk.DecodeItem(nil, kinds.DeploymentKind, raw)
	require.NoError(t, err)

	t.Run("into a k8s.io/api-like struct, through its UnmarshalJSON methods, ignoring unknown members", func(t *testing.T) {
		d, err := sdk.Into[tDeployment](it)
		require.NoError(t, err)
		assert.Equal(t, tTypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}, d.tTypeMeta)
		assert.Equal(t, "web", d.Metadata.Name)
		assert.Equal(t, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), d.Metadata.CreationTimestamp.t)
		require.NotNil(t, d.Spec.Replicas)
		assert.Equal(t, int32(3), *d.Spec.Replicas)
		assert.Equal(t, "Recreate", d.Spec.Strategy.Type)
		assert.Equal(t, map[string]string{"cpu": "250m"}, d.Spec.Template.Spec.Containers[0].Resources.Limits)
		assert.Equal(t, int32(2), d.Status.Replicas)
	})
	t.Run("into a pointer type", func(t *testing.T) {
		d, err := sdk.Into[*tDeployment](it)
		require.NoError(t, err)
		assert.Equal(t, "7", d.Metadata.ResourceVersion)
	})
	t.Run("into a partial struct of one's own", func(t *testing.T) {
		type partial struct {
			Spec struct {
				Replicas int `json:"replicas"`
			} `json:"spec"`
		}
		p, err := sdk.Into[partial](it)
		require.NoError(t, err)
		assert.Equal(t, 3, p.Spec.Replicas)
	})
	t.Run("names match case-sensitively, as in client-go", func(t *testing.T) {
		type upper struct {
			Spec struct {
				Replicas int `json:"Replicas"`
			} `json:"spec"`
		}
		p, err := sdk.Into[upper](it)
		require.NoError(t, err)
		assert.Equal(t, 0, p.Spec.Replicas)
	})
	t.Run("Item.Into decodes onto the value, keeping fields the JSON lacks", func(t *testing.T) {
		type target struct {
			Kind  string `json:"kind"`
			Extra string `json:"extra"`
		}
		v := target{Extra: "kept"}
		require.NoError(t, it.Into(&v))
		assert.Equal(t, target{Kind: "Deployment", Extra: "kept"}, v)
	})
	t.Run("into a map", func(t *testing.T) {
		m, err := sdk.Into[map[string]any](it)
		require.NoError(t, err)
		assert.Equal(t, "Deployment", m["kind"])
	})
}

func TestIntoErrors(t *testing.T) {
	const secretValue = "aHVudGVyMg==" // must never appear in an error
	raw := []byte(`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"creds","namespace":"ns"},"data":{"password":"` + secretValue + `"}}`)
	sec, err := sdk.DecodeItem(nil, kinds.SecretKind, raw)
	require.NoError(t, err)
	var nilItem *sdk.Item[kinds.SecretStatus]

	t.Run("a value that does not fit is a DecodeError naming the path and type, never the value", func(t *testing.T) {
		type wrong struct {
			Data map[string]int `json:"data"`
		}
		_, err := sdk.Into[wrong](sec)
		var de *sdk.DecodeError
		require.ErrorAs(t, err, &de)
		assert.Equal(t, "Secret ns/creds", de.Path)
		assert.Positive(t, de.Offset)
		var se *jsonv2.SemanticError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, "/data/password", string(se.JSONPointer))
		assert.NotContains(t, err.Error(), secretValue)
		assert.NotContains(t, fmt.Sprintf("%+v %#v", err, err), secretValue)
		assert.ErrorIs(t, err, sdk.ErrKube)
	})
	t.Run("an UnmarshalJSON error that would quote the value is not kept", func(t *testing.T) {
		type stamp struct {
			Data struct {
				Password tTime `json:"password"`
			} `json:"data"`
		}
		_, err := sdk.Into[stamp](sec)
		var de *sdk.DecodeError
		require.ErrorAs(t, err, &de)
		assert.NotContains(t, err.Error(), secretValue)
	})
	tests := []struct {
		reason string
		call   func() error
	}{
		{"Item.Into needs a pointer", func() error { var d tDeployment; return sec.Into(d) }},
		{"Item.Into needs a non-nil pointer", func() error { var d *tDeployment; return sec.Into(d) }},
		{"Item.Into needs a value", func() error { return sec.Into(nil) }},
		{"a nil Object", func() error { _, err := sdk.Into[tDeployment](nil); return err }},
		{"a nil item in an Object", func() error { _, err := sdk.Into[tDeployment](nilItem); return err }},
		{"Into of a nil item", func() error { var v map[string]any; return nilItem.Into(&v) }},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			err := tt.call()
			var e *sdk.Error
			require.ErrorAs(t, err, &e)
			assert.ErrorIs(t, err, sdk.ErrKube)
		})
	}
}

// TestTypedWrites checks the bodies a view sends for Go structs: TypeMeta
// filled from the view, encoding/json for create and update, MarshalApply
// for apply, map and text manifests sent unchanged; and the refusals.
func TestTypedWrites(t *testing.T) {
	dep := wDeployment("5", 0)
	createdJSON, err := json.Marshal(newTDeployment())
	require.NoError(t, err)
	mapManifest := map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "web", "creationTimestamp": nil}, "spec": map[string]any{"strategy": map[string]any{}}, "status": map[string]any{}}
	mapJSON, err := json.Marshal(mapManifest)
	require.NoError(t, err)
	const yamlManifest = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nstatus: {}\n"
	applied := func(v any) func(ctx context.Context, c *kube.Cluster) error {
		return func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Deployments.In("ns").Apply(ctx, v, sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "me"}})
			return err
		}
	}
	applyQuery := map[string][]string{"fieldManager": {"me"}}
	tests := []struct {
		reason      string
		call        func(ctx context.Context, c *kube.Cluster) error
		method      string
		contentType string
		body        string
	}{
		{
			reason: "Create of an empty-TypeMeta struct: apiVersion and kind from the view, first; the rest as encoding/json wrote it",
			call: func(ctx context.Context, c *kube.Cluster) error {
				_, err := c.Deployments.In("ns").Create(ctx, newTDeployment(), sdk.CreateOptions{})
				return err
			},
			method: "POST", contentType: "application/json",
			body: `{"apiVersion":"apps/v1","kind":"Deployment",` + string(createdJSON[1:]),
		},
		{
			reason: "Update of an empty-TypeMeta struct is filled the same way",
			call: func(ctx context.Context, c *kube.Cluster) error {
				_, err := c.Deployments.In("ns").Update(ctx, newTDeployment(), sdk.WriteOptions{})
				return err
			},
			method: "PUT", contentType: "application/json",
			body: `{"apiVersion":"apps/v1","kind":"Deployment",` + string(createdJSON[1:]),
		},
		{
			reason: "Apply of an empty-TypeMeta struct: filled, and zero-valued struct fields omitted",
			call:   applied(newTDeployment()),
			method: "PATCH", contentType: string(sdk.ApplyPatch),
			body: `{"apiVersion":"apps/v1","kind":"Deployment",` + tPrunedDeployment[1:],
		},
		{
			reason: "Apply of a struct with its TypeMeta set is pruned too",
			call: func() func(ctx context.Context, c *kube.Cluster) error {
				d := newTDeployment()
				d.tTypeMeta = tTypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}
				return applied(&d)
			}(),
			method: "PATCH", contentType: string(sdk.ApplyPatch),
			body: `{"apiVersion":"apps/v1","kind":"Deployment",` + tPrunedDeployment[1:],
		},
		{
			reason: "Apply of a map sends encoding/json's bytes, empty objects and nulls included",
			call:   applied(mapManifest),
			method: "PATCH", contentType: string(sdk.ApplyPatch),
			body: string(mapJSON),
		},
		{
			reason: "Apply of YAML sends its JSON form, status {} included",
			call:   applied(yamlManifest),
			method: "PATCH", contentType: string(sdk.ApplyPatch),
			body: `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"status":{}}`,
		},
		{
			reason: "Patch with ApplyPatch and a typed struct is pruned like Apply",
			call: func(ctx context.Context, c *kube.Cluster) error {
				d := newTDeployment()
				d.tTypeMeta = tTypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}
				_, err := c.Deployments.In("ns").Patch(ctx, "web", sdk.ApplyPatch, d, sdk.PatchOptions{WriteOptions: sdk.WriteOptions{FieldManager: "me"}})
				return err
			},
			method: "PATCH", contentType: string(sdk.ApplyPatch),
			body: `{"apiVersion":"apps/v1","kind":"Deployment",` + tPrunedDeployment[1:],
		},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			c, m := newWriteMock(t, map[string][]wReply{
				"POST /apis/apps/v1/namespaces/ns/deployments": {{201, dep}},
				"PUT " + wDepPath:   {{200, dep}},
				"PATCH " + wDepPath: {{200, dep}},
			})
			require.NoError(t, tt.call(context.Background(), c))
			reqs := m.requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, tt.method, reqs[0].Method)
			assert.Equal(t, tt.contentType, reqs[0].ContentType)
			assert.Equal(t, tt.body, reqs[0].Body, "the exact bytes sent")
			if tt.method == "PATCH" {
				assert.Equal(t, applyQuery["fieldManager"], reqs[0].Query["fieldManager"])
			}
		})
	}
}

func TestTypedWriteRefusals(t *testing.T) {
	other := newTDeployment()
	other.tTypeMeta = tTypeMeta{APIVersion: "v1", Kind: "Pod"}
	oldVersion := newTDeployment()
	oldVersion.tTypeMeta = tTypeMeta{APIVersion: "apps/v1beta1", Kind: "Deployment"}
	kindOnly := newTDeployment()
	kindOnly.Kind = "Pod"
	tests := []struct {
		reason string
		call   func(ctx context.Context, c *kube.Cluster) error
		field  string
		says   string
	}{
		{"a struct of another kind is refused by the view", func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Deployments.In("ns").Create(ctx, other, sdk.CreateOptions{})
			return err
		}, "kind", "manifest is a Pod, the view holds Deployment"},
		{"a kind set alone must still be the view's", func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Deployments.In("ns").Update(ctx, kindOnly, sdk.WriteOptions{})
			return err
		}, "kind", "manifest is a Pod"},
		{"an apiVersion other than the one the view serves is refused (the server would be too)", func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Deployments.In("ns").Apply(ctx, oldVersion, sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "me"}})
			return err
		}, "apiVersion", "the view serves Deployment at apps/v1"},
		{"a map of another version is refused the same way", func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Deployments.In("ns").Create(ctx, map[string]any{"apiVersion": "extensions/v1beta1", "kind": "Deployment", "metadata": map[string]any{"name": "web"}}, sdk.CreateOptions{})
			return err
		}, "apiVersion", "extensions/v1beta1"},
		{"Client.Create cannot know the kind of an empty-TypeMeta struct and says to use a view", func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Create(ctx, newTDeployment(), sdk.CreateOptions{})
			return err
		}, "apiVersion", "needs a view of its kind"},
		{"Client.Apply too", func(ctx context.Context, c *kube.Cluster) error {
			_, err := c.Apply(ctx, newTDeployment(), sdk.ApplyOptions{WriteOptions: sdk.WriteOptions{FieldManager: "me"}})
			return err
		}, "apiVersion", "needs a view of its kind"},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			c, m := newWriteMock(t, nil)
			err := tt.call(context.Background(), c)
			var me *sdk.ManifestError
			require.ErrorAs(t, err, &me)
			assert.Equal(t, tt.field, me.Field)
			assert.Contains(t, me.Error(), tt.says)
			assert.Empty(t, m.requests(), "refused before any request")
		})
	}
}

// TestSetTypeMetaKeepsMembers checks, through View.Create, that filling
// apiVersion and kind replaces empty members of those names and keeps
// every other member's bytes, in order.
func TestSetTypeMetaKeepsMembers(t *testing.T) {
	dep := wDeployment("5", 0)
	tests := []struct {
		reason   string
		manifest string
		want     string
	}{
		{"empty apiVersion and kind members are replaced", `{"kind":"","metadata":{"name":"web"},"apiVersion":"","x":[1, 2.50]}`,
			`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"x":[1, 2.50]}`},
		{"escapes in names and values survive", `{"metadata":{"name":"web","annotations":{"a\u0041":"\u00e9<"}}}`,
			`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","annotations":{"a\u0041":"\u00e9<"}}}`},
		{"a missing apiVersion is filled beside the kind given", `{"kind":"Deployment","metadata":{"name":"web"}}`,
			`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			c, m := newWriteMock(t, map[string][]wReply{"POST /apis/apps/v1/namespaces/ns/deployments": {{201, dep}}})
			_, err := c.Deployments.In("ns").Create(context.Background(), []byte(tt.manifest), sdk.CreateOptions{})
			require.NoError(t, err)
			reqs := m.requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, tt.want, reqs[0].Body)
		})
	}
	t.Run("trailing data after the object is a ManifestError", func(t *testing.T) {
		c, m := newWriteMock(t, nil)
		_, err := c.Deployments.In("ns").Create(context.Background(), []byte(`{"metadata":{"name":"web"}} {}`), sdk.CreateOptions{})
		var me *sdk.ManifestError
		require.ErrorAs(t, err, &me)
		assert.Empty(t, m.requests())
		assert.False(t, strings.Contains(me.Error(), "panic"))
	})
	t.Run("a manifest that is not an object is a ManifestError", func(t *testing.T) {
		c, _ := newWriteMock(t, nil)
		_, err := c.Deployments.In("ns").Create(context.Background(), []byte(`[1]`), sdk.CreateOptions{})
		var me *sdk.ManifestError
		require.True(t, errors.As(err, &me), "got %v", err)
	})
}
