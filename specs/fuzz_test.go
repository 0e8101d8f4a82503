package specs

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse: it must never panic, and every error it returns must
// be a non-empty ErrorList of positioned errors. Run it with a short minimisation time, or the
// worker spends the whole run minimising the large example seeds:
//
//	go test ./specs -run XXX -fuzz FuzzParse -fuzztime 60s -fuzzminimizetime 2s
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("examples/*.yaml")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(head + "  - {path: /x, auth: {basic: {user: u, password: '${P:-pw}'}}}\nload: {phases: [{duration: 1s, rate: 1, ramp_to: 5}]}\n"))
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Add([]byte("version: 1\nx: &x {a: 1}\ny: {<<: *x}\n"))
	dir := f.TempDir()
	file := filepath.Join(dir, "fuzz.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(file, data, env("P", "secret-value"))
		if err != nil {
			list, ok := err.(ErrorList)
			if !ok || len(list) == 0 || len(list) > MaxErrors {
				t.Fatalf("error %T with %d entries: %v", err, len(list), err)
			}
			for _, e := range list {
				if e.Line < 1 || e.Col < 1 || e.Msg == "" {
					t.Fatalf("bad position or message: %+v", e)
				}
			}
			return
		}
		_ = s.Plan().String()
		if len(s.Endpoints) == 0 || len(s.Load.Phases) == 0 {
			t.Fatalf("valid spec without endpoints or phases")
		}
	})
}
