package render

import (
	"math"

	"github.com/seccheck/seccheck/results"
)

// The fixtures below are built in Go rather than read from JSON so that a field added to
// results.Report is a compile-time question here, not a silently missing key.

// hostileBody is an exemplar body as a broken target might send it: a traceback, markup that
// would run if a renderer passed it through (observable: it renames the page and adds an
// element), a NUL that XML cannot hold, and the characters Markdown tables and code spans
// give meaning to.
const hostileBody = "Traceback (most recent call last):\n" +
	"  File \"/app/orders/db.py\", line 42, in list_orders\n" +
	"    rows = await session.execute(query)\n" +
	"AttributeError: '_AsyncGeneratorContextManager' object has no attribute 'execute'\n" +
	"<script>alert(1)</script><script>document.title='PWNED';document.body.appendChild(document.createElement('pwned'))</script>\n" +
	"debug\x00dump | col | `tick` ]]> & done"

// hostileHeader would add an element and rename the page if it reached the DOM as markup.
const hostileHeader = `<img src=x onerror="document.title='PWNED'">`

// richReport is a failing load run: three endpoints, two phases (the second lagging), a
// 30-second timeline where 5xx and latency climb with the ramp, a bypass finding with hostile
// exemplars, failing and passing thresholds.
func richReport() *results.Report {
	r := &results.Report{
		Schema:    results.SchemaV1,
		Name:      "orders-api",
		Verdict:   "fail",
		StartedAt: "2026-03-14T09:26:53Z",
		DurationS: 30,
		Command:   "run",
		Seed:      42,
		SpecHash:  "sha256:5f2b9c0d1e7a4b3c8d6e",
		Phases: []results.Phase{
			{Index: 0, Model: "open", StartS: 0, DurationS: 10, Rate: 50, Requested: 500, Sent: 500, AchievedRate: 50},
			{Index: 1, Model: "open", StartS: 10, DurationS: 20, Rate: 50, RampTo: 200, Requested: 2500, Sent: 2310, AchievedRate: 115.5, Lagging: true},
		},
	}
	// Timeline: 50/s for 10 s, then a ramp the client cannot quite keep; 5xx from t=15 as the
	// database pool saturates, latency climbing with it. Values are integers or short decimals
	// so golden files stay readable.
	var total, s5, errs uint64
	for t := 0; t < 30; t++ {
		req := uint64(50)
		if t >= 10 {
			req = uint64(50 + (t-10)*6)
		}
		var five, e uint64
		if t >= 15 {
			five = uint64((t - 14) / 2)
		}
		if t == 22 || t == 27 {
			e = 1
		}
		p50 := 12 + float64(t)*0.5
		p95 := 40 + float64(t)*4
		p99 := 80 + math.Round(float64(t*t)*0.9)
		r.Timeline = append(r.Timeline, results.Second{T: t, Requests: req, Status5xx: five, Errors: e, P50: p50, P95: p95, P99: p99})
		total += req
		s5 += five
		errs += e
	}
	r.Totals = results.Stats{
		Requests: total, RPS: float64(total) / 30,
		Status:    map[string]uint64{"200": total - s5 - 312, "201": 300, "409": 12, "500": s5 - 7, "502": 7},
		Status2xx: total - s5 - 12, Status4xx: 12, Status5xx: s5,
		Rate5xx: float64(s5) / float64(total), Errors: errs, RateErrors: float64(errs) / float64(total),
		ErrorKinds: map[string]uint64{"reset": 1, "timeout": 1},
		Latency:    results.Latency{P50: 18.4, P90: 121, P95: 151.2, P99: 912.4, Max: 1440, Mean: 41.7},
		Service:    results.Latency{P50: 11.2, P90: 60, P95: 88.1, P99: 640.3, Max: 1102, Mean: 22.9},
		Violations: 529, BytesIn: 4_812_400, BytesOut: 312_000,
	}
	list := total - 300 - 12 - 50 - 50
	r.Endpoints = []results.Endpoint{
		{Name: "list-orders", Method: "GET", Path: "/api/orders?limit=10", Stats: results.Stats{
			Requests: list, RPS: float64(list) / 30, Status: map[string]uint64{"200": list - s5, "500": s5 - 7, "502": 7},
			Status2xx: list - s5, Status5xx: s5, Rate5xx: float64(s5) / float64(list), Errors: errs,
			RateErrors: float64(errs) / float64(list),
			Latency:    results.Latency{P50: 21.3, P90: 140, P95: 180.5, P99: 1012.8, Max: 1440, Mean: 52.1},
			Violations: 167}},
		{Name: "create-order", Method: "POST", Path: "/api/orders", Stats: results.Stats{
			Requests: 312, RPS: 10.4, Status: map[string]uint64{"201": 300, "409": 12},
			Status2xx: 300, Status4xx: 12,
			Latency:    results.Latency{P50: 31, P90: 88, P95: 97.6, P99: 240.2, Max: 301, Mean: 38},
			Violations: 312}},
		{Name: "health", Method: "GET", Path: "/healthz", Stats: results.Stats{
			Requests: 100, RPS: 3.3, Status: map[string]uint64{"200": 100}, Status2xx: 100,
			Latency:    results.Latency{P50: 0.9, P90: 2.1, P95: 2.8, P99: 4.2, Max: 5.5, Mean: 1.1},
			Violations: 50}},
	}
	bypassHeaders := map[string]string{
		"content-type":   "text/html; charset=utf-8",
		"server":         "uvicorn",
		"x-debug-render": hostileHeader,
	}
	r.Findings = []results.Finding{
		{Rule: "body.leak.python_traceback", Severity: "high", Endpoint: "list-orders", Kind: "python_traceback",
			Count: 80, ByStatus: map[string]uint64{"500": 80}, FirstAtS: 15.2,
			Message: "A Python traceback is in the response body.",
			Exemplars: []results.Exemplar{{Status: 500, Method: "GET", URL: "http://127.0.0.1:8080/api/orders?limit=10",
				Headers: bypassHeaders, BodyExcerpt: hostileBody, AtS: 15.2}}},
		{Rule: "header.bypass_on_error", Severity: "high", Endpoint: "list-orders", Header: "strict-transport-security",
			Count: 87, ByStatus: map[string]uint64{"500": 80, "502": 7}, FirstAtS: 15.2,
			Message: "strict-transport-security is sent on 2xx responses but missing on 87 error responses: an error path bypasses the security middleware.",
			Exemplars: []results.Exemplar{
				{Status: 500, Method: "GET", URL: "http://127.0.0.1:8080/api/orders?limit=10", Headers: bypassHeaders, BodyExcerpt: hostileBody, AtS: 15.2},
				{Status: 502, Method: "GET", URL: "http://127.0.0.1:8080/api/orders?limit=10", Headers: map[string]string{"content-type": "text/plain"}, BodyExcerpt: "Bad Gateway", AtS: 24.7},
			}},
		{Rule: "header.missing", Severity: "medium", Endpoint: "create-order", Header: "x-frame-options",
			Count: 300, ByStatus: map[string]uint64{"201": 300}, FirstAtS: 0.1,
			Message: "Required header x-frame-options is missing.",
			Exemplars: []results.Exemplar{{Status: 201, Method: "POST", URL: "http://127.0.0.1:8080/api/orders",
				Headers: map[string]string{"content-type": "application/json", "location": "/api/orders/1"}, BodyExcerpt: `{"id":1,"sku":"A-1"}`, AtS: 0.1}}},
		{Rule: "status.unexpected", Severity: "medium", Endpoint: "create-order",
			Count: 12, ByStatus: map[string]uint64{"409": 12}, FirstAtS: 11.9,
			Message: "Status 409 is not in expect.status [201].",
			Exemplars: []results.Exemplar{{Status: 409, Method: "POST", URL: "http://127.0.0.1:8080/api/orders",
				Headers: map[string]string{"content-type": "application/json"}, BodyExcerpt: `{"error":"duplicate sku"}`, AtS: 11.9}}},
		{Rule: "cookie.flags", Severity: "medium", Endpoint: "create-order", Header: "set-cookie",
			Count: 300, ByStatus: map[string]uint64{"201": 300}, FirstAtS: 0.1,
			Message: "Cookie session lacks HttpOnly.",
			Exemplars: []results.Exemplar{{Status: 201, Method: "POST", URL: "http://127.0.0.1:8080/api/orders",
				Headers: map[string]string{"set-cookie": "session=[REDACTED]; Path=/; Secure; SameSite=Lax"}, AtS: 0.1}}},
		{Rule: "header.forbidden", Severity: "low", Endpoint: "health", Header: "server",
			Count: 50, ByStatus: map[string]uint64{"200": 50}, FirstAtS: 0.3,
			Message: "Server discloses a version: nginx/1.25.3.",
			Exemplars: []results.Exemplar{{Status: 200, Method: "GET", URL: "http://127.0.0.1:8080/healthz",
				Headers: map[string]string{"server": "nginx/1.25.3"}, BodyExcerpt: "ok", AtS: 0.3}}},
	}
	r.Thresholds = []results.Threshold{
		{Name: "rate_5xx", Limit: "<= 0.1%", Observed: r.Totals.Rate5xx, Pass: false},
		{Name: "rate_errors", Limit: "<= 0.5%", Observed: r.Totals.RateErrors, Pass: true},
		{Name: "latency_p99", Limit: "< 800ms", Observed: 912.4, Pass: false},
		{Name: "violations", Limit: "== 0", Observed: 529, Pass: false},
		{Name: "latency_p99", Endpoint: "health", Limit: "< 50ms", Observed: 4.2, Pass: true},
	}
	return r
}

// checkReport is a passing `seccheck check`: no timeline, no phases, no findings, and the
// lists that a careless encoder writes as null left nil.
func checkReport() *results.Report {
	return &results.Report{
		Schema: results.SchemaV1, Name: "orders-api", Verdict: "pass",
		StartedAt: "2026-03-14T09:30:00Z", DurationS: 0.4, Command: "check",
		Totals: results.Stats{Requests: 6, RPS: 15, Status: map[string]uint64{"200": 6}, Status2xx: 6,
			Latency: results.Latency{P50: 3.1, P90: 5, P95: 5.2, P99: 5.9, Max: 5.9, Mean: 3.4}},
		Endpoints: []results.Endpoint{
			{Name: "list-orders", Method: "GET", Path: "/api/orders?limit=10", Stats: results.Stats{Requests: 3, RPS: 7.5,
				Status: map[string]uint64{"200": 3}, Status2xx: 3, Latency: results.Latency{P50: 3.5, P95: 5.9, P99: 5.9, Max: 5.9}}},
			{Name: "health", Method: "GET", Path: "/healthz", Stats: results.Stats{Requests: 3, RPS: 7.5,
				Status: map[string]uint64{"200": 3}, Status2xx: 3, Latency: results.Latency{P50: 1.2, P95: 1.9, P99: 1.9, Max: 1.9}}},
		},
		Thresholds: []results.Threshold{{Name: "violations", Limit: "== 0", Observed: 0, Pass: true}},
	}
}

// longReport is a 3-hour run: 10,800 timeline rows, more than the plots may draw.
func longReport() *results.Report {
	r := richReport()
	r.DurationS = 10800
	r.Timeline = nil
	for t := 0; t < 10800; t++ {
		r.Timeline = append(r.Timeline, results.Second{T: t, Requests: uint64(100 + t%7), Status5xx: uint64(t % 3 / 2),
			P50: 10, P95: 30 + float64(t%11), P99: 50 + float64(t%97)})
	}
	r.Phases = []results.Phase{{Index: 0, Model: "open", StartS: 0, DurationS: 3600, Rate: 100, AchievedRate: 100},
		{Index: 1, Model: "closed", StartS: 3600, DurationS: 7200, Concurrency: 64, AchievedRate: 103}}
	return r
}

type resultsReport = results.Report

// partialReport is the rich run, interrupted.
func partialReport() *results.Report {
	r := richReport()
	r.Partial, r.PartialWhy = true, "interrupted"
	return r
}
