package catalog_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/kube-for-go/kube/catalog"
	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

// FuzzCatalogStatus decodes arbitrary bytes as every kind of the catalogue
// and calls every accessor of the status it gets (and of the values those
// return, conditions and resource lists included). Nothing may panic, and
// every error must follow package kinds' rule: an *sdk.UnavailableError
// naming the kind and a field.
func FuzzCatalogStatus(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		if filepath.Base(file) == "discovery-v1.34.json" {
			continue
		}
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte(`{"kind":"Job","metadata":{"name":"j"},"status":{"conditions":[{"type":"Failed","status":"True"}]}}`))
	f.Add([]byte(`{"kind":"HorizontalPodAutoscaler","metadata":{},"status":{"currentMetrics":[{"type":"Pods","pods":{"metric":{"name":"m"},"current":{"averageValue":"1e3"}}}]}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, g := range generated {
			st, err := g.decode(raw)
			if err != nil {
				continue // not an object of this kind: the decoder's own tests cover it
			}
			callAccessors(t, g.kind.Info().Kind, reflect.ValueOf(st), 0)
		}
	})
}

var (
	catalogPkg = reflect.TypeFor[catalog.ObjectReference]().PkgPath()
	kindsPkg   = reflect.TypeFor[kinds.Condition]().PkgPath()
)

// callAccessors calls every value method of v that takes no argument, a
// string (a lookup key) or an int64 (a generation), checks the errors, and
// descends into the results declared in packages catalog and kinds.
func callAccessors(t *testing.T, kind string, v reflect.Value, depth int) {
	t.Helper()
	if depth > 4 {
		return
	}
	if v.Kind() == reflect.Slice {
		for i := range v.Len() {
			callAccessors(t, kind, v.Index(i), depth+1)
		}
		return
	}
	if p := v.Type().PkgPath(); p != catalogPkg && p != kindsPkg {
		return
	}
	_ = fmt.Sprint(v.Interface()) // printing never panics
	errType := reflect.TypeFor[error]()
	for i := range v.NumMethod() {
		m := v.Method(i)
		mt := m.Type()
		var args []reflect.Value
		switch {
		case mt.NumIn() == 0:
		case mt.NumIn() == 1 && mt.In(0).Kind() == reflect.String:
			args = []reflect.Value{reflect.ValueOf("Ready").Convert(mt.In(0))}
		case mt.NumIn() == 1 && mt.In(0).Kind() == reflect.Int64:
			args = []reflect.Value{reflect.ValueOf(int64(1)).Convert(mt.In(0))}
		default:
			continue
		}
		name := v.Type().Name() + "." + v.Type().Method(i).Name
		if name == "Quantity.Rat" || name == "Quantity.Float64" {
			continue // conversions of package kinds, fuzzed there
		}
		for _, o := range m.Call(args) {
			if o.Type() == errType {
				if o.IsNil() {
					continue
				}
				err := o.Interface().(error)
				var ue *sdk.UnavailableError
				if !errors.As(err, &ue) || !errors.Is(err, sdk.ErrStatusUnavailable) {
					t.Fatalf("%s: %s returned %T %v, want an *sdk.UnavailableError", kind, name, err, err)
				}
				if ue.Kind != kind || ue.Field == "" {
					t.Fatalf("%s: %s: error names kind %q field %q, want kind %q and a field", kind, name, ue.Kind, ue.Field, kind)
				}
				continue
			}
			callAccessors(t, kind, o, depth+1)
		}
	}
}
