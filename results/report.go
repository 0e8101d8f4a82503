// Package results aggregates checked responses as a stream into bounded, mergeable aggregates
// (counters, HDR latency histograms, capped exemplars, a per-second timeline), finds
// cross-response defects such as header.bypass_on_error, judges thresholds and builds the
// versioned report model that every renderer draws from.
package results

// SchemaV1 is the value of Report.Schema.
const SchemaV1 = "seccheck.report/v1"

// Report is report v1, the JSON contract of DESIGN.md. Fields may be added, never renamed.
type Report struct {
	Schema     string      `json:"schema"`
	Name       string      `json:"name"`
	Verdict    string      `json:"verdict"` // "pass" | "fail"
	Partial    bool        `json:"partial"`
	PartialWhy string      `json:"partial_reason,omitempty"` // "interrupted", "aborted: rate_5xx > 50% after 200", …
	StartedAt  string      `json:"started_at"`               // RFC 3339
	DurationS  float64     `json:"duration_s"`
	Command    string      `json:"command,omitempty"` // run | check | demo | merge
	Seed       int64       `json:"seed"`
	Totals     Stats       `json:"totals"`
	Endpoints  []Endpoint  `json:"endpoints"`
	Findings   []Finding   `json:"findings"`
	Thresholds []Threshold `json:"thresholds"`
	Timeline   []Second    `json:"timeline"`
	Phases     []Phase     `json:"phases,omitempty"`
	SpecHash   string      `json:"spec_hash,omitempty"`
	Shards     int         `json:"shards,omitempty"`
}

// Stats are the counters of the whole run or of one endpoint.
type Stats struct {
	Requests   uint64            `json:"requests"`
	RPS        float64           `json:"rps"`
	Status     map[string]uint64 `json:"status"` // "200": n; transport errors are not here
	Status2xx  uint64            `json:"status_2xx"`
	Status3xx  uint64            `json:"status_3xx"`
	Status4xx  uint64            `json:"status_4xx"`
	Status5xx  uint64            `json:"status_5xx"`
	Rate5xx    float64           `json:"rate_5xx"` // fraction of requests, 0..1
	Errors     uint64            `json:"errors"`   // transport failures
	RateErrors float64           `json:"rate_errors"`
	ErrorKinds map[string]uint64 `json:"error_kinds,omitempty"` // timeout, refused, reset, tls, other
	Latency    Latency           `json:"latency_ms"`            // from intended send time
	Service    Latency           `json:"service_ms"`            // from actual send time
	Violations uint64            `json:"violations"`            // responses' violations, all rules
	BytesIn    uint64            `json:"bytes_in"`
	BytesOut   uint64            `json:"bytes_out"`
	// ErrorSamples are redacted transport-error texts: per kind, the (at most 3) earliest.
	ErrorSamples []ErrorSample `json:"error_samples,omitempty"`
}

// ErrorSample is one redacted transport error.
type ErrorSample struct {
	Kind string  `json:"kind"` // timeout, refused, reset, tls, other
	Text string  `json:"text"`
	AtS  float64 `json:"at_s"`
}

// Latency percentiles in milliseconds.
type Latency struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

// Endpoint is one endpoint's stats.
type Endpoint struct {
	Name   string `json:"name"`
	Method string `json:"method"`
	Path   string `json:"path"`
	Stats
}

// Finding is one rule failing on one endpoint (and header or kind), with counts and exemplars.
type Finding struct {
	Rule      string            `json:"rule"`
	Severity  string            `json:"severity"`
	Endpoint  string            `json:"endpoint"`
	Header    string            `json:"header,omitempty"`
	Kind      string            `json:"kind,omitempty"`
	Count     uint64            `json:"count"`
	ByStatus  map[string]uint64 `json:"by_status"`
	FirstAtS  float64           `json:"first_at_s"`
	Message   string            `json:"message"`
	Exemplars []Exemplar        `json:"exemplars"`
}

// Exemplar is one redacted response that showed a finding.
type Exemplar struct {
	Status      int               `json:"status"`
	Method      string            `json:"method"`
	URL         string            `json:"url"`
	Headers     map[string]string `json:"headers"`
	BodyExcerpt string            `json:"body_excerpt"`
	AtS         float64           `json:"at_s"`
}

// Threshold is one judged threshold.
type Threshold struct {
	Name     string  `json:"name"`               // rate_5xx, latency_p99, …
	Endpoint string  `json:"endpoint,omitempty"` // "" for the whole run
	Limit    string  `json:"limit"`              // as written: "<= 0.1%"
	Observed float64 `json:"observed"`           // fraction for rates, ms for latency, count for violations
	Pass     bool    `json:"pass"`
}

// Second is one timeline row.
type Second struct {
	T         int     `json:"t_s"`
	Requests  uint64  `json:"requests"`
	Status5xx uint64  `json:"status_5xx"`
	Errors    uint64  `json:"errors"`
	P50       float64 `json:"p50_ms"`
	P95       float64 `json:"p95_ms"`
	P99       float64 `json:"p99_ms"`
}

// Phase records what a load phase asked for and what it achieved.
type Phase struct {
	Index        int     `json:"index"`
	Model        string  `json:"model"` // "open" | "closed"
	StartS       float64 `json:"start_s"`
	DurationS    float64 `json:"duration_s"`
	Rate         float64 `json:"rate,omitempty"`
	RampTo       float64 `json:"ramp_to,omitempty"`
	Concurrency  int     `json:"concurrency,omitempty"`
	Requested    uint64  `json:"requested"` // hits the schedule asked for (open model)
	Sent         uint64  `json:"sent"`
	AchievedRate float64 `json:"achieved_rate"`
	Lagging      bool    `json:"lagging"` // achieved < 95% of requested
}
