package pipeline

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/seccheck/seccheck/attack"
	"github.com/seccheck/seccheck/results"
)

const sinkSpec = `version: 1
name: sink
target: {url: "http://127.0.0.1:1"}
auth: {bearer: "${TOKEN}"}
endpoints:
  - {name: a, path: /a}
  - {name: b, path: /b}
`

func secureHeader() http.Header {
	h := http.Header{}
	setSecure(h)
	return h
}

func without(h http.Header, name string) http.Header {
	h = h.Clone()
	h.Del(name)
	return h
}

func TestSink(t *testing.T) {
	spec := parse(t, sinkSpec)
	tests := []struct {
		name        string
		hits        []attack.Hit
		wantReq     uint64
		wantErrors  map[string]uint64 // error kind -> count
		wantFinding map[string]uint64 // "rule endpoint header/kind" -> count
	}{
		{
			name:    "clean responses",
			hits:    []attack.Hit{{Endpoint: 0, Status: 200, Header: secureHeader()}, {Endpoint: 1, Status: 200, Header: secureHeader()}},
			wantReq: 2, wantFinding: map[string]uint64{},
		},
		{
			name: "a response missing a header",
			hits: []attack.Hit{
				{Endpoint: 0, Status: 200, Header: secureHeader()},
				{Endpoint: 1, Status: 200, Header: without(secureHeader(), "X-Frame-Options")},
				{Endpoint: 1, Status: 200, Header: without(secureHeader(), "X-Frame-Options")},
			},
			wantReq: 3, wantFinding: map[string]uint64{"header.missing b x-frame-options": 2},
		},
		{
			name: "a transport error has a kind and no violations",
			hits: []attack.Hit{
				{Endpoint: 0, Status: 0, Err: &attack.TransportError{Kind: "refused", Msg: "connect: connection refused"}, ErrKind: "refused"},
				{Endpoint: 0, Status: 0, Err: &attack.TransportError{Kind: "timeout", Msg: "timeout awaiting headers"}, ErrKind: "timeout"},
			},
			wantReq: 2, wantErrors: map[string]uint64{"refused": 1, "timeout": 1}, wantFinding: map[string]uint64{},
		},
		{
			name: "headers missing on errors only: the bypass",
			hits: []attack.Hit{
				{Endpoint: 0, Status: 200, Header: secureHeader()},
				{Endpoint: 0, Status: 500, Header: http.Header{"Content-Type": {"text/plain"}}, Body: []byte("Internal Server Error")},
			},
			wantReq: 2,
			wantFinding: map[string]uint64{
				"header.bypass_on_error a strict-transport-security": 1,
				"header.missing a strict-transport-security":         1,
			},
		},
		{
			name: "a leak in the body",
			hits: []attack.Hit{{Endpoint: 1, Status: 500, Header: secureHeader(),
				Body: []byte("Traceback (most recent call last):\n  File \"/app/main.py\", line 3, in handler\nAttributeError: boom\n")}},
			wantReq: 1, wantFinding: map[string]uint64{"body.leak.python_traceback b": 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkers, err := Compile(spec)
			if err != nil {
				t.Fatal(err)
			}
			agg := results.NewAggregator(Meta(spec, checkers, time.Now()))
			sink := NewSink(checkers, agg)
			for i := range tt.hits {
				h := tt.hits[i]
				h.At = time.Duration(i) * time.Millisecond
				h.Latency, h.Service = time.Millisecond, time.Millisecond
				h.Method, h.URL = "GET", spec.Target.URL+spec.Endpoints[h.Endpoint].Path
				sink.Add(&h)
			}
			rep := agg.Report(results.ReportOptions{Command: "run"})
			if rep.Totals.Requests != tt.wantReq {
				t.Errorf("requests %d, want %d", rep.Totals.Requests, tt.wantReq)
			}
			var nerr uint64
			for k, want := range tt.wantErrors {
				nerr += want
				if got := rep.Totals.ErrorKinds[k]; got != want {
					t.Errorf("error kind %s: %d, want %d (all: %v)", k, got, want, rep.Totals.ErrorKinds)
				}
			}
			if rep.Totals.Errors != nerr {
				t.Errorf("errors %d, want %d", rep.Totals.Errors, nerr)
			}
			got := map[string]uint64{}
			for _, f := range rep.Findings {
				key := f.Rule + " " + f.Endpoint
				if f.Header != "" {
					key += " " + f.Header
				}
				got[key] = f.Count
			}
			for k, want := range tt.wantFinding {
				if got[k] != want {
					t.Errorf("finding %q: count %d, want %d (all: %v)", k, got[k], want, got)
				}
			}
			if tt.wantErrors != nil && len(got) != 0 {
				t.Errorf("transport errors produced findings: %v", got)
			}
			if len(tt.wantFinding) == 0 && len(got) != 0 {
				t.Errorf("findings %v, want none", got)
			}
			if tt.wantErrors != nil && rep.Totals.Violations != 0 {
				t.Errorf("violations %d on transport errors", rep.Totals.Violations)
			}
		})
	}
}

// TestSinkRedactsReflectedSecret: a target that reflects the bearer token in a header keeps it
// out of the exemplars.
func TestSinkRedactsReflectedSecret(t *testing.T) {
	spec := parse(t, sinkSpec)
	checkers, err := Compile(spec)
	if err != nil {
		t.Fatal(err)
	}
	agg := results.NewAggregator(Meta(spec, checkers, time.Now()))
	sink := NewSink(checkers, agg)
	h := without(secureHeader(), "Content-Security-Policy")
	h.Set("X-Echo", "Bearer "+token)
	sink.Add(&attack.Hit{Endpoint: 0, Status: 200, Header: h, Body: []byte("token=" + token), Method: "GET", URL: spec.Target.URL + "/a"})
	rep := agg.Report(results.ReportOptions{})
	if len(rep.Findings) == 0 || len(rep.Findings[0].Exemplars) == 0 {
		t.Fatalf("want a finding with an exemplar, got %+v", rep.Findings)
	}
	ex := rep.Findings[0].Exemplars[0]
	var all strings.Builder
	for k, v := range ex.Headers {
		all.WriteString(k + ": " + v + "\n")
	}
	if strings.Contains(ex.BodyExcerpt, token) || strings.Contains(all.String(), token) {
		t.Errorf("exemplar holds the token: %+v", ex)
	}
}
