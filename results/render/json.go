package render

import (
	"encoding/json"
	"io"

	"github.com/seccheck/seccheck/results"
)

// JSON renders report v1 (DESIGN.md): indented, one trailing newline, and empty lists and maps
// written as [] and {}, never null, so a consumer can iterate without a nil check.
type JSON struct{}

var _ Renderer = JSON{}

// Render writes the report as JSON. It does not modify r.
func (JSON) Render(w io.Writer, r *results.Report) error {
	if r == nil {
		return errNilReport
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(normalized(r))
}

// normalized returns a copy of r with a schema and with nil lists and maps replaced by empty
// ones. Slices that need changes are copied; r's own slices are never written.
func normalized(r *results.Report) *results.Report {
	n := *r
	if n.Schema == "" {
		n.Schema = results.SchemaV1
	}
	n.Totals = normalStats(n.Totals)
	n.Endpoints = cloneOrEmpty(n.Endpoints)
	for i := range n.Endpoints {
		n.Endpoints[i].Stats = normalStats(n.Endpoints[i].Stats)
	}
	n.Findings = cloneOrEmpty(n.Findings)
	for i := range n.Findings {
		f := &n.Findings[i]
		f.ByStatus = mapOrEmpty(f.ByStatus)
		f.Exemplars = cloneOrEmpty(f.Exemplars)
		for j := range f.Exemplars {
			f.Exemplars[j].Headers = mapOrEmpty(f.Exemplars[j].Headers)
		}
	}
	n.Thresholds = cloneOrEmpty(n.Thresholds)
	n.Timeline = cloneOrEmpty(n.Timeline)
	return &n
}

func normalStats(s results.Stats) results.Stats {
	s.Status = mapOrEmpty(s.Status)
	return s
}

func cloneOrEmpty[T any](s []T) []T {
	out := make([]T, len(s))
	copy(out, s)
	return out
}

func mapOrEmpty[K comparable, V any](m map[K]V) map[K]V {
	if m == nil {
		return map[K]V{}
	}
	return m
}
