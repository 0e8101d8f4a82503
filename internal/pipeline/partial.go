package pipeline

import (
	"bufio"
	"bytes"
	"encoding/gob"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/seccheck/seccheck/results"
	"github.com/seccheck/seccheck/specs"
)

// partialMagic starts every partial file; the number after "v" is the envelope version.
const partialMagic = "seccheck.partial/v1\n"

// Partial is one shard's raw, mergeable result: the aggregator's own encoding (HDR histograms,
// counters, capped exemplars, timeline) plus what merging needs to judge the whole again (the
// spec's thresholds, the phases as this shard ran them).
type Partial struct {
	SpecHash      string
	Name          string
	Shard, Shards int
	Seed          int64
	// StartAt (the --start-at instant, zero without it) and Scale (--duration-scale) identify the
	// run with the spec hash and seed: parts that differ in any of them are not one run (a
	// leftover part of an earlier run of the same spec, say).
	StartAt            time.Time
	Scale              float64
	Thresholds         specs.Thresholds
	EndpointThresholds []*specs.Thresholds
	Phases             []results.Phase
	Stopped            string
	Duration           time.Duration
	Aggregate          []byte // results.Aggregator.MarshalBinary
}

// NewPartial captures a finished run as a Partial.
func NewPartial(out *Outcome, opts Options, spec *specs.Spec) (*Partial, error) {
	p := &Partial{
		SpecHash: spec.Hash, Name: spec.Name, Shard: opts.Shard, Shards: opts.Shards, Seed: opts.Seed,
		StartAt: opts.StartAt.UTC(), Scale: opts.DurationScale, Thresholds: spec.Thresholds,
	}
	if p.Scale <= 0 {
		p.Scale = 1
	}
	if p.Shards < 1 {
		p.Shards = 1
	}
	p.EndpointThresholds = endpointThresholds(spec)
	if out.Report != nil {
		p.Phases = out.Report.Phases
		if out.Report.Partial {
			p.Stopped = out.Report.PartialWhy
		}
	}
	if out.Info != nil {
		p.Duration = out.Info.Duration
	}
	b, err := out.Aggregator.MarshalBinary()
	if err != nil {
		return nil, err
	}
	p.Aggregate = b
	return p, nil
}

// Write encodes the partial: the magic line, then gob.
func (p *Partial) Write(w io.Writer) error {
	if _, err := io.WriteString(w, partialMagic); err != nil {
		return err
	}
	// gob cannot encode a nil element of a slice ("encodeArray: nil element"), and an endpoint
	// without thresholds of its own has a nil entry. An empty set judges nothing, as nil does,
	// so it travels as one.
	wire := *p
	if slices.Contains(p.EndpointThresholds, nil) {
		wire.EndpointThresholds = make([]*specs.Thresholds, len(p.EndpointThresholds))
		for i, th := range p.EndpointThresholds {
			if th == nil {
				th = &specs.Thresholds{}
			}
			wire.EndpointThresholds[i] = th
		}
	}
	return gob.NewEncoder(w).Encode(&wire)
}

// ReadPartial decodes a partial file.
func ReadPartial(path string) (*Partial, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	head := make([]byte, len(partialMagic))
	if _, err := io.ReadFull(r, head); err != nil || !bytes.Equal(head, []byte(partialMagic)) {
		return nil, fmt.Errorf("%s: not a seccheck partial (written with --out partial=PATH)", path)
	}
	var p Partial
	if err := gob.NewDecoder(r).Decode(&p); err != nil {
		return nil, fmt.Errorf("%s: corrupt partial: %v", path, err)
	}
	return &p, nil
}

// Merge combines shard partials into one outcome with a report judged over the whole.
// It refuses parts of different specs or runs and duplicated shard indexes before decoding any.
func Merge(paths []string, parts []*Partial) (*Outcome, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("nothing to merge")
	}
	first := parts[0]
	seen := map[int]string{}
	var aggs []*results.Aggregator
	for i, p := range parts {
		if p.SpecHash != first.SpecHash {
			return nil, fmt.Errorf("%s and %s come from different specs (spec hash %.12s vs %.12s): merge only the parts of one run", paths[0], paths[i], first.SpecHash, p.SpecHash)
		}
		if !p.StartAt.Equal(first.StartAt) || p.Seed != first.Seed || p.Scale != first.Scale {
			return nil, fmt.Errorf("%s and %s are parts of different runs of this spec (%s vs %s): merge only the parts of one run, started with the same --start-at, --seed and --duration-scale", paths[0], paths[i], runID(first), runID(p))
		}
		if p.Shards != first.Shards {
			return nil, fmt.Errorf("%s says %d shards, %s says %d: merge only the parts of one run", paths[0], first.Shards, paths[i], p.Shards)
		}
		if prev, dup := seen[p.Shard]; dup {
			return nil, fmt.Errorf("%s and %s are both shard %d of %d", prev, paths[i], p.Shard, p.Shards)
		}
		seen[p.Shard] = paths[i]
	}
	// Only parts of one run get this far: decode them.
	for i, p := range parts {
		agg, err := results.UnmarshalAggregator(p.Aggregate)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", paths[i], err)
		}
		aggs = append(aggs, agg)
	}
	merged, err := results.MergeParts(aggs...)
	if err != nil {
		return nil, err
	}
	ro := results.ReportOptions{
		Thresholds: first.Thresholds, EndpointThresholds: first.EndpointThresholds,
		Command: "merge", Seed: first.Seed, Phases: mergePhases(parts),
	}
	var why []string
	for _, p := range parts {
		if p.Duration > ro.Duration {
			ro.Duration = p.Duration
		}
		if p.Stopped != "" {
			why = append(why, fmt.Sprintf("shard %d: %s", p.Shard, p.Stopped))
		}
	}
	// Missing shards are named by the report itself ("merged 2 of 3 shards (missing 1)").
	if len(why) > 0 {
		ro.Partial = true
		ro.PartialWhy = joinWhy(why)
	}
	rep := merged.Report(ro)
	rep.Shards = first.Shards
	return &Outcome{Aggregator: merged, Report: rep}, nil
}

// runID describes what identifies a run besides its spec, for error messages.
func runID(p *Partial) string {
	start := "no --start-at"
	if !p.StartAt.IsZero() {
		start = "start " + p.StartAt.Format(time.RFC3339)
	}
	return fmt.Sprintf("%s, seed %d, scale %g", start, p.Seed, p.Scale)
}

func joinWhy(why []string) string {
	var b bytes.Buffer
	for i, w := range why {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(w)
	}
	return b.String()
}

// mergePhases adds the shards' per-phase counts: requested and sent add up, and so do the
// achieved rates (the shards ran side by side).
func mergePhases(parts []*Partial) []results.Phase {
	var out []results.Phase
	for _, p := range parts {
		for i, ph := range p.Phases {
			if i >= len(out) {
				out = append(out, ph)
				continue
			}
			o := &out[i]
			o.Requested += ph.Requested
			o.Sent += ph.Sent
			o.AchievedRate += ph.AchievedRate
			o.Rate += ph.Rate
			o.RampTo += ph.RampTo
			o.Concurrency += ph.Concurrency
			o.Lagging = o.Lagging || ph.Lagging
		}
	}
	return out
}
