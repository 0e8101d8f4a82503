package specs

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "rewrite specs/schema.json from the Go types")

func TestSchemaFile(t *testing.T) {
	got := SchemaJSON()
	if *update {
		if err := os.WriteFile("schema.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	committed, err := os.ReadFile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, got) {
		t.Fatal("specs/schema.json is out of date: run go test ./specs -run TestSchemaFile -update")
	}
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(SchemaJSON()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(SchemaID, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(SchemaID)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// yamlToJSON converts a YAML document to the value santhosh-tekuri/jsonschema validates.
func yamlToJSON(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

func TestSchemaValidatesExamples(t *testing.T) {
	sch := compileSchema(t)
	files, _ := filepath.Glob("examples/*.yaml")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(yamlToJSON(t, data)); err != nil {
			t.Errorf("%s does not validate:\n%v", f, err)
		}
	}
}

func TestSchemaRejects(t *testing.T) {
	sch := compileSchema(t)
	cases := map[string]string{
		"unknown top-level field": head + "  - path: /x\nverbose: true\n",
		"unknown nested field":    "version: 1\ntarget: {url: http://127.0.0.1, tiemout: 5s}\nendpoints: [{path: /x}]\n",
		"version 2":               "version: 2\n" + head[11:] + "  - path: /x\n",
		"two auth kinds":          head + "  - path: /x\nauth: {bearer: a, header: {name: b, value: c}}\n",
		"bad threshold":           head + "  - path: /x\nthresholds: {rate_5xx: about 1%}\n",
		"bad status":              head + "  - {path: /x, expect: {status: [600]}}\n",
		"no endpoints":            "version: 1\ntarget: {url: http://127.0.0.1}\n",
		"auth word":               head + "  - {path: /x, auth: nobody}\n",
	}
	for name, spec := range cases {
		if err := sch.Validate(yamlToJSON(t, []byte(spec))); err == nil {
			t.Errorf("%s: the schema accepted\n%s", name, spec)
		}
	}
	ok := head + "  - {path: /x, auth: none, expect: {status: [200, 4xx]}}\nauth: {basic: {user: u, password: p}}\ntarget: {url: http://127.0.0.1, max_body: 512KiB}\n"
	ok = strings.Replace(ok, "target: {url: http://127.0.0.1:8080}\n", "", 1)
	if err := sch.Validate(yamlToJSON(t, []byte(ok))); err != nil {
		t.Errorf("valid spec rejected: %v", err)
	}
}
