package demotarget

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Server is a running demo target.
type Server struct {
	URL    string // base URL, e.g. http://127.0.0.1:41234
	Addr   string // host:port it listens on
	Target *Target

	srv       *http.Server
	done      chan struct{}
	closeOnce sync.Once
}

// Start serves a new Target on 127.0.0.1 with a random port.
func Start(opts Options) (*Server, error) {
	return StartAt("127.0.0.1:0", opts)
}

// StartAt serves a new Target on addr (for `seccheck demo --serve ADDR`). An address without a
// host (":8080") binds 127.0.0.1, not every interface: the broken variant leaks tracebacks by
// design and should not be reachable from elsewhere by accident.
func StartAt(addr string, opts Options) (*Server, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("demo target: bad listen address %q (want HOST:PORT, e.g. 127.0.0.1:8080): %w", addr, err)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fmt.Errorf("demo target: %w", err)
	}
	t := New(opts)
	s := &Server{
		URL:    "http://" + ln.Addr().String(),
		Addr:   ln.Addr().String(),
		Target: t,
		srv: &http.Server{
			Handler:           t.Handler(),
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       60 * time.Second,
		},
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.log.Printf("ERROR demo target stopped: %v", err)
		}
	}()
	return s, nil
}

// Close stops the server, closing every connection, and waits for the serve loop to return.
// It is safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.srv.Close() //nolint:errcheck // Close only reports listener close errors
		<-s.done
	})
}
