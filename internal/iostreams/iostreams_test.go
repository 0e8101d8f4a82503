package iostreams

import (
	"testing"
)

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestTestStreamsAreNotTerminals(t *testing.T) {
	ios, out, errOut := Test()
	if ios.IsStdoutTTY() || ios.IsStderrTTY() {
		t.Errorf("Test(): IsStdoutTTY=%v IsStderrTTY=%v, want both false", ios.IsStdoutTTY(), ios.IsStderrTTY())
	}
	if ios.ColorEnabled() {
		t.Error("Test(): ColorEnabled = true, want false")
	}
	ios.Out.Write([]byte("to out"))
	ios.ErrOut.Write([]byte("to err"))
	if out.String() != "to out" || errOut.String() != "to err" {
		t.Errorf("buffers got out=%q err=%q", out, errOut)
	}
}

func TestColorEnabled(t *testing.T) {
	tests := []struct {
		name   string
		outTTY bool
		env    map[string]string
		want   bool
	}{
		{"terminal, no NO_COLOR", true, map[string]string{"TERM": "xterm-256color"}, true},
		{"terminal, NO_COLOR=1", true, map[string]string{"NO_COLOR": "1", "TERM": "xterm"}, false},
		{"terminal, NO_COLOR=anything", true, map[string]string{"NO_COLOR": "false"}, false},
		// no-color.org: an empty NO_COLOR does not turn colour off.
		{"terminal, NO_COLOR empty", true, map[string]string{"NO_COLOR": ""}, true},
		{"terminal, TERM=dumb", true, map[string]string{"TERM": "dumb"}, false},
		{"not a terminal", false, map[string]string{}, false},
		{"not a terminal, NO_COLOR", false, map[string]string{"NO_COLOR": "1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _ := Test()
			ios.SetTTY(tt.outTTY, false)
			ios.SetColorFromEnv(envOf(tt.env))
			if got := ios.ColorEnabled(); got != tt.want {
				t.Errorf("outTTY=%v env=%v: ColorEnabled = %v, want %v", tt.outTTY, tt.env, got, tt.want)
			}
		})
	}
}

func TestSetTTY(t *testing.T) {
	ios, _, _ := Test()
	ios.SetTTY(false, true)
	if ios.IsStdoutTTY() || !ios.IsStderrTTY() {
		t.Errorf("SetTTY(false, true): IsStdoutTTY=%v IsStderrTTY=%v", ios.IsStdoutTTY(), ios.IsStderrTTY())
	}
}
