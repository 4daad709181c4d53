package domain_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/store/sqlite"
)

var ctx = context.Background()

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// smsBox keeps the codes "sent".
type smsBox struct {
	mu    sync.Mutex
	codes map[string]string
}

func (b *smsBox) SendCode(_ context.Context, phone, code string) error {
	b.mu.Lock()
	b.codes[phone] = code
	b.mu.Unlock()
	return nil
}

type env struct {
	svc   *domain.Service
	clock *clock
	sms   *smsBox
}

// newEnv builds a service on a real SQLite store in a temp folder, with
// cheap argon2 settings so tests run fast.
func newEnv(t *testing.T) *env {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "t.db"), nil, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg := domain.DefaultConfig()
	cfg.Argon2Memory, cfg.Argon2Time = 64, 1
	e := &env{clock: &clock{t: time.Now()}, sms: &smsBox{codes: map[string]string{}}}
	e.svc = domain.NewService(cfg, domain.Deps{Store: st, SMS: e.sms, Now: e.clock.Now})
	return e
}

func (e *env) user(t *testing.T, name string) domain.User {
	t.Helper()
	a, err := e.svc.Register(ctx, name, "password1", "", "test")
	if err != nil {
		t.Fatal(err)
	}
	return a.User
}

func wantKind(t *testing.T, err error, k domain.Kind) {
	t.Helper()
	if domain.KindOf(err) != k {
		t.Fatalf("got %v, want kind %s", err, k)
	}
}

func TestRegisterValidation(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name, user, pass, display string
		kind                      domain.Kind
	}{
		{"ok", "sara_99", "password1", "Sara", ""},
		{"taken regardless of case", "SARA_99", "password1", "", domain.KindConflict},
		{"short username", "abc", "password1", "", domain.KindInvalid},
		{"username starts with digit", "9sara", "password1", "", domain.KindInvalid},
		{"username with space", "sa ra", "password1", "", domain.KindInvalid},
		{"persian username", "سارا_سارا", "password1", "", domain.KindInvalid},
		{"short password", "nima_1", "short", "", domain.KindInvalid},
		{"long password", "nima_2", strings.Repeat("x", 257), "", domain.KindInvalid},
		{"invalid utf8 name", "nima_3", "password1", "\xff\xfe", domain.KindInvalid},
		{"long name", "nima_4", "password1", strings.Repeat("ن", 65), domain.KindInvalid},
		{"persian name", "nima_5", "password1", "نیما", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := e.svc.Register(ctx, c.user, c.pass, c.display, "")
			if c.kind == "" {
				if err != nil || a.Token == "" || a.User.ID == 0 {
					t.Fatalf("register: %+v %v", a, err)
				}
				return
			}
			wantKind(t, err, c.kind)
		})
	}
}

func TestLoginAndSessions(t *testing.T) {
	e := newEnv(t)
	reg, err := e.svc.Register(ctx, "alice", "password1", "Alice", "laptop")
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.svc.Login(ctx, "ALICE", "password1", "phone", "1.2.3.4")
	if err != nil || a.User.ID != reg.User.ID || a.Token == reg.Token {
		t.Fatalf("login: %+v %v", a, err)
	}
	sess, err := e.svc.Authenticate(ctx, a.Token)
	if err != nil || sess.UserID != reg.User.ID || sess.Device != "phone" {
		t.Fatalf("authenticate: %+v %v", sess, err)
	}
	list, _ := e.svc.Sessions(ctx, reg.User.ID)
	if len(list) != 2 {
		t.Fatalf("sessions: %d", len(list))
	}
	if err := e.svc.RevokeSession(ctx, reg.User.ID, sess.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Authenticate(ctx, a.Token)
	wantKind(t, err, domain.KindUnauth)
	for _, bad := range []string{"", "chp_", "nope", a.Token + "x", "chp_" + strings.Repeat("A", 43)} {
		_, err = e.svc.Authenticate(ctx, bad)
		wantKind(t, err, domain.KindUnauth)
	}
	_, err = e.svc.Login(ctx, "alice", "wrong-pass", "", "1.2.3.4")
	wantKind(t, err, domain.KindUnauth)
	_, err = e.svc.Login(ctx, "nobody_here", "password1", "", "1.2.3.4")
	wantKind(t, err, domain.KindUnauth)
}

func TestLoginRateLimit(t *testing.T) {
	e := newEnv(t)
	e.user(t, "alice")
	cfg := e.svc.Config()
	for i := 0; i < cfg.LoginFailures; i++ {
		_, err := e.svc.Login(ctx, "alice", "wrong-pass", "", fmt.Sprintf("10.0.0.%d", i))
		wantKind(t, err, domain.KindUnauth)
	}
	// Locked now, even with the right password and from a new address.
	_, err := e.svc.Login(ctx, "alice", "password1", "", "10.0.1.1")
	wantKind(t, err, domain.KindRateLimited)
	var de *domain.Error
	if !errorsAs(err, &de) || de.RetryAfter <= 0 {
		t.Fatalf("no retry-after: %v", err)
	}
	e.clock.Add(cfg.LoginWindow + time.Second)
	if _, err := e.svc.Login(ctx, "alice", "password1", "", "10.0.1.1"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestPhoneSignUp(t *testing.T) {
	e := newEnv(t)
	const phone = "+989121234567"
	if err := e.svc.PhoneStart(ctx, phone, "a"); err != nil {
		t.Fatal(err)
	}
	wantKind(t, e.svc.PhoneStart(ctx, phone, "a"), domain.KindRateLimited) // one per minute
	wantKind(t, e.svc.PhoneStart(ctx, "0912", "a"), domain.KindInvalid)
	code := e.sms.codes[phone]
	if len(code) != 6 {
		t.Fatalf("code %q", code)
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	_, err := e.svc.PhoneVerify(ctx, phone, wrong, "", "", "a")
	wantKind(t, err, domain.KindUnauth)
	a, err := e.svc.PhoneVerify(ctx, phone, code, "Nima", "", "a")
	if err != nil || !a.NewUser || a.User.Phone != phone || a.User.Username != "" {
		t.Fatalf("verify: %+v %v", a, err)
	}
	// A code works once.
	_, err = e.svc.PhoneVerify(ctx, phone, code, "", "", "a")
	wantKind(t, err, domain.KindNotFound)
	// Signing in again finds the same account.
	e.clock.Add(time.Minute + time.Second)
	if err := e.svc.PhoneStart(ctx, phone, "a"); err != nil {
		t.Fatal(err)
	}
	b, err := e.svc.PhoneVerify(ctx, phone, e.sms.codes[phone], "", "", "a")
	if err != nil || b.NewUser || b.User.ID != a.User.ID {
		t.Fatalf("second sign-in: %+v %v", b, err)
	}
	// Expired and over-guessed codes are refused.
	e.clock.Add(time.Minute + time.Second)
	e.svc.PhoneStart(ctx, phone, "a")
	e.clock.Add(e.svc.Config().PhoneCodeTTL + time.Second)
	_, err = e.svc.PhoneVerify(ctx, phone, e.sms.codes[phone], "", "", "a")
	wantKind(t, err, domain.KindUnauth)
}

func TestGroupRoles(t *testing.T) {
	e := newEnv(t)
	owner, admin, m1, m2, out := e.user(t, "owner"), e.user(t, "admin"), e.user(t, "memb1"), e.user(t, "memb2"), e.user(t, "stranger")
	g, err := e.svc.CreateGroup(ctx, owner.ID, "Family", []int64{admin.ID, m1.ID, m2.ID, owner.ID})
	if err != nil || g.Members != 4 || g.Role != domain.RoleOwner {
		t.Fatalf("create: %+v %v", g, err)
	}
	if _, err := e.svc.SetRole(ctx, owner.ID, g.ID, admin.ID, domain.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.SetTitle(ctx, m1.ID, g.ID, "x")
	wantKind(t, err, domain.KindForbidden)
	_, err = e.svc.SetTitle(ctx, out.ID, g.ID, "x")
	wantKind(t, err, domain.KindNotFound)
	if _, err := e.svc.SetTitle(ctx, admin.ID, g.ID, "خانواده"); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.SetRole(ctx, admin.ID, g.ID, m1.ID, domain.RoleAdmin)
	wantKind(t, err, domain.KindForbidden)
	_, err = e.svc.RemoveMember(ctx, m1.ID, g.ID, m2.ID)
	wantKind(t, err, domain.KindForbidden)
	_, err = e.svc.RemoveMember(ctx, admin.ID, g.ID, owner.ID)
	wantKind(t, err, domain.KindForbidden)
	if _, err := e.svc.RemoveMember(ctx, admin.ID, g.ID, m2.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.History(ctx, m2.ID, g.ID, 0, -1, 10)
	wantKind(t, err, domain.KindNotFound)
	// Members may add people.
	if _, err := e.svc.AddMembers(ctx, m1.ID, g.ID, []int64{m2.ID}); err != nil {
		t.Fatal(err)
	}
	// The owner leaves: the admin inherits.
	if _, err := e.svc.Leave(ctx, owner.ID, g.ID); err != nil {
		t.Fatal(err)
	}
	c, err := e.svc.Chat(ctx, admin.ID, g.ID)
	if err != nil || c.Role != domain.RoleOwner || c.Title != "خانواده" {
		t.Fatalf("after owner left: %+v %v", c, err)
	}
	_, err = e.svc.Chat(ctx, owner.ID, g.ID)
	wantKind(t, err, domain.KindNotFound)
}

func TestMessagesRules(t *testing.T) {
	e := newEnv(t)
	a, b, c := e.user(t, "alice"), e.user(t, "bobby"), e.user(t, "carol")
	dm, created, err := e.svc.CreateDirect(ctx, a.ID, b.ID)
	if err != nil || !created || dm.PeerID != b.ID {
		t.Fatalf("direct: %+v %v %v", dm, created, err)
	}
	again, created, err := e.svc.CreateDirect(ctx, b.ID, a.ID)
	if err != nil || created || again.ID != dm.ID {
		t.Fatalf("direct again: %+v %v %v", again, created, err)
	}
	send := func(from int64, chat int64, cid, text string) (domain.Event, error) {
		ev, _, err := e.svc.Send(ctx, from, domain.SendRequest{ChatID: chat, ClientID: cid, Text: text})
		return ev, err
	}
	m, err := send(a.ID, dm.ID, "c1", "salam, سلام")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct{ cid, text string }{
		{"", "x"}, {"with space", "x"}, {strings.Repeat("c", 65), "x"},
		{"c2", ""}, {"c3", "   "}, {"c4", "\xff"}, {"c5", strings.Repeat("س", 4097)}, {"c6", "a\x00b"},
	} {
		_, err := send(a.ID, dm.ID, bad.cid, bad.text)
		wantKind(t, err, domain.KindInvalid)
	}
	if _, err := send(a.ID, dm.ID, "c7", strings.Repeat("س", 4096)); err != nil {
		t.Fatalf("4096 characters: %v", err)
	}
	_, err = send(c.ID, dm.ID, "x", "intruder")
	wantKind(t, err, domain.KindNotFound)
	_, err = e.svc.Edit(ctx, b.ID, dm.ID, m.Seq, "not mine", domain.Rich{})
	wantKind(t, err, domain.KindForbidden)
	if _, err := e.svc.Edit(ctx, a.ID, dm.ID, m.Seq, "edited", domain.Rich{}); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(49 * time.Hour)
	_, err = e.svc.Edit(ctx, a.ID, dm.ID, m.Seq, "too late", domain.Rich{})
	wantKind(t, err, domain.KindForbidden)
	_, err = e.svc.Delete(ctx, b.ID, dm.ID, m.Seq)
	wantKind(t, err, domain.KindForbidden)
	// Forward into a group keeps the origin.
	g, _ := e.svc.CreateGroup(ctx, b.ID, "g", []int64{c.ID})
	fw, _, err := e.svc.Send(ctx, b.ID, domain.SendRequest{ChatID: g.ID, ClientID: "f1", Forward: &domain.Forward{ChatID: dm.ID, Seq: m.Seq}})
	if err != nil || fw.Text != "edited" || fw.Forward == nil || fw.Forward.SenderID != a.ID || fw.Forward.ChatID != dm.ID {
		t.Fatalf("forward: %+v %v", fw, err)
	}
	_, _, err = e.svc.Send(ctx, c.ID, domain.SendRequest{ChatID: g.ID, ClientID: "f2", Forward: &domain.Forward{ChatID: dm.ID, Seq: m.Seq}})
	wantKind(t, err, domain.KindNotFound) // c cannot read the source
	// Group admins may delete others' messages.
	cm, _ := send(c.ID, g.ID, "c-1", "hi")
	if _, err := e.svc.Delete(ctx, b.ID, g.ID, cm.Seq); err != nil {
		t.Fatal(err)
	}
	// Blocking stops direct messages both ways.
	if err := e.svc.Block(ctx, b.ID, a.ID, true); err != nil {
		t.Fatal(err)
	}
	_, err = send(a.ID, dm.ID, "b1", "hello?")
	wantKind(t, err, domain.KindBlocked)
	_, err = send(b.ID, dm.ID, "b2", "hello?")
	wantKind(t, err, domain.KindBlocked)
	if _, err := send(a.ID, g.ID, "b3", "groups still work"); err == nil {
		t.Fatal("a is not in g")
	}
	e.svc.Block(ctx, b.ID, a.ID, false)
	if _, err := send(a.ID, dm.ID, "b4", "hello again"); err != nil {
		t.Fatal(err)
	}
}

func TestReplayMergesChatsInOrder(t *testing.T) {
	e := newEnv(t)
	a, b, c := e.user(t, "alice"), e.user(t, "bobby"), e.user(t, "carol")
	g1, _ := e.svc.CreateGroup(ctx, a.ID, "one", []int64{b.ID})
	g2, _ := e.svc.CreateGroup(ctx, a.ID, "two", []int64{b.ID, c.ID})
	from, _ := e.svc.LastPos(ctx)
	for i := range 600 { // more than a replay page per chat
		chat := g1.ID
		if i%3 == 0 {
			chat = g2.ID
		}
		if _, _, err := e.svc.Send(ctx, a.ID, domain.SendRequest{ChatID: chat, ClientID: fmt.Sprint(i), Text: "m"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.MarkRead(ctx, c.ID, g2.ID, 5); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.RemoveMember(ctx, a.ID, g2.ID, c.ID); err != nil {
		t.Fatal(err)
	}
	e.svc.Send(ctx, a.ID, domain.SendRequest{ChatID: g2.ID, ClientID: "after", Text: "c must not see this"})
	upto, _ := e.svc.LastPos(ctx)

	collect := func(user int64, batch int) []domain.Event {
		r := e.svc.NewReplay(user, from, upto)
		var all []domain.Event
		for {
			evs, err := r.Next(ctx, batch)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) == 0 {
				return all
			}
			all = append(all, evs...)
		}
	}
	bs := collect(b.ID, 100)
	if len(bs) != 600+1+1+1 { // messages, c's read, c's removal, the last message
		t.Fatalf("b got %d updates", len(bs))
	}
	seqs := map[int64]int64{}
	for i, ev := range bs {
		if i > 0 && ev.Pos <= bs[i-1].Pos {
			t.Fatalf("out of order at %d", i)
		}
		if ev.Type == domain.EvRead {
			continue
		}
		if seqs[ev.ChatID] != 0 && ev.Seq != seqs[ev.ChatID]+1 {
			t.Fatalf("gap in chat %d: %d after %d", ev.ChatID, ev.Seq, seqs[ev.ChatID])
		}
		seqs[ev.ChatID] = ev.Seq
	}
	cs := collect(c.ID, 7)
	last := cs[len(cs)-1]
	if last.Type != domain.EvMemberRemoved || last.Target != c.ID {
		t.Fatalf("c's last update: %+v", last)
	}
	for _, ev := range cs {
		if ev.Text == "c must not see this" || ev.ChatID == g1.ID {
			t.Fatalf("c saw %+v", ev)
		}
	}
	if n := len(collect(a.ID, 1000)); n != len(bs) {
		t.Fatalf("a got %d, b got %d", n, len(bs))
	}
}

type signals struct {
	mu  sync.Mutex
	got []domain.Signal
}

func (s *signals) Notify(sig domain.Signal) { s.mu.Lock(); s.got = append(s.got, sig); s.mu.Unlock() }

func TestTypingIsThrottled(t *testing.T) {
	e := newEnv(t)
	sig := &signals{}
	st, _ := sqlite.Open(filepath.Join(t.TempDir(), "t.db"), nil, sqlite.Options{})
	t.Cleanup(func() { st.Close() })
	cfg := domain.DefaultConfig()
	cfg.Argon2Memory, cfg.Argon2Time = 64, 1
	svc := domain.NewService(cfg, domain.Deps{Store: st, Notifier: sig, Now: e.clock.Now})
	a, _ := svc.Register(ctx, "alice", "password1", "", "")
	b, _ := svc.Register(ctx, "bobby", "password1", "", "")
	c, _, _ := svc.CreateDirect(ctx, a.User.ID, b.User.ID)
	for range 5 {
		if err := svc.Typing(ctx, a.User.ID, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Add(4 * time.Second)
	svc.Typing(ctx, a.User.ID, c.ID)
	svc.Typing(ctx, b.User.ID, c.ID) // another user is not held back
	n := 0
	for _, s := range sig.got {
		if s.Kind == domain.SigTyping {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("%d typing signals, want 3", n)
	}
	wantKind(t, svc.Typing(ctx, a.User.ID, 9999), domain.KindNotFound)
}

func TestSendRateLimit(t *testing.T) {
	e := newEnv(t)
	a, b := e.user(t, "alice"), e.user(t, "bobby")
	c, _, _ := e.svc.CreateDirect(ctx, a.ID, b.ID)
	limit := e.svc.Config().SendLimit
	for i := range limit {
		if _, _, err := e.svc.Send(ctx, a.ID, domain.SendRequest{ChatID: c.ID, ClientID: fmt.Sprint(i), Text: "x"}); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	_, _, err := e.svc.Send(ctx, a.ID, domain.SendRequest{ChatID: c.ID, ClientID: "over", Text: "x"})
	wantKind(t, err, domain.KindRateLimited)
	if _, _, err := e.svc.Send(ctx, b.ID, domain.SendRequest{ChatID: c.ID, ClientID: "b", Text: "x"}); err != nil {
		t.Fatalf("another user was limited too: %v", err)
	}
	e.clock.Add(11 * time.Second)
	if _, _, err := e.svc.Send(ctx, a.ID, domain.SendRequest{ChatID: c.ID, ClientID: "later", Text: "x"}); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}
