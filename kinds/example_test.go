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
		milli, _ := q.MilliValue()
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
	phase, _ := s.Phase()
	ip, _ := s.IP()
	fmt.Println(pod, phase, ip)
	for _, c := range s.Containers() {
		st, _ := c.State()
		why, _ := st.Reason()
		last, _ := c.LastState()
		code, _ := last.ExitCode()
		lastWhy, _ := last.Reason()
		fmt.Printf("%s: %s (%s), restarts %d, last exit %d (%s)\n", c.Name(), st.Name(), why, c.RestartCount(), code, lastWhy)
	}
	if _, err := s.StartTime(); errors.Is(err, sdk.ErrStatusUnavailable) {
		fmt.Println("start time not reported")
	}
	// Output:
	// Pod shop/web (version 42) Running 10.244.1.17
	// app: waiting (CrashLoopBackOff), restarts 3, last exit 137 (OOMKilled)
	// start time not reported
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
	pw, _ := s.Get("password")
	fmt.Println(string(pw)) // reading them is explicit
	// Output:
	// Secret shop/db (version 7) | Secret(type=Opaque, keys=[password]) | map[password:<redacted 6 bytes>]
	// s3cr3t
}
