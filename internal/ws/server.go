// Package ws is chapar's server side of WebSocket connections.
//
// It exists to keep memory per idle connection low: one process holds tens
// of thousands of mostly silent sockets, and a general-purpose library's
// goroutine-per-connection writer plus 4 KiB read and write buffers costs
// about 20 KiB each. Here an idle connection holds one goroutine blocked in
// Read, a small struct and no buffers:
//
//   - frames are read straight from the socket; a message's payload lives in
//     a pooled buffer only while it is read and handled;
//   - outgoing frames wait in a queue that a writer goroutine drains, several
//     frames per system call; the writer exists only while there is
//     something to write;
//   - net/http's bufio reader and writer are emptied after the handshake.
//
// The outgoing queue is bounded: a connection whose queue would overflow is
// closed with code 4008, so a client that reads too slowly cannot grow
// server memory. One server goroutine pings every connection, and a client
// silent for longer than the idle timeout is dropped.
//
// github.com/gobwas/ws provides the handshake and the frame headers.
package ws

import (
	"bufio"
	"bytes"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"
)

// Config tunes connections; zero fields take the defaults in parentheses.
type Config struct {
	MaxMessage   int           // largest message a client may send (64 KiB)
	QueueFrames  int           // most frames waiting to be written (1024)
	QueueBytes   int           // most payload bytes waiting to be written (4 MiB)
	WriteTimeout time.Duration // deadline of one write (10s)
	PingInterval time.Duration // how often the server pings each client (30s)
	IdleTimeout  time.Duration // a client silent this long is dropped (75s)
}

func (c *Config) fill() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.MaxMessage, 64<<10)
	def(&c.QueueFrames, 1024)
	def(&c.QueueBytes, 4<<20)
	defDur(&c.WriteTimeout, 10*time.Second)
	defDur(&c.PingInterval, 30*time.Second)
	defDur(&c.IdleTimeout, 75*time.Second)
}

// Handler receives a connection's messages. OnMessage runs on the goroutine
// that called Serve, one message at a time; data is only valid during the
// call. OnClose is called exactly once, after the last OnMessage.
type Handler interface {
	OnMessage(c *Conn, data []byte)
	OnClose(c *Conn, err error)
}

// ErrShutdown is returned by Upgrade once Shutdown has been called.
var ErrShutdown = errors.New("ws: server shut down")

var errNotWebSocket = errors.New("ws: not a websocket handshake")

// shardCount spreads the connection set over several locks, so that
// connects and disconnects on many cores do not contend on one mutex.
const shardCount = 64

// Server upgrades HTTP requests and keeps the live connections, to ping
// them and to close them all at shutdown.
type Server struct {
	cfg    Config
	shards [shardCount]shard
	count  atomic.Int64
	// slowClosed counts connections cut off because their queue overflowed.
	slowClosed atomic.Int64
	next       atomic.Uint32 // picks the next connection's shard
	stopped    atomic.Bool
	stop       chan struct{} // closed by Shutdown: ends the ping loop
}

type shard struct {
	mu    sync.Mutex
	conns map[*Conn]struct{}
}

// NewServer starts a server's ping loop; Shutdown stops it.
func NewServer(cfg Config) *Server {
	cfg.fill()
	s := &Server{cfg: cfg, stop: make(chan struct{})}
	for i := range s.shards {
		s.shards[i].conns = make(map[*Conn]struct{})
	}
	go s.pingLoop()
	return s
}

// Count is the number of connections whose Serve has not returned.
func (s *Server) Count() int { return int(s.count.Load()) }

// SlowClosed is how many connections were cut off (4008) for reading too
// slowly since the server started.
func (s *Server) SlowClosed() int64 { return s.slowClosed.Load() }

// Upgrade answers the WebSocket handshake (no subprotocol, no extensions).
// On failure it has already answered the request with an HTTP error. The
// caller must then call Serve on the returned connection.
func (s *Server) Upgrade(w http.ResponseWriter, r *http.Request) (*Conn, error) {
	if s.stopped.Load() {
		httpError(w, http.StatusServiceUnavailable, "unavailable", "the server is shutting down")
		return nil, ErrShutdown
	}
	// Checked before hijacking, so that a plain HTTP request gets an
	// ordinary answer and keeps its keep-alive connection.
	if !isUpgrade(r) {
		httpError(w, http.StatusBadRequest, "bad_request", "this endpoint speaks WebSocket")
		return nil, errNotWebSocket
	}
	nc, rw, _, err := ws.HTTPUpgrader{Timeout: s.cfg.WriteTimeout}.Upgrade(r, w)
	if err != nil {
		if nc != nil {
			nc.Close() // gobwas has written the error answer but leaves the socket open
		}
		return nil, err
	}
	c := &Conn{srv: s, nc: nc, leftover: takeBuffered(rw), shard: uint8(s.next.Add(1) % shardCount)}
	if !s.add(c) {
		nc.Close()
		return nil, ErrShutdown
	}
	return c, nil
}

// takeBuffered returns a copy of what the client sent after its request
// (net/http may have read it already), then empties the bufio reader and
// writer: net/http's connection still points at them while the handler
// runs, and emptying them lets their 4 KiB buffers be freed.
func takeBuffered(rw *bufio.ReadWriter) []byte {
	var rest []byte
	if n := rw.Reader.Buffered(); n > 0 {
		p, _ := rw.Reader.Peek(n)
		rest = bytes.Clone(p)
	}
	*rw.Reader = bufio.Reader{}
	*rw.Writer = bufio.Writer{}
	return rest
}

func isUpgrade(r *http.Request) bool {
	return r.Method == http.MethodGet && headerHas(r.Header, "Connection", "upgrade") && headerHas(r.Header, "Upgrade", "websocket")
}

func headerHas(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for part := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), token) {
				return true
			}
		}
	}
	return false
}

// httpError answers in the shape of every chapar API error.
func httpError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write([]byte(`{"error":{"code":"` + code + `","message":"` + message + `"}}`))
}

// add registers c, unless Shutdown has begun. Shutdown sets stopped before
// it visits the shards, so a connection is either seen by Shutdown or
// refused here.
func (s *Server) add(c *Conn) bool {
	sh := &s.shards[c.shard]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if s.stopped.Load() {
		return false
	}
	sh.conns[c] = struct{}{}
	s.count.Add(1)
	return true
}

func (s *Server) forget(c *Conn) {
	sh := &s.shards[c.shard]
	sh.mu.Lock()
	delete(sh.conns, c)
	sh.mu.Unlock()
	s.count.Add(-1)
}

// each calls fn for every live connection, outside the shard locks (fn
// takes connection locks; a connection's end takes a shard lock).
func (s *Server) each(fn func(*Conn)) {
	var list []*Conn
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		list = list[:0]
		for c := range sh.conns {
			list = append(list, c)
		}
		sh.mu.Unlock()
		for _, c := range list {
			fn(c)
		}
	}
}

// pingLoop pings every connection each PingInterval: one goroutine for
// the whole server instead of a timer per connection. The pong, or any
// other frame, extends the client's read deadline.
func (s *Server) pingLoop() {
	t := time.NewTicker(s.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.each(func(c *Conn) { c.push(ws.OpPing, nil) })
		}
	}
}

// Shutdown stops the ping loop, refuses new connections and closes every
// connection with code and reason. It does not wait for them to end; Count
// reaches zero once they have.
func (s *Server) Shutdown(code int, reason string) {
	if s.stopped.CompareAndSwap(false, true) {
		close(s.stop)
	}
	s.each(func(c *Conn) { c.Close(code, reason) })
}
