package kinds_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

// FuzzStatusAccessors decodes arbitrary bytes as every built-in kind and
// calls every accessor of the status it gets (and of the containers,
// states, conditions, resource lists and addresses those return). Nothing
// may panic, and every error an accessor returns must follow the package
// doc's rule: an *sdk.UnavailableError naming the kind and a field.
func FuzzStatusAccessors(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte(`{"kind":"Event","metadata":{"name":"e"},"related":{},"source":{"host":"h"}}`))
	f.Add([]byte(`{"kind":"Pod","metadata":{"name":"p"},"status":{"podIP":"x","containerStatuses":[{"name":"c","state":{"terminated":{}},"lastState":{"waiting":{}}}]}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkAccessors(t, kinds.PodKind, raw)
		checkAccessors(t, kinds.NodeKind, raw)
		checkAccessors(t, kinds.NamespaceKind, raw)
		checkAccessors(t, kinds.DeploymentKind, raw)
		checkAccessors(t, kinds.ReplicaSetKind, raw)
		checkAccessors(t, kinds.ReplicationControllerKind, raw)
		checkAccessors(t, kinds.DaemonSetKind, raw)
		checkAccessors(t, kinds.ServiceKind, raw)
		checkAccessors(t, kinds.SecretKind, raw)
		checkAccessors(t, kinds.EventKind, raw)
	})
}

func checkAccessors[S sdk.Status](t *testing.T, k *sdk.Kind[S], raw []byte) {
	it, err := sdk.DecodeItem(nil, k, raw)
	if err != nil {
		return // not an object of this kind: the decoder's own tests cover it
	}
	callAccessors(t, k.Info().Kind, reflect.ValueOf(it.Status()), 0)
}

var kindsPkg = reflect.TypeFor[kinds.Condition]().PkgPath()

// callAccessors calls every value method of v that takes no argument, a
// string (a lookup key) or an int64 (a generation), checks the errors, and
// descends into the results declared in package kinds.
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
	if v.Type().PkgPath() != kindsPkg {
		return
	}
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
		out := m.Call(args)
		for _, o := range out {
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
