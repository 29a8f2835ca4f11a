package transport

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// KubeconfigOptions says which kubeconfig files and context [LoadKubeconfig]
// uses.
type KubeconfigOptions struct {
	// Paths are the files to merge, in order; each must exist. When empty,
	// the files listed in $KUBECONFIG are used (missing ones are skipped),
	// or else ~/.kube/config.
	Paths []string
	// Context overrides the files' current-context.
	Context string
}

// execExtension is the cluster extension passed to exec plugins as
// spec.cluster.config.
const execExtension = "client.authentication.k8s.io/exec"

// LoadKubeconfig reads kubeconfig files the way kubectl does and returns the
// Config of the chosen context.
//
// Several files are merged with the rules of the Kubernetes API: for each
// named cluster, user and context the first file that defines the name wins,
// and current-context comes from the first file that sets it. Relative file
// paths (certificate-authority, client-certificate, client-key, tokenFile,
// and an exec command containing a path separator) are resolved against the
// directory of the file that holds them.
//
// Supported: cluster server, certificate-authority(-data),
// insecure-skip-tls-verify, tls-server-name, proxy-url and the
// "client.authentication.k8s.io/exec" extension; user client-certificate(-data),
// client-key(-data), token, tokenFile, username, password, as, as-uid,
// as-groups, as-user-extra and exec; context cluster, user and namespace.
// auth-provider sections are rejected: use an exec plugin instead.
//
// Files referenced by the chosen context are read to check them. Every error
// about the content is a *[ConfigError] naming the kubeconfig file, the
// field and its line, never a secret value. When no file exists the error
// matches [ErrNoKubeconfig].
func LoadKubeconfig(opts KubeconfigOptions) (*Config, error) {
	return loadKubeconfig(opts, os.Getenv, os.UserHomeDir)
}

func loadKubeconfig(opts KubeconfigOptions, getenv func(string) string, home func() (string, error)) (*Config, error) {
	paths, err := kubeconfigPaths(opts, getenv, home)
	if err != nil {
		return nil, err
	}
	merged := &kcFile{clusters: map[string]*kcCluster{}, users: map[string]*kcUser{}, contexts: map[string]*kcContext{}}
	for _, path := range paths {
		f, err := parseKubeconfigFile(path)
		if err != nil {
			return nil, err
		}
		merged.mergeFrom(f)
	}
	return merged.config(opts.Context, paths)
}

func kubeconfigPaths(opts KubeconfigOptions, getenv func(string) string, home func() (string, error)) ([]string, error) {
	var paths []string
	seen := map[string]bool{}
	add := func(p string) {
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		if p != "" && !seen[p] {
			seen[p] = true
			paths = append(paths, p)
		}
	}
	if len(opts.Paths) > 0 {
		for _, p := range opts.Paths {
			if p == "" {
				continue
			}
			if _, err := os.Stat(p); err != nil {
				return nil, &ConfigError{File: p, Field: "KubeconfigOptions.Paths", Err: err}
			}
			add(p)
		}
		if len(paths) == 0 {
			return nil, &ConfigError{Field: "KubeconfigOptions.Paths", Err: errors.New("only empty paths")}
		}
		return paths, nil
	}
	if env := getenv("KUBECONFIG"); env != "" {
		for _, p := range filepath.SplitList(env) {
			if p == "" {
				continue
			}
			if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
				continue
			}
			add(p)
		}
		if len(paths) == 0 {
			return nil, fmt.Errorf("%w: $KUBECONFIG (%s) names no existing file", ErrNoKubeconfig, env)
		}
		return paths, nil
	}
	dir, err := home()
	if err != nil {
		return nil, fmt.Errorf("%w: no home directory: %w", ErrNoKubeconfig, err)
	}
	p := filepath.Join(dir, ".kube", "config")
	if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s does not exist and $KUBECONFIG is not set", ErrNoKubeconfig, p)
	}
	add(p)
	return paths, nil
}

// kcEntry locates a named entry for error messages.
type kcEntry struct {
	name   string
	file   string
	prefix string // e.g. "users[name=alice].user"
	line   int
	lines  map[string]int // line of each key in the entry
}

func (e *kcEntry) fail(key string, err error) *ConfigError {
	line := e.line
	if l, ok := e.lines[key]; ok {
		line = l
	}
	field := e.prefix
	if key != "" {
		field += "." + key
	}
	return &ConfigError{File: e.file, Line: line, Field: field, Err: err}
}

type kcCluster struct {
	kcEntry
	server, caFile, serverName, proxyURL string
	caData                               []byte
	insecure                             bool
	execConfig                           json.RawMessage
}

type kcUser struct {
	kcEntry
	certFile, keyFile, tokenFile, username string
	token, password, keyData               Secret
	certData                               []byte
	imp                                    Impersonation
	exec                                   *ExecConfig
	authProvider                           string
	hasAuthProvider                        bool
}

type kcContext struct {
	kcEntry
	cluster, user, namespace string
}

type kcFile struct {
	path           string
	currentContext string
	currentFile    string
	currentLine    int
	clusters       map[string]*kcCluster
	users          map[string]*kcUser
	contexts       map[string]*kcContext
}

func (m *kcFile) mergeFrom(f *kcFile) {
	if m.currentContext == "" && f.currentContext != "" {
		m.currentContext, m.currentFile, m.currentLine = f.currentContext, f.path, f.currentLine
	}
	for k, v := range f.clusters {
		if _, ok := m.clusters[k]; !ok {
			m.clusters[k] = v
		}
	}
	for k, v := range f.users {
		if _, ok := m.users[k]; !ok {
			m.users[k] = v
		}
	}
	for k, v := range f.contexts {
		if _, ok := m.contexts[k]; !ok {
			m.contexts[k] = v
		}
	}
}

// kcParser walks the YAML nodes of one file, so that errors can name the
// field and line and never quote a value.
type kcParser struct {
	file string
	dir  string
}

func (p *kcParser) fail(n *yaml.Node, field string, format string, args ...any) *ConfigError {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &ConfigError{File: p.file, Line: line, Field: field, Err: fmt.Errorf(format, args...)}
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

func describeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "a scalar"
	}
	return "something else"
}

type kcPair struct {
	key       string
	keyNode   *yaml.Node
	valueNode *yaml.Node
}

func (p *kcParser) mapping(n *yaml.Node, field string) ([]kcPair, error) {
	n = resolveAlias(n)
	if isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, p.fail(n, field, "expected a mapping, found %s", describeKind(n))
	}
	pairs := make([]kcPair, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := resolveAlias(n.Content[i])
		if k.Kind != yaml.ScalarNode {
			return nil, p.fail(k, field, "expected string keys, found %s", describeKind(k))
		}
		pairs = append(pairs, kcPair{k.Value, k, resolveAlias(n.Content[i+1])})
	}
	return pairs, nil
}

func (p *kcParser) str(n *yaml.Node, field string) (string, error) {
	if isNull(n) {
		return "", nil
	}
	if n.Kind != yaml.ScalarNode {
		return "", p.fail(n, field, "expected a string, found %s", describeKind(n))
	}
	return n.Value, nil
}

func (p *kcParser) secret(n *yaml.Node, field string) (Secret, error) {
	s, err := p.str(n, field)
	return NewSecret(s), err
}

func (p *kcParser) boolean(n *yaml.Node, field string) (bool, error) {
	if isNull(n) {
		return false, nil
	}
	if n.Kind == yaml.ScalarNode {
		if b, err := strconv.ParseBool(n.Value); err == nil {
			return b, nil
		}
	}
	return false, p.fail(n, field, "expected true or false")
}

func (p *kcParser) strList(n *yaml.Node, field string) ([]string, error) {
	if isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, p.fail(n, field, "expected a list of strings, found %s", describeKind(n))
	}
	out := make([]string, 0, len(n.Content))
	for i, c := range n.Content {
		c = resolveAlias(c)
		if c.Kind != yaml.ScalarNode {
			return nil, p.fail(c, fmt.Sprintf("%s[%d]", field, i), "expected a string, found %s", describeKind(c))
		}
		out = append(out, c.Value)
	}
	return out, nil
}

func (p *kcParser) base64Data(n *yaml.Node, field string) ([]byte, error) {
	s, err := p.str(n, field)
	if err != nil || s == "" {
		return nil, err
	}
	b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		return nil, p.fail(n, field, "invalid base64 data")
	}
	return b, nil
}

// path resolves a file reference against the kubeconfig file's directory.
func (p *kcParser) path(s string) string {
	if s == "" || filepath.IsAbs(s) {
		return s
	}
	return filepath.Join(p.dir, s)
}

func parseKubeconfigFile(path string) (*kcFile, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, &ConfigError{File: path, Err: err}
	}
	return parseKubeconfig(path, data)
}

// errNotYAML is the whole reason given for a YAML syntax error: the YAML
// library's own messages quote the source text (an unknown anchor, a
// duplicate key), which may be a secret.
var errNotYAML = errors.New("not valid YAML")

// yamlLine matches the position the YAML library puts in its messages.
var yamlLine = regexp.MustCompile(`^yaml: line ([0-9]+):`)

// yamlError turns an error of the YAML library about data into a
// ConfigError with a line and a generic reason.
func yamlError(path string, data []byte, err error) *ConfigError {
	return &ConfigError{File: path, Line: yamlErrorLine(data, err), Err: errNotYAML}
}

// yamlErrorLine returns the line of a YAML error: the one in the library's
// message, or else (an unknown alias, for one) the first line at which a
// prefix of the document stops parsing, found by bisection.
func yamlErrorLine(data []byte, err error) int {
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	lo, hi := 0, len(lines) // the first lo lines parse, the first hi do not
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		var n yaml.Node
		if yaml.Unmarshal(bytes.Join(lines[:mid], nil), &n) == nil {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// parseKubeconfig parses the content of the kubeconfig file path.
func parseKubeconfig(path string, data []byte) (*kcFile, error) {
	p := &kcParser{file: path, dir: filepath.Dir(path)}
	f := &kcFile{path: path, clusters: map[string]*kcCluster{}, users: map[string]*kcUser{}, contexts: map[string]*kcContext{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlError(path, data, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return f, nil // an empty file is an empty configuration
	}
	top, err := p.mapping(doc.Content[0], "(top level)")
	if err != nil {
		return nil, err
	}
	for _, kv := range top {
		switch kv.key {
		case "current-context":
			if f.currentContext, err = p.str(kv.valueNode, kv.key); err != nil {
				return nil, err
			}
			f.currentLine = kv.keyNode.Line
		case "clusters":
			err = p.namedList(kv.valueNode, "clusters", "cluster", func(e kcEntry, body *yaml.Node) error {
				c, err := p.cluster(e, body)
				if err == nil && f.clusters[c.name] == nil {
					f.clusters[c.name] = c
				}
				return err
			})
		case "users":
			err = p.namedList(kv.valueNode, "users", "user", func(e kcEntry, body *yaml.Node) error {
				u, err := p.user(e, body)
				if err == nil && f.users[u.name] == nil {
					f.users[u.name] = u
				}
				return err
			})
		case "contexts":
			err = p.namedList(kv.valueNode, "contexts", "context", func(e kcEntry, body *yaml.Node) error {
				c, err := p.context(e, body)
				if err == nil && f.contexts[c.name] == nil {
					f.contexts[c.name] = c
				}
				return err
			})
		}
		if err != nil {
			return nil, err
		}
	}
	return f, nil
}

// entryBody reads the mapping of a named entry and records its key lines.
func (p *kcParser) entryBody(e *kcEntry, body *yaml.Node) ([]kcPair, error) {
	pairs, err := p.mapping(body, e.prefix)
	if err != nil {
		return nil, err
	}
	for _, kv := range pairs {
		e.lines[kv.key] = kv.keyNode.Line
	}
	return pairs, nil
}

// namedList walks a list of {name: N, <inner>: {...}} items.
func (p *kcParser) namedList(n *yaml.Node, section, inner string, each func(kcEntry, *yaml.Node) error) error {
	n = resolveAlias(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return p.fail(n, section, "expected a list, found %s", describeKind(n))
	}
	for i, item := range n.Content {
		item = resolveAlias(item)
		at := fmt.Sprintf("%s[%d]", section, i)
		fields, err := p.mapping(item, at)
		if err != nil {
			return err
		}
		var name string
		var body *yaml.Node
		var bodyLine int
		for _, kv := range fields {
			switch kv.key {
			case "name":
				if name, err = p.str(kv.valueNode, at+".name"); err != nil {
					return err
				}
			case inner:
				body, bodyLine = kv.valueNode, kv.keyNode.Line
			}
		}
		if name == "" {
			return p.fail(item, at+".name", "missing name")
		}
		e := kcEntry{name: name, file: p.file, prefix: section + "[name=" + name + "]." + inner, line: bodyLine, lines: map[string]int{}}
		if e.line == 0 {
			e.line = item.Line
		}
		if err := each(e, body); err != nil {
			return err
		}
	}
	return nil
}

func (p *kcParser) cluster(e kcEntry, node *yaml.Node) (*kcCluster, error) {
	body, err := p.entryBody(&e, node)
	if err != nil {
		return nil, err
	}
	c := &kcCluster{kcEntry: e}
	for _, kv := range body {
		f := e.prefix + "." + kv.key
		switch kv.key {
		case "server":
			c.server, err = p.str(kv.valueNode, f)
		case "certificate-authority":
			c.caFile, err = p.str(kv.valueNode, f)
			c.caFile = p.path(c.caFile)
		case "certificate-authority-data":
			c.caData, err = p.base64Data(kv.valueNode, f)
		case "insecure-skip-tls-verify":
			c.insecure, err = p.boolean(kv.valueNode, f)
		case "tls-server-name":
			c.serverName, err = p.str(kv.valueNode, f)
		case "proxy-url":
			c.proxyURL, err = p.str(kv.valueNode, f)
		case "extensions":
			c.execConfig, err = p.execExtension(kv.valueNode, f)
		}
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}

// execExtension finds the exec plugin extension in a named extension list
// and converts it to JSON.
func (p *kcParser) execExtension(n *yaml.Node, field string) (json.RawMessage, error) {
	var out json.RawMessage
	err := p.namedList(n, field, "extension", func(e kcEntry, ext *yaml.Node) error {
		if e.name != execExtension || out != nil || isNull(ext) {
			return nil
		}
		var v any
		if err := ext.Decode(&v); err != nil {
			return p.fail(ext, e.prefix, "cannot be decoded")
		}
		b, err := json.Marshal(v)
		if err != nil {
			return p.fail(ext, e.prefix, "cannot be converted to JSON (a mapping with non-string keys?)")
		}
		out = b
		return nil
	})
	return out, err
}

func (p *kcParser) user(e kcEntry, node *yaml.Node) (*kcUser, error) {
	body, err := p.entryBody(&e, node)
	if err != nil {
		return nil, err
	}
	u := &kcUser{kcEntry: e}
	for _, kv := range body {
		f := e.prefix + "." + kv.key
		switch kv.key {
		case "client-certificate":
			u.certFile, err = p.str(kv.valueNode, f)
			u.certFile = p.path(u.certFile)
		case "client-certificate-data":
			u.certData, err = p.base64Data(kv.valueNode, f)
		case "client-key":
			u.keyFile, err = p.str(kv.valueNode, f)
			u.keyFile = p.path(u.keyFile)
		case "client-key-data":
			var b []byte
			b, err = p.base64Data(kv.valueNode, f)
			u.keyData = NewSecret(string(b))
		case "token":
			u.token, err = p.secret(kv.valueNode, f)
		case "tokenFile":
			u.tokenFile, err = p.str(kv.valueNode, f)
			u.tokenFile = p.path(u.tokenFile)
		case "username":
			u.username, err = p.str(kv.valueNode, f)
		case "password":
			u.password, err = p.secret(kv.valueNode, f)
		case "as":
			u.imp.UserName, err = p.str(kv.valueNode, f)
		case "as-uid":
			u.imp.UID, err = p.str(kv.valueNode, f)
		case "as-groups":
			u.imp.Groups, err = p.strList(kv.valueNode, f)
		case "as-user-extra":
			u.imp.Extra, err = p.extra(kv.valueNode, f)
		case "auth-provider":
			u.hasAuthProvider = !isNull(kv.valueNode)
			if pairs, perr := p.mapping(kv.valueNode, f); perr != nil {
				err = perr
			} else {
				for _, a := range pairs {
					if a.key == "name" {
						u.authProvider = a.valueNode.Value
					}
				}
			}
		case "exec":
			u.exec, err = p.exec(kv.valueNode, f)
		}
		if err != nil {
			return nil, err
		}
	}
	return u, nil
}

func (p *kcParser) extra(n *yaml.Node, field string) (map[string][]string, error) {
	pairs, err := p.mapping(n, field)
	if err != nil || len(pairs) == 0 {
		return nil, err
	}
	m := make(map[string][]string, len(pairs))
	for _, kv := range pairs {
		if m[kv.key], err = p.strList(kv.valueNode, field+"."+kv.key); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (p *kcParser) exec(n *yaml.Node, field string) (*ExecConfig, error) {
	if isNull(n) {
		return nil, nil
	}
	pairs, err := p.mapping(n, field)
	if err != nil {
		return nil, err
	}
	e := &ExecConfig{}
	for _, kv := range pairs {
		f := field + "." + kv.key
		switch kv.key {
		case "command":
			e.Command, err = p.str(kv.valueNode, f)
		case "args":
			e.Args, err = p.strList(kv.valueNode, f)
		case "apiVersion":
			e.APIVersion, err = p.str(kv.valueNode, f)
		case "installHint":
			e.InstallHint, err = p.str(kv.valueNode, f)
		case "provideClusterInfo":
			e.ProvideClusterInfo, err = p.boolean(kv.valueNode, f)
		case "interactiveMode":
			var s string
			s, err = p.str(kv.valueNode, f)
			e.InteractiveMode = ExecInteractiveMode(s)
		case "env":
			e.Env, err = p.execEnv(kv.valueNode, f)
		}
		if err != nil {
			return nil, err
		}
	}
	if strings.ContainsRune(e.Command, filepath.Separator) {
		e.Command = p.path(e.Command)
	}
	if err := e.validate(); err != nil {
		var ce *ConfigError
		if errors.As(err, &ce) {
			key := strings.TrimPrefix(ce.Field, "Exec.")
			kube := map[string]string{"Command": "command", "APIVersion": "apiVersion", "InteractiveMode": "interactiveMode"}[key]
			if kube == "" {
				kube = "env"
			}
			line := n.Line
			for _, kv := range pairs {
				if kv.key == kube {
					line = kv.keyNode.Line
				}
			}
			return nil, &ConfigError{File: p.file, Line: line, Field: field + "." + kube, Err: ce.Err}
		}
		return nil, err
	}
	return e, nil
}

func (p *kcParser) execEnv(n *yaml.Node, field string) ([]ExecEnvVar, error) {
	n = resolveAlias(n)
	if isNull(n) {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, p.fail(n, field, "expected a list of {name, value}, found %s", describeKind(n))
	}
	var out []ExecEnvVar
	for i, item := range n.Content {
		at := fmt.Sprintf("%s[%d]", field, i)
		pairs, err := p.mapping(item, at)
		if err != nil {
			return nil, err
		}
		var v ExecEnvVar
		for _, kv := range pairs {
			switch kv.key {
			case "name":
				v.Name, err = p.str(kv.valueNode, at+".name")
			case "value":
				v.Value, err = p.secret(kv.valueNode, at+".value")
			}
			if err != nil {
				return nil, err
			}
		}
		if v.Name == "" {
			return nil, p.fail(item, at+".name", "missing name")
		}
		out = append(out, v)
	}
	return out, nil
}

func (p *kcParser) context(e kcEntry, node *yaml.Node) (*kcContext, error) {
	body, err := p.entryBody(&e, node)
	if err != nil {
		return nil, err
	}
	c := &kcContext{kcEntry: e}
	for _, kv := range body {
		f := e.prefix + "." + kv.key
		switch kv.key {
		case "cluster":
			c.cluster, err = p.str(kv.valueNode, f)
		case "user":
			c.user, err = p.str(kv.valueNode, f)
		case "namespace":
			c.namespace, err = p.str(kv.valueNode, f)
		}
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}

// config selects the context and builds the Config, checking the files it
// references.
func (m *kcFile) config(override string, paths []string) (*Config, error) {
	name := override
	if name == "" {
		name = m.currentContext
		if name == "" {
			return nil, &ConfigError{File: strings.Join(paths, string(filepath.ListSeparator)), Field: "current-context",
				Err: errors.New("not set; set it or choose a context with KubeconfigOptions.Context")}
		}
	}
	ctx, ok := m.contexts[name]
	if !ok {
		if override != "" {
			return nil, &ConfigError{Field: "KubeconfigOptions.Context",
				Err: fmt.Errorf("context %q not found in %s", name, strings.Join(paths, ", "))}
		}
		return nil, &ConfigError{File: m.currentFile, Line: m.currentLine, Field: "current-context",
			Err: fmt.Errorf("context %q not found in %s", name, strings.Join(paths, ", "))}
	}
	if ctx.namespace != "" && !isDNSLabel(ctx.namespace) {
		return nil, ctx.fail("namespace", fmt.Errorf("not a valid namespace name: %s", dnsLabelRule))
	}
	if ctx.cluster == "" {
		return nil, ctx.fail("cluster", errors.New("no cluster named"))
	}
	cl, ok := m.clusters[ctx.cluster]
	if !ok {
		return nil, ctx.fail("cluster", fmt.Errorf("cluster %q not found", ctx.cluster))
	}
	var u *kcUser
	if ctx.user != "" {
		if u, ok = m.users[ctx.user]; !ok {
			return nil, ctx.fail("user", fmt.Errorf("user %q not found", ctx.user))
		}
	}

	cfg := &Config{Namespace: ctx.namespace}
	if cl.server == "" {
		return nil, cl.fail("server", errors.New("no server URL"))
	}
	if su, err := url.Parse(cl.server); err != nil || (su.Scheme != "http" && su.Scheme != "https") || su.Host == "" {
		return nil, cl.fail("server", errors.New("not an http or https URL with a host"))
	}
	cfg.Server = strings.TrimRight(cl.server, "/")
	if cl.proxyURL != "" {
		pu, err := url.Parse(cl.proxyURL)
		if err != nil || pu.Host == "" || (pu.Scheme != "http" && pu.Scheme != "https" && pu.Scheme != "socks5") {
			return nil, cl.fail("proxy-url", errors.New("not an http, https or socks5 URL with a host"))
		}
		if pu.User != nil {
			// Credentials move to the Config's proxy fields, the password
			// into a Secret.
			cfg.ProxyUsername = pu.User.Username()
			if pw, ok := pu.User.Password(); ok {
				cfg.ProxyPassword = NewSecret(pw)
			}
			pu.User = nil
		}
		cfg.ProxyURL = pu.String()
	}
	cfg.TLS = TLSConfig{CAData: cl.caData, CAFile: cl.caFile, ServerName: cl.serverName, Insecure: cl.insecure}
	if cl.insecure && (len(cl.caData) > 0 || cl.caFile != "") {
		return nil, cl.fail("insecure-skip-tls-verify", errors.New("cannot be combined with certificate-authority or certificate-authority-data"))
	}
	if len(cl.caData) == 0 && cl.caFile != "" {
		pem, err := readFile(cl.caFile)
		if err != nil {
			return nil, cl.fail("certificate-authority", err)
		}
		if !x509.NewCertPool().AppendCertsFromPEM(pem) {
			return nil, cl.fail("certificate-authority", fmt.Errorf("%s holds no PEM certificate", cl.caFile))
		}
	} else if len(cl.caData) > 0 && !x509.NewCertPool().AppendCertsFromPEM(cl.caData) {
		return nil, cl.fail("certificate-authority-data", errors.New("holds no PEM certificate"))
	}

	if u != nil {
		if err := u.apply(cfg, cl); err != nil {
			return nil, err
		}
	}
	if err := cfg.Validate(); err != nil {
		var ce *ConfigError
		if errors.As(err, &ce) && u != nil {
			return nil, u.fail("", fmt.Errorf("%s: %w", ce.Field, ce.Err))
		}
		return nil, err
	}
	return cfg, nil
}

func (u *kcUser) apply(cfg *Config, cl *kcCluster) error {
	if u.hasAuthProvider {
		return u.fail("auth-provider", fmt.Errorf("auth-provider plugins (%q) are not supported; use an exec credential plugin", u.authProvider))
	}
	cfg.TLS.CertData, cfg.TLS.CertFile = u.certData, u.certFile
	cfg.TLS.KeyData, cfg.TLS.KeyFile = u.keyData, u.keyFile
	cfg.BearerToken, cfg.BearerTokenFile = u.token, u.tokenFile
	cfg.Username, cfg.Password = u.username, u.password
	cfg.Impersonate = u.imp
	if u.exec != nil {
		e := *u.exec
		e.ClusterConfig = cl.execConfig
		cfg.Exec = &e
	}

	hasCert := len(u.certData) > 0 || u.certFile != ""
	hasKey := !u.keyData.IsZero() || u.keyFile != ""
	switch {
	case hasCert && !hasKey:
		return u.fail("client-key", errors.New("a client certificate needs client-key or client-key-data"))
	case hasKey && !hasCert:
		return u.fail("client-certificate", errors.New("a client key needs client-certificate or client-certificate-data"))
	case hasCert:
		certPEM, keyPEM := u.certData, []byte(u.keyData.Reveal())
		var err error
		if len(certPEM) == 0 {
			if certPEM, err = readFile(u.certFile); err != nil {
				return u.fail("client-certificate", err)
			}
		}
		if len(keyPEM) == 0 {
			if keyPEM, err = readFile(u.keyFile); err != nil {
				return u.fail("client-key", err)
			}
		}
		if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
			key := "client-certificate-data"
			if len(u.certData) == 0 {
				key = "client-certificate"
			}
			return u.fail(key, errors.New("the client certificate and key are not a valid PEM pair"))
		}
	}
	if u.tokenFile != "" {
		if _, err := os.Stat(u.tokenFile); err != nil {
			return u.fail("tokenFile", err)
		}
	}
	if (!u.token.IsZero() || u.tokenFile != "") && (u.username != "" || !u.password.IsZero()) {
		return u.fail("username", errors.New("basic authentication cannot be combined with token or tokenFile"))
	}
	if u.exec != nil && (!u.token.IsZero() || u.tokenFile != "" || u.username != "" || !u.password.IsZero()) {
		return u.fail("exec", errors.New("an exec plugin cannot be combined with token, tokenFile, username or password"))
	}
	if !u.imp.IsZero() && u.imp.UserName == "" {
		return u.fail("as", errors.New("as-uid, as-groups and as-user-extra need as"))
	}
	return nil
}
