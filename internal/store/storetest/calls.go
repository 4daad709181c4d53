package storetest

import (
	"testing"
	"time"

	"github.com/chapar/chapar/internal/domain"
)

// testCalls: calls in progress (domain.CallStore) and their records.
func testCalls(t *testing.T, open Opener) {
	s := open(t, &Recorder{})
	a, b, c := user(t, s, "call_a"), user(t, s, "call_b"), user(t, s, "call_c")
	dm, _, _, err := s.CreateChat(ctx, domain.NewChat{Type: domain.ChatDirect, CreatorID: a.ID, Members: []int64{b.ID},
		DirectKey: "calls-ab"})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.UnixMilli(time.Now().UnixMilli()).UTC()
	call := domain.Call{ID: "c1", ChatID: dm.ID, CallerID: a.ID, CalleeID: b.ID, Video: true, State: domain.CallRinging,
		CallerConn: "conn-a", CreatedAt: t0}
	if busy := ok(s.StartCall(ctx, call)).get(t); busy != 0 {
		t.Fatalf("first call: busy %d", busy)
	}
	// One call per user: c calling b finds b busy; a calling c finds a in a call.
	if busy := ok(s.StartCall(ctx, domain.Call{ID: "c2", ChatID: dm.ID, CallerID: c.ID, CalleeID: b.ID, State: domain.CallRinging,
		CallerConn: "conn-c", CreatedAt: t0})).get(t); busy != b.ID {
		t.Fatalf("calling a busy user: busy %d, want %d", busy, b.ID)
	}
	if busy := ok(s.StartCall(ctx, domain.Call{ID: "c3", ChatID: dm.ID, CallerID: a.ID, CalleeID: c.ID, State: domain.CallRinging,
		CallerConn: "conn-a2", CreatedAt: t0})).get(t); busy != a.ID {
		t.Fatalf("a caller in a call: busy %d, want %d", busy, a.ID)
	}
	if _, err := s.Call(ctx, "c2"); domain.KindOf(err) != domain.KindNotFound {
		t.Fatalf("a busy call was stored: %v", err)
	}
	got := ok(s.Call(ctx, "c1")).get(t)
	if got.CallerConn != "conn-a" || !got.Video || got.State != domain.CallRinging || !got.CreatedAt.Equal(t0) {
		t.Fatalf("stored call: %+v", got)
	}
	// Only the callee answers, once.
	if _, err := s.AcceptCall(ctx, "c1", a.ID, "conn-x", t0); domain.KindOf(err) != domain.KindNotFound {
		t.Fatalf("the caller answers: %v", err)
	}
	t1 := t0.Add(3 * time.Second)
	acc := ok(s.AcceptCall(ctx, "c1", b.ID, "conn-b2", t1)).get(t)
	if acc.State != domain.CallActive || acc.CalleeConn != "conn-b2" || !acc.AnsweredAt.Equal(t1) {
		t.Fatalf("accepted: %+v", acc)
	}
	if _, err := s.AcceptCall(ctx, "c1", b.ID, "conn-b1", t1); domain.KindOf(err) != domain.KindConflict {
		t.Fatalf("a second device answers: %v", err)
	}
	for conn, want := range map[string]int{"conn-a": 1, "conn-b2": 1, "conn-b1": 0, "": 0} {
		if n := len(ok(s.CallsOfConn(ctx, conn)).get(t)); n != want {
			t.Errorf("calls of %q: %d, want %d", conn, n, want)
		}
	}
	// Staleness: an active call not touched since t1 is stale after t1.
	if n := len(ok(s.StaleCalls(ctx, t0, t1.Add(time.Second), 10)).get(t)); n != 1 {
		t.Fatalf("stale: %d, want 1", n)
	}
	if err := s.TouchCalls(ctx, []string{"c1", "nope"}, t1.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n := len(ok(s.StaleCalls(ctx, t0, t1.Add(time.Second), 10)).get(t)); n != 0 {
		t.Fatalf("stale after a touch: %d", n)
	}
	// Ending: once; then both parties are free again.
	ended, first, err := s.EndCall(ctx, "c1")
	if err != nil || !first || ended.ID != "c1" {
		t.Fatalf("end: %+v %v %v", ended, first, err)
	}
	if _, again, err := s.EndCall(ctx, "c1"); err != nil || again {
		t.Fatalf("ending twice: %v %v", again, err)
	}
	if busy := ok(s.StartCall(ctx, domain.Call{ID: "c4", ChatID: dm.ID, CallerID: b.ID, CalleeID: a.ID, State: domain.CallRinging,
		CallerConn: "conn-b1", CreatedAt: t1})).get(t); busy != 0 {
		t.Fatalf("after the end: busy %d", busy)
	}
	// A ringing call rings out after its creation time.
	if n := len(ok(s.StaleCalls(ctx, t1.Add(time.Millisecond), t0, 10)).get(t)); n != 1 {
		t.Fatalf("rung out: %d, want 1", n)
	}
	// The record: a call event in the chat, once per call id.
	rec := &domain.CallRecord{ID: "c1", Video: true, Outcome: domain.CallOutcomeEnded, Duration: 42}
	ev, dup, err := s.AppendMessage(ctx, domain.NewMessage{ChatID: dm.ID, SenderID: a.ID, ClientID: "call:c1", Call: rec})
	if err != nil || dup || ev.Type != domain.EvCall || ev.Call == nil || *ev.Call != *rec {
		t.Fatalf("record: %+v %v %v", ev, dup, err)
	}
	if _, dup, err := s.AppendMessage(ctx, domain.NewMessage{ChatID: dm.ID, SenderID: a.ID, ClientID: "call:c1", Call: rec}); err != nil || !dup {
		t.Fatalf("recording twice: dup %v, %v", dup, err)
	}
	hist := ok(s.History(ctx, dm.ID, 0, 0, 10)).get(t)
	last := hist[len(hist)-1]
	if last.Type != domain.EvCall || last.Call == nil || *last.Call != *rec || len(last.Media) != 0 {
		t.Fatalf("in history: %+v", last)
	}
}
