package ws

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// fixture is a real HTTP server whose handler upgrades every request and
// runs Serve on the handler's goroutine.
type fixture struct {
	srv   *Server
	http  *httptest.Server
	url   string // ws://host:port/
	conns chan *serverConn
}

// serverConn is the server side's view of one connection.
type serverConn struct {
	c        *Conn
	echo     bool
	leftover int          // bytes left over from the handshake
	msgs     chan string  // every message received
	closed   chan error   // OnClose's error
	closes   atomic.Int32 // OnClose calls
}

func (s *serverConn) OnMessage(c *Conn, data []byte) {
	if s.echo {
		c.Send(bytes.Clone(data)) // data is only valid during the call
	}
	s.msgs <- string(data)
}

func (s *serverConn) OnClose(_ *Conn, err error) {
	s.closes.Add(1)
	s.closed <- err
}

func start(t testing.TB, cfg Config, echo bool) *fixture {
	t.Helper()
	f := &fixture{srv: NewServer(cfg), conns: make(chan *serverConn, 100)}
	f.http = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := f.srv.Upgrade(w, r)
		if err != nil {
			return
		}
		sc := &serverConn{c: c, echo: echo, leftover: len(c.leftover), msgs: make(chan string, 10000), closed: make(chan error, 2)}
		f.conns <- sc
		c.Serve(sc)
	}))
	f.url = "ws" + strings.TrimPrefix(f.http.URL, "http")
	t.Cleanup(func() {
		f.srv.Shutdown(1001, "test over")
		f.http.Close()
	})
	return f
}

// dial opens a client connection and returns the server's side of it.
func (f *fixture) dial(t testing.TB) (net.Conn, *serverConn) {
	t.Helper()
	nc, br, _, err := ws.Dial(context.Background(), f.url)
	if err != nil {
		t.Fatal(err)
	}
	if br != nil {
		t.Fatal("server sent data before the client did")
	}
	t.Cleanup(func() { nc.Close() })
	return nc, f.next(t)
}

func (f *fixture) next(t testing.TB) *serverConn {
	t.Helper()
	select {
	case sc := <-f.conns:
		return sc
	case <-time.After(5 * time.Second):
		t.Fatal("no connection reached the server")
		return nil
	}
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// closeErr waits for OnClose and checks that it ran once.
func (s *serverConn) closeErr(t testing.TB) error {
	t.Helper()
	select {
	case err := <-s.closed:
		time.Sleep(20 * time.Millisecond) // a second call would show by now
		if n := s.closes.Load(); n != 1 {
			t.Fatalf("OnClose called %d times", n)
		}
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("OnClose not called")
		return nil
	}
}

func readText(t testing.TB, nc net.Conn) string {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	p, err := wsutil.ReadServerText(nc)
	if err != nil {
		t.Fatal(err)
	}
	return string(p)
}

// readClose reads frames until a close frame and returns its code and
// reason; text frames before it are returned too.
func readClose(t testing.TB, nc net.Conn) (code int, reason string, texts []string) {
	t.Helper()
	for {
		nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		f, err := ws.ReadFrame(nc)
		if err != nil {
			t.Fatalf("reading until a close frame: %v", err)
		}
		switch f.Header.OpCode {
		case ws.OpText:
			texts = append(texts, string(f.Payload))
		case ws.OpClose:
			c, r := ws.ParseCloseFrameData(f.Payload)
			return int(c), r, texts
		}
	}
}

func write(t testing.TB, nc net.Conn, frames ...ws.Frame) {
	t.Helper()
	for _, f := range frames {
		if err := ws.WriteFrame(nc, f); err != nil {
			t.Fatal(err)
		}
	}
}

func masked(op ws.OpCode, fin bool, p string) ws.Frame {
	return ws.MaskFrame(ws.NewFrame(op, fin, []byte(p)))
}

func TestEcho(t *testing.T) {
	f := start(t, Config{MaxMessage: 1 << 20}, true)
	nc, sc := f.dial(t)
	for _, msg := range []string{
		"hello",
		"",
		"привет, 世界 👋",
		strings.Repeat("7-bit length ", 9),     // 117 bytes
		strings.Repeat("16-bit length ", 1000), // 14 KB
		strings.Repeat("64-bit length ", 6000), // 84 KB
	} {
		if err := wsutil.WriteClientText(nc, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		if got := readText(t, nc); got != msg {
			t.Fatalf("echo of a %d-byte message: got %d bytes", len(msg), len(got))
		}
		if got := <-sc.msgs; got != msg {
			t.Fatalf("server got %q, want %q", got, msg)
		}
	}
}

func TestFragmentedMessage(t *testing.T) {
	f := start(t, Config{}, true)
	nc, _ := f.dial(t)
	word := []byte("привет")
	write(t, nc,
		masked(ws.OpText, false, "hello, "),
		masked(ws.OpPing, true, "between fragments"),       // control frames may interleave
		masked(ws.OpContinuation, false, string(word[:3])), // splits a letter
		masked(ws.OpContinuation, false, ""),
		masked(ws.OpContinuation, true, string(word[3:])),
	)
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	pong, err := ws.ReadFrame(nc)
	if err != nil || pong.Header.OpCode != ws.OpPong || string(pong.Payload) != "between fragments" {
		t.Fatalf("got %+v, %v; want the pong first", pong.Header, err)
	}
	if got := readText(t, nc); got != "hello, привет" {
		t.Fatalf("got %q", got)
	}
}

func TestProtocolErrors(t *testing.T) {
	big := strings.Repeat("x", 600)
	badClose := ws.MaskFrame(ws.NewCloseFrame(ws.NewCloseFrameBody(999, "")))
	tests := []struct {
		name   string
		frames []ws.Frame
		code   int
	}{
		{"oversize message", []ws.Frame{masked(ws.OpText, true, big+big)}, 1009},
		{"oversize fragmented message", []ws.Frame{masked(ws.OpText, false, big), masked(ws.OpContinuation, true, big)}, 1009},
		{"invalid UTF-8", []ws.Frame{masked(ws.OpText, true, "ok \xff\xfe")}, 1007},
		{"invalid UTF-8 across fragments", []ws.Frame{masked(ws.OpText, false, "\xd0"), masked(ws.OpContinuation, true, "x")}, 1007},
		{"unmasked frame", []ws.Frame{ws.NewTextFrame([]byte("hi"))}, 1002},
		{"binary message", []ws.Frame{masked(ws.OpBinary, true, "\x00\x01")}, 1003},
		{"reserved bit", []ws.Frame{func() ws.Frame {
			f := masked(ws.OpText, true, "hi")
			f.Header.Rsv = ws.Rsv(true, false, false)
			return f
		}()}, 1002},
		{"reserved opcode", []ws.Frame{masked(3, true, "hi")}, 1002},
		{"fragmented ping", []ws.Frame{masked(ws.OpPing, false, "")}, 1002},
		{"long ping", []ws.Frame{masked(ws.OpPing, true, strings.Repeat("p", 126))}, 1002},
		{"continuation first", []ws.Frame{masked(ws.OpContinuation, true, "hi")}, 1002},
		{"text inside a fragmented message", []ws.Frame{masked(ws.OpText, false, "a"), masked(ws.OpText, true, "b")}, 1002},
		{"close code not in use", []ws.Frame{badClose}, 1002},
		{"one-byte close payload", []ws.Frame{masked(ws.OpClose, true, "x")}, 1002},
	}
	f := start(t, Config{MaxMessage: 1000}, true)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nc, sc := f.dial(t)
			write(t, nc, tt.frames...)
			code, _, texts := readClose(t, nc)
			if code != tt.code || len(texts) != 0 {
				t.Fatalf("closed with %d after %q, want %d and no message", code, texts, tt.code)
			}
			nc.Close()
			var ce *CloseError
			if err := sc.closeErr(t); !errors.As(err, &ce) || ce.Code != tt.code {
				t.Fatalf("OnClose error %v, want code %d", err, tt.code)
			}
		})
	}
	waitFor(t, "every connection to end", func() bool { return f.srv.Count() == 0 })
}

func TestPingPong(t *testing.T) {
	f := start(t, Config{}, false)
	nc, _ := f.dial(t)
	write(t, nc, masked(ws.OpPing, true, "are you there?"), masked(ws.OpPong, true, "unsolicited"))
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	fr, err := ws.ReadFrame(nc)
	if err != nil || fr.Header.OpCode != ws.OpPong || string(fr.Payload) != "are you there?" {
		t.Fatalf("got %+v %q, %v; want a pong with the ping's payload", fr.Header, fr.Payload, err)
	}
}

func TestClientClose(t *testing.T) {
	tests := []struct {
		name       string
		body       []byte
		wantCode   int
		wantReason string
	}{
		{"with code", ws.NewCloseFrameBody(4321, "bye"), 4321, "bye"},
		{"without code", nil, 1000, ""},
	}
	f := start(t, Config{}, false)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nc, sc := f.dial(t)
			write(t, nc, ws.MaskFrame(ws.NewCloseFrame(tt.body)))
			if code, _, _ := readClose(t, nc); code != tt.wantCode {
				t.Fatalf("server answered close with %d, want %d", code, tt.wantCode)
			}
			nc.Close()
			var ce *CloseError
			if err := sc.closeErr(t); !errors.As(err, &ce) || ce.Code != tt.wantCode || ce.Reason != tt.wantReason {
				t.Fatalf("OnClose error %v, want %d %q", err, tt.wantCode, tt.wantReason)
			}
			if sc.c.Send([]byte("late")) {
				t.Fatal("Send on a closed connection succeeded")
			}
			sc.c.Close(1000, "late") // must not call OnClose again
			time.Sleep(20 * time.Millisecond)
			if n := sc.closes.Load(); n != 1 {
				t.Fatalf("OnClose called %d times", n)
			}
		})
	}
	waitFor(t, "every connection to end", func() bool { return f.srv.Count() == 0 })
}

func TestServerCloseSendsQueuedFramesFirst(t *testing.T) {
	f := start(t, Config{}, false)
	nc, sc := f.dial(t)
	sc.c.Send([]byte("error: bad position"))
	var wg sync.WaitGroup
	for range 10 { // Close is idempotent and safe from any goroutine
		wg.Go(func() { sc.c.Close(4002, "bad position") })
	}
	wg.Wait()
	code, reason, texts := readClose(t, nc)
	if code != 4002 || reason != "bad position" || len(texts) != 1 || texts[0] != "error: bad position" {
		t.Fatalf("got %q then close %d %q", texts, code, reason)
	}
	// Answer the close as a client does; the server then ends at once.
	write(t, nc, ws.MaskFrame(ws.NewCloseFrame(ws.NewCloseFrameBody(4002, ""))))
	var ce *CloseError
	if err := sc.closeErr(t); !errors.As(err, &ce) || ce.Code != 4002 {
		t.Fatalf("OnClose error %v, want the server's 4002", err)
	}
}

func TestSlowConsumer(t *testing.T) {
	frame := bytes.Repeat([]byte("s"), 64<<10) // shared by every Send, as a broadcast is
	cfg := Config{QueueFrames: 1024, QueueBytes: 1 << 20}
	// sendUntilRefused sends until the queue overflows; the bound proves
	// that the server stops buffering (socket buffers hold a few MB).
	sendUntilRefused := func(t *testing.T, c *Conn) int {
		for n := range 2000 {
			if !c.Send(frame) {
				return n
			}
		}
		t.Fatal("Send never refused a frame")
		return 0
	}

	t.Run("client reads later", func(t *testing.T) {
		cfg := cfg
		cfg.WriteTimeout = 5 * time.Second
		f := start(t, cfg, false)
		nc, sc := f.dial(t)
		sent := sendUntilRefused(t, sc.c)
		if sc.c.Send([]byte("x")) {
			t.Fatal("Send succeeded after the connection was closed")
		}
		code, reason, texts := readClose(t, nc)
		if code != 4008 || reason != "slow consumer" {
			t.Fatalf("closed with %d %q, want 4008", code, reason)
		}
		if len(texts) > sent {
			t.Fatalf("read %d frames, only %d were sent", len(texts), sent)
		}
		nc.Close()
		sc.closeErr(t)
		waitFor(t, "the connection to end", func() bool { return f.srv.Count() == 0 })
	})

	t.Run("client never reads", func(t *testing.T) {
		cfg := cfg
		cfg.WriteTimeout = 300 * time.Millisecond
		f := start(t, cfg, false)
		_, sc := f.dial(t)
		sendUntilRefused(t, sc.c)
		var ce *CloseError
		if err := sc.closeErr(t); !errors.As(err, &ce) || ce.Code != 4008 {
			t.Fatalf("OnClose error %v, want 4008", err)
		}
		waitFor(t, "the connection to end", func() bool { return f.srv.Count() == 0 })
	})
}

func TestShutdown(t *testing.T) {
	f := start(t, Config{}, false)
	clients := make([]net.Conn, 5)
	for i := range clients {
		clients[i], _ = f.dial(t)
	}
	if n := f.srv.Count(); n != len(clients) {
		t.Fatalf("Count = %d, want %d", n, len(clients))
	}
	f.srv.Shutdown(1001, "going away")
	for _, nc := range clients {
		if code, reason, _ := readClose(t, nc); code != 1001 || reason != "going away" {
			t.Fatalf("closed with %d %q", code, reason)
		}
		nc.Close()
	}
	waitFor(t, "every connection to end", func() bool { return f.srv.Count() == 0 })
	if _, _, _, err := ws.Dial(context.Background(), f.url); err == nil {
		t.Fatal("a connection was accepted after Shutdown")
	}
}

func TestConcurrentSend(t *testing.T) {
	const senders, each = 8, 500
	f := start(t, Config{QueueFrames: senders * each}, false)
	nc, sc := f.dial(t)
	var wg sync.WaitGroup
	for g := range senders {
		wg.Go(func() {
			for i := range each {
				if !sc.c.Send(fmt.Appendf(nil, "%d/%d", g, i)) {
					t.Errorf("Send %d/%d refused", g, i)
					return
				}
			}
		})
	}
	next := make([]int, senders)
	for range senders * each {
		var g, i int
		if _, err := fmt.Sscanf(readText(t, nc), "%d/%d", &g, &i); err != nil {
			t.Fatal(err)
		}
		if i != next[g] {
			t.Fatalf("sender %d: got frame %d, want %d", g, i, next[g])
		}
		next[g]++
	}
	wg.Wait()
}

func TestBytesSentWithTheHandshake(t *testing.T) {
	f := start(t, Config{}, true)
	nc, err := net.Dial("tcp", f.http.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	req := "GET / HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	frame := ws.MustCompileFrame(masked(ws.OpText, true, "early bird"))
	if _, err := nc.Write(append([]byte(req), frame...)); err != nil { // one write, one packet
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %v %v", resp, err)
	}
	if sc := f.next(t); sc.leftover != len(frame) {
		t.Fatalf("%d bytes left over from the handshake, want %d", sc.leftover, len(frame))
	}
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := ws.ReadFrame(br)
	if err != nil || string(got.Payload) != "early bird" {
		t.Fatalf("got %q, %v", got.Payload, err)
	}
}

func TestNotWebSocket(t *testing.T) {
	f := start(t, Config{}, false)
	resp, err := http.Get(f.http.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !bytes.Contains(body, []byte("bad_request")) {
		t.Fatalf("plain GET: %d %s", resp.StatusCode, body)
	}

	// Upgrade headers without a key: gobwas answers after hijacking, and
	// the socket must then be closed rather than leaked.
	nc, err := net.Dial("tcp", f.http.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	io.WriteString(nc, "GET / HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(nc)
	resp, err = http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("upgrade without a key: %v %v", resp, err)
	}
	if _, err := io.ReadAll(br); err != nil {
		t.Fatalf("the socket was not closed: %v", err)
	}
	if n := f.srv.Count(); n != 0 {
		t.Fatalf("Count = %d", n)
	}
}

func TestPingsAndIdleTimeout(t *testing.T) {
	f := start(t, Config{PingInterval: 30 * time.Millisecond, IdleTimeout: 200 * time.Millisecond}, false)
	alive, _ := f.dial(t)
	_, silent := f.dial(t)

	// The live client answers pings for longer than the idle
	// timeout; the silent one never does, and is dropped.
	var pings atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			alive.SetReadDeadline(time.Now().Add(time.Second))
			fr, err := ws.ReadFrame(alive)
			if err != nil {
				return
			}
			if fr.Header.OpCode == ws.OpPing {
				pings.Add(1)
				ws.WriteFrame(alive, ws.MaskFrame(ws.NewPongFrame(fr.Payload)))
			}
		}
	}()
	var ne net.Error
	if err := silent.closeErr(t); !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("silent client closed with %v, want a timeout", err)
	}
	time.Sleep(300 * time.Millisecond)
	if n := f.srv.Count(); n != 1 {
		t.Fatalf("Count = %d, want the answering client alone", n)
	}
	if pings.Load() < 5 {
		t.Fatalf("only %d pings in over 500ms", pings.Load())
	}
	alive.Close()
	<-done
}

// TestSendPacedNeverOverflows: a producer that paces itself (a replay) may
// send many times the queue's size in large frames to a client that reads
// slowly: it waits for room instead of overflowing the queue, and every
// frame arrives, in order.
func TestSendPacedNeverOverflows(t *testing.T) {
	frame := bytes.Repeat([]byte("p"), 64<<10)
	f := start(t, Config{QueueFrames: 1024, QueueBytes: 1 << 20, WriteTimeout: 5 * time.Second}, false)
	nc, sc := f.dial(t)
	const n = 200 // 12.5 MiB through a 1 MiB queue
	done := make(chan bool, 1)
	go func() {
		for range n {
			if !sc.c.SendPaced(context.Background(), frame) {
				done <- false
				return
			}
		}
		done <- true
	}()
	time.Sleep(200 * time.Millisecond) // let the queue fill while nobody reads
	for i := range n {
		if got := readText(t, nc); len(got) != len(frame) {
			t.Fatalf("frame %d: %d bytes", i, len(got))
		}
	}
	if !<-done {
		t.Fatal("SendPaced gave up: the connection was closed")
	}
}
