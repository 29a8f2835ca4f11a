// Command sdk lists pods through kubectl proxy with this SDK: the program
// whose binary size and build time workload 4 measures.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/kube-for-go/kube"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8001", "kubectl proxy URL")
	flag.Parse()
	cluster, err := kube.New(kube.Options{URL: *url})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer cluster.Close()
	for pod, err := range cluster.Pods.All(context.Background()) {
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		phase, err := pod.Status().Phase()
		if err != nil {
			phase = "(no phase yet)"
		}
		fmt.Println(pod.Namespace(), pod.Name(), phase)
	}
}
