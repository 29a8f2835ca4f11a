package sdk_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/selector"
)

// WidgetStatus is the status of a custom resource: the markers say it
// decodes from the object's "status" and that the CRD enables the status
// subresource; its methods are the kind's typed status attributes.
type WidgetStatus struct {
	sdk.FromStatus
	sdk.HasStatus
	Ready bool `json:"ready"`
	Size  *int `json:"observedSize"`
}

// ObservedSize returns the size the widget controller last saw.
func (s WidgetStatus) ObservedSize() (int, error) {
	if s.Size == nil {
		return 0, &sdk.UnavailableError{Kind: "Widget", Field: "status.observedSize"}
	}
	return *s.Size, nil
}

// WidgetKind is the descriptor: data bound to the status type.
var WidgetKind = sdk.MustKind[WidgetStatus](sdk.KindInfo{
	Kind: "Widget", Resource: "widgets", Namespaced: true,
	APIPaths: []string{"apis/example.com/v1"},
})

// A custom resource in a dozen lines: its views have the same API as the
// built-in kinds', and a StatusView because the status type says the CRD
// serves the status subresource.
func ExampleNewStatusView() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// An API server that knows widgets (offline, for the example).
		fmt.Fprint(w, `{"kind":"WidgetList","apiVersion":"example.com/v1","metadata":{"resourceVersion":"5"},"items":[
			{"metadata":{"name":"w1","namespace":"default","labels":{"color":"blue"}},"status":{"ready":true,"observedSize":3}},
			{"metadata":{"name":"w2","namespace":"default","labels":{"color":"blue"}},"status":{"ready":false}}]}`)
	}))
	defer srv.Close()
	c, err := sdk.New(sdk.Options{URL: srv.URL})
	if err != nil {
		panic(err)
	}
	widgets := sdk.NewStatusView(c, WidgetKind).In("default").Filter(selector.Set{"color": "blue"}, nil)
	for w, err := range widgets.All(context.Background()) {
		if err != nil {
			panic(err)
		}
		size, err := w.Status().ObservedSize()
		fmt.Println(w.Name(), w.Status().Ready, size, err)
	}
	// Output:
	// w1 true 3 <nil>
	// w2 false 0 kube: Widget: status.observedSize is not available
}
