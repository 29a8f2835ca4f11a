package kinds

import (
	"net/netip"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/kube-for-go/kube/sdk"
)

// ServiceKind describes Services.
var ServiceKind = sdk.MustKind[ServiceStatus](sdk.KindInfo{
	Kind: "Service", Resource: "services", Namespaced: true, APIPaths: []string{"api/v1"},
})

// Service is a snapshot of one Service (the seed's ServiceItem).
type Service = sdk.Item[ServiceStatus]

// ServiceType is the type of a Service.
type ServiceType string

// Service types.
const (
	ServiceClusterIP    ServiceType = "ClusterIP"
	ServiceNodePort     ServiceType = "NodePort"
	ServiceLoadBalancer ServiceType = "LoadBalancer"
	ServiceExternalName ServiceType = "ExternalName"
)

// ServicePort is one port of a Service.
type ServicePort struct {
	Name       string      `json:"name,omitempty"`
	Protocol   string      `json:"protocol,omitempty"`
	Port       int32       `json:"port"`
	TargetPort IntOrString `json:"targetPort"` // a number or a named port
	NodePort   int32       `json:"nodePort,omitempty"`
}

// Ingress is one load-balancer ingress point: an IP address or a host name.
type Ingress struct {
	IP       netip.Addr // valid if the ingress is an IP address
	Hostname string     // set if the ingress is a host name
}

// ServiceStatus holds a Service's attributes: its type, cluster IPs and
// ports from the spec, and its load-balancer ingress from the status.
type ServiceStatus struct {
	sdk.FromObject
	sdk.HasStatus
	w serviceWire
}

type serviceWire struct {
	Spec struct {
		Type       *string       `json:"type"`
		ClusterIP  *string       `json:"clusterIP"`
		ClusterIPs []string      `json:"clusterIPs"`
		Ports      []ServicePort `json:"ports"`
	} `json:"spec"`
	Status struct {
		LoadBalancer struct {
			Ingress []struct {
				IP       string `json:"ip"`
				Hostname string `json:"hostname"`
			} `json:"ingress"`
		} `json:"loadBalancer"`
	} `json:"status"`
}

// UnmarshalJSONFrom decodes the attributes in one pass.
func (s *ServiceStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return json.UnmarshalDecode(dec, &s.w)
}

// Type returns the Service's type (the server defaults it to ClusterIP).
func (s ServiceStatus) Type() (ServiceType, error) {
	t, err := str(s.w.Spec.Type, "Service", "spec.type")
	return ServiceType(t), err
}

// ClusterIP returns the primary cluster IP; unavailable for headless
// services (whose clusterIP "None" is quoted in the error's Field) and
// ExternalName services (which have none).
func (s ServiceStatus) ClusterIP() (netip.Addr, error) {
	v, err := str(s.w.Spec.ClusterIP, "Service", "spec.clusterIP")
	if err != nil {
		return netip.Addr{}, err
	}
	a, perr := netip.ParseAddr(v)
	if perr != nil {
		return netip.Addr{}, notIP("Service", "spec.clusterIP", v)
	}
	return a, nil
}

// ClusterIPs returns every cluster IP (dual stack), empty for headless services.
func (s ServiceStatus) ClusterIPs() []netip.Addr {
	out := make([]netip.Addr, 0, len(s.w.Spec.ClusterIPs))
	for _, v := range s.w.Spec.ClusterIPs {
		if a, err := netip.ParseAddr(v); err == nil {
			out = append(out, a)
		}
	}
	return out
}

// Ports returns the Service's ports, empty if none.
func (s ServiceStatus) Ports() []ServicePort { return append([]ServicePort(nil), s.w.Spec.Ports...) }

// LoadBalancerIngress returns the load balancer's ingress points (the
// seed's loadbalancer_ingress), empty when there is no load balancer.
func (s ServiceStatus) LoadBalancerIngress() []Ingress {
	out := make([]Ingress, 0, len(s.w.Status.LoadBalancer.Ingress))
	for _, in := range s.w.Status.LoadBalancer.Ingress {
		var e Ingress
		if a, err := netip.ParseAddr(in.IP); err == nil {
			e.IP = a
		}
		e.Hostname = in.Hostname
		out = append(out, e)
	}
	return out
}

func init() { register(ServiceKind) }
