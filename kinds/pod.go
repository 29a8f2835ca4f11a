package kinds

import (
	"cmp"
	"net/netip"
	"slices"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
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
type PodStatus struct {
	sdk.FromStatus
	sdk.HasStatus
	sdk.HasPodSubresources
	w podStatusWire
}

type podStatusWire struct {
	Phase  *string `json:"phase"`
	PodIP  *string `json:"podIP"`
	PodIPs []struct {
		IP string `json:"ip"`
	} `json:"podIPs"`
	HostIP                *string         `json:"hostIP"`
	StartTime             *time.Time      `json:"startTime"`
	Message               *string         `json:"message"`
	Reason                *string         `json:"reason"`
	QOSClass              *string         `json:"qosClass"`
	NominatedNodeName     *string         `json:"nominatedNodeName"`
	Conditions            []Condition     `json:"conditions"`
	ContainerStatuses     []containerWire `json:"containerStatuses"`
	InitContainerStatuses []containerWire `json:"initContainerStatuses"`
}

// UnmarshalJSONFrom decodes the status in one pass.
func (s *PodStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return json.UnmarshalDecode(dec, &s.w)
}

// Phase returns the pod's phase.
func (s PodStatus) Phase() (PodPhase, error) {
	p, err := str(s.w.Phase, "Pod", "status.phase")
	return PodPhase(p), err
}

// IP returns the pod's primary IP address (IPv4 or IPv6).
func (s PodStatus) IP() (netip.Addr, error) { return addr(s.w.PodIP, "status.podIP") }

// IPs returns all the pod's IP addresses (dual stack), empty if none yet;
// entries that are not IP addresses are left out.
func (s PodStatus) IPs() []netip.Addr {
	out := make([]netip.Addr, 0, len(s.w.PodIPs))
	for _, p := range s.w.PodIPs {
		if a, err := netip.ParseAddr(p.IP); err == nil {
			out = append(out, a)
		}
	}
	return out
}

// HostIP returns the IP address of the pod's node.
func (s PodStatus) HostIP() (netip.Addr, error) { return addr(s.w.HostIP, "status.hostIP") }

func addr(p *string, field string) (netip.Addr, error) {
	v, err := str(p, "Pod", field)
	if err != nil {
		return netip.Addr{}, err
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		return netip.Addr{}, notIP("Pod", field, v)
	}
	return a, nil
}

// StartTime returns when the pod was acknowledged by its node.
func (s PodStatus) StartTime() (time.Time, error) {
	if s.w.StartTime == nil {
		return time.Time{}, unavailable("Pod", "status.startTime")
	}
	return *s.w.StartTime, nil
}

// Message returns the human-readable message about the pod's state.
func (s PodStatus) Message() (string, error) { return str(s.w.Message, "Pod", "status.message") }

// Reason returns the PascalCase reason for the pod's state, e.g. "Evicted".
func (s PodStatus) Reason() (string, error) { return str(s.w.Reason, "Pod", "status.reason") }

// QOSClass returns the pod's quality-of-service class.
func (s PodStatus) QOSClass() (QOSClass, error) {
	v, err := str(s.w.QOSClass, "Pod", "status.qosClass")
	return QOSClass(v), err
}

// NominatedNodeName returns the node the scheduler nominated for preemption.
func (s PodStatus) NominatedNodeName() (string, error) {
	return str(s.w.NominatedNodeName, "Pod", "status.nominatedNodeName")
}

// Conditions returns the pod's conditions (PodScheduled, Initialized,
// ContainersReady, Ready, ...), empty if none.
func (s PodStatus) Conditions() Conditions {
	return conditionsOf("Pod", "status.conditions", s.w.Conditions)
}

// Ready reports whether the pod's Ready condition is True: false when it
// is False or absent.
func (s PodStatus) Ready() bool { return s.Conditions().IsTrue("Ready") }

// Containers returns the status of the pod's app containers, in order;
// empty until the kubelet reports them.
func (s PodStatus) Containers() []Container { return containers(s.w.ContainerStatuses, false) }

// InitContainers returns the status of the pod's init containers, empty
// if none.
func (s PodStatus) InitContainers() []Container { return containers(s.w.InitContainerStatuses, true) }

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

func containers(ws []containerWire, init bool) []Container {
	out := make([]Container, len(ws))
	for i := range ws {
		out[i] = Container{w: ws[i], init: init}
	}
	return out
}

// rawOptions decode like the API server: a duplicate name keeps the last
// value, invalid UTF-8 is tolerated.
var rawOptions = json.JoinOptions(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))

type containerWire struct {
	containerFields
	raw jsontext.Value // the container's status as received
}

type containerFields struct {
	Name         string     `json:"name"`
	State        *stateWire `json:"state"`
	LastState    *stateWire `json:"lastState"`
	Ready        *bool      `json:"ready"`
	Started      *bool      `json:"started"`
	RestartCount int32      `json:"restartCount"`
	Image        string     `json:"image"`
	ImageID      string     `json:"imageID"`
	ContainerID  string     `json:"containerID"`
}

// UnmarshalJSONFrom keeps the raw JSON of the container status and decodes it.
func (c *containerWire) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	c.raw = v.Clone()
	return json.Unmarshal(c.raw, &c.containerFields, rawOptions)
}

// Container is the status of one container in a pod (the seed's Container).
// Its errors name the container, e.g.
// "status.containerStatuses[name=web].containerID".
type Container struct {
	w    containerWire
	init bool
	pod  *Pod
}

// Raw returns a copy of the container's status as received (a
// v1.ContainerStatus object), the seed's Container.raw.
func (c Container) Raw() []byte { return slices.Clone(c.w.raw) }

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
	return list + "[name=" + c.w.Name + "]"
}

// Name returns the container's name. It is returned plainly: the server
// requires it in every container status.
func (c Container) Name() string { return c.w.Name }

// Init reports whether this is an init container.
func (c Container) Init() bool { return c.init }

// ID returns the container runtime's ID, e.g. "containerd://<hex>";
// unavailable until the container was created.
func (c Container) ID() (string, error) {
	return str(&c.w.ContainerID, "Pod", c.path()+".containerID")
}

// Image returns the image the container runs. It is returned plainly: the
// server requires it in every container status.
func (c Container) Image() string { return c.w.Image }

// ImageID returns the ID of the container's image; unavailable until the
// image was pulled.
func (c Container) ImageID() (string, error) {
	return str(&c.w.ImageID, "Pod", c.path()+".imageID")
}

// RestartCount returns how many times the container was restarted. It is
// returned plainly: the server omits it only when it is 0.
func (c Container) RestartCount() int { return int(c.w.RestartCount) }

// Ready reports whether the container passed its readiness probe: false
// when it did not or when the kubelet has not said.
func (c Container) Ready() bool { return c.w.Ready != nil && *c.w.Ready }

// Started reports whether the container passed its startup probe: false
// when it did not or when the kubelet has not said.
func (c Container) Started() bool { return c.w.Started != nil && *c.w.Started }

// State returns the container's current state.
func (c Container) State() (ContainerState, error) {
	if c.w.State == nil {
		return ContainerState{}, unavailable("Pod", c.path()+".state")
	}
	return ContainerState{w: *c.w.State, path: c.path() + ".state"}, nil
}

// LastState returns the container's previous state; unavailable (also when
// the server sends an empty lastState) until the container has restarted.
func (c Container) LastState() (ContainerState, error) {
	if c.w.LastState == nil || (c.w.LastState.Waiting == nil && c.w.LastState.Running == nil && c.w.LastState.Terminated == nil) {
		return ContainerState{}, unavailable("Pod", c.path()+".lastState")
	}
	return ContainerState{w: *c.w.LastState, path: c.path() + ".lastState"}, nil
}

type stateWire struct {
	stateFields
	raw jsontext.Value // the state as received
}

// UnmarshalJSONFrom keeps the raw JSON of the state and decodes it.
func (s *stateWire) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	s.raw = v.Clone()
	return json.Unmarshal(s.raw, &s.stateFields, rawOptions)
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
