package kinds

import (
	"cmp"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/kube-for-go/kube/internal/jsonscan"
	"github.com/kube-for-go/kube/sdk"
)

// PodKind describes Pods: the smallest deployable unit, a group of
// containers on one node.
var PodKind = sdk.MustKind[PodStatus](sdk.KindInfo{
	Kind: "Pod", Resource: "pods", Namespaced: true, APIPaths: []string{"api/v1"},
})

// Pod is a snapshot of one Pod (the seed's PodItem).
type Pod = sdk.Item[PodStatus]

// PodPhase is the phase of a pod.
type PodPhase string

// Pod phases.
const (
	PodPending   PodPhase = "Pending"
	PodRunning   PodPhase = "Running"
	PodSucceeded PodPhase = "Succeeded"
	PodFailed    PodPhase = "Failed"
	PodUnknown   PodPhase = "Unknown"
)

// QOSClass is the quality-of-service class of a pod.
type QOSClass string

// QoS classes.
const (
	QOSGuaranteed QOSClass = "Guaranteed"
	QOSBurstable  QOSClass = "Burstable"
	QOSBestEffort QOSClass = "BestEffort"
)

// PodStatus holds a pod's status attributes; see the package doc for how
// absent attributes are reported.
//
// A PodStatus reads its attributes from the pod's JSON when asked (it is
// an sdk.LazyStatus): an item of a list or a watch indexes the members of
// its status, and Phase, IP or Containers decode only what they return.
// A value of the wrong JSON type reads as absent; Item.Err reports it.
type PodStatus struct {
	sdk.FromStatus
	sdk.HasStatus
	sdk.HasPodSubresources
	raw []byte // the status's JSON; nil for an empty status
	x   podIndex
}

// podIndex is where each attribute is in PodStatus.raw (a repeated
// member: the last one, as the decoder keeps).
type podIndex struct {
	phase, podIP, podIPs, hostIP, startTime, message, reason, qosClass, nominated,
	conditions, containers, initContainers jsonscan.Span
}

// member returns where the status member named key goes in the index,
// and the JSON kind it may hold ('"' string, '[' array; null always may);
// nil for a member no accessor reads.
func (x *podIndex) member(key []byte) (*jsonscan.Span, byte) {
	switch string(key) {
	case "phase":
		return &x.phase, '"'
	case "podIP":
		return &x.podIP, '"'
	case "podIPs":
		return &x.podIPs, '['
	case "hostIP":
		return &x.hostIP, '"'
	case "startTime":
		return &x.startTime, '"'
	case "message":
		return &x.message, '"'
	case "reason":
		return &x.reason, '"'
	case "qosClass":
		return &x.qosClass, '"'
	case "nominatedNodeName":
		return &x.nominated, '"'
	case "conditions":
		return &x.conditions, '['
	case "containerStatuses":
		return &x.containers, '['
	case "initContainerStatuses":
		return &x.initContainers, '['
	}
	return nil, 0
}

// IndexStatus implements sdk.LazyStatus: it records where the status's
// members are in raw, which it keeps, checking that each holds the JSON
// kind its attribute needs. raw must be valid JSON, as the SDK's items
// hand it over (validated with the whole object): IndexStatus does not
// validate it again. Given anything else, accessors may read wrong values
// but never panic; UnmarshalJSON validates JSON from elsewhere.
func (s *PodStatus) IndexStatus(raw []byte) error {
	*s = PodStatus{}
	i := jsonscan.SkipSpace(raw, 0)
	if i >= len(raw) {
		return &jsontext.SyntacticError{ByteOffset: int64(i), Err: io.ErrUnexpectedEOF}
	}
	if raw[i] == 'n' {
		return nil
	}
	if raw[i] != '{' {
		return typeError(i, raw[i], "status")
	}
	var x podIndex
	var err error
	jsonscan.EachMember(raw, i, func(name []byte, esc bool, v jsonscan.Span) {
		if err != nil || len(name) < 2 {
			return
		}
		key := name[1 : len(name)-1]
		if esc {
			key, _ = jsonscan.Unquote(name)
		}
		at, kind := x.member(key)
		if at == nil {
			return
		}
		if raw[v.Start] != kind && raw[v.Start] != 'n' {
			err = typeError(v.Start, raw[v.Start], "status."+string(key))
			return
		}
		*at = v
	})
	if err != nil {
		return err
	}
	s.raw, s.x = raw, x
	return nil
}

// CheckStatus implements sdk.LazyStatus: it decodes the whole status and
// returns the first type error.
func (s PodStatus) CheckStatus() error {
	if s.raw == nil {
		return nil
	}
	var w podStatusWire
	return json.Unmarshal(s.raw, &w, rawOptions)
}

// UnmarshalJSON decodes a status: it keeps a copy of data, indexes it and
// checks every attribute's type (the decoding of Get and sdk.DecodeItem).
func (s *PodStatus) UnmarshalJSON(data []byte) error {
	if _, err := jsonscan.Valid(data); err != nil {
		*s = PodStatus{}
		return syntaxError(data, err)
	}
	if err := s.IndexStatus(slices.Clone(data)); err != nil {
		return err
	}
	if err := s.CheckStatus(); err != nil {
		*s = PodStatus{}
		return err
	}
	return nil
}

// syntaxError wraps an error of the scanner.
func syntaxError(raw []byte, err error) error {
	return &jsontext.SyntacticError{ByteOffset: int64(len(raw)), Err: err}
}

// typeError is the error of a member of the wrong JSON kind at offset i.
func typeError(i int, c byte, what string) error {
	return &json.SemanticError{ByteOffset: int64(i), JSONKind: kindOf(c), Err: fmt.Errorf("%s holds the wrong JSON type", what)}
}

// kindOf is the JSON kind of a value starting with c.
func kindOf(c byte) jsontext.Kind {
	switch c {
	case 'n', 't', 'f', '"', '{', '[':
		return jsontext.Kind(c)
	}
	return '0'
}

// podStatusWire is the whole status decoded: what CheckStatus decodes to
// find type errors.
type podStatusWire struct {
	Phase  *string `json:"phase"`
	PodIP  *string `json:"podIP"`
	PodIPs []struct {
		IP string `json:"ip"`
	} `json:"podIPs"`
	HostIP                *string           `json:"hostIP"`
	StartTime             *time.Time        `json:"startTime"`
	Message               *string           `json:"message"`
	Reason                *string           `json:"reason"`
	QOSClass              *string           `json:"qosClass"`
	NominatedNodeName     *string           `json:"nominatedNodeName"`
	Conditions            []Condition       `json:"conditions"`
	ContainerStatuses     []containerFields `json:"containerStatuses"`
	InitContainerStatuses []containerFields `json:"initContainerStatuses"`
}

// strAt returns the string at span (nil for null, absent or another type).
func (s PodStatus) strAt(at jsonscan.Span) *string {
	b, ok := jsonscan.StringAt(s.raw, at)
	if !ok || b == nil {
		return nil
	}
	v := string(b)
	return &v
}

// Phase returns the pod's phase.
func (s PodStatus) Phase() (PodPhase, error) {
	b, ok := jsonscan.StringAt(s.raw, s.x.phase)
	if ok && len(b) > 0 {
		// The phases the server sends, without allocating.
		switch string(b) {
		case string(PodPending):
			return PodPending, nil
		case string(PodRunning):
			return PodRunning, nil
		case string(PodSucceeded):
			return PodSucceeded, nil
		case string(PodFailed):
			return PodFailed, nil
		case string(PodUnknown):
			return PodUnknown, nil
		}
		return PodPhase(b), nil
	}
	return "", unavailable("Pod", "status.phase")
}

// IP returns the pod's primary IP address (IPv4 or IPv6).
func (s PodStatus) IP() (netip.Addr, error) { return s.addrAt(s.x.podIP, "status.podIP") }

// IPs returns all the pod's IP addresses (dual stack), empty if none yet;
// entries that are not IP addresses are left out.
func (s PodStatus) IPs() []netip.Addr {
	var ips []struct {
		IP string `json:"ip"`
	}
	if s.x.podIPs.Ok() {
		_ = json.Unmarshal(s.x.podIPs.Of(s.raw), &ips, rawOptions)
	}
	out := make([]netip.Addr, 0, len(ips))
	for _, p := range ips {
		if a, err := netip.ParseAddr(p.IP); err == nil {
			out = append(out, a)
		}
	}
	return out
}

// HostIP returns the IP address of the pod's node.
func (s PodStatus) HostIP() (netip.Addr, error) { return s.addrAt(s.x.hostIP, "status.hostIP") }

func (s PodStatus) addrAt(at jsonscan.Span, field string) (netip.Addr, error) {
	b, ok := jsonscan.StringAt(s.raw, at)
	if !ok || len(b) == 0 {
		return netip.Addr{}, unavailable("Pod", field)
	}
	a, err := netip.ParseAddr(string(b))
	if err != nil {
		return netip.Addr{}, notIP("Pod", field, string(b))
	}
	return a, nil
}

// StartTime returns when the pod was acknowledged by its node.
func (s PodStatus) StartTime() (time.Time, error) {
	var t *time.Time
	if s.x.startTime.Ok() {
		_ = json.Unmarshal(s.x.startTime.Of(s.raw), &t, rawOptions)
	}
	if t == nil {
		return time.Time{}, unavailable("Pod", "status.startTime")
	}
	return *t, nil
}

// Message returns the human-readable message about the pod's state.
func (s PodStatus) Message() (string, error) {
	return str(s.strAt(s.x.message), "Pod", "status.message")
}

// Reason returns the PascalCase reason for the pod's state, e.g. "Evicted".
func (s PodStatus) Reason() (string, error) { return str(s.strAt(s.x.reason), "Pod", "status.reason") }

// QOSClass returns the pod's quality-of-service class.
func (s PodStatus) QOSClass() (QOSClass, error) {
	v, err := str(s.strAt(s.x.qosClass), "Pod", "status.qosClass")
	return QOSClass(v), err
}

// NominatedNodeName returns the node the scheduler nominated for preemption.
func (s PodStatus) NominatedNodeName() (string, error) {
	return str(s.strAt(s.x.nominated), "Pod", "status.nominatedNodeName")
}

// Conditions returns the pod's conditions (PodScheduled, Initialized,
// ContainersReady, Ready, ...), empty if none.
func (s PodStatus) Conditions() Conditions {
	var list []Condition
	if s.x.conditions.Ok() {
		if json.Unmarshal(s.x.conditions.Of(s.raw), &list, rawOptions) != nil {
			list = nil
		}
	}
	return conditionsOf("Pod", "status.conditions", list)
}

// Ready reports whether the pod's Ready condition is True: false when it
// is False or absent.
func (s PodStatus) Ready() bool { return s.Conditions().IsTrue("Ready") }

// Containers returns the status of the pod's app containers, in order;
// empty until the kubelet reports them.
func (s PodStatus) Containers() []Container { return containersAt(s.raw, s.x.containers, false) }

// InitContainers returns the status of the pod's init containers, empty
// if none.
func (s PodStatus) InitContainers() []Container {
	return containersAt(s.raw, s.x.initContainers, true)
}

// ContainersOf returns the status of pod's app containers, like
// pod.Status().Containers(), each also knowing its pod (Container.Pod), as
// the seed's Container did.
func ContainersOf(pod *Pod) []Container {
	cs := pod.Status().Containers()
	for i := range cs {
		cs[i].pod = pod
	}
	return cs
}

// InitContainersOf is ContainersOf for the init containers.
func InitContainersOf(pod *Pod) []Container {
	cs := pod.Status().InitContainers()
	for i := range cs {
		cs[i].pod = pod
	}
	return cs
}

// containersAt indexes the container statuses of the array at span.
// Elements that are not objects are left out (Item.Err reports them).
func containersAt(raw []byte, at jsonscan.Span, init bool) []Container {
	if !at.Ok() || raw[at.Start] != '[' {
		return []Container{}
	}
	b := at.Of(raw)
	out := make([]Container, 0, 2) // most pods have one or two containers
	jsonscan.EachElement(b, 0, func(v jsonscan.Span) {
		if b[v.Start] == '{' {
			out = append(out, indexContainer(b, v.Start, init))
		}
	})
	return out
}

// containerIndex is where each attribute of a container status is in
// Container.raw.
type containerIndex struct {
	name, state, lastState, ready, started, restartCount, image, imageID, containerID jsonscan.Span
}

// indexContainer indexes the container status object at b[at] (valid
// JSON, see IndexStatus) in one walk.
func indexContainer(b []byte, at int, init bool) Container {
	c := Container{init: init}
	x := &c.x
	end := jsonscan.EachMember(b, at, func(name []byte, esc bool, v jsonscan.Span) {
		if len(name) < 2 {
			return
		}
		key := name[1 : len(name)-1]
		if esc {
			key, _ = jsonscan.Unquote(name)
		}
		var dst *jsonscan.Span
		switch string(key) {
		case "name":
			dst = &x.name
		case "state":
			dst = &x.state
		case "lastState":
			dst = &x.lastState
		case "ready":
			dst = &x.ready
		case "started":
			dst = &x.started
		case "restartCount":
			dst = &x.restartCount
		case "image":
			dst = &x.image
		case "imageID":
			dst = &x.imageID
		case "containerID":
			dst = &x.containerID
		default:
			return
		}
		*dst = jsonscan.Span{Start: v.Start - at, End: v.End - at}
	})
	c.raw = b[at:end:end]
	return c
}

// rawOptions decode like the API server: a duplicate name keeps the last
// value, invalid UTF-8 is tolerated.
var rawOptions = json.JoinOptions(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))

// containerFields is one container status decoded whole (CheckStatus).
type containerFields struct {
	Name         string       `json:"name"`
	State        *stateFields `json:"state"`
	LastState    *stateFields `json:"lastState"`
	Ready        *bool        `json:"ready"`
	Started      *bool        `json:"started"`
	RestartCount int32        `json:"restartCount"`
	Image        string       `json:"image"`
	ImageID      string       `json:"imageID"`
	ContainerID  string       `json:"containerID"`
}

// Container is the status of one container in a pod (the seed's Container).
// Its errors name the container, e.g.
// "status.containerStatuses[name=web].containerID". It reads its
// attributes from the pod's JSON when asked.
type Container struct {
	raw  []byte // the container's status (a view of the pod's JSON)
	x    containerIndex
	init bool
	pod  *Pod
}

// Raw returns a copy of the container's status as received (a
// v1.ContainerStatus object), the seed's Container.raw.
func (c Container) Raw() []byte { return slices.Clone(c.raw) }

// Pod returns the pod the container is part of, when the container was
// obtained with ContainersOf or InitContainersOf; nil when it came from a
// PodStatus alone.
func (c Container) Pod() *Pod { return c.pod }

// path returns where the container's status is in the pod.
func (c Container) path() string {
	list := "status.containerStatuses"
	if c.init {
		list = "status.initContainerStatuses"
	}
	return list + "[name=" + c.Name() + "]"
}

// str returns the string at span ("" for null, absent or another type).
func (c Container) str(at jsonscan.Span) string {
	b, _ := jsonscan.StringAt(c.raw, at)
	return string(b)
}

// boolAt reads the boolean at span: false unless it is true.
func (c Container) boolAt(at jsonscan.Span) bool {
	return at.Ok() && c.raw[at.Start] == 't'
}

// Name returns the container's name. It is returned plainly: the server
// requires it in every container status.
func (c Container) Name() string { return c.str(c.x.name) }

// Init reports whether this is an init container.
func (c Container) Init() bool { return c.init }

// ID returns the container runtime's ID, e.g. "containerd://<hex>";
// unavailable until the container was created.
func (c Container) ID() (string, error) {
	v := c.str(c.x.containerID)
	return str(&v, "Pod", c.path()+".containerID")
}

// Image returns the image the container runs. It is returned plainly: the
// server requires it in every container status.
func (c Container) Image() string { return c.str(c.x.image) }

// ImageID returns the ID of the container's image; unavailable until the
// image was pulled.
func (c Container) ImageID() (string, error) {
	v := c.str(c.x.imageID)
	return str(&v, "Pod", c.path()+".imageID")
}

// RestartCount returns how many times the container was restarted. It is
// returned plainly: the server omits it only when it is 0.
func (c Container) RestartCount() int {
	var n int32
	if c.x.restartCount.Ok() && json.Unmarshal(c.x.restartCount.Of(c.raw), &n) != nil {
		n = 0
	}
	return int(n)
}

// Ready reports whether the container passed its readiness probe: false
// when it did not or when the kubelet has not said.
func (c Container) Ready() bool { return c.boolAt(c.x.ready) }

// Started reports whether the container passed its startup probe: false
// when it did not or when the kubelet has not said.
func (c Container) Started() bool { return c.boolAt(c.x.started) }

// stateAt decodes the state at span; ok is false when it is absent, null
// or does not decode.
func (c Container) stateAt(at jsonscan.Span) (stateWire, bool) {
	if !at.Ok() || c.raw[at.Start] != '{' {
		return stateWire{}, false
	}
	w := stateWire{raw: at.Of(c.raw)}
	if json.Unmarshal(w.raw, &w.stateFields, rawOptions) != nil {
		return stateWire{}, false
	}
	return w, true
}

// State returns the container's current state.
func (c Container) State() (ContainerState, error) {
	w, ok := c.stateAt(c.x.state)
	if !ok {
		return ContainerState{}, unavailable("Pod", c.path()+".state")
	}
	return ContainerState{w: w, path: c.path() + ".state"}, nil
}

// LastState returns the container's previous state; unavailable (also when
// the server sends an empty lastState) until the container has restarted.
func (c Container) LastState() (ContainerState, error) {
	w, ok := c.stateAt(c.x.lastState)
	if !ok || (w.Waiting == nil && w.Running == nil && w.Terminated == nil) {
		return ContainerState{}, unavailable("Pod", c.path()+".lastState")
	}
	return ContainerState{w: w, path: c.path() + ".lastState"}, nil
}

// stateWire is a container state decoded, with its JSON (a view of the
// pod's).
type stateWire struct {
	stateFields
	raw []byte
}

type stateFields struct {
	Waiting *struct {
		Reason  *string `json:"reason"`
		Message *string `json:"message"`
	} `json:"waiting"`
	Running *struct {
		StartedAt *time.Time `json:"startedAt"`
	} `json:"running"`
	Terminated *struct {
		ExitCode    int32      `json:"exitCode"`
		Signal      *int32     `json:"signal"`
		Reason      *string    `json:"reason"`
		Message     *string    `json:"message"`
		StartedAt   *time.Time `json:"startedAt"`
		FinishedAt  *time.Time `json:"finishedAt"`
		ContainerID *string    `json:"containerID"`
	} `json:"terminated"`
}

// ContainerStateName names a container state.
type ContainerStateName string

// Container states.
const (
	StateWaiting    ContainerStateName = "waiting"
	StateRunning    ContainerStateName = "running"
	StateTerminated ContainerStateName = "terminated"
	StateUnknown    ContainerStateName = "unknown"
)

// ContainerState is the state of a container: waiting, running or
// terminated, with the details of that state (the seed's ContainerState).
// Details that do not apply to the state are unavailable; their errors
// name the container and the state, e.g.
// "status.containerStatuses[name=web].lastState.terminated.exitCode".
type ContainerState struct {
	w    stateWire
	path string // e.g. "status.containerStatuses[name=web].state"
}

// field returns the path of one detail of the state.
func (s ContainerState) field(rest string) string { return cmp.Or(s.path, "state") + "." + rest }

// Raw returns a copy of the state as received (a v1.ContainerState
// object), the seed's ContainerState.raw.
func (s ContainerState) Raw() []byte { return slices.Clone(s.w.raw) }

// Name returns which state the container is in.
func (s ContainerState) Name() ContainerStateName {
	switch {
	case s.w.Running != nil:
		return StateRunning
	case s.w.Terminated != nil:
		return StateTerminated
	case s.w.Waiting != nil:
		return StateWaiting
	}
	return StateUnknown
}

// Waiting reports whether the container is waiting. Waiting, Running and
// Terminated are predicates: all false in the unknown state.
func (s ContainerState) Waiting() bool { return s.w.Waiting != nil }

// Running reports whether the container is running.
func (s ContainerState) Running() bool { return s.w.Running != nil }

// Terminated reports whether the container has terminated.
func (s ContainerState) Terminated() bool { return s.w.Terminated != nil }

// Reason returns the brief CamelCase reason (waiting and terminated states).
func (s ContainerState) Reason() (string, error) {
	switch {
	case s.w.Waiting != nil:
		return str(s.w.Waiting.Reason, "Pod", s.field("waiting.reason"))
	case s.w.Terminated != nil:
		return str(s.w.Terminated.Reason, "Pod", s.field("terminated.reason"))
	}
	return "", unavailable("Pod", s.field("reason"))
}

// Message returns the message about the state (waiting and terminated).
func (s ContainerState) Message() (string, error) {
	switch {
	case s.w.Waiting != nil:
		return str(s.w.Waiting.Message, "Pod", s.field("waiting.message"))
	case s.w.Terminated != nil:
		return str(s.w.Terminated.Message, "Pod", s.field("terminated.message"))
	}
	return "", unavailable("Pod", s.field("message"))
}

// ExitCode returns the exit code of a terminated container.
func (s ContainerState) ExitCode() (int, error) {
	if s.w.Terminated == nil {
		return 0, unavailable("Pod", s.field("terminated.exitCode"))
	}
	return int(s.w.Terminated.ExitCode), nil
}

// Signal returns the last signal sent to a terminated container, if known.
// Signal numbers are not portable across platforms.
func (s ContainerState) Signal() (int, error) {
	if s.w.Terminated == nil || s.w.Terminated.Signal == nil {
		return 0, unavailable("Pod", s.field("terminated.signal"))
	}
	return int(*s.w.Terminated.Signal), nil
}

// StartedAt returns when the container (re)started: running and
// terminated states.
func (s ContainerState) StartedAt() (time.Time, error) {
	switch {
	case s.w.Running != nil && s.w.Running.StartedAt != nil:
		return *s.w.Running.StartedAt, nil
	case s.w.Terminated != nil && s.w.Terminated.StartedAt != nil:
		return *s.w.Terminated.StartedAt, nil
	}
	return time.Time{}, unavailable("Pod", s.field("startedAt"))
}

// FinishedAt returns when a terminated container finished.
func (s ContainerState) FinishedAt() (time.Time, error) {
	if s.w.Terminated == nil || s.w.Terminated.FinishedAt == nil {
		return time.Time{}, unavailable("Pod", s.field("terminated.finishedAt"))
	}
	return *s.w.Terminated.FinishedAt, nil
}

// ContainerID returns the ID of a terminated container.
func (s ContainerState) ContainerID() (string, error) {
	if s.w.Terminated == nil {
		return "", unavailable("Pod", s.field("terminated.containerID"))
	}
	return str(s.w.Terminated.ContainerID, "Pod", s.field("terminated.containerID"))
}

func init() { register(PodKind) }
