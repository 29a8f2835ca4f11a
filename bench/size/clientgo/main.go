// Command clientgo lists pods through kubectl proxy with client-go's typed
// clientset: the baseline of workload 4.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8001", "kubectl proxy URL")
	flag.Parse()
	cs, err := kubernetes.NewForConfig(&rest.Config{Host: *url})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	opts := metav1.ListOptions{Limit: 500}
	for {
		list, err := cs.CoreV1().Pods("").List(context.Background(), opts)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		for _, pod := range list.Items {
			fmt.Println(pod.Namespace, pod.Name, pod.Status.Phase)
		}
		if list.Continue == "" {
			return
		}
		opts.Continue = list.Continue
	}
}
