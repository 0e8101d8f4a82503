package results

import (
	"encoding/json"
	"math"
	"math/rand"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/seccheck/seccheck/conformance"
	"github.com/seccheck/seccheck/specs"
)

func TestAddCounts(t *testing.T) {
	a := NewAggregator(testMeta())
	add := func(s Sample) { a.Add(&s) }
	add(Sample{Endpoint: 0, At: 100 * time.Millisecond, Latency: 10 * time.Millisecond, Service: 5 * time.Millisecond, Status: 200, Header: secureHeader(), BytesIn: 100, BytesOut: 10})
	add(Sample{Endpoint: 0, At: 1500 * time.Millisecond, Latency: 20 * time.Millisecond, Status: 500, Header: secureHeader(), BytesIn: 50})
	add(Sample{Endpoint: 1, At: 2100 * time.Millisecond, Latency: 70 * time.Second, Status: 201, Header: secureHeader()})
	add(Sample{Endpoint: 1, At: 2200 * time.Millisecond, Latency: time.Second, Err: ErrRefused, ErrText: "dial tcp 127.0.0.1:1?k=" + secret + ": connection refused"})
	add(Sample{Endpoint: 2, At: 2300 * time.Millisecond, Latency: -time.Millisecond, Status: 1200})

	r := a.Report(ReportOptions{})
	tot := r.Totals
	if tot.Requests != 5 || tot.Status5xx != 1 || tot.Errors != 1 || tot.Status2xx != 2 || tot.BytesIn != 150 || tot.BytesOut != 10 {
		t.Fatalf("totals = %+v", tot)
	}
	if want := map[string]uint64{"200": 1, "201": 1, "500": 1, "999": 1}; !equalMaps(tot.Status, want) {
		t.Errorf("status = %v, want %v", tot.Status, want)
	}
	if tot.Rate5xx != 0.2 || tot.RateErrors != 0.2 {
		t.Errorf("rates = %v %v, want 0.2 0.2", tot.Rate5xx, tot.RateErrors)
	}
	if got := tot.ErrorKinds; len(got) != 1 || got["refused"] != 1 {
		t.Errorf("error kinds = %v", got)
	}
	if len(tot.ErrorSamples) != 1 || strings.Contains(tot.ErrorSamples[0].Text, secret) || !strings.Contains(tot.ErrorSamples[0].Text, "[REDACTED]") {
		t.Errorf("error samples = %+v, want the secret redacted", tot.ErrorSamples)
	}
	// 70 s is clamped to the histogram's 60 s, not dropped; -1 ms records as 0.
	if tot.Latency.Max < 59_900 || tot.Latency.Max > 60_100 {
		t.Errorf("max latency = %v ms, want ~60000 (clamped)", tot.Latency.Max)
	}
	if r.Endpoints[0].Latency.P50 < 9.9 || r.Endpoints[0].Latency.P50 > 10.1 {
		t.Errorf("list-orders p50 = %v, want ~10", r.Endpoints[0].Latency.P50)
	}
	// Duration derived from the samples: the latest At+Latency is 2.1 s + 70 s.
	if math.Abs(r.DurationS-72.1) > 1e-9 || math.Abs(tot.RPS-5/72.1) > 1e-9 {
		t.Errorf("duration %v rps %v", r.DurationS, tot.RPS)
	}
	if len(r.Timeline) != 3 || r.Timeline[2].Requests != 3 || r.Timeline[2].Errors != 1 || r.Timeline[1].Status5xx != 1 {
		t.Errorf("timeline = %+v", r.Timeline)
	}
	if r.Timeline[0].P99 < 9.9 || r.Timeline[0].P99 > 10.1 {
		t.Errorf("timeline[0].p99 = %v, want ~10 (2 significant digits)", r.Timeline[0].P99)
	}
	p := a.Snapshot()
	if p.Requests != 5 || p.Status5xx != 1 || p.Errors != 1 || p.Elapsed != 2300*time.Millisecond {
		t.Errorf("snapshot = %+v", p)
	}
	if r.Verdict != "pass" || len(r.Findings) != 0 {
		t.Errorf("verdict %s with %d findings, want pass with none", r.Verdict, len(r.Findings))
	}
}

func equalMaps(a, b map[string]uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestIncident replays the incident: one endpoint sends its security headers on 200s, and its
// 500s (from the framework's last-resort handler) carry none and a traceback that reflects a
// secret. The fixed variant sends the headers everywhere and no traceback.
func TestIncident(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	run := func(fixed bool) *Report {
		a := NewAggregator(testMeta())
		for i := range 2000 {
			s := Sample{Endpoint: 0, At: time.Duration(i) * time.Millisecond, Latency: 3 * time.Millisecond,
				Method: "GET", URL: "http://127.0.0.1:9/api/orders", Status: 200, Header: secureHeader()}
			if i%10 == 7 {
				s.Status = 500
				if !fixed {
					s.Header = http.Header{"Content-Type": {"text/plain"}, "Set-Cookie": {"sid=" + secret}}
					s.Body = traceback(rng)
					for _, h := range requiredHeaders {
						s.Violations = append(s.Violations, conformance.Violation{Rule: "header.missing", Severity: conformance.SeverityHigh, Header: h, Message: h + " is missing", Offset: -1})
					}
					s.Violations = append(s.Violations, conformance.Violation{Rule: "body.leak.python_traceback", Severity: conformance.SeverityHigh,
						Kind: "python_traceback", Message: "Python traceback", Offset: strings.Index(string(s.Body), "Traceback")})
				}
			}
			a.Add(&s)
		}
		return a.Report(ReportOptions{Thresholds: specs.Thresholds{Rate5xx: &specs.Threshold{Op: "<=", Value: 0.2, Raw: "<= 20%"}}})
	}

	fixed := run(true)
	if fixed.Verdict != "pass" || len(fixed.Findings) != 0 {
		t.Fatalf("fixed: verdict %s, findings %+v; want pass and none", fixed.Verdict, fixed.Findings)
	}

	broken := run(false)
	if broken.Verdict != "fail" {
		t.Errorf("broken: verdict %s, want fail", broken.Verdict)
	}
	var bypass []Finding
	for i, f := range broken.Findings {
		if f.Rule == RuleBypassOnError {
			if i != len(bypass) {
				t.Errorf("bypass finding at %d, after other findings", i)
			}
			bypass = append(bypass, f)
		}
	}
	if len(bypass) != len(requiredHeaders) {
		t.Fatalf("%d bypass findings, want %d (one per required header): %+v", len(bypass), len(requiredHeaders), broken.Findings)
	}
	for _, f := range bypass {
		if f.Severity != "high" || f.Count != 200 || f.ByStatus["500"] != 200 || len(f.ByStatus) != 1 || !strings.Contains(f.Message, "500") {
			t.Errorf("bypass finding = %+v", f)
		}
		if f.FirstAtS != 0.007 {
			t.Errorf("first_at_s = %v, want 0.007", f.FirstAtS)
		}
		if len(f.Exemplars) != 3 || f.Exemplars[0].Status != 200 || f.Exemplars[1].Status != 500 || f.Exemplars[2].Status != 500 {
			t.Errorf("exemplars: want one 200 with the header then two 500s without, got %+v", f.Exemplars)
			continue
		}
		if f.Exemplars[0].AtS != 0 || f.Exemplars[1].AtS != 0.007 || f.Exemplars[2].AtS != 0.017 {
			t.Errorf("exemplars are not the earliest: %+v", f.Exemplars)
		}
		if _, ok := f.Exemplars[0].Headers["Strict-Transport-Security"]; !ok {
			t.Errorf("success exemplar lacks the header: %v", f.Exemplars[0].Headers)
		}
	}
	leak := broken.Findings[len(broken.Findings)-1]
	for _, f := range broken.Findings {
		if f.Rule == "body.leak.python_traceback" {
			leak = f
		}
	}
	if leak.Rule != "body.leak.python_traceback" || leak.Count != 200 || len(leak.Exemplars) != 3 {
		t.Fatalf("leak finding = %+v", leak)
	}
	for _, ex := range leak.Exemplars {
		if !strings.Contains(ex.BodyExcerpt, "AttributeError") || len(ex.BodyExcerpt) > 512 || !utf8.ValidString(ex.BodyExcerpt) {
			t.Errorf("excerpt (%d bytes) does not show the violation as valid UTF-8: %q", len(ex.BodyExcerpt), ex.BodyExcerpt)
		}
	}
	js, _ := json.Marshal(broken)
	if strings.Contains(string(js), secret) {
		t.Errorf("secret reflected by the target leaked into the report")
	}
	if !strings.Contains(string(js), "sid=[REDACTED]") {
		t.Errorf("reflected secret in a response header is not shown redacted")
	}
}

func TestFindingsOrder(t *testing.T) {
	a := NewAggregator(testMeta())
	v := func(rule string, sev conformance.Severity, header string) conformance.Violation {
		return conformance.Violation{Rule: rule, Severity: sev, Header: header, Message: rule, Offset: -1}
	}
	add := func(ep, status int, h http.Header, vs ...conformance.Violation) {
		a.Add(&Sample{Endpoint: ep, Status: status, Header: h, Violations: vs})
	}
	add(2, 200, nil, v("header.forbidden", conformance.SeverityLow, "x-powered-by"))
	add(2, 200, nil, v("header.forbidden", conformance.SeverityLow, "x-powered-by"))
	add(2, 200, nil, v("cookie.flags", conformance.SeverityMedium, ""))
	add(0, 200, nil, v("status.unexpected", conformance.SeverityMedium, ""))
	add(1, 200, nil, v("header.value", conformance.SeverityCritical, "strict-transport-security"))
	add(1, 200, secureHeader())
	add(1, 503, nil, v("header.missing", conformance.SeverityHigh, "x-content-type-options"))

	got := []string{}
	for _, f := range a.Report(ReportOptions{}).Findings {
		got = append(got, f.Rule+"/"+f.Endpoint+"/"+f.Header)
	}
	want := []string{
		"header.bypass_on_error/create-order/strict-transport-security",
		"header.bypass_on_error/create-order/x-content-type-options",
		"header.value/create-order/strict-transport-security",
		"header.missing/create-order/x-content-type-options",
		"cookie.flags/health/",
		"status.unexpected/list-orders/",
		"header.forbidden/health/x-powered-by",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings order:\ngot  %q\nwant %q", got, want)
	}
	if p := a.Snapshot(); p.Findings != uint64(len(want)) || p.Violations != 6 {
		t.Errorf("snapshot = %+v, want %d findings, 6 violations", p, len(want))
	}
}

func TestReportJSONEmpty(t *testing.T) {
	a := NewAggregator(Meta{Name: "empty"})
	js, err := json.Marshal(a.Report(ReportOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"schema":"seccheck.report/v1"`, `"endpoints":[]`, `"findings":[]`, `"thresholds":[]`, `"timeline":[]`, `"status":{}`, `"verdict":"pass"`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("report JSON lacks %s: %s", want, js)
		}
	}
	if strings.Contains(string(js), "null") {
		t.Errorf("report JSON has null: %s", js)
	}
}

func TestExcerpt(t *testing.T) {
	body := []byte(strings.Repeat("日", 400) + "NEEDLE" + strings.Repeat("é", 400) + "\xff")
	tests := []struct {
		name   string
		body   []byte
		offset int
		want   string // substring
	}{
		{"short body whole", []byte("abc"), 1, "abc"},
		{"around offset", body, strings.Index(string(body), "NEEDLE"), "NEEDLE"},
		{"start", body, -1, "日日"},
		{"end", body, len(body) - 1, "é\uFFFD"},
		{"invalid bytes", []byte("ab\xff\xfecd"), 2, "ab\uFFFDcd"},
		{"offset past end", []byte("abc"), 99, "abc"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := excerpt(tc.body, tc.offset, maxExcerpt)
			if len(got) > maxExcerpt || !utf8.ValidString(got) || !strings.Contains(got, tc.want) {
				t.Errorf("excerpt(%d bytes, %d) = %d bytes %q, want valid UTF-8 ≤ 512 containing %q", len(tc.body), tc.offset, len(got), got, tc.want)
			}
		})
	}
}

// A secret straddling the edge of the excerpt window must not leak in part.
func TestExcerptRedactsBeforeCutting(t *testing.T) {
	body := strings.Repeat("a", 240) + secret + strings.Repeat("b", 1000)
	off := 240 + len(secret) + 260 // the window's start falls inside the secret
	a := NewAggregator(testMeta())
	a.Add(&Sample{Endpoint: 2, Status: 200, Body: []byte(body), Violations: []conformance.Violation{{Rule: "body.pattern", Kind: "b+", Offset: off}}})
	ex := a.Report(ReportOptions{}).Findings[0].Exemplars[0]
	for i := 4; i <= len(secret); i++ {
		if strings.Contains(ex.BodyExcerpt, secret[i-4:i]) {
			t.Fatalf("excerpt shows part of the secret (%q): %q", secret[i-4:i], ex.BodyExcerpt)
		}
	}
}

func TestSnapshotConcurrent(t *testing.T) {
	a := NewAggregator(testMeta())
	samples := randomStream(rand.New(rand.NewSource(2)), 5000, 10)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		var last uint64
		for {
			select {
			case <-stop:
				return
			default:
			}
			p := a.Snapshot()
			if p.Requests < last {
				t.Errorf("requests went backwards: %d after %d", p.Requests, last)
				return
			}
			last = p.Requests
		}
	}()
	feed(a, samples)
	close(stop)
	wg.Wait()
	r := a.Report(ReportOptions{})
	p := a.Snapshot()
	if p.Requests != r.Totals.Requests || p.Status5xx != r.Totals.Status5xx || p.Errors != r.Totals.Errors ||
		p.Violations != r.Totals.Violations || p.Findings != uint64(len(r.Findings)) {
		t.Errorf("snapshot %+v disagrees with report totals %+v (%d findings)", p, r.Totals, len(r.Findings))
	}
}

func TestAddPanicsOnUnknownEndpoint(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Add of a sample for endpoint 9 did not panic")
		}
	}()
	NewAggregator(testMeta()).Add(&Sample{Endpoint: 9, Status: 200})
}

// The spec's own Redactor hides a bearer token the target reflects, in every part of an exemplar.
func TestSpecRedactor(t *testing.T) {
	m := testMeta()
	m.Redactor = specs.NewRedactor(secret)
	a := NewAggregator(m)
	a.Add(&Sample{Endpoint: 0, Status: 500, Method: "GET", URL: "http://127.0.0.1:1/x?t=" + secret,
		Header: http.Header{"X-Echo-Authorization": {"Bearer " + secret}},
		Body:   []byte("Traceback: token " + secret),
		Violations: []conformance.Violation{{Rule: "body.leak.python_traceback", Severity: conformance.SeverityHigh,
			Kind: "python_traceback", Offset: 0}}})
	a.Add(&Sample{Endpoint: 0, At: time.Second, Err: ErrTimeout, ErrText: "Get http://127.0.0.1:1/x?t=" + secret + ": timeout"})
	js, _ := json.Marshal(a.Report(ReportOptions{}))
	if strings.Contains(string(js), secret) || strings.Count(string(js), "[REDACTED]") < 4 {
		t.Errorf("report = %s, want the secret redacted in URL, header, body and error", js)
	}
}
