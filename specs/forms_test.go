package specs

import (
	"strings"
	"testing"
)

func TestParseThreshold(t *testing.T) {
	cases := []struct {
		in    string
		op    string
		value float64
		unit  string
		err   string
	}{
		{in: "<= 0.1%", op: "<=", value: 0.001, unit: "%"},
		{in: "< 800ms", op: "<", value: 800, unit: "ms"},
		{in: "<2s", op: "<", value: 2000, unit: "s"},
		{in: "== 0", op: "==", value: 0},
		{in: "> 50%", op: ">", value: 0.5, unit: "%"},
		{in: ">= 1.5m", op: ">=", value: 90000, unit: "m"},
		{in: "!= 3", op: "!=", value: 3},
		{in: "  <  500us ", op: "<", value: 0.5, unit: "us"},
		{in: "< .5s", op: "<", value: 500, unit: "s"},
		{in: "= 0", err: `invalid threshold "= 0": write == for equality`},
		{in: "0.1%", err: `invalid threshold "0.1%": start with one of`},
		{in: "<=", err: `invalid threshold "<=": expected a number after <=`},
		{in: "< fast", err: `invalid threshold "< fast": expected a number`},
		{in: "< 5 apples", err: `invalid threshold "< 5 apples": expected a number`},
		{in: "< NaN", err: "expected a number"},
		{in: "< inf%", err: "expected a number"},
		{in: "< 0x10", err: "expected a number"},
	}
	for _, tc := range cases {
		got, err := ParseThreshold(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseThreshold(%q) error = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got.Op != tc.op || got.Value != tc.value || got.Unit != tc.unit || got.Raw != strings.TrimSpace(tc.in) {
			t.Errorf("ParseThreshold(%q) = %+v, %v; want %s %v %q", tc.in, got, err, tc.op, tc.value, tc.unit)
		}
	}
	th, _ := ParseThreshold("<= 0.1%")
	if !th.Holds(0.001) || th.Holds(0.0011) {
		t.Error("Holds compares in the normalised unit")
	}
}

func TestParseSize(t *testing.T) {
	cases := []struct {
		in   string
		want Size
		err  bool
	}{
		{"512KiB", 512 << 10, false},
		{"1MiB", 1 << 20, false},
		{"1mib", 1 << 20, false},
		{"2GiB", 2 << 30, false},
		{"1KB", 1000, false},
		{"1.5 MB", 1_500_000, false},
		{"4096", 4096, false},
		{"10B", 10, false},
		{"0", 0, false},
		{"", 0, true},
		{"-1", 0, true},
		{"-1KiB", 0, true},
		{"1 potato", 0, true},
		{"KiB", 0, true},
		{"99999999999999GiB", 0, true},
		{"1e3", 1000, false},
		{"0x10", 0, true},
		{"NaN", 0, true},
	}
	for _, tc := range cases {
		got, err := ParseSize(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseSize(%q) = %v, %v; want %v (error %v)", tc.in, got, err, tc.want, tc.err)
		}
	}
	for s, want := range map[Size]string{1 << 20: "1MiB", 512 << 10: "512KiB", 100: "100", 0: "0", 3 << 30: "3GiB"} {
		if s.String() != want {
			t.Errorf("Size(%d).String() = %s, want %s", int64(s), s.String(), want)
		}
	}
}

func TestParseStatus(t *testing.T) {
	for in, want := range map[string]StatusMatcher{"200": {Code: 200}, "2xx": {Class: 2}, "5XX": {Class: 5}, "599": {Code: 599}, "100": {Code: 100}} {
		got, err := ParseStatus(in)
		if err != nil || got != want {
			t.Errorf("ParseStatus(%q) = %+v, %v", in, got, err)
		}
	}
	for _, in := range []string{"99", "600", "6xx", "0xx", "2x", "ok", ""} {
		if _, err := ParseStatus(in); err == nil {
			t.Errorf("ParseStatus(%q) accepted", in)
		}
	}
	if m := (StatusMatcher{Class: 4}); !m.Match(404) || m.Match(500) || m.String() != "4xx" {
		t.Error("class matcher")
	}
}

func TestDurationString(t *testing.T) {
	for in, want := range map[string]string{"2m": "2m", "90s": "1m30s", "1h": "1h", "1h30m": "1h30m", "500ms": "500ms"} {
		d, err := ParseDuration(in)
		if err != nil || d.String() != want {
			t.Errorf("ParseDuration(%q).String() = %q, %v; want %q", in, d.String(), err, want)
		}
	}
}
