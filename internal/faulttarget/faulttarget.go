// Package faulttarget is a hostile HTTP server for reliability tests: each path misbehaves in
// one specific way that a real service (or the network in front of it) can, so that tests of the
// attack and results rooms can prove seccheck classifies the failure, keeps its memory bounded and
// never hangs. It listens on 127.0.0.1 only.
//
// Paths (every other path answers 200 "ok"):
//
//	/reset                 200 with Content-Length 1000, 100 bytes of body, then a TCP RST
//	/close-after-headers   200 with Content-Length 1000, then a clean close before any body
//	/huge                  200 streaming a 100 MiB body (Content-Length set)
//	/trickle               200, one body byte every 100 ms for 30 s
//	/big-header            200 with one 64 KiB header line (X-Big)
//	/many-headers          200 with 10,000 headers (X-Many-00000 … X-Many-09999)
//	/http10                an HTTP/1.0 response with no Content-Length, ended by close
//	/conn-close            200 with Connection: close
//	/204-body              204 No Content followed by a body it must not have
//	/304-body              304 Not Modified followed by a body it must not have
//	/bad-gzip              200, Content-Encoding: gzip over bytes that are not gzip
//	/bad-chunked           200, Transfer-Encoding: chunked with an invalid chunk size
//	/hang                  reads the request and never answers (until Close)
//	/echo-auth             200, the Authorization header echoed in X-Echo-Auth and the body
//	/redirect-away?to=URL  302 to URL (400 without to)
//
// The raw responses (/reset, /close-after-headers, /http10, /204-body, /304-body,
// /bad-chunked) are written byte by byte on a hijacked connection, which is then closed.
// Close unblocks every handler, /hang and /trickle included, and waits for them.
package faulttarget

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Sizes and pacing of the endpoints, for tests that assert on them.
const (
	HugeSize       = 100 << 20 // bytes of /huge
	BigHeaderSize  = 64 << 10  // bytes of the X-Big value
	ManyHeaders    = 10000     // headers sent by /many-headers
	TrickleBytes   = 300       // bytes /trickle sends in total
	TrickleEvery   = 100 * time.Millisecond
	PartialBody    = 100  // body bytes /reset writes before the RST
	DeclaredLength = 1000 // Content-Length announced by /reset and /close-after-headers
)

// Server is a running fault target.
type Server struct {
	URL string // base URL, http://127.0.0.1:PORT

	srv    *http.Server
	served chan struct{} // closed when Serve returns
	done   chan struct{} // closed by Close: every handler returns

	mu       sync.Mutex
	closed   bool
	handlers sync.WaitGroup
	hijacked map[net.Conn]struct{}
	active   atomic.Int64 // handlers running, for tests
}

// Start serves the fault target on 127.0.0.1 with a random port.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fault target: %w", err)
	}
	s := &Server{
		URL:      "http://" + ln.Addr().String(),
		served:   make(chan struct{}),
		done:     make(chan struct{}),
		hijacked: make(map[net.Conn]struct{}),
	}
	s.srv = &http.Server{
		Handler:           http.HandlerFunc(s.serveHTTP),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() {
		defer close(s.served)
		s.srv.Serve(ln) //nolint:errcheck // always ErrServerClosed after Close
	}()
	return s, nil
}

// Close stops the server: it unblocks every handler (hanging and trickling ones included),
// closes every connection, hijacked ones too, and waits for the handlers to return. It is safe
// to call more than once.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()

	// Connections first, so that a handler woken below cannot get a response out: a hanging
	// request must end in an error for its client, not in an empty 200.
	s.srv.Close() //nolint:errcheck // only listener close errors
	s.mu.Lock()
	for c := range s.hijacked {
		c.Close()
	}
	close(s.done)
	s.mu.Unlock()
	<-s.served
	s.handlers.Wait()
}

// route maps each path to its handler.
var route = map[string]func(s *Server, w http.ResponseWriter, r *http.Request){
	"/reset":               (*Server).reset,
	"/close-after-headers": (*Server).closeAfterHeaders,
	"/huge":                (*Server).huge,
	"/trickle":             (*Server).trickle,
	"/big-header":          (*Server).bigHeader,
	"/many-headers":        (*Server).manyHeaders,
	"/http10":              (*Server).http10,
	"/conn-close":          (*Server).connClose,
	"/204-body":            (*Server).noContentWithBody,
	"/304-body":            (*Server).notModifiedWithBody,
	"/bad-gzip":            (*Server).badGzip,
	"/bad-chunked":         (*Server).badChunked,
	"/hang":                (*Server).hang,
	"/echo-auth":           (*Server).echoAuth,
	"/redirect-away":       (*Server).redirectAway,
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	// Register under the lock so that Close never waits on a WaitGroup that is still growing.
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		panic(http.ErrAbortHandler) // drop the connection without a response
	}
	s.handlers.Add(1)
	s.mu.Unlock()
	s.active.Add(1)
	defer func() {
		s.active.Add(-1)
		s.handlers.Done()
	}()

	if h, ok := route[r.URL.Path]; ok {
		h(s, w, r)
		return
	}
	io.WriteString(w, "ok\n") //nolint:errcheck
}

// hijack takes the connection over for a raw response. The caller must call release.
func (s *Server) hijack(w http.ResponseWriter) (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("fault target: response writer cannot hijack")
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		conn.Close()
		return nil, nil, net.ErrClosed
	}
	s.hijacked[conn] = struct{}{}
	s.mu.Unlock()
	return conn, rw, nil
}

func (s *Server) release(conn net.Conn) {
	s.mu.Lock()
	delete(s.hijacked, conn)
	s.mu.Unlock()
	conn.Close()
}

// raw hijacks the connection, writes b, flushes and closes.
func (s *Server) raw(w http.ResponseWriter, b string) {
	conn, rw, err := s.hijack(w)
	if err != nil {
		return
	}
	defer s.release(conn)
	rw.WriteString(b) //nolint:errcheck // the client may have gone
	rw.Flush()        //nolint:errcheck
}

// reset announces a body, sends part of it, and aborts the connection with an RST
// (SO_LINGER 0), as a crashing proxy or a killed worker does.
func (s *Server) reset(w http.ResponseWriter, _ *http.Request) {
	conn, rw, err := s.hijack(w)
	if err != nil {
		return
	}
	defer s.release(conn)
	fmt.Fprintf(rw, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s",
		DeclaredLength, strings.Repeat("r", PartialBody))
	rw.Flush() //nolint:errcheck
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0) //nolint:errcheck
	}
}

// closeAfterHeaders announces a body and closes cleanly (FIN) before sending any of it.
func (s *Server) closeAfterHeaders(w http.ResponseWriter, _ *http.Request) {
	s.raw(w, fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n", DeclaredLength))
}

// hugeChunk is one write of /huge.
var hugeChunk = []byte(strings.Repeat("0123456789abcdef", 64<<10/16))

// huge streams HugeSize bytes without holding them.
func (s *Server) huge(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", fmt.Sprint(HugeSize))
	for left := HugeSize; left > 0; left -= len(hugeChunk) {
		select {
		case <-s.done:
			return
		default:
		}
		n := min(left, len(hugeChunk))
		if _, err := w.Write(hugeChunk[:n]); err != nil {
			return
		}
	}
}

// trickle sends TrickleBytes bytes, one every TrickleEvery: a slow-loris response that only a
// total request timeout (not a per-read one) catches.
func (s *Server) trickle(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Content-Length", fmt.Sprint(TrickleBytes))
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	t := time.NewTicker(TrickleEvery)
	defer t.Stop()
	for range TrickleBytes {
		if _, err := w.Write([]byte{'.'}); err != nil {
			return
		}
		if rc.Flush() != nil {
			return
		}
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		}
	}
}

func (s *Server) bigHeader(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("X-Big", strings.Repeat("b", BigHeaderSize))
	io.WriteString(w, "big header\n") //nolint:errcheck
}

func (s *Server) manyHeaders(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	for i := range ManyHeaders {
		h[fmt.Sprintf("X-Many-%05d", i)] = []string{"v"}
	}
	io.WriteString(w, "many headers\n") //nolint:errcheck
}

// http10 answers in HTTP/1.0 with the body delimited by the connection closing.
func (s *Server) http10(w http.ResponseWriter, _ *http.Request) {
	s.raw(w, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello from HTTP/1.0, ended by close\n")
}

func (s *Server) connClose(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Connection", "close")
	io.WriteString(w, "closing\n") //nolint:errcheck
}

// noContentWithBody sends a 204 followed by body bytes, which HTTP forbids: a client must ignore
// them, and must not reuse the connection they are left on.
func (s *Server) noContentWithBody(w http.ResponseWriter, _ *http.Request) {
	s.raw(w, "HTTP/1.1 204 No Content\r\nContent-Length: 12\r\n\r\nforbidden!\r\n")
}

// notModifiedWithBody is the 304 twin of noContentWithBody.
func (s *Server) notModifiedWithBody(w http.ResponseWriter, _ *http.Request) {
	s.raw(w, "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nContent-Length: 12\r\n\r\nforbidden!\r\n")
}

// badGzip claims gzip over plain bytes: Go's transport, which asked for gzip, fails reading the
// body; a client that asked for identity sees the raw bytes.
func (s *Server) badGzip(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Content-Encoding", "gzip")
	io.WriteString(w, "this is not gzip at all\n") //nolint:errcheck
}

// badChunked sends a chunk size that is not hexadecimal.
func (s *Server) badChunked(w http.ResponseWriter, _ *http.Request) {
	s.raw(w, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\nnot a chunk\r\n0\r\n\r\n")
}

// hang never answers; the client's timeout, or Close, ends it.
func (s *Server) hang(_ http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.done:
	}
}

// echoAuth reflects the credentials, as a debugging endpoint left in production does: the test
// of invariant 4 (secrets never in output) needs a target that sends them back.
func (s *Server) echoAuth(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	w.Header().Set("X-Echo-Auth", auth)
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, "Authorization: "+auth+"\n") //nolint:errcheck
}

// redirectAway sends the client to ?to=URL, typically another host: seccheck must not follow.
func (s *Server) redirectAway(w http.ResponseWriter, r *http.Request) {
	to := r.URL.Query().Get("to")
	if to == "" {
		http.Error(w, "redirect-away needs ?to=URL", http.StatusBadRequest)
		return
	}
	w.Header().Set("Location", to)
	w.WriteHeader(http.StatusFound)
}
