package results

import (
	"bytes"
	"fmt"
	"math/rand"
	"net/http"
	"strings"
	"time"

	"github.com/seccheck/seccheck/conformance"
)

// secret is what testRedactor hides; streams reflect it in URLs, headers, bodies and errors.
const secret = "s3cr3t-T0KEN-abcdef"

// testRedactor stands in for *specs.Redactor.
type testRedactor struct{ secrets []string }

func (r testRedactor) String(s string) string {
	for _, x := range r.secrets {
		s = strings.ReplaceAll(s, x, "[REDACTED]")
	}
	return s
}

func (r testRedactor) Bytes(b []byte) []byte {
	for _, x := range r.secrets {
		if bytes.Contains(b, []byte(x)) {
			b = bytes.ReplaceAll(b, []byte(x), []byte("[REDACTED]"))
		}
	}
	return b
}

var _ Redactor = testRedactor{}

var requiredHeaders = []string{"strict-transport-security", "x-content-type-options", "content-security-policy"}

func testMeta() Meta {
	return Meta{
		Name: "orders-api",
		Endpoints: []EndpointMeta{
			{Name: "list-orders", Method: "GET", Path: "/api/orders", Required: requiredHeaders},
			{Name: "create-order", Method: "POST", Path: "/api/orders", Required: requiredHeaders[:2]},
			{Name: "health", Method: "GET", Path: "/health"},
		},
		Redactor: testRedactor{secrets: []string{secret}},
		Start:    time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC),
		SpecHash: "0123456789abcdef0123456789abcdef",
	}
}

func secureHeader() http.Header {
	return http.Header{
		"Strict-Transport-Security": {"max-age=31536000; includeSubDomains"},
		"X-Content-Type-Options":    {"nosniff"},
		"Content-Security-Policy":   {"default-src 'self'"},
		"Content-Type":              {"application/json"},
	}
}

// traceback is a Python traceback body like the incident's, with multi-byte runes and the
// secret reflected in it.
func traceback(rng *rand.Rand) []byte {
	var b strings.Builder
	b.WriteString(strings.Repeat("é", rng.Intn(300)))
	b.WriteString("Traceback (most recent call last):\n  File \"/app/db.py\", line 12, in get_orders\n")
	fmt.Fprintf(&b, "    token = %q\n", secret)
	b.WriteString("AttributeError: '_AsyncGeneratorContextManager' object has no attribute 'execute'\n")
	b.WriteString(strings.Repeat("日本", rng.Intn(200)))
	return []byte(b.String())
}

var violationTemplates = []conformance.Violation{
	{Rule: "header.missing", Severity: conformance.SeverityHigh, Header: "strict-transport-security", Message: "Strict-Transport-Security is missing", Offset: -1},
	{Rule: "header.missing", Severity: conformance.SeverityMedium, Header: "x-content-type-options", Message: "X-Content-Type-Options is missing", Offset: -1},
	{Rule: "header.forbidden", Severity: conformance.SeverityLow, Header: "x-powered-by", Message: "X-Powered-By is sent", Offset: -1},
	{Rule: "body.leak.python_traceback", Severity: conformance.SeverityHigh, Kind: "python_traceback", Message: "Python traceback in body", Offset: 0},
	{Rule: "status.unexpected", Severity: conformance.SeverityMedium, Message: "unexpected status", Offset: -1},
}

// randomStream returns n samples of a run over testMeta's endpoints: mostly clean 2xx, some 3xx,
// 4xx and 5xx, errors of every kind, headers dropped at random on errors, violations with
// varying messages, At in 0..secs seconds in a locally shuffled order, latencies up to beyond 60 s.
func randomStream(rng *rand.Rand, n, secs int) []Sample {
	out := make([]Sample, n)
	for i := range out {
		s := Sample{
			Endpoint: rng.Intn(3),
			At:       time.Duration(rng.Int63n(int64(secs) * int64(time.Second))),
			Method:   "GET",
			URL:      fmt.Sprintf("http://127.0.0.1:8080/api/orders?token=%s&i=%d", secret, rng.Intn(5)),
			BytesIn:  uint64(rng.Intn(5000)),
			BytesOut: uint64(rng.Intn(300)),
		}
		s.Latency = time.Duration(rng.ExpFloat64() * float64(20*time.Millisecond))
		if rng.Intn(500) == 0 {
			s.Latency = 70 * time.Second // clamped
		}
		s.Service = s.Latency / 2
		switch p := rng.Intn(100); {
		case p < 4:
			kinds := []ErrKind{ErrTimeout, ErrRefused, ErrReset, ErrTLS, ErrOther, "weird"}
			s.Err = kinds[rng.Intn(len(kinds))]
			s.ErrText = fmt.Sprintf("Get %q: dial tcp: connection %d failed", s.URL, rng.Intn(3))
		case p < 75:
			s.Status = []int{200, 201, 204}[rng.Intn(3)]
			s.Header = secureHeader()
			s.Body = []byte(`{"orders":[]}`)
		case p < 80:
			s.Status = 302
			s.Header = secureHeader()
			s.Header.Set("Location", "/login?next="+secret)
		case p < 88:
			s.Status = 404
			s.Header = secureHeader()
			s.Body = []byte("not found")
		default:
			s.Status = []int{500, 502, 503}[rng.Intn(3)]
			s.Header = http.Header{"Content-Type": {"text/plain"}, "X-Echo": {"Bearer " + secret}}
			if rng.Intn(4) == 0 {
				s.Header = secureHeader()
			}
			s.Body = traceback(rng)
		}
		if s.Status > 0 && rng.Intn(3) == 0 {
			for k := rng.Intn(3) + 1; k > 0; k-- {
				v := violationTemplates[rng.Intn(len(violationTemplates))]
				if v.Offset >= 0 && len(s.Body) > 0 {
					v.Offset = bytes.Index(s.Body, []byte("Traceback"))
				}
				if rng.Intn(2) == 0 {
					v.Message = fmt.Sprintf("%s (status %d)", v.Message, s.Status)
				}
				s.Violations = append(s.Violations, v)
			}
		}
		out[i] = s
	}
	return out
}

func feed(a *Aggregator, samples []Sample) *Aggregator {
	for i := range samples {
		a.Add(&samples[i])
	}
	return a
}
