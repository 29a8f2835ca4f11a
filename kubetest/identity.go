package kubetest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kube-for-go/kube"
	"github.com/kube-for-go/kube/sdk"
	"github.com/kube-for-go/kube/transport"
)

// Rule is one RBAC policy rule of the Role ServiceAccountClient creates.
type Rule struct {
	// APIGroups are the API groups of Resources: "" for the core group
	// (pods, services, ...), "apps" for deployments, "*" for all.
	APIGroups []string
	// Resources are resource names such as "pods", "deployments/scale" or
	// "*".
	Resources []string
	// Verbs are the allowed verbs: get, list, watch, create, update, patch,
	// delete, deletecollection or "*".
	Verbs []string
	// ResourceNames, when set, restricts the rule to these objects.
	ResourceNames []string
}

func (r Rule) manifest() map[string]any {
	m := map[string]any{
		"apiGroups": nonNil(r.APIGroups),
		"resources": nonNil(r.Resources),
		"verbs":     nonNil(r.Verbs),
	}
	if len(r.ResourceNames) > 0 {
		m["resourceNames"] = r.ResourceNames
	}
	return m
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// identityWait bounds the set-up of a service account identity.
const identityWait = 60 * time.Second

// ServiceAccountClient creates the service account name in namespace ns
// with a Role of exactly rules bound to it (none: it may do nothing) and
// returns a client that talks to ServerURL over HTTPS authenticated as it,
// with a token from the TokenRequest API valid for an hour. It waits until
// the API server authorizes the rules, so the first request succeeds. The
// service account, Role and RoleBinding live in ns (deleted with a
// Namespace); the client is closed when the test ends.
func (c *Cluster) ServiceAccountClient(tb testing.TB, ns, name string, rules ...Rule) *kube.Cluster {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), identityWait)
	defer cancel()
	tok, err := c.serviceAccount(ctx, tb, ns, name, rules)
	if err != nil {
		tb.Fatalf("kubetest: service account %s/%s: %v", ns, name, err)
	}
	return c.newClient(tb, "service account "+ns+"/"+name, func() (*kube.Cluster, error) {
		return kube.NewFromConfig(c.TokenConfig(tok))
	})
}

func (c *Cluster) serviceAccount(ctx context.Context, tb testing.TB, ns, name string, rules []Rule) (transport.Secret, error) {
	admin := c.Client(tb).Proxy()
	base := "/api/v1/namespaces/" + url.PathEscape(ns) + "/serviceaccounts"
	sa := map[string]any{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": map[string]any{"name": name}}
	if _, err := admin.Post(ctx, base, nil, sa); err != nil && !errors.Is(err, sdk.ErrAlreadyExists) {
		return transport.Secret{}, fmt.Errorf("create service account: %w", err)
	}
	roleName := "kubetest-" + name
	ruleList := make([]any, 0, len(rules))
	for _, r := range rules {
		ruleList = append(ruleList, r.manifest())
	}
	role := map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
		"metadata": map[string]any{"name": roleName},
		"rules":    ruleList,
	}
	rbac := "/apis/rbac.authorization.k8s.io/v1/namespaces/" + url.PathEscape(ns)
	if _, err := admin.Post(ctx, rbac+"/roles", nil, role); err != nil {
		return transport.Secret{}, fmt.Errorf("create role %s: %w", roleName, err)
	}
	binding := map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
		"metadata": map[string]any{"name": roleName},
		"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": roleName},
		"subjects": []any{map[string]any{"kind": "ServiceAccount", "name": name, "namespace": ns}},
	}
	if _, err := admin.Post(ctx, rbac+"/rolebindings", nil, binding); err != nil {
		return transport.Secret{}, fmt.Errorf("create role binding %s: %w", roleName, err)
	}
	req := map[string]any{
		"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
		"spec": map[string]any{"expirationSeconds": 3600},
	}
	out, err := admin.Post(ctx, base+"/"+url.PathEscape(name)+"/token", nil, req)
	if err != nil {
		return transport.Secret{}, fmt.Errorf("token request: %w", err)
	}
	st, _ := out["status"].(map[string]any)
	raw, _ := st["token"].(string)
	if raw == "" {
		return transport.Secret{}, errors.New("token request: the answer holds no token")
	}
	if err := c.waitAuthorized(ctx, admin, ns, name, rules); err != nil {
		return transport.Secret{}, err
	}
	return transport.NewSecret(raw), nil
}

// waitAuthorized waits until a SubjectAccessReview says the service account
// may do the first verb on the first resource of every rule: RBAC
// authorizes from an informer cache, so a fresh binding takes a moment.
func (c *Cluster) waitAuthorized(ctx context.Context, admin *sdk.Proxy, ns, name string, rules []Rule) error {
	for _, r := range rules {
		if len(r.Verbs) == 0 || len(r.Resources) == 0 || len(r.APIGroups) == 0 {
			continue
		}
		resource, sub, _ := strings.Cut(r.Resources[0], "/")
		attrs := map[string]any{
			"namespace": ns, "verb": r.Verbs[0], "group": r.APIGroups[0],
			"resource": resource, "subresource": sub,
		}
		if len(r.ResourceNames) > 0 {
			attrs["name"] = r.ResourceNames[0]
		}
		review := map[string]any{
			"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
			"spec": map[string]any{
				"user":               "system:serviceaccount:" + ns + ":" + name,
				"groups":             []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"},
				"resourceAttributes": attrs,
			},
		}
		for {
			out, err := admin.Post(ctx, "/apis/authorization.k8s.io/v1/subjectaccessreviews", nil, review)
			if err != nil {
				return fmt.Errorf("subject access review: %w", err)
			}
			if st, _ := out["status"].(map[string]any); st["allowed"] == true {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("the API server does not authorize %s %v yet: %w", r.Verbs[0], r.Resources[0], ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return nil
}
