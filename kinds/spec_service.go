package kinds

import (
	"maps"
	"net/netip"
	"slices"
)

// ServiceSpec is a Service's spec, decoded on demand (ServiceSpecOf).
type ServiceSpec struct {
	w serviceSpecWire
}

type serviceSpecWire struct {
	Type            *string           `json:"type"`
	Ports           []ServicePort     `json:"ports"`
	Selector        map[string]string `json:"selector"`
	ClusterIPs      []string          `json:"clusterIPs"`
	ExternalName    *string           `json:"externalName"`
	SessionAffinity *string           `json:"sessionAffinity"`
}

// ServiceSpecOf decodes the spec of a Service.
func ServiceSpecOf(s *Service) (ServiceSpec, error) {
	if s == nil {
		return ServiceSpec{}, specError("Service", errNilItem)
	}
	var out ServiceSpec
	return out, decodeSpec("Service", s.Raw(), &out.w)
}

// Type returns the Service's type (the server defaults it to ClusterIP).
func (s ServiceSpec) Type() (ServiceType, error) {
	t, err := str(s.w.Type, "Service", "spec.type")
	return ServiceType(t), err
}

// Ports returns the Service's ports, empty if none.
func (s ServiceSpec) Ports() []ServicePort { return slices.Clone(s.w.Ports) }

// Selector returns a copy of the labels selecting the Service's pods,
// empty for a Service without a selector (its endpoints are managed by
// hand).
func (s ServiceSpec) Selector() map[string]string {
	out := make(map[string]string, len(s.w.Selector))
	maps.Copy(out, s.w.Selector)
	return out
}

// ClusterIPs returns the Service's cluster IPs (dual stack), empty for a
// headless (clusterIP None) or ExternalName Service; entries that are not
// IP addresses are left out.
func (s ServiceSpec) ClusterIPs() []netip.Addr {
	out := []netip.Addr{}
	for _, v := range s.w.ClusterIPs {
		if a, err := netip.ParseAddr(v); err == nil {
			out = append(out, a)
		}
	}
	return out
}

// Headless reports whether the Service is headless (clusterIP None).
func (s ServiceSpec) Headless() bool { return slices.Contains(s.w.ClusterIPs, "None") }

// ExternalName returns the DNS name an ExternalName Service aliases.
func (s ServiceSpec) ExternalName() (string, error) {
	return str(s.w.ExternalName, "Service", "spec.externalName")
}

// SessionAffinity returns ClientIP or None (the server defaults it to None).
func (s ServiceSpec) SessionAffinity() (string, error) {
	return str(s.w.SessionAffinity, "Service", "spec.sessionAffinity")
}
