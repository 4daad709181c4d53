// Package storetest is the contract every domain.Store backend must pass.
// A backend's test calls Run with a function that opens a fresh, empty
// store; the same tests then run against SQLite and (later) PostgreSQL.
package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chapar/chapar/internal/domain"
)

// Opener opens a new empty store that publishes to pub.
type Opener func(t *testing.T, pub domain.Publisher) domain.Store

// Recorder is a Publisher that keeps what it is given. A store may answer
// a write before it publishes the write's events, so Snapshot, given the
// store (Run sets it), first waits until everything committed is here.
type Recorder struct {
	Store domain.Store

	mu     sync.Mutex
	Events []domain.Event
	last   int64 // highest position published
}

func (r *Recorder) Publish(evs []domain.Event) {
	r.mu.Lock()
	r.Events = append(r.Events, evs...)
	for i := range evs {
		r.last = max(r.last, evs[i].Pos)
	}
	r.mu.Unlock()
}

// Snapshot returns what was published, once it includes every position
// the store has committed (or after 5 s, when a test will see what is
// missing).
func (r *Recorder) Snapshot() []domain.Event {
	if r.Store != nil {
		want, err := r.Store.LastPos(context.Background())
		for end := time.Now().Add(5 * time.Second); err == nil && time.Now().Before(end); {
			r.mu.Lock()
			got := r.last
			r.mu.Unlock()
			if got >= want {
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.Events)
}

// Run runs the whole contract.
func Run(t *testing.T, open Opener) {
	open = settling(open)
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"Users", testUsers},
		{"Sessions", testSessions},
		{"Blocks", testBlocks},
		{"PhoneCodes", testPhoneCodes},
		{"DirectChat", testDirectChat},
		{"GroupMembership", testGroupMembership},
		{"IdempotentSend", testIdempotentSend},
		{"ConcurrentSendsGapFree", testConcurrentSends},
		{"EditDelete", testEditDelete},
		{"History", testHistory},
		{"ReadsAndResync", testReadsAndResync},
		{"NonMemberWrites", testNonMemberWrites},
		{"Search", testSearch},
		{"SearchSpellings", testSearchSpellings},
		{"ChannelRights", testChannelRights},
		{"ChannelAnonymous", testChannelAnonymous},
		{"ChannelPrivateEvents", testChannelPrivateEvents},
		{"ChannelReads", testChannelReads},
		{"ChannelFanOut", testChannelFanOut},
		{"LargeGroup", testLargeGroup},
		{"BanList", testBanList},
		{"ChannelAnonymousActions", testChannelAnonymousActions},
		{"UnreadCap", testUnreadCap},
		{"Restrictions", testRestrictions},
		{"SlowMode", testSlowMode},
		{"Bans", testBans},
		{"Invites", testInvites},
		{"JoinRequests", testJoinRequests},
		{"Pins", testPins},
		{"Views", testViews},
		{"Reactions", testReactions},
		{"ChatUsernames", testChatUsernames},
		{"AdminLog", testAdminLog},
		{"SearchDirectory", testSearchDirectory},
		{"SearchPublic", testSearchPublic},
		{"Files", testFiles},
		{"Calls", testCalls},
		{"Bots", testBots},
		{"Rich", testRich},
		{"MessageMedia", testMessageMedia},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

var ctx = context.Background()

// result lets a test unwrap a (value, error) pair in one expression:
// ok(s.Chat(ctx, id)).get(t).
type result[T any] struct {
	v   T
	err error
}

func ok[T any](v T, err error) result[T] { return result[T]{v, err} }

func (r result[T]) get(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantKind(t *testing.T, err error, k domain.Kind) {
	t.Helper()
	if domain.KindOf(err) != k {
		t.Fatalf("got error %v, want kind %s", err, k)
	}
}

func user(t *testing.T, s domain.Store, name string) domain.User {
	t.Helper()
	return ok(s.CreateUser(ctx, domain.User{Username: name, DisplayName: name, PasswordHash: "x"})).get(t)
}

func testUsers(t *testing.T, open Opener) {
	s := open(t, nil)
	u := user(t, s, "Sara_1")
	if u.ID == 0 || u.CreatedAt.IsZero() {
		t.Fatalf("user not filled in: %+v", u)
	}
	_, err := s.CreateUser(ctx, domain.User{Username: "sara_1"})
	wantKind(t, err, domain.KindConflict)
	got := ok(s.UserByUsername(ctx, "SARA_1")).get(t)
	if got.ID != u.ID || got.Username != "Sara_1" {
		t.Fatalf("by username: %+v", got)
	}
	p := ok(s.CreateUser(ctx, domain.User{Phone: "+989121234567", DisplayName: "P"})).get(t)
	if got := ok(s.UserByPhone(ctx, "+989121234567")).get(t); got.ID != p.ID || got.Username != "" {
		t.Fatalf("by phone: %+v", got)
	}
	_, err = s.CreateUser(ctx, domain.User{Phone: "+989121234567"})
	wantKind(t, err, domain.KindConflict)
	p.Username, p.Bio = "phoneuser", "سلام"
	if got := ok(s.UpdateUser(ctx, p)).get(t); got.Username != "phoneuser" || got.Bio != "سلام" {
		t.Fatalf("update: %+v", got)
	}
	p.Username = "SARA_1"
	_, err = s.UpdateUser(ctx, p)
	wantKind(t, err, domain.KindConflict)
	_, err = s.UserByID(ctx, 9999)
	wantKind(t, err, domain.KindNotFound)
}

func testSessions(t *testing.T, open Opener) {
	s := open(t, nil)
	a, b := user(t, s, "alice"), user(t, s, "bobby")
	x := ok(s.CreateSession(ctx, domain.Session{UserID: a.ID, TokenHash: []byte("h1"), Device: "phone"})).get(t)
	ok(s.CreateSession(ctx, domain.Session{UserID: a.ID, TokenHash: []byte("h2")})).get(t)
	if got := ok(s.SessionByTokenHash(ctx, []byte("h1"))).get(t); got.ID != x.ID || got.UserID != a.ID || got.Device != "phone" {
		t.Fatalf("by hash: %+v", got)
	}
	if n := len(ok(s.Sessions(ctx, a.ID)).get(t)); n != 2 {
		t.Fatalf("sessions: %d", n)
	}
	wantKind(t, s.DeleteSession(ctx, b.ID, x.ID), domain.KindNotFound) // not bob's
	if err := s.DeleteSession(ctx, a.ID, x.ID); err != nil {
		t.Fatal(err)
	}
	_, err := s.SessionByTokenHash(ctx, []byte("h1"))
	wantKind(t, err, domain.KindNotFound)
}

func testBlocks(t *testing.T, open Opener) {
	s := open(t, nil)
	a, b := user(t, s, "alice"), user(t, s, "bobby")
	if ok(s.BlockedEither(ctx, a.ID, b.ID)).get(t) {
		t.Fatal("blocked before blocking")
	}
	c, _, _, err := s.CreateChat(ctx, domain.NewChat{Type: domain.ChatDirect, CreatorID: a.ID, Members: []int64{b.ID}, DirectKey: "ab"})
	noErr(t, err)
	noErr(t, s.SetBlock(ctx, b.ID, a.ID, true, "ab"))
	if !ok(s.BlockedEither(ctx, a.ID, b.ID)).get(t) {
		t.Fatal("not blocked")
	}
	if ids := ok(s.Blocks(ctx, b.ID)).get(t); !slices.Equal(ids, []int64{a.ID}) {
		t.Fatalf("blocks: %v", ids)
	}
	for _, from := range []int64{a.ID, b.ID} { // neither side may send
		_, _, err := s.AppendMessage(ctx, domain.NewMessage{ChatID: c.ID, SenderID: from, ClientID: fmt.Sprint(from), Text: "x"})
		wantKind(t, err, domain.KindBlocked)
	}
	noErr(t, s.SetBlock(ctx, a.ID, b.ID, true, "ab")) // both block
	noErr(t, s.SetBlock(ctx, b.ID, a.ID, false, "ab"))
	_, _, err = s.AppendMessage(ctx, domain.NewMessage{ChatID: c.ID, SenderID: b.ID, ClientID: "b", Text: "x"})
	wantKind(t, err, domain.KindBlocked) // a still blocks b
	noErr(t, s.SetBlock(ctx, a.ID, b.ID, false, "ab"))
	if ok(s.BlockedEither(ctx, a.ID, b.ID)).get(t) {
		t.Fatal("still blocked")
	}
	if _, _, err := s.AppendMessage(ctx, domain.NewMessage{ChatID: c.ID, SenderID: b.ID, ClientID: "b", Text: "x"}); err != nil {
		t.Fatalf("send after unblocking: %v", err)
	}
}

func testPhoneCodes(t *testing.T, open Opener) {
	s := open(t, nil)
	_, _, _, err := s.PhoneCode(ctx, "+1555000111")
	wantKind(t, err, domain.KindNotFound)
	exp := time.Now().Add(time.Minute).Truncate(time.Millisecond)
	noErr(t, s.SetPhoneCode(ctx, "+1555000111", []byte("c1"), exp))
	noErr(t, s.PhoneCodeAttempt(ctx, "+1555000111"))
	hash, gotExp, attempts, err := s.PhoneCode(ctx, "+1555000111")
	if err != nil || string(hash) != "c1" || !gotExp.Equal(exp) || attempts != 1 {
		t.Fatalf("code: %q %v %d %v", hash, gotExp, attempts, err)
	}
	noErr(t, s.SetPhoneCode(ctx, "+1555000111", []byte("c2"), exp)) // a new code resets attempts
	if _, _, attempts, _ := s.PhoneCode(ctx, "+1555000111"); attempts != 0 {
		t.Fatalf("attempts after new code: %d", attempts)
	}
	noErr(t, s.DeletePhoneCode(ctx, "+1555000111"))
	_, _, _, err = s.PhoneCode(ctx, "+1555000111")
	wantKind(t, err, domain.KindNotFound)
}

// settling makes the stores that open opens known to their Recorders.
func settling(open Opener) Opener {
	return func(t *testing.T, pub domain.Publisher) domain.Store {
		st := open(t, pub)
		if r, ok := pub.(*Recorder); ok {
			r.Store = st
		}
		return st
	}
}
