package kinds

import (
	"net/netip"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/kube-for-go/kube/sdk"
)

// NodeKind describes Nodes: the machines of the cluster (cluster-scoped).
var NodeKind = sdk.MustKind[NodeStatus](sdk.KindInfo{
	Kind: "Node", Resource: "nodes", Namespaced: false, APIPaths: []string{"api/v1"},
})

// Node is a snapshot of one Node (the seed's NodeItem).
type Node = sdk.Item[NodeStatus]

// AddressType is the type of a node address.
type AddressType string

// Node address types. Hostname entries hold a host name, the others an IP.
const (
	AddressHostname    AddressType = "Hostname"
	AddressInternalIP  AddressType = "InternalIP"
	AddressExternalIP  AddressType = "ExternalIP"
	AddressInternalDNS AddressType = "InternalDNS"
	AddressExternalDNS AddressType = "ExternalDNS"
)

// NodeAddress is one address of a node.
type NodeAddress struct {
	Type    AddressType `json:"type"`
	Address string      `json:"address"`
}

// IP returns the address as an IP. For a host name (Hostname,
// InternalDNS, ExternalDNS entries) or a malformed address the error is an
// *sdk.UnavailableError whose Field names the entry and quotes the value,
// e.g. `status.addresses[type=Hostname].address (not an IP address:
// "worker-1")`.
func (a NodeAddress) IP() (netip.Addr, error) {
	ip, err := netip.ParseAddr(a.Address)
	if err != nil {
		return netip.Addr{}, notIP("Node", "status.addresses[type="+string(a.Type)+"].address", a.Address)
	}
	return ip, nil
}

// NodeStatus holds a node's status attributes.
type NodeStatus struct {
	sdk.FromStatus
	sdk.HasStatus
	w nodeStatusWire
}

type nodeStatusWire struct {
	Addresses   []NodeAddress       `json:"addresses"`
	Capacity    map[string]Quantity `json:"capacity"`
	Allocatable map[string]Quantity `json:"allocatable"`
	Conditions  []Condition         `json:"conditions"`
	NodeInfo    map[string]string   `json:"nodeInfo"`
}

// UnmarshalJSONFrom decodes the status in one pass.
func (s *NodeStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return json.UnmarshalDecode(dec, &s.w)
}

// Addresses returns the node's addresses; empty if none are known yet.
func (s NodeStatus) Addresses() []NodeAddress { return append([]NodeAddress(nil), s.w.Addresses...) }

// Capacity returns the node's total resources: CPU in cores (fractions
// allowed), memory in bytes, pods, ...; empty until the kubelet reports
// them.
func (s NodeStatus) Capacity() ResourceList {
	return resourcesOf("Node", "status.capacity", s.w.Capacity)
}

// Allocatable returns the resources available to pods; empty until the
// kubelet reports them.
func (s NodeStatus) Allocatable() ResourceList {
	return resourcesOf("Node", "status.allocatable", s.w.Allocatable)
}

// Conditions returns the node's conditions (Ready, MemoryPressure, ...),
// empty if none.
func (s NodeStatus) Conditions() Conditions {
	return conditionsOf("Node", "status.conditions", s.w.Conditions)
}

// Ready reports whether the node's Ready condition is True: false when it
// is False, Unknown or absent.
func (s NodeStatus) Ready() bool { return s.Conditions().IsTrue("Ready") }

// Info returns one entry of status.nodeInfo, e.g. "kubeletVersion"; an
// absent or empty entry is unavailable.
func (s NodeStatus) Info(key string) (string, error) {
	v, ok := s.w.NodeInfo[key]
	if !ok || v == "" {
		return "", unavailable("Node", "status.nodeInfo."+key)
	}
	return v, nil
}

func init() { register(NodeKind) }
