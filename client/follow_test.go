package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var fastBackoff = FollowOptions{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}

// TestFollowResumes: across drops of every kind, Follow resumes from the
// highest position seen and hands over each event once.
func TestFollowResumes(t *testing.T) {
	hellos := make(chan *int64, 10)
	c := fakeWS(t, func(p *peer, n int) {
		h := p.mustRead("hello")
		hellos <- h.Pos
		switch n {
		case 0: // from now: the server is at 10
			p.sendf(`{"type":"welcome","user_id":7,"session_id":3,"pos":10}`)
			p.event(11, 1, 1)
			p.event(12, 1, 2)
			p.sendf(`{"type":"synced","pos":12}`)
			p.close(CloseSlowConsumer, "slow")
		case 1: // resumes after 12; replays 12 again, which must be skipped
			p.sendf(`{"type":"welcome","user_id":7,"session_id":3,"pos":12}`)
			p.event(12, 1, 2)
			p.event(13, 2, 1)
			p.sendf(`{"type":"synced","pos":20}`) // nothing for us up to 20
			p.sendf(`{"type":"typing","chat_id":2,"user_id":8}`)
			p.close(CloseGoingAway, "restart")
		case 2: // lost without a close frame
			p.sendf(`{"type":"welcome","user_id":7,"session_id":3,"pos":20}`)
			p.event(21, 1, 3)
			p.conn.Close()
		default:
			p.sendf(`{"type":"welcome","user_id":7,"session_id":3,"pos":%d}`, *h.Pos)
			p.event(22, 1, 4)
			p.sendf(`{"type":"synced","pos":22}`)
			p.read() // until the client closes
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got []int64
	var types []string
	var drops []int
	var connects atomic.Int64
	opts := fastBackoff
	opts.OnConnect = func(s *Stream) { connects.Add(1) }
	opts.OnDisconnect = func(err error, retryIn time.Duration) { drops = append(drops, CloseCode(err)) }
	err := c.Follow(ctx, opts, func(f Frame) error {
		types = append(types, f.Type)
		if f.Type == FrameEvent {
			got = append(got, f.Event.Pos)
			if f.Event.Pos == 22 {
				cancel()
			}
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Follow returned %v", err)
	}
	if want := []int64{11, 12, 13, 21, 22}; !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	if want := []int{CloseSlowConsumer, CloseGoingAway, CloseAbnormal}; !slices.Equal(drops, want) {
		t.Fatalf("drops %v, want %v", drops, want)
	}
	if connects.Load() != 4 {
		t.Fatalf("%d connects", connects.Load())
	}
	if !slices.Contains(types, FrameSynced) || !slices.Contains(types, FrameTyping) {
		t.Fatalf("frames %v lack synced or typing", types)
	}
	var sent []string
	for range 4 {
		p := <-hellos
		if p == nil {
			sent = append(sent, "nil")
		} else {
			sent = append(sent, fmt.Sprint(*p))
		}
	}
	if want := []string{"nil", "12", "20", "21"}; !slices.Equal(sent, want) {
		t.Fatalf("hello positions %v, want %v", sent, want)
	}
}

// TestFollowFromPos: a given position is resumed from, even before any
// event arrives, and a failed first connect does not lose it.
func TestFollowFromPos(t *testing.T) {
	hellos := make(chan *int64, 10)
	c := fakeWS(t, func(p *peer, n int) {
		h := p.mustRead("hello")
		hellos <- h.Pos
		if n == 0 { // fails before the welcome
			p.close(CloseGoingAway, "")
			return
		}
		p.sendf(`{"type":"welcome","pos":%d}`, *h.Pos)
		p.event(6, 1, 1)
		p.read()
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pos := int64(5)
	opts := fastBackoff
	opts.Pos = &pos
	err := c.Follow(ctx, opts, func(f Frame) error {
		if f.Type == FrameEvent {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	for range 2 {
		if p := <-hellos; p == nil || *p != 5 {
			t.Fatalf("hello pos %v, want 5", p)
		}
	}
}

func TestFollowStops(t *testing.T) {
	cases := []struct {
		name   string
		script func(p *peer)
		handle func(Frame) error
		check  func(error) bool
	}{
		{"revoked", func(p *peer) {
			p.hello(1)
			p.close(CloseRevoked, "session revoked")
		}, nil, func(err error) bool { return CloseCode(err) == CloseRevoked }},
		{"unauthorized", func(p *peer) {
			p.mustRead("hello")
			p.close(CloseUnauthorized, "invalid token")
		}, nil, func(err error) bool { return CloseCode(err) == CloseUnauthorized }},
		{"bad pos", func(p *peer) {
			p.mustRead("hello")
			p.sendf(`{"type":"error","error":{"code":"invalid_argument","message":"pos: must be between 0 and 5"}}`)
			p.close(CloseProtocol, "bad position")
		}, nil, func(err error) bool { return IsCode(err, CodeInvalidArgument) }},
		{"handler error", func(p *peer) {
			p.hello(1)
			p.event(2, 1, 1)
			p.read()
		}, func(f Frame) error { return errStop }, func(err error) bool { return err == errStop }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var conns atomic.Int64
			c := fakeWS(t, func(p *peer, n int) {
				conns.Add(1)
				tc.script(p)
			})
			handle := tc.handle
			if handle == nil {
				handle = func(Frame) error { return nil }
			}
			done := make(chan error, 1)
			go func() { done <- c.Follow(context.Background(), fastBackoff, handle) }()
			select {
			case err := <-done:
				if !tc.check(err) {
					t.Fatalf("Follow returned %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Follow did not stop")
			}
			if n := conns.Load(); n != 1 {
				t.Fatalf("%d connections, want 1", n)
			}
		})
	}
}

var errStop = errors.New("stop")

// TestFollowRetriesUnavailable: a server that is down or refuses the
// upgrade with 503 is retried with growing waits.
func TestFollowRetriesUnavailable(t *testing.T) {
	var tries atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tries.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `{"error":{"code":"unavailable","message":"starting"}}`)
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var waits []time.Duration
	opts := FollowOptions{MinBackoff: time.Millisecond, MaxBackoff: 8 * time.Millisecond}
	opts.OnDisconnect = func(err error, retryIn time.Duration) {
		if !IsCode(err, CodeUnavailable) {
			t.Errorf("disconnect reason %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		waits = append(waits, retryIn)
		if len(waits) == 6 {
			cancel()
		}
	}
	err := New(srv.URL, WithToken("t")).Follow(ctx, opts, func(Frame) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if tries.Load() != 6 {
		t.Fatalf("%d tries", tries.Load())
	}
	for i, w := range waits {
		hi := min(time.Millisecond<<i, 8*time.Millisecond)
		if w < hi/2 || w > hi {
			t.Errorf("wait %d = %v, want within [%v, %v]", i, w, hi/2, hi)
		}
	}
}

func TestRetryable(t *testing.T) {
	cases := []struct {
		err      error
		welcomed bool
		want     bool
	}{
		{&CloseError{Code: CloseSlowConsumer}, true, true},
		{&CloseError{Code: CloseGoingAway}, true, true},
		{&CloseError{Code: CloseAbnormal, Err: errors.New("reset")}, true, true},
		{&CloseError{Code: CloseInternal}, true, true},
		{&CloseError{Code: CloseUnauthorized}, false, false},
		{&CloseError{Code: CloseRevoked}, true, false},
		{&CloseError{Code: CloseProtocol}, true, true},
		{&CloseError{Code: CloseProtocol}, false, false},
		{&APIError{Status: 503, Code: CodeUnavailable}, false, true},
		{&APIError{Status: 429, Code: CodeRateLimited}, false, true},
		{&APIError{Status: 401, Code: CodeUnauthorized}, false, false},
		{&APIError{Status: 404, Code: CodeNotFound}, false, false},
		{fmt.Errorf("%w; %w", &APIError{Status: 400, Code: CodeInvalidArgument}, &CloseError{Code: CloseProtocol}), false, false},
		{errors.New("dial tcp: connection refused"), false, true},
		{ErrClosed, true, false},
	}
	for _, tc := range cases {
		if got := retryable(tc.err, tc.welcomed); got != tc.want {
			t.Errorf("retryable(%v, %v) = %v", tc.err, tc.welcomed, got)
		}
	}
}

func TestBackoff(t *testing.T) {
	for n := range 40 {
		d := backoff(n, 250*time.Millisecond, 30*time.Second)
		hi := 30 * time.Second
		if n < 7 {
			hi = 250 * time.Millisecond << n
		}
		if d < hi/2 || d > hi {
			t.Errorf("backoff(%d) = %v, want within [%v, %v]", n, d, hi/2, hi)
		}
	}
	// A huge minimum does not overflow.
	if d := backoff(60, time.Duration(1<<62), time.Duration(1<<62)); d <= 0 {
		t.Errorf("overflowed to %v", d)
	}
}
