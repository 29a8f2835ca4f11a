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

// IP returns the address as an IP, false for host names.
func (a NodeAddress) IP() (netip.Addr, bool) {
	ip, err := netip.ParseAddr(a.Address)
	return ip, err == nil
}

// NodeStatus holds a node's status attributes.
type NodeStatus struct {
	sdk.FromStatus
	sdk.HasStatus
	w nodeStatusWire
}

type nodeStatusWire struct {
	Addresses   []NodeAddress     `json:"addresses"`
	Capacity    ResourceList      `json:"capacity"`
	Allocatable ResourceList      `json:"allocatable"`
	Conditions  Conditions        `json:"conditions"`
	NodeInfo    map[string]string `json:"nodeInfo"`
}

// UnmarshalJSONFrom decodes the status in one pass.
func (s *NodeStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return json.UnmarshalDecode(dec, &s.w)
}

// Addresses returns the node's addresses; empty if none are known yet.
func (s NodeStatus) Addresses() []NodeAddress { return append([]NodeAddress(nil), s.w.Addresses...) }

// Capacity returns the node's total resources: CPU in cores (fractions
// allowed), memory in bytes, pods, ...
func (s NodeStatus) Capacity() (ResourceList, error) {
	if s.w.Capacity == nil {
		return nil, unavailable("Node", "status.capacity")
	}
	return cloneResources(s.w.Capacity), nil
}

// Allocatable returns the resources available to pods.
func (s NodeStatus) Allocatable() (ResourceList, error) {
	if s.w.Allocatable == nil {
		return nil, unavailable("Node", "status.allocatable")
	}
	return cloneResources(s.w.Allocatable), nil
}

func cloneResources(r ResourceList) ResourceList {
	out := make(ResourceList, len(r))
	for k, v := range r {
		out[k] = v
	}
	return out
}

// Conditions returns the node's conditions (Ready, MemoryPressure, ...).
func (s NodeStatus) Conditions() Conditions { return s.w.Conditions }

// Ready reports whether the node's Ready condition is True.
func (s NodeStatus) Ready() bool { return s.w.Conditions.IsTrue("Ready") }

// Info returns one entry of status.nodeInfo, e.g. "kubeletVersion".
func (s NodeStatus) Info(key string) (string, error) {
	v, ok := s.w.NodeInfo[key]
	if !ok || v == "" {
		return "", unavailable("Node", "status.nodeInfo."+key)
	}
	return v, nil
}

func init() { register(NodeKind) }
