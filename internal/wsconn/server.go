// Package wsconn is chapar's server side of WebSocket connections, built for
// little memory per idle connection: a connection that is not sending or
// receiving holds one goroutine (blocked in Read), a small struct and no
// buffers. Reads take a pooled buffer per message; writes run in a
// goroutine that exists only while there is something to write. Outgoing
// frames wait in a bounded queue; a connection whose queue overflows is
// closed (code 4008), so a slow reader never grows server memory.
//
// It uses github.com/gobwas/ws for the handshake and frame headers.
package wsconn

import (
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"
)

// Config tunes connections; zero fields take defaults.
type Config struct {
	MaxMessage   int           // largest message a client may send (64 KiB)
	QueueFrames  int           // most frames waiting to be written (1024)
	QueueBytes   int           // most bytes waiting to be written (4 MiB)
	WriteTimeout time.Duration // one write's deadline (10s)
	PingInterval time.Duration // how often the server pings (30s)
	IdleTimeout  time.Duration // a client silent this long is dropped (75s)
}

func (c *Config) fill() {
	if c.MaxMessage <= 0 {
		c.MaxMessage = 64 << 10
	}
	if c.QueueFrames <= 0 {
		c.QueueFrames = 1024
	}
	if c.QueueBytes <= 0 {
		c.QueueBytes = 4 << 20
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 30 * time.Second
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 75 * time.Second
	}
}

// Handler receives a connection's messages. OnMessage runs on the
// connection's read goroutine, one message at a time; data is only valid
// during the call. OnClose is called once, after the last OnMessage.
type Handler interface {
	OnMessage(c *Conn, data []byte)
	OnClose(c *Conn, err error)
}

const shards = 64

// Server upgrades requests and keeps every live connection, to ping them
// and to close them all at shutdown.
type Server struct {
	cfg    Config
	shards [shards]connSet
	count  atomic.Int64
	nextID atomic.Uint64
	stop   chan struct{}
	once   sync.Once
}

type connSet struct {
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

// Count is the number of open connections.
func (s *Server) Count() int { return int(s.count.Load()) }

var errNotWebSocket = errors.New("not a websocket request")

// Upgrade answers the handshake. On failure it has written an HTTP error.
func (s *Server) Upgrade(w http.ResponseWriter, r *http.Request) (*Conn, error) {
	if !isUpgrade(r) {
		http.Error(w, `{"error":{"code":"bad_request","message":"this endpoint speaks WebSocket"}}`, http.StatusBadRequest)
		return nil, errNotWebSocket
	}
	u := ws.HTTPUpgrader{Timeout: s.cfg.WriteTimeout}
	nc, rw, _, err := u.Upgrade(r, w)
	if err != nil {
		return nil, err
	}
	c := &Conn{srv: s, nc: nc, id: s.nextID.Add(1)}
	// Bytes the client sent right after its request may sit in net/http's
	// reader; keep just them, so the 4 KiB reader itself can be freed.
	if rw != nil && rw.Reader.Buffered() > 0 {
		c.leftover, _ = rw.Reader.Peek(rw.Reader.Buffered())
		c.leftover = append([]byte(nil), c.leftover...)
	}
	sh := &s.shards[c.id%shards]
	sh.mu.Lock()
	sh.conns[c] = struct{}{}
	sh.mu.Unlock()
	s.count.Add(1)
	return c, nil
}

func isUpgrade(r *http.Request) bool {
	return r.Method == http.MethodGet && headerHas(r.Header, "Connection", "upgrade") && headerHas(r.Header, "Upgrade", "websocket")
}

func (s *Server) forget(c *Conn) {
	sh := &s.shards[c.id%shards]
	sh.mu.Lock()
	if _, ok := sh.conns[c]; ok {
		delete(sh.conns, c)
		s.count.Add(-1)
	}
	sh.mu.Unlock()
}

func (s *Server) each(fn func(*Conn)) {
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		list := make([]*Conn, 0, len(sh.conns))
		for c := range sh.conns {
			list = append(list, c)
		}
		sh.mu.Unlock()
		for _, c := range list {
			fn(c)
		}
	}
}

func (s *Server) pingLoop() {
	t := time.NewTicker(s.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.each(func(c *Conn) { c.enqueue(ws.OpPing, nil, true) })
		}
	}
}

// Shutdown closes every connection with code and stops the ping loop.
func (s *Server) Shutdown(code int, reason string) {
	s.once.Do(func() { close(s.stop) })
	s.each(func(c *Conn) { c.Close(code, reason) })
}
