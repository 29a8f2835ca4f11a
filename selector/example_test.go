package selector_test

import (
	"errors"
	"fmt"

	"github.com/kube-for-go/kube/selector"
)

func ExampleParse() {
	sel, err := selector.Parse("tier in (web, api), !canary, env != prod")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sel)
	fmt.Println(sel.Matches(map[string]string{"tier": "web", "env": "dev"}))
	fmt.Println(sel.Matches(map[string]string{"tier": "web", "canary": "true"}))
	// Output:
	// !canary,env!=prod,tier in (api,web)
	// true
	// false
}

func ExampleParse_error() {
	_, err := selector.Parse("app in (web")
	var syn *selector.SyntaxError
	if errors.As(err, &syn) {
		fmt.Println(syn.Offset, syn.Found, "/", syn.Expected)
		fmt.Println(syn.Caret())
	}
	_, err = selector.Parse("App_=web")
	fmt.Println(errors.Is(err, selector.ErrInvalid))
	fmt.Println(err)
	// Output:
	// 11 end of input / "," or ")"
	// app in (web
	//            ^
	// true
	// selector: invalid label key "App_" at offset 0 in "App_=web": the name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', 'my.name', '123-abc')
}

func ExampleLabel() {
	sel := selector.And(
		selector.Label("app").In("web", "api"),
		selector.Label("tier").Exists(),
		selector.Label("replicas").GreaterThan(2),
	)
	fmt.Println(sel, sel.Err())

	bad := sel.Add(selector.Label("not a key").Equals("x"))
	fmt.Println(bad.Err())
	// Output:
	// app in (api,web),replicas>2,tier <nil>
	// selector: invalid label key "not a key": the name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', 'my.name', '123-abc')
}

func ExampleSet_AsSelector() {
	sel := selector.Set{"app": "web", "tier": "frontend"}.AsSelector()
	fmt.Println(sel)
	// Output:
	// app=web,tier=frontend
}

func ExampleNothing() {
	sel := selector.Nothing()
	if sel.IsNothing() {
		fmt.Println("no request: the result is empty")
	}
	fmt.Println(selector.Everything().Empty(), sel.Empty())
	// Output:
	// no request: the result is empty
	// true false
}

func ExampleParseFields() {
	sel, err := selector.ParseFields(`status.phase=Running,metadata.name!=a\,b`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sel)
	fmt.Println(sel.Requirements()[0].Value())
	fmt.Println(sel.Matches(map[string]string{"status.phase": "Running", "metadata.name": "web-0"}))
	// Output:
	// metadata.name!=a\,b,status.phase=Running
	// a,b
	// true
}

func ExampleField() {
	sel := selector.AndFields(
		selector.Field("status.phase").Equals("Running"),
		selector.Field("spec.nodeName").NotEquals(""),
	)
	fmt.Println(sel)
	fmt.Println(selector.Fields{"metadata.name": "web-0"}.AsSelector())
	// Output:
	// status.phase=Running,spec.nodeName!=
	// metadata.name=web-0
}

func ExampleFieldSelector_ValidateFor() {
	sel := selector.AndFields(selector.Field("status.phase").Equals("Running"))
	fmt.Println(sel.ValidateFor("pods"))
	err := sel.ValidateFor("secrets")
	fmt.Println(errors.Is(err, selector.ErrUnsupportedField))
	fmt.Println(err)
	// Output:
	// <nil>
	// true
	// selector: invalid field "status.phase" for resource "secrets" at offset 0 in "status.phase=Running": supported fields are "metadata.name", "metadata.namespace", "type"
}

func ExampleSupportedFields() {
	fmt.Println(selector.SupportedFields("nodes"))
	fmt.Println(selector.SupportedFields("widgets.example.com"))
	// Output:
	// [metadata.name spec.unschedulable]
	// [metadata.name metadata.namespace]
}

// A function that lists objects takes a LabelFilter, so its callers can pass
// text, a label map, one requirement or a built selector, and nothing else.
func ExampleLabelFilter() {
	show := func(f selector.LabelFilter) {
		sel, err := f.SelectLabels()
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Printf("%q\n", sel)
	}
	show(selector.Expr("tier != db, app == web"))
	show(selector.Set{"app": "web"})
	show(selector.Label("tier").In("web", "api"))
	show(selector.Everything())
	show(selector.Set{})
	show(selector.Expr("app in (web"))
	// Output:
	// "app==web,tier!=db"
	// "app=web"
	// "tier in (api,web)"
	// ""
	// error: selector: invalid selector "": an empty Set would match every object; use Everything() or EverythingFields() to select every object
	// error: selector: syntax error at offset 11 in "app in (web": found end of input, expected "," or ")"
}

func ExampleFieldFilter() {
	show := func(f selector.FieldFilter) {
		sel, err := f.SelectFields()
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Printf("%q\n", sel)
	}
	show(selector.FieldExpr("status.phase==Running"))
	show(selector.Fields{"metadata.name": "web-0"})
	show(selector.Field("spec.nodeName").NotEquals(""))
	show(selector.FieldExpr(""))
	// Output:
	// "status.phase=Running"
	// "metadata.name=web-0"
	// "spec.nodeName!="
	// error: selector: invalid selector "": an empty FieldExpr would match every object; use Everything() or EverythingFields() to select every object
}
