package render

import (
	"bytes"
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/jstemmer/go-junit-report/v2/junit"
)

func renderJUnit(t *testing.T, r func() *resultsReport) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := (JUnit{}).Render(&buf, r()); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestJUnitReadsBack parses the XML with go-junit-report's types, the shape CI readers share,
// and checks what a reader relies on: counts that add up, a failure per failing family that
// names the rule, the count and the statuses, and thresholds where they belong.
func TestJUnitReadsBack(t *testing.T) {
	out := renderJUnit(t, richReport)
	var doc junit.Testsuites
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("JUnit does not parse: %v", err)
	}
	names := []string{}
	tests, failures := 0, 0
	for _, s := range doc.Suites {
		names = append(names, s.Name)
		f := 0
		for _, c := range s.Testcases {
			if c.Failure != nil {
				f++
				if c.Failure.Message == "" || c.Failure.Type == "" {
					t.Errorf("%s/%s: failure without message or type", s.Name, c.Name)
				}
			}
		}
		if s.Tests != len(s.Testcases) || s.Failures != f {
			t.Errorf("suite %s: tests=%d failures=%d, but has %d cases, %d failing", s.Name, s.Tests, s.Failures, len(s.Testcases), f)
		}
		tests += s.Tests
		failures += s.Failures
	}
	if got, want := strings.Join(names, ","), "list-orders,create-order,health,thresholds"; got != want {
		t.Errorf("suites %s, want %s", got, want)
	}
	if doc.Tests != tests || doc.Failures != failures || doc.Tests != 17 || doc.Failures != 9 {
		t.Errorf("testsuites tests=%d failures=%d; suites add to %d/%d; want 17/9", doc.Tests, doc.Failures, tests, failures)
	}
	headers := doc.Suites[0].Testcases[0]
	if headers.Name != "security headers" || headers.Failure == nil {
		t.Fatalf("first case of list-orders = %+v, want failing security headers", headers)
	}
	for _, want := range []string{"header.bypass_on_error", "strict-transport-security", "87", "500:80, 502:7"} {
		if !strings.Contains(headers.Failure.Message, want) {
			t.Errorf("failure message %q lacks %q", headers.Failure.Message, want)
		}
	}
	for _, want := range []string{"exemplar: GET http://127.0.0.1:8080/api/orders?limit=10 -> 500", "AttributeError", `debug\x00dump`} {
		if !strings.Contains(headers.Failure.Data, want) {
			t.Errorf("failure text lacks %q:\n%s", want, headers.Failure.Data)
		}
	}
	health := doc.Suites[2].Testcases
	if last := health[len(health)-1]; last.Name != "threshold latency_p99 < 50ms" || last.Failure != nil {
		t.Errorf("health's endpoint threshold case = %+v", last)
	}
}

// TestJUnitSchemaShape checks the document against what the common JUnit XSDs (Ant/Jenkins
// junit-4, GitLab, GitHub reporters) require, walking the raw XML so an attribute the
// go-junit-report types would default is still seen missing.
func TestJUnitSchemaShape(t *testing.T) {
	for _, fx := range []struct {
		name   string
		report func() *resultsReport
	}{{"rich", richReport}, {"check", checkReport}, {"partial", partialReport}} {
		t.Run(fx.name, func(t *testing.T) {
			out := renderJUnit(t, fx.report)
			if !bytes.HasPrefix(out, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
				t.Error("no XML declaration")
			}
			for _, r := range string(out) {
				if !xmlChar(r) {
					t.Fatalf("character %U cannot appear in XML 1.0", r)
				}
			}
			required := map[string][]string{
				"testsuites": {"name", "tests", "failures", "errors", "skipped", "time"},
				"testsuite":  {"name", "tests", "failures", "errors", "skipped", "time", "timestamp", "hostname", "id", "package"},
				"testcase":   {"name", "classname", "time"},
				"failure":    {"message", "type"},
				"error":      {"message", "type"},
				"property":   {"name", "value"},
			}
			allowedChildren := map[string]string{
				"testsuites": "testsuite", "testsuite": "properties testcase", "properties": "property",
				"testcase": "failure error skipped", "failure": "", "error": "", "property": "",
			}
			type frame struct {
				name              string
				counts            map[string]int
				tests, fail, errs int
			}
			var stack []*frame
			dec := xml.NewDecoder(bytes.NewReader(out))
			for {
				tok, err := dec.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("XML: %v", err)
				}
				switch el := tok.(type) {
				case xml.StartElement:
					name := el.Name.Local
					if len(stack) == 0 && name != "testsuites" {
						t.Fatalf("root is <%s>, want <testsuites>", name)
					}
					if len(stack) > 0 {
						parent := stack[len(stack)-1]
						if !strings.Contains(" "+allowedChildren[parent.name]+" ", " "+name+" ") {
							t.Errorf("<%s> inside <%s>", name, parent.name)
						}
						switch name {
						case "testcase":
							parent.counts["tests"]++
						case "failure":
							stack[len(stack)-2].counts["failures"]++
						case "error":
							stack[len(stack)-2].counts["errors"]++
						case "testsuite":
							// counted from its own attributes below
						}
					}
					attrs := map[string]string{}
					for _, a := range el.Attr {
						attrs[a.Name.Local] = a.Value
					}
					for _, a := range required[name] {
						if _, ok := attrs[a]; !ok {
							t.Errorf("<%s> lacks required attribute %s", name, a)
						}
					}
					f := &frame{name: name, counts: map[string]int{}}
					if name == "testsuite" || name == "testsuites" {
						f.tests, _ = strconv.Atoi(attrs["tests"])
						f.fail, _ = strconv.Atoi(attrs["failures"])
						f.errs, _ = strconv.Atoi(attrs["errors"])
						if _, err := strconv.ParseFloat(attrs["time"], 64); err != nil {
							t.Errorf("<%s time=%q> is not a number", name, attrs["time"])
						}
					}
					if name == "testsuite" {
						if ts := attrs["timestamp"]; len(ts) != 19 || ts[10] != 'T' {
							t.Errorf("timestamp %q is not zone-less ISO 8601", ts)
						}
						if attrs["name"] == "" || attrs["hostname"] == "" || attrs["package"] == "" {
							t.Errorf("testsuite with empty name, hostname or package: %v", attrs)
						}
					}
					stack = append(stack, f)
				case xml.EndElement:
					f := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					if f.name == "testsuite" {
						if f.counts["tests"] != f.tests || f.counts["failures"] != f.fail || f.counts["errors"] != f.errs {
							t.Errorf("testsuite says tests=%d failures=%d errors=%d, holds %v", f.tests, f.fail, f.errs, f.counts)
						}
						parent := stack[len(stack)-1]
						parent.counts["tests"] += f.tests
						parent.counts["failures"] += f.fail
						parent.counts["errors"] += f.errs
					}
					if f.name == "testsuites" {
						if f.counts["tests"] != f.tests || f.counts["failures"] != f.fail || f.counts["errors"] != f.errs {
							t.Errorf("testsuites says tests=%d failures=%d errors=%d, suites add to %v", f.tests, f.fail, f.errs, f.counts)
						}
					}
				}
			}
		})
	}
}

func TestJUnitPartialIsAnError(t *testing.T) {
	var doc junit.Testsuites
	if err := xml.Unmarshal(renderJUnit(t, partialReport), &doc); err != nil {
		t.Fatal(err)
	}
	last := doc.Suites[len(doc.Suites)-1]
	c := last.Testcases[len(last.Testcases)-1]
	if doc.Errors != 1 || c.Error == nil || !strings.Contains(c.Error.Message, "interrupted") {
		t.Errorf("partial run: errors=%d, last case %+v", doc.Errors, c)
	}
}
