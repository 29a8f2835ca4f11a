package remote_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/coder/websocket"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/remote"
)

// fakeKubelet plays the API server's side of exec (the command prints its
// arguments and exits with status 3) and of port-forward (every port
// echoes in upper case), enough for offline examples.
func fakeKubelet() *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/namespaces/default/pods/web/exec", func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{remote.ProtocolV5}})
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := r.Context()
		c.Write(ctx, websocket.MessageBinary, append([]byte{1}, strings.Join(r.URL.Query()["command"], " ")+"\n"...))
		c.Write(ctx, websocket.MessageBinary, append([]byte{3}, exit3...))
		c.Close(websocket.StatusNormalClosure, "")
	})
	mux.HandleFunc("GET /api/v1/namespaces/default/pods/web/portforward", func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{remote.ProtocolV4}})
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := r.Context()
		c.Write(ctx, websocket.MessageBinary, []byte{0, 80, 0})
		c.Write(ctx, websocket.MessageBinary, []byte{1, 80, 0})
		for {
			_, data, err := c.Read(ctx)
			if err != nil {
				return
			}
			c.Write(ctx, websocket.MessageBinary, append([]byte{0}, strings.ToUpper(string(data[1:]))...))
		}
	})
	return httptest.NewServer(mux)
}

func ExampleExec() {
	srv := fakeKubelet()
	defer srv.Close()
	cluster, _ := kube.New(kube.Options{URL: srv.URL}) // kube.NewFromConfig for a real cluster
	defer cluster.Close()

	err := remote.Exec(context.Background(), cluster.Pods.In("default"), "web", remote.ExecOptions{
		Command: []string{"sh", "-c", "echo hello; exit 3"},
		Streams: remote.Streams{Stdout: os.Stdout, Stderr: os.Stderr},
	})
	var exit *remote.ExitError
	if errors.As(err, &exit) {
		fmt.Println("exit code", exit.Code)
	}
	// Output:
	// sh -c echo hello; exit 3
	// exit code 3
}

func ExampleNewDialer() {
	srv := fakeKubelet()
	defer srv.Close()
	cluster, _ := kube.New(kube.Options{URL: srv.URL})
	defer cluster.Close()

	// An HTTP client, or anything that dials, reaches the pod's ports
	// without a local listener.
	d := remote.NewDialer(cluster.Pods.In("default"), "web")
	conn, err := d.DialPort(context.Background(), 80)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	io.WriteString(conn, "ping")
	buf := make([]byte, 4)
	io.ReadFull(conn, buf)
	fmt.Println(conn.RemoteAddr(), string(buf))
	// Output: default/web:80 PING
}

func ExampleForward() {
	srv := fakeKubelet()
	defer srv.Close()
	cluster, _ := kube.New(kube.Options{URL: srv.URL})
	defer cluster.Close()

	f, err := remote.Forward(context.Background(), cluster.Pods.In("default"), "web", remote.ForwardOptions{
		Ports: []remote.PortMapping{{Local: 0, Remote: 80}}, // 0: any free local port
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	conn, err := net.Dial("tcp", f.Addrs()[0].String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	io.WriteString(conn, "hello")
	buf := make([]byte, 5)
	io.ReadFull(conn, buf)
	fmt.Println(string(buf))
	// Output: HELLO
}
