package kubefake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// watcher is one open watch.
type watcher struct {
	gr   string
	path string
	ch   chan event
	bm   chan struct{} // a bookmark is asked for
	end  chan struct{} // closed to end the watch
	once sync.Once
	// how to end: "" (just end), "truncate" (half a frame first), "gone" (an ERROR 410 event first)
	mu  sync.Mutex
	how string
}

func (w *watcher) stop(how string) {
	w.once.Do(func() {
		w.mu.Lock()
		w.how = w.how + how
		w.mu.Unlock()
		close(w.end)
	})
}

func (w *watcher) overflow() { w.stop("") }

// watchBuffer is how many events a watch may lag behind before the server
// ends it, as the real server ends watchers that do not keep up.
const watchBuffer = 1024

func (s *Server) watch(w http.ResponseWriter, req *request) {
	f, st := s.parseFilter(req)
	if st != nil {
		writeStatus(w, st)
		return
	}
	q := req.query
	initial := q.Get("sendInitialEvents") == "true"
	bookmarks := q.Get("allowWatchBookmarks") == "true"
	rvMatch := q.Get("resourceVersionMatch")
	if initial && rvMatch != "NotOlderThan" || !initial && rvMatch != "" {
		writeStatus(w, errUnprocessable(fmt.Sprintf("ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan (got sendInitialEvents=%v, resourceVersionMatch=%q)", initial, rvMatch)))
		return
	}
	if initial && !bookmarks {
		writeStatus(w, errUnprocessable("ListOptions.meta.k8s.io \"\" is invalid: allowWatchBookmarks: Required value: allowWatchBookmarks must be set to true when sendInitialEvents is set"))
		return
	}
	var timeout time.Duration
	if t := q.Get("timeoutSeconds"); t != "" {
		n, err := strconv.ParseInt(t, 10, 64)
		if err != nil || n < 0 {
			writeStatus(w, errBadRequest("invalid timeoutSeconds %q", t))
			return
		}
		timeout = time.Duration(min(n, 1<<30)) * time.Second
	}
	rvText := q.Get("resourceVersion")
	var from int64
	if rvText != "" && rvText != "0" {
		n, err := strconv.ParseInt(rvText, 10, 64)
		if err != nil || n < 0 {
			writeStatus(w, errBadRequest("invalid resource version %q", rvText))
			return
		}
		from = n
	}
	wt := &watcher{gr: req.res.GroupResource(), path: req.path, ch: make(chan event, watchBuffer), bm: make(chan struct{}, 1), end: make(chan struct{})}
	var (
		frames []event
		gone   bool
		last   int64
	)
	s.st.mu.Lock()
	if from != 0 && !initial {
		evs, ok := s.st.eventsSinceLocked(wt.gr, from)
		frames, gone = evs, !ok
		last = max(from, s.st.rv)
	} else {
		objs, _, _ := s.st.snapshotLocked(wt.gr, 0)
		for _, o := range objs {
			frames = append(frames, event{typ: "ADDED", obj: o, rv: o.rv})
		}
		last = s.st.rv
	}
	if !gone {
		s.st.watchers[wt] = struct{}{}
	}
	current := s.st.rv
	s.st.mu.Unlock()
	defer func() {
		s.st.mu.Lock()
		delete(s.st.watchers, wt)
		s.st.mu.Unlock()
	}()
	fault := s.faults.watchFault(req)
	s.watchersMu.Lock()
	s.open[wt] = req
	s.watchersMu.Unlock()
	defer func() {
		s.watchersMu.Lock()
		delete(s.open, wt)
		s.watchersMu.Unlock()
	}()

	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Transfer-Encoding", "chunked")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	flush := func() {
		if flusher != nil {
			flusher.Flush()
		}
	}
	sent := 0
	// write sends one frame; false ends the watch
	write := func(typ string, raw []byte) bool {
		if fault != nil && fault.afterEvents >= 0 && sent >= fault.afterEvents {
			if fault.kind == faultTruncate {
				frame := frameOf(typ, raw)
				_, _ = w.Write(frame[:len(frame)/2])
			}
			if fault.kind == faultGoneInStream {
				_, _ = w.Write(goneFrame(from, current))
			}
			flush()
			return false
		}
		if _, err := w.Write(frameOf(typ, raw)); err != nil {
			return false
		}
		flush()
		sent++
		return true
	}
	if gone {
		_, _ = w.Write(goneFrame(from, current))
		flush()
		return
	}
	flush()
	for _, ev := range frames {
		typ, ok := f.translate(ev)
		if !ok {
			continue
		}
		if !write(typ, ev.obj.raw) {
			return
		}
	}
	bookmark := func(annotate bool) bool {
		m := map[string]any{"resourceVersion": strconv.FormatInt(last, 10)}
		if annotate {
			m["annotations"] = map[string]any{"k8s.io/initial-events-end": "true"}
		}
		raw, _ := json.Marshal(map[string]any{"kind": req.res.Kind, "apiVersion": req.res.APIVersion(), "metadata": m})
		return write("BOOKMARK", raw)
	}
	if initial && !bookmark(true) {
		return
	}
	var tick <-chan time.Time
	if s.opts.BookmarkInterval > 0 && bookmarks {
		t := time.NewTicker(s.opts.BookmarkInterval)
		defer t.Stop()
		tick = t.C
	}
	var deadline <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		deadline = t.C
	}
	ctx := req.r.Context()
	for {
		select {
		case ev := <-wt.ch:
			if ev.rv <= last {
				continue // already sent from the history
			}
			last = ev.rv
			typ, ok := f.translate(ev)
			if !ok {
				continue
			}
			if !write(typ, ev.obj.raw) {
				return
			}
		case <-wt.bm:
			if bookmarks && !bookmark(false) {
				return
			}
		case <-tick:
			if !bookmark(false) {
				return
			}
		case <-wt.end:
			wt.mu.Lock()
			how := wt.how
			wt.mu.Unlock()
			switch how {
			case "truncate":
				_, _ = w.Write([]byte(`{"type":"MODIFIED","object":{"kind":`))
			case "gone":
				_, _ = w.Write(goneFrame(last, last))
			}
			flush()
			return
		case <-deadline:
			return
		case <-ctx.Done():
			return
		case <-s.done:
			return
		}
	}
}

func frameOf(typ string, raw []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(raw) + 32)
	b.WriteString(`{"type":"`)
	b.WriteString(typ)
	b.WriteString(`","object":`)
	b.Write(raw)
	b.WriteString("}\n")
	return b.Bytes()
}

func goneFrame(from, current int64) []byte {
	st := errGone(fmt.Sprintf("too old resource version: %d (%d)", from, current))
	raw, _ := json.Marshal(st.object())
	return frameOf("ERROR", raw)
}

// translate maps a stored change to the event a watch with f sees: a
// change into the selection is ADDED, out of it DELETED.
func (f *filter) translate(ev event) (string, bool) {
	now := ev.obj != nil && f.matches(ev.obj.o)
	switch ev.typ {
	case "ADDED":
		return "ADDED", now
	case "DELETED":
		return "DELETED", now
	}
	before := ev.prev != nil && f.matches(ev.prev.o)
	switch {
	case before && now:
		return "MODIFIED", true
	case now:
		return "ADDED", true
	case before:
		return "DELETED", true
	}
	return "", false
}

// Bookmark asks every open watch that allows bookmarks to send one now,
// with the newest resourceVersion it has seen.
func (s *Server) Bookmark() {
	s.watchersMu.Lock()
	defer s.watchersMu.Unlock()
	for w := range s.open {
		select {
		case w.bm <- struct{}{}:
		default:
		}
	}
}

// Watches returns the number of open watches.
func (s *Server) Watches() int {
	s.watchersMu.Lock()
	defer s.watchersMu.Unlock()
	return len(s.open)
}
