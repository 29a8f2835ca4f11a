package transport

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// fuzzKubeconfigPath is the name the fuzzed kubeconfigs pretend to have.
const fuzzKubeconfigPath = "/nonexistent/fuzz/kubeconfig"

// secretKeys are the kubeconfig keys whose values are credentials.
var secretKeys = map[string]bool{"token": true, "password": true, "client-key-data": true, "value": true}

// kubeconfigSecrets returns the credential values of a kubeconfig that are
// long enough, and appear only once in it, so that finding one in an error
// or a printed Config can only mean it leaked. It returns nothing for a
// document that is not YAML or uses aliases (which may copy a credential
// into another field).
func kubeconfigSecrets(data []byte) []string {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil {
		return nil
	}
	var out []string
	aliases := false
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if n == nil || depth > 50 {
			return
		}
		if n.Kind == yaml.AliasNode || n.Anchor != "" {
			aliases = true
			return
		}
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if secretKeys[k.Value] && v.Kind == yaml.ScalarNode && len(v.Value) >= 8 && strings.Count(string(data), v.Value) == 1 {
					out = append(out, v.Value)
				}
			}
		}
		for _, c := range n.Content {
			walk(c, depth+1)
		}
	}
	walk(&doc, 0)
	if aliases {
		return nil
	}
	return out
}

func FuzzKubeconfig(f *testing.F) {
	for _, pattern := range []string{"testdata/kubeconfig/*.yaml", "testdata/kubeconfig/malformed/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte("users:\n- name: u\n  user:\n    password: *S3cret-password\n"))
	f.Add([]byte("current-context: c\ncontexts:\n- name: c\n  context: {cluster: c, namespace: Bad/NS}\nclusters:\n- name: c\n  cluster: {server: 'https://h'}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		secrets := kubeconfigSecrets(data)
		check := func(what, s string) {
			for _, secret := range secrets {
				if strings.Contains(s, secret) {
					t.Fatalf("%s holds the credential %q: %s", what, secret, s)
				}
			}
		}
		file, err := parseKubeconfig(fuzzKubeconfigPath, data)
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T) is not a *ConfigError", err, err)
			}
			var doc yaml.Node
			if yaml.Unmarshal(data, &doc) != nil && !errors.Is(err, errNotYAML) {
				t.Fatalf("a YAML syntax error must give the generic reason only, got %v", err)
			}
			if errors.Is(err, errNotYAML) && ce.Err != errNotYAML {
				t.Fatalf("a YAML syntax error carries more than the generic reason: %v", err)
			}
			check("the error", err.Error())
			return
		}
		merged := &kcFile{clusters: map[string]*kcCluster{}, users: map[string]*kcUser{}, contexts: map[string]*kcContext{}}
		merged.mergeFrom(file)
		names := []string{""}
		for name := range file.contexts {
			if len(names) < 4 {
				names = append(names, name)
			}
		}
		for _, name := range names {
			cfg, err := merged.config(name, []string{fuzzKubeconfigPath})
			if err != nil {
				var ce *ConfigError
				if !errors.As(err, &ce) {
					t.Fatalf("error %v (%T) is not a *ConfigError", err, err)
				}
				check("the error", err.Error())
				continue
			}
			if cfg.Namespace != "" && !isDNSLabel(cfg.Namespace) {
				t.Fatalf("namespace %q accepted", cfg.Namespace)
			}
			b, _ := json.Marshal(cfg)
			check("the printed Config", fmt.Sprintf("%v %+v %#v %s %q %x %d", cfg, cfg, cfg, cfg, cfg, cfg, cfg)+string(b))
		}
	})
}

// execMessages are the only messages parse may give, with every number
// replaced by N: nothing in them comes from the plugin's output.
var execMessages = regexp.MustCompile(`^invalid plugin output: (` + strings.Join([]string{
	`not a JSON ExecCredential \(syntax error at byte N\)`,
	`field "(apiVersion|kind|status|status\.token|status\.clientCertificateData|status\.clientKeyData|status\.expirationTimestamp)" of the ExecCredential has the wrong type`,
	`not a valid ExecCredential \(malformed field value\)`,
	`not a JSON object`,
	`kind is not ExecCredential`,
	`plugin returned (apiVersion client\.authentication\.kNs\.io/(vN|vNbetaN|vNalphaN)|an unknown apiVersion|no apiVersion), configured client\.authentication\.kNs\.io/vN`,
	`no status`,
	`status has neither a token nor a client certificate and key`,
	`status has only one of clientCertificateData and clientKeyData`,
	`client certificate and key do not form a valid pair`,
}, "|") + `)$`)

var digits = regexp.MustCompile(`[0-9]+`)

func FuzzExecCredential(f *testing.F) {
	for _, seed := range []string{
		`{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"tok"}}`,
		`{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"tok","expirationTimestamp":"2030-01-01T00:00:00Z"}}`,
		`{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"clientCertificateData":"x","clientKeyData":"y"}}`,
		`{"apiVersion":"client.authentication.k8s.io/v1alpha1","kind":"ExecCredential","status":{"token":"tok"}}`,
		`{"apiVersion":"SECRET","kind":"SECRET","status":{"token":["SECRET"]}}`,
		`{"kind":"ExecCredential","status":{"expirationTimestamp":"SECRET"}}`,
		`token: SECRET`,
		``,
		`null`,
	} {
		f.Add([]byte(seed))
	}
	p := newExecProvider(ExecConfig{APIVersion: ExecAPIVersionV1, Command: "plugin", InteractiveMode: ExecInteractiveNever}, nil, nil)
	f.Fuzz(func(t *testing.T, out []byte) {
		cred, err := p.parse(out)
		if err == nil {
			if cred == nil || (cred.token == "" && cred.cert == nil) {
				t.Fatalf("parse accepted %q without a credential", out)
			}
			return
		}
		if !errors.Is(err, ErrExecOutput) {
			t.Fatalf("error %v does not match ErrExecOutput", err)
		}
		if msg := digits.ReplaceAllString(err.Error(), "N"); !execMessages.MatchString(msg) {
			t.Fatalf("unexpected message, which may quote the output: %q", err)
		}
	})
}
