package conformance

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated part of docs/checks.md")

const (
	checksDoc      = "../docs/checks.md"
	catalogueBegin = "<!-- catalogue:begin -->\n"
	catalogueEnd   = "<!-- catalogue:end -->"
)

// catalogueMarkdown renders the leak catalogue table for docs/checks.md.
func catalogueMarkdown() string {
	var b strings.Builder
	b.WriteString("| rule id | severity | what it finds | anchors | fix |\n|---|---|---|---|---|\n")
	esc := func(s string) string {
		r := strings.NewReplacer("|", `\|`, "\n", `\n`, "\t", `\t`, "\r", `\r`, "`", "'")
		return r.Replace(s)
	}
	for _, s := range Catalogue {
		var anchors []string
		for _, a := range s.Anchors {
			anchors = append(anchors, "`"+esc(a)+"`")
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", s.ID(), s.Severity, esc(s.Desc), strings.Join(anchors, " "), esc(s.Fix))
	}
	return b.String()
}

// TestChecksDoc keeps docs/checks.md in sync with the catalogue and the rule ids.
func TestChecksDoc(t *testing.T) {
	data, err := os.ReadFile(checksDoc)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i, j := strings.Index(doc, catalogueBegin), strings.Index(doc, catalogueEnd)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the catalogue markers", checksDoc)
	}
	want := doc[:i+len(catalogueBegin)] + catalogueMarkdown() + doc[j:]
	if *update {
		if err := os.WriteFile(checksDoc, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		doc = want
	} else if doc != want {
		t.Errorf("%s: the leak catalogue is out of date; run go test ./conformance/ -run TestChecksDoc -update", checksDoc)
	}
	ids := []string{RuleHeaderMissing, RuleHeaderValue, RuleHeaderForbidden, RuleCookieFlags, RuleStatusUnexpected, RuleBodyPattern, "header.bypass_on_error",
		RuleCORSWildcardCredentials, RuleCORSOriginReflected}
	for _, s := range Catalogue {
		ids = append(ids, s.ID())
	}
	for _, id := range ids {
		if !strings.Contains(doc, "`"+id+"`") {
			t.Errorf("%s does not mention rule id %s", checksDoc, id)
		}
	}
}
