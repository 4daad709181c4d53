package wsconn

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// echo answers every message with itself and records closes.
type echo struct {
	closed chan error
}

func (e *echo) OnMessage(c *Conn, data []byte) { c.Send(append([]byte(nil), data...)) }
func (e *echo) OnClose(c *Conn, err error)     { e.closed <- err }

func newEchoServer(t *testing.T, cfg Config) (*Server, *echo, string) {
	t.Helper()
	srv := NewServer(cfg)
	h := &echo{closed: make(chan error, 100)}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := srv.Upgrade(w, r)
		if err != nil {
			return
		}
		go c.Serve(h)
	}))
	t.Cleanup(func() { srv.Shutdown(1001, "bye"); hs.Close() })
	return srv, h, "ws" + strings.TrimPrefix(hs.URL, "http")
}

func dial(t *testing.T, url string) net.Conn {
	t.Helper()
	c, _, _, err := ws.Dial(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// readClose reads until a close frame and returns its code.
func readClose(t *testing.T, c net.Conn) ws.StatusCode {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		f, err := ws.ReadFrame(c)
		if err != nil {
			t.Fatalf("no close frame: %v", err)
		}
		if f.Header.OpCode == ws.OpClose {
			code, _ := ws.ParseCloseFrameData(f.Payload)
			return code
		}
	}
}

func TestEcho(t *testing.T) {
	_, _, url := newEchoServer(t, Config{})
	c := dial(t, url)
	for _, msg := range []string{"hello", "سلام", strings.Repeat("x", 60000)} {
		if err := wsutil.WriteClientText(c, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		got, err := wsutil.ReadServerText(c)
		if err != nil || string(got) != msg {
			t.Fatalf("echo of %d bytes: got %d bytes, %v", len(msg), len(got), err)
		}
	}
}

func TestFragmentsReassembled(t *testing.T) {
	_, _, url := newEchoServer(t, Config{})
	c := dial(t, url)
	parts := []struct {
		op  ws.OpCode
		fin bool
		p   string
	}{{ws.OpText, false, "one "}, {ws.OpContinuation, false, "two "}, {ws.OpContinuation, true, "three"}}
	for i, p := range parts {
		if i == 1 { // a ping between fragments is allowed
			ws.WriteFrame(c, ws.MaskFrame(ws.NewPingFrame([]byte("p"))))
		}
		ws.WriteFrame(c, ws.MaskFrame(ws.NewFrame(p.op, p.fin, []byte(p.p))))
	}
	got, err := wsutil.ReadServerText(c)
	if err != nil || string(got) != "one two three" {
		t.Fatalf("got %q %v", got, err)
	}
}

func TestProtocolViolationsClose(t *testing.T) {
	cases := []struct {
		name  string
		frame ws.Frame
		code  ws.StatusCode
	}{
		{"too big", ws.MaskFrame(ws.NewTextFrame(make([]byte, 2000))), 1009},
		{"invalid utf-8", ws.MaskFrame(ws.NewTextFrame([]byte{0xff, 0xfe})), 1007},
		{"unmasked", ws.NewTextFrame([]byte("hi")), 1002},
		{"binary", ws.MaskFrame(ws.NewBinaryFrame([]byte{1})), 1003},
		{"continuation first", ws.MaskFrame(ws.NewFrame(ws.OpContinuation, true, []byte("x"))), 1002},
		{"long ping", ws.MaskFrame(ws.NewPingFrame(make([]byte, 126))), 1002},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, h, url := newEchoServer(t, Config{MaxMessage: 1000})
			c := dial(t, url)
			if err := ws.WriteFrame(c, tc.frame); err != nil {
				t.Fatal(err)
			}
			if code := readClose(t, c); code != tc.code {
				t.Fatalf("close code %d, want %d", code, tc.code)
			}
			select {
			case <-h.closed:
			case <-time.After(5 * time.Second):
				t.Fatal("OnClose not called")
			}
		})
	}
}

func TestPingPongAndClientClose(t *testing.T) {
	srv, h, url := newEchoServer(t, Config{})
	c := dial(t, url)
	ws.WriteFrame(c, ws.MaskFrame(ws.NewPingFrame([]byte("abc"))))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	f, err := ws.ReadFrame(c)
	if err != nil || f.Header.OpCode != ws.OpPong || string(f.Payload) != "abc" {
		t.Fatalf("pong: %+v %v", f.Header, err)
	}
	ws.WriteFrame(c, ws.MaskFrame(ws.NewCloseFrame(ws.NewCloseFrameBody(1000, "done"))))
	if code := readClose(t, c); code != 1000 {
		t.Fatalf("close echo %d", code)
	}
	select {
	case <-h.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("OnClose not called")
	}
	select {
	case <-h.closed:
		t.Fatal("OnClose called twice")
	case <-time.After(100 * time.Millisecond):
	}
	waitFor(t, func() bool { return srv.Count() == 0 })
}

func TestBytesAfterHandshakeAreKept(t *testing.T) {
	_, _, url := newEchoServer(t, Config{})
	addr := strings.TrimPrefix(url, "ws://")
	raw, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var frame bytes.Buffer
	ws.WriteFrame(&frame, ws.MaskFrame(ws.NewTextFrame([]byte("early"))))
	req := "GET / HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	raw.Write(append([]byte(req), frame.Bytes()...)) // one write: request and frame together
	br := bufio.NewReader(raw)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("handshake: %v %v", resp, err)
	}
	raw.SetReadDeadline(time.Now().Add(5 * time.Second))
	f, err := ws.ReadFrame(br)
	if err != nil || string(f.Payload) != "early" {
		t.Fatalf("early frame: %q %v", f.Payload, err)
	}
}

func TestNotAWebSocket(t *testing.T) {
	_, _, url := newEchoServer(t, Config{})
	resp, err := http.Get("http" + strings.TrimPrefix(url, "ws"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

// hold keeps conns and lets the test push to them.
type hold struct {
	mu     sync.Mutex
	conns  []*Conn
	closed chan struct{}
}

func (h *hold) OnMessage(*Conn, []byte) {}
func (h *hold) OnClose(*Conn, error)    { h.closed <- struct{}{} }

func holdServer(t *testing.T, cfg Config) (*Server, *hold, string) {
	t.Helper()
	srv := NewServer(cfg)
	h := &hold{closed: make(chan struct{}, 100000)}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := srv.Upgrade(w, r)
		if err != nil {
			return
		}
		h.mu.Lock()
		h.conns = append(h.conns, c)
		h.mu.Unlock()
		go c.Serve(h)
	}))
	t.Cleanup(func() { srv.Shutdown(1001, "bye"); hs.Close() })
	return srv, h, "ws" + strings.TrimPrefix(hs.URL, "http")
}

func TestSlowConsumerIsCutOff(t *testing.T) {
	srv, h, url := holdServer(t, Config{QueueFrames: 64, QueueBytes: 1 << 20})
	c := dial(t, url) // never reads
	waitFor(t, func() bool { return srv.Count() == 1 })
	h.mu.Lock()
	conn := h.conns[0]
	h.mu.Unlock()
	big := make([]byte, 32<<10)
	sent := 0
	for i := 0; i < 100000 && conn.Send(big); i++ {
		sent++
	}
	if sent == 100000 {
		t.Fatal("a client that never reads was never cut off")
	}
	select {
	case <-h.closed:
	case <-time.After(15 * time.Second):
		t.Fatal("OnClose not called after overflow")
	}
	waitFor(t, func() bool { return srv.Count() == 0 })
	if conn.Send([]byte("x")) {
		t.Fatal("Send succeeded on a closed connection")
	}
	_ = c
}

func TestConcurrentSendsArriveInOrder(t *testing.T) {
	srv, h, url := holdServer(t, Config{})
	c := dial(t, url)
	waitFor(t, func() bool { return srv.Count() == 1 })
	h.mu.Lock()
	conn := h.conns[0]
	h.mu.Unlock()
	const writers, each = 8, 100
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				conn.Send([]byte(fmt.Sprintf("%d:%d", w, i)))
			}
		}()
	}
	wg.Wait()
	next := make([]int, writers)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for range writers * each {
		msg, err := wsutil.ReadServerText(c)
		if err != nil {
			t.Fatal(err)
		}
		var w, i int
		fmt.Sscanf(string(msg), "%d:%d", &w, &i)
		if i != next[w] {
			t.Fatalf("writer %d: got %d, want %d", w, i, next[w])
		}
		next[w]++
	}
}

func TestShutdownClosesAll(t *testing.T) {
	srv, _, url := holdServer(t, Config{})
	var conns []net.Conn
	for range 5 {
		conns = append(conns, dial(t, url))
	}
	waitFor(t, func() bool { return srv.Count() == 5 })
	srv.Shutdown(1001, "going away")
	for _, c := range conns {
		if code := readClose(t, c); code != 1001 {
			t.Fatalf("code %d", code)
		}
	}
	waitFor(t, func() bool { return srv.Count() == 0 })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// FuzzReadLoop feeds arbitrary bytes to a connection's read loop as the
// client's stream: it must neither panic nor hang.
func FuzzReadLoop(f *testing.F) {
	var seed bytes.Buffer
	ws.WriteFrame(&seed, ws.MaskFrame(ws.NewTextFrame([]byte(`{"type":"hello"}`))))
	f.Add(seed.Bytes())
	seed.Reset()
	ws.WriteFrame(&seed, ws.MaskFrame(ws.NewFrame(ws.OpText, false, []byte("a"))))
	ws.WriteFrame(&seed, ws.MaskFrame(ws.NewPingFrame([]byte("p"))))
	ws.WriteFrame(&seed, ws.MaskFrame(ws.NewFrame(ws.OpContinuation, true, []byte("b"))))
	f.Add(seed.Bytes())
	f.Add([]byte{0x81, 0xff, 0, 0, 0, 0, 0, 0, 0, 0xff, 1, 2, 3, 4})
	f.Add([]byte{})
	srv := NewServer(Config{MaxMessage: 4096})
	f.Fuzz(func(t *testing.T, data []byte) {
		server, client := net.Pipe()
		c := &Conn{srv: srv, nc: server}
		go func() {
			client.Write(data)
			client.Close()
		}()
		go io.Copy(io.Discard, client)
		done := make(chan struct{})
		go func() { c.Serve(nopHandler{}); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("read loop hung")
		}
	})
}

type nopHandler struct{}

func (nopHandler) OnMessage(*Conn, []byte) {}
func (nopHandler) OnClose(*Conn, error)    {}

// BenchmarkIdleConnMemory opens n idle connections and reports the server
// side's memory per connection. Both ends live in this process, so the
// client side's cost is measured first with the same number of plain TCP
// connections to a server that parks each in a goroutine blocked in Read
// (the least any goroutine-per-connection server can hold), and the
// WebSocket figure is reported as the total minus the client side's share.
func BenchmarkIdleConnMemory(b *testing.B) {
	const n = 5000
	for range b.N {
		wsTotal := measureConns(b, n, true)
		rawTotal := measureConns(b, n, false)
		b.ReportMetric(wsTotal/n, "total-B/conn")
		b.ReportMetric(rawTotal/n, "tcp-pair-B/conn")
	}
}

// measureConns returns the heap+stack growth while holding n connections.
func measureConns(b *testing.B, n int, websocket bool) float64 {
	srv := NewServer(Config{PingInterval: time.Hour})
	var handler http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := srv.Upgrade(w, r)
		if err == nil {
			go c.Serve(nopHandler{})
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	if websocket {
		go http.Serve(ln, handler)
	} else {
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() { var one [1]byte; c.Read(one[:]) }()
			}
		}()
	}
	before := memInUse()
	conns := make([]net.Conn, 0, n)
	for range n {
		var c net.Conn
		if websocket {
			c, _, _, err = ws.Dial(context.Background(), "ws://"+ln.Addr().String())
		} else {
			c, err = net.Dial("tcp", ln.Addr().String())
		}
		if err != nil {
			b.Fatal(err)
		}
		conns = append(conns, c)
	}
	if websocket {
		for srv.Count() < n {
			time.Sleep(time.Millisecond)
		}
	}
	time.Sleep(200 * time.Millisecond)
	after := memInUse()
	for _, c := range conns {
		c.Close()
	}
	ln.Close()
	srv.Shutdown(1001, "")
	return float64(after - before)
}

func memInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}
