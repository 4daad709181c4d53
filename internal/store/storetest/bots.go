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
