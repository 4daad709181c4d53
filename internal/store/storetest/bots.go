package storetest

import (
	"fmt"
	"testing"

	"github.com/chapar/chapar/internal/domain"
)

// testBots: bot accounts, their tokens, settings and update offsets
// (domain.BotStore).
func testBots(t *testing.T, open Opener) {
	s := open(t, nil)
	owner := user(t, s, "bot_owner")
	u := ok(s.CreateBot(ctx, domain.User{Username: "Echo_bot", DisplayName: "Echo", IsBot: true},
		domain.Bot{OwnerID: owner.ID, Privacy: true}, []byte("h1"))).get(t)
	if u.ID == 0 || !u.IsBot {
		t.Fatalf("bot user: %+v", u)
	}
	if got := ok(s.UserByUsername(ctx, "echo_BOT")).get(t); !got.IsBot || got.ID != u.ID {
		t.Fatalf("bot by username: %+v", got)
	}
	if ok(s.UserByID(ctx, owner.ID)).get(t).IsBot {
		t.Fatal("a person is a bot")
	}
	if _, err := s.CreateBot(ctx, domain.User{Username: "echo_bot", IsBot: true}, domain.Bot{OwnerID: owner.ID}, []byte("h2")); domain.KindOf(err) != domain.KindConflict {
		t.Fatalf("a taken username: %v", err)
	}
	b := ok(s.BotByTokenHash(ctx, []byte("h1"))).get(t)
	if b.UserID != u.ID || b.OwnerID != owner.ID || !b.Privacy || b.UpdateOffset != 0 || len(b.Commands) != 0 {
		t.Fatalf("bot: %+v", b)
	}
	if err := s.SetBotToken(ctx, u.ID, []byte("h3")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.BotByTokenHash(ctx, []byte("h1")); domain.KindOf(err) != domain.KindNotFound {
		t.Fatalf("the old token still works: %v", err)
	}
	b.Description, b.ShortDescription, b.Privacy = "repeats", "echo", false
	b.Commands = []domain.BotCommand{{Command: "start", Description: "شروع"}}
	if err := s.UpdateBot(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := s.ConfirmUpdates(ctx, u.ID, 40, []string{"message"}); err != nil {
		t.Fatal(err)
	}
	if err := s.ConfirmUpdates(ctx, u.ID, 30, nil); err != nil { // never lowered
		t.Fatal(err)
	}
	got := ok(s.Bot(ctx, u.ID)).get(t)
	want := b
	want.UpdateOffset, want.AllowedUpdates = 40, []string{"message"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("bot:\n got %+v\nwant %+v", got, want)
	}
	if bots := ok(s.BotsOf(ctx, owner.ID)).get(t); len(bots) != 1 || bots[0].UserID != u.ID {
		t.Fatalf("bots of the owner: %+v", bots)
	}
	if _, err := s.Bot(ctx, owner.ID); domain.KindOf(err) != domain.KindNotFound {
		t.Fatalf("a person as a bot: %v", err)
	}
}

// testRich: a message's entities and keyboard are kept, given in history,
// and replaced by an edit (an edit without a keyboard removes it).
func testRich(t *testing.T, open Opener) {
	s := open(t, nil)
	a, b := user(t, s, "rich_a"), user(t, s, "rich_b")
	g, _, _, err := s.CreateChat(ctx, domain.NewChat{Type: domain.ChatGroup, Title: "g", CreatorID: a.ID, Members: []int64{b.ID}})
	if err != nil {
		t.Fatal(err)
	}
	rich := domain.Rich{
		Entities: []domain.Entity{{Type: "bold", Offset: 0, Length: 4}, {Type: "text_link", Offset: 5, Length: 3, URL: "https://example.ir"}},
		Markup:   &domain.Markup{InlineKeyboard: [][]domain.InlineButton{{{Text: "بله", CallbackData: "yes"}, {Text: "Site", URL: "https://example.ir"}}}},
	}
	ev, _, err := s.AppendMessage(ctx, domain.NewMessage{ChatID: g.ID, SenderID: a.ID, ClientID: "r1", Text: "سلام دنیا", Rich: rich})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ev.Entities, ev.Markup) != fmt.Sprint(rich.Entities, rich.Markup) {
		t.Fatalf("appended: %+v %+v", ev.Entities, ev.Markup)
	}
	plain, _, err := s.AppendMessage(ctx, domain.NewMessage{ChatID: g.ID, SenderID: a.ID, ClientID: "r2", Text: "plain"})
	if err != nil || plain.Entities != nil || plain.Markup != nil {
		t.Fatalf("plain: %+v %v", plain, err)
	}
	m := ok(s.Message(ctx, g.ID, ev.Seq)).get(t)
	if fmt.Sprint(m.Entities, *m.Markup) != fmt.Sprint(rich.Entities, *rich.Markup) {
		t.Fatalf("read back: %+v %+v", m.Entities, m.Markup)
	}
	edit := domain.Rich{Entities: []domain.Entity{{Type: "italic", Offset: 0, Length: 2}}}
	ed := ok(s.EditMessage(ctx, g.ID, ev.Seq, a.ID, "hi there", edit)).get(t)
	if len(ed.Entities) != 1 || ed.Markup != nil {
		t.Fatalf("edit event: %+v", ed)
	}
	m = ok(s.Message(ctx, g.ID, ev.Seq)).get(t)
	if m.Text != "hi there" || len(m.Entities) != 1 || m.Entities[0].Type != "italic" || m.Markup != nil {
		t.Fatalf("after the edit: %+v", m)
	}
	hist := ok(s.History(ctx, g.ID, 0, 0, 10)).get(t)
	for _, h := range hist {
		if h.Seq == ev.Seq && (len(h.Entities) != 1 || h.Markup != nil) {
			t.Fatalf("in history: %+v", h)
		}
	}
}
