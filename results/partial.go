package results

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/seccheck/seccheck/conformance"
)

// Partial results (issue 8) are an Aggregator in a versioned binary form:
//
//	"SCKPART\n" (8 bytes) | version (uint16, big endian) | gzip(gob(wirePartial))
//
// Run and endpoint HDR histograms travel in their standard V2 compressed encoding; a timeline
// row's sparse histogram travels as its populated buckets (value, count pairs), since one zlib
// stream per second of a long run would cost more than the data. A reader refuses another
// version with an error that names both. Version 1 is the first.
const (
	partialMagic   = "SCKPART\n"
	partialVersion = 1
	// maxPartialSize caps the decompressed size of a partial, so that a corrupt or hostile file
	// cannot exhaust memory.
	maxPartialSize = 1 << 30
)

type wirePartial struct {
	Name       string
	SpecHash   string
	Start      time.Time
	Shard      int
	Shards     int
	ShardsSeen []int
	Merged     bool
	Endpoints  []EndpointMeta
	Eps        []wireEndpoint
	Timeline   []wireSecond // rows with data only
	Findings   []wireFinding
	Samples    uint64
	MinAt      time.Duration
	MaxAt      time.Duration
	MaxEnd     time.Duration
}

type wireEndpoint struct {
	Requests   uint64
	Status     []statusCount // non-zero codes only
	ErrKinds   []uint64
	ErrSamples [][]errSample
	Latency    []byte
	Service    []byte
	BytesIn    uint64
	BytesOut   uint64
	Violations uint64
	Required   []wireBypass
}

type wireBypass struct {
	Header       string
	OK, Missing  uint64
	ByStatus     []statusCount
	OKExemplars  []exemplar
	ErrExemplars []exemplar
}

type wireSecond struct {
	T                           int
	Requests, Status5xx, Errors uint64
	Buckets                     []int64 // value, count, value, count, …: the row's latency histogram
}

type wireFinding struct {
	Endpoint           int
	Rule, Header, Kind string
	Severity           conformance.Severity
	Count              uint64
	ByStatus           []statusCount
	FirstAt            time.Duration
	Message            string
	Exemplars          []exemplar
}

// MarshalBinary encodes the aggregator as a partial result (see the format above). The
// Redactor is not encoded: exemplars and error texts were redacted when they were kept.
func (a *Aggregator) MarshalBinary() ([]byte, error) {
	w := wirePartial{
		Name: a.meta.Name, SpecHash: a.meta.SpecHash, Start: a.meta.Start,
		Shard: a.meta.Shard, Shards: a.meta.Shards, ShardsSeen: a.shards, Merged: a.merged,
		Endpoints: a.meta.Endpoints,
		Samples:   a.samples, MinAt: a.minAt, MaxAt: a.maxAt, MaxEnd: a.maxEnd,
	}
	for _, e := range a.eps {
		we := wireEndpoint{
			Requests: e.requests, ErrKinds: e.errKinds[:], ErrSamples: e.errSamples[:],
			BytesIn: e.bytesIn, BytesOut: e.bytesOut, Violations: e.violations,
		}
		for code, n := range e.status {
			if n > 0 {
				we.Status = append(we.Status, statusCount{code, n})
			}
		}
		var err error
		if we.Latency, err = e.latency.Encode(hdr.V2CompressedEncodingCookieBase); err != nil {
			return nil, fmt.Errorf("results: encode latency histogram: %w", err)
		}
		if we.Service, err = e.service.Encode(hdr.V2CompressedEncodingCookieBase); err != nil {
			return nil, fmt.Errorf("results: encode service-time histogram: %w", err)
		}
		for _, b := range e.required {
			we.Required = append(we.Required, wireBypass{Header: b.header, OK: b.ok, Missing: b.missing,
				ByStatus: b.byStatus, OKExemplars: b.okExemplars, ErrExemplars: b.errExemplars})
		}
		w.Eps = append(w.Eps, we)
	}
	for t, row := range a.timeline {
		if row.requests == 0 {
			continue
		}
		ws := wireSecond{T: t, Requests: row.requests, Status5xx: row.status5xx, Errors: row.errors}
		if row.latency != nil {
			ws.Buckets = make([]int64, 0, 2*row.latency.Populated())
			for v, n := range row.latency.ForEachBucket {
				ws.Buckets = append(ws.Buckets, v, n)
			}
		}
		w.Timeline = append(w.Timeline, ws)
	}
	for _, f := range a.findings {
		w.Findings = append(w.Findings, wireFinding{
			Endpoint: f.key.endpoint, Rule: f.key.rule, Header: f.key.header, Kind: f.key.kind,
			Severity: f.severity, Count: f.count, ByStatus: f.byStatus, FirstAt: f.firstAt,
			Message: f.message, Exemplars: f.exemplars,
		})
	}

	var buf bytes.Buffer
	buf.WriteString(partialMagic)
	_ = binary.Write(&buf, binary.BigEndian, uint16(partialVersion))
	zw := gzip.NewWriter(&buf)
	if err := gob.NewEncoder(zw).Encode(&w); err != nil {
		return nil, fmt.Errorf("results: encode partial: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("results: encode partial: %w", err)
	}
	return buf.Bytes(), nil
}

// UnmarshalAggregator decodes a partial result written by MarshalBinary. The aggregator it
// returns has no Redactor (its kept content is already redacted): before adding samples to it,
// give it one with SetRedactor.
func UnmarshalAggregator(data []byte) (*Aggregator, error) {
	if len(data) < len(partialMagic)+2 || string(data[:len(partialMagic)]) != partialMagic {
		return nil, errors.New("results: not a seccheck partial result (bad magic)")
	}
	if v := binary.BigEndian.Uint16(data[len(partialMagic):]); v != partialVersion {
		return nil, fmt.Errorf("results: partial result format version %d is not supported (this seccheck reads version %d): merge with the seccheck version that wrote it",
			v, partialVersion)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data[len(partialMagic)+2:]))
	if err != nil {
		return nil, fmt.Errorf("results: corrupt partial result: %w", err)
	}
	var w wirePartial
	if err := gob.NewDecoder(io.LimitReader(zr, maxPartialSize)).Decode(&w); err != nil {
		return nil, fmt.Errorf("results: corrupt partial result: %w", err)
	}
	// Read to the end so that gzip verifies its checksum: gob may stop before a truncation.
	if _, err := io.Copy(io.Discard, io.LimitReader(zr, maxPartialSize)); err != nil {
		return nil, fmt.Errorf("results: corrupt partial result: %w", err)
	}
	corrupt := func(format string, args ...any) error {
		return fmt.Errorf("results: corrupt partial result: "+format, args...)
	}
	if len(w.Eps) != len(w.Endpoints) {
		return nil, corrupt("%d endpoints described, %d aggregated", len(w.Endpoints), len(w.Eps))
	}
	a := NewAggregator(Meta{Name: w.Name, Endpoints: w.Endpoints, Start: w.Start, SpecHash: w.SpecHash, Shard: w.Shard, Shards: w.Shards})
	a.shards, a.merged = w.ShardsSeen, w.Merged
	a.samples, a.minAt, a.maxAt, a.maxEnd = w.Samples, w.MinAt, w.MaxAt, w.MaxEnd
	for i, we := range w.Eps {
		e := a.eps[i]
		e.requests, e.bytesIn, e.bytesOut, e.violations = we.Requests, we.BytesIn, we.BytesOut, we.Violations
		for _, sc := range we.Status {
			if sc.Status < 0 || sc.Status >= maxStatusCode {
				return nil, corrupt("status %d", sc.Status)
			}
			e.status[sc.Status] = sc.Count
		}
		if len(we.ErrKinds) != len(errKinds) || len(we.ErrSamples) != len(errKinds) {
			return nil, corrupt("endpoint %d: %d error kinds", i, len(we.ErrKinds))
		}
		copy(e.errKinds[:], we.ErrKinds)
		copy(e.errSamples[:], we.ErrSamples)
		if e.latency, err = decodeHist(we.Latency); err != nil {
			return nil, corrupt("endpoint %d latency: %v", i, err)
		}
		if e.service, err = decodeHist(we.Service); err != nil {
			return nil, corrupt("endpoint %d service time: %v", i, err)
		}
		if len(we.Required) != len(e.required) {
			return nil, corrupt("endpoint %d: %d required headers, %d tracked", i, len(e.required), len(we.Required))
		}
		for j, wb := range we.Required {
			b := e.required[j]
			b.ok, b.missing, b.byStatus = wb.OK, wb.Missing, wb.ByStatus
			b.okExemplars, b.errExemplars = wb.OKExemplars, wb.ErrExemplars
			if b.found() && len(b.errExemplars) == 0 {
				return nil, corrupt("endpoint %d: bypass of %s without exemplars", i, b.header)
			}
		}
	}
	for _, ws := range w.Timeline {
		if ws.T < 0 || ws.T >= maxTimelineSeconds {
			return nil, corrupt("timeline second %d", ws.T)
		}
		row := a.row(time.Duration(ws.T) * time.Second)
		row.requests, row.status5xx, row.errors = ws.Requests, ws.Status5xx, ws.Errors
		if len(ws.Buckets)%2 != 0 {
			return nil, corrupt("timeline second %d: odd bucket list", ws.T)
		}
		for k := 0; k < len(ws.Buckets); k += 2 {
			if row.latency == nil {
				row.latency = newRowHist()
			}
			v, n := ws.Buckets[k], ws.Buckets[k+1]
			if v < 0 || v > histHighest || n <= 0 {
				return nil, corrupt("timeline second %d: bucket %d×%d", ws.T, v, n)
			}
			if err := row.latency.RecordValues(v, n); err != nil {
				return nil, corrupt("timeline second %d: %v", ws.T, err)
			}
		}
	}
	for _, wf := range w.Findings {
		if wf.Endpoint < 0 || wf.Endpoint >= len(a.eps) {
			return nil, corrupt("finding for endpoint %d", wf.Endpoint)
		}
		k := findingKey{endpoint: wf.Endpoint, rule: wf.Rule, header: wf.Header, kind: wf.Kind}
		a.findings[k] = &finding{key: k, severity: wf.Severity, count: wf.Count, byStatus: wf.ByStatus,
			firstAt: wf.FirstAt, message: wf.Message, exemplars: wf.Exemplars}
	}
	a.refreshLive()
	return a, nil
}

func decodeHist(enc []byte) (*hdr.Histogram, error) {
	h, err := hdr.Decode(enc)
	if err != nil {
		return nil, err
	}
	// Record into our own geometry so that later merges and records behave as in a live run.
	out := newHist()
	if dropped := out.Merge(h); dropped > 0 {
		return nil, fmt.Errorf("%d values out of range", dropped)
	}
	return out, nil
}
