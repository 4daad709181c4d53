package client

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
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
)

// The fake server below speaks just enough of docs/API.md to test the
// stream: each test scripts what it says, one connection at a time.

// peer is the server's side of one test connection.
type peer struct {
	t    *testing.T
	conn net.Conn
	r    io.Reader // the upgrader's buffered reader: it may hold the hello
	wmu  sync.Mutex
}

// wireFrame is a client frame as the real server decodes it: strictly, so a
// field the server does not know fails the test.
type wireFrame struct {
	Type     string          `json:"type"`
	ID       json.RawMessage `json:"id,omitempty"`
	Token    string          `json:"token,omitempty"`
	Pos      *int64          `json:"pos,omitempty"`
	ChatID   int64           `json:"chat_id,omitempty"`
	Seq      int64           `json:"seq,omitempty"`
	ClientID string          `json:"client_id,omitempty"`
	Text     string          `json:"text,omitempty"`
	ReplyTo  int64           `json:"reply_to,omitempty"`
	Forward  *Forward        `json:"forward,omitempty"`
}

func (f wireFrame) id() int64 {
	var n int64
	json.Unmarshal(f.ID, &n)
	return n
}

// read reads the next client frame, answering pings; a client close frame
// comes back as Type "close:<code>".
func (p *peer) read() (wireFrame, error) {
	for {
		hdr, err := ws.ReadHeader(p.r)
		if err != nil {
			return wireFrame{}, err
		}
		if !hdr.Masked {
			p.t.Errorf("client frame not masked")
		}
		payload := make([]byte, hdr.Length)
		if _, err := io.ReadFull(p.r, payload); err != nil {
			return wireFrame{}, err
		}
		ws.Cipher(payload, hdr.Mask, 0)
		switch hdr.OpCode {
		case ws.OpPing:
			p.writeFrame(ws.NewPongFrame(payload))
			continue
		case ws.OpPong:
			return wireFrame{Type: "pong:" + string(payload)}, nil
		case ws.OpClose:
			code, _ := ws.ParseCloseFrameData(payload)
			return wireFrame{Type: fmt.Sprintf("close:%d", code)}, nil
		}
		if !hdr.Fin {
			p.t.Errorf("fragmented client frame")
		}
		var f wireFrame
		dec := json.NewDecoder(bytes.NewReader(payload))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			p.t.Errorf("bad client frame %s: %v", payload, err)
		}
		return f, nil
	}
}

func (p *peer) mustRead(typ string) wireFrame {
	p.t.Helper()
	f, err := p.read()
	if err != nil {
		p.t.Fatalf("reading a %s frame: %v", typ, err)
	}
	if f.Type != typ {
		p.t.Fatalf("got a %q frame, want %q", f.Type, typ)
	}
	return f
}

func (p *peer) writeFrame(f ws.Frame) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	return ws.WriteFrame(p.conn, f)
}

// send writes v as a JSON text frame.
func (p *peer) send(v any) {
	b, ok := v.([]byte)
	if !ok {
		var err error
		if b, err = json.Marshal(v); err != nil {
			p.t.Fatal(err)
		}
	}
	if err := p.writeFrame(ws.NewTextFrame(b)); err != nil {
		p.t.Logf("send: %v", err)
	}
}

func (p *peer) sendf(format string, args ...any) { p.send([]byte(fmt.Sprintf(format, args...))) }

func (p *peer) event(pos, chat, seq int64) {
	p.sendf(`{"type":"event","event":{"pos":%d,"chat_id":%d,"seq":%d,"type":"message","actor_id":7,"date":"2026-11-29T10:00:00Z","text":"m%d"}}`, pos, chat, seq, pos)
}

// close sends a close frame with code and waits for the client's answer.
func (p *peer) close(code ws.StatusCode, reason string) wireFrame {
	p.writeFrame(ws.NewCloseFrame(ws.NewCloseFrameBody(code, reason)))
	p.conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	f, _ := p.read()
	p.conn.Close()
	return f
}

// hello reads the hello and welcomes the client at pos.
func (p *peer) hello(pos int64) wireFrame {
	p.t.Helper()
	h := p.mustRead("hello")
	p.sendf(`{"type":"welcome","user_id":7,"session_id":3,"pos":%d}`, pos)
	return h
}

// fakeWS serves /v1/ws with script, one call per connection (n counts
// from 0).
func fakeWS(t *testing.T, script func(p *peer, n int)) *Client {
	var n atomic.Int64
	var wg sync.WaitGroup
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/ws" {
			http.NotFound(w, r)
			return
		}
		conn, rw, _, err := ws.HTTPUpgrader{}.Upgrade(r, w)
		if err != nil {
			t.Errorf("upgrade: %v", err)
			return
		}
		wg.Add(1)
		defer wg.Done()
		defer conn.Close()
		script(&peer{t: t, conn: conn, r: rw.Reader}, int(n.Add(1)-1))
	}))
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		wg.Wait()
	})
	return New(srv.URL, WithToken("chp_tok"))
}

// next reads a frame from s or fails after a while.
func next(t *testing.T, s *Stream) Frame {
	t.Helper()
	select {
	case f, ok := <-s.Frames():
		if !ok {
			t.Fatalf("stream ended: %v", s.Err())
		}
		return f
	case <-time.After(5 * time.Second):
		t.Fatal("no frame")
	}
	panic("unreachable")
}

// ended waits for s to end and returns its Err.
func ended(t *testing.T, s *Stream) error {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-s.Frames():
			if !ok {
				return s.Err()
			}
		case <-timeout:
			t.Fatal("stream did not end")
		}
	}
}

func TestConnectHelloWelcome(t *testing.T) {
	gotPos := make(chan *int64, 2)
	c := fakeWS(t, func(p *peer, n int) {
		h := p.mustRead("hello")
		if h.Token != "chp_tok" {
			t.Errorf("hello token %q", h.Token)
		}
		gotPos <- h.Pos
		p.sendf(`{"type":"welcome","user_id":7,"session_id":3,"pos":1040}`)
		p.event(1041, 12, 41)
		p.sendf(`{"type":"synced","pos":1041}`)
		p.sendf(`{"type":"typing","chat_id":12,"user_id":8}`)
		p.sendf(`{"type":"presence","user_id":8,"online":false,"last_seen":"2026-11-29T10:00:00Z"}`)
		p.sendf(`{"type":"error","error":{"code":"forbidden","message":"not a member"}}`)
		p.mustRead("close:1000")
	})
	ctx := context.Background()
	pos := int64(1040)
	s, err := c.Connect(ctx, &pos)
	if err != nil {
		t.Fatal(err)
	}
	if p := <-gotPos; p == nil || *p != 1040 {
		t.Fatalf("hello pos %v", p)
	}
	if w := s.Welcome(); w.Type != FrameWelcome || w.UserID != 7 || w.SessionID != 3 || w.Pos != 1040 {
		t.Fatalf("welcome %+v", w)
	}
	f := next(t, s)
	if f.Type != FrameEvent || f.Event == nil || f.Event.Pos != 1041 || f.Event.Seq != 41 || f.Event.Text != "m1041" {
		t.Fatalf("event frame %+v", f)
	}
	if !strings.Contains(string(f.Raw), `"pos":1041`) {
		t.Fatalf("raw %s", f.Raw)
	}
	if f := next(t, s); f.Type != FrameSynced || f.Pos != 1041 {
		t.Fatalf("synced %+v", f)
	}
	if f := next(t, s); f.Type != FrameTyping || f.ChatID != 12 || f.UserID != 8 {
		t.Fatalf("typing %+v", f)
	}
	if f := next(t, s); f.Type != FramePresence || f.UserID != 8 || f.Online || f.LastSeen.IsZero() {
		t.Fatalf("presence %+v", f)
	}
	f = next(t, s)
	if f.Type != FrameError || f.Error == nil || f.Error.Code != CodeForbidden || f.Error.Status != 403 {
		t.Fatalf("error frame %+v", f)
	}
	if s.Err() != nil {
		t.Fatalf("Err while open: %v", s.Err())
	}
	s.Close()
	if !errors.Is(s.Err(), ErrClosed) {
		t.Fatalf("Err after Close: %v", s.Err())
	}
	if _, ok := <-s.Frames(); ok {
		t.Fatal("Frames open after Close")
	}

	// Without pos, hello has none.
	c2 := fakeWS(t, func(p *peer, n int) {
		gotPos <- p.hello(5).Pos
		p.mustRead("close:1000")
	})
	s, err = c2.Connect(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := <-gotPos; p != nil {
		t.Fatalf("hello pos %d, want none", *p)
	}
	s.Close()
}

func TestConnectRefused(t *testing.T) {
	ctx := context.Background()
	t.Run("no token", func(t *testing.T) {
		_, err := New("http://127.0.0.1:1").Connect(ctx, nil)
		if !IsCode(err, CodeUnauthorized) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("bad token", func(t *testing.T) {
		c := fakeWS(t, func(p *peer, n int) {
			p.mustRead("hello")
			p.close(CloseUnauthorized, "invalid token")
		})
		_, err := c.Connect(ctx, nil)
		var ce *CloseError
		if !errors.As(err, &ce) || ce.Code != CloseUnauthorized || ce.Reason != "invalid token" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("bad pos", func(t *testing.T) {
		c := fakeWS(t, func(p *peer, n int) {
			p.mustRead("hello")
			p.sendf(`{"type":"error","error":{"code":"invalid_argument","message":"pos: must be between 0 and 5"}}`)
			p.close(CloseProtocol, "bad position")
		})
		pos := int64(99)
		_, err := c.Connect(ctx, &pos)
		if !IsCode(err, CodeInvalidArgument) || CloseCode(err) != CloseProtocol {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("upgrade refused", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(503)
			io.WriteString(w, `{"error":{"code":"unavailable","message":"starting"}}`)
		}))
		defer srv.Close()
		_, err := New(srv.URL, WithToken("t")).Connect(ctx, nil)
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != 503 || ae.Code != CodeUnavailable || ae.Message != "starting" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("silent server", func(t *testing.T) {
		c := fakeWS(t, func(p *peer, n int) {
			p.mustRead("hello")
			p.read() // until the client gives up
		})
		ctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		_, err := c.Connect(ctx, nil)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v", err)
		}
	})
}

// TestSendRouting: acks go to their Send, matched by id, whatever their
// order; events (including the sender's own) go to Frames.
func TestSendRouting(t *testing.T) {
	const n = 50
	c := fakeWS(t, func(p *peer, _ int) {
		p.hello(100)
		var sends []wireFrame
		for len(sends) < n {
			f := p.mustRead("send")
			if f.ChatID != 12 || f.ClientID == "" || f.Text == "" {
				t.Errorf("send frame %+v", f)
			}
			sends = append(sends, f)
		}
		// Answer in reverse order, each ack after the event it made, with
		// an unrelated event in between.
		for i := len(sends) - 1; i >= 0; i-- {
			f := sends[i]
			pos := 1000 + int64(i)
			ev := fmt.Sprintf(`{"pos":%d,"chat_id":12,"seq":%d,"type":"message","actor_id":7,"date":"2026-11-29T10:00:00Z","client_id":%q,"text":%q}`, pos, i+1, f.ClientID, f.Text)
			p.sendf(`{"type":"event","event":%s}`, ev)
			p.sendf(`{"type":"typing","chat_id":12,"user_id":8}`)
			p.sendf(`{"type":"ack","id":%s,"event":%s,"duplicate":%t}`, f.ID, ev, i%2 == 0)
		}
		p.mustRead("close:1000")
	})
	s, err := c.Connect(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	var frames []Frame
	consumed := make(chan struct{})
	go func() {
		defer close(consumed)
		for len(frames) < 2*n {
			f, ok := <-s.Frames()
			if !ok {
				return
			}
			frames = append(frames, f)
		}
	}()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			text := fmt.Sprintf("text %d", i)
			res, err := s.Send(context.Background(), 12, SendRequest{Text: text})
			if err != nil {
				t.Errorf("send %d: %v", i, err)
				return
			}
			if res.Event.Text != text || res.Event.ClientID == "" {
				t.Errorf("send %d got the ack of %+v", i, res.Event)
			}
		})
	}
	wg.Wait()
	<-consumed
	events, typing := 0, 0
	for _, f := range frames {
		switch f.Type {
		case FrameEvent:
			events++
		case FrameTyping:
			typing++
		default:
			t.Errorf("unexpected frame %+v", f)
		}
	}
	if events != n || typing != n {
		t.Fatalf("%d events, %d typing frames; want %d each", events, typing, n)
	}
}

func TestRequests(t *testing.T) {
	c := fakeWS(t, func(p *peer, _ int) {
		p.hello(1)
		// A send answered by an error.
		f := p.mustRead("send")
		if f.ReplyTo != 3 || f.ClientID != "mine" {
			t.Errorf("send %+v", f)
		}
		p.sendf(`{"type":"error","id":%s,"error":{"code":"blocked","message":"you blocked them"}}`, f.ID)
		// A forward.
		f = p.mustRead("send")
		if f.Forward == nil || f.Forward.ChatID != 3 || f.Forward.Seq != 9 || f.Forward.SenderID != 0 || f.Text != "" {
			t.Errorf("forward %+v", f)
		}
		p.sendf(`{"type":"ack","id":%s,"event":{"pos":2,"seq":5,"forward":{"chat_id":3,"seq":9,"sender_id":5}}}`, f.ID)
		// read → ack.
		f = p.mustRead("read")
		if f.ChatID != 12 || f.Seq != 41 || f.id() == 0 {
			t.Errorf("read %+v", f)
		}
		p.sendf(`{"type":"ack","id":%s,"event":{"pos":3,"chat_id":12,"type":"read","target":41}}`, f.ID)
		// typing has no id and no answer.
		f = p.mustRead("typing")
		if f.ChatID != 12 || f.ID != nil {
			t.Errorf("typing %+v", f)
		}
		// ping → pong.
		f = p.mustRead("ping")
		p.sendf(`{"type":"pong","id":%s}`, f.ID)
		// An ack nobody waits for goes to Frames.
		p.sendf(`{"type":"ack","id":987654,"event":{"pos":4}}`)
		p.mustRead("close:1000")
	})
	ctx := context.Background()
	s, err := c.Connect(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.Send(ctx, 12, SendRequest{ClientID: "mine", Text: "hi", ReplyTo: 3})
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != CodeBlocked || ae.Status != 403 || ae.Message != "you blocked them" {
		t.Fatalf("send error: %v", err)
	}
	res, err := s.Send(ctx, 12, SendRequest{Forward: &Forward{ChatID: 3, Seq: 9, SenderID: 5}})
	if err != nil || res.Event.Forward == nil || res.Event.Forward.SenderID != 5 {
		t.Fatalf("forward: %+v, %v", res, err)
	}
	ev, err := s.MarkRead(ctx, 12, 41)
	if err != nil || ev.Type != EventRead || ev.Target != 41 {
		t.Fatalf("MarkRead: %+v, %v", ev, err)
	}
	if err := s.Typing(ctx, 12); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if f := next(t, s); f.Type != FrameAck || f.ID != 987654 {
		t.Fatalf("stray ack %+v", f)
	}
}

func TestRequestCanceled(t *testing.T) {
	release := make(chan struct{})
	c := fakeWS(t, func(p *peer, _ int) {
		p.hello(1)
		f := p.mustRead("send")
		<-release
		// The caller has given up: the late ack goes to Frames.
		p.sendf(`{"type":"ack","id":%s,"event":{"pos":2}}`, f.ID)
		p.mustRead("close:1000")
	})
	s, err := c.Connect(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.Send(ctx, 1, SendRequest{Text: "x"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	close(release)
	if f := next(t, s); f.Type != FrameAck || f.Event.Pos != 2 {
		t.Fatalf("late ack %+v", f)
	}
	if s.Err() != nil {
		t.Fatalf("a canceled request ended the stream: %v", s.Err())
	}
}

func TestServerClose(t *testing.T) {
	for _, code := range []ws.StatusCode{CloseSlowConsumer, CloseRevoked, CloseGoingAway} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			echo := make(chan string, 1)
			c := fakeWS(t, func(p *peer, _ int) {
				p.hello(1)
				p.event(2, 1, 1)
				echo <- p.close(code, "bye").Type
			})
			s, err := c.Connect(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			// The frame before the close is still delivered.
			if f := next(t, s); f.Type != FrameEvent {
				t.Fatalf("got %+v", f)
			}
			err = ended(t, s)
			var ce *CloseError
			if !errors.As(err, &ce) || ce.Code != int(code) || ce.Reason != "bye" || CloseCode(err) != int(code) {
				t.Fatalf("Err %v", err)
			}
			if e := <-echo; e != fmt.Sprintf("close:%d", code) {
				t.Fatalf("client answered %q, want the close echoed", e)
			}
			s.Close() // after the end: harmless
			if CloseCode(s.Err()) != int(code) {
				t.Fatalf("Close changed Err to %v", s.Err())
			}
		})
	}
}

func TestConnectionLost(t *testing.T) {
	c := fakeWS(t, func(p *peer, _ int) {
		p.hello(1)
		p.mustRead("send")
		p.conn.Close() // no close frame
	})
	s, err := c.Connect(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Send(context.Background(), 1, SendRequest{Text: "x"})
	if CloseCode(err) != CloseAbnormal {
		t.Fatalf("pending send: %v", err)
	}
	if err := ended(t, s); CloseCode(err) != CloseAbnormal {
		t.Fatalf("Err %v", err)
	}
	if _, err := s.Send(context.Background(), 1, SendRequest{Text: "y"}); CloseCode(err) != CloseAbnormal {
		t.Fatalf("send after the end: %v", err)
	}
}

func TestCloseFailsPendingRequests(t *testing.T) {
	got := make(chan string, 1)
	c := fakeWS(t, func(p *peer, _ int) {
		p.hello(1)
		p.mustRead("send")
		f, _ := p.read()
		got <- f.Type
		// Answer the close like a server does.
		p.writeFrame(ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusNormalClosure, "")))
	})
	s, err := c.Connect(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := s.Send(context.Background(), 1, SendRequest{Text: "x"})
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	s.Close()
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %v though the server answered", d)
	}
	if f := <-got; f != "close:1000" {
		t.Fatalf("server got %q", f)
	}
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Fatalf("pending send: %v", err)
	}
	if err := s.Typing(context.Background(), 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after Close: %v", err)
	}
}

// TestControlFrames: pings are answered with their payload, also between
// the fragments of a message, and answers never break other writes.
func TestControlFrames(t *testing.T) {
	pongs := make(chan string, 10)
	c := fakeWS(t, func(p *peer, _ int) {
		p.hello(1)
		p.writeFrame(ws.NewPingFrame([]byte("p1")))
		// A message in three fragments with a ping in the middle.
		msg := []byte(`{"type":"event","event":{"pos":2,"text":"fragmented سلام"}}`)
		p.writeFrame(ws.NewFrame(ws.OpText, false, msg[:10]))
		p.writeFrame(ws.NewPingFrame([]byte("p2")))
		p.writeFrame(ws.NewFrame(ws.OpContinuation, false, msg[10:30]))
		p.writeFrame(ws.NewFrame(ws.OpContinuation, true, msg[30:]))
		p.writeFrame(ws.NewPongFrame([]byte("unsolicited")))
		p.writeFrame(ws.NewFrame(ws.OpBinary, true, []byte{1, 2, 3}))
		p.event(3, 1, 1)
		for {
			f, err := p.read()
			if err != nil {
				return
			}
			if strings.HasPrefix(f.Type, "pong:") {
				pongs <- strings.TrimPrefix(f.Type, "pong:")
			}
			if strings.HasPrefix(f.Type, "close") {
				return
			}
		}
	})
	s, err := c.Connect(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if f := next(t, s); f.Event == nil || f.Event.Text != "fragmented سلام" {
		t.Fatalf("fragmented message: %+v", f)
	}
	if f := next(t, s); f.Event == nil || f.Event.Pos != 3 {
		t.Fatalf("after the binary frame: %+v", f)
	}
	for _, want := range []string{"p1", "p2"} {
		select {
		case got := <-pongs:
			if got != want {
				t.Fatalf("pong %q, want %q", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no pong for %s", want)
		}
	}
}

// TestConcurrentWrites hammers the writer from many goroutines while the
// server pings: the server must see only whole, masked, valid frames.
func TestConcurrentWrites(t *testing.T) {
	const writers, each = 8, 50
	var seen atomic.Int64
	c := fakeWS(t, func(p *peer, _ int) {
		p.hello(1)
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if p.writeFrame(ws.NewPingFrame([]byte("x"))) != nil {
					return
				}
				time.Sleep(100 * time.Microsecond)
			}
		}()
		for {
			f, err := p.read()
			if err != nil || strings.HasPrefix(f.Type, "close") {
				return
			}
			switch f.Type {
			case "ping":
				p.sendf(`{"type":"pong","id":%s}`, f.ID)
				seen.Add(1)
			case "typing":
				seen.Add(1)
			}
		}
	})
	s, err := c.Connect(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				var err error
				if (w+i)%2 == 0 {
					_, err = s.Ping(context.Background())
				} else {
					err = s.Typing(context.Background(), 1)
				}
				if err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
			}
		})
	}
	wg.Wait()
	s.Close()
	if got := seen.Load(); got != writers*each {
		t.Fatalf("server saw %d frames, want %d", got, writers*each)
	}
}

// TestSlowConsumer: a consumer that does not read holds the stream back;
// nothing is dropped.
func TestSlowConsumer(t *testing.T) {
	const n = 2000
	c := fakeWS(t, func(p *peer, _ int) {
		p.hello(0)
		for i := 1; i <= n; i++ {
			p.event(int64(i), 1, int64(i))
		}
		p.mustRead("close:1000")
	})
	s, err := c.Connect(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	time.Sleep(100 * time.Millisecond) // let the buffers fill
	for i := int64(1); i <= n; i++ {
		if f := next(t, s); f.Event == nil || f.Event.Pos != i {
			t.Fatalf("frame %d: %+v", i, f)
		}
	}
}

func TestKeepAlive(t *testing.T) {
	t.Run("answered", func(t *testing.T) {
		pings := make(chan struct{}, 100)
		c := fakeWS(t, func(p *peer, _ int) {
			p.hello(1)
			for {
				f, err := p.read()
				if err != nil || f.Type != "ping" {
					return
				}
				pings <- struct{}{}
				p.sendf(`{"type":"pong","id":%s}`, f.ID)
			}
		})
		c.keepAlive = 40 * time.Millisecond
		s, err := c.Connect(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		time.Sleep(300 * time.Millisecond)
		if s.Err() != nil {
			t.Fatalf("a live server was taken for dead: %v", s.Err())
		}
		if len(pings) == 0 {
			t.Fatal("no keep-alive ping")
		}
		select {
		case f := <-s.Frames():
			t.Fatalf("the keep-alive's pong reached the consumer: %+v", f)
		default:
		}
	})
	t.Run("silent", func(t *testing.T) {
		c := fakeWS(t, func(p *peer, _ int) {
			p.hello(1)
			for {
				if _, err := p.read(); err != nil {
					return
				}
			}
		})
		c.keepAlive = 30 * time.Millisecond
		s, err := c.Connect(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		err = ended(t, s)
		if CloseCode(err) != CloseAbnormal || !errors.Is(err, errKeepAlive) {
			t.Fatalf("Err %v", err)
		}
	})
	t.Run("slow consumer is not silence", func(t *testing.T) {
		c := fakeWS(t, func(p *peer, _ int) {
			p.hello(1)
			for i := range framesBuffer + 10 {
				p.event(int64(i+2), 1, 1)
			}
			for {
				if _, err := p.read(); err != nil {
					return
				}
			}
		})
		c.keepAlive = 20 * time.Millisecond
		s, err := c.Connect(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		time.Sleep(200 * time.Millisecond) // the reader is stuck handing over
		if s.Err() != nil {
			t.Fatalf("ended while the consumer was slow: %v", s.Err())
		}
	})
}

func TestProtocolViolations(t *testing.T) {
	cases := []struct {
		name  string
		write func(p *peer)
		code  int
	}{
		{"masked server frame", func(p *peer) {
			p.writeFrame(ws.MaskFrame(ws.NewTextFrame([]byte(`{"type":"synced"}`))))
		}, 1002},
		{"bad json", func(p *peer) { p.sendf(`{"type":`) }, 1002},
		{"bad utf8", func(p *peer) { p.writeFrame(ws.NewTextFrame([]byte{'"', 0xff, '"'})) }, 1007},
		{"too large", func(p *peer) { p.writeFrame(ws.NewTextFrame(make([]byte, maxFrame+1))) }, 1009},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := make(chan string, 1)
			c := fakeWS(t, func(p *peer, _ int) {
				p.hello(1)
				tc.write(p)
				p.conn.SetReadDeadline(time.Now().Add(2 * time.Second))
				f, _ := p.read()
				got <- f.Type
			})
			s, err := c.Connect(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := ended(t, s); CloseCode(err) != tc.code {
				t.Fatalf("Err %v, want code %d", err, tc.code)
			}
			if g := <-got; g != fmt.Sprintf("close:%d", tc.code) {
				t.Fatalf("server got %q", g)
			}
		})
	}
}

// TestBufferedAfterHandshake: frames the server sends in the same packet as
// its handshake answer are not lost.
func TestBufferedAfterHandshake(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		br := bufio.NewReader(conn)
		var key string
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "Sec-WebSocket-Key") {
				key = strings.TrimSpace(v)
			}
			if line == "\r\n" {
				break
			}
		}
		// Answer, welcome and an event in one write, before the hello.
		var out bytes.Buffer
		fmt.Fprintf(&out, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", acceptKey(key))
		ws.WriteFrame(&out, ws.NewTextFrame([]byte(`{"type":"welcome","user_id":1,"session_id":2,"pos":3}`)))
		ws.WriteFrame(&out, ws.NewTextFrame([]byte(`{"type":"event","event":{"pos":4}}`)))
		conn.Write(out.Bytes())
		ws.ReadFrame(br) // hello
		ws.ReadFrame(br) // close
	}()
	s, err := New("http://"+ln.Addr().String(), WithToken("t")).Connect(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Welcome().Pos != 3 {
		t.Fatalf("welcome %+v", s.Welcome())
	}
	if f := next(t, s); f.Event == nil || f.Event.Pos != 4 {
		t.Fatalf("event %+v", f)
	}
}

// acceptKey is RFC 6455's Sec-WebSocket-Accept for a key.
func acceptKey(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h[:])
}
