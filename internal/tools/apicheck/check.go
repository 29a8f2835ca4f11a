package main

import (
	"fmt"
	"io"
	"maps"
	"slices"

	"golang.org/x/exp/apidiff"
)

// result is the outcome of a check against the baseline.
type result struct {
	Packages     int      // API packages checked
	Incompatible []string // apidiff messages of breaking changes
	Compatible   []string // apidiff messages of compatible changes
	Stale        []string // listing files that differ, are missing or are extra
}

// compare checks the current API cur against the baseline base.
func compare(base *baseline, cur *module) (res *result, err error) {
	listings, err := currentListings(cur)
	if err != nil {
		return nil, err
	}
	defer func() {
		// apidiff completes types lazily read from the baseline's export
		// data; a baseline that decoded but is inconsistent must still end
		// in an error.
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("comparing with the baseline failed (regenerate it with `make api-baseline`): %v", r)
		}
	}()
	report := apidiff.ModuleChanges(
		&apidiff.Module{Path: base.Module.Path, Packages: base.Module.Packages},
		&apidiff.Module{Path: cur.Path, Packages: cur.Packages},
	)
	res = &result{Packages: len(cur.Packages)}
	for _, c := range report.Changes {
		if c.Compatible {
			res.Compatible = append(res.Compatible, c.Message)
		} else {
			res.Incompatible = append(res.Incompatible, c.Message)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(listings)) {
		old, ok := base.Listings[name]
		switch {
		case !ok:
			res.Stale = append(res.Stale, name+" (missing)")
		case old != listings[name]:
			res.Stale = append(res.Stale, name+" (differs)")
		}
	}
	for _, name := range slices.Sorted(maps.Keys(base.Listings)) {
		if _, ok := listings[name]; !ok {
			res.Stale = append(res.Stale, name+" (no such package)")
		}
	}
	return res, nil
}

// print writes the report: incompatible changes with how to accept them,
// compatible ones and stale listings as a note, or that all is in order.
func (r *result) print(w io.Writer, dir string) {
	list := func(title string, items []string) {
		if len(items) == 0 {
			return
		}
		fmt.Fprintf(w, "%s\n", title)
		for _, it := range items {
			fmt.Fprintf(w, "  %s\n", it)
		}
	}
	list(fmt.Sprintf("apicheck: incompatible API changes against the baseline in %s:", dir), r.Incompatible)
	list("apicheck: compatible API changes:", r.Compatible)
	list("apicheck: API listings that do not match the code:", r.Stale)
	switch {
	case len(r.Incompatible) > 0:
		fmt.Fprintln(w, "FAIL: incompatible API change; update the baseline with `make api-baseline` in the same commit if the break is deliberate")
	case len(r.Compatible) > 0 || len(r.Stale) > 0:
		fmt.Fprintln(w, "note: baseline out of date: run make api-baseline")
	default:
		fmt.Fprintf(w, "apicheck: the API of %d packages matches the baseline\n", r.Packages)
	}
}
