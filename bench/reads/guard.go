package reads

import (
	"fmt"
	"maps"
	"net/netip"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Digest folds every value a reader read into one number, in order, so a
// benchmark can check on every iteration that it read the right data
// without keeping it.
type Digest struct {
	Sum uint64
	N   int
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnv(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h*fnvPrime ^ 0xff
}

// Visit is a Visitor.
func (d *Digest) Visit(p *Pod) {
	h := fnv(fnvOffset, p.Event)
	h = fnv(h, p.Name)
	h = fnv(h, p.Namespace)
	var l uint64 // order-independent over the map
	for k, v := range p.Labels {
		l += fnv(fnv(fnvOffset, k), v)
	}
	h = (h ^ l) * fnvPrime
	h = fnv(h, p.Phase)
	if p.IP.IsValid() {
		b := p.IP.As16()
		for _, c := range b {
			h = (h ^ uint64(c)) * fnvPrime
		}
		if p.IP.Is4() {
			h ^= 4
		}
	}
	h = (h ^ uint64(p.Ready)<<32 ^ uint64(p.Total)) * fnvPrime
	d.Sum = d.Sum*fnvPrime + h
	d.N++
}

// Record is a pod as read, kept for comparison.
type Record struct {
	Event, Name, Namespace string
	Labels                 map[string]string
	Phase                  string
	IP                     string // "" when absent
	Ready, Total           int
}

func (r Record) String() string {
	return fmt.Sprintf("%s %s/%s labels=%v phase=%s ip=%q ready=%d/%d", r.Event, r.Namespace, r.Name, r.Labels, r.Phase, r.IP, r.Ready, r.Total)
}

func (r Record) equal(o Record) bool {
	return r.Event == o.Event && r.Name == o.Name && r.Namespace == o.Namespace && maps.Equal(r.Labels, o.Labels) &&
		r.Phase == o.Phase && r.IP == o.IP && r.Ready == o.Ready && r.Total == o.Total
}

// Collector keeps every pod read as a Record.
type Collector struct{ Records []Record }

// Visit is a Visitor.
func (c *Collector) Visit(p *Pod) {
	r := Record{Event: p.Event, Name: p.Name, Namespace: p.Namespace, Labels: map[string]string{}, Phase: p.Phase, Ready: p.Ready, Total: p.Total}
	for k, v := range p.Labels {
		r.Labels[k] = v
	}
	if p.IP.IsValid() {
		r.IP = p.IP.String()
	}
	c.Records = append(c.Records, r)
}

// Expect returns the record of a pod straight from its Go value, without
// any encoding or decoding: the ground truth the readers must match.
func Expect(event string, pod *corev1.Pod) Record {
	r := Record{Event: event, Name: pod.Name, Namespace: pod.Namespace, Labels: maps.Clone(pod.Labels), Phase: string(pod.Status.Phase)}
	if r.Labels == nil {
		r.Labels = map[string]string{}
	}
	if pod.Status.PodIP != "" {
		r.IP = netip.MustParseAddr(pod.Status.PodIP).String()
	}
	for _, c := range pod.Status.ContainerStatuses {
		r.Total++
		if c.Ready {
			r.Ready++
		}
	}
	return r
}

// Compare returns an error describing the first differences between what
// a reader read (got) and what it should have read (want), or nil.
func Compare(name string, got, want []Record) error {
	var b strings.Builder
	diffs := 0
	if len(got) != len(want) {
		fmt.Fprintf(&b, "%s read %d objects, want %d\n", name, len(got), len(want))
		diffs++
	}
	for i := range min(len(got), len(want)) {
		if !got[i].equal(want[i]) {
			if diffs < 5 {
				fmt.Fprintf(&b, "%s object %d:\n  got  %v\n  want %v\n", name, i, got[i], want[i])
			}
			diffs++
		}
	}
	if diffs > 0 {
		return fmt.Errorf("CORRECTNESS GUARD FAILED: %d differences\n%s", diffs, b.String())
	}
	return nil
}

// DigestOf returns the digest of records, as a reader visiting them would.
func DigestOf(rs []Record) Digest {
	var d Digest
	for _, r := range rs {
		d.VisitRecord(r)
	}
	return d
}

// VisitRecord folds a record into the digest, as visiting the pod would.
func (d *Digest) VisitRecord(r Record) {
	p := Pod{Event: r.Event, Name: r.Name, Namespace: r.Namespace, Labels: maps.All(r.Labels), Phase: r.Phase, Ready: r.Ready, Total: r.Total}
	if r.IP != "" {
		p.IP = netip.MustParseAddr(r.IP)
	}
	d.Visit(&p)
}
