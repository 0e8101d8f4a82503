package results

import (
	"net/http"
	"time"

	"github.com/seccheck/seccheck/conformance"
)

// ErrKind classifies a transport failure.
type ErrKind string

const (
	ErrNone    ErrKind = ""
	ErrTimeout ErrKind = "timeout"
	ErrRefused ErrKind = "refused"
	ErrReset   ErrKind = "reset"
	ErrTLS     ErrKind = "tls"
	ErrOther   ErrKind = "other"
)

// Sample is one checked response (or transport failure) fed to an Aggregator.
// Header and Body are only read during Add (exemplars copy what they keep).
type Sample struct {
	Endpoint   int           // index into spec.Endpoints
	Phase      int           // index into spec.Load.Phases (-1 outside phases, e.g. `check`)
	At         time.Duration // intended send time, relative to the run start
	Latency    time.Duration // response complete minus intended send time (coordinated omission corrected)
	Service    time.Duration // response complete minus actual send time
	Status     int           // 0 on transport failure
	Err        ErrKind
	ErrText    string // transport error text (redacted by the aggregator)
	BytesIn    uint64
	BytesOut   uint64
	Method     string
	URL        string
	Header     http.Header
	Body       []byte
	Violations []conformance.Violation
}
