package conformance

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func leakIDs(vs []Violation) []string {
	var ids []string
	for _, v := range vs {
		ids = append(ids, v.Rule)
	}
	sort.Strings(ids)
	return ids
}

// TestCatalogueExamples walks the table: every row's example must yield exactly that row's id.
func TestCatalogueExamples(t *testing.T) {
	for i := range Catalogue {
		s := &Catalogue[i]
		t.Run(s.ID()+"/"+s.Anchors[0], func(t *testing.T) {
			if s.Example == "" || s.Desc == "" || s.Fix == "" {
				t.Fatalf("row %d (%s) needs an example, a description and a fix", i, s.ID())
			}
			got := leakIDs(builtinLeaks.scan([]byte(s.Example), nil))
			if len(got) != 1 || got[0] != s.ID() {
				t.Errorf("example of row %d:\n%s\nwant exactly [%s], got %v", i, s.Example, s.ID(), got)
			}
			// The row must match its own example, not only a sibling of the same kind.
			one, err := compileCatalogue([]Signature{*s})
			if err != nil {
				t.Fatal(err)
			}
			if got := one.scan([]byte(s.Example), nil); len(got) != 1 {
				t.Errorf("row %d alone does not match its example:\n%s", i, s.Example)
			}
		})
	}
}

// TestCatalogueExamplesEmbedded checks offsets and detection when the example sits inside a
// larger body (JSON-escaped or in the middle of HTML).
func TestCatalogueExamplesEmbedded(t *testing.T) {
	pad := strings.Repeat("lorem ipsum dolor sit amet, ", 40)
	for i := range Catalogue {
		s := &Catalogue[i]
		body := pad + "\n" + s.Example + "\n" + pad
		got := builtinLeaks.scan([]byte(body), nil)
		if len(got) != 1 || got[0].Rule != s.ID() {
			t.Errorf("row %d embedded: want [%s], got %v", i, s.ID(), leakIDs(got))
			continue
		}
		if off := got[0].Offset; off < len(pad)+1 || off >= len(pad)+1+len(s.Example) {
			t.Errorf("row %d embedded: offset %d outside the example [%d,%d)", i, off, len(pad)+1, len(pad)+1+len(s.Example))
		}
	}
}

func TestCatalogueKinds(t *testing.T) {
	want := []string{KindPythonTraceback, KindPythonException, KindSQLError, KindJavaStacktrace, KindGoPanic,
		KindNodeStacktrace, KindDotnetException, KindRubyException, KindPHPError, KindDebugPage, KindSourcePath, KindPrivateKey}
	have := map[string]bool{}
	for _, s := range Catalogue {
		have[s.Kind] = true
	}
	for _, k := range want {
		if !have[k] {
			t.Errorf("catalogue has no row of kind %s", k)
		}
	}
}

// TestIncidentBody is the body of the incident behind seccheck (DESIGN.md "Why it exists").
func TestIncidentBody(t *testing.T) {
	body := `Traceback (most recent call last):
  File "/home/app/.venv/lib/python3.12/site-packages/starlette/middleware/errors.py", line 165, in __call__
    await self.app(scope, receive, _send)
  File "/home/app/orders/api.py", line 41, in list_orders
    result = await session.execute(select(Order))
AttributeError: '_AsyncGeneratorContextManager' object has no attribute 'execute'
`
	got := leakIDs(builtinLeaks.scan([]byte(body), nil))
	want := []string{"body.leak.python_exception", "body.leak.python_traceback", "body.leak.source_path"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("want %v, got %v", want, got)
	}
}

// TestCleanCorpus: real-world-like clean bodies must yield no violation at all.
func TestCleanCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/clean/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 40 {
		t.Fatalf("clean corpus has %d files, want at least 40", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := builtinLeaks.scan(b, nil); len(got) > 0 {
			for _, v := range got {
				lo, hi := max(0, v.Offset-60), min(len(b), v.Offset+100)
				t.Errorf("%s: false positive %s at %d: %q", filepath.Base(f), v.Rule, v.Offset, b[lo:hi])
			}
		}
	}
}
