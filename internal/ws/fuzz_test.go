package ws

import (
	"bytes"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gobwas/ws"
)

// fuzzHandler checks what the read loop hands over.
type fuzzHandler struct {
	t      *testing.T
	max    int
	closes atomic.Int32
}

func (h *fuzzHandler) OnMessage(_ *Conn, data []byte) {
	if len(data) > h.max || !utf8.Valid(data) {
		h.t.Errorf("handed a bad message: %d bytes, valid UTF-8 %v", len(data), utf8.Valid(data))
	}
}

func (h *fuzzHandler) OnClose(*Conn, error) { h.closes.Add(1) }

// FuzzReadFrames feeds arbitrary bytes to the read loop as a client's
// stream, the first split of them as if read along with the handshake, and
// checks that Serve neither panics nor hangs: it must end once the client
// hangs up, and call OnClose once.
func FuzzReadFrames(f *testing.F) {
	frame := func(op ws.OpCode, fin bool, p string) []byte {
		return ws.MustCompileFrame(ws.MaskFrame(ws.NewFrame(op, fin, []byte(p))))
	}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	f.Add(uint8(0), frame(ws.OpText, true, "hello"))
	f.Add(uint8(3), cat(frame(ws.OpText, false, "hel"), frame(ws.OpPing, true, "p"), frame(ws.OpContinuation, true, "lo")))
	f.Add(uint8(0), cat(frame(ws.OpText, true, "a"), frame(ws.OpClose, true, "\x03\xe8bye"), frame(ws.OpText, true, "after")))
	f.Add(uint8(1), frame(ws.OpText, true, string(make([]byte, 2000))))
	f.Add(uint8(0), ws.MustCompileFrame(ws.NewTextFrame([]byte("unmasked"))))
	f.Add(uint8(0), []byte{0x81, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1}) // 64-bit length with the top bit set

	const maxMessage = 1 << 10
	srv := NewServer(Config{MaxMessage: maxMessage, WriteTimeout: time.Second})
	f.Cleanup(func() { srv.Shutdown(1001, "") })

	f.Fuzz(func(t *testing.T, split uint8, data []byte) {
		server, client := net.Pipe()
		n := min(int(split), len(data))
		c := &Conn{srv: srv, nc: server, leftover: bytes.Clone(data[:n])}
		if !srv.add(c) {
			t.Fatal("server refused the connection")
		}
		go io.Copy(io.Discard, client) // whatever the server answers
		go func() {
			client.Write(data[n:])
			client.Close()
		}()
		h := &fuzzHandler{t: t, max: maxMessage}
		done := make(chan struct{})
		go func() {
			c.Serve(h)
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Serve did not end after the client hung up")
		}
		if n := h.closes.Load(); n != 1 {
			t.Fatalf("OnClose called %d times", n)
		}
	})
}
