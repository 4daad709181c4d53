package hub

import (
	"fmt"
	"sync"
	"testing"

	"github.com/chapar/chapar/internal/domain"
)

type fakeSub struct {
	mu     sync.Mutex
	frames [][]byte
	kicked int
}

func (f *fakeSub) Push(_ int64, b []byte)  { f.mu.Lock(); f.frames = append(f.frames, b); f.mu.Unlock() }
func (f *fakeSub) Kick(code int, _ string) { f.mu.Lock(); f.kicked = code; f.mu.Unlock() }
func (f *fakeSub) count() int              { f.mu.Lock(); defer f.mu.Unlock(); return len(f.frames) }

func TestRoutesByChatAndMembership(t *testing.T) {
	var mu sync.Mutex
	presence := map[int64]bool{}
	done := make(chan struct{}, 10)
	h := New(func(u int64, online bool) { mu.Lock(); presence[u] = online; mu.Unlock(); done <- struct{}{} })
	a, b, c := &fakeSub{}, &fakeSub{}, &fakeSub{}
	ha := h.Register(a, 1, 10, []int64{100})
	h.Register(b, 2, 20, []int64{100, 200})
	h.Register(c, 3, 30, nil)
	<-done
	<-done
	<-done

	h.Events([]domain.Event{{Pos: 1, ChatID: 100, Seq: 5, Type: domain.EvMessage}})
	if a.count() != 1 || b.count() != 1 || c.count() != 0 {
		t.Fatalf("message to chat 100: %d %d %d", a.count(), b.count(), c.count())
	}
	// c is added to chat 200: it gets the event that added it, and later ones.
	h.Events([]domain.Event{
		{Pos: 2, ChatID: 200, Seq: 1, Type: domain.EvMemberAdded, Target: 3},
		{Pos: 3, ChatID: 200, Seq: 2, Type: domain.EvMessage},
	})
	if a.count() != 1 || b.count() != 3 || c.count() != 2 {
		t.Fatalf("after add: %d %d %d", a.count(), b.count(), c.count())
	}
	// b is removed from 200: it gets the removal, then nothing from 200.
	h.Events([]domain.Event{
		{Pos: 4, ChatID: 200, Seq: 3, Type: domain.EvMemberRemoved, Target: 2},
		{Pos: 5, ChatID: 200, Seq: 4, Type: domain.EvMessage},
	})
	if b.count() != 4 || c.count() != 4 {
		t.Fatalf("after remove: b %d c %d", b.count(), c.count())
	}
	// Typing skips the typist; a revoked session is kicked.
	h.Signal(domain.Signal{Kind: domain.SigTyping, ChatIDs: []int64{100}, UserID: 1})
	if a.count() != 1 || b.count() != 5 {
		t.Fatalf("typing: a %d b %d", a.count(), b.count())
	}
	h.Signal(domain.Signal{Kind: domain.SigSessionRevoked, UserID: 2, SessionID: 20})
	if b.kicked != 4003 || a.kicked != 0 {
		t.Fatalf("kick: a %d b %d", a.kicked, b.kicked)
	}
	h.Unregister(ha)
	<-done
	mu.Lock()
	if presence[1] || !presence[2] {
		t.Fatalf("presence: %v", presence)
	}
	mu.Unlock()
	h.Events([]domain.Event{{Pos: 6, ChatID: 100, Seq: 6, Type: domain.EvMessage}})
	if a.count() != 1 {
		t.Fatal("unregistered connection still gets events")
	}
}

// BenchmarkFanout measures delivering one event to n subscribers of a
// chat: the in-process fan-out engine alone.
func BenchmarkFanout(b *testing.B) {
	for _, n := range []int{1_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			h := New(nil)
			subs := make([]*countSub, n)
			for i := range subs {
				subs[i] = &countSub{}
				h.Register(subs[i], int64(i+1), int64(i+1), []int64{1})
			}
			ev := []domain.Event{{Pos: 1, ChatID: 1, Seq: 1, Type: domain.EvMessage, Text: "a post to many"}}
			b.ResetTimer()
			for range b.N {
				h.Events(ev)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/post")
		})
	}
}

type countSub struct{ n int }

func (c *countSub) Push(int64, []byte) { c.n++ }
func (c *countSub) Kick(int, string)   {}
