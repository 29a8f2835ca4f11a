package interop_test

import (
	"encoding/json"
	"math/rand"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	networkingv1 "k8s.io/api/networking/v1"
	nodev1 "k8s.io/api/node/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/apitesting/fuzzer"
	metafuzzer "k8s.io/apimachinery/pkg/apis/meta/fuzzer"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"

	"github.com/kube-for-go/kube/sdk"
)

// anyKind decodes any object offline, for Item.Into.
var anyKind = sdk.MustKind[anyStatus](sdk.KindInfo{Kind: "Any", Resource: "any", APIPaths: []string{"api/v1"}})

type anyStatus struct{ sdk.FromObject }

// TestEveryAPITypeConverts runs Into and MarshalApply over every type of
// the built-in groups of k8s.io/api: go-json-experiment/json analyses a
// struct type's fields before it decodes (and refuses, for instance, two
// fields of one JSON name at one depth, which encoding/json drops), so a
// type it could not handle would fail here even with a zero value.
func TestEveryAPITypeConverts(t *testing.T) {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		admissionregistrationv1.AddToScheme, appsv1.AddToScheme, autoscalingv2.AddToScheme, batchv1.AddToScheme,
		certificatesv1.AddToScheme, coordinationv1.AddToScheme, corev1.AddToScheme, discoveryv1.AddToScheme,
		eventsv1.AddToScheme, flowcontrolv1.AddToScheme, networkingv1.AddToScheme, nodev1.AddToScheme,
		policyv1.AddToScheme, rbacv1.AddToScheme, schedulingv1.AddToScheme, storagev1.AddToScheme,
	} {
		require.NoError(t, add(s))
	}
	types := s.AllKnownTypes()
	var names []string
	byName := map[string]reflect.Type{}
	for gvk, typ := range types {
		n := gvk.String()
		names = append(names, n)
		byName[n] = typ
	}
	sort.Strings(names)
	require.Greater(t, len(names), 150, "the scheme holds the built-in types")
	for _, n := range names {
		typ := byName[n]
		if strings.Contains(n, runtime.APIVersionInternal) {
			continue // internal types are never sent
		}
		t.Run(n, func(t *testing.T) {
			zero := reflect.New(typ).Interface()
			raw, err := json.Marshal(zero)
			require.NoError(t, err)
			item, err := sdk.DecodeItem(nil, anyKind, raw)
			require.NoError(t, err)
			into := reflect.New(typ).Interface()
			require.NoError(t, item.Into(into), "Into handles %s", typ)
			again, err := json.Marshal(into)
			require.NoError(t, err)
			require.JSONEq(t, string(raw), string(again))
			body, err := sdk.MarshalApply(zero)
			require.NoError(t, err, "MarshalApply handles %s", typ)
			var m map[string]any
			require.NoError(t, json.Unmarshal(body, &m))
			require.Empty(t, m, "a zero struct applies nothing")

			// Random values (apimachinery's fuzzer, with its rules for
			// metav1 types and quantities): Into decodes what encoding/json
			// decodes, and MarshalApply's body decodes to what
			// encoding/json's does (it omits only zero values).
			f := fuzzer.FuzzerFor(metafuzzer.Funcs, rand.NewSource(int64(len(n))), serializer.NewCodecFactory(s))
			for range 10 {
				v := reflect.New(typ).Interface()
				f.Fill(v)
				raw, err := json.Marshal(v)
				require.NoError(t, err)
				item, err := sdk.DecodeItem(nil, anyKind, raw)
				if err != nil {
					continue // a random kind other than Any
				}
				got, want := reflect.New(typ).Interface(), reflect.New(typ).Interface()
				require.NoError(t, item.Into(got))
				require.NoError(t, json.Unmarshal(raw, want))
				require.Equal(t, mustJSON(t, want), mustJSON(t, got), "Into agrees with encoding/json")

				body, err := sdk.MarshalApply(v)
				require.NoError(t, err)
				fromApply, fromStd := reflect.New(typ).Interface(), reflect.New(typ).Interface()
				require.NoError(t, json.Unmarshal(body, fromApply))
				require.NoError(t, json.Unmarshal(raw, fromStd))
				// JSONEq: raw JSON inside (a RawExtension) comes out
				// with its members sorted.
				require.JSONEq(t, mustJSON(t, fromStd), mustJSON(t, fromApply), "MarshalApply only omits zero values")
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
