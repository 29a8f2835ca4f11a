package selector

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseFields(t *testing.T) {
	tests := []struct {
		reason string
		in     string
		want   string
		values []string // unescaped values in canonical order
	}{
		{"empty is everything", "", "", nil},
		{"equality", "status.phase=Running", "status.phase=Running", []string{"Running"}},
		{"double equals is written as =", "a==b", "a=b", []string{"b"}},
		{"not equals", "a!=b", "a!=b", []string{"b"}},
		{"empty value", "spec.nodeName=", "spec.nodeName=", []string{""}},
		{"empty terms are ignored", ",a=1,,b=2,", "a=1,b=2", []string{"1", "2"}},
		{"escaped comma", `a=x\,y`, `a=x\,y`, []string{"x,y"}},
		{"escaped equals", `a=x\=y`, `a=x\=y`, []string{"x=y"}},
		{"escaped backslash then comma separator", `a=x\\,b=1`, `a=x\\,b=1`, []string{`x\`, "1"}},
		{"escaped backslash and comma", `k=\\\,,k2=v2`, `k2=v2,k=\\\,`, []string{"v2", `\,`}},
		{"spaces are part of the value", "a= x ", "a= x ", []string{" x "}},
		{"unicode value", "a=수", "a=수", []string{"수"}},
		{"exclamation inside the value", "a=!x", "a=!x", []string{"!x"}},
		{"sorted as canonical terms", "a=x,a.b=x,a!=y", "a!=y,a.b=x,a=x", []string{"y", "x", "x"}},
		{"duplicates kept", "a=1,a=1", "a=1,a=1", []string{"1", "1"}},
		{"sorted by the written terms, as apimachinery sorts them", "b=w,b==x", "b=x,b=w", []string{"x", "w"}},
		{"escaped terms sorted as written", `a=\,,a=\\`, `a=\,,a=\\`, []string{",", `\`}},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			sel, err := ParseFields(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, sel.String())
			var values []string
			for _, r := range sel.Requirements() {
				values = append(values, r.Value())
			}
			assert.Equal(t, tt.values, values)
			again, err := ParseFields(sel.String())
			require.NoError(t, err)
			assert.True(t, again.Equal(sel), "String must round-trip")
		})
	}
}

func TestParseFieldsErrors(t *testing.T) {
	tests := []struct {
		reason string
		in     string
		offset int
		part   Part // "" for a *SyntaxError
	}{
		{"no operator", "a", 1, ""},
		{"no operator in second term", "a=1,b,c=2", 5, ""},
		{"unescaped equals in value", "x==a==b", 4, ""},
		{"unescaped equals after escape", `x=a\==b`, 5, ""},
		{"unknown escape", `k=\a`, 2, ""},
		{"trailing backslash", `k=\`, 2, ""},
		{"orphan backslash after escaped one", `k=\\\`, 4, ""},
		{"invalid UTF-8", "a=\xff", 2, ""},
		{"empty field", "=x", 0, PartFieldName},
		{"lone equals", "=", 0, PartFieldName},
		{"space in field", "a b=x", 1, PartFieldName},
		{"leading space in field", " a=x", 0, PartFieldName},
		{"bang in field", "a!b=x", 1, PartFieldName},
		{"backslash in field", `a\=b`, 1, PartFieldName},
		{"non-ASCII field", "함=수", 0, PartFieldName},
		{"label syntax is not field syntax", "x in (a)", 8, ""},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			_, err := ParseFields(tt.in)
			assert.Equal(t, tt.in, assertErrorAt(t, err, tt.part, tt.offset))
		})
	}
}

func TestFieldBuilders(t *testing.T) {
	tests := []struct {
		reason string
		sel    FieldSelector
		want   string
		err    bool
	}{
		{"equals", AndFields(Field("status.phase").Equals("Running")), "status.phase=Running", false},
		{"value needing escapes", AndFields(Field("metadata.name").NotEquals(`a,b=c\d`)), `metadata.name!=a\,b\=c\\d`, false},
		{"Fields sorted", Fields{"metadata.namespace": "ns", "metadata.name": "x"}.AsSelector(), "metadata.name=x,metadata.namespace=ns", false},
		{"AndFields keeps the order given", AndFields(Field("b").Equals("1"), Field("a").NotEquals("2")), "b=1,a!=2", false},
		{"Add appends", AndFields(Field("b").Equals("1")).Add(Field("a").Equals("2"), Field("b").Equals("0")), "b=1,a=2,b=0", false},
		{"empty Fields", Fields{}.AsSelector(), "", false},
		{"invalid field name", AndFields(Field("a b").Equals("x")), "", true},
		{"invalid UTF-8 value", AndFields(Field("a").Equals("\xff")), "", true},
		{"zero requirement", AndFields(FieldRequirement{}), "", true},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			if tt.err {
				assert.ErrorIs(t, tt.sel.Err(), ErrInvalid)
				assert.False(t, tt.sel.Matches(map[string]string{}), "invalid selectors match nothing")
				return
			}
			require.NoError(t, tt.sel.Err())
			assert.Equal(t, tt.want, tt.sel.String())
			assert.True(t, MustParseFields(tt.want).Equal(tt.sel), "builder and parser must agree")
		})
	}
	_, err := NewFieldRequirement("a", In, "x")
	assert.ErrorIs(t, err, ErrInvalid, "field selectors support only = and !=")
}

func TestFieldMatches(t *testing.T) {
	fields := map[string]string{"metadata.name": "web-0", "status.phase": "Running", "spec.nodeName": ""}
	tests := []struct {
		reason string
		sel    string
		want   bool
	}{
		{"everything", "", true},
		{"equal", "status.phase=Running", true},
		{"not equal value", "status.phase=Pending", false},
		{"not equals", "status.phase!=Pending", true},
		{"empty value present", "spec.nodeName=", true},
		{"missing field is empty", "spec.schedulerName=", true},
		{"missing field not equal to a value", "spec.schedulerName!=x", true},
		{"conjunction", "metadata.name=web-0,status.phase!=Failed", true},
		{"conjunction fails", "metadata.name=web-0,status.phase=Failed", false},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			assert.Equal(t, tt.want, MustParseFields(tt.sel).Matches(fields))
		})
	}
	assert.False(t, NothingFields().Matches(fields), "Nothing matches nothing")
	assert.True(t, NothingFields().IsNothing())
	assert.False(t, NothingFields().Empty())
	assert.True(t, EverythingFields().Empty())
	assert.Equal(t, "<nothing>", NothingFields().String())
	_, err := ParseFields(NothingFields().String())
	assert.Error(t, err, "Nothing's text must not parse")
	v, ok := MustParseFields("a!=1,b=2").RequiresExactMatch("b")
	assert.True(t, ok)
	assert.Equal(t, "2", v)
	_, ok = MustParseFields("a!=1").RequiresExactMatch("a")
	assert.False(t, ok, "!= is not an exact match")
}

func TestEscapeFieldValue(t *testing.T) {
	tests := []struct {
		reason, in, want string
	}{
		{"plain", "abc", "abc"},
		{"empty", "", ""},
		{"every special character", `\=,`, `\\\=\,`},
		{"unicode untouched", "ü,", `ü\,`},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			assert.Equal(t, tt.want, EscapeFieldValue(tt.in))
		})
	}
}

func TestSupportedFields(t *testing.T) {
	tests := []struct {
		reason   string
		resource string
		contains []string
		excludes []string
	}{
		{"pods", "pods", []string{"metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
			"spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP", "status.podIPs", "status.nominatedNodeName"}, []string{"spec.containers"}},
		{"secrets", "secrets", []string{"type", "metadata.name"}, []string{"status.phase"}},
		{"core events", "events", []string{"involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
			"involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"}, []string{"regarding.kind"}},
		{"events.k8s.io events", "events.events.k8s.io", []string{"regarding.kind", "reportingController", "type"}, []string{"source", "involvedObject.kind"}},
		{"nodes are cluster-scoped", "nodes", []string{"metadata.name", "spec.unschedulable"}, []string{"metadata.namespace"}},
		{"namespaces", "namespaces", []string{"status.phase"}, []string{"metadata.namespace"}},
		{"services", "services", []string{"spec.clusterIP", "spec.type"}, nil},
		{"replication controllers", "replicationcontrollers", []string{"status.replicas"}, nil},
		{"apps/v1 replica sets register no conversion", "replicasets.apps", []string{"metadata.name"}, []string{"status.replicas"}},
		{"bare plural resolves to its group", "jobs", []string{"status.successful"}, nil},
		{"deployments", "deployments", []string{"metadata.name", "metadata.namespace"}, nil},
		{"daemonsets", "daemonsets.apps", []string{"metadata.name", "metadata.namespace"}, nil},
		{"case-insensitive", "Pods", []string{"status.phase"}, nil},
		{"custom resource", "widgets.example.com", []string{"metadata.name", "metadata.namespace"}, []string{"status.phase"}},
		{"unknown bare plural", "widgets", []string{"metadata.name", "metadata.namespace"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			got := SupportedFields(tt.resource)
			assert.True(t, slices.IsSorted(got), "sorted")
			for _, f := range tt.contains {
				assert.Contains(t, got, f)
			}
			for _, f := range tt.excludes {
				assert.NotContains(t, got, f)
			}
		})
	}
	for key, fields := range supportedFields {
		assert.True(t, slices.IsSorted(fields), "table entry %s must be sorted", key)
		assert.Equal(t, len(fields), len(slices.Compact(slices.Clone(fields))), "table entry %s has duplicates", key)
	}
	got := SupportedFields("pods")
	got[0] = "changed"
	assert.Equal(t, "metadata.name", SupportedFields("pods")[0], "SupportedFields returns a copy")
}

func TestValidateFor(t *testing.T) {
	tests := []struct {
		reason   string
		sel      FieldSelector
		resource string
		bad      string // unsupported field, "" if valid
		offset   int
	}{
		{"supported pod field", MustParseFields("status.phase=Running"), "pods", "", 0},
		{"everything is valid anywhere", EverythingFields(), "secrets", "", 0},
		{"nothing is valid anywhere", NothingFields(), "secrets", "", 0},
		{"unsupported secret field", MustParseFields("status.phase=Running"), "secrets", "status.phase", 0},
		{"second field unsupported", MustParseFields("metadata.name=x,spec.nodeName=n"), "services", "spec.nodeName", 16},
		{"namespace on nodes", MustParseFields("metadata.namespace=x"), "nodes", "metadata.namespace", 0},
		{"custom resource field", MustParseFields("spec.color=red"), "widgets.example.com", "spec.color", 0},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			err := tt.sel.ValidateFor(tt.resource)
			if tt.bad == "" {
				assert.NoError(t, err)
				return
			}
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.ErrorIs(t, err, ErrUnsupportedField)
			assert.ErrorIs(t, err, ErrInvalid)
			assert.Equal(t, tt.bad, ve.Found)
			assert.Equal(t, tt.resource, ve.Resource)
			assert.Equal(t, tt.offset, ve.Offset)
			for _, f := range SupportedFields(tt.resource) {
				assert.Contains(t, err.Error(), `"`+f+`"`, "the message lists the supported fields")
			}
		})
	}
	invalid := AndFields(Field("a b").Equals("x"))
	err := invalid.ValidateFor("pods")
	assert.ErrorIs(t, err, ErrInvalid)
	assert.NotErrorIs(t, err, ErrUnsupportedField, "an invalid selector reports its own error")

	crd := MustParseFields("spec.color=red")
	assert.NoError(t, crd.ValidateFields("metadata.name", "metadata.namespace", "spec.color"), "explicit list, e.g. CRD selectableFields")
	assert.ErrorIs(t, crd.ValidateFields("metadata.name"), ErrUnsupportedField)
	assert.True(t, strings.HasPrefix(crd.ValidateFields().Error(), "selector: invalid field"))
}
