package kinds_test

import (
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

// load decodes testdata/<file> offline (nil client) as an item of kind k.
func load[S sdk.Status](t *testing.T, k *sdk.Kind[S], file string) *sdk.Item[S] {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", file))
	require.NoError(t, err)
	it, err := sdk.DecodeItem(nil, k, raw)
	require.NoError(t, err, "decode %s", file)
	assert.Equal(t, raw, it.Raw(), "Raw returns the bytes decoded")
	return it
}

// requireUnavailable checks that err says the attribute at field of an
// object of the given kind is not available.
func requireUnavailable(t *testing.T, err error, kind, field string, msg ...any) {
	t.Helper()
	require.Error(t, err, msg...)
	assert.ErrorIs(t, err, sdk.ErrStatusUnavailable, msg...)
	assert.ErrorIs(t, err, sdk.ErrKube, msg...)
	var se *sdk.UnavailableError
	require.True(t, errors.As(err, &se), "%T is not a *sdk.UnavailableError", err)
	assert.Equal(t, kind, se.Kind, msg...)
	assert.Equal(t, field, se.Field, msg...)
}

func ts(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return v
}

func ips(t *testing.T, ss ...string) []netip.Addr {
	out := []netip.Addr{}
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out
}

func TestNodeStatus(t *testing.T) {
	type addr struct {
		typ  kinds.AddressType
		addr string
		isIP bool
	}
	tests := []struct {
		file        string
		addrs       []addr
		capacity    map[string]string // exact big.Rat values; nil = unavailable
		allocatable map[string]string
		ready       bool
		readyStatus kinds.ConditionStatus // "" = no Ready condition
		readyReason string
		conditions  []string
		kubelet     string // "" = not checked
		arch        string
		reason      string
	}{
		{
			file: "node.json",
			addrs: []addr{
				{kinds.AddressInternalIP, "192.168.49.3", true},
				{kinds.AddressInternalIP, "fd00:192:168:49::3", true},
				{kinds.AddressExternalIP, "203.0.113.25", true},
				{kinds.AddressHostname, "worker-1", false},
				{kinds.AddressInternalDNS, "ip-192-168-49-3.eu-west-1.compute.internal", false},
			},
			capacity:    map[string]string{"cpu": "4", "memory": "16479334400", "pods": "110", "ephemeral-storage": "104604340224", "hugepages-2Mi": "0", "hugepages-1Gi": "0"},
			allocatable: map[string]string{"cpu": "98/25", "memory": "15429709824", "pods": "110", "ephemeral-storage": "94143055459", "hugepages-2Mi": "0", "hugepages-1Gi": "0"},
			ready:       true, readyStatus: kinds.ConditionTrue, readyReason: "KubeletReady",
			conditions: []string{"MemoryPressure", "DiskPressure", "PIDPressure", "Ready"},
			kubelet:    "v1.34.4", arch: "amd64",
			reason: "a ready dual-stack cloud node with every address type; 3920m allocatable CPU is 98/25 cores",
		},
		{
			file:        "node_notready.json",
			addrs:       []addr{{kinds.AddressInternalIP, "192.168.49.4", true}, {kinds.AddressHostname, "worker-2", false}},
			capacity:    map[string]string{"cpu": "2", "memory": "4294967296", "pods": "110"},
			allocatable: map[string]string{"cpu": "193/100", "memory": "3758096384", "pods": "110"},
			ready:       false, readyStatus: kinds.ConditionUnknown, readyReason: "NodeStatusUnknown",
			conditions: []string{"Ready"},
			kubelet:    "v1.34.4", arch: "arm64",
			reason: "an unreachable node: Ready is Unknown, which is not ready; 3.5Gi is exact",
		},
		{
			file:   "node_registering.json",
			reason: "a node that has not reported status: no addresses, no capacity, no conditions",
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			n := load[kinds.NodeStatus](t, kinds.NodeKind, tc.file)
			s := n.Status()

			got := s.Addresses()
			require.Len(t, got, len(tc.addrs), tc.reason)
			for i, want := range tc.addrs {
				assert.Equal(t, want.typ, got[i].Type, tc.reason)
				assert.Equal(t, want.addr, got[i].Address, tc.reason)
				ip, err := got[i].IP()
				if want.isIP {
					require.NoError(t, err, "%s: IP() of %s", tc.reason, want.addr)
					assert.Equal(t, netip.MustParseAddr(want.addr), ip)
				} else {
					requireUnavailable(t, err, "Node", fmt.Sprintf("status.addresses[type=%s].address (not an IP address: %q)", want.typ, want.addr), tc.reason)
					assert.False(t, ip.IsValid())
				}
			}
			if len(got) > 0 {
				got[0].Address = "changed"
				assert.NotEqual(t, "changed", s.Addresses()[0].Address, "Addresses returns a copy")
			}

			for _, rl := range []struct {
				name string
				l    kinds.ResourceList
				want map[string]string
			}{{"capacity", s.Capacity(), tc.capacity}, {"allocatable", s.Allocatable(), tc.allocatable}} {
				l := rl.l
				assert.Equal(t, len(rl.want), l.Len(), tc.reason)
				assert.Equal(t, slices.Sorted(maps.Keys(rl.want)), l.Names(), tc.reason)
				for k, v := range rl.want {
					q, err := l.Get(k)
					require.NoError(t, err, "%s: %s has no %s", tc.reason, rl.name, k)
					assert.Zero(t, q.Rat().Cmp(rat(t, v)), "%s: %s[%s] = %s, want %s", tc.reason, rl.name, k, q.Rat().RatString(), v)
				}
				for _, get := range []struct {
					name string
					get  func() (kinds.Quantity, error)
				}{{"cpu", l.CPU}, {"memory", l.Memory}, {"pods", l.Pods}} {
					q, err := get.get()
					if rl.want == nil {
						requireUnavailable(t, err, "Node", "status."+rl.name+"["+get.name+"]", tc.reason)
						continue
					}
					require.NoError(t, err, tc.reason)
					assert.Zero(t, q.Rat().Cmp(rat(t, rl.want[get.name])), "%s: %s %s", tc.reason, rl.name, get.name)
				}
				_, err := l.Get("nvidia.com/gpu")
				requireUnavailable(t, err, "Node", "status."+rl.name+"[nvidia.com/gpu]", "no fixture has GPUs")
			}

			assert.Equal(t, tc.ready, s.Ready(), tc.reason)
			var types []string
			for c := range s.Conditions().All() {
				types = append(types, c.Type)
			}
			assert.Equal(t, tc.conditions, types, tc.reason)
			rc, err := s.Conditions().Get("Ready")
			if tc.readyStatus == "" {
				requireUnavailable(t, err, "Node", "status.conditions[type=Ready]", tc.reason)
			} else {
				require.NoError(t, err)
				assert.Equal(t, tc.readyStatus, rc.Status, tc.reason)
				assert.Equal(t, tc.readyReason, rc.Reason, tc.reason)
				assert.Equal(t, tc.ready, rc.IsTrue())
				assert.False(t, rc.LastHeartbeatTime.IsZero(), "heartbeat time decoded")
			}
			_, err = s.Conditions().Get("NetworkUnavailable")
			requireUnavailable(t, err, "Node", "status.conditions[type=NetworkUnavailable]", "no such condition in any fixture")

			if tc.kubelet != "" {
				v, err := s.Info("kubeletVersion")
				require.NoError(t, err)
				assert.Equal(t, tc.kubelet, v)
				v, err = s.Info("architecture")
				require.NoError(t, err)
				assert.Equal(t, tc.arch, v)
			}
			_, err = s.Info("noSuchKey")
			requireUnavailable(t, err, "Node", "status.nodeInfo.noSuchKey")

			assert.Empty(t, n.Namespace(), "nodes are cluster-scoped")
		})
	}
}

func TestNodeReadyConditionDetails(t *testing.T) {
	s := load[kinds.NodeStatus](t, kinds.NodeKind, "node.json").Status()
	c, err := s.Conditions().Get("Ready")
	require.NoError(t, err)
	assert.Equal(t, "kubelet is posting ready status", c.Message)
	assert.Equal(t, ts(t, "2025-03-02T09:14:49Z"), c.LastTransitionTime)
	assert.Equal(t, ts(t, "2025-03-04T11:02:51Z"), c.LastHeartbeatTime)
	assert.True(t, s.Conditions().IsTrue("Ready"))
	assert.False(t, s.Conditions().IsTrue("MemoryPressure"), "False condition")
	assert.False(t, s.Conditions().IsTrue("Nope"), "absent condition")
}

func TestPodStatus(t *testing.T) {
	tests := []struct {
		file       string
		phase      kinds.PodPhase // "" = unavailable
		ip         string         // "" = unavailable
		ips        []string
		hostIP     string
		start      string // RFC 3339, "" = unavailable
		message    string // "" = unavailable
		podReason  string
		qos        kinds.QOSClass
		nominated  string
		ready      bool
		conditions []string
		containers []string
		inits      []string
		reason     string
	}{
		{
			file: "pod_running.json", phase: kinds.PodRunning,
			ip: "10.244.1.17", ips: []string{"10.244.1.17", "fd00:10:244:1::11"}, hostIP: "192.168.49.3",
			start: "2025-03-04T10:00:01Z", qos: kinds.QOSBurstable, ready: false,
			conditions: []string{"PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"},
			containers: []string{"app", "log-shipper"}, inits: []string{"migrate"},
			reason: "running dual-stack pod whose sidecar crash-loops, so the pod is not Ready",
		},
		{
			file: "pod_pending.json", phase: kinds.PodPending, qos: kinds.QOSBestEffort, nominated: "worker-2",
			conditions: []string{"PodScheduled"},
			reason:     "unschedulable pod: no IPs, no start time, no containers yet, but a nominated node",
		},
		{
			file: "pod_failed.json", phase: kinds.PodFailed, ip: "10.244.1.42", ips: []string{"10.244.1.42"},
			hostIP: "192.168.49.3", start: "2025-03-04T09:30:00Z", podReason: "Evicted",
			message:    "The node was low on resource: memory. Threshold quantity: 100Mi, available: 91344Ki. Container report was using 131072Ki, request is 128Mi, has larger consumption of memory. ",
			qos:        kinds.QOSGuaranteed,
			conditions: []string{"DisruptionTarget", "Ready"}, containers: []string{"report"},
			reason: "evicted pod: phase Failed with reason and message",
		},
		{
			file:   "pod_new.json",
			reason: "a pod with no status member at all: everything unavailable, collections empty",
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			p := load[kinds.PodStatus](t, kinds.PodKind, tc.file)
			s := p.Status()

			phase, err := s.Phase()
			if tc.phase == "" {
				requireUnavailable(t, err, "Pod", "status.phase", tc.reason)
			} else {
				require.NoError(t, err, tc.reason)
				assert.Equal(t, tc.phase, phase, tc.reason)
			}

			for _, a := range []struct {
				field string
				get   func() (netip.Addr, error)
				want  string
			}{{"status.podIP", s.IP, tc.ip}, {"status.hostIP", s.HostIP, tc.hostIP}} {
				v, err := a.get()
				if a.want == "" {
					requireUnavailable(t, err, "Pod", a.field, tc.reason)
					assert.False(t, v.IsValid())
				} else {
					require.NoError(t, err, tc.reason)
					assert.Equal(t, netip.MustParseAddr(a.want), v, tc.reason)
				}
			}
			assert.Equal(t, ips(t, tc.ips...), s.IPs(), tc.reason)

			st, err := s.StartTime()
			if tc.start == "" {
				requireUnavailable(t, err, "Pod", "status.startTime", tc.reason)
			} else {
				require.NoError(t, err)
				assert.Equal(t, ts(t, tc.start), st, tc.reason)
			}

			for _, f := range []struct {
				field string
				get   func() (string, error)
				want  string
			}{
				{"status.message", s.Message, tc.message},
				{"status.reason", s.Reason, tc.podReason},
				{"status.qosClass", func() (string, error) { q, err := s.QOSClass(); return string(q), err }, string(tc.qos)},
				{"status.nominatedNodeName", s.NominatedNodeName, tc.nominated},
			} {
				v, err := f.get()
				if f.want == "" {
					requireUnavailable(t, err, "Pod", f.field, tc.reason)
					assert.Empty(t, v)
				} else {
					require.NoError(t, err, "%s: %s", tc.reason, f.field)
					assert.Equal(t, f.want, v, "%s: %s", tc.reason, f.field)
				}
			}

			assert.Equal(t, tc.ready, s.Ready(), tc.reason)
			var types []string
			for c := range s.Conditions().All() {
				types = append(types, c.Type)
			}
			assert.Equal(t, tc.conditions, types, tc.reason)

			var names []string
			for _, c := range s.Containers() {
				names = append(names, c.Name())
				assert.False(t, c.Init())
			}
			assert.Equal(t, tc.containers, names, tc.reason)
			names = nil
			for _, c := range s.InitContainers() {
				names = append(names, c.Name())
				assert.True(t, c.Init())
			}
			assert.Equal(t, tc.inits, names, tc.reason)
		})
	}
}

func TestPodConditionDetails(t *testing.T) {
	s := load[kinds.PodStatus](t, kinds.PodKind, "pod_pending.json").Status()
	c, err := s.Conditions().Get("PodScheduled")
	require.NoError(t, err)
	assert.Equal(t, kinds.ConditionFalse, c.Status)
	assert.Equal(t, "Unschedulable", c.Reason)
	assert.Contains(t, c.Message, "3 Insufficient cpu")
	assert.Equal(t, ts(t, "2025-03-04T10:50:00Z"), c.LastTransitionTime)
	assert.True(t, c.LastProbeTime.IsZero(), "lastProbeTime null decodes to the zero time")
}

// state describes one expected ContainerState; "" / -1 mean unavailable.
type state struct {
	name        kinds.ContainerStateName
	reason      string
	message     string
	exitCode    int // -1 = unavailable
	signal      int // -1 = unavailable
	startedAt   string
	finishedAt  string
	containerID string
}

// checkState checks cs against want; path is where the state is in the
// pod, e.g. "status.containerStatuses[name=app].state".
func checkState(t *testing.T, cs kinds.ContainerState, path string, want state, why string) {
	t.Helper()
	// Reason and message are read from the waiting or terminated member.
	detail := ""
	switch want.name {
	case kinds.StateWaiting:
		detail = "waiting."
	case kinds.StateTerminated:
		detail = "terminated."
	}
	assert.Equal(t, want.name, cs.Name(), why)
	assert.Equal(t, want.name == kinds.StateWaiting, cs.Waiting(), why)
	assert.Equal(t, want.name == kinds.StateRunning, cs.Running(), why)
	assert.Equal(t, want.name == kinds.StateTerminated, cs.Terminated(), why)
	for _, f := range []struct {
		field string
		get   func() (string, error)
		want  string
	}{{detail + "reason", cs.Reason, want.reason}, {detail + "message", cs.Message, want.message}, {"terminated.containerID", cs.ContainerID, want.containerID}} {
		v, err := f.get()
		if f.want == "" {
			requireUnavailable(t, err, "Pod", path+"."+f.field, why)
		} else {
			require.NoError(t, err, "%s: %s", why, f.field)
			assert.Equal(t, f.want, v, "%s: %s", why, f.field)
		}
	}
	for _, f := range []struct {
		field string
		get   func() (int, error)
		want  int
	}{{"terminated.exitCode", cs.ExitCode, want.exitCode}, {"terminated.signal", cs.Signal, want.signal}} {
		v, err := f.get()
		if f.want == -1 {
			requireUnavailable(t, err, "Pod", path+"."+f.field, why)
		} else {
			require.NoError(t, err, "%s: %s", why, f.field)
			assert.Equal(t, f.want, v, "%s: %s", why, f.field)
		}
	}
	for _, f := range []struct {
		field string
		get   func() (time.Time, error)
		want  string
	}{{"startedAt", cs.StartedAt, want.startedAt}, {"terminated.finishedAt", cs.FinishedAt, want.finishedAt}} {
		v, err := f.get()
		if f.want == "" {
			requireUnavailable(t, err, "Pod", path+"."+f.field, why)
		} else {
			require.NoError(t, err, "%s: %s", why, f.field)
			assert.Equal(t, ts(t, f.want), v, "%s: %s", why, f.field)
		}
	}
}

func TestContainerStatus(t *testing.T) {
	const none = -1
	tests := []struct {
		file     string
		init     bool
		index    int
		name     string
		image    string
		imageID  string
		id       string
		ready    bool
		started  bool
		restarts int
		state    state
		last     *state // nil = unavailable
		reason   string
	}{
		{
			file: "pod_running.json", init: true, index: 0, name: "migrate",
			image:   "registry.example.com/shop/migrate:1.4.2",
			imageID: "registry.example.com/shop/migrate@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
			id:      "containerd://1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00",
			ready:   true, started: false,
			state: state{name: kinds.StateTerminated, reason: "Completed", exitCode: 0, signal: none,
				startedAt: "2025-03-04T10:00:04Z", finishedAt: "2025-03-04T10:00:08Z",
				containerID: "containerd://1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00"},
			reason: "completed init container: exit code 0 without signal; an empty lastState {} is unavailable",
		},
		{
			file: "pod_running.json", index: 0, name: "app",
			image:   "registry.example.com/shop/web:1.4.2",
			imageID: "registry.example.com/shop/web@sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
			id:      "containerd://ffee00112233445566778899aabbccddeeff00112233445566778899aabbccdd",
			ready:   true, started: true, restarts: 2,
			state: state{name: kinds.StateRunning, exitCode: none, signal: none, startedAt: "2025-03-04T10:38:55Z"},
			last: &state{name: kinds.StateTerminated, reason: "OOMKilled", message: "memory limit of 512Mi exceeded",
				exitCode: 137, signal: 9, startedAt: "2025-03-04T10:00:09Z", finishedAt: "2025-03-04T10:38:54Z",
				containerID: "containerd://aa11bb22cc33dd44ee55ff6677889900aabbccddeeff00112233445566778899"},
			reason: "running container restarted after an OOM kill by SIGKILL",
		},
		{
			file: "pod_running.json", index: 1, name: "log-shipper",
			image:   "fluent/fluent-bit:3.2",
			imageID: "docker.io/fluent/fluent-bit@sha256:fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9",
			id:      "containerd://0011223344556677889900aabbccddeeff00112233445566778899aabbccddee",
			ready:   false, started: false, restarts: 7,
			state: state{name: kinds.StateWaiting, reason: "CrashLoopBackOff",
				message:  "back-off 5m0s restarting failed container=log-shipper pod=web-7d4b9c8f6d-x2k9p_shop(3f2e1d0c-9b8a-4765-8432-10fedcba9876)",
				exitCode: none, signal: none},
			last: &state{name: kinds.StateTerminated, reason: "Error", exitCode: 1, signal: none,
				startedAt: "2025-03-04T10:40:02Z", finishedAt: "2025-03-04T10:41:11Z",
				containerID: "containerd://0011223344556677889900aabbccddeeff00112233445566778899aabbccddee"},
			reason: "crash-looping container: waiting with reason and message; last exit 1 without message",
		},
		{
			file: "pod_failed.json", index: 0, name: "report",
			image:   "registry.example.com/jobs/report:2.0",
			imageID: "registry.example.com/jobs/report@sha256:486ea46224d1bb4fb680f34f7c9ad96a8f24ec88be73ea8e5a6c65260e9cb8a7",
			id:      "containerd://5566778899aabbccddeeff00112233445566778899aabbccddeeff0011223344",
			started: false,
			state: state{name: kinds.StateTerminated, reason: "Error", message: "received SIGTERM, flushing 12 rows",
				exitCode: 143, signal: 15, startedAt: "2025-03-04T09:30:02Z", finishedAt: "2025-03-04T09:41:21Z",
				containerID: "containerd://5566778899aabbccddeeff00112233445566778899aabbccddeeff0011223344"},
			reason: "terminated by SIGTERM: exit code 143 and signal 15",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := load[kinds.PodStatus](t, kinds.PodKind, tc.file).Status()
			cs := s.Containers()
			if tc.init {
				cs = s.InitContainers()
			}
			require.Greater(t, len(cs), tc.index)
			c := cs[tc.index]
			assert.Equal(t, tc.name, c.Name(), tc.reason)
			assert.Equal(t, tc.init, c.Init(), tc.reason)
			assert.Equal(t, tc.image, c.Image(), tc.reason)
			v, err := c.ImageID()
			require.NoError(t, err)
			assert.Equal(t, tc.imageID, v, tc.reason)
			v, err = c.ID()
			require.NoError(t, err)
			assert.Equal(t, tc.id, v, tc.reason)
			assert.Equal(t, tc.ready, c.Ready(), tc.reason)
			assert.Equal(t, tc.started, c.Started(), tc.reason)
			assert.Equal(t, tc.restarts, c.RestartCount(), tc.reason)

			path := "status.containerStatuses[name=" + tc.name + "]"
			if tc.init {
				path = "status.initContainerStatuses[name=" + tc.name + "]"
			}
			cur, err := c.State()
			require.NoError(t, err, tc.reason)
			checkState(t, cur, path+".state", tc.state, tc.reason+" (state)")

			last, err := c.LastState()
			if tc.last == nil {
				requireUnavailable(t, err, "Pod", path+".lastState", tc.reason)
			} else {
				require.NoError(t, err, tc.reason)
				checkState(t, last, path+".lastState", *tc.last, tc.reason+" (lastState)")
			}
		})
	}
}

// TestContainerStateAbsent covers container statuses whose optional
// members the server (or kwok) leaves out.
func TestContainerStateAbsent(t *testing.T) {
	raw := []byte(`{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p","namespace":"n"},
	"status":{"phase":"Pending","podIP":"not-an-ip","containerStatuses":[
	  {"name":"bare","image":"nginx:1.27","imageID":"","restartCount":0},
	  {"name":"empty-state","image":"nginx:1.27","state":{},"ready":false,"restartCount":0},
	  {"name":"term-no-id","image":"nginx:1.27","state":{"terminated":{"exitCode":2}},"ready":false,"restartCount":0}]}}`)
	p, err := sdk.DecodeItem(nil, kinds.PodKind, raw)
	require.NoError(t, err)
	s := p.Status()

	_, err = s.IP()
	requireUnavailable(t, err, "Pod", `status.podIP (not an IP address: "not-an-ip")`, "a malformed IP is reported, not zero")

	cs := s.Containers()
	require.Len(t, cs, 3)
	tests := []struct {
		c      kinds.Container
		state  *state // nil = State unavailable
		reason string
	}{
		{cs[0], nil, "no state member: State, ID and ImageID are unavailable, Ready and Started false"},
		{cs[1], &state{name: kinds.StateUnknown, exitCode: -1, signal: -1}, "an empty state object is the unknown state with nothing available"},
		{cs[2], &state{name: kinds.StateTerminated, exitCode: 2, signal: -1}, "terminated without reason, times or container ID"},
	}
	for _, tc := range tests {
		t.Run(tc.c.Name(), func(t *testing.T) {
			path := "status.containerStatuses[name=" + tc.c.Name() + "]"
			_, err := tc.c.ID()
			requireUnavailable(t, err, "Pod", path+".containerID", tc.reason)
			_, err = tc.c.ImageID()
			requireUnavailable(t, err, "Pod", path+".imageID", tc.reason)
			assert.False(t, tc.c.Started(), tc.reason)
			assert.False(t, tc.c.Ready(), tc.reason)
			_, err = tc.c.LastState()
			requireUnavailable(t, err, "Pod", path+".lastState", tc.reason)
			st, err := tc.c.State()
			if tc.state == nil {
				requireUnavailable(t, err, "Pod", path+".state", tc.reason)
				return
			}
			require.NoError(t, err)
			checkState(t, st, path+".state", *tc.state, tc.reason)
		})
	}
}

// counters maps a counter's name to its accessor; want maps it to the
// expected value, or to unavail when it must be unavailable.
const unavail = int64(-1 << 62)

func checkCounters(t *testing.T, kind string, got map[string]func() (int64, error), want map[string]int64, why string) {
	t.Helper()
	require.Len(t, want, len(got), "every counter is checked")
	for name, get := range got {
		w, ok := want[name]
		require.True(t, ok, "no expectation for %s", name)
		v, err := get()
		if w == unavail {
			field := name
			if name != "spec.replicas" {
				field = "status." + name
			}
			requireUnavailable(t, err, kind, field, "%s: %s", why, name)
			assert.Zero(t, v)
			continue
		}
		require.NoError(t, err, "%s: %s", why, name)
		assert.Equal(t, w, v, "%s: %s", why, name)
	}
}

func TestDeploymentStatus(t *testing.T) {
	u := unavail
	tests := []struct {
		file      string
		want      map[string]int64
		available map[int64]bool // Available(gen)
		condition string         // type of the first condition, "" if none
		reason    string
	}{
		{
			file: "deployment.json",
			want: map[string]int64{"spec.replicas": 3, "observedGeneration": 4, "replicas": 3, "readyReplicas": 3,
				"availableReplicas": 3, "updatedReplicas": 3, "unavailableReplicas": 0, "collisionCount": 1},
			available: map[int64]bool{3: true, 4: true, 5: false},
			condition: "Available",
			reason:    "rolled out: every counter equals spec.replicas; unavailableReplicas omitted means 0; generation 5 not observed yet",
		},
		{
			file: "deployment_rolling.json",
			want: map[string]int64{"spec.replicas": 4, "observedGeneration": 6, "replicas": 5, "readyReplicas": 3,
				"availableReplicas": 3, "updatedReplicas": 2, "unavailableReplicas": 2, "collisionCount": 0},
			available: map[int64]bool{6: false, 7: false},
			condition: "Available",
			reason:    "mid-rollout with surge: not available for any generation",
		},
		{
			file: "deployment_scaled_to_zero.json",
			want: map[string]int64{"spec.replicas": 0, "observedGeneration": 3, "replicas": 0, "readyReplicas": 0,
				"availableReplicas": 0, "updatedReplicas": 0, "unavailableReplicas": 0, "collisionCount": 0},
			available: map[int64]bool{3: true, 4: false},
			condition: "Available",
			reason:    "scaled to zero: the server omits every zero counter, which reads as 0 after observedGeneration",
		},
		{
			file: "deployment_new.json",
			want: map[string]int64{"spec.replicas": u, "observedGeneration": u, "replicas": u, "readyReplicas": u,
				"availableReplicas": u, "updatedReplicas": u, "unavailableReplicas": u, "collisionCount": u},
			available: map[int64]bool{0: false, 1: false},
			reason:    "no status reported yet and no spec.replicas: everything unavailable, never a misleading 0",
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			s := load[kinds.DeploymentStatus](t, kinds.DeploymentKind, tc.file).Status()
			checkCounters(t, "Deployment", map[string]func() (int64, error){
				"spec.replicas": s.DesiredReplicas, "observedGeneration": s.ObservedGeneration,
				"replicas": s.ObservedReplicas, "readyReplicas": s.ReadyReplicas, "availableReplicas": s.AvailableReplicas,
				"updatedReplicas": s.UpdatedReplicas, "unavailableReplicas": s.UnavailableReplicas, "collisionCount": s.CollisionCount,
			}, tc.want, tc.reason)
			for gen, want := range tc.available {
				assert.Equal(t, want, s.Available(gen), "%s: Available(%d)", tc.reason, gen)
			}
			conds := slices.Collect(s.Conditions().All())
			assert.Len(t, conds, s.Conditions().Len())
			if tc.condition == "" {
				assert.Empty(t, conds, tc.reason)
			} else {
				require.NotEmpty(t, conds)
				assert.Equal(t, tc.condition, conds[0].Type)
				assert.False(t, conds[0].LastUpdateTime.IsZero(), "lastUpdateTime decoded")
			}
		})
	}
}

func TestReplicaSetStatus(t *testing.T) {
	u := unavail
	tests := []struct {
		file   string
		want   map[string]int64
		reason string
	}{
		{"replicaset.json", map[string]int64{"spec.replicas": 3, "observedGeneration": 2, "replicas": 3,
			"fullyLabeledReplicas": 3, "readyReplicas": 2, "availableReplicas": 2},
			"a Deployment's ReplicaSet with one pod not ready"},
		{"replicaset_new.json", map[string]int64{"spec.replicas": 2, "observedGeneration": u, "replicas": u,
			"fullyLabeledReplicas": u, "readyReplicas": u, "availableReplicas": u},
			"no status member: spec.replicas is known, the counters are not"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			it := load[kinds.ReplicaSetStatus](t, kinds.ReplicaSetKind, tc.file)
			s := it.Status()
			checkCounters(t, "ReplicaSet", map[string]func() (int64, error){
				"spec.replicas": s.DesiredReplicas, "observedGeneration": s.ObservedGeneration,
				"replicas": s.ObservedReplicas, "fullyLabeledReplicas": s.FullyLabeledReplicas,
				"readyReplicas": s.ReadyReplicas, "availableReplicas": s.AvailableReplicas,
			}, tc.want, tc.reason)
			// The seed's example: rs.spec()['replicas'] == rs.observed_replicas.
			assert.EqualValues(t, tc.want["spec.replicas"], it.Spec()["replicas"], "Spec is the raw spec")
			assert.Zero(t, s.Conditions().Len())
		})
	}
}

func TestReplicationControllerStatus(t *testing.T) {
	tests := []struct {
		file      string
		want      map[string]int64
		condition string
		reason    string
	}{
		{"replicationcontroller.json", map[string]int64{"spec.replicas": 4, "observedGeneration": 5, "replicas": 4,
			"fullyLabeledReplicas": 3, "readyReplicas": 4, "availableReplicas": 4}, "ReplicaFailure",
			"one pod's labels match only part of the selector; a quota failure condition"},
		{"replicationcontroller_zero.json", map[string]int64{"spec.replicas": 0, "observedGeneration": 2, "replicas": 0,
			"fullyLabeledReplicas": 0, "readyReplicas": 0, "availableReplicas": 0}, "",
			"scaled to zero: omitted counters read as 0"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			s := load[kinds.ReplicationControllerStatus](t, kinds.ReplicationControllerKind, tc.file).Status()
			checkCounters(t, "ReplicationController", map[string]func() (int64, error){
				"spec.replicas": s.DesiredReplicas, "observedGeneration": s.ObservedGeneration,
				"replicas": s.ObservedReplicas, "fullyLabeledReplicas": s.FullyLabeledReplicas,
				"readyReplicas": s.ReadyReplicas, "availableReplicas": s.AvailableReplicas,
			}, tc.want, tc.reason)
			if tc.condition == "" {
				assert.Zero(t, s.Conditions().Len())
				_, err := s.Conditions().Get("ReplicaFailure")
				requireUnavailable(t, err, "ReplicationController", "status.conditions[type=ReplicaFailure]", tc.reason)
			} else {
				c, err := s.Conditions().Get(tc.condition)
				require.NoError(t, err)
				assert.Equal(t, "FailedCreate", c.Reason)
				assert.True(t, c.IsTrue())
			}
		})
	}
}

func TestDaemonSetStatus(t *testing.T) {
	u := unavail
	tests := []struct {
		file   string
		want   map[string]int64
		reason string
	}{
		{"daemonset.json", map[string]int64{"observedGeneration": 3, "currentNumberScheduled": 5, "desiredNumberScheduled": 5,
			"numberMisscheduled": 1, "numberReady": 4, "updatedNumberScheduled": 3, "numberAvailable": 4, "numberUnavailable": 1},
			"a rolling update half done, one node misscheduled"},
		{"daemonset_nothing_ready.json", map[string]int64{"observedGeneration": 1, "currentNumberScheduled": 2, "desiredNumberScheduled": 2,
			"numberMisscheduled": 0, "numberReady": 0, "updatedNumberScheduled": 2, "numberAvailable": 0, "numberUnavailable": 2},
			"numberAvailable omitted after observedGeneration means 0"},
		{"daemonset_new.json", map[string]int64{"observedGeneration": u, "currentNumberScheduled": u, "desiredNumberScheduled": u,
			"numberMisscheduled": u, "numberReady": u, "updatedNumberScheduled": u, "numberAvailable": u, "numberUnavailable": u},
			"the required counters are present as 0 but the controller has not observed the DaemonSet: unavailable, not 0"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			s := load[kinds.DaemonSetStatus](t, kinds.DaemonSetKind, tc.file).Status()
			checkCounters(t, "DaemonSet", map[string]func() (int64, error){
				"observedGeneration": s.ObservedGeneration, "currentNumberScheduled": s.CurrentNumberScheduled,
				"desiredNumberScheduled": s.DesiredNumberScheduled, "numberMisscheduled": s.NumberMisscheduled,
				"numberReady": s.NumberReady, "updatedNumberScheduled": s.UpdatedNumberScheduled,
				"numberAvailable": s.NumberAvailable, "numberUnavailable": s.NumberUnavailable,
			}, tc.want, tc.reason)
			assert.Zero(t, s.Conditions().Len())
		})
	}
}

func TestServiceStatus(t *testing.T) {
	tests := []struct {
		file       string
		typ        kinds.ServiceType
		clusterIP  string // "" = unavailable
		ipField    string // the error's Field when unavailable
		clusterIPs []string
		ports      []kinds.ServicePort
		ingress    []kinds.Ingress
		reason     string
	}{
		{
			file: "service_lb.json", typ: kinds.ServiceLoadBalancer,
			clusterIP: "10.96.12.34", clusterIPs: []string{"10.96.12.34", "fd00:10:96::c22"},
			ports: []kinds.ServicePort{
				{Name: "http", Protocol: "TCP", Port: 80, TargetPort: kinds.IntOrString{StrVal: "http", IsStr: true}, NodePort: 31080},
				{Name: "https", Protocol: "TCP", Port: 443, TargetPort: kinds.IntOrString{IntVal: 8443}, NodePort: 31443},
			},
			ingress: []kinds.Ingress{
				{IP: netip.MustParseAddr("203.0.113.10")},
				{Hostname: "a1b2c3d4e5f6-1234567890.eu-west-1.elb.amazonaws.com"},
				{IP: netip.MustParseAddr("2001:db8::10")},
			},
			reason: "dual-stack load balancer with IP, host name and IPv6 ingress; a named and a numbered target port",
		},
		{
			file: "service_headless.json", typ: kinds.ServiceClusterIP,
			ipField: `spec.clusterIP (not an IP address: "None")`,
			ports:   []kinds.ServicePort{{Name: "postgres", Protocol: "TCP", Port: 5432, TargetPort: kinds.IntOrString{IntVal: 5432}}},
			reason:  `headless: clusterIP "None" is no address, so ClusterIP is unavailable and ClusterIPs empty`,
		},
		{
			file: "service_externalname.json", typ: kinds.ServiceExternalName, ipField: "spec.clusterIP",
			reason: "ExternalName: no cluster IP, no ports, no ingress",
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			s := load[kinds.ServiceStatus](t, kinds.ServiceKind, tc.file).Status()
			typ, err := s.Type()
			require.NoError(t, err)
			assert.Equal(t, tc.typ, typ, tc.reason)
			ip, err := s.ClusterIP()
			if tc.clusterIP == "" {
				requireUnavailable(t, err, "Service", tc.ipField, tc.reason)
				assert.False(t, ip.IsValid())
			} else {
				require.NoError(t, err)
				assert.Equal(t, netip.MustParseAddr(tc.clusterIP), ip, tc.reason)
			}
			assert.Equal(t, ips(t, tc.clusterIPs...), s.ClusterIPs(), tc.reason)
			if tc.ports == nil {
				assert.Empty(t, s.Ports(), tc.reason)
			} else {
				assert.Equal(t, tc.ports, s.Ports(), tc.reason)
			}
			if tc.ingress == nil {
				assert.Empty(t, s.LoadBalancerIngress(), tc.reason)
			} else {
				assert.Equal(t, tc.ingress, s.LoadBalancerIngress(), tc.reason)
			}
		})
	}
}

func TestNamespaceStatus(t *testing.T) {
	tests := []struct {
		file        string
		phase       kinds.NamespacePhase // "" = unavailable
		conditions  int
		terminating bool
		reason      string
	}{
		{"namespace_active.json", kinds.NamespaceActive, 0, false, "an active namespace has no conditions"},
		{"namespace_terminating.json", kinds.NamespaceTerminating, 5, true, "terminating: deletion timestamp and the namespace controller's conditions"},
		{"namespace_nostatus.json", "", 0, false, "no status member: phase unavailable"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			ns := load[kinds.NamespaceStatus](t, kinds.NamespaceKind, tc.file)
			s := ns.Status()
			p, err := s.Phase()
			if tc.phase == "" {
				requireUnavailable(t, err, "Namespace", "status.phase", tc.reason)
			} else {
				require.NoError(t, err)
				assert.Equal(t, tc.phase, p, tc.reason)
			}
			assert.Equal(t, tc.conditions, s.Conditions().Len(), tc.reason)
			assert.Equal(t, tc.terminating, ns.Meta().DeletionTimestamp != nil, tc.reason)
			if tc.terminating {
				assert.Equal(t, ts(t, "2025-03-04T11:00:00Z"), *ns.Meta().DeletionTimestamp)
				assert.True(t, s.Conditions().IsTrue("NamespaceFinalizersRemaining"))
				assert.False(t, s.Conditions().IsTrue("NamespaceDeletionContentFailure"))
			}
		})
	}
}

func TestDecodeWrongKindAndBadStatus(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "pod_running.json"))
	require.NoError(t, err)
	tests := []struct {
		name   string
		decode func() error
		want   string
		reason string
	}{
		{"pod as node", func() error { _, err := sdk.DecodeItem(nil, kinds.NodeKind, raw); return err },
			`got an object of kind "Pod", want "Node"`, "the kind member must match"},
		{"pod as deployment", func() error {
			_, err := sdk.DecodeItem(nil, kinds.DeploymentKind, raw)
			return err
		}, `got an object of kind "Pod", want "Deployment"`, "status-in-object kinds check the kind too"},
		{"phase is a number", func() error {
			_, err := sdk.DecodeItem(nil, kinds.PodKind, []byte(`{"kind":"Pod","metadata":{"name":"p"},"status":{"phase":5}}`))
			return err
		}, "unexpected JSON value", "a status member of the wrong JSON type is a decode error"},
		{"bad quantity", func() error {
			_, err := sdk.DecodeItem(nil, kinds.NodeKind, []byte(`{"kind":"Node","metadata":{"name":"n"},"status":{"capacity":{"cpu":"lots"}}}`))
			return err
		}, "invalid quantity", "an invalid quantity in a node status fails the decode"},
		{"bad base64", func() error {
			_, err := sdk.DecodeItem(nil, kinds.SecretKind, []byte(`{"kind":"Secret","metadata":{"name":"s"},"data":{"k":"%%%"}}`))
			return err
		}, "", "secret data that is not base64 fails the decode"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.decode()
			require.Error(t, err, tc.reason)
			var de *sdk.DecodeError
			assert.True(t, errors.As(err, &de), "%s: %T is not a *sdk.DecodeError", tc.reason, err)
			assert.Contains(t, err.Error(), tc.want, tc.reason)
		})
	}
}

func TestItemAccessorsOffline(t *testing.T) {
	p := load[kinds.PodStatus](t, kinds.PodKind, "pod_running.json")
	m := p.Meta()
	assert.Equal(t, "web-7d4b9c8f6d-x2k9p", m.Name)
	assert.Equal(t, "shop", m.Namespace)
	assert.Equal(t, "205331", m.Version)
	assert.Equal(t, "web-7d4b9c8f6d-", m.GenerateName)
	assert.Equal(t, "7d4b9c8f6d", m.Labels.Value("pod-template-hash"))
	require.Len(t, m.OwnerReferences, 1)
	assert.Equal(t, "ReplicaSet", m.OwnerReferences[0].Kind)
	assert.Empty(t, p.Link(), "no client, no link")

	spec := p.Spec()
	cs, ok := spec["containers"].([]any)
	require.True(t, ok, "spec.containers is a list")
	assert.Len(t, cs, 2)
	spec["nodeName"] = "elsewhere"
	assert.Equal(t, "worker-1", p.Spec()["nodeName"], "Spec returns a deep copy")
	assert.Equal(t, "Pod shop/web-7d4b9c8f6d-x2k9p (version 205331)", p.String())

	n := load[kinds.NodeStatus](t, kinds.NodeKind, "node.json")
	assert.Equal(t, "Node worker-1 (version 184467)", n.String(), "cluster-scoped: no namespace")
}
