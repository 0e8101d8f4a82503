package results

import (
	"errors"
	"fmt"
	"slices"
)

// Merge folds o into a, so that a equals one aggregator fed both streams (invariant 3):
// counters add, HDR histograms merge (exactly: same geometry), timeline rows add second by
// second (each aggregator's seconds count from its own Meta.Start; shards of a run share it),
// findings keep the smaller first_at and the capped, deterministic subset of exemplars (the
// smallest under their total order). o is not changed and shares nothing mutable with a
// afterwards. Merge refuses aggregators of different specs: another spec hash or endpoint list.
func (a *Aggregator) Merge(o *Aggregator) error {
	if a == o {
		return errors.New("results: cannot merge an aggregator with itself")
	}
	if err := a.compatible(o); err != nil {
		return err
	}
	for i, e := range a.eps {
		oe := o.eps[i]
		e.add(oe)
		for j, b := range e.required {
			ob := oe.required[j]
			b.ok += ob.ok
			b.missing += ob.missing
			for _, sc := range ob.byStatus {
				b.byStatus = addStatus(b.byStatus, sc.Status, sc.Count)
			}
			b.okExemplars = mergeSmallest(b.okExemplars, ob.okExemplars, bypassOKExemplars, (*exemplar).compare)
			b.errExemplars = mergeSmallest(b.errExemplars, ob.errExemplars, bypassErrExemplars, (*exemplar).compare)
		}
	}
	if len(o.timeline) > len(a.timeline) {
		a.timeline = slices.Grow(a.timeline, len(o.timeline)-len(a.timeline))
		a.timeline = a.timeline[:len(o.timeline)]
	}
	for i := range o.timeline {
		r, or := &a.timeline[i], &o.timeline[i]
		r.requests += or.requests
		r.status5xx += or.status5xx
		r.errors += or.errors
		switch {
		case or.latency == nil:
		case r.latency == nil:
			r.latency = or.latency.Clone()
		default:
			r.latency.Merge(or.latency)
		}
	}
	for k, of := range o.findings {
		f := a.findings[k]
		if f == nil {
			f = &finding{key: k, severity: of.severity, firstAt: of.firstAt, message: of.message}
			a.findings[k] = f
		} else {
			f.observe(of.severity, of.firstAt, of.message)
		}
		f.count += of.count
		for _, sc := range of.byStatus {
			f.byStatus = addStatus(f.byStatus, sc.Status, sc.Count)
		}
		f.exemplars = mergeSmallest(f.exemplars, of.exemplars, maxExemplars, (*exemplar).compare)
	}
	if o.samples > 0 {
		if a.samples == 0 || o.minAt < a.minAt {
			a.minAt = o.minAt
		}
		a.samples += o.samples
		a.maxAt = max(a.maxAt, o.maxAt)
		a.maxEnd = max(a.maxEnd, o.maxEnd)
	}
	if !o.meta.Start.IsZero() && (a.meta.Start.IsZero() || o.meta.Start.Before(a.meta.Start)) {
		a.meta.Start = o.meta.Start
	}
	for _, s := range o.shards {
		if i, found := slices.BinarySearch(a.shards, s); !found {
			a.shards = slices.Insert(a.shards, i, s)
		}
	}
	a.refreshLive()
	return nil
}

// compatible reports why a and o cannot merge, or nil.
func (a *Aggregator) compatible(o *Aggregator) error {
	if a.meta.SpecHash != o.meta.SpecHash {
		return fmt.Errorf("results: cannot merge results of different specs (spec hash %s vs %s): run every shard with the same spec file",
			short(a.meta.SpecHash), short(o.meta.SpecHash))
	}
	if len(a.meta.Endpoints) != len(o.meta.Endpoints) {
		return fmt.Errorf("results: cannot merge results with %d and %d endpoints: run every shard with the same spec file",
			len(a.meta.Endpoints), len(o.meta.Endpoints))
	}
	for i := range a.meta.Endpoints {
		if !a.meta.Endpoints[i].equal(o.meta.Endpoints[i]) {
			return fmt.Errorf("results: cannot merge results whose endpoint %d differs (%q %s %s vs %q %s %s): run every shard with the same spec file",
				i, a.meta.Endpoints[i].Name, a.meta.Endpoints[i].Method, a.meta.Endpoints[i].Path,
				o.meta.Endpoints[i].Name, o.meta.Endpoints[i].Method, o.meta.Endpoints[i].Path)
		}
	}
	return nil
}

func short(hash string) string {
	if hash == "" {
		return `""`
	}
	if len(hash) > 12 {
		return hash[:12]
	}
	return hash
}

// MergeParts merges the partial results of a sharded run (issue 8) into a new aggregator; the
// parts are not changed. Every part must come from the same spec (hash and endpoints) and carry
// a distinct shard index; a part of an unsharded run (Meta.Shards ≤ 1) is shard 0. The report of
// the result is marked partial when shards are missing.
func MergeParts(parts ...*Aggregator) (*Aggregator, error) {
	if len(parts) == 0 {
		return nil, errors.New("results: no partial results to merge")
	}
	seen := map[int]int{} // shard index -> position in parts
	for i, p := range parts {
		if i > 0 && p.meta.SpecHash != parts[0].meta.SpecHash {
			return nil, fmt.Errorf("results: part %d has spec hash %s, part 1 has %s: all shards must run the same spec file",
				i+1, short(p.meta.SpecHash), short(parts[0].meta.SpecHash))
		}
		if i > 0 && max(p.meta.Shards, 1) != max(parts[0].meta.Shards, 1) {
			return nil, fmt.Errorf("results: part %d is one of %d shards, part 1 one of %d: merge the parts of one run",
				i+1, max(p.meta.Shards, 1), max(parts[0].meta.Shards, 1))
		}
		for _, s := range p.shards {
			if j, dup := seen[s]; dup {
				return nil, fmt.Errorf("results: parts %d and %d both hold shard %d: each shard may be merged once", j+1, i+1, s)
			}
			seen[s] = i
		}
	}
	meta := parts[0].meta
	meta.Redactor = nil
	out := NewAggregator(meta)
	out.shards = nil
	out.merged = true
	for _, p := range parts {
		if err := out.Merge(p); err != nil {
			return nil, err
		}
	}
	out.meta.Shard = 0
	if len(out.shards) > 0 {
		out.meta.Shard = out.shards[0]
	}
	return out, nil
}

// missingShards lists the shard indexes of a sharded run not folded into a.
func (a *Aggregator) missingShards() []int {
	var missing []int
	for s := 0; s < a.meta.Shards; s++ {
		if _, found := slices.BinarySearch(a.shards, s); !found {
			missing = append(missing, s)
		}
	}
	return missing
}
