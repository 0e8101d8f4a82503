// Package specs holds the Go types of spec v1 (see DESIGN.md), the strict decoder that reports
// every error with FILE:LINE:COL, defaults, ${ENV} interpolation, presets and the JSON Schema.
// It sends no traffic and imports neither attack nor results.
package specs

import "time"

// Spec is a decoded, defaulted and validated spec v1. Field names are the public contract.
type Spec struct {
	Version    int        `yaml:"version" json:"version" jsonschema:"required,enum=1"`
	Name       string     `yaml:"name" json:"name"`
	Target     Target     `yaml:"target" json:"target" jsonschema:"required"`
	Auth       *Auth      `yaml:"auth,omitempty" json:"auth,omitempty" secret:"all"`
	Endpoints  []Endpoint `yaml:"endpoints" json:"endpoints" jsonschema:"required,minItems=1"`
	Load       LoadPlan   `yaml:"load" json:"load"`
	Checks     Checks     `yaml:"checks" json:"checks"`
	Thresholds Thresholds `yaml:"thresholds" json:"thresholds"`

	// Filled by the loader, not part of the YAML.
	File string `yaml:"-" json:"-"` // path as given
	Dir  string `yaml:"-" json:"-"` // relative paths (ca_file, body_file) resolve here
	Hash string `yaml:"-" json:"-"` // sha256 of the file bytes (before interpolation), hex
	// Secrets are the values to redact from every output: each value substituted from ${ENV} into
	// target.headers, an endpoint's headers, body or body_file content; every value of an auth
	// block (bearer token, basic user and password, header value — not the header's name); and
	// base64(user:password) of each basic block. See Redactor.
	Secrets []string `yaml:"-" json:"-"`

	redactor *Redactor // built by Parse from Secrets
}

// Target is where traffic goes and how it is sent.
type Target struct {
	URL                string            `yaml:"url" json:"url" jsonschema:"required"`
	Timeout            Duration          `yaml:"timeout" json:"timeout"` // default 10s
	HTTP2              bool              `yaml:"http2" json:"http2"`
	InsecureSkipVerify bool              `yaml:"insecure_skip_verify" json:"insecure_skip_verify"`
	CAFile             string            `yaml:"ca_file" json:"ca_file"`         // resolved against Spec.Dir
	ClientCert         string            `yaml:"client_cert" json:"client_cert"` // resolved against Spec.Dir
	ClientKey          string            `yaml:"client_key" json:"client_key"`   // resolved against Spec.Dir
	Headers            map[string]string `yaml:"headers" json:"headers" secret:"env" check:"headers"`
	MaxBody            Size              `yaml:"max_body" json:"max_body"` // default 1MiB
	// FollowRedirects lets seccheck follow redirects to the same host (default false: a 3xx is a
	// response to check). Redirects to another host are never followed.
	FollowRedirects bool `yaml:"follow_redirects" json:"follow_redirects"`
}

// Auth is one set of credentials. Exactly one of Bearer, Basic, Header is set, or None.
// In YAML an endpoint may write `auth: none` (None = true).
type Auth struct {
	None   bool        `yaml:"-" json:"-"`
	Bearer string      `yaml:"bearer,omitempty" json:"bearer,omitempty"`
	Basic  *BasicAuth  `yaml:"basic,omitempty" json:"basic,omitempty"`
	Header *HeaderAuth `yaml:"header,omitempty" json:"header,omitempty"`
}

// BasicAuth is HTTP basic credentials.
type BasicAuth struct {
	User     string `yaml:"user" json:"user"`
	Password string `yaml:"password" json:"password"`
}

// HeaderAuth sends a credential in a header of its own (X-API-Key: …).
type HeaderAuth struct {
	Name  string `yaml:"name" json:"name" secret:"no"` // a header name, not a credential
	Value string `yaml:"value" json:"value"`
}

// Endpoint is one request shape.
type Endpoint struct {
	Name     string            `yaml:"name" json:"name"`                       // default "METHOD path"
	Method   string            `yaml:"method" json:"method"`                   // default GET
	Path     string            `yaml:"path" json:"path" jsonschema:"required"` // starts with "/"
	Weight   int               `yaml:"weight" json:"weight"`                   // default 1
	Headers  map[string]string `yaml:"headers" json:"headers" secret:"env" check:"headers"`
	Body     string            `yaml:"body" json:"body" secret:"env"`
	BodyFile string            `yaml:"body_file" json:"body_file"`                        // resolved against Spec.Dir; loaded into Body by the loader
	Auth     *Auth             `yaml:"auth,omitempty" json:"auth,omitempty" secret:"all"` // nil: inherit Spec.Auth
	Expect   Expect            `yaml:"expect" json:"expect"`
	// Checks as written for this endpoint (merged over the global ones by the loader into Effective).
	Checks     *Checks     `yaml:"checks,omitempty" json:"checks,omitempty"`
	Thresholds *Thresholds `yaml:"thresholds,omitempty" json:"thresholds,omitempty"`

	// Effective is preset ⊕ global checks ⊕ endpoint checks, filled by the loader.
	Effective Checks `yaml:"-" json:"-"`
}

// Credentials returns the auth that applies to the endpoint (nil when none).
func (e *Endpoint) Credentials(global *Auth) *Auth {
	a := e.Auth
	if a == nil {
		a = global
	}
	if a == nil || a.None {
		return nil
	}
	return a
}

// Expect holds per-endpoint expectations.
type Expect struct {
	Status []StatusMatcher `yaml:"status" json:"status"` // empty: any status allowed
}

// StatusMatcher is an exact code (Code > 0) or a class like "2xx" (Class 1..5).
type StatusMatcher struct {
	Code  int
	Class int
}

// Match reports whether status satisfies the matcher.
func (m StatusMatcher) Match(status int) bool {
	if m.Code != 0 {
		return status == m.Code
	}
	return status/100 == m.Class
}

// LoadPlan is the traffic plan (the spec's `load` block). It is not called Load: that is the
// function that reads a spec file.
type LoadPlan struct {
	Phases     []Phase    `yaml:"phases" json:"phases"`
	MaxWorkers int        `yaml:"max_workers" json:"max_workers"` // default 1024
	AbortWhen  *AbortRule `yaml:"abort_when,omitempty" json:"abort_when,omitempty"`
}

// Phase is one step of the plan: open model (Rate, optional RampTo) or closed (Concurrency).
type Phase struct {
	Duration    Duration `yaml:"duration" json:"duration"`
	Rate        float64  `yaml:"rate" json:"rate"`
	RampTo      float64  `yaml:"ramp_to" json:"ramp_to"`
	Concurrency int      `yaml:"concurrency" json:"concurrency"`
	// MaxRequests ends the phase after this many requests even if its duration has not passed
	// (0: no limit). It bounds a load loop by count as well as by time.
	MaxRequests int64 `yaml:"max_requests,omitempty" json:"max_requests,omitempty" check:"nonneg"`
}

// Closed reports whether the phase uses the closed model.
func (p Phase) Closed() bool { return p.Concurrency > 0 }

// AbortRule stops a run that only hammers a broken service.
type AbortRule struct {
	Rate5xx Threshold `yaml:"rate_5xx" json:"rate_5xx"`
	After   int       `yaml:"after" json:"after"` // judge only after this many responses
}

// Checks is the conformance configuration: the preset plus the spec's own rules.
type Checks struct {
	Preset  string        `yaml:"preset" json:"preset"`     // recommended | strict | none
	ApplyTo string        `yaml:"apply_to" json:"apply_to"` // all | errors
	Headers HeaderChecks  `yaml:"headers" json:"headers"`
	Body    BodyChecks    `yaml:"body" json:"body"`
	Cookies *CookieChecks `yaml:"cookies,omitempty" json:"cookies,omitempty"`
}

// HeaderChecks lists required and forbidden response headers. Require keys are header names
// (case-insensitive; the loader canonicalises them with http.CanonicalHeaderKey).
type HeaderChecks struct {
	Require map[string]HeaderRule `yaml:"require" json:"require" check:"headers"`
	Forbid  []ForbidRule          `yaml:"forbid" json:"forbid"`
	// CORS holds the cross-header CORS rules (strict sets them; recommended does not).
	CORS *CORSChecks `yaml:"cors,omitempty" json:"cors,omitempty"`
}

// CORSChecks are the rules on Access-Control-Allow-Origin and -Credentials. Unset fields do
// not constrain.
type CORSChecks struct {
	// ForbidWildcardCredentials fails a response with Access-Control-Allow-Origin: * and
	// Access-Control-Allow-Credentials: true (rule cors.wildcard_credentials).
	ForbidWildcardCredentials *bool `yaml:"forbid_wildcard_credentials,omitempty" json:"forbid_wildcard_credentials,omitempty"`
	// ProbeOrigin is a foreign origin (scheme://host[:port], e.g. https://seccheck.invalid) that
	// every request of the endpoint carries as its Origin header; a response that reflects it
	// into Access-Control-Allow-Origin fails (rule cors.origin_reflected). It is only ever sent
	// as a header value, never connected to.
	ProbeOrigin string `yaml:"probe_origin,omitempty" json:"probe_origin,omitempty"`
}

// HeaderRule constrains one header. Unset fields do not constrain. Every rule implies Present.
// Header-specific semantics (HSTS directives, CSP policies, Referrer-Policy's last known token,
// X-Frame-Options satisfied by CSP frame-ancestors) live in conformance/.
type HeaderRule struct {
	Present           *bool        `yaml:"present,omitempty" json:"present,omitempty"`
	Equals            string       `yaml:"equals,omitempty" json:"equals,omitempty"`                          // case-insensitive, trimmed
	OneOf             []string     `yaml:"one_of,omitempty" json:"one_of,omitempty"`                          // case-insensitive tokens
	Contains          string       `yaml:"contains,omitempty" json:"contains,omitempty"`                      // case-insensitive substring
	Matches           string       `yaml:"matches,omitempty" json:"matches,omitempty" check:"re2"`            // RE2
	Single            *bool        `yaml:"single,omitempty" json:"single,omitempty"`                          // repeated header is a violation
	MinMaxAge         *int64       `yaml:"min_max_age,omitempty" json:"min_max_age,omitempty" check:"nonneg"` // HSTS
	IncludeSubdomains *bool        `yaml:"include_subdomains,omitempty" json:"include_subdomains,omitempty"`  // HSTS
	Preload           *bool        `yaml:"preload,omitempty" json:"preload,omitempty"`                        // HSTS
	ForbidTokens      ForbidTokens `yaml:"forbid_tokens,omitempty" json:"forbid_tokens,omitempty"`            // CSP
	RequireDirectives []string     `yaml:"require_directives,omitempty" json:"require_directives,omitempty"`  // CSP
	// AllowInlineScript false (the preset default for CSP) fails a CSP whose effective policy allows
	// inline script. StrictSources flags '*', bare schemes and 'unsafe-eval' in script sources.
	AllowInlineScript *bool `yaml:"allow_inline_script,omitempty" json:"allow_inline_script,omitempty"`
	StrictSources     *bool `yaml:"strict_sources,omitempty" json:"strict_sources,omitempty"`
	// OnlyWithCredentials applies the rule only to responses to requests that carried credentials
	// (strict's Cache-Control: no-store).
	OnlyWithCredentials bool `yaml:"only_with_credentials,omitempty" json:"only_with_credentials,omitempty"`
}

// ForbidTokens is either a flat list (forbidden in any directive) or directive -> list.
// The flat form is stored under the key "*".
type ForbidTokens map[string][]string

// ForbidRule forbids a header by name, or only when its value matches an RE2 pattern.
// In YAML a bare string is the name.
type ForbidRule struct {
	Name    string `yaml:"name" json:"name"`
	Matches string `yaml:"matches,omitempty" json:"matches,omitempty" check:"re2"`
}

// BodyChecks configures body inspection.
type BodyChecks struct {
	Leaks  string   `yaml:"leaks" json:"leaks"`               // builtin | none
	Forbid []string `yaml:"forbid" json:"forbid" check:"re2"` // extra RE2 patterns
}

// CookieChecks constrains every Set-Cookie (deletion cookies excepted).
type CookieChecks struct {
	Secure   *bool    `yaml:"secure,omitempty" json:"secure,omitempty"`
	HTTPOnly *bool    `yaml:"http_only,omitempty" json:"http_only,omitempty"`
	SameSite []string `yaml:"same_site,omitempty" json:"same_site,omitempty"`
}

// Thresholds judge a run (globally, or one endpoint). Nil: not judged.
type Thresholds struct {
	Rate5xx    *Threshold `yaml:"rate_5xx,omitempty" json:"rate_5xx,omitempty"`
	RateErrors *Threshold `yaml:"rate_errors,omitempty" json:"rate_errors,omitempty"`
	LatencyP50 *Threshold `yaml:"latency_p50,omitempty" json:"latency_p50,omitempty"`
	LatencyP90 *Threshold `yaml:"latency_p90,omitempty" json:"latency_p90,omitempty"`
	LatencyP95 *Threshold `yaml:"latency_p95,omitempty" json:"latency_p95,omitempty"`
	LatencyP99 *Threshold `yaml:"latency_p99,omitempty" json:"latency_p99,omitempty"`
	LatencyMax *Threshold `yaml:"latency_max,omitempty" json:"latency_max,omitempty"`
	Violations *Threshold `yaml:"violations,omitempty" json:"violations,omitempty"`
}

// Threshold is a parsed expression such as "<= 0.1%", "< 800ms", "== 0".
// Value is normalised: a percentage is stored as a fraction (0.1% -> 0.001), a duration in
// milliseconds (800ms -> 800, 2s -> 2000); Unit records what was written ("%", "ms", "s", "").
type Threshold struct {
	Op    string  // one of < <= > >= == !=
	Value float64 // normalised as above
	Unit  string
	Raw   string // as written, for reports
}

// Holds reports whether observed satisfies the threshold (observed in the same normalised unit).
func (t Threshold) Holds(observed float64) bool {
	switch t.Op {
	case "<":
		return observed < t.Value
	case "<=":
		return observed <= t.Value
	case ">":
		return observed > t.Value
	case ">=":
		return observed >= t.Value
	case "==":
		return observed == t.Value
	case "!=":
		return observed != t.Value
	}
	return false
}

// Duration is a time.Duration written in Go syntax ("30s", "2m").
type Duration time.Duration

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Size is a byte count written as "512KiB", "1MiB" or plain bytes.
type Size int64

// Default values, in one place.
const (
	DefaultMethod     = "GET"
	DefaultWeight     = 1
	DefaultTimeout    = Duration(10 * time.Second)
	DefaultMaxBody    = Size(1 << 20)
	DefaultPreset     = "recommended"
	DefaultApplyTo    = "all"
	DefaultMaxWorkers = 1024
	DefaultLeaks      = "builtin"
)

// DefaultPhase is the plan of a spec whose load block has no phases: ten seconds at ten
// requests a second, enough to see sporadic failures without stressing a staging service.
var DefaultPhase = Phase{Duration: Duration(10 * time.Second), Rate: 10}
