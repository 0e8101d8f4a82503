package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seccheck/seccheck/internal/faulttarget"
	"github.com/seccheck/seccheck/results"
)

var faultPaths = []string{
	"/reset", "/close-after-headers", "/huge", "/trickle", "/big-header", "/many-headers",
	"/http10", "/conn-close", "/204-body", "/304-body", "/bad-gzip", "/bad-chunked", "/hang",
	"/echo-auth",
}

// TestHostileTargetUnderLoad: 500 req/s for 10 s spread over every fault. seccheck classifies
// every outcome (each request is a status or a transport error of a kind), never panics, keeps
// its peak RSS under 200 MiB, and finishes within duration + timeout + 2 s.
func TestHostileTargetUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("10 s load test; run without -short")
	}
	srv, err := faulttarget.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	var eps strings.Builder
	for _, p := range faultPaths {
		eps.WriteString("  - {path: " + p + "}\n")
	}
	const duration, timeout = 10 * time.Second, 2 * time.Second
	dir := t.TempDir()
	spec := writeFile(t, dir, "spec.yaml", `version: 1
name: hostile
target: {url: "`+srv.URL+`", timeout: 2s, max_body: 64KiB}
endpoints:
`+eps.String()+`load:
  phases:
    - {duration: 10s, rate: 500}
checks: {preset: recommended}
`)
	out := filepath.Join(dir, "report.json")
	limit := duration + timeout + 2*time.Second + 3*time.Second // + process start and build of the plan
	r := seccheck(t, limit, nil, "run", spec, "--no-progress", "--out", "json="+out, "--out", "html="+filepath.Join(dir, "r.html"))
	if r.code != 1 {
		t.Errorf("exit %d, want 1 (findings and transport errors)\nstderr:\n%s", r.code, r.stderr)
	}
	for _, bad := range []string{"panic:", "goroutine ", "fatal error"} {
		if strings.Contains(r.stderr, bad) {
			t.Fatalf("stderr shows %q:\n%s", bad, r.stderr)
		}
	}
	if mib := r.maxRSSKiB / 1024; mib >= 200 {
		t.Errorf("peak RSS %d MiB, want < 200", mib)
	}
	t.Logf("wall %v, peak RSS %d MiB", r.wall.Round(time.Millisecond), r.maxRSSKiB/1024)

	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep results.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Totals.Requests < 4000 {
		t.Errorf("only %d requests recorded for 10 s at 500/s", rep.Totals.Requests)
	}
	var classified uint64
	for _, n := range rep.Totals.Status {
		classified += n
	}
	var kinds uint64
	for _, n := range rep.Totals.ErrorKinds {
		kinds += n
	}
	if classified+rep.Totals.Errors != rep.Totals.Requests || kinds != rep.Totals.Errors {
		t.Errorf("outcomes not all classified: %d requests, %d with a status, %d errors (%d by kind %v)",
			rep.Totals.Requests, classified, rep.Totals.Errors, kinds, rep.Totals.ErrorKinds)
	}
	for _, kind := range []string{"timeout", "reset"} {
		if rep.Totals.ErrorKinds[kind] == 0 {
			t.Errorf("no %s errors recorded: %v", kind, rep.Totals.ErrorKinds)
		}
	}
	byName := map[string]results.Endpoint{}
	for _, ep := range rep.Endpoints {
		byName[ep.Name] = ep
	}
	// /hang never answers: every request is a transport error, nearly all timeouts. A few may
	// be "other": /204-body and /304-body leave stray bytes on a connection the client may
	// reuse for its next request (an HTTP desync), which then reads a malformed response.
	if ep := byName["GET /hang"]; ep.Errors != ep.Requests || ep.ErrorKinds["timeout"]*10 < ep.Requests*9 {
		t.Errorf("/hang: %d requests, %d errors %v; want every one an error, nearly all timeouts", ep.Requests, ep.Errors, ep.ErrorKinds)
	}
	// Connection: close on every response: each request needs a new connection, and each is a
	// 200. On a machine busy with other tests some may time out; nothing else may go wrong.
	if ep := byName["GET /conn-close"]; ep.Status["200"]*2 < ep.Requests || ep.Status["200"]+ep.ErrorKinds["timeout"] != ep.Requests {
		t.Errorf("/conn-close: %v and errors %v of %d requests; want 200s (timeouts only under load)", ep.Status, ep.ErrorKinds, ep.Requests)
	}
}
