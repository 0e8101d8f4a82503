package results

import (
	"net/http"
	"strings"
	"time"

	"github.com/seccheck/seccheck/specs"
)

// Redactor replaces secrets with "[REDACTED]". *specs.Redactor (spec.Redactor()) satisfies it;
// results depends on this small interface so that tests and other callers can bring their own.
// Bytes may return its argument when there is nothing to redact and must not modify it.
type Redactor interface {
	String(s string) string
	Bytes(b []byte) []byte
}

// Meta describes the run an Aggregator aggregates. Two aggregators merge only when their
// Endpoints and SpecHash are equal.
type Meta struct {
	Name      string
	Endpoints []EndpointMeta
	// Redactor is applied to everything an aggregator keeps from a response or a transport error
	// (URL, header names and values, body excerpts, error text). Nil redacts nothing; the nil
	// case is for tests and for aggregators decoded from partials, whose exemplars were redacted
	// when they were recorded.
	Redactor Redactor
	Start    time.Time // wall-clock start of the run; Sample.At is relative to it
	SpecHash string
	// Shard and Shards place this aggregator in a sharded run (issue 8): shard Shard of Shards.
	// Shards 0 or 1 means the run is not sharded.
	Shard, Shards int
}

// EndpointMeta is one spec endpoint as the report names it.
type EndpointMeta struct {
	Name   string
	Method string
	Path   string
	// Required lists the lower-case names of the headers the endpoint requires
	// (conformance.Checker.Required); header.bypass_on_error is judged over them.
	Required []string
}

func (e EndpointMeta) equal(o EndpointMeta) bool {
	if e.Name != o.Name || e.Method != o.Method || e.Path != o.Path || len(e.Required) != len(o.Required) {
		return false
	}
	for i := range e.Required {
		if !strings.EqualFold(e.Required[i], o.Required[i]) {
			return false
		}
	}
	return true
}

// Progress is a cheap live view of an Aggregator for progress displays.
type Progress struct {
	Requests   uint64
	Status5xx  uint64
	Errors     uint64 // transport failures
	Findings   uint64 // distinct findings so far, header.bypass_on_error included
	Violations uint64 // violations of all rules so far
	// Elapsed is the latest intended send time seen (Sample.At). In the open model it tracks the
	// wall clock since the start of the run; it is deterministic for a given stream.
	Elapsed time.Duration
}

// noRedactor is the Redactor of a Meta that has none.
type noRedactor struct{}

func (noRedactor) String(s string) string { return s }
func (noRedactor) Bytes(b []byte) []byte  { return b }

var (
	_ Redactor = noRedactor{}
	_ Redactor = (*specs.Redactor)(nil)
)

// canonicalRequired returns the canonical header keys (as http.Header stores them) of required.
func canonicalRequired(required []string) []string {
	out := make([]string, len(required))
	for i, r := range required {
		out[i] = http.CanonicalHeaderKey(r)
	}
	return out
}
