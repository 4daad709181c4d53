package domain_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/store/sqlite"
)

// everyoneOnline is a Presence in which every user has a connection.
type everyoneOnline struct{}

func (everyoneOnline) Online(int64) bool { return true }

// TestCallsTimeOut: a call nobody answers is missed after the ring
// timeout; an answered call whose node stops touching it (it died) ends
// after 90 s, lasting until it was last seen; a call this node holds is
// kept alive by the sweeps however long it lasts.
func TestCallsTimeOut(t *testing.T) {
	clk := &clock{t: time.Now()}
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "t.db"), nil, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg := domain.DefaultConfig()
	cfg.Argon2Memory, cfg.Argon2Time = 64, 1
	sig := &signals{}
	deps := domain.Deps{Store: st, Notifier: sig, Presence: everyoneOnline{}, Now: clk.Now}
	svc := domain.NewService(cfg, deps)
	a, _ := svc.Register(ctx, "alice", "password1", "", "")
	b, _ := svc.Register(ctx, "bobby", "password1", "", "")
	dm, _, err := svc.CreateDirect(ctx, a.User.ID, b.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	lastCall := func() *domain.CallRecord {
		t.Helper()
		h, err := svc.History(ctx, b.User.ID, dm.ID, 0, -1, 50)
		if err != nil {
			t.Fatal(err)
		}
		for i := len(h) - 1; i >= 0; i-- {
			if h[i].Type == domain.EvCall {
				return h[i].Call
			}
		}
		return nil
	}
	sweep := func() {
		t.Helper()
		if err := svc.SweepCalls(ctx); err != nil {
			t.Fatal(err)
		}
	}

	// Rings out.
	c1, err := svc.StartCall(ctx, a.User.ID, "conn-a", dm.ID, false, "v=0")
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(domain.RingTimeout - time.Second)
	sweep()
	if lastCall() != nil {
		t.Fatal("a call was recorded before it rang out")
	}
	clk.Add(2 * time.Second)
	sweep()
	if r := lastCall(); r == nil || r.ID != c1.ID || r.Outcome != domain.CallOutcomeMissed {
		t.Fatalf("rung out: %+v", r)
	}

	// Answered and held here: the sweeps keep it for ten minutes.
	c2, err := svc.StartCall(ctx, a.User.ID, "conn-a", dm.ID, true, "v=0")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AcceptCall(ctx, b.User.ID, "conn-b", c2.ID, "v=0"); err != nil {
		t.Fatal(err)
	}
	for range 120 {
		clk.Add(5 * time.Second)
		sweep()
	}
	if r := lastCall(); r.ID == c2.ID {
		t.Fatalf("a held call was ended: %+v", r)
	}
	if err := svc.HangUp(ctx, b.User.ID, c2.ID); err != nil {
		t.Fatal(err)
	}
	if r := lastCall(); r.ID != c2.ID || r.Outcome != domain.CallOutcomeEnded || r.Duration != 600 || !r.Video {
		t.Fatalf("a ten-minute call: %+v", r)
	}

	// Answered on a node that then died: another node's sweeps (a second
	// service on the same store holds nothing) end it 90 s later.
	c3, err := svc.StartCall(ctx, a.User.ID, "conn-a", dm.ID, false, "v=0")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AcceptCall(ctx, b.User.ID, "conn-b", c3.ID, "v=0"); err != nil {
		t.Fatal(err)
	}
	other := domain.NewService(cfg, deps)
	clk.Add(80 * time.Second)
	if err := other.SweepCalls(ctx); err != nil {
		t.Fatal(err)
	}
	if r := lastCall(); r.ID == c3.ID {
		t.Fatal("ended before 90 s")
	}
	clk.Add(11 * time.Second)
	if err := other.SweepCalls(ctx); err != nil {
		t.Fatal(err)
	}
	if r := lastCall(); r.ID != c3.ID || r.Outcome != domain.CallOutcomeEnded || r.Duration != 0 {
		t.Fatalf("a call whose node died: %+v", r)
	}
	// Both are free again.
	if _, err := svc.StartCall(ctx, b.User.ID, "conn-b", dm.ID, false, "v=0"); err != nil {
		t.Fatalf("after the sweep: %v", err)
	}
}

// TestRichChecks: entities must lie in the text; only bots send keyboards.
func TestRichChecks(t *testing.T) {
	e := newEnv(t)
	a, b := e.user(t, "rich_a"), e.user(t, "rich_b")
	dm, _, err := e.svc.CreateDirect(ctx, a.ID, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	send := func(r domain.Rich) error {
		_, _, err := e.svc.Send(ctx, a.ID, domain.SendRequest{ChatID: dm.ID, ClientID: fmt.Sprint(time.Now().UnixNano()), Text: "سلام 👋", Rich: r})
		return err
	}
	if err := send(domain.Rich{Entities: []domain.Entity{{Type: "bold", Offset: 0, Length: 7}}}); err != nil {
		t.Fatalf("bold over the whole text (7 UTF-16 units): %v", err)
	}
	for name, r := range map[string]domain.Rich{
		"past the end":       {Entities: []domain.Entity{{Type: "bold", Offset: 0, Length: 8}}},
		"unknown type":       {Entities: []domain.Entity{{Type: "blink", Offset: 0, Length: 1}}},
		"javascript link":    {Entities: []domain.Entity{{Type: "text_link", Offset: 0, Length: 1, URL: "javascript:alert(1)"}}},
		"a person's buttons": {Markup: &domain.Markup{InlineKeyboard: [][]domain.InlineButton{{{Text: "x", CallbackData: "y"}}}}},
	} {
		if err := send(r); domain.KindOf(err) != domain.KindInvalid {
			t.Errorf("%s: %v", name, err)
		}
	}
}
