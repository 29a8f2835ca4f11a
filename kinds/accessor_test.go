package kinds_test

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

// The tests in this file check the package doc's accessor rule on the
// accessors whose shape it fixes: lookups into collections return
// (value, error) with an *sdk.UnavailableError naming kind and field,
// predicates return false when the information is unset.

func TestConditionsLookup(t *testing.T) {
	ready := kinds.Condition{Type: "Ready", Status: kinds.ConditionTrue, Reason: "KubeletReady"}
	tests := []struct {
		name      string
		cs        kinds.Conditions
		typ       string
		want      *kinds.Condition // nil = unavailable
		wantKind  string
		wantField string
		isTrue    bool
		reason    string
	}{
		{"present true", kinds.NewConditions("Widget", "status.conditions", []kinds.Condition{{Type: "Synced", Status: kinds.ConditionFalse}, ready}),
			"Ready", &ready, "", "", true, "a True condition is found and is true"},
		{"present false", kinds.NewConditions("Widget", "status.conditions", []kinds.Condition{{Type: "Ready", Status: kinds.ConditionFalse, Reason: "Down"}}),
			"Ready", &kinds.Condition{Type: "Ready", Status: kinds.ConditionFalse, Reason: "Down"}, "", "", false, "a False condition is found, and is not true"},
		{"present unknown", kinds.NewConditions("Widget", "status.conditions", []kinds.Condition{{Type: "Ready", Status: kinds.ConditionUnknown}}),
			"Ready", &kinds.Condition{Type: "Ready", Status: kinds.ConditionUnknown}, "", "", false, "Unknown is not true"},
		{"malformed status", kinds.NewConditions("Widget", "status.conditions", []kinds.Condition{{Type: "Ready", Status: "yes"}}),
			"Ready", &kinds.Condition{Type: "Ready", Status: "yes"}, "", "", false, "only the exact status True is true"},
		{"duplicate types", kinds.NewConditions("Widget", "status.conditions", []kinds.Condition{ready, {Type: "Ready", Status: kinds.ConditionFalse}}),
			"Ready", &ready, "", "", true, "the first condition of a type wins"},
		{"absent type", kinds.NewConditions("Widget", "status.conditions", []kinds.Condition{ready}),
			"Progressing", nil, "Widget", "status.conditions[type=Progressing]", false, "a type not in the list is unavailable, naming kind and type"},
		{"empty list", kinds.NewConditions("Widget", "status.conditions", nil),
			"Ready", nil, "Widget", "status.conditions[type=Ready]", false, "an empty list finds nothing"},
		{"zero value", kinds.Conditions{},
			"Ready", nil, "", "conditions[type=Ready]", false, "the zero value is an empty list of no known kind"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := tc.cs.Get(tc.typ)
			if tc.want == nil {
				requireUnavailable(t, err, tc.wantKind, tc.wantField, tc.reason)
				assert.Equal(t, kinds.Condition{}, c, tc.reason)
			} else {
				require.NoError(t, err, tc.reason)
				assert.Equal(t, *tc.want, c, tc.reason)
			}
			assert.Equal(t, tc.isTrue, tc.cs.IsTrue(tc.typ), tc.reason)
		})
	}
}

func TestConditionsCollection(t *testing.T) {
	list := []kinds.Condition{{Type: "A", Status: kinds.ConditionTrue}, {Type: "B"}, {Type: "C"}}
	cs := kinds.NewConditions("Widget", "status.conditions", list)
	list[0].Status = kinds.ConditionFalse
	assert.True(t, cs.IsTrue("A"), "NewConditions keeps a copy")
	assert.Equal(t, 3, cs.Len())

	var types []string
	for c := range cs.All() {
		types = append(types, c.Type)
		if c.Type == "B" {
			break
		}
	}
	assert.Equal(t, []string{"A", "B"}, types, "All yields in order and stops when asked")
	for c := range cs.All() {
		c.Status = kinds.ConditionFalse
		_ = c
	}
	assert.True(t, cs.IsTrue("A"), "All yields copies")
	assert.Zero(t, kinds.Conditions{}.Len())
	assert.Empty(t, slices.Collect(kinds.Conditions{}.All()))
}

// TestConditionsKind checks that each kind's Conditions name the kind, so a
// failed lookup says what and where.
func TestConditionsKind(t *testing.T) {
	tests := []struct {
		kind   string
		get    func(raw []byte) (kinds.Conditions, error)
		reason string
	}{
		{"Pod", conditionsOf(kinds.PodKind, func(s kinds.PodStatus) kinds.Conditions { return s.Conditions() }), "pods"},
		{"Node", conditionsOf(kinds.NodeKind, func(s kinds.NodeStatus) kinds.Conditions { return s.Conditions() }), "nodes"},
		{"Namespace", conditionsOf(kinds.NamespaceKind, func(s kinds.NamespaceStatus) kinds.Conditions { return s.Conditions() }), "namespaces, whose wire struct is unexported now"},
		{"Deployment", conditionsOf(kinds.DeploymentKind, func(s kinds.DeploymentStatus) kinds.Conditions { return s.Conditions() }), "deployments share ReplicaStatus"},
		{"ReplicaSet", conditionsOf(kinds.ReplicaSetKind, func(s kinds.ReplicaSetStatus) kinds.Conditions { return s.Conditions() }), "replica sets share ReplicaStatus"},
		{"ReplicationController", conditionsOf(kinds.ReplicationControllerKind, func(s kinds.ReplicationControllerStatus) kinds.Conditions { return s.Conditions() }), "replication controllers share ReplicaStatus"},
		{"DaemonSet", conditionsOf(kinds.DaemonSetKind, func(s kinds.DaemonSetStatus) kinds.Conditions { return s.Conditions() }), "daemon sets"},
	}
	for _, tc := range tests {
		t.Run(tc.kind, func(t *testing.T) {
			for _, body := range []struct {
				status string
				want   bool
				why    string
			}{
				{`{"conditions":[{"type":"Ready","status":"True"}]}`, true, "present"},
				{`{}`, false, "absent"},
				{`{"conditions":null}`, false, "null"},
			} {
				cs, err := tc.get([]byte(`{"kind":"` + tc.kind + `","metadata":{"name":"x"},"status":` + body.status + `}`))
				require.NoError(t, err, tc.reason)
				c, err := cs.Get("Ready")
				if body.want {
					require.NoError(t, err, "%s: %s", tc.reason, body.why)
					assert.True(t, c.IsTrue(), "%s: %s", tc.reason, body.why)
					continue
				}
				requireUnavailable(t, err, tc.kind, "status.conditions[type=Ready]", "%s: %s", tc.reason, body.why)
				assert.Zero(t, cs.Len())
			}
		})
	}
}

func conditionsOf[S sdk.Status](k *sdk.Kind[S], get func(S) kinds.Conditions) func([]byte) (kinds.Conditions, error) {
	return func(raw []byte) (kinds.Conditions, error) {
		it, err := sdk.DecodeItem(nil, k, raw)
		if err != nil {
			return kinds.Conditions{}, err
		}
		return get(it.Status()), nil
	}
}

func TestResourceListLookup(t *testing.T) {
	m := map[string]kinds.Quantity{"cpu": kinds.MustParseQuantity("1500m"), "memory": kinds.MustParseQuantity("2Gi"), "nvidia.com/gpu": kinds.MustParseQuantity("1")}
	rl := kinds.NewResourceList("Widget", "status.capacity", m)
	m["cpu"] = kinds.MustParseQuantity("9")
	delete(m, "memory")
	tests := []struct {
		name      string
		rl        kinds.ResourceList
		get       func(kinds.ResourceList) (kinds.Quantity, error)
		want      string // "" = unavailable
		wantKind  string
		wantField string
		reason    string
	}{
		{"cpu", rl, kinds.ResourceList.CPU, "3/2", "", "", "present; NewResourceList kept a copy, not the later 9"},
		{"memory", rl, kinds.ResourceList.Memory, "2147483648", "", "", "present although deleted from the input map afterwards"},
		{"extended", rl, func(r kinds.ResourceList) (kinds.Quantity, error) { return r.Get("nvidia.com/gpu") }, "1", "", "", "any resource name through Get"},
		{"pods", rl, kinds.ResourceList.Pods, "", "Widget", "status.capacity[pods]", "absent: unavailable, naming kind and resource"},
		{"zero value", kinds.ResourceList{}, kinds.ResourceList.CPU, "", "", "resources[cpu]", "the zero value is an empty list of no known kind"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := tc.get(tc.rl)
			if tc.want == "" {
				requireUnavailable(t, err, tc.wantKind, tc.wantField, tc.reason)
				assert.Equal(t, "0", q.String(), tc.reason)
				return
			}
			require.NoError(t, err, tc.reason)
			assert.Zero(t, q.Rat().Cmp(rat(t, tc.want)), "%s: got %s", tc.reason, q.Rat().RatString())
		})
	}
	assert.Equal(t, 3, rl.Len())
	assert.Equal(t, []string{"cpu", "memory", "nvidia.com/gpu"}, rl.Names())
	var names []string
	for name, q := range rl.All() {
		names = append(names, name+"="+q.String())
		if name == "memory" {
			break
		}
	}
	assert.Equal(t, []string{"cpu=1500m", "memory=2Gi"}, names, "All yields sorted by name and stops when asked")
	assert.Zero(t, kinds.ResourceList{}.Len())
	assert.Empty(t, kinds.ResourceList{}.Names())
}

func TestNodeAddressIP(t *testing.T) {
	tests := []struct {
		addr   kinds.NodeAddress
		want   string // "" = unavailable
		reason string
	}{
		{kinds.NodeAddress{Type: kinds.AddressInternalIP, Address: "192.168.49.3"}, "192.168.49.3", "an IPv4 address"},
		{kinds.NodeAddress{Type: kinds.AddressExternalIP, Address: "2001:db8::10"}, "2001:db8::10", "an IPv6 address"},
		{kinds.NodeAddress{Type: kinds.AddressHostname, Address: "worker-1"}, "", "a host name has no IP"},
		{kinds.NodeAddress{Type: kinds.AddressInternalDNS, Address: "ip-10-0-0-1.internal"}, "", "a DNS name has no IP"},
		{kinds.NodeAddress{Type: kinds.AddressInternalIP, Address: "300.1.1.1"}, "", "a malformed InternalIP is reported, not zero"},
		{kinds.NodeAddress{Type: kinds.AddressInternalIP, Address: ""}, "", "an empty address"},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			ip, err := tc.addr.IP()
			if tc.want == "" {
				requireUnavailable(t, err, "Node", fmt.Sprintf("status.addresses[type=%s].address (not an IP address: %q)", tc.addr.Type, tc.addr.Address), tc.reason)
				assert.False(t, ip.IsValid(), tc.reason)
				return
			}
			require.NoError(t, err, tc.reason)
			assert.Equal(t, netip.MustParseAddr(tc.want), ip, tc.reason)
		})
	}
}

func TestEventOptionalFields(t *testing.T) {
	const none = "\x00" // unavailable
	type fields struct{ reason, message, typ, action, component, instance, related string }
	tests := []struct {
		name   string
		raw    string
		want   fields
		reason string
	}{
		{"newer form", `{"reason":"Scheduled","message":"assigned","type":"Normal","action":"Binding","reportingComponent":"default-scheduler","reportingInstance":"s-1","related":{"kind":"Node","name":"n1"}}`,
			fields{"Scheduled", "assigned", "Normal", "Binding", "default-scheduler", "s-1", "n1"}, "every optional field present"},
		{"core/v1 form", `{"reason":"Pulled","message":"ok","type":"Warning","source":{"component":"kubelet","host":"node-1"}}`,
			fields{"Pulled", "ok", "Warning", none, "kubelet", "node-1", none}, "reporting fields fall back to source; no action, no related"},
		{"newer wins", `{"reportingComponent":"new","reportingInstance":"i","source":{"component":"old","host":"h"}}`,
			fields{none, none, none, none, "new", "i", none}, "the newer reporting fields take precedence over source"},
		{"bare", `{}`,
			fields{none, none, none, none, none, none, none}, "nothing set: every optional field is unavailable, never an empty string"},
		{"empty strings", `{"reason":"","message":"","type":"","action":"","reportingComponent":"","source":{}}`,
			fields{none, none, none, none, none, none, none}, "empty strings are unset, like the server's omitempty"},
		{"empty related", `{"related":{}}`,
			fields{none, none, none, none, none, none, none}, "a related reference naming nothing is unavailable"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := `{"kind":"Event","metadata":{"name":"e"}}`
			if tc.raw != "{}" {
				raw = `{"kind":"Event","metadata":{"name":"e"},` + tc.raw[1:]
			}
			st := decodeEvent(t, raw).Status()
			typ := func() (string, error) { v, err := st.Type(); return string(v), err }
			related := func() (string, error) { r, err := st.Related(); return r.Name, err }
			for _, f := range []struct {
				field string
				get   func() (string, error)
				want  string
			}{
				{"reason", st.Reason, tc.want.reason}, {"message", st.Message, tc.want.message},
				{"type", typ, tc.want.typ}, {"action", st.Action, tc.want.action},
				{"reportingComponent", st.ReportingComponent, tc.want.component},
				{"reportingInstance", st.ReportingInstance, tc.want.instance},
				{"related", related, tc.want.related},
			} {
				v, err := f.get()
				if f.want == none {
					requireUnavailable(t, err, "Event", f.field, "%s: %s", tc.reason, f.field)
					assert.Empty(t, v)
					continue
				}
				require.NoError(t, err, "%s: %s", tc.reason, f.field)
				assert.Equal(t, f.want, v, "%s: %s", tc.reason, f.field)
			}
			assert.Equal(t, int32(1), st.Count(), "an event without count happened once")
		})
	}
}

func TestContainerPredicates(t *testing.T) {
	tests := []struct {
		status  string
		ready   bool
		started bool
		reason  string
	}{
		{`"ready":true,"started":true`, true, true, "both probes passed"},
		{`"ready":false,"started":true`, false, true, "started but not ready"},
		{`"ready":false,"started":false`, false, false, "neither"},
		{`"ready":true`, true, false, "no startup probe result: Started is false"},
		{``, false, false, "nothing reported: both false, never an error"},
		{`"ready":null,"started":null`, false, false, "null is unset"},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			body := `{"name":"c","image":"nginx"`
			if tc.status != "" {
				body += "," + tc.status
			}
			p, err := sdk.DecodeItem(nil, kinds.PodKind, []byte(`{"kind":"Pod","metadata":{"name":"p"},"status":{"containerStatuses":[`+body+`}]}}`))
			require.NoError(t, err)
			cs := p.Status().Containers()
			require.Len(t, cs, 1)
			assert.Equal(t, tc.ready, cs[0].Ready(), tc.reason)
			assert.Equal(t, tc.started, cs[0].Started(), tc.reason)
			assert.Zero(t, cs[0].RestartCount(), "an omitted restart count is 0")
		})
	}
}

func TestPodFailure(t *testing.T) {
	tests := []struct {
		status string
		exists bool
		want   string // "" = no error
		reason string
	}{
		{`{"phase":"Failed","reason":"Evicted","message":"low on memory"}`, true, `kube: pod failed: p: reason "Evicted": low on memory`, "reason and message are reported"},
		{`{"phase":"Failed","message":"deadline exceeded"}`, true, `kube: pod failed: p: deadline exceeded`, "no reason: none is invented"},
		{`{"phase":"Failed"}`, true, `kube: pod failed: p`, "neither reason nor message"},
		{`{"phase":"Running","reason":"x"}`, true, "", "a running pod has not failed"},
		{`{}`, true, "", "no phase yet"},
		{`{"phase":"Failed"}`, false, "", "a deleted pod is not a failure"},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			p, err := sdk.DecodeItem(nil, kinds.PodKind, []byte(`{"kind":"Pod","metadata":{"name":"p"},"status":`+tc.status+`}`))
			require.NoError(t, err)
			ok, err := kinds.PodFailure()(p, tc.exists)
			assert.False(t, ok, "a failure condition never holds")
			if tc.want == "" {
				assert.NoError(t, err, tc.reason)
				return
			}
			require.Error(t, err, tc.reason)
			assert.True(t, errors.Is(err, kinds.ErrPodFailed), tc.reason)
			assert.Equal(t, tc.want, err.Error(), tc.reason)
		})
	}
}

func TestEventTimesPlain(t *testing.T) {
	created := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	st := decodeEvent(t, `{"kind":"Event","metadata":{"name":"e","creationTimestamp":"2025-01-02T03:04:05Z"}}`).Status()
	assert.Equal(t, created, st.FirstSeen(), "FirstSeen falls back to the creation time")
	assert.Equal(t, created, st.LastSeen(), "LastSeen falls back to FirstSeen")
	_, err := st.EventTime()
	requireUnavailable(t, err, "Event", "eventTime")
	_, err = st.FirstTimestamp()
	requireUnavailable(t, err, "Event", "firstTimestamp")
	_, err = st.LastTimestamp()
	requireUnavailable(t, err, "Event", "lastTimestamp")
}
