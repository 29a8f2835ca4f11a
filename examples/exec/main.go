// Command exec runs a command in a pod and forwards a pod port, through
// package remote, over the direct HTTPS connection of a kubeconfig
// (kubectl proxy refuses exec by default).
//
// Against the local test cluster, whose kwok pods run exec commands on the
// host and echo what is sent to their port 7:
//
//	go run ./internal/testutil/cmd/kubetest up
//	eval "$(go run ./internal/testutil/cmd/kubetest env)"
//	$KUBECTL --kubeconfig=$KUBECONFIG run demo --image=registry.example/demo
//	$KUBECTL --kubeconfig=$KUBECONFIG wait pod/demo --for=condition=Ready
//	go run ./examples/exec -kubeconfig $KUBECONFIG -pod demo -- sh -c 'echo hello from $(hostname); exit 3'
//	go run ./examples/exec -kubeconfig $KUBECONFIG -pod demo -port 7 -send ping
//
// The first prints the command's output and exits with its exit code (3);
// the second forwards a local port to the pod's port 7, sends "ping"
// through it and prints the echo. With -port and no -send it keeps
// forwarding, like kubectl port-forward, until Ctrl-C.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/remote"
	"github.com/kube-for-go/kube/transport"
)

func main() {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)")
	ns := flag.String("namespace", "default", "namespace of the pod")
	pod := flag.String("pod", "", "pod name (required)")
	container := flag.String("container", "", "container (default: the pod's only one)")
	port := flag.Uint("port", 0, "pod port to forward instead of running a command")
	send := flag.String("send", "", "with -port: send this line through the forwarded port, print the answer and exit")
	timeout := flag.Duration("timeout", time.Minute, "bound of the command or of the -send exchange")
	flag.Parse()
	if *pod == "" || (*port == 0 && flag.NArg() == 0) || *port > 65535 {
		fmt.Fprintln(os.Stderr, "usage: exec -pod NAME [-namespace NS] [-container C] -- COMMAND [ARGS...]")
		fmt.Fprintln(os.Stderr, "       exec -pod NAME [-namespace NS] -port PORT [-send LINE]")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var paths []string
	if *kubeconfig != "" {
		paths = strings.Split(*kubeconfig, string(os.PathListSeparator))
	}
	cfg, err := transport.LoadKubeconfig(transport.KubeconfigOptions{Paths: paths})
	if err != nil {
		fail(err)
	}
	cluster, err := kube.NewFromConfig(cfg)
	if err != nil {
		fail(err)
	}
	defer cluster.Close()
	pods := cluster.Pods.In(*ns)

	if *port == 0 {
		cctx, cancel := context.WithTimeout(ctx, *timeout)
		defer cancel()
		err := remote.Exec(cctx, pods, *pod, remote.ExecOptions{
			Command:   flag.Args(),
			Container: *container,
			Streams:   remote.Streams{Stdout: os.Stdout, Stderr: os.Stderr},
		})
		var exit *remote.ExitError
		if errors.As(err, &exit) {
			// The command ran and failed: exit like it, as kubectl does.
			fmt.Fprintf(os.Stderr, "command terminated with exit code %d\n", exit.Code)
			os.Exit(exit.Code)
		}
		if err != nil {
			fail(err)
		}
		return
	}

	f, err := remote.Forward(ctx, pods, *pod, remote.ForwardOptions{
		Ports: []remote.PortMapping{{Remote: uint16(*port)}},
		OnError: func(local net.Addr, err error) {
			fmt.Fprintf(os.Stderr, "connection on %s: %v\n", local, err)
		},
	})
	if err != nil {
		fail(err)
	}
	defer f.Close()
	addr := f.Addrs()[0].String()
	fmt.Printf("Forwarding from %s -> %d\n", addr, *port)
	if *send == "" {
		<-ctx.Done()
		return
	}
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		fail(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(*timeout))
	if _, err := io.WriteString(conn, *send+"\n"); err != nil {
		fail(err)
	}
	buf := make([]byte, 4096)
	n, err := conn.Read(buf)
	if n == 0 && err != nil {
		fail(err)
	}
	fmt.Printf("%s", buf[:n])
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "exec:", err)
	os.Exit(1)
}
