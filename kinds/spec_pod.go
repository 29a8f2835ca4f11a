package kinds

import (
	"errors"
	"maps"
	"slices"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/kube-for-go/kube/sdk"
)

// Typed specs. A kind's spec is not decoded when an item is read (lists
// stay as fast as before): the XxxSpecOf functions decode it from the
// item's raw JSON when asked, each call anew. Their accessors follow the
// rule of the package doc, with errors that name the kind and the field
// (e.g. "spec.nodeName", "spec.template.spec.containers[name=web].image").
// Environment variables are read by name only: their values, which may
// come from Secrets, are never decoded.

// specError is the error of a spec that cannot be decoded as the kind's.
func specError(kind string, err error) error {
	return &sdk.DecodeError{Path: kind + ".spec", Offset: -1, Reason: "unexpected spec", Err: err}
}

// decodeSpec decodes the "spec" member of raw into w.
func decodeSpec[W any](kind string, raw []byte, w *W) error {
	var obj struct {
		Spec *W `json:"spec"`
	}
	obj.Spec = w
	if err := json.Unmarshal(raw, &obj, rawOptions); err != nil {
		return specError(kind, err)
	}
	return nil
}

// errNilItem is the error of a spec function given a nil item.
var errNilItem = errors.New("nil item")

// PodSpec is a pod's spec, or the pod template of a workload, decoded on
// demand (PodSpecOf, WorkloadSpec.Template).
type PodSpec struct {
	kind  string // the kind of the object holding it
	field string // where it is, e.g. "spec" or "spec.template.spec"
	w     podSpecWire
}

type podSpecWire struct {
	NodeName           *string             `json:"nodeName"`
	ServiceAccountName *string             `json:"serviceAccountName"`
	RestartPolicy      *string             `json:"restartPolicy"`
	Containers         []containerSpecWire `json:"containers"`
	InitContainers     []containerSpecWire `json:"initContainers"`
	Volumes            []volumeWire        `json:"volumes"`
}

// PodSpecOf decodes the spec of pod.
func PodSpecOf(pod *Pod) (PodSpec, error) {
	if pod == nil {
		return PodSpec{}, specError("Pod", errNilItem)
	}
	s := PodSpec{kind: "Pod", field: "spec"}
	return s, decodeSpec("Pod", pod.Raw(), &s.w)
}

func (s PodSpec) path(rest string) string { return s.field + "." + rest }

// NodeName returns the node the pod is bound to; unavailable until the
// scheduler bound it.
func (s PodSpec) NodeName() (string, error) { return str(s.w.NodeName, s.kind, s.path("nodeName")) }

// ServiceAccountName returns the pod's service account (the server
// defaults it to "default").
func (s PodSpec) ServiceAccountName() (string, error) {
	return str(s.w.ServiceAccountName, s.kind, s.path("serviceAccountName"))
}

// RestartPolicy returns Always, OnFailure or Never (the server defaults it
// to Always).
func (s PodSpec) RestartPolicy() (string, error) {
	return str(s.w.RestartPolicy, s.kind, s.path("restartPolicy"))
}

// Containers returns the app containers, in order, empty if none.
func (s PodSpec) Containers() []ContainerSpec { return s.containers(s.w.Containers, "containers") }

// InitContainers returns the init containers, in order, empty if none.
func (s PodSpec) InitContainers() []ContainerSpec {
	return s.containers(s.w.InitContainers, "initContainers")
}

func (s PodSpec) containers(ws []containerSpecWire, list string) []ContainerSpec {
	out := make([]ContainerSpec, len(ws))
	for i, w := range ws {
		out[i] = ContainerSpec{kind: s.kind, path: s.path(list + "[name=" + w.Name + "]"), w: w}
	}
	return out
}

// Volumes returns the pod's volumes, empty if none.
func (s PodSpec) Volumes() []Volume {
	out := make([]Volume, len(s.w.Volumes))
	for i, v := range s.w.Volumes {
		out[i] = Volume(v)
	}
	return out
}

type containerSpecWire struct {
	Name      string          `json:"name"`
	Image     *string         `json:"image"`
	Ports     []ContainerPort `json:"ports"`
	Resources struct {
		Requests map[string]Quantity `json:"requests"`
		Limits   map[string]Quantity `json:"limits"`
	} `json:"resources"`
	Env []struct {
		Name string `json:"name"` // the value is never decoded
	} `json:"env"`
}

// ContainerPort is one port a container exposes.
type ContainerPort struct {
	Name          string `json:"name,omitempty"`
	ContainerPort int32  `json:"containerPort"`
	Protocol      string `json:"protocol,omitempty"`
	HostPort      int32  `json:"hostPort,omitempty"`
}

// ContainerSpec is one container of a pod spec.
type ContainerSpec struct {
	kind string
	path string // e.g. "spec.containers[name=web]"
	w    containerSpecWire
}

// Name returns the container's name. It is returned plainly: the server
// requires it.
func (c ContainerSpec) Name() string { return c.w.Name }

// Image returns the container's image; unavailable when unset (allowed
// in a workload's template, where a policy may fill it).
func (c ContainerSpec) Image() (string, error) { return str(c.w.Image, c.kind, c.path+".image") }

// Ports returns the ports the container exposes, empty if none.
func (c ContainerSpec) Ports() []ContainerPort { return slices.Clone(c.w.Ports) }

// Requests returns the resources the container requests, empty if none.
func (c ContainerSpec) Requests() ResourceList {
	return resourcesOf(c.kind, c.path+".resources.requests", c.w.Resources.Requests)
}

// Limits returns the container's resource limits, empty if none.
func (c ContainerSpec) Limits() ResourceList {
	return resourcesOf(c.kind, c.path+".resources.limits", c.w.Resources.Limits)
}

// EnvNames returns the names of the container's environment variables,
// in order, empty if none. Their values are never read: one may come
// from a Secret.
func (c ContainerSpec) EnvNames() []string {
	out := make([]string, len(c.w.Env))
	for i, e := range c.w.Env {
		out[i] = e.Name
	}
	return out
}

// Volume is one volume of a pod: its name and the type of its source,
// the name of the source's member, e.g. "configMap", "secret",
// "emptyDir", "persistentVolumeClaim" ("" if it has none).
type Volume struct {
	Name   string
	Source string
}

type volumeWire struct {
	Name   string
	Source string
}

// UnmarshalJSONFrom reads the volume's name and the name of its source
// member, skipping the source's contents.
func (v *volumeWire) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	var m map[string]jsontext.Value
	if err := json.UnmarshalDecode(dec, &m, rawOptions); err != nil {
		return err
	}
	*v = volumeWire{}
	if n, ok := m["name"]; ok {
		if err := json.Unmarshal(n, &v.Name); err != nil {
			return err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if k != "name" {
			v.Source = k
			break
		}
	}
	return nil
}
