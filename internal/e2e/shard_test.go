package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seccheck/seccheck/results"
)

// shardTarget is a service with a deterministic defect: /api/items always answers 200 with the
// five security headers; /api/orders does too, except every 10th request to it (a server-side
// counter, shared by every client) answers 500 from a "last-resort handler" with no security
// header and a Python traceback. Preflight requests (to "/") are not counted in api.
type shardTarget struct {
	*httptest.Server
	api    atomic.Int64 // requests to /api/*
	orders atomic.Int64
}

func newShardTarget(t *testing.T) *shardTarget {
	t.Helper()
	st := &shardTarget{}
	st.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			st.api.Add(1)
		}
		if r.URL.Path == "/api/orders" && st.orders.Add(1)%10 == 0 {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, "Traceback (most recent call last):\n  File \"/app/orders/db.py\", line 42, in list_orders\n"+
				"    rows = await session.execute(q)\nAttributeError: '_AsyncGeneratorContextManager' object has no attribute 'execute'\n")
			return
		}
		h := w.Header()
		h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok":true}`)
	}))
	t.Cleanup(st.Close)
	return st
}

// shardSpec: 2 s at 300/s (600 hits, open model) then a closed phase of 5 in flight bounded by
// max_requests 200: 800 requests in all, exactly, however the run is split.
const shardSpecPlan = 800

func shardSpec(url, name string) string {
	return `version: 1
name: ` + name + `
target: {url: "` + url + `/", timeout: 5s}
endpoints:
  - {name: items, path: /api/items, weight: 3, expect: {status: [200]}}
  - {name: orders, path: /api/orders, weight: 1, expect: {status: [200]}}
load:
  phases:
    - {duration: 2s, rate: 300}
    - {duration: 30s, concurrency: 5, max_requests: 200}
checks: {preset: recommended}
thresholds:
  rate_errors: "<= 1%"
`
}

// findingKey is what "the same findings" means: rule, endpoint, header (or leak kind).
func findingKeys(r *results.Report) []string {
	var keys []string
	for _, f := range r.Findings {
		keys = append(keys, f.Rule+" "+f.Endpoint+" "+f.Header+f.Kind)
	}
	slices.Sort(keys)
	return keys
}

func readReport(t *testing.T, path string) (*results.Report, map[string]any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep results.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	return &rep, raw
}

// TestShardedRunMatchesSingle: three shard processes started together with a common
// --start-at (one of them in the Kubernetes form, --shards 3 + $JOB_COMPLETION_INDEX), merged,
// send exactly the plan's requests (the target counts them), and give the same findings and
// verdict as one process running the whole spec. The merge's exit code is the verdict. Then
// merge's refusals: parts of another spec, a duplicated shard, a file that is not a partial;
// and 2 of 3 shards give a report marked partial that names the missing shard.
func TestShardedRunMatchesSingle(t *testing.T) {
	dir := t.TempDir()
	const limit = 60 * time.Second

	// One process, the whole spec.
	single := newShardTarget(t)
	singleSpec := writeFile(t, dir, "single.yaml", shardSpec(single.URL, "shard-e2e"))
	singleJSON := filepath.Join(dir, "single.json")
	r := seccheck(t, limit, nil, "run", singleSpec, "--seed", "7", "--no-progress", "--out", "json="+singleJSON)
	if r.code != 1 {
		t.Fatalf("single run: exit %d, want 1 (findings)\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	singleRep, _ := readReport(t, singleJSON)

	// Three shards against a fresh target (its counter starts again at 0).
	sharded := newShardTarget(t)
	spec := writeFile(t, dir, "spec.yaml", shardSpec(sharded.URL, "shard-e2e"))
	startAt := time.Now().Add(1500 * time.Millisecond).UTC().Format(time.RFC3339Nano)
	parts := make([]string, 3)
	results3 := make([]result, 3)
	var wg sync.WaitGroup
	for i := range 3 {
		parts[i] = filepath.Join(dir, fmt.Sprintf("part-%d.bin", i))
		args := []string{"run", spec, "--start-at", startAt, "--seed", "7", "--no-progress", "--out", "partial=" + parts[i]}
		var env []string
		if i == 2 {
			// What an Indexed Job's pod gets.
			args = append(args, "--shards", "3")
			env = []string{"JOB_COMPLETION_INDEX=2"}
		} else {
			args = append(args, "--shard", fmt.Sprintf("%d/3", i))
		}
		cmd, stdout, stderr := start(t, env, args...)
		wg.Add(1)
		go func() {
			defer wg.Done()
			results3[i] = wait(t, cmd, stdout, stderr, limit)
		}()
	}
	wg.Wait()
	for i, r := range results3 {
		t.Logf("shard %d: exit %d\n%s\n%s", i, r.code, r.stdout, r.stderr)
		// A shard judges only its slice: 0 or 1 are both a finished shard.
		if r.code != 0 && r.code != 1 {
			t.Fatalf("shard %d: exit %d\nstdout:\n%s\nstderr:\n%s", i, r.code, r.stdout, r.stderr)
		}
	}

	merged := filepath.Join(dir, "merged.json")
	r = seccheck(t, limit, nil, "merge", parts[0], parts[1], parts[2], "--out", "json="+merged)
	if r.code != 1 {
		t.Fatalf("merge: exit %d, want 1 (the verdict: fail)\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	rep, raw := readReport(t, merged)

	if raw["schema"] != "seccheck.report/v1" || rep.Schema != "seccheck.report/v1" {
		t.Errorf("merged schema = %v, want seccheck.report/v1", raw["schema"])
	}
	if raw["shards"] != float64(3) {
		t.Errorf("merged shards = %v, want 3", raw["shards"])
	}
	for _, k := range []string{"name", "verdict", "partial", "started_at", "duration_s", "totals", "endpoints", "findings", "thresholds", "timeline"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("merged.json has no %q (report v1)", k)
		}
	}
	if rep.Partial {
		t.Errorf("merge of all 3 shards marked partial: %s", rep.PartialWhy)
	}
	if rep.Command != "merge" {
		t.Errorf("merged command = %q, want merge", rep.Command)
	}

	// Counts: exactly the plan, in each form, and what the targets saw.
	if got := singleRep.Totals.Requests; got != shardSpecPlan || single.api.Load() != shardSpecPlan {
		t.Errorf("single run: %d requests in the report, %d at the target; want %d", got, single.api.Load(), shardSpecPlan)
	}
	if got := rep.Totals.Requests; got != shardSpecPlan {
		t.Errorf("merged: %d requests, want %d", got, shardSpecPlan)
	}
	if got := sharded.api.Load(); got != int64(rep.Totals.Requests) {
		t.Errorf("target saw %d requests, merged report says %d", got, rep.Totals.Requests)
	}
	if len(rep.Phases) != 2 {
		t.Fatalf("merged phases: %+v, want 2", rep.Phases)
	}
	if p := rep.Phases[0]; p.Requested != 600 || p.Sent != 600 {
		t.Errorf("merged open phase: requested %d, sent %d; want 600 each (every global hit in exactly one shard)", p.Requested, p.Sent)
	}
	if p := rep.Phases[1]; p.Sent != 200 || p.Concurrency != 5 {
		t.Errorf("merged closed phase: sent %d at concurrency %d; want 200 (max_requests) at 5", p.Sent, p.Concurrency)
	}
	if rep.Totals.Status5xx == 0 || rep.Totals.Status5xx != uint64(sharded.orders.Load()/10) {
		t.Errorf("merged 5xx = %d, target answered %d with 500", rep.Totals.Status5xx, sharded.orders.Load()/10)
	}
	var perEndpoint uint64
	for _, e := range rep.Endpoints {
		perEndpoint += e.Requests
	}
	if perEndpoint != rep.Totals.Requests {
		t.Errorf("endpoints add up to %d, totals say %d", perEndpoint, rep.Totals.Requests)
	}

	// Findings and verdict: the same as one process.
	if got, want := findingKeys(rep), findingKeys(singleRep); !slices.Equal(got, want) {
		t.Errorf("findings differ\nmerged: %q\nsingle: %q", got, want)
	}
	if !slices.ContainsFunc(findingKeys(rep), func(k string) bool { return strings.HasPrefix(k, "header.bypass_on_error orders") }) {
		t.Errorf("no header.bypass_on_error on orders: %q", findingKeys(rep))
	}
	if rep.Verdict != "fail" || singleRep.Verdict != "fail" {
		t.Errorf("verdicts: merged %q, single %q; want fail, fail", rep.Verdict, singleRep.Verdict)
	}
	if rep.Seed != 7 {
		t.Errorf("merged seed = %d, want 7", rep.Seed)
	}

	t.Run("refuses parts of another spec", func(t *testing.T) {
		other := writeFile(t, dir, "other.yaml", strings.Replace(shardSpec(sharded.URL, "other"), "rate: 300", "rate: 30", 1))
		otherPart := filepath.Join(dir, "other-0.bin")
		r := seccheck(t, limit, nil, "run", other, "--shard", "0/3", "--duration-scale", "0.25", "--no-progress", "--out", "partial="+otherPart)
		if r.code != 0 && r.code != 1 {
			t.Fatalf("other spec's shard: exit %d\n%s", r.code, r.stderr)
		}
		r = seccheck(t, limit, nil, "merge", parts[0], otherPart, parts[2])
		if r.code != 2 || !strings.Contains(r.stderr, parts[0]) || !strings.Contains(r.stderr, otherPart) || !strings.Contains(r.stderr, "different specs") {
			t.Errorf("merge of two specs: exit %d, stderr %q; want 2 naming %s and %s and saying different specs", r.code, r.stderr, parts[0], otherPart)
		}
	})
	t.Run("refuses a duplicated shard", func(t *testing.T) {
		dup := filepath.Join(dir, "copy-of-part-1.bin")
		b, err := os.ReadFile(parts[1])
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, filepath.Base(dup), string(b))
		r := seccheck(t, limit, nil, "merge", parts[0], parts[1], dup)
		if r.code != 2 || !strings.Contains(r.stderr, parts[1]) || !strings.Contains(r.stderr, dup) || !strings.Contains(r.stderr, "shard 1") {
			t.Errorf("merge with shard 1 twice: exit %d, stderr %q; want 2 naming both files and shard 1", r.code, r.stderr)
		}
	})
	t.Run("refuses a file that is not a partial", func(t *testing.T) {
		r := seccheck(t, limit, nil, "merge", parts[0], merged)
		if r.code != 2 || !strings.Contains(r.stderr, merged) || !strings.Contains(r.stderr, "not a seccheck partial") {
			t.Errorf("merge of a JSON report: exit %d, stderr %q; want 2 naming %s", r.code, r.stderr, merged)
		}
		missing := filepath.Join(dir, "no-such-part.bin")
		r = seccheck(t, limit, nil, "merge", parts[0], missing)
		if r.code != 2 || !strings.Contains(r.stderr, missing) {
			t.Errorf("merge of a missing file: exit %d, stderr %q; want 2 naming it", r.code, r.stderr)
		}
	})
	t.Run("two of three shards is partial", func(t *testing.T) {
		two := filepath.Join(dir, "two.json")
		r := seccheck(t, limit, nil, "merge", parts[0], parts[2], "--out", "json="+two)
		if r.code != 0 && r.code != 1 {
			t.Fatalf("merge of 2 of 3: exit %d\n%s", r.code, r.stderr)
		}
		rep2, _ := readReport(t, two)
		if !rep2.Partial || !strings.Contains(rep2.PartialWhy, "missing 1") {
			t.Errorf("merge of shards 0 and 2: partial %v, reason %q; want partial naming shard 1 as missing", rep2.Partial, rep2.PartialWhy)
		}
		if rep2.Shards != 3 || rep2.Totals.Requests >= rep.Totals.Requests {
			t.Errorf("merge of 2 of 3: shards %d, %d requests (all 3: %d)", rep2.Shards, rep2.Totals.Requests, rep.Totals.Requests)
		}
		if !strings.Contains(r.stdout, "missing 1") {
			t.Errorf("the table does not say which shard is missing:\n%s", r.stdout)
		}
	})
}

// TestShardStartAtInThePast: a shard whose --start-at has already passed (a pod scheduled late,
// a stale START_AT) does not wait: it says so on stderr and runs its whole share at once. An
// hour in the past proves it: a process that waited for anything would be killed by the limit.
// Its report's clock still counts from --start-at, so its phase starts an hour in.
func TestShardStartAtInThePast(t *testing.T) {
	target := newShardTarget(t)
	dir := t.TempDir()
	spec := writeFile(t, dir, "spec.yaml", shardSpec(target.URL, "late"))
	out := filepath.Join(dir, "late.json")
	startAt := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	r := seccheck(t, 60*time.Second, nil, "run", spec, "--shard", "1/3", "--start-at", startAt,
		"--duration-scale", "0.5", "--seed", "7", "--no-progress", "--out", "json="+out)
	if r.code != 0 && r.code != 1 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "--start-at "+startAt+" is ") || !strings.Contains(r.stderr, "in the past: starting now") {
		t.Errorf("stderr does not say the start instant has passed:\n%s", r.stderr)
	}
	rep, _ := readReport(t, out)
	// Shard 1 of 3: hits 1, 4, 7, … of the 300 of 1 s at 300/s; ⌊200/3⌋ + 1 (1 < 200 mod 3) of max_requests.
	if p := rep.Phases; len(p) != 2 || p[0].Sent != 100 || p[1].Sent != 67 || p[0].StartS < 3600 {
		t.Errorf("phases %+v; want 100 open hits then 67 closed, the first starting ≥ 3600 s after --start-at", p)
	}
	if got := target.api.Load(); got != 167 || rep.Totals.Requests != 167 {
		t.Errorf("target saw %d, report says %d; want 167", got, rep.Totals.Requests)
	}
}
