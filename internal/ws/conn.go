package ws

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/gobwas/ws"
)

// closeSlowConsumer closes a connection whose outgoing queue overflowed.
const closeSlowConsumer = 4008

// lingerTimeout is how long, after the close frame is written, the server
// keeps reading while it waits for the client to end the connection.
// Closing a socket that still has unread input resets it, and a reset can
// destroy the close frame before the client has read it.
const lingerTimeout = 2 * time.Second

// CloseError is a closing handshake's code and reason, as sent by the side
// that closed first: the client (Remote), or the server, including for a
// protocol error it found.
type CloseError struct {
	Code   int
	Reason string
	Remote bool
}

func (e *CloseError) Error() string { return fmt.Sprintf("websocket closed: %d %s", e.Code, e.Reason) }

// Conn is one server-side WebSocket. Send and Close may be called from any
// goroutine; Serve runs the read loop.
type Conn struct {
	srv      *Server
	nc       net.Conn
	leftover []byte // bytes the client sent right after its handshake; read first
	shard    uint8

	mu      sync.Mutex
	queue   []outFrame    // waiting for the writer
	qlen    int           // frames queued or being written
	qbytes  int           // payload bytes queued or being written
	writing bool          // a writer goroutine is running
	closing bool          // Close ran or the connection ended: nothing more is queued
	flushed chan struct{} // made by Close; closed once the close frame is out (or failed)
	cause   error         // why the connection ends, for OnClose
}

type outFrame struct {
	op   ws.OpCode
	data []byte
}

// RemoteAddr is the client's address.
func (c *Conn) RemoteAddr() string { return c.nc.RemoteAddr().String() }

// Send queues a text message without blocking. The slice may be shared by
// many connections: it is only read, never modified. Send returns false if
// the connection is closed, or if the message would overflow the queue, in
// which case the connection is closed with 4008 "slow consumer".
func (c *Conn) Send(frame []byte) bool { return c.push(ws.OpText, frame) }

// SendPaced queues a text message once the queue is at most half full, in
// frames and in bytes, waiting until it is: for a producer that can wait
// (a replay), so that it never overflows the queue however large its
// frames, while live frames keep the other half. It returns false if the
// connection closed or ctx ended first. It polls: a waiting producer is
// rare, and a per-connection wake-up channel would cost every idle
// connection.
func (c *Conn) SendPaced(ctx context.Context, frame []byte) bool {
	cfg := &c.srv.cfg
	for {
		c.mu.Lock()
		switch {
		case c.closing:
			c.mu.Unlock()
			return false
		case c.qlen == 0 || (c.qlen < cfg.QueueFrames/2 && c.qbytes+len(frame) <= cfg.QueueBytes/2):
			c.enqueueLocked(ws.OpText, frame)
			c.mu.Unlock()
			return true
		}
		c.mu.Unlock()
		select {
		case <-ctx.Done():
			return false
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// push queues a data, ping or pong frame. A frame that would overflow the
// queue closes the connection instead: the client is not keeping up.
func (c *Conn) push(op ws.OpCode, data []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	cfg := &c.srv.cfg
	switch {
	case c.closing:
		return false
	case c.qlen+1 > cfg.QueueFrames || c.qbytes+len(data) > cfg.QueueBytes:
		c.srv.slowClosed.Add(1)
		c.closeLocked(closeSlowConsumer, "slow consumer", true)
		return false
	}
	c.enqueueLocked(op, data)
	return true
}

func (c *Conn) enqueueLocked(op ws.OpCode, data []byte) {
	c.queue = append(c.queue, outFrame{op, data})
	c.qlen++
	c.qbytes += len(data)
	if !c.writing {
		c.writing = true
		go c.writeLoop()
	}
}

// Close sends a close frame, after the frames already queued, and closes
// the socket. Everything must be written within WriteTimeout, else the
// socket is closed anyway. Safe to call more than once, from any goroutine.
func (c *Conn) Close(code int, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeLocked(code, reason, false)
}

// closeLocked queues the close frame; with drop, instead of what is queued
// (a slow consumer would not read it in time anyway). The deadlines bound
// what is left of the connection's life; the read loop no longer extends
// them once closing is set. The queue counts stop mattering here, as
// nothing more is queued.
func (c *Conn) closeLocked(code int, reason string, drop bool) {
	if c.closing {
		return
	}
	c.closing = true
	c.flushed = make(chan struct{})
	c.setCauseLocked(&CloseError{Code: code, Reason: reason})
	if drop {
		c.queue = nil
	}
	c.enqueueLocked(ws.OpClose, ws.NewCloseFrameBody(ws.StatusCode(code), reason))
	now := time.Now()
	c.nc.SetWriteDeadline(now.Add(c.srv.cfg.WriteTimeout))
	c.nc.SetReadDeadline(now.Add(c.srv.cfg.WriteTimeout + lingerTimeout))
}

func (c *Conn) setCauseLocked(err error) {
	if c.cause == nil {
		c.cause = err
	}
}

func (c *Conn) isClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing
}

// writeLoop drains the queue and exits when it is empty, so an idle
// connection has no writer goroutine. Being the only writer, it never
// interleaves frames.
func (c *Conn) writeLoop() {
	var written []outFrame
	for {
		batch := c.takeBatch(written)
		if batch == nil {
			return
		}
		if err := writeFrames(c.nc, batch); err != nil {
			c.fail(err)
			return
		}
		if batch[len(batch)-1].op == ws.OpClose { // always the last frame
			c.closeSent()
			return
		}
		written = batch
	}
}

// takeBatch accounts for the frames just written and takes the whole
// queue. Taking the slice, rather than reusing it, means an idle
// connection never keeps a backing array that once grew large. It returns
// nil, and the writer must exit, when nothing is queued.
func (c *Conn) takeBatch(written []outFrame) []outFrame {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.qlen -= len(written)
	for _, f := range written {
		c.qbytes -= len(f.data)
	}
	batch := c.queue
	c.queue = nil
	if len(batch) == 0 {
		c.writing = false
		return nil
	}
	if !c.closing { // Close has set the final deadline
		c.nc.SetWriteDeadline(time.Now().Add(c.srv.cfg.WriteTimeout))
	}
	return batch
}

// fail ends a connection whose write failed or timed out; closing the
// socket wakes the read loop.
func (c *Conn) fail(err error) {
	c.mu.Lock()
	c.closing = true
	c.setCauseLocked(err)
	flushed := c.flushed
	c.mu.Unlock()
	c.nc.Close()
	if flushed != nil {
		close(flushed)
	}
}

// closeSent half-closes the socket once the close frame is out, and gives
// the client lingerTimeout to answer and hang up.
func (c *Conn) closeSent() {
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	c.nc.SetReadDeadline(time.Now().Add(lingerTimeout))
	c.mu.Lock()
	close(c.flushed)
	c.mu.Unlock()
}

// maxHeader is the largest header of a server frame (unmasked).
const maxHeader = 10

// writeFrames writes frames with one writev: the headers go in one small
// slice and the payloads are referenced, not copied, as they may be shared
// by thousands of connections.
func writeFrames(w io.Writer, frames []outFrame) error {
	hdrs := make([]byte, 0, len(frames)*maxHeader) // never reallocated: bufs points into it
	bufs := make(net.Buffers, 0, 2*len(frames))
	for _, f := range frames {
		start := len(hdrs)
		hdrs = appendHeader(hdrs, f.op, len(f.data))
		bufs = append(bufs, hdrs[start:], f.data)
	}
	_, err := bufs.WriteTo(w)
	return err
}

// appendHeader appends the header of a final, unmasked frame.
func appendHeader(b []byte, op ws.OpCode, n int) []byte {
	b = append(b, 0x80|byte(op))
	switch {
	case n < 126:
		return append(b, byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, 126), uint16(n))
	default:
		return binary.BigEndian.AppendUint64(append(b, 127), uint64(n))
	}
}

// Serve runs the read loop until the connection ends, then calls
// h.OnClose once, with the connection's first *CloseError or I/O error.
//
// Serve blocks. It may run on the HTTP handler's goroutine, but calling
// it on a new goroutine and returning from the handler costs less: net/http
// then frees its per-request state and its goroutine's larger stack
// (BenchmarkIdleConnMemory measures both).
func (c *Conn) Serve(h Handler) {
	readErr := c.readLoop(h)
	c.mu.Lock()
	c.setCauseLocked(readErr) // unless Close or a failed write came first
	c.mu.Unlock()
	c.finishHandshake(readErr)
	c.mu.Lock()
	c.closing = true // a late Close must not start a writer on a closed socket
	cause := c.cause
	c.mu.Unlock()
	c.nc.Close()
	c.srv.forget(c)
	h.OnClose(c, cause)
}

// finishHandshake completes the closing handshake when the read loop
// stopped on the client's close frame or on a protocol error: it sends the
// server's close frame (a no-op if the server closed first) and waits until
// closing the socket is safe.
func (c *Conn) finishHandshake(readErr error) {
	var ce *CloseError
	if !errors.As(readErr, &ce) {
		return // the socket failed, or the read deadline passed: nothing to wait for
	}
	c.Close(ce.Code, ce.Reason)
	c.mu.Lock()
	flushed := c.flushed
	c.mu.Unlock()
	switch {
	case flushed == nil:
		return // a failed write has closed the socket already
	case ce.Remote:
		<-flushed // the client has sent its last frame: close once ours is out
		return
	}
	// After a protocol error the client may still be sending: drop its
	// bytes until it hangs up or the deadline set by Close passes.
	io.Copy(io.Discard, reader{c})
}
