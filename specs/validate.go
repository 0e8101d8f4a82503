package specs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxBodyFile bounds what body_file may load into memory.
const maxBodyFile = 16 << 20

// Methods are the request methods an endpoint may use.
var Methods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"}

// Preset names, apply_to and leaks values.
var (
	PresetNames   = []string{"recommended", "strict", "none"}
	ApplyToValues = []string{"all", "errors"}
	LeaksValues   = []string{"builtin", "none"}
	SameSites     = []string{"Lax", "Strict", "None"}
)

// semanticf records an error found after decoding, unless decoding already reported one at the
// same place (a value that did not decode is not also "missing" or "out of range").
func (d *decoder) semanticf(n *yaml.Node, format string, args ...any) {
	if n == nil {
		n = d.root
	}
	for _, e := range d.errs {
		if e.Line == n.Line && e.Col == n.Column {
			return
		}
	}
	d.errorf(n, format, args...)
}

// validate checks what the types cannot, fills defaults and loads the files the spec names.
func (d *decoder) validate(s *Spec) {
	switch {
	case !d.has(&s.Version):
		d.semanticf(d.root, "missing version: add `version: 1`")
	case s.Version != 1:
		d.semanticf(d.at(&s.Version), "unsupported version %d: this seccheck reads version 1", s.Version)
	}
	if s.Name == "" {
		s.Name = strings.TrimSuffix(filepath.Base(s.File), filepath.Ext(s.File))
		if s.File == "" {
			s.Name = "seccheck"
		}
	}
	d.validateTarget(s)
	d.validateEndpoints(s)
	d.validateLoad(&s.Load)
	d.validateChecks(&s.Checks, "checks")
	d.validateThresholds(&s.Thresholds, "thresholds")
	if len(d.errs) == 0 {
		for i := range s.Endpoints {
			s.Endpoints[i].Effective = EffectiveChecks(s.Checks, s.Endpoints[i].Checks)
		}
	}
}

func (d *decoder) validateTarget(s *Spec) {
	t := &s.Target
	switch {
	case t.URL == "":
		d.semanticf(d.at(&t.URL, t), "target.url is required (the base URL, e.g. https://staging.example.com)")
	default:
		n := d.at(&t.URL)
		u, err := url.Parse(t.URL)
		switch {
		case err != nil:
			d.semanticf(n, "target.url: %v", errors.Unwrap(err))
		case u.Scheme != "http" && u.Scheme != "https":
			d.semanticf(n, "target.url: scheme must be http or https, got %q", u.Scheme)
		case u.Host == "":
			d.semanticf(n, "target.url: no host in %q", t.URL)
		case u.User != nil:
			d.semanticf(n, "target.url: must not hold credentials; use auth")
		case u.RawQuery != "" || u.Fragment != "":
			d.semanticf(n, "target.url: must not have a query or fragment; put queries in endpoint paths")
		default:
			t.URL = strings.TrimRight(t.URL, "/")
		}
	}
	if d.has(&t.Timeout) && t.Timeout <= 0 {
		d.semanticf(d.at(&t.Timeout), "target.timeout must be > 0")
	}
	if !d.has(&t.Timeout) {
		t.Timeout = DefaultTimeout
	}
	if !d.has(&t.MaxBody) {
		t.MaxBody = DefaultMaxBody
	}
	d.resolveFile(&t.CAFile, "target.ca_file", s.Dir)
	certOK := d.resolveFile(&t.ClientCert, "target.client_cert", s.Dir)
	keyOK := d.resolveFile(&t.ClientKey, "target.client_key", s.Dir)
	switch {
	case t.ClientCert != "" && t.ClientKey == "" && certOK:
		d.semanticf(d.keyAt(&t.ClientCert), "target.client_cert needs target.client_key (the certificate's private key)")
	case t.ClientKey != "" && t.ClientCert == "" && keyOK:
		d.semanticf(d.keyAt(&t.ClientKey), "target.client_key needs target.client_cert")
	}
}

// resolveFile makes *p absolute against dir and checks that it names a regular file.
func (d *decoder) resolveFile(p *string, path, dir string) bool {
	if *p == "" {
		if d.has(p) {
			d.semanticf(d.at(p), "%s is empty", path)
		}
		return false
	}
	abs := *p
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(dir, abs)
	}
	fi, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		d.semanticf(d.at(p), "%s: file %q not found (relative paths start at the spec's directory)", path, *p)
		return false
	case err != nil:
		d.semanticf(d.at(p), "%s: cannot read %q: %v", path, *p, errors.Unwrap(err))
		return false
	case !fi.Mode().IsRegular():
		d.semanticf(d.at(p), "%s: %q is not a regular file", path, *p)
		return false
	}
	*p = abs
	return true
}

func (d *decoder) validateEndpoints(s *Spec) {
	if len(s.Endpoints) == 0 {
		if d.has(&s.Endpoints) {
			d.semanticf(d.at(&s.Endpoints), "endpoints: the list is empty; add at least one endpoint")
		} else {
			d.semanticf(d.root, "no endpoints: add at least one under `endpoints:` (e.g. - path: /health)")
		}
		return
	}
	names := map[string]int{} // name -> line
	for i := range s.Endpoints {
		ep := &s.Endpoints[i]
		path := fmt.Sprintf("endpoints[%d]", i)
		if ep.Method == "" {
			ep.Method = DefaultMethod
		} else if m := strings.ToUpper(strings.TrimSpace(ep.Method)); slices.Contains(Methods, m) {
			ep.Method = m
		} else {
			d.semanticf(d.at(&ep.Method), "%s.method: %q is not one of %s", path, ep.Method, strings.Join(Methods, ", "))
		}
		switch {
		case ep.Path == "":
			d.semanticf(d.at(&ep.Path, ep), "%s.path is required (e.g. /api/items)", path)
		case !strings.HasPrefix(ep.Path, "/"):
			d.semanticf(d.at(&ep.Path), "%s.path: %q must start with \"/\"", path, ep.Path)
		case strings.ContainsAny(ep.Path, " \t\r\n\x00#"):
			d.semanticf(d.at(&ep.Path), "%s.path: %q holds a space, control character or #; escape it (%%20)", path, ep.Path)
		}
		if d.has(&ep.Weight) && ep.Weight < 1 {
			d.semanticf(d.at(&ep.Weight), "%s.weight must be at least 1", path)
		}
		if !d.has(&ep.Weight) {
			ep.Weight = DefaultWeight
		}
		if ep.Name == "" {
			ep.Name = ep.Method + " " + ep.Path
		}
		if line, dup := names[ep.Name]; dup {
			d.semanticf(d.at(&ep.Name, ep), "%s: duplicate endpoint name %q (first at line %d); names must be unique", path, ep.Name, line)
		} else {
			names[ep.Name] = d.at(&ep.Name, ep).Line
		}
		if d.has(&ep.BodyFile) {
			if ep.Body != "" || d.has(&ep.Body) {
				d.semanticf(d.keyAt(&ep.BodyFile), "%s: body and body_file exclude each other; keep one", path)
			} else if d.resolveFile(&ep.BodyFile, path+".body_file", s.Dir) {
				d.loadBodyFile(ep, path)
			}
		}
		if ep.Checks != nil {
			d.validateChecks(ep.Checks, path+".checks")
		}
		if ep.Thresholds != nil {
			d.validateThresholds(ep.Thresholds, path+".thresholds")
		}
	}
}

// loadBodyFile reads body_file into Body, interpolating ${VAR} like a body written inline.
func (d *decoder) loadBodyFile(ep *Endpoint, path string) {
	n := d.at(&ep.BodyFile)
	f, err := os.Open(ep.BodyFile)
	if err != nil {
		d.semanticf(n, "%s.body_file: %v", path, errors.Unwrap(err))
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxBodyFile+1))
	switch {
	case err != nil:
		d.semanticf(n, "%s.body_file: %v", path, err)
		return
	case len(data) > maxBodyFile:
		d.semanticf(n, "%s.body_file: larger than %s", path, Size(maxBodyFile))
		return
	}
	body, err := expand(string(data), d.lookup, d.addSecret)
	if err != nil {
		d.semanticf(n, "%s.body_file: in the file's content: %v", path, err)
		return
	}
	ep.Body = body
}

func (d *decoder) validateLoad(l *LoadPlan) {
	if len(l.Phases) == 0 {
		defer func() { l.Phases = []Phase{DefaultPhase} }()
	}
	for i := range l.Phases {
		p := &l.Phases[i]
		path := fmt.Sprintf("load.phases[%d]", i)
		switch {
		case !d.has(&p.Duration):
			d.semanticf(d.at(p), "%s: needs a duration (e.g. 30s)", path)
		case p.Duration <= 0:
			d.semanticf(d.at(&p.Duration), "%s.duration must be > 0", path)
		}
		hasRate, hasConc := d.has(&p.Rate), d.has(&p.Concurrency)
		switch {
		case hasRate && hasConc:
			d.semanticf(d.keyAt(&p.Concurrency), "%s: a phase has rate (open model) or concurrency (closed model), not both", path)
		case !hasRate && !hasConc:
			d.semanticf(d.at(p), "%s: needs rate (requests per second) or concurrency (requests in flight)", path)
		case hasRate && !(p.Rate > 0 && !math.IsInf(p.Rate, 0)):
			d.semanticf(d.at(&p.Rate), "%s.rate must be > 0", path)
		case hasConc && p.Concurrency < 1:
			d.semanticf(d.at(&p.Concurrency), "%s.concurrency must be at least 1", path)
		}
		if d.has(&p.RampTo) {
			switch {
			case !hasRate:
				d.semanticf(d.keyAt(&p.RampTo), "%s: ramp_to needs rate (the ramp goes from rate to ramp_to)", path)
			case !(p.RampTo > 0 && !math.IsInf(p.RampTo, 0)):
				d.semanticf(d.at(&p.RampTo), "%s.ramp_to must be > 0", path)
			}
		}
	}
	if d.has(&l.MaxWorkers) && l.MaxWorkers < 1 {
		d.semanticf(d.at(&l.MaxWorkers), "load.max_workers must be at least 1")
	}
	if !d.has(&l.MaxWorkers) {
		l.MaxWorkers = DefaultMaxWorkers
	}
	if a := l.AbortWhen; a != nil {
		if !d.has(&a.Rate5xx) {
			d.semanticf(d.at(a), "load.abort_when needs rate_5xx (e.g. {rate_5xx: \"> 50%%\", after: 200})")
		} else {
			d.checkThreshold(&a.Rate5xx, "load.abort_when.rate_5xx", thresholdRate)
		}
		if a.After < 0 {
			d.semanticf(d.at(&a.After), "load.abort_when.after must not be negative")
		}
	}
}

func (d *decoder) validateChecks(c *Checks, path string) {
	oneOf := func(p *string, field string, values []string) {
		if d.has(p) && !slices.Contains(values, *p) {
			d.semanticf(d.at(p), "%s.%s: unknown value %q (use %s)", path, field, *p, strings.Join(values, ", "))
		}
	}
	oneOf(&c.Preset, "preset", PresetNames)
	oneOf(&c.ApplyTo, "apply_to", ApplyToValues)
	oneOf(&c.Body.Leaks, "body.leaks", LeaksValues)
	if c.Cookies != nil {
		for i, v := range c.Cookies.SameSite {
			j := slices.IndexFunc(SameSites, func(s string) bool { return strings.EqualFold(s, v) })
			if j < 0 {
				d.semanticf(d.at(&c.Cookies.SameSite[i]), "%s.cookies.same_site: unknown value %q (use Lax, Strict or None)", path, v)
				continue
			}
			c.Cookies.SameSite[i] = SameSites[j]
		}
	}
	if cors := c.Headers.CORS; cors != nil && d.has(&cors.ProbeOrigin) {
		if msg := checkOrigin(cors.ProbeOrigin); msg != "" {
			d.semanticf(d.at(&cors.ProbeOrigin), "%s.headers.cors.probe_origin: %s", path, msg)
		}
	}
	c.Headers.Require = canonicalRules(c.Headers.Require)
	for i := range c.Headers.Forbid {
		c.Headers.Forbid[i].Name = http.CanonicalHeaderKey(c.Headers.Forbid[i].Name)
	}
}

type thresholdKind int

const (
	thresholdRate thresholdKind = iota
	thresholdLatency
	thresholdCount
)

func (d *decoder) validateThresholds(t *Thresholds, path string) {
	d.checkThreshold(t.Rate5xx, path+".rate_5xx", thresholdRate)
	d.checkThreshold(t.RateErrors, path+".rate_errors", thresholdRate)
	d.checkThreshold(t.LatencyP50, path+".latency_p50", thresholdLatency)
	d.checkThreshold(t.LatencyP90, path+".latency_p90", thresholdLatency)
	d.checkThreshold(t.LatencyP95, path+".latency_p95", thresholdLatency)
	d.checkThreshold(t.LatencyP99, path+".latency_p99", thresholdLatency)
	d.checkThreshold(t.LatencyMax, path+".latency_max", thresholdLatency)
	d.checkThreshold(t.Violations, path+".violations", thresholdCount)
}

// checkThreshold checks that a threshold's unit fits what it judges: rates are percentages (or
// fractions up to 1), latencies are times, violations are a count.
func (d *decoder) checkThreshold(t *Threshold, path string, kind thresholdKind) {
	if t == nil || t.Op == "" { // absent, or already reported as unparseable
		return
	}
	n := d.at(t)
	switch kind {
	case thresholdRate:
		if t.Unit != "%" && t.Unit != "" || t.Unit == "" && t.Value > 1 {
			d.semanticf(n, "%s: a rate is a percentage, e.g. \"<= 0.1%%\" (a bare number is a fraction, at most 1)", path)
		}
	case thresholdLatency:
		if t.Unit == "" || t.Unit == "%" {
			d.semanticf(n, "%s: a latency needs a time unit, e.g. \"< 800ms\" or \"< 2s\"", path)
		}
	case thresholdCount:
		if t.Unit != "" {
			d.semanticf(n, "%s: violations is a count, e.g. \"== 0\"", path)
		}
	}
}

// checkOrigin says what is wrong with s as an origin to send in an Origin header, "" when it is
// one: scheme://host[:port], scheme http or https, lower case, no path, query or credentials.
func checkOrigin(s string) string {
	const example = " (an origin such as https://seccheck.invalid: scheme://host[:port], no path)"
	u, err := url.Parse(s)
	switch {
	case s == "":
		return "is empty" + example
	case err != nil:
		return fmt.Sprintf("%v%s", errors.Unwrap(err), example)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Sprintf("scheme must be http or https, got %q%s", u.Scheme, example)
	case u.Host == "" || u.Hostname() == "":
		return fmt.Sprintf("no host in %q%s", s, example)
	case u.Scheme+"://"+strings.ToLower(u.Host) != s:
		return fmt.Sprintf("%q is not an origin%s", s, example)
	}
	return ""
}
