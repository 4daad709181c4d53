package ws

import (
	"errors"
	"io"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gobwas/ws"
)

// reader reads the bytes left over from the handshake, then the socket.
// Only the read loop uses it.
type reader struct{ c *Conn }

func (r reader) Read(p []byte) (int, error) {
	c := r.c
	if len(c.leftover) == 0 {
		return c.nc.Read(p)
	}
	n := copy(p, c.leftover)
	c.leftover = c.leftover[n:]
	if len(c.leftover) == 0 {
		c.leftover = nil // free the copy
	}
	return n, nil
}

// msgPool holds message buffers, so that an idle connection owns none.
var msgPool = sync.Pool{New: func() any { return new([]byte) }}

// maxPooled keeps buffers grown by unusually large messages out of the
// pool.
const maxPooled = 64 << 10

func putMsg(b *[]byte) {
	if cap(*b) <= maxPooled {
		*b = (*b)[:0]
		msgPool.Put(b)
	}
}

func protocolError(reason string) error {
	return &CloseError{Code: int(ws.StatusProtocolError), Reason: reason}
}

// readLoop reads frames until the connection fails or must close, and
// returns why: a *CloseError for the client's close frame or a protocol
// violation, else the I/O error.
func (c *Conn) readLoop(h Handler) error {
	var msg *[]byte // the message being assembled; nil between messages
	defer func() {
		if msg != nil {
			putMsg(msg)
		}
	}()
	for {
		c.extendReadDeadline()
		hdr, err := ws.ReadHeader(reader{c})
		if err != nil {
			return headerError(err)
		}
		if err := checkHeader(hdr, msg != nil); err != nil {
			return err
		}
		if hdr.OpCode.IsControl() {
			if err := c.control(hdr); err != nil {
				return err
			}
			continue
		}
		if msg == nil {
			msg = msgPool.Get().(*[]byte)
		}
		if err := c.readPayload(msg, hdr); err != nil {
			return err
		}
		if !hdr.Fin {
			continue
		}
		if !utf8.Valid(*msg) {
			return &CloseError{Code: int(ws.StatusInvalidFramePayloadData), Reason: "invalid UTF-8"}
		}
		if !c.isClosing() { // the owner has closed the connection: it wants no more
			h.OnMessage(c, *msg)
		}
		putMsg(msg)
		msg = nil
	}
}

// extendReadDeadline gives the client IdleTimeout to send its next frame.
// Once closing, the deadline Close set stands; the check and the update
// share the lock with Close so that one cannot undo the other.
func (c *Conn) extendReadDeadline() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closing {
		c.nc.SetReadDeadline(time.Now().Add(c.srv.cfg.IdleTimeout))
	}
}

func headerError(err error) error {
	if errors.Is(err, ws.ErrHeaderLengthMSB) || errors.Is(err, ws.ErrHeaderLengthUnexpected) {
		return protocolError("bad frame length")
	}
	return err
}

// checkHeader enforces RFC 6455 on a client frame. inMessage tells whether
// a fragmented message is being assembled.
func checkHeader(h ws.Header, inMessage bool) error {
	switch {
	case h.Rsv != 0:
		return protocolError("reserved bits set") // no extension was negotiated
	case !h.Masked:
		return protocolError("client frames must be masked")
	case h.OpCode.IsReserved():
		return protocolError("reserved opcode")
	case h.OpCode.IsControl() && (!h.Fin || h.Length > ws.MaxControlFramePayloadSize):
		return protocolError("bad control frame")
	case h.OpCode == ws.OpBinary:
		return &CloseError{Code: int(ws.StatusUnsupportedData), Reason: "binary messages are not supported"}
	case h.OpCode == ws.OpText && inMessage:
		return protocolError("new message inside a fragmented one")
	case h.OpCode == ws.OpContinuation && !inMessage:
		return protocolError("continuation without a message")
	}
	return nil
}

// readPayload appends a data frame's unmasked payload to msg, within
// MaxMessage.
func (c *Conn) readPayload(msg *[]byte, h ws.Header) error {
	if h.Length > int64(c.srv.cfg.MaxMessage-len(*msg)) {
		return &CloseError{Code: int(ws.StatusMessageTooBig), Reason: "message too big"}
	}
	start, n := len(*msg), int(h.Length)
	*msg = slices.Grow(*msg, n)[:start+n]
	p := (*msg)[start:]
	if _, err := io.ReadFull(reader{c}, p); err != nil {
		return err
	}
	ws.Cipher(p, h.Mask, 0)
	return nil
}

// control handles ping, pong and close frames.
func (c *Conn) control(h ws.Header) error {
	p := make([]byte, h.Length) // at most 125 bytes; a pong reply keeps it
	if _, err := io.ReadFull(reader{c}, p); err != nil {
		return err
	}
	ws.Cipher(p, h.Mask, 0)
	switch h.OpCode {
	case ws.OpPing:
		c.push(ws.OpPong, p)
	case ws.OpClose:
		return closeFrameError(p)
	}
	return nil // a pong: reading it has extended the deadline
}

// closeFrameError turns the client's close frame into a *CloseError whose
// code the server echoes; 1000 if the client gave none.
func closeFrameError(p []byte) error {
	if len(p) == 0 {
		return &CloseError{Code: int(ws.StatusNormalClosure), Remote: true}
	}
	code, reason := ws.ParseCloseFrameData(p)
	switch err := ws.CheckCloseFrameData(code, reason); {
	case errors.Is(err, ws.ErrProtocolInvalidUTF8):
		return &CloseError{Code: int(ws.StatusInvalidFramePayloadData), Reason: "invalid UTF-8 in close reason"}
	case err != nil:
		return protocolError("bad close frame")
	}
	return &CloseError{Code: int(code), Reason: reason, Remote: true}
}
