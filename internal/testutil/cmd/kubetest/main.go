// Command kubetest builds, starts and stops the project's local test
// cluster (etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
// kwok and kubectl proxy on loopback).
//
//	kubetest build   build the pinned binaries into the cache (once per machine)
//	kubetest up      start the shared cluster and record it for tests and demos
//	kubetest down    stop the shared cluster by its recorded pids
//	kubetest env     print the shared cluster's URLs as shell exports: eval "$(kubetest env)"
//	kubetest logs    print the tails of the component logs
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/kube-for-go/kube/internal/testutil"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: kubetest build|up|down|env|logs")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1]); err != nil {
		fmt.Fprintf(os.Stderr, "kubetest %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cmd string) error {
	state, err := testutil.SharedStateFile()
	if err != nil {
		return err
	}
	switch cmd {
	case "build":
		start := time.Now()
		b, err := testutil.EnsureBinaries(ctx, os.Stderr)
		if err != nil {
			return err
		}
		fmt.Printf("binaries ready in %s (%s)\n", b.Dir, time.Since(start).Round(time.Second))
		return nil
	case "up":
		if c, err := testutil.Load(state); err == nil {
			herr := c.Healthy(ctx)
			switch {
			case herr == nil && c.Harness == testutil.HarnessVersion:
				fmt.Printf("cluster already running: proxy %s, server %s\n", c.ProxyURL, c.ServerURL)
				return nil
			case herr == nil:
				fmt.Fprintf(os.Stderr, "kubetest: recorded cluster was started by an older testutil (harness %d, now %d); restarting it\n", c.Harness, testutil.HarnessVersion)
			default:
				fmt.Fprintln(os.Stderr, "kubetest: recorded cluster is unhealthy; restarting it")
			}
			c.Stop()
		}
		dir := filepath.Dir(state)
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		c, err := testutil.Start(ctx, testutil.StartOptions{Dir: dir, Log: os.Stderr})
		if err != nil {
			return err
		}
		fmt.Printf("cluster ready in %s: proxy %s, server %s, kubeconfig %s\n",
			c.StartupTime.Round(time.Millisecond), c.ProxyURL, c.ServerURL, c.KubeconfigPath)
		return nil
	case "down":
		c, err := testutil.Load(state)
		if os.IsNotExist(err) {
			fmt.Println("no cluster running")
			return nil
		} else if err != nil {
			return err
		}
		c.Stop()
		fmt.Println("cluster stopped; logs kept in", filepath.Join(c.Dir, "logs"))
		return nil
	case "env":
		c, err := testutil.Load(state)
		if err != nil {
			return fmt.Errorf("no cluster running (make cluster-up): %w", err)
		}
		return writeEnv(os.Stdout, c)
	case "logs":
		c, err := testutil.Load(state)
		if err != nil {
			return err
		}
		fmt.Print(c.LogTails(40))
		return nil
	}
	return fmt.Errorf("unknown command %q", cmd)
}

// writeEnv prints the cluster's connection details as POSIX shell export
// statements, so that `eval "$(kubetest env)"` sets them for the shell and
// every process it starts. Values are single-quoted.
func writeEnv(w io.Writer, c *testutil.Cluster) error {
	kubectl := ""
	if c.Binaries != nil {
		kubectl = c.Binaries.Kubectl
	}
	for _, kv := range [][2]string{
		{"KUBE_PROXY_URL", c.ProxyURL},
		{"KUBE_SERVER_URL", c.ServerURL},
		{"KUBECONFIG", c.KubeconfigPath},
		{"KUBECTL", kubectl},
	} {
		if _, err := fmt.Fprintf(w, "export %s=%s\n", kv[0], shellQuote(kv[1])); err != nil {
			return err
		}
	}
	return nil
}

// shellQuote quotes s for a POSIX shell: inside single quotes every byte is
// literal except the single quote itself, which is written as a closing
// quote, a backslash-escaped quote and an opening quote.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
