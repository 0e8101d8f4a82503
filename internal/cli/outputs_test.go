package cli

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseOutputs(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "file.txt", "x")
	p := func(name string) string { return filepath.Join(dir, name) }
	tests := []struct {
		name         string
		values       []string
		allowPartial bool
		want         []Output
		wantErr      string
	}{
		{name: "none"},
		{name: "every format", values: []string{"json=" + p("r.json"), "junit=" + p("j.xml"), "markdown=" + p("r.md"), "html=" + p("r.html")},
			want: []Output{{"json", p("r.json")}, {"junit", p("j.xml")}, {"markdown", p("r.md")}, {"html", p("r.html")}}},
		{name: "format is case-insensitive", values: []string{"JSON=" + p("r.json"), "Html=" + p("r.html")},
			want: []Output{{"json", p("r.json")}, {"html", p("r.html")}}},
		{name: "partial where allowed", values: []string{"partial=" + p("part.bin")}, allowPartial: true,
			want: []Output{{"partial", p("part.bin")}}},
		{name: "= in the path", values: []string{"json=" + p("a=b.json")}, want: []Output{{"json", p("a=b.json")}}},
		{name: "partial where not allowed", values: []string{"partial=" + p("part.bin")},
			wantErr: `unknown format "partial" (formats: html, json, junit, markdown)`},
		{name: "unknown format", values: []string{"yaml=" + p("r.yaml")}, allowPartial: true,
			wantErr: `unknown format "yaml" (formats: html, json, junit, markdown, partial)`},
		{name: "table is not a file format", values: []string{"table=" + p("t.txt")}, wantErr: `unknown format "table"`},
		{name: "no =", values: []string{"json"}, wantErr: `--out "json": want FORMAT=PATH, e.g. --out json=report.json`},
		{name: "no format", values: []string{"=" + p("r.json")}, wantErr: "want FORMAT=PATH"},
		{name: "no path", values: []string{"json="}, wantErr: "want FORMAT=PATH"},
		{name: "same path twice", values: []string{"json=" + p("r.out"), "html=" + p("r.out")},
			wantErr: p("r.out") + " is already the target of another --out"},
		{name: "same path spelled differently", values: []string{"json=" + p("r.out"), "html=" + dir + "/./sub/../r.out"},
			wantErr: "is already the target of another --out"},
		{name: "missing directory", values: []string{"json=" + p("nope/r.json")},
			wantErr: "directory " + p("nope") + " does not exist"},
		{name: "a directory as the path", values: []string{"json=" + dir}, wantErr: dir + " is a directory"},
		{name: "a file as the directory", values: []string{"json=" + file + "/r.json"}, wantErr: file + " is not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseOutputs(tt.values, tt.allowPartial)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || CodeOf(err) != ExitUsage {
					t.Errorf("parseOutputs(%q) = %v, %v; want usage error containing %q", tt.values, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseOutputs(%q) = %v, %v; want %v", tt.values, got, err, tt.want)
			}
		})
	}
	// The writability probe leaves nothing behind.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".seccheck-probe-") {
			t.Errorf("probe file %s left behind", e.Name())
		}
	}
}

func TestParseOutputsUnwritableDir(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes anywhere")
	}
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	_, err := parseOutputs([]string{"json=" + filepath.Join(dir, "r.json")}, false)
	if err == nil || !strings.Contains(err.Error(), "cannot write to "+dir) {
		t.Errorf("got %v, want cannot write to %s", err, dir)
	}
}
