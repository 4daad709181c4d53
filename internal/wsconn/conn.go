package wsconn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gobwas/ws"
)

// Conn is one server-side WebSocket.
type Conn struct {
	srv      *Server
	nc       net.Conn
	id       uint64
	leftover []byte // bytes read before the upgrade completed, consumed first

	mu      sync.Mutex
	queue   []outFrame
	qbytes  int
	writing bool // a writer goroutine is running
	closing bool // a close frame is queued: accept nothing more
	closed  bool // the socket is closed
	err     error
}

type outFrame struct {
	op   ws.OpCode
	data []byte
}

// RemoteAddr is the peer's address.
func (c *Conn) RemoteAddr() string { return c.nc.RemoteAddr().String() }

// QueueLimit is the most frames the outgoing queue holds.
func (c *Conn) QueueLimit() int { return c.srv.cfg.QueueFrames }

// Send queues a text message without blocking. The slice may be shared by
// many connections; it is only read. It returns false if the connection is
// closed, or if the queue is full — then the connection is closed with
// 4008, and the client resyncs when it comes back.
func (c *Conn) Send(frame []byte) bool {
	if c.enqueue(ws.OpText, frame, false) {
		return true
	}
	c.Close(4008, "slow consumer")
	return false
}

// WaitQueue waits until at most n frames are queued. It returns false if
// the connection closed or ctx ended first.
func (c *Conn) WaitQueue(ctx context.Context, n int) bool {
	for {
		c.mu.Lock()
		ok, done := len(c.queue) <= n, c.closing || c.closed
		c.mu.Unlock()
		switch {
		case done:
			return false
		case ok:
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// enqueue adds a frame; control frames skip the limits.
func (c *Conn) enqueue(op ws.OpCode, data []byte, control bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing || c.closed {
		return false
	}
	cfg := &c.srv.cfg
	if !control && (len(c.queue) >= cfg.QueueFrames || c.qbytes+len(data) > cfg.QueueBytes) {
		return false
	}
	c.queue = append(c.queue, outFrame{op, data})
	c.qbytes += len(data)
	c.startWriter()
	return true
}

// startWriter runs a writer unless one is running; c.mu is held.
func (c *Conn) startWriter() {
	if !c.writing {
		c.writing = true
		go c.writeLoop()
	}
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// writeLoop writes queued frames, several per system call, and exits when
// the queue is empty.
func (c *Conn) writeLoop() {
	buf := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(buf)
	for {
		c.mu.Lock()
		q := c.queue
		c.queue, c.qbytes = nil, 0
		if len(q) == 0 {
			c.writing = false
			c.mu.Unlock()
			if buf.Cap() > 64<<10 {
				*buf = bytes.Buffer{} // don't keep a big buffer in the pool
			}
			return
		}
		c.mu.Unlock()
		buf.Reset()
		closeAfter := false
		for _, f := range q {
			ws.WriteHeader(buf, ws.Header{Fin: true, OpCode: f.op, Length: int64(len(f.data))})
			buf.Write(f.data)
			if f.op == ws.OpClose {
				closeAfter = true
				break
			}
		}
		c.nc.SetWriteDeadline(time.Now().Add(c.srv.cfg.WriteTimeout))
		_, err := c.nc.Write(buf.Bytes())
		if err != nil || closeAfter {
			c.mu.Lock()
			c.writing = false
			c.mu.Unlock()
			c.terminate(err)
			return
		}
	}
}

// Close sends a close frame (best effort, bounded by the write timeout)
// and then closes the socket. Safe to call more than once, from anywhere.
func (c *Conn) Close(code int, reason string) {
	c.mu.Lock()
	if c.closing || c.closed {
		c.mu.Unlock()
		return
	}
	c.closing = true
	if len(reason) > 120 {
		reason = reason[:120]
	}
	// The close frame goes first: what is still queued will not be read.
	c.queue = []outFrame{{ws.OpClose, ws.NewCloseFrameBody(ws.StatusCode(code), reason)}}
	c.qbytes = 0
	c.startWriter()
	c.mu.Unlock()
}

// terminate closes the socket for good.
func (c *Conn) terminate(err error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed, c.err = true, err
	c.queue = nil
	c.mu.Unlock()
	c.nc.Close()
	c.srv.forget(c)
}

// Serve runs the read loop until the connection ends, then calls
// h.OnClose. Run it in its own goroutine and let the HTTP handler return:
// net/http then frees its per-connection buffers.
func (c *Conn) Serve(h Handler) {
	err := c.readLoop(h)
	if !c.isClosing() {
		code, reason := 1000, ""
		var pe *protocolError
		if errors.As(err, &pe) {
			code, reason = pe.code, pe.reason
		}
		if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
			c.Close(code, reason)
		}
	}
	// Give a queued close frame its chance, then make sure the socket is gone.
	c.waitWriter()
	c.terminate(err)
	h.OnClose(c, err)
}

func (c *Conn) isClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing || c.closed
}

func (c *Conn) waitWriter() {
	deadline := time.Now().Add(c.srv.cfg.WriteTimeout)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		w := c.writing
		c.mu.Unlock()
		if !w {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

type protocolError struct {
	code   int
	reason string
}

func (e *protocolError) Error() string { return fmt.Sprintf("websocket %d: %s", e.code, e.reason) }

func protoErr(code int, reason string) error { return &protocolError{code, reason} }

// reader reads the leftover bytes first, then the socket.
type reader struct{ c *Conn }

func (r reader) Read(p []byte) (int, error) {
	if len(r.c.leftover) > 0 {
		n := copy(p, r.c.leftover)
		r.c.leftover = r.c.leftover[n:]
		if len(r.c.leftover) == 0 {
			r.c.leftover = nil
		}
		return n, nil
	}
	return r.c.nc.Read(p)
}

var msgPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func (c *Conn) readLoop(h Handler) error {
	rd := reader{c}
	cfg := &c.srv.cfg
	var msg *[]byte // the message being assembled from fragments
	defer func() {
		if msg != nil {
			msgPool.Put(msg)
		}
	}()
	for {
		c.nc.SetReadDeadline(time.Now().Add(cfg.IdleTimeout))
		hdr, err := ws.ReadHeader(rd)
		if err != nil {
			return err
		}
		switch {
		case !hdr.Masked:
			return protoErr(1002, "client frames must be masked")
		case hdr.Rsv != 0:
			return protoErr(1002, "reserved bits set")
		case hdr.OpCode.IsReserved():
			return protoErr(1002, "reserved opcode")
		}
		if hdr.OpCode.IsControl() {
			if err := c.control(rd, hdr); err != nil {
				return err
			}
			continue
		}
		switch hdr.OpCode {
		case ws.OpBinary:
			return protoErr(1003, "binary messages are not supported")
		case ws.OpText:
			if msg != nil {
				return protoErr(1002, "new message inside a fragmented one")
			}
			msg = msgPool.Get().(*[]byte)
			*msg = (*msg)[:0]
		case ws.OpContinuation:
			if msg == nil {
				return protoErr(1002, "continuation without a message")
			}
		}
		if hdr.Length > int64(cfg.MaxMessage-len(*msg)) {
			return protoErr(1009, "message too big")
		}
		start := len(*msg)
		*msg = append(*msg, make([]byte, hdr.Length)...)
		if _, err := io.ReadFull(rd, (*msg)[start:]); err != nil {
			return err
		}
		ws.Cipher((*msg)[start:], hdr.Mask, 0)
		if !hdr.Fin {
			continue
		}
		if !utf8.Valid(*msg) {
			return protoErr(1007, "text must be UTF-8")
		}
		h.OnMessage(c, *msg)
		if cap(*msg) <= 64<<10 {
			msgPool.Put(msg)
		}
		msg = nil
	}
}

// control handles ping, pong and close.
func (c *Conn) control(rd io.Reader, hdr ws.Header) error {
	if !hdr.Fin || hdr.Length > 125 {
		return protoErr(1002, "bad control frame")
	}
	var buf [125]byte
	p := buf[:hdr.Length]
	if _, err := io.ReadFull(rd, p); err != nil {
		return err
	}
	ws.Cipher(p, hdr.Mask, 0)
	switch hdr.OpCode {
	case ws.OpPing:
		c.enqueue(ws.OpPong, append([]byte(nil), p...), true)
	case ws.OpClose:
		code, reason := ws.ParseCloseFrameData(p)
		if code.Empty() {
			code = ws.StatusNormalClosure
		}
		c.Close(int(code), reason)
		return io.EOF
	}
	return nil
}

func headerHas(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, part := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), token) {
				return true
			}
		}
	}
	return false
}
