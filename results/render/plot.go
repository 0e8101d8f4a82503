package render

import (
	"math"
	"strconv"
	"strings"

	"github.com/seccheck/seccheck/results"
)

// maxPlotPoints bounds the points per series in the HTML plots; a 3-hour run has 10,800
// timeline rows, which a browser draws fine but a reader cannot tell apart.
const maxPlotPoints = 600

// plotPoint is one x position of the plots: one timeline second or a bucket of them.
type plotPoint struct {
	T                      float64 // centre of the covered interval, seconds since start
	RPS                    float64 // requests per second over the interval
	Pct5xx, PctErr         float64 // percent of the interval's requests
	P50, P95, P99          float64 // ms
	HasLatency, HasTraffic bool
}

// downsample turns timeline rows into at most max points. Consecutive rows are grouped k at a
// time, k = ⌈n/max⌉. For a bucket B covering seconds [t₀, t₁]:
//
//	RPS = Σ requests / (t₁ − t₀ + 1)     (seconds without a row count as idle)
//	5xx % = 100 · Σ status_5xx / Σ requests
//	p50, p95, p99 = the worst second of B
//
// Rates stay exact over the bucket; latency takes the maximum because a spike is what a reader
// looks for and an average of percentiles is not a percentile anyway.
//
// end is the run's duration in seconds: the last row's second is cut short by the end of the
// run, so its rate divides by the part of the second that was run, not a whole second (else
// every plot would drop towards zero at its right edge).
func downsample(tl []results.Second, max int, end float64) []plotPoint {
	if len(tl) == 0 {
		return nil
	}
	k := (len(tl) + max - 1) / max
	out := make([]plotPoint, 0, (len(tl)+k-1)/k)
	for i := 0; i < len(tl); i += k {
		j := min(i+k, len(tl))
		first, last := tl[i].T, tl[j-1].T
		span := float64(last-first) + 1
		if j == len(tl) && end > float64(first) && end < float64(last)+1 {
			span = end - float64(first)
		}
		if span < 0.5 { // a sliver of a second says nothing about a rate: leave it out
			break
		}
		var req, s5, errs uint64
		p := plotPoint{T: float64(first+last+1) / 2}
		for _, s := range tl[i:j] {
			req += s.Requests
			s5 += s.Status5xx
			errs += s.Errors
			if s.Requests > 0 || s.P99 > 0 {
				p.HasLatency = true
				p.P50 = math.Max(p.P50, s.P50)
				p.P95 = math.Max(p.P95, s.P95)
				p.P99 = math.Max(p.P99, s.P99)
			}
		}
		p.RPS = float64(req) / span
		if req+errs > 0 {
			p.HasTraffic = true
			p.Pct5xx = 100 * float64(s5) / float64(req)
			p.PctErr = 100 * float64(errs) / float64(req)
		}
		if req == 0 {
			p.Pct5xx, p.PctErr = 0, 0
		}
		out = append(out, p)
	}
	return out
}

// The chart geometry, in SVG user units (the viewBox); CSS scales the whole drawing.
const (
	chartW      = 960.0
	chartH      = 206.0
	chartLeft   = 64.0  // room for y labels
	chartRight  = 944.0 // chartW - right margin
	chartTop    = 40.0  // room for the legend
	chartBottom = 172.0 // room for x labels
)

// chart is one line plot ready for the template: every number is already a formatted string
// so the output is byte-stable for golden files.
type chart struct {
	ID, Title, Unit string
	W, H            string
	X0, X1, Y0, Y1  string // plot area
	TickEnd         string // lower end of the x tick marks
	XTicks, YTicks  []tick
	Series          []series
	Phases          []phaseMark
	Note            string // shown under the title, e.g. "worst second of each 18 s bucket"
}

type tick struct{ Pos, Label string }

type series struct {
	Name, Class string
	D           string // SVG path data; "M" starts a segment so gaps stay gaps
	Dashed      bool
	LegendX     string
	LegendTextX string
}

type phaseMark struct{ X, LabelX, Label string }

func fnum(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// scale maps a domain [d0,d1] linearly onto a range [r0,r1].
type scale struct{ d0, d1, r0, r1 float64 }

func (s scale) at(v float64) float64 {
	if s.d1 == s.d0 {
		return s.r0
	}
	return s.r0 + (v-s.d0)*(s.r1-s.r0)/(s.d1-s.d0)
}

// niceStep returns a step of 1, 2 or 5 × 10ⁿ that splits span into about n intervals.
func niceStep(span float64, n int) float64 {
	if span <= 0 || math.IsNaN(span) || math.IsInf(span, 0) {
		return 1
	}
	raw := span / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			return m * mag
		}
	}
	return 10 * mag
}

// timeStep picks an x step in seconds that reads as clock time (10 s, 1 min, 5 min, …).
func timeStep(span float64) float64 {
	raw := span / 8
	for _, s := range []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600} {
		if s >= raw {
			return s
		}
	}
	return niceStep(span, 8)
}

func timeLabel(s float64) string {
	sec := int64(math.Round(s))
	switch {
	case sec == 0:
		return "0"
	case sec%3600 == 0:
		return strconv.FormatInt(sec/3600, 10) + "h"
	case sec%60 == 0:
		return strconv.FormatInt(sec/60, 10) + "m"
	case sec < 60:
		return strconv.FormatInt(sec, 10) + "s"
	default:
		return strconv.FormatInt(sec/60, 10) + "m" + strconv.FormatInt(sec%60, 10) + "s"
	}
}

// valueLabel prints a tick value with as many decimals as the step needs.
func valueLabel(v, step float64) string {
	dec := 0
	if step < 1 {
		dec = int(math.Ceil(-math.Log10(step) - 1e-9))
	}
	return strconv.FormatFloat(v, 'f', dec, 64)
}

// line is one series before projection: its values at the plot points, and where it has none.
type line struct {
	name, class string
	dashed      bool
	xs, ys      []float64
	gap         []bool // gap[i]: no value at i, break the line
}

// newChart lays out lines over [0, xmax] seconds.
func newChart(id, title, unit string, xmax float64, lines []line, phases []results.Phase) chart {
	c := chart{ID: id, Title: title, Unit: unit, W: fnum(chartW), H: fnum(chartH),
		X0: fnum(chartLeft), X1: fnum(chartRight), Y0: fnum(chartTop), Y1: fnum(chartBottom),
		TickEnd: fnum(chartBottom + 5)}
	ymax := 0.0
	for _, l := range lines {
		for i, y := range l.ys {
			if !l.gap[i] && !math.IsNaN(y) && !math.IsInf(y, 0) {
				ymax = math.Max(ymax, y)
			}
		}
	}
	ystep := niceStep(ymax, 4)
	ytop := math.Ceil(ymax/ystep) * ystep
	if ytop == 0 {
		ytop = ystep * 4
	}
	if ytop < ymax*1.04 { // keep the peak off the frame
		ytop += ystep
	}
	xs := scale{0, xmax, chartLeft, chartRight}
	ys := scale{0, ytop, chartBottom, chartTop}

	for v := 0.0; v <= ytop+ystep/2; v += ystep {
		c.YTicks = append(c.YTicks, tick{Pos: fnum(ys.at(v)), Label: valueLabel(v, ystep)})
	}
	xstep := timeStep(xmax)
	for v := 0.0; v <= xmax+xstep/1e6; v += xstep {
		c.XTicks = append(c.XTicks, tick{Pos: fnum(xs.at(v)), Label: timeLabel(v)})
	}
	for _, p := range phases {
		if p.StartS < 0 || p.StartS >= xmax {
			continue
		}
		x := xs.at(p.StartS)
		c.Phases = append(c.Phases, phaseMark{X: fnum(x), LabelX: fnum(x + 4),
			Label: "phase " + strconv.Itoa(p.Index+1) + " · " + strings.ReplaceAll(phaseAsked(p), "->", "→")})
	}

	legendX := chartLeft
	for _, l := range lines {
		var d strings.Builder
		pen := false
		for i := range l.xs {
			if l.gap[i] {
				pen = false
				continue
			}
			y := math.Min(l.ys[i], ytop)
			if pen {
				d.WriteString(" L")
			} else {
				if d.Len() > 0 {
					d.WriteByte(' ')
				}
				d.WriteString("M")
			}
			d.WriteString(fnum(xs.at(l.xs[i])))
			d.WriteByte(' ')
			d.WriteString(fnum(ys.at(y)))
			pen = true
		}
		c.Series = append(c.Series, series{Name: l.name, Class: l.class, D: d.String(), Dashed: l.dashed,
			LegendX: fnum(legendX), LegendTextX: fnum(legendX + 22)})
		legendX += 22 + 7*float64(len(l.name)) + 22
	}
	return c
}

// timelineCharts builds the three plots of the HTML report; nil when the run has no timeline.
func timelineCharts(r *results.Report) []chart {
	pts := downsample(r.Timeline, maxPlotPoints, r.DurationS)
	if len(pts) == 0 {
		return nil
	}
	xmax := r.DurationS
	if last := float64(r.Timeline[len(r.Timeline)-1].T + 1); last > xmax {
		xmax = last
	}
	for _, p := range r.Phases {
		xmax = math.Max(xmax, p.StartS+p.DurationS)
	}
	n := len(pts)
	mk := func(name, class string, v func(plotPoint) (float64, bool)) line {
		l := line{name: name, class: class, xs: make([]float64, n), ys: make([]float64, n), gap: make([]bool, n)}
		for i, p := range pts {
			y, ok := v(p)
			l.xs[i], l.ys[i], l.gap[i] = p.T, y, !ok
		}
		return l
	}

	rps := []line{mk("requests/s", "s1", func(p plotPoint) (float64, bool) { return p.RPS, true })}
	if target, ok := targetRate(r.Phases); ok {
		rps = append(rps, target)
	}
	rates := []line{
		mk("5xx %", "s5", func(p plotPoint) (float64, bool) { return p.Pct5xx, p.HasTraffic }),
		mk("transport errors %", "s4", func(p plotPoint) (float64, bool) { return p.PctErr, p.HasTraffic }),
	}
	lat := []line{
		mk("p50", "s2", func(p plotPoint) (float64, bool) { return p.P50, p.HasLatency }),
		mk("p95", "s3", func(p plotPoint) (float64, bool) { return p.P95, p.HasLatency }),
		mk("p99", "s5", func(p plotPoint) (float64, bool) { return p.P99, p.HasLatency }),
	}
	charts := []chart{
		newChart("plot-rps", "Throughput", "requests per second", xmax, rps, r.Phases),
		newChart("plot-5xx", "Server errors", "% of requests", xmax, rates, r.Phases),
		newChart("plot-latency", "Latency", "milliseconds", xmax, lat, r.Phases),
	}
	if k := (len(r.Timeline) + maxPlotPoints - 1) / maxPlotPoints; k > 1 {
		charts[0].Note = "averaged over " + strconv.Itoa(k) + "-second buckets"
		charts[1].Note = charts[0].Note
		charts[2].Note = "worst second of each " + strconv.Itoa(k) + "-second bucket"
	}
	return charts
}

// targetRate is the rate the open-model phases asked for, as a dashed line (ramps included);
// closed phases leave a gap. ok is false when no phase had a rate.
func targetRate(phases []results.Phase) (line, bool) {
	l := line{name: "requested rate", class: "s0", dashed: true}
	asked := false
	for _, p := range phases {
		if p.Rate <= 0 || p.Model == "closed" {
			l.xs, l.ys, l.gap = append(l.xs, p.StartS), append(l.ys, 0), append(l.gap, true)
			continue
		}
		end := p.Rate
		if p.RampTo > 0 {
			end = p.RampTo
		}
		l.xs = append(l.xs, p.StartS, p.StartS+p.DurationS)
		l.ys = append(l.ys, p.Rate, end)
		l.gap = append(l.gap, false, false)
		asked = true
	}
	return l, asked
}
