package catalog

import (
	"net/netip"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

// IngressStatus holds an Ingress's status: its load balancer's ingress
// points.
type IngressStatus struct {
	sdk.FromStatus
	sdk.HasStatus
	w ingressWire
}

type ingressWire struct {
	LoadBalancer struct {
		Ingress []struct {
			IP       string `json:"ip"`
			Hostname string `json:"hostname"`
		} `json:"ingress"`
	} `json:"loadBalancer"`
}

// UnmarshalJSONFrom decodes the status in one pass.
func (s *IngressStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return json.UnmarshalDecode(dec, &s.w)
}

// LoadBalancerIngress returns the load balancer's ingress points (an IP
// address, a host name or both each), empty until the ingress controller
// reports them. An ip that is not an IP address leaves IP invalid.
func (s IngressStatus) LoadBalancerIngress() []kinds.Ingress {
	out := make([]kinds.Ingress, 0, len(s.w.LoadBalancer.Ingress))
	for _, in := range s.w.LoadBalancer.Ingress {
		e := kinds.Ingress{Hostname: in.Hostname}
		if a, err := netip.ParseAddr(in.IP); err == nil {
			e.IP = a
		}
		out = append(out, e)
	}
	return out
}

// EndpointsStatus holds the addresses of an Endpoints object (read from its
// subsets: Endpoints has no status).
type EndpointsStatus struct {
	sdk.FromObject
	w endpointsWire
}

type endpointsWire struct {
	Subsets []struct {
		Addresses         []endpointAddress `json:"addresses"`
		NotReadyAddresses []endpointAddress `json:"notReadyAddresses"`
		Ports             []EndpointPort    `json:"ports"`
	} `json:"subsets"`
}

type endpointAddress struct {
	IP       string `json:"ip"`
	Hostname string `json:"hostname"`
	NodeName string `json:"nodeName"`
}

// EndpointPort is one port of an Endpoints subset or an EndpointSlice.
type EndpointPort struct {
	Name     string `json:"name,omitempty"`
	Port     int32  `json:"port"`
	Protocol string `json:"protocol,omitempty"`
}

// UnmarshalJSONFrom decodes the subsets in one pass.
func (s *EndpointsStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return json.UnmarshalDecode(dec, &s.w)
}

// Addresses returns the ready addresses of every subset, empty if none;
// entries that are not IP addresses are left out.
func (s EndpointsStatus) Addresses() []netip.Addr {
	var out []netip.Addr
	for _, ss := range s.w.Subsets {
		for _, a := range ss.Addresses {
			if ip, err := netip.ParseAddr(a.IP); err == nil {
				out = append(out, ip)
			}
		}
	}
	return out
}

// NotReadyAddresses returns the addresses not ready yet, empty if none.
func (s EndpointsStatus) NotReadyAddresses() []netip.Addr {
	var out []netip.Addr
	for _, ss := range s.w.Subsets {
		for _, a := range ss.NotReadyAddresses {
			if ip, err := netip.ParseAddr(a.IP); err == nil {
				out = append(out, ip)
			}
		}
	}
	return out
}

// Ports returns the ports of every subset, empty if none.
func (s EndpointsStatus) Ports() []EndpointPort {
	var out []EndpointPort
	for _, ss := range s.w.Subsets {
		out = append(out, ss.Ports...)
	}
	return out
}

// EndpointSliceStatus holds an EndpointSlice's endpoints (an
// EndpointSlice has no status).
type EndpointSliceStatus struct {
	sdk.FromObject
	w endpointSliceWire
}

type endpointSliceWire struct {
	AddressType *string        `json:"addressType"`
	Ports       []EndpointPort `json:"ports"`
	Endpoints   []struct {
		Addresses  []string `json:"addresses"`
		Conditions struct {
			Ready       *bool `json:"ready"`
			Serving     *bool `json:"serving"`
			Terminating *bool `json:"terminating"`
		} `json:"conditions"`
		NodeName *string `json:"nodeName"`
		Zone     *string `json:"zone"`
	} `json:"endpoints"`
}

// UnmarshalJSONFrom decodes the slice in one pass.
func (s *EndpointSliceStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return json.UnmarshalDecode(dec, &s.w)
}

// AddressType returns the slice's address type: IPv4, IPv6 or FQDN.
func (s EndpointSliceStatus) AddressType() (string, error) {
	return str(s.w.AddressType, "EndpointSlice", "addressType")
}

// Endpoint is one endpoint of an EndpointSlice.
type Endpoint struct {
	Addresses []string // IP addresses or FQDNs, by the slice's address type
	Ready     bool     // conditions.ready (false when unset)
	Serving   bool     // conditions.serving
	NodeName  string   // "" when unset
	Zone      string   // "" when unset
}

// Endpoints returns the slice's endpoints, empty if none.
func (s EndpointSliceStatus) Endpoints() []Endpoint {
	out := make([]Endpoint, 0, len(s.w.Endpoints))
	for _, e := range s.w.Endpoints {
		ep := Endpoint{Addresses: append([]string(nil), e.Addresses...)}
		ep.Ready = e.Conditions.Ready != nil && *e.Conditions.Ready
		ep.Serving = e.Conditions.Serving != nil && *e.Conditions.Serving
		if e.NodeName != nil {
			ep.NodeName = *e.NodeName
		}
		if e.Zone != nil {
			ep.Zone = *e.Zone
		}
		out = append(out, ep)
	}
	return out
}

// Ports returns the slice's ports, empty if none.
func (s EndpointSliceStatus) Ports() []EndpointPort { return append([]EndpointPort(nil), s.w.Ports...) }
