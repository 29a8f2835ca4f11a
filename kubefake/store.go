package kubefake

import (
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
)

// stored is one version of an object; it is never changed once stored.
type stored struct {
	o    obj
	raw  []byte // the object as JSON
	rv   int64
	item atomic.Pointer[[]byte] // raw without apiVersion and kind, made on first use
}

// event is one change in the history.
type event struct {
	typ  string // ADDED, MODIFIED, DELETED
	rv   int64
	gr   string
	key  string  // namespace/name
	obj  *stored // the new state (for DELETED: the last state, at rv)
	prev *stored // the state before, nil for ADDED
}

// store holds the objects of every resource, the global resourceVersion
// counter, the retained history of changes and the open watches. Its
// methods with "Locked" need mu held; handlers hold it across a whole
// read-modify-write so that conflicts are decided atomically.
type store struct {
	mu        sync.Mutex
	rv        int64
	objs      map[string]map[string]*stored // group/resource -> namespace/name -> object
	history   []event
	maxHist   int
	compacted int64 // the newest forgotten resourceVersion: older ones answer 410
	watchers  map[*watcher]struct{}
}

func newStore(history int) *store {
	if history <= 0 {
		history = DefaultHistory
	}
	return &store{objs: map[string]map[string]*stored{}, maxHist: history, watchers: map[*watcher]struct{}{}}
}

func objKey(ns, name string) string { return ns + "/" + name }

func (s *store) getLocked(gr, key string) *stored { return s.objs[gr][key] }

// commitLocked stores o (nil deletes the object at key) as the next
// resourceVersion, records the event and tells the watches.
func (s *store) commitLocked(typ, gr, key string, o obj) *stored {
	s.rv++
	prev := s.objs[gr][key]
	var st *stored
	if o != nil && typ != "DELETED" {
		meta(o)["resourceVersion"] = strconv.FormatInt(s.rv, 10)
		raw, err := json.Marshal(o)
		if err != nil { // cannot happen for decoded JSON
			raw = []byte("{}")
		}
		st = &stored{o: o, raw: raw, rv: s.rv}
	}
	m := s.objs[gr]
	if m == nil {
		m = map[string]*stored{}
		s.objs[gr] = m
	}
	ev := event{typ: typ, rv: s.rv, gr: gr, key: key, obj: st, prev: prev}
	if typ == "DELETED" {
		delete(m, key)
		last := o
		if last == nil {
			last = copyObj(prev.o)
		}
		meta(last)["resourceVersion"] = strconv.FormatInt(s.rv, 10)
		raw, _ := json.Marshal(last)
		ev.obj = &stored{o: last, raw: raw, rv: s.rv}
		st = ev.obj
	} else {
		m[key] = st
	}
	s.history = append(s.history, ev)
	if over := len(s.history) - s.maxHist; over > 0 {
		s.compacted = s.history[over-1].rv
		s.history = slices.Delete(s.history, 0, over)
	}
	for w := range s.watchers {
		if w.gr != gr {
			continue
		}
		select {
		case w.ch <- ev:
		default: // too slow: end the watch, as the real server does
			w.overflow()
			delete(s.watchers, w)
		}
	}
	return st
}

// compactLocked forgets the history: watches and continued lists from any
// resourceVersion handed out so far answer 410 Gone.
func (s *store) compactLocked() {
	// the compaction takes a resourceVersion of its own, so that every
	// resourceVersion handed out before is older than the history
	s.rv++
	s.compacted = s.rv
	s.history = nil
}

// snapshotLocked returns the objects of gr as of resourceVersion rv (0 for
// now), sorted by namespace and name, or false if rv is older than the
// retained history.
func (s *store) snapshotLocked(gr string, rv int64) ([]*stored, []string, bool) {
	cur := s.objs[gr]
	if rv != 0 && rv < s.rv {
		if rv < s.compacted {
			return nil, nil, false
		}
		old := make(map[string]*stored, len(cur))
		for k, v := range cur {
			old[k] = v
		}
		for i := len(s.history) - 1; i >= 0 && s.history[i].rv > rv; i-- {
			ev := s.history[i]
			if ev.gr != gr {
				continue
			}
			if ev.prev == nil {
				delete(old, ev.key)
			} else {
				old[ev.key] = ev.prev
			}
		}
		cur = old
	}
	keys := make([]string, 0, len(cur))
	for k := range cur {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, cmp.Compare)
	out := make([]*stored, len(keys))
	for i, k := range keys {
		out[i] = cur[k]
	}
	return out, keys, true
}

// eventsSinceLocked returns the events of gr after rv, or false if rv is
// older than the retained history.
func (s *store) eventsSinceLocked(gr string, rv int64) ([]event, bool) {
	if rv < s.compacted {
		return nil, false
	}
	i, _ := slices.BinarySearchFunc(s.history, rv+1, func(e event, t int64) int { return cmp.Compare(e.rv, t) })
	var out []event
	for _, ev := range s.history[i:] {
		if ev.gr == gr {
			out = append(out, ev)
		}
	}
	return out, true
}
