package catalog

import (
	"maps"
	"slices"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/kube-for-go/kube/sdk"
)

// ConfigMapStatus holds a ConfigMap's data (a ConfigMap has no status; its
// data is not secret, unlike a Secret's).
type ConfigMapStatus struct {
	sdk.FromObject
	w configMapWire
}

type configMapWire struct {
	Data       map[string]string `json:"data"`
	BinaryData map[string][]byte `json:"binaryData"` // base64 in JSON
	Immutable  *bool             `json:"immutable"`
}

// UnmarshalJSONFrom decodes the data in one pass.
func (s *ConfigMapStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return json.UnmarshalDecode(dec, &s.w)
}

// Data returns a copy of the UTF-8 data, empty if none.
func (s ConfigMapStatus) Data() map[string]string {
	out := make(map[string]string, len(s.w.Data))
	maps.Copy(out, s.w.Data)
	return out
}

// BinaryData returns a copy of the binary data (decoded from base64),
// empty if none.
func (s ConfigMapStatus) BinaryData() map[string][]byte {
	out := make(map[string][]byte, len(s.w.BinaryData))
	for k, v := range s.w.BinaryData {
		out[k] = slices.Clone(v)
	}
	return out
}

// Get returns the value of one key of data; when there is no such key the
// error is an *sdk.UnavailableError whose Field is "data[<key>]".
func (s ConfigMapStatus) Get(key string) (string, error) {
	v, ok := s.w.Data[key]
	if !ok {
		return "", unavailable("ConfigMap", "data["+key+"]")
	}
	return v, nil
}

// Keys returns the keys of data and binaryData, sorted.
func (s ConfigMapStatus) Keys() []string {
	return slices.Sorted(func(yield func(string) bool) {
		for k := range s.w.Data {
			if !yield(k) {
				return
			}
		}
		for k := range s.w.BinaryData {
			if !yield(k) {
				return
			}
		}
	})
}

// Immutable reports whether the ConfigMap is immutable.
func (s ConfigMapStatus) Immutable() bool { return s.w.Immutable != nil && *s.w.Immutable }

// ServiceAccountStatus holds a ServiceAccount's references (a
// ServiceAccount has no status).
type ServiceAccountStatus struct {
	sdk.FromObject
	w serviceAccountWire
}

type nameRef struct {
	Name string `json:"name"`
}

type serviceAccountWire struct {
	Secrets                      []nameRef `json:"secrets"`
	ImagePullSecrets             []nameRef `json:"imagePullSecrets"`
	AutomountServiceAccountToken *bool     `json:"automountServiceAccountToken"`
}

// UnmarshalJSONFrom decodes the references in one pass.
func (s *ServiceAccountStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return json.UnmarshalDecode(dec, &s.w)
}

func names(refs []nameRef) []string {
	out := make([]string, 0, len(refs))
	for _, r := range refs {
		out = append(out, r.Name)
	}
	return out
}

// Secrets returns the names of the Secrets listed in secrets (legacy
// token Secrets), empty if none.
func (s ServiceAccountStatus) Secrets() []string { return names(s.w.Secrets) }

// ImagePullSecrets returns the names of the image pull Secrets, empty if
// none.
func (s ServiceAccountStatus) ImagePullSecrets() []string { return names(s.w.ImagePullSecrets) }

// AutomountToken returns automountServiceAccountToken; unavailable when
// unset (pods then decide, and mount it by default).
func (s ServiceAccountStatus) AutomountToken() (bool, error) {
	if s.w.AutomountServiceAccountToken == nil {
		return false, unavailable("ServiceAccount", "automountServiceAccountToken")
	}
	return *s.w.AutomountServiceAccountToken, nil
}

// PolicyRule is one rule of a Role or ClusterRole.
type PolicyRule struct {
	Verbs           []string `json:"verbs"`
	APIGroups       []string `json:"apiGroups,omitempty"`
	Resources       []string `json:"resources,omitempty"`
	ResourceNames   []string `json:"resourceNames,omitempty"`
	NonResourceURLs []string `json:"nonResourceURLs,omitempty"`
}

// RuleList holds the rules of a Role or a ClusterRole (neither has a status).
type RuleList struct {
	sdk.FromObject
	w struct {
		Rules []PolicyRule `json:"rules"`
	}
}

// UnmarshalJSONFrom decodes the rules in one pass.
func (s *RuleList) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return json.UnmarshalDecode(dec, &s.w)
}

// Rules returns a copy of the rules, empty if none.
func (s RuleList) Rules() []PolicyRule {
	out := make([]PolicyRule, len(s.w.Rules))
	for i, r := range s.w.Rules {
		out[i] = PolicyRule{
			Verbs: slices.Clone(r.Verbs), APIGroups: slices.Clone(r.APIGroups), Resources: slices.Clone(r.Resources),
			ResourceNames: slices.Clone(r.ResourceNames), NonResourceURLs: slices.Clone(r.NonResourceURLs),
		}
	}
	return out
}

// Len returns the number of rules.
func (s RuleList) Len() int { return len(s.w.Rules) }

// RoleStatus holds a Role's rules.
type RoleStatus struct{ RuleList }

// ClusterRoleStatus holds a ClusterRole's rules (for an aggregated
// ClusterRole, those the controller aggregated).
type ClusterRoleStatus struct{ RuleList }

// AccessReviewResult is the answer of the server to a SubjectAccessReview,
// a SelfSubjectAccessReview or a LocalSubjectAccessReview: the status of
// the object Create returns. The status types of those kinds embed it and
// add Reason and EvaluationError, whose errors name their kind.
type AccessReviewResult struct {
	sdk.FromStatus
	w struct {
		Allowed         *bool   `json:"allowed"`
		Denied          *bool   `json:"denied"`
		Reason          *string `json:"reason"`
		EvaluationError *string `json:"evaluationError"`
	}
}

// UnmarshalJSONFrom decodes the status in one pass.
func (s *AccessReviewResult) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return json.UnmarshalDecode(dec, &s.w)
}

// Allowed reports whether the action is allowed (false when unset, as in
// the manifest before the server answered).
func (s AccessReviewResult) Allowed() bool { return s.w.Allowed != nil && *s.w.Allowed }

// Denied reports whether an authorizer explicitly denied the action.
func (s AccessReviewResult) Denied() bool { return s.w.Denied != nil && *s.w.Denied }

func (s AccessReviewResult) reason(kind string) (string, error) {
	return str(s.w.Reason, kind, "status.reason")
}

func (s AccessReviewResult) evaluationError(kind string) (string, error) {
	return str(s.w.EvaluationError, kind, "status.evaluationError")
}

// SubjectAccessReviewStatus is the answer to a SubjectAccessReview.
type SubjectAccessReviewStatus struct{ AccessReviewResult }

// Reason returns why the action is allowed or denied, if the authorizer
// said.
func (s SubjectAccessReviewStatus) Reason() (string, error) { return s.reason("SubjectAccessReview") }

// EvaluationError returns the error an authorizer met while deciding, if
// any.
func (s SubjectAccessReviewStatus) EvaluationError() (string, error) {
	return s.evaluationError("SubjectAccessReview")
}

// SelfSubjectAccessReviewStatus is the answer to a SelfSubjectAccessReview
// (kubectl auth can-i).
type SelfSubjectAccessReviewStatus struct{ AccessReviewResult }

// Reason returns why the action is allowed or denied, if the authorizer
// said.
func (s SelfSubjectAccessReviewStatus) Reason() (string, error) {
	return s.reason("SelfSubjectAccessReview")
}

// EvaluationError returns the error an authorizer met while deciding, if
// any.
func (s SelfSubjectAccessReviewStatus) EvaluationError() (string, error) {
	return s.evaluationError("SelfSubjectAccessReview")
}

// LocalSubjectAccessReviewStatus is the answer to a
// LocalSubjectAccessReview.
type LocalSubjectAccessReviewStatus struct{ AccessReviewResult }

// Reason returns why the action is allowed or denied, if the authorizer
// said.
func (s LocalSubjectAccessReviewStatus) Reason() (string, error) {
	return s.reason("LocalSubjectAccessReview")
}

// EvaluationError returns the error an authorizer met while deciding, if
// any.
func (s LocalSubjectAccessReviewStatus) EvaluationError() (string, error) {
	return s.evaluationError("LocalSubjectAccessReview")
}
