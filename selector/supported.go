package selector

import (
	"slices"
	"strconv"
	"strings"
)

// metaFields are the fields every resource without its own list supports
// (apimachinery's runtime.DefaultMetaV1FieldSelectorConversion).
var metaFields = []string{"metadata.name", "metadata.namespace"}

// supportedFields lists the field selector fields the API server of
// Kubernetes v1.34 accepts, keyed by "resource" for the core group and
// "resource.group" otherwise. It mirrors the AddFieldLabelConversionFunc
// registrations in k8s.io/kubernetes/pkg/apis/*/v1*/conversion.go for the
// versions that v1.34 serves. A resource without a registration accepts only
// metaFields: among them apps/v1 replicasets, whose registry computes
// status.replicas but whose API version registers no conversion, so the
// server rejects status.replicas there.
var supportedFields = map[string][]string{
	"pods": {
		"metadata.name", "metadata.namespace",
		"spec.host", // deprecated alias the server maps to spec.nodeName
		"spec.hostNetwork", "spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
		"spec.serviceAccountName", "status.nominatedNodeName", "status.phase", "status.podIP", "status.podIPs",
	},
	"nodes":                  {"metadata.name", "spec.unschedulable"},
	"namespaces":             {"metadata.name", "status.phase"},
	"replicationcontrollers": {"metadata.name", "metadata.namespace", "status.replicas"},
	"secrets":                {"metadata.name", "metadata.namespace", "type"},
	"services":               {"metadata.name", "metadata.namespace", "spec.clusterIP", "spec.type"},
	"events": {
		"involvedObject.apiVersion", "involvedObject.fieldPath", "involvedObject.kind", "involvedObject.name",
		"involvedObject.namespace", "involvedObject.resourceVersion", "involvedObject.uid",
		"metadata.name", "metadata.namespace", "reason", "reportingComponent", "source", "type",
	},
	"events.events.k8s.io": {
		"metadata.name", "metadata.namespace", "reason",
		"regarding.apiVersion", "regarding.fieldPath", "regarding.kind", "regarding.name",
		"regarding.namespace", "regarding.resourceVersion", "regarding.uid",
		"reportingController", "type",
	},
	"deployments.apps":  metaFields,
	"daemonsets.apps":   metaFields,
	"replicasets.apps":  metaFields,
	"statefulsets.apps": metaFields,
	"jobs.batch":        {"metadata.name", "metadata.namespace", "status.successful"},
	"cronjobs.batch":    metaFields,
	"certificatesigningrequests.certificates.k8s.io": {"metadata.name", "spec.signerName"},
	"clustertrustbundles.certificates.k8s.io":        {"metadata.name", "spec.signerName"},
	"podcertificaterequests.certificates.k8s.io":     {"metadata.name", "spec.nodeName", "spec.podName", "spec.signerName"},
	"resourceslices.resource.k8s.io":                 {"metadata.name", "spec.driver", "spec.nodeName"},
}

// lookupFields returns the supported fields of resource and whether the
// resource is known. A bare plural without a group that is not a core
// resource resolves to the single known group that has it ("jobs" is
// "jobs.batch"); "events" is the core group's.
func lookupFields(resource string) ([]string, bool) {
	resource = strings.ToLower(resource)
	if fields, ok := supportedFields[resource]; ok {
		return fields, true
	}
	if strings.Contains(resource, ".") {
		return metaFields, false
	}
	var found []string
	matches := 0
	for key, fields := range supportedFields {
		if plural, _, ok := strings.Cut(key, "."); ok && plural == resource {
			found, matches = fields, matches+1
		}
	}
	if matches == 1 {
		return found, true
	}
	return metaFields, false
}

// SupportedFields returns, sorted, the fields the API server (Kubernetes
// v1.34) accepts in field selectors for resource. resource is the plural name
// for the core group ("pods", "events") and "plural.group" otherwise
// ("jobs.batch", "events.events.k8s.io"); a bare plural such as "jobs" or
// "deployments" also resolves to the only built-in group that has it. Every
// other resource, including custom resources, gets metadata.name and
// metadata.namespace (a CustomResourceDefinition may declare more through
// selectableFields; check those with FieldSelector.ValidateFields). Note that
// cluster-scoped built-ins such as nodes and namespaces do not accept
// metadata.namespace.
func SupportedFields(resource string) []string {
	fields, _ := lookupFields(resource)
	return slices.Clone(fields)
}

// ValidateFor checks, before any request, that resource supports every field
// s uses (see SupportedFields). It returns s.Err() if s is invalid, and
// otherwise a *ValidationError matching ErrUnsupportedField for the first
// unsupported field, whose message lists the supported ones. NothingFields
// and EverythingFields are valid for every resource.
func (s FieldSelector) ValidateFor(resource string) error {
	fields, _ := lookupFields(resource)
	return s.validateFields(resource, fields)
}

// ValidateFields is like ValidateFor with an explicit list of supported
// fields, for example metadata.name, metadata.namespace and the
// selectableFields of a CustomResourceDefinition.
func (s FieldSelector) ValidateFields(supported ...string) error {
	return s.validateFields("", supported)
}

func (s FieldSelector) validateFields(resource string, supported []string) error {
	if s.c.err != nil {
		return s.c.err
	}
	off := 0
	for _, r := range s.c.reqs {
		if !slices.Contains(supported, r.field) {
			quoted := make([]string, len(supported))
			for i, f := range supported {
				quoted[i] = strconv.Quote(f)
			}
			return &ValidationError{
				Input:    s.String(),
				Offset:   off,
				Part:     PartUnsupportedField,
				Found:    r.field,
				Expected: "supported fields are " + strings.Join(quoted, ", "),
				Resource: resource,
			}
		}
		off += len(r.String()) + 1
	}
	return nil
}
