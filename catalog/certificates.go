package catalog

import (
	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

// CertificateSigningRequestStatus holds a CSR's status: its conditions
// and whether a certificate was issued. The certificate itself is public
// data, but it is only reported as present here: read it from the item's
// Raw when needed.
type CertificateSigningRequestStatus struct {
	sdk.FromStatus
	sdk.HasStatus
	w csrWire
}

type csrWire struct {
	Conditions  []kinds.Condition `json:"conditions"`
	Certificate []byte            `json:"certificate"`
}

// UnmarshalJSONFrom decodes the status in one pass.
func (s *CertificateSigningRequestStatus) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return json.UnmarshalDecode(dec, &s.w)
}

// Conditions returns the request's conditions (Approved, Denied, Failed),
// empty if none.
func (s CertificateSigningRequestStatus) Conditions() kinds.Conditions {
	return kinds.NewConditions("CertificateSigningRequest", "status.conditions", s.w.Conditions)
}

// Approved reports whether the Approved condition is True.
func (s CertificateSigningRequestStatus) Approved() bool { return s.Conditions().IsTrue("Approved") }

// Denied reports whether the Denied condition is True.
func (s CertificateSigningRequestStatus) Denied() bool { return s.Conditions().IsTrue("Denied") }

// HasCertificate reports whether the signer issued a certificate
// (status.certificate is set).
func (s CertificateSigningRequestStatus) HasCertificate() bool { return len(s.w.Certificate) > 0 }
