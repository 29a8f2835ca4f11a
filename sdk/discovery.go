package sdk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// APIResource is one resource the server serves in one group version, as
// discovery describes it: what a kind's descriptor says, learnt from the
// server instead of declared.
type APIResource struct {
	// Group is the API group, "" for the core group.
	Group string
	// Version is the group version this entry describes, e.g. "v1".
	Version string
	// Versions are every version of the group that serves the resource,
	// the group's preferred first.
	Versions []string
	// Resource is the plural lowercase name used in URLs, e.g. "deployments".
	Resource string
	// Singular is the singular name, e.g. "deployment" (may be empty for
	// servers that do not report it).
	Singular string
	// Kind is the kind of its objects, e.g. "Deployment".
	Kind string
	// Namespaced says whether its objects live in a namespace.
	Namespaced bool
	// Verbs are the verbs the server accepts, e.g. "get", "list", "watch".
	Verbs []string
	// ShortNames are the short names kubectl accepts, e.g. "deploy".
	ShortNames []string
	// Categories are the categories it belongs to, e.g. "all".
	Categories []string
	// Subresources are the names of its subresources, e.g. "status", "scale".
	Subresources []string
}

// APIVersion returns the resource's apiVersion: "v1" or "apps/v1".
func (r APIResource) APIVersion() string {
	if r.Group == "" {
		return r.Version
	}
	return r.Group + "/" + r.Version
}

// APIPath returns the API base path serving the resource, e.g. "apis/apps/v1".
func (r APIResource) APIPath() string {
	if r.Group == "" {
		return "api/" + r.Version
	}
	return "apis/" + r.Group + "/" + r.Version
}

// GroupResource returns the resource qualified by its group, as kubectl
// writes it: "deployments.apps", or "pods" for the core group.
func (r APIResource) GroupResource() string {
	if r.Group == "" {
		return r.Resource
	}
	return r.Resource + "." + r.Group
}

// String returns the resource, version and group, e.g. "deployments.v1.apps".
func (r APIResource) String() string {
	if r.Group == "" {
		return r.Resource + "." + r.Version
	}
	return r.Resource + "." + r.Version + "." + r.Group
}

// HasVerb reports whether the server accepts verb on the resource.
func (r APIResource) HasVerb(verb string) bool { return slices.Contains(r.Verbs, verb) }

// HasSubresource reports whether the resource serves subresource sub
// ("status", "scale", ...).
func (r APIResource) HasSubresource(sub string) bool { return slices.Contains(r.Subresources, sub) }

// Info returns the resource as kind data, with its API path as the only
// one, for NewKind.
func (r APIResource) Info() KindInfo {
	return KindInfo{Kind: r.Kind, Resource: r.Resource, Namespaced: r.Namespaced, APIPaths: []string{r.APIPath()}}
}

// ErrUnknownResource is matched by the error of a discovery lookup that
// the server's discovery does not answer, even after a refresh.
var ErrUnknownResource = errors.New("kube: unknown resource")

// ErrAmbiguousResource is matched by the error of a discovery lookup that
// several resources answer (a short name two groups use).
var ErrAmbiguousResource = errors.New("kube: ambiguous resource")

// ResourceError is the error of a discovery lookup: the resource is
// unknown (it matches ErrUnknownResource), or the query names several
// (ErrAmbiguousResource; Candidates lists them, as "resource.version.group").
// Failed lists the group versions whose discovery failed, which might have
// served it. It matches ErrKube.
type ResourceError struct {
	// Query is what was looked up, e.g. "deploy" or "apps/v1 Deployment".
	Query string
	// Candidates are the resources an ambiguous query names.
	Candidates []string
	// Failed are the group versions the server could not describe (an
	// aggregated API that is down), e.g. "metrics.k8s.io/v1beta1".
	Failed []string
}

func (e *ResourceError) Error() string {
	var b strings.Builder
	if len(e.Candidates) > 0 {
		fmt.Fprintf(&b, "kube: %q is ambiguous: it names %s; qualify it with its group (resource.group) or use its apiVersion and kind", e.Query, strings.Join(e.Candidates, ", "))
	} else {
		fmt.Fprintf(&b, "kube: the server serves no resource %q", e.Query)
	}
	if len(e.Failed) > 0 {
		fmt.Fprintf(&b, " (discovery failed for %s)", strings.Join(e.Failed, ", "))
	}
	return b.String()
}

// Is matches ErrKube and ErrAmbiguousResource or ErrUnknownResource.
func (e *ResourceError) Is(target error) bool {
	switch target {
	case ErrKube:
		return true
	case ErrAmbiguousResource:
		return len(e.Candidates) > 0
	case ErrUnknownResource:
		return len(e.Candidates) == 0
	}
	return false
}

// DiscoveryRefreshInterval is the least time between two reads of the
// server's discovery by one client: a lookup that misses refreshes the
// cache, and a flood of misses shares one refresh per interval.
const DiscoveryRefreshInterval = time.Second

// maxGroupVersions bounds the group versions a legacy discovery reads.
const maxGroupVersions = 1000

// Discovery is a client's view of what the server serves (a client-side
// RESTMapper): it maps kinds to resources and back, by group/version/kind,
// by "resource.group", by plural, singular or short name, or by kind name.
// It reads the server's aggregated discovery (or the legacy per-group
// documents of older servers) on first use and caches it; a lookup that
// misses refreshes the cache (at most once per DiscoveryRefreshInterval,
// shared by concurrent lookups), so a CustomResourceDefinition installed
// after the client started is found by the next call. It is safe for
// concurrent use. Client.Discovery returns the client's.
type Discovery struct {
	c *Client

	mu        sync.Mutex
	snap      *discoverySnapshot
	inflight  *discoveryLoad
	lastStart time.Time
	seq       uint64 // reads started
	kinds     map[string]*Kind[Unstructured]
}

// discoverySnapshot is one complete read of the server's discovery.
type discoverySnapshot struct {
	resources []APIResource // preferred version of each group first
	failed    []string      // group versions whose discovery failed
	seq       uint64        // the number of the read, from 1
}

// discoveryLoad is a refresh in progress; done closes when it ends.
type discoveryLoad struct {
	done    chan struct{}
	started bool   // it has started reading (joining it may miss newer changes)
	seq     uint64 // the number of its read, once started
	err     error
	aborted bool // its caller's ctx ended: the others who waited for it try again
}

// Discovery returns the client's discovery cache. It makes no request.
func (c *Client) Discovery() *Discovery {
	if d, ok := c.discovery.Load().(*Discovery); ok {
		return d
	}
	d := &Discovery{c: c, kinds: map[string]*Kind[Unstructured]{}}
	if c.discovery.CompareAndSwap(nil, d) {
		return d
	}
	return c.discovery.Load().(*Discovery)
}

// Resources returns every resource the server serves, in every served
// version (the preferred version of each group first), reading discovery
// if it was never read.
func (d *Discovery) Resources(ctx context.Context) ([]APIResource, error) {
	s, err := d.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]APIResource, len(s.resources))
	for i, r := range s.resources {
		out[i] = r.clone()
	}
	return out, nil
}

// Refresh reads the server's discovery again now (waiting for the refresh
// interval if a read just happened).
func (d *Discovery) Refresh(ctx context.Context) error {
	d.mu.Lock()
	var seen uint64
	if d.snap != nil {
		seen = d.snap.seq
	}
	d.mu.Unlock()
	_, err := d.refresh(ctx, seen)
	return err
}

// Find looks a resource up the way kubectl does: by plural, singular or
// short name, or kind name ("deployments", "deployment", "deploy",
// "Deployment", matched without regard to case), optionally qualified by
// its group ("deployments.apps") or version and group
// ("deployments.v1.apps"). It answers the group's preferred version. A
// query several groups answer is a *ResourceError matching
// ErrAmbiguousResource, except that the core group wins (as "pods" and
// "events" do in kubectl); an unknown one matches ErrUnknownResource after
// a refresh.
func (d *Discovery) Find(ctx context.Context, query string) (APIResource, error) {
	if strings.TrimSpace(query) == "" {
		return APIResource{}, &Error{Op: "discover", Err: errors.New("empty resource name")}
	}
	return d.lookup(ctx, query, func(s *discoverySnapshot) (APIResource, error) { return s.find(query) })
}

// ForKind looks up the resource serving kind in apiVersion ("apps/v1",
// "v1"); an unknown one matches ErrUnknownResource after a refresh.
func (d *Discovery) ForKind(ctx context.Context, apiVersion, kind string) (APIResource, error) {
	if apiVersion == "" || kind == "" {
		return APIResource{}, &Error{Op: "discover", Err: fmt.Errorf("want an apiVersion and a kind, got %q and %q", apiVersion, kind)}
	}
	return d.lookup(ctx, apiVersion+" "+kind, func(s *discoverySnapshot) (APIResource, error) { return s.forKind(apiVersion, kind) })
}

// lookup answers from the cache, refreshing it once on a miss.
func (d *Discovery) lookup(ctx context.Context, query string, find func(*discoverySnapshot) (APIResource, error)) (APIResource, error) {
	s, err := d.snapshot(ctx)
	if err != nil {
		return APIResource{}, err
	}
	r, err := find(s)
	if !errors.Is(err, ErrUnknownResource) {
		return r, err
	}
	if s, err = d.refresh(ctx, s.seq); err != nil {
		return APIResource{}, err
	}
	return find(s)
}

// snapshot returns the cached discovery, reading it if there is none.
func (d *Discovery) snapshot(ctx context.Context) (*discoverySnapshot, error) {
	d.mu.Lock()
	s := d.snap
	d.mu.Unlock()
	if s != nil {
		return s, nil
	}
	return d.refresh(ctx, 0)
}

// refresh returns a snapshot newer than read number seen (0: any),
// reading one if needed. Concurrent callers share one read, and reads
// start at most once per DiscoveryRefreshInterval.
func (d *Discovery) refresh(ctx context.Context, seen uint64) (*discoverySnapshot, error) {
	d.mu.Lock()
	for {
		if d.snap != nil && d.snap.seq > seen {
			s := d.snap
			d.mu.Unlock()
			return s, nil
		}
		l := d.inflight
		if l == nil {
			break
		}
		// A read newer than seen answers the caller, even with an error; an
		// older one is waited for, then a new one made.
		fresh := !l.started || l.seq > seen
		d.mu.Unlock()
		select {
		case <-l.done:
		case <-ctx.Done():
			return nil, &Error{Op: "discover", Err: context.Cause(ctx)}
		}
		if fresh && l.err != nil && !l.aborted {
			return nil, l.err
		}
		d.mu.Lock()
	}
	l := &discoveryLoad{done: make(chan struct{})}
	d.inflight = l
	var wait time.Duration
	if !d.lastStart.IsZero() {
		wait = time.Until(d.lastStart.Add(DiscoveryRefreshInterval))
	}
	d.mu.Unlock()

	var s *discoverySnapshot
	err := ctx.Err()
	if err == nil && wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			err = ctx.Err()
		}
		t.Stop()
	}
	if err != nil {
		err = &Error{Op: "discover", Err: context.Cause(ctx)}
	} else {
		d.mu.Lock()
		l.started = true
		d.lastStart = time.Now()
		d.seq++
		l.seq = d.seq
		d.mu.Unlock()
		s, err = d.c.readDiscovery(ctx)
		if s != nil {
			s.seq = l.seq
		}
	}
	d.mu.Lock()
	if err == nil {
		d.snap = s
	}
	l.err, l.aborted = err, ctx.Err() != nil
	d.inflight = nil
	close(l.done)
	d.mu.Unlock()
	return s, err
}

// knownPath answers the API base path of a declared kind from the cache,
// without a request: the newest of k's paths the server serves.
func (d *Discovery) knownPath(k *KindInfo) (string, bool) {
	d.mu.Lock()
	s := d.snap
	d.mu.Unlock()
	if s == nil {
		return "", false
	}
	for _, p := range k.APIPaths {
		gv := APIVersion(p)
		for _, r := range s.resources {
			if r.Resource == k.Resource && r.APIVersion() == gv {
				return "/" + strings.Trim(p, "/"), true
			}
		}
	}
	return "", false
}

// kindFor returns the untyped descriptor of r, one per resource and
// client, so items of it compare Equal across views.
func (d *Discovery) kindFor(r APIResource) *Kind[Unstructured] {
	key := fmt.Sprintf("%s/%s/%s/%s/%t", r.Group, r.Version, r.Resource, r.Kind, r.Namespaced)
	d.mu.Lock()
	defer d.mu.Unlock()
	if k, ok := d.kinds[key]; ok {
		return k
	}
	k := &Kind[Unstructured]{KindInfo: r.Info()}
	d.kinds[key] = k
	return k
}

func (r APIResource) clone() APIResource {
	r.Versions = slices.Clone(r.Versions)
	r.Verbs = slices.Clone(r.Verbs)
	r.ShortNames = slices.Clone(r.ShortNames)
	r.Categories = slices.Clone(r.Categories)
	r.Subresources = slices.Clone(r.Subresources)
	return r
}

// find answers a kubectl-style resource query.
func (s *discoverySnapshot) find(query string) (APIResource, error) {
	q := strings.ToLower(strings.TrimSpace(query))
	type qualified struct{ name, version, group string }
	tries := []qualified{{name: q, version: "", group: "*"}}
	if name, rest, ok := strings.Cut(q, "."); ok {
		tries = []qualified{{name: name, group: rest}}
		if v, g, ok := strings.Cut(rest, "."); ok {
			tries = append(tries, qualified{name: name, version: v, group: g})
		}
		tries = append(tries, qualified{name: q, group: "*"}) // a dotted plain name
	}
	for _, t := range tries {
		// Match levels, strongest first: plural, singular, short name, kind.
		for level := range 4 {
			var hits []APIResource
			for _, r := range s.resources {
				if t.group != "*" && r.Group != t.group {
					continue
				}
				if t.version != "" && r.Version != t.version {
					continue
				}
				if t.version == "" && (len(r.Versions) == 0 || r.Version != r.Versions[0]) {
					continue // the preferred version only
				}
				if matchLevel(r, t.name, level) {
					hits = append(hits, r)
				}
			}
			if len(hits) == 0 {
				continue
			}
			if len(hits) > 1 {
				var core []APIResource
				for _, h := range hits {
					if h.Group == "" {
						core = append(core, h)
					}
				}
				if len(core) == 1 {
					hits = core
				}
			}
			if len(hits) > 1 {
				names := make([]string, len(hits))
				for i, h := range hits {
					names[i] = h.String()
				}
				slices.Sort(names)
				return APIResource{}, &ResourceError{Query: query, Candidates: slices.Compact(names)}
			}
			return hits[0].clone(), nil
		}
	}
	return APIResource{}, &ResourceError{Query: query, Failed: slices.Clone(s.failed)}
}

func matchLevel(r APIResource, name string, level int) bool {
	switch level {
	case 0:
		return r.Resource == name
	case 1:
		return r.Singular == name || r.Singular == "" && strings.ToLower(r.Kind) == name
	case 2:
		return slices.Contains(r.ShortNames, name)
	default:
		return strings.ToLower(r.Kind) == name
	}
}

// forKind answers a group/version/kind query.
func (s *discoverySnapshot) forKind(apiVersion, kind string) (APIResource, error) {
	var hits []APIResource
	for _, r := range s.resources {
		if r.APIVersion() == apiVersion && r.Kind == kind {
			hits = append(hits, r)
		}
	}
	switch len(hits) {
	case 0:
		return APIResource{}, &ResourceError{Query: apiVersion + " " + kind, Failed: slices.Clone(s.failed)}
	case 1:
		return hits[0].clone(), nil
	}
	// Several resources serve one kind: prefer the one named after it.
	for _, h := range hits {
		if h.Singular == strings.ToLower(kind) || h.Resource == strings.ToLower(kind)+"s" {
			return h.clone(), nil
		}
	}
	names := make([]string, len(hits))
	for i, h := range hits {
		names[i] = h.String()
	}
	return APIResource{}, &ResourceError{Query: apiVersion + " " + kind, Candidates: names}
}

// aggregatedAccept asks for aggregated discovery (v2, then v2beta1), and
// accepts the legacy documents of servers that have none.
const aggregatedAccept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList," +
	"application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"

// readDiscovery reads the server's whole discovery: /api and /apis, in
// the aggregated form, or the legacy documents of each group version.
func (c *Client) readDiscovery(ctx context.Context) (*discoverySnapshot, error) {
	s := &discoverySnapshot{}
	for _, root := range []string{"/api", "/apis"} {
		data, err := c.readBody(ctx, request{method: http.MethodGet, path: root, accept: aggregatedAccept})
		if isNotFound(err) {
			continue // a server without the core group, or without groups
		}
		if err != nil {
			return nil, err
		}
		doc, err := parseDiscovery(data, c.fullPath(root))
		if err != nil {
			return nil, err
		}
		if doc.aggregated {
			s.resources = append(s.resources, doc.resources...)
			s.failed = append(s.failed, doc.failed...)
			continue
		}
		if len(doc.groupVersions) > maxGroupVersions {
			return nil, &DecodeError{Path: c.fullPath(root), Offset: -1, Reason: fmt.Sprintf("%d group versions, more than the limit of %d", len(doc.groupVersions), maxGroupVersions)}
		}
		for _, gv := range doc.groupVersions {
			if err := c.readLegacyGroupVersion(ctx, s, gv); err != nil {
				return nil, err
			}
		}
	}
	s.resources = withVersions(s.resources)
	slices.Sort(s.failed)
	s.failed = slices.Compact(s.failed)
	return s, nil
}

// readLegacyGroupVersion reads one legacy APIResourceList into s. A group
// version the server cannot describe (404, 503 of an aggregated API that
// is down, 403) is recorded as failed; only a cancelled ctx or a broken
// body ends the whole read.
func (c *Client) readLegacyGroupVersion(ctx context.Context, s *discoverySnapshot, gv legacyGroupVersion) error {
	path := "/api/" + gv.version
	if gv.group != "" {
		path = "/apis/" + gv.group + "/" + gv.version
	}
	data, err := c.readBody(ctx, request{method: http.MethodGet, path: path})
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		if isNotFound(err) {
			return nil // a group version gone since /apis was read
		}
		var ae *APIError
		if errors.As(err, &ae) && ae.Code != 0 {
			s.failed = append(s.failed, gvString(gv.group, gv.version))
			return nil
		}
		return err
	}
	rs, err := parseResourceList(data, c.fullPath(path), gv)
	if err != nil {
		return err
	}
	s.resources = append(s.resources, rs...)
	return nil
}

func gvString(group, version string) string {
	if group == "" {
		return version
	}
	return group + "/" + version
}
