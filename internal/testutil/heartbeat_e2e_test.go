package testutil

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteKwokConfigEnablesNodeLeases(t *testing.T) {
	dir := t.TempDir()
	stage := filepath.Join(dir, "stage.yaml")
	require.NoError(t, os.WriteFile(stage, []byte("\napiVersion: kwok.x-k8s.io/v1alpha1\nkind: Stage\nmetadata:\n  name: s\n\n"), 0o644))
	out := filepath.Join(dir, "kwok.yaml")
	require.NoError(t, writeKwokConfig(out, []string{stage, stage}))
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	docs := strings.Split(string(data), "---\n")
	require.Len(t, docs, 3, "the configuration, then each stage as its own document")
	assert.Equal(t, "apiVersion: config.kwok.x-k8s.io/v1alpha1\nkind: KwokConfiguration\noptions:\n  enableCRDs: [Logs, Attach, PortForward]\n  nodeLeaseDurationSeconds: 40\n", docs[0],
		"kwok holds and renews a Lease per node, and watches the per-pod kubelet objects")
	assert.Equal(t, "apiVersion: kwok.x-k8s.io/v1alpha1\nkind: Stage\nmetadata:\n  name: s\n", docs[1])
}

// TestE2ENodesHeartbeatPodsStayReady watches the cluster's nodes and the
// pods of a Deployment for three minutes (three times the ~55 s after
// which the node lifecycle controller declares a silent node NotReady) and
// asserts that no node ever leaves Ready, that every node's Lease in
// kube-node-lease is renewed again and again, that no pod's Ready
// condition ever goes False, and that the Deployment stays available.
func TestE2ENodesHeartbeatPodsStayReady(t *testing.T) {
	c := Shared(t)
	t.Parallel()
	require.GreaterOrEqual(t, c.Harness, 2, "the shared cluster was started by a testutil without node leases: run `make cluster-down` (or `kubetest up`, which restarts it)")
	const observe = 3 * time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), observe+2*time.Minute)
	defer cancel()
	admin, err := c.AdminClient()
	require.NoError(t, err)
	// Watches run for minutes: the same TLS transport, no overall timeout
	// (each request is bounded by ctx and the server's timeoutSeconds).
	streaming := &http.Client{Transport: admin.Transport}
	ns := c.Namespace(t)

	var mu sync.Mutex
	var violations []string
	violate := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(violations) < 50 {
			violations = append(violations, time.Now().UTC().Format("15:04:05")+" "+fmt.Sprintf(format, args...))
		}
	}
	readyPods := map[string]bool{}
	nodeEvents := 0

	watchCtx, stopWatching := context.WithCancel(ctx)
	defer stopWatching()
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	wg.Add(2)
	go func() {
		defer wg.Done()
		errs <- watchObjects(watchCtx, streaming, c.ServerURL+"/api/v1/nodes", func(typ string, obj kobject) {
			if !slices.Contains(c.Nodes, obj.Metadata.Name) {
				return // a node another test made
			}
			mu.Lock()
			nodeEvents++
			mu.Unlock()
			if typ == "DELETED" {
				violate("node %s deleted", obj.Metadata.Name)
				return
			}
			if st, reason := obj.condition("Ready"); st != "True" {
				violate("node %s Ready=%q (%s) at resourceVersion %s", obj.Metadata.Name, st, reason, obj.Metadata.ResourceVersion)
			}
		})
	}()
	go func() {
		defer wg.Done()
		errs <- watchObjects(watchCtx, streaming, c.ServerURL+"/api/v1/namespaces/"+ns+"/pods", func(typ string, obj kobject) {
			if typ == "DELETED" {
				return
			}
			switch st, reason := obj.condition("Ready"); st {
			case "True":
				mu.Lock()
				readyPods[obj.Metadata.Name] = true
				mu.Unlock()
			case "False":
				violate("pod %s Ready=False (%s) at resourceVersion %s", obj.Metadata.Name, reason, obj.Metadata.ResourceVersion)
			}
		})
	}()

	const replicas = 4
	_, err = c.Kubectl(ctx, "", "-n", ns, "create", "deployment", "hb", "--image=nginx", fmt.Sprintf("--replicas=%d", replicas))
	require.NoError(t, err)
	_, err = c.Kubectl(ctx, "", "-n", ns, "wait", "deployment/hb", "--for=condition=Available", "--timeout=60s")
	require.NoError(t, err)

	// Sample the node Leases while the watches run.
	renewals := map[string]map[string]bool{} // node → distinct renewTimes seen
	holders := map[string]string{}
	leaseErrs := map[string]int{} // only the first error per node is reported
	deadline := time.NewTimer(observe)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for sampling := true; sampling; {
		for _, n := range c.Nodes {
			lease, err := doJSON(ctx, admin, http.MethodGet, c.ServerURL+"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/"+n, nil, http.StatusOK)
			if err != nil {
				if leaseErrs[n] == 0 {
					violate("lease of node %s: %v", n, err)
				}
				leaseErrs[n]++
				continue
			}
			spec, _ := lease["spec"].(map[string]any)
			rt, _ := spec["renewTime"].(string)
			holder, _ := spec["holderIdentity"].(string)
			if renewals[n] == nil {
				renewals[n] = map[string]bool{}
			}
			if rt != "" {
				renewals[n][rt] = true
				if at, err := time.Parse(time.RFC3339Nano, rt); err == nil && time.Since(at) > NodeLeaseDurationSeconds*time.Second {
					violate("lease of node %s last renewed at %s, more than %ds ago", n, rt, NodeLeaseDurationSeconds)
				}
			}
			holders[n] = holder
		}
		select {
		case <-deadline.C:
			sampling = false
		case <-tick.C:
		case <-ctx.Done():
			sampling = false
		}
	}
	stopWatching()
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.ErrorIs(t, err, context.Canceled, "the watches ran until the end")
	}

	out, err := c.Kubectl(ctx, "", "-n", ns, "get", "deployment", "hb", "-o", "jsonpath={.status.availableReplicas}/{.status.readyReplicas}")
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprintf("%d/%d", replicas, replicas), out, "the Deployment is still fully available and ready")

	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, violations, "no node left Ready, no pod went Ready=False, every Lease stayed fresh (lease read errors: %v)", leaseErrs)
	assert.GreaterOrEqual(t, len(readyPods), replicas, "the pod watch saw the pods become Ready")
	assert.GreaterOrEqual(t, nodeEvents, len(c.Nodes), "the node watch saw the nodes")
	for _, n := range c.Nodes {
		// Renewed every quarter of the lease duration: about 18 times in
		// three minutes; ask for far fewer so a loaded machine passes.
		assert.GreaterOrEqual(t, len(renewals[n]), 5, "the Lease of node %s is renewed again and again (distinct renewTimes seen: %d)", n, len(renewals[n]))
		assert.NotEmpty(t, holders[n], "the Lease of node %s has a holder", n)
	}
}

// kobject is the part of an object the heartbeat test reads.
type kobject struct {
	Metadata struct {
		Name            string `json:"name"`
		ResourceVersion string `json:"resourceVersion"`
	} `json:"metadata"`
	Status struct {
		Conditions []struct {
			Type    string `json:"type"`
			Status  string `json:"status"`
			Reason  string `json:"reason"`
			Message string `json:"message"`
		} `json:"conditions"`
	} `json:"status"`
}

// condition returns the status and reason of the condition of type typ
// ("" when absent).
func (o kobject) condition(typ string) (status, reason string) {
	for _, c := range o.Status.Conditions {
		if c.Type == typ {
			return c.Status, strings.TrimSpace(c.Reason + " " + c.Message)
		}
	}
	return "", ""
}

// watchObjects lists the collection at base (passing each object to fn as
// "LIST"), then watches it from the list's resourceVersion, resuming after
// the server ends a watch and relisting after 410 Gone, until ctx ends; it
// then returns ctx's error. Frames are limited to 16 MiB.
func watchObjects(ctx context.Context, cl *http.Client, base string, fn func(typ string, obj kobject)) error {
	rv := ""
	for {
		if rv == "" {
			var list struct {
				Metadata struct {
					ResourceVersion string `json:"resourceVersion"`
				} `json:"metadata"`
				Items []kobject `json:"items"`
			}
			data, err := getBody(ctx, cl, base)
			if err == nil {
				err = json.Unmarshal(data, &list)
			}
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return fmt.Errorf("list %s: %w", base, err)
			}
			for _, it := range list.Items {
				fn("LIST", it)
			}
			rv = list.Metadata.ResourceVersion
		}
		q := url.Values{"watch": {"true"}, "resourceVersion": {rv}, "allowWatchBookmarks": {"true"}, "timeoutSeconds": {"60"}}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"?"+q.Encode(), nil)
		if err != nil {
			return err
		}
		resp, err := cl.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("watch %s: %w", base, err)
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return fmt.Errorf("watch %s: HTTP %d", base, resp.StatusCode)
		}
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		for sc.Scan() {
			var ev struct {
				Type   string          `json:"type"`
				Object json.RawMessage `json:"object"`
			}
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				resp.Body.Close()
				return fmt.Errorf("watch %s: bad frame: %w", base, err)
			}
			if ev.Type == "ERROR" {
				rv = "" // 410 Gone (or another error): relist
				break
			}
			var obj kobject
			if err := json.Unmarshal(ev.Object, &obj); err != nil {
				resp.Body.Close()
				return fmt.Errorf("watch %s: bad object: %w", base, err)
			}
			rv = obj.Metadata.ResourceVersion
			if ev.Type != "BOOKMARK" {
				fn(ev.Type, obj)
			}
		}
		resp.Body.Close()
		if errors.Is(sc.Err(), bufio.ErrTooLong) {
			return fmt.Errorf("watch %s: %w", base, sc.Err())
		}
		// A broken or ended watch resumes from rv after a short pause.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func getBody(ctx context.Context, cl *http.Client, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := cl.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 64<<20))
}
