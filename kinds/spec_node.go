package kinds

import (
	"net/netip"
	"slices"
)

// NodeSpec is a Node's spec, decoded on demand (NodeSpecOf).
type NodeSpec struct {
	w nodeSpecWire
}

type nodeSpecWire struct {
	Unschedulable *bool    `json:"unschedulable"`
	Taints        []Taint  `json:"taints"`
	PodCIDRs      []string `json:"podCIDRs"`
	ProviderID    *string  `json:"providerID"`
}

// Taint is one taint of a node: pods that do not tolerate it are not
// scheduled there (NoSchedule, PreferNoSchedule) or are evicted
// (NoExecute).
type Taint struct {
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Effect string `json:"effect"`
}

// NodeSpecOf decodes the spec of a Node.
func NodeSpecOf(n *Node) (NodeSpec, error) {
	if n == nil {
		return NodeSpec{}, specError("Node", errNilItem)
	}
	var out NodeSpec
	return out, decodeSpec("Node", n.Raw(), &out.w)
}

// Unschedulable reports whether the node is cordoned (spec.unschedulable).
func (s NodeSpec) Unschedulable() bool { return s.w.Unschedulable != nil && *s.w.Unschedulable }

// Taints returns the node's taints, empty if none.
func (s NodeSpec) Taints() []Taint { return slices.Clone(s.w.Taints) }

// PodCIDRs returns the ranges of pod IPs assigned to the node, empty until
// assigned; entries that are not CIDR prefixes are left out.
func (s NodeSpec) PodCIDRs() []netip.Prefix {
	out := []netip.Prefix{}
	for _, v := range s.w.PodCIDRs {
		if p, err := netip.ParsePrefix(v); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// ProviderID returns the node's ID at its cloud provider.
func (s NodeSpec) ProviderID() (string, error) {
	return str(s.w.ProviderID, "Node", "spec.providerID")
}
