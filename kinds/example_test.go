package kinds_test

import (
	"errors"
	"fmt"

	"github.com/kube-for-go/kube/kinds"
	"github.com/kube-for-go/kube/sdk"
)

func ExampleParseQuantity() {
	for _, s := range []string{"1500m", "2Gi", "1e3", "0.5"} {
		q, err := kinds.ParseQuantity(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		milli, ok := q.MilliValue()
		if !ok {
			fmt.Println(q, "has no int64 milli-value")
			continue
		}
		fmt.Printf("%s = %s (%g, %d milli)\n", q, q.Rat().RatString(), q.Float64(), milli)
	}
	_, err := kinds.ParseQuantity("1Qi")
	fmt.Println(err)
	// Output:
	// 1500m = 3/2 (1.5, 1500 milli)
	// 2Gi = 2147483648 (2.147483648e+09, 2147483648000 milli)
	// 1e3 = 1000 (1000, 1000000 milli)
	// 0.5 = 1/2 (0.5, 500 milli)
	// kinds: invalid quantity "1Qi" at byte 1: unknown suffix "Qi"
}

func ExamplePodStatus() {
	raw := []byte(`{
	  "apiVersion": "v1", "kind": "Pod",
	  "metadata": {"name": "web", "namespace": "shop", "resourceVersion": "42"},
	  "status": {
	    "phase": "Running",
	    "podIP": "10.244.1.17",
	    "containerStatuses": [{
	      "name": "app", "image": "nginx:1.27", "ready": false, "restartCount": 3,
	      "state": {"waiting": {"reason": "CrashLoopBackOff"}},
	      "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}
	    }]
	  }
	}`)
	pod, err := sdk.DecodeItem(nil, kinds.PodKind, raw) // offline: no client
	if err != nil {
		panic(err)
	}
	s := pod.Status()
	phase, err := s.Phase()
	if err != nil {
		fmt.Println(err)
		return
	}
	ip, err := s.IP()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(pod, phase, ip)
	for _, c := range s.Containers() {
		// Name, Ready and RestartCount are always answered; the state's
		// details are (value, error).
		line := fmt.Sprintf("%s: ready %t, restarts %d", c.Name(), c.Ready(), c.RestartCount())
		if st, err := c.State(); err == nil {
			line += ", " + string(st.Name())
			if why, err := st.Reason(); err == nil {
				line += " (" + why + ")"
			}
		}
		if last, err := c.LastState(); err == nil {
			if code, err := last.ExitCode(); err == nil {
				line += fmt.Sprintf(", last exit %d", code)
			}
			if why, err := last.Reason(); err == nil {
				line += " (" + why + ")"
			}
		}
		fmt.Println(line)
	}
	// An attribute the server has not set is an error naming kind and field.
	if _, err := s.StartTime(); errors.Is(err, sdk.ErrStatusUnavailable) {
		fmt.Println(err)
	}
	// Output:
	// Pod shop/web (version 42) Running 10.244.1.17
	// app: ready false, restarts 3, waiting (CrashLoopBackOff), last exit 137 (OOMKilled)
	// kube: Pod: status.startTime is not available
}

func ExampleSecretStatus() {
	raw := []byte(`{"apiVersion":"v1","kind":"Secret","type":"Opaque",
	  "metadata":{"name":"db","namespace":"shop","resourceVersion":"7"},
	  "data":{"password":"czNjcjN0"}}`)
	sec, err := sdk.DecodeItem(nil, kinds.SecretKind, raw)
	if err != nil {
		panic(err)
	}
	s := sec.Status()
	fmt.Printf("%v | %v | %v\n", sec, s, s.Data()) // printing never shows values
	pw, err := s.Get("password")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(pw)) // reading them is explicit
	_, err = s.Get("username")
	fmt.Println(err) // a missing key is named, never a value
	// Output:
	// Secret shop/db (version 7) | Secret(type=Opaque, keys=[password]) | map[password:<redacted 6 bytes>]
	// s3cr3t
	// kube: Secret: data[username] is not available
}
