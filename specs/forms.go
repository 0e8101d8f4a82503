package specs

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseDuration parses a Go duration ("30s", "2m", "1h30m").
func ParseDuration(s string) (Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: use Go syntax such as 30s, 2m or 1h30m", s)
	}
	return Duration(d), nil
}

// String prints the duration the short way: "2m", not "2m0s".
func (d Duration) String() string { return shortDuration(time.Duration(d)) }

func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// sizeUnits are the suffixes ParseSize accepts, matched case-insensitively. KB, MB and GB are
// decimal (1000), KiB, MiB and GiB binary (1024).
var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30},
	{"kb", 1000}, {"mb", 1000 * 1000}, {"gb", 1000 * 1000 * 1000},
	{"b", 1},
}

// ParseSize parses a byte count: plain bytes ("4096"), or a number and a unit: B, KB, MB, GB
// (powers of 1000) or KiB, MiB, GiB (powers of 1024), e.g. "512KiB", "1MiB", "1.5 MB". Units are
// case-insensitive. The result is rounded down to whole bytes.
func ParseSize(s string) (Size, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	lower := strings.ToLower(t)
	for _, u := range sizeUnits {
		if strings.HasSuffix(lower, u.suffix) {
			mult = u.mult
			t = strings.TrimSpace(t[:len(t)-len(u.suffix)])
			break
		}
	}
	bad := fmt.Errorf("invalid size %q: write bytes, or a number with KiB, MiB, GiB (1024) or KB, MB, GB (1000)", s)
	if t == "" || t[0] == '+' || t[0] == '-' && len(t) == 1 {
		return 0, bad
	}
	if n, err := strconv.ParseInt(t, 10, 64); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("invalid size %q: must not be negative", s)
		}
		if n > math.MaxInt64/mult {
			return 0, fmt.Errorf("invalid size %q: too large", s)
		}
		return Size(n * mult), nil
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || strings.ContainsAny(t, "xXpP_") {
		return 0, bad
	}
	if f < 0 {
		return 0, fmt.Errorf("invalid size %q: must not be negative", s)
	}
	v := f * float64(mult)
	if v >= math.MaxInt64 {
		return 0, fmt.Errorf("invalid size %q: too large", s)
	}
	return Size(v), nil
}

// String prints the size in the largest binary unit that divides it: "1MiB", "512KiB", "100".
func (s Size) String() string {
	switch {
	case s != 0 && s%(1<<30) == 0:
		return strconv.FormatInt(int64(s>>30), 10) + "GiB"
	case s != 0 && s%(1<<20) == 0:
		return strconv.FormatInt(int64(s>>20), 10) + "MiB"
	case s != 0 && s%(1<<10) == 0:
		return strconv.FormatInt(int64(s>>10), 10) + "KiB"
	}
	return strconv.FormatInt(int64(s), 10)
}

// thresholdOps in matching order: two-character operators first.
var thresholdOps = []string{"<=", ">=", "==", "!=", "<", ">"}

// thresholdUnits maps a written unit to the factor that normalises it: percentages to a
// fraction, times to milliseconds.
var thresholdUnits = []struct {
	unit   string
	factor float64
}{
	{"%", 0.01}, {"ms", 1}, {"us", 0.001}, {"µs", 0.001}, {"s", 1000}, {"m", 60000}, {"", 1},
}

// ParseThreshold parses "OP NUMBER[UNIT]": OP is one of < <= > >= == !=; UNIT is "%" (stored as
// a fraction: 0.1% -> 0.001), a time unit "us", "ms", "s" or "m" (stored in milliseconds:
// 2s -> 2000), or nothing (stored as written). Spaces are optional.
func ParseThreshold(s string) (Threshold, error) {
	t := strings.TrimSpace(s)
	var op string
	for _, o := range thresholdOps {
		if strings.HasPrefix(t, o) {
			op = o
			break
		}
	}
	if op == "" {
		if strings.HasPrefix(t, "=") {
			return Threshold{}, fmt.Errorf("invalid threshold %q: write == for equality", s)
		}
		return Threshold{}, fmt.Errorf("invalid threshold %q: start with one of < <= > >= == != (e.g. \"<= 0.1%%\", \"< 800ms\")", s)
	}
	rest := strings.TrimSpace(t[len(op):])
	for _, u := range thresholdUnits {
		if !strings.HasSuffix(rest, u.unit) {
			continue
		}
		num := strings.TrimSpace(rest[:len(rest)-len(u.unit)])
		v, err := parseThresholdNumber(num)
		if err != nil {
			if u.unit == "" {
				return Threshold{}, fmt.Errorf("invalid threshold %q: expected a number after %s, with an optional %%, ms or s", s, op)
			}
			continue // "5m" is not a number then "s"; try the next unit
		}
		return Threshold{Op: op, Value: v * u.factor, Unit: u.unit, Raw: t}, nil
	}
	return Threshold{}, fmt.Errorf("invalid threshold %q: expected a number after %s, with an optional %%, ms or s", s, op)
}

func parseThresholdNumber(s string) (float64, error) {
	if s == "" || strings.ContainsAny(s, "xXpP_+") || strings.EqualFold(s, "inf") || strings.EqualFold(s, "infinity") || strings.EqualFold(s, "nan") {
		return 0, errors.New("not a number")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, errors.New("not a number")
	}
	return v, nil
}

// String is the threshold as written.
func (t Threshold) String() string { return t.Raw }

// ParseStatus parses an exact status code ("404") or a class ("4xx", case-insensitive).
func ParseStatus(s string) (StatusMatcher, error) {
	t := strings.TrimSpace(s)
	if len(t) == 3 && t[0] >= '1' && t[0] <= '5' && (t[1] == 'x' || t[1] == 'X') && (t[2] == 'x' || t[2] == 'X') {
		return StatusMatcher{Class: int(t[0] - '0')}, nil
	}
	if n, err := strconv.Atoi(t); err == nil && n >= 100 && n <= 599 {
		return StatusMatcher{Code: n}, nil
	}
	return StatusMatcher{}, fmt.Errorf("status %q is neither a code 100–599 nor a class 1xx–5xx", s)
}

// String prints "404" or "4xx".
func (m StatusMatcher) String() string {
	if m.Code != 0 {
		return strconv.Itoa(m.Code)
	}
	return strconv.Itoa(m.Class) + "xx"
}
