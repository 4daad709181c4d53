package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chapar/chapar/internal/domain"
)

// The contract of channels, large groups, rights and the directory
// (domain.ChannelStore and the parts of ChatStore they changed; see
// docs/ARCHITECTURE.md, "Channels, large groups and search").

// channel creates a channel owned by owner; a username makes it public.
func channel(t *testing.T, s domain.Store, owner int64, username string, signatures bool) domain.Chat {
	t.Helper()
	c, _, created, err := s.CreateChat(ctx, domain.NewChat{Type: domain.ChatChannel, Title: "ch", CreatorID: owner,
		Info: domain.ChatInfo{Username: username, Signatures: signatures}})
	if err != nil || !created {
		t.Fatalf("create channel: %v %v", created, err)
	}
	if c.Type != domain.ChatChannel || c.Username != username || c.Signatures != signatures {
		t.Fatalf("created channel: %+v", c)
	}
	return c
}

// groupWith creates a group with settings.
func groupWith(t *testing.T, s domain.Store, owner int64, info domain.ChatInfo, members ...int64) domain.Chat {
	t.Helper()
	c, _, created, err := s.CreateChat(ctx, domain.NewChat{Type: domain.ChatGroup, Title: "g", CreatorID: owner,
		Members: members, Info: info})
	if err != nil || !created {
		t.Fatalf("create group: %v %v", created, err)
	}
	return c
}

// join makes userID a member through JoinChat, without a code.
func join(t *testing.T, s domain.Store, chatID, userID int64) []domain.Event {
	t.Helper()
	evs, err := s.JoinChat(ctx, chatID, userID, "", 0)
	if err != nil {
		t.Fatalf("user %d joining chat %d: %v", userID, chatID, err)
	}
	return evs
}

// post sends a message that needs the post right.
func post(t *testing.T, s domain.Store, chat, from int64, cid, text string) domain.Event {
	t.Helper()
	ev, dup, err := s.AppendMessage(ctx, domain.NewMessage{ChatID: chat, SenderID: from, ClientID: cid, Text: text,
		Need: domain.RightPost})
	if err != nil || dup {
		t.Fatalf("post %q: dup=%v %v", cid, dup, err)
	}
	return ev
}

// checkPublished is checkStream for a stream that may hold private events:
// positions ascend over all of it, a private event has no seq, and the
// chat events keep their seq numbers gap-free.
func checkPublished(t *testing.T, evs []domain.Event) {
	t.Helper()
	var shared []domain.Event
	var pos int64
	for _, e := range evs {
		if e.Pos <= pos {
			t.Fatalf("position %d after %d", e.Pos, pos)
		}
		pos = e.Pos
		if e.ForUser != 0 {
			if e.Seq != 0 {
				t.Fatalf("private event with a seq: %+v", e)
			}
			continue
		}
		shared = append(shared, e)
	}
	checkStream(t, shared)
}

// since returns what rec received after its first n events.
func since(rec *Recorder, n int) []domain.Event { return rec.Snapshot()[n:] }

// byPos finds the event at pos.
func byPos(evs []domain.Event, pos int64) (domain.Event, bool) {
	for _, e := range evs {
		if e.Pos == pos {
			return e, true
		}
	}
	return domain.Event{}, false
}

// bySeq finds the event with seq.
func bySeq(evs []domain.Event, seq int64) (domain.Event, bool) {
	for _, e := range evs {
		if e.Seq == seq {
			return e, true
		}
	}
	return domain.Event{}, false
}

// near reports whether got is want, give or take a second (stores keep
// milliseconds or microseconds).
func near(got, want time.Time) bool { return got.Sub(want).Abs() < time.Second }

// private checks that ev is the one private event of type typ for user.
func private(t *testing.T, what string, evs []domain.Event, typ string, user int64) domain.Event {
	t.Helper()
	if len(evs) != 1 {
		t.Fatalf("%s: %d events, want 1: %+v", what, len(evs), evs)
	}
	e := evs[0]
	if e.Type != typ || e.ForUser != user || e.Seq != 0 || e.Pos == 0 {
		t.Fatalf("%s: want a private %s for user %d (seq 0, a pos), got %+v", what, typ, user, e)
	}
	return e
}

// parallel runs fn(0..n-1) on a few goroutines and returns the first error.
func parallel(n, workers int, fn func(i int) error) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

// testChannelRights: in a channel only the owner and admins holding the
// post right may post; the store checks NewMessage.Need itself.
func testChannelRights(t *testing.T, open Opener) {
	rec := &Recorder{}
	s := open(t, rec)
	a, b, sub := user(t, s, "rights_owner"), user(t, s, "rights_admin"), user(t, s, "rights_sub")
	ch := channel(t, s, a.ID, "rights_ch", false)
	join(t, s, ch.ID, b.ID)
	join(t, s, ch.ID, sub.ID)

	head := ok(s.Chat(ctx, ch.ID)).get(t)
	n := len(rec.Snapshot())
	_, _, err := s.AppendMessage(ctx, domain.NewMessage{ChatID: ch.ID, SenderID: sub.ID, ClientID: "s1", Text: "x",
		Need: domain.RightPost})
	wantKind(t, err, domain.KindForbidden)
	if got := since(rec, n); len(got) != 0 {
		t.Fatalf("a refused post published %+v", got)
	}
	if got := ok(s.Chat(ctx, ch.ID)).get(t); got.LastSeq != head.LastSeq || got.LastPos != head.LastPos {
		t.Fatalf("a refused post moved the chat: %+v, was %+v", got, head)
	}

	if p := post(t, s, ch.ID, a.ID, "o1", "the owner posts"); p.Seq != head.LastSeq+1 {
		t.Fatalf("owner's post: %+v after seq %d", p, head.LastSeq)
	}

	// A subscriber made admin gets AdminRights; the change is private to them.
	evs := ok(s.SetRole(ctx, ch.ID, a.ID, b.ID, domain.RoleAdmin)).get(t)
	e := private(t, "SetRole admin in a channel", evs, domain.EvRoleChanged, b.ID)
	if e.Target != b.ID || e.Role != domain.RoleAdmin {
		t.Fatalf("role_changed: %+v", e)
	}
	if m := ok(s.Member(ctx, ch.ID, b.ID)).get(t); m.Role != domain.RoleAdmin || m.Rights != domain.AdminRights {
		t.Fatalf("new admin: role %s rights %v, want admin with %v", m.Role, m.Rights, domain.AdminRights)
	}
	post(t, s, ch.ID, b.ID, "b1", "the admin posts")

	// Taking the post right away stops them.
	e = ok(s.SetAdminRights(ctx, ch.ID, a.ID, b.ID, domain.AdminRights&^domain.RightPost)).get(t)
	if e.Type != domain.EvRoleChanged || e.Rights != domain.AdminRights&^domain.RightPost || e.ForUser != b.ID || e.Seq != 0 {
		t.Fatalf("SetAdminRights in a channel: want a private role_changed with the rights, got %+v", e)
	}
	if m := ok(s.Member(ctx, ch.ID, b.ID)).get(t); m.Rights != domain.AdminRights&^domain.RightPost {
		t.Fatalf("admin's rights after SetAdminRights: %v", m.Rights)
	}
	n = len(rec.Snapshot())
	_, _, err = s.AppendMessage(ctx, domain.NewMessage{ChatID: ch.ID, SenderID: b.ID, ClientID: "b2", Text: "x",
		Need: domain.RightPost})
	wantKind(t, err, domain.KindForbidden)
	if got := since(rec, n); len(got) != 0 {
		t.Fatalf("a refused post published %+v", got)
	}

	// Back to subscriber: no admin rights; admin again: AdminRights afresh.
	ok(s.SetRole(ctx, ch.ID, a.ID, b.ID, domain.RoleMember)).get(t)
	if m := ok(s.Member(ctx, ch.ID, b.ID)).get(t); m.Role != domain.RoleMember || m.Rights != 0 {
		t.Fatalf("demoted admin: role %s rights %v", m.Role, m.Rights)
	}
	_, _, err = s.AppendMessage(ctx, domain.NewMessage{ChatID: ch.ID, SenderID: b.ID, ClientID: "b3", Text: "x",
		Need: domain.RightPost})
	wantKind(t, err, domain.KindForbidden)
	ok(s.SetRole(ctx, ch.ID, a.ID, b.ID, domain.RoleAdmin)).get(t)
	if m := ok(s.Member(ctx, ch.ID, b.ID)).get(t); m.Rights != domain.AdminRights {
		t.Fatalf("admin again: rights %v, want %v", m.Rights, domain.AdminRights)
	}
	post(t, s, ch.ID, b.ID, "b4", "posting again")
	checkPublished(t, rec.Snapshot())
}

// testChannelAnonymous: without signatures a post's actor reads as 0
// wherever it is read or published; with them, posts name their author.
func testChannelAnonymous(t *testing.T, open Opener) {
	rec := &Recorder{}
	s := open(t, rec)
	a, sub := user(t, s, "anon_owner"), user(t, s, "anon_sub")
	ch := channel(t, s, a.ID, "anon_ch", false)
	join(t, s, ch.ID, sub.ID)
	start := ok(s.LastPos(ctx)).get(t)

	p := post(t, s, ch.ID, a.ID, "p1", "خبر بدون امضا")
	if p.ActorID != 0 {
		t.Errorf("returned post: actor %d, want 0", p.ActorID)
	}
	if e, found := byPos(rec.Snapshot(), p.Pos); !found || e.ActorID != 0 {
		t.Errorf("published post: %+v (found %v), want actor 0", e, found)
	}
	again, dup, err := s.AppendMessage(ctx, domain.NewMessage{ChatID: ch.ID, SenderID: a.ID, ClientID: "p1", Text: "خبر بدون امضا",
		Need: domain.RightPost})
	if err != nil || !dup || again.Seq != p.Seq || again.ActorID != 0 {
		t.Errorf("resent post: %+v dup=%v %v, want the original, anonymous", again, dup, err)
	}
	if m := ok(s.Message(ctx, ch.ID, p.Seq)).get(t); m.ActorID != 0 {
		t.Errorf("Message: actor %d, want 0", m.ActorID)
	}
	if e, found := bySeq(ok(s.History(ctx, ch.ID, 0, -1, 10)).get(t), p.Seq); !found || e.ActorID != 0 {
		t.Errorf("History: %+v (found %v), want actor 0", e, found)
	}
	if e, found := byPos(ok(s.EventsAfter(ctx, ch.ID, start, ok(s.LastPos(ctx)).get(t), 10)).get(t), p.Pos); !found || e.ActorID != 0 {
		t.Errorf("EventsAfter: %+v (found %v), want actor 0", e, found)
	}
	if cs := ok(s.ChatSummary(ctx, ch.ID, sub.ID)).get(t); cs.LastMessage == nil || cs.LastMessage.Seq != p.Seq || cs.LastMessage.ActorID != 0 {
		t.Errorf("ChatSummary's last message: %+v, want the post, anonymous", cs.LastMessage)
	}
	if got := ok(s.SearchMessages(ctx, sub.ID, ch.ID, domain.SearchTerms("امضا"), 10, 0)).get(t); len(got) != 1 || got[0].ActorID != 0 {
		t.Errorf("SearchMessages: %+v, want the post, anonymous", got)
	}

	// Signatures on: new posts carry their author, old ones stay anonymous.
	ev := ok(s.SetChatInfo(ctx, ch.ID, a.ID, domain.ChatInfo{Username: "anon_ch", Signatures: true})).get(t)
	if ev.Type != domain.EvInfoChanged || ev.Seq == 0 || ev.ForUser != 0 {
		t.Fatalf("SetChatInfo: want a chat event info_changed, got %+v", ev)
	}
	if c := ok(s.Chat(ctx, ch.ID)).get(t); !c.Signatures || c.Username != "anon_ch" {
		t.Fatalf("chat after SetChatInfo: %+v", c)
	}
	q := post(t, s, ch.ID, a.ID, "p2", "خبر با امضا")
	if q.ActorID != a.ID {
		t.Errorf("signed post returned with actor %d, want %d", q.ActorID, a.ID)
	}
	if e, _ := byPos(rec.Snapshot(), q.Pos); e.ActorID != a.ID {
		t.Errorf("signed post published with actor %d, want %d", e.ActorID, a.ID)
	}
	if m := ok(s.Message(ctx, ch.ID, q.Seq)).get(t); m.ActorID != a.ID {
		t.Errorf("signed post read with actor %d, want %d", m.ActorID, a.ID)
	}
	if m := ok(s.Message(ctx, ch.ID, p.Seq)).get(t); m.ActorID != 0 {
		t.Errorf("the old post after signatures were turned on: actor %d, want 0", m.ActorID)
	}
	checkPublished(t, rec.Snapshot())
}

// testChannelPrivateEvents: joining and leaving a channel are private
// events (a pos, no seq, ForUser) that leave the channel's log alone; the
// same join in a group is a chat event.
func testChannelPrivateEvents(t *testing.T, open Opener) {
	rec := &Recorder{}
	s := open(t, rec)
	a, u, v := user(t, s, "priv_owner"), user(t, s, "priv_u"), user(t, s, "priv_v")
	ch := channel(t, s, a.ID, "priv_ch", false)
	head := ok(s.Chat(ctx, ch.ID)).get(t)

	n := len(rec.Snapshot())
	evs := join(t, s, ch.ID, u.ID)
	joined := private(t, "JoinChat in a channel", evs, domain.EvMemberAdded, u.ID)
	if joined.ChatID != ch.ID {
		t.Fatalf("join event's chat %d, want %d", joined.ChatID, ch.ID)
	}
	pub := since(rec, n)
	if len(pub) != 1 || pub[0].Pos != joined.Pos || pub[0].ForUser != u.ID || pub[0].Seq != 0 {
		t.Fatalf("JoinChat published %+v, want the one private event", pub)
	}
	if c := ok(s.Chat(ctx, ch.ID)).get(t); c.LastSeq != head.LastSeq || c.LastPos != head.LastPos || c.Members != head.Members+1 {
		t.Fatalf("a subscriber joining changed the channel's log: %+v, was %+v", c, head)
	}
	if m := ok(s.Member(ctx, ch.ID, u.ID)).get(t); !m.Active() || m.Role != domain.RoleMember {
		t.Fatalf("subscriber: %+v", m)
	}
	n = len(rec.Snapshot())
	if evs := join(t, s, ch.ID, u.ID); len(evs) != 0 || len(since(rec, n)) != 0 {
		t.Fatalf("joining again: %+v, published %+v; want nothing", evs, since(rec, n))
	}

	join(t, s, ch.ID, v.ID)
	now := ok(s.LastPos(ctx)).get(t)
	if got := ok(s.PrivateAfter(ctx, u.ID, 0, now, 10)).get(t); len(got) != 1 || got[0].Pos != joined.Pos ||
		got[0].ForUser != u.ID || got[0].Type != domain.EvMemberAdded || got[0].ChatID != ch.ID {
		t.Fatalf("u's private events: %+v, want the join", got)
	}
	if got := ok(s.PrivateAfter(ctx, v.ID, 0, now, 10)).get(t); len(got) != 1 || got[0].ForUser != v.ID {
		t.Fatalf("v's private events: %+v, want v's own join only", got)
	}
	if got := ok(s.PrivateAfter(ctx, u.ID, joined.Pos, now, 10)).get(t); len(got) != 0 {
		t.Fatalf("u's private events after the join: %+v", got)
	}
	if got := ok(s.PrivateAfter(ctx, u.ID, 0, joined.Pos-1, 10)).get(t); len(got) != 0 {
		t.Fatalf("u's private events up to before the join: %+v", got)
	}

	// u leaves between two posts; the resync stops at the leave.
	post(t, s, ch.ID, a.ID, "1", "one")
	mid := ok(s.LastPos(ctx)).get(t)
	p2 := post(t, s, ch.ID, a.ID, "2", "two")
	n = len(rec.Snapshot())
	evs = ok(s.RemoveMember(ctx, ch.ID, u.ID, u.ID, 0)).get(t)
	left := private(t, "leaving a channel", evs, domain.EvMemberLeft, u.ID)
	if pub := since(rec, n); len(pub) != 1 || pub[0].Pos != left.Pos || pub[0].ForUser != u.ID {
		t.Fatalf("leaving published %+v, want the one private event", pub)
	}
	m := ok(s.Member(ctx, ch.ID, u.ID)).get(t)
	if m.Active() || m.LeftPos != left.Pos || m.LeftSeq != p2.Seq {
		t.Fatalf("former subscriber: %+v, want LeftSeq %d (the last seq then), LeftPos %d", m, p2.Seq, left.Pos)
	}
	if c := ok(s.Chat(ctx, ch.ID)).get(t); c.LastSeq != p2.Seq || c.Members != head.Members+1 {
		t.Fatalf("channel after u left: last seq %d (want %d), members %d (want %d)", c.LastSeq, p2.Seq, c.Members, head.Members+1)
	}
	post(t, s, ch.ID, a.ID, "3", "three")
	end := ok(s.LastPos(ctx)).get(t)

	cc := ok(s.ChangedChats(ctx, u.ID, mid)).get(t)
	if len(cc) != 1 || cc[0].ChatID != ch.ID || cc[0].LeftPos != left.Pos {
		t.Fatalf("former subscriber's changed chats since %d: %+v", mid, cc)
	}
	got := ok(s.EventsAfter(ctx, ch.ID, mid, min(end, cc[0].LeftPos), 10)).get(t)
	if len(got) != 1 || got[0].Seq != p2.Seq {
		t.Fatalf("former subscriber's resync of the channel: %+v, want only the post before the leave", got)
	}
	if got := ok(s.PrivateAfter(ctx, u.ID, mid, end, 10)).get(t); len(got) != 1 || got[0].Pos != left.Pos {
		t.Fatalf("former subscriber's private events: %+v, want the leave", got)
	}
	if cc := ok(s.ChangedChats(ctx, u.ID, left.Pos)).get(t); len(cc) != 0 {
		t.Fatalf("changed chats after the leave: %+v; the post after it must not reach u", cc)
	}
	if cc := ok(s.ChangedChats(ctx, v.ID, mid)).get(t); len(cc) != 1 || !cc[0].Active() {
		t.Fatalf("v's changed chats: %+v", cc)
	}
	if got := ok(s.PrivateAfter(ctx, v.ID, mid, end, 10)).get(t); len(got) != 0 {
		t.Fatalf("v sees private events of u: %+v", got)
	}

	// In a group, a join is a chat event everyone sees.
	g := groupWith(t, s, a.ID, domain.ChatInfo{Username: "priv_grp"})
	gh := ok(s.Chat(ctx, g.ID)).get(t)
	n = len(rec.Snapshot())
	evs = join(t, s, g.ID, u.ID)
	if len(evs) != 1 || evs[0].Type != domain.EvMemberAdded || evs[0].Seq != gh.LastSeq+1 || evs[0].ForUser != 0 ||
		evs[0].ActorID != u.ID || evs[0].Target != u.ID {
		t.Fatalf("JoinChat in a group: %+v, want member_added seq %d, actor = target = %d, not private", evs, gh.LastSeq+1, u.ID)
	}
	if pub := since(rec, n); len(pub) != 1 || pub[0].Pos != evs[0].Pos || pub[0].ForUser != 0 {
		t.Fatalf("JoinChat in a group published %+v", pub)
	}
	if c := ok(s.Chat(ctx, g.ID)).get(t); c.LastSeq != evs[0].Seq || c.LastPos != evs[0].Pos {
		t.Fatalf("group after a join: %+v", c)
	}
	if got := ok(s.PrivateAfter(ctx, u.ID, end, ok(s.LastPos(ctx)).get(t), 10)).get(t); len(got) != 0 {
		t.Fatalf("a group join is not private, PrivateAfter gave %+v", got)
	}
	checkPublished(t, rec.Snapshot())
}

// testChannelReads: a read in a channel reaches only the reader; in a
// small group it is shared.
func testChannelReads(t *testing.T, open Opener) {
	rec := &Recorder{}
	s := open(t, rec)
	a, u, v := user(t, s, "reads_owner"), user(t, s, "reads_u"), user(t, s, "reads_v")
	ch := channel(t, s, a.ID, "reads_ch", false)
	join(t, s, ch.ID, u.ID)
	join(t, s, ch.ID, v.ID)
	p := post(t, s, ch.ID, a.ID, "r1", "read me")
	start := ok(s.LastPos(ctx)).get(t)

	n := len(rec.Snapshot())
	ev, changed, err := s.MarkRead(ctx, ch.ID, u.ID, p.Seq)
	if err != nil || !changed || ev.Type != domain.EvRead || ev.Target != p.Seq || ev.ForUser != u.ID || ev.Seq != 0 || ev.Pos <= start {
		t.Fatalf("read in a channel: %+v %v %v, want a private read for %d", ev, changed, err, u.ID)
	}
	if pub := since(rec, n); len(pub) != 1 || pub[0].Pos != ev.Pos || pub[0].ForUser != u.ID {
		t.Fatalf("read in a channel published %+v", pub)
	}
	now := ok(s.LastPos(ctx)).get(t)
	if got := ok(s.ReadsAfter(ctx, u.ID, start, now, 10)).get(t); len(got) != 1 || got[0].Pos != ev.Pos || got[0].Target != p.Seq {
		t.Fatalf("reader's ReadsAfter: %+v, want their read", got)
	}
	for _, other := range []domain.User{v, a} {
		if got := ok(s.ReadsAfter(ctx, other.ID, start, now, 10)).get(t); len(got) != 0 {
			t.Fatalf("%s's ReadsAfter holds another subscriber's read: %+v", other.Username, got)
		}
	}
	if cs := ok(s.ChatSummary(ctx, ch.ID, a.ID)).get(t); cs.PeerReadSeq != 0 {
		t.Fatalf("owner's PeerReadSeq in a channel: %d, want 0", cs.PeerReadSeq)
	}
	if cs := ok(s.ChatSummary(ctx, ch.ID, u.ID)).get(t); cs.ReadSeq != p.Seq || cs.Unread != 0 {
		t.Fatalf("reader's summary: read %d unread %d", cs.ReadSeq, cs.Unread)
	}
	if cs := ok(s.ChatSummary(ctx, ch.ID, v.ID)).get(t); cs.Unread != 1 {
		t.Fatalf("other subscriber's unread: %d, want 1", cs.Unread)
	}

	// A small group shares reads as before.
	g := group(t, s, a.ID, u.ID, v.ID)
	m := send(t, s, g.ID, a.ID, "g1", "hi")
	gs := ok(s.LastPos(ctx)).get(t)
	ev, changed, err = s.MarkRead(ctx, g.ID, u.ID, m.Seq)
	if err != nil || !changed || ev.ForUser != 0 {
		t.Fatalf("read in a small group: %+v %v %v, want a shared read", ev, changed, err)
	}
	if got := ok(s.ReadsAfter(ctx, v.ID, gs, ok(s.LastPos(ctx)).get(t), 10)).get(t); len(got) != 1 || got[0].ActorID != u.ID {
		t.Fatalf("group member's ReadsAfter: %+v, want u's read", got)
	}
	if cs := ok(s.ChatSummary(ctx, g.ID, a.ID)).get(t); cs.PeerReadSeq != m.Seq {
		t.Fatalf("group PeerReadSeq %d, want %d", cs.PeerReadSeq, m.Seq)
	}
	checkPublished(t, rec.Snapshot())
}

// testChannelFanOut: a post is one event however many subscribers.
func testChannelFanOut(t *testing.T, open Opener) {
	rec := &Recorder{}
	s := open(t, rec)
	a := user(t, s, "fan_owner")
	ch := channel(t, s, a.ID, "fan_ch", false)
	const subs = 300
	ids := make([]int64, subs)
	noErr(t, parallel(subs, 16, func(i int) error {
		u, err := s.CreateUser(ctx, domain.User{Username: fmt.Sprintf("fan%03d", i), DisplayName: "f", PasswordHash: "x"})
		ids[i] = u.ID
		return err
	}))
	head := ok(s.Chat(ctx, ch.ID)).get(t)
	n := len(rec.Snapshot())
	noErr(t, parallel(subs, 16, func(i int) error {
		evs, err := s.JoinChat(ctx, ch.ID, ids[i], "", 0)
		if err == nil && (len(evs) != 1 || evs[0].ForUser != ids[i]) {
			err = fmt.Errorf("join of %d: %+v", ids[i], evs)
		}
		return err
	}))
	joins := since(rec, n)
	if len(joins) != subs {
		t.Fatalf("%d joins published %d events", subs, len(joins))
	}
	for _, e := range joins {
		if e.ForUser == 0 || e.Seq != 0 {
			t.Fatalf("a join published a chat event: %+v", e)
		}
	}
	c := ok(s.Chat(ctx, ch.ID)).get(t)
	if c.Members != subs+1 || c.LastSeq != head.LastSeq {
		t.Fatalf("channel after %d joins: members %d, last seq %d (was %d)", subs, c.Members, c.LastSeq, head.LastSeq)
	}

	n = len(rec.Snapshot())
	p := post(t, s, ch.ID, a.ID, "big", "to everyone")
	if pub := since(rec, n); len(pub) != 1 || pub[0].Pos != p.Pos {
		t.Fatalf("one post published %d events", len(pub))
	}
	if c := ok(s.Chat(ctx, ch.ID)).get(t); c.LastSeq != head.LastSeq+1 {
		t.Fatalf("one post moved last seq from %d to %d", head.LastSeq, c.LastSeq)
	}
	if got := ok(s.EventsAfter(ctx, ch.ID, 0, ok(s.LastPos(ctx)).get(t), 1000)).get(t); int64(len(got)) != head.LastSeq+1 {
		t.Fatalf("the channel's log holds %d events, want %d", len(got), head.LastSeq+1)
	}
	checkPublished(t, rec.Snapshot())
}

// testUnreadCap: unread stops counting at UnreadCap.
func testUnreadCap(t *testing.T, open Opener) {
	s := open(t, &Recorder{})
	a, b := user(t, s, "cap_a"), user(t, s, "cap_b")
	g := group(t, s, a.ID, b.ID)
	const total = domain.UnreadCap + 5
	noErr(t, parallel(total, 32, func(i int) error {
		_, _, err := s.AppendMessage(ctx, domain.NewMessage{ChatID: g.ID, SenderID: a.ID, ClientID: fmt.Sprint(i), Text: "m"})
		return err
	}))
	if cs := ok(s.ChatSummary(ctx, g.ID, b.ID)).get(t); cs.Unread != domain.UnreadCap {
		t.Fatalf("%d messages behind: unread %d, want the cap %d", total, cs.Unread, domain.UnreadCap)
	}
	last := ok(s.Chat(ctx, g.ID)).get(t).LastSeq
	if _, _, err := s.MarkRead(ctx, g.ID, b.ID, last-3); err != nil {
		t.Fatal(err)
	}
	if cs := ok(s.ChatSummary(ctx, g.ID, b.ID)).get(t); cs.Unread != 3 {
		t.Fatalf("3 messages behind: unread %d", cs.Unread)
	}
}

// testRestrictions: a restricted group member loses the denied rights
// until the restriction ends; the restriction is private to them.
func testRestrictions(t *testing.T, open Opener) {
	rec := &Recorder{}
	s := open(t, rec)
	a, b, c := user(t, s, "restr_a"), user(t, s, "restr_b"), user(t, s, "restr_c")
	g := groupWith(t, s, a.ID, domain.ChatInfo{DefaultRights: domain.GroupDefaultRights}, b.ID, c.ID)
	if got := ok(s.Chat(ctx, g.ID)).get(t); got.DefaultRights != domain.GroupDefaultRights {
		t.Fatalf("group's default rights %v, want %v", got.DefaultRights, domain.GroupDefaultRights)
	}
	msg := func(from int64, cid string, need domain.Rights) error {
		_, _, err := s.AppendMessage(ctx, domain.NewMessage{ChatID: g.ID, SenderID: from, ClientID: cid, Text: "x", Need: need})
		return err
	}
	noErr(t, msg(b.ID, "b1", domain.RightPost))

	head := ok(s.Chat(ctx, g.ID)).get(t)
	before := ok(s.LastPos(ctx)).get(t)
	n := len(rec.Snapshot())
	until := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	ev := ok(s.RestrictMember(ctx, g.ID, a.ID, b.ID, domain.RightPost, until)).get(t)
	private(t, "RestrictMember", []domain.Event{ev}, domain.EvRestricted, b.ID)
	if ev.Target != b.ID || ev.Rights != domain.RightPost || ev.Until == nil || !near(*ev.Until, until) {
		t.Fatalf("restricted event: %+v, want target %d, rights post, until %v", ev, b.ID, until)
	}
	if pub := since(rec, n); len(pub) != 1 || pub[0].Pos != ev.Pos || pub[0].ForUser != b.ID {
		t.Fatalf("RestrictMember published %+v", pub)
	}
	if got := ok(s.Chat(ctx, g.ID)).get(t); got.LastSeq != head.LastSeq {
		t.Fatalf("a private restriction took a seq: last seq %d, was %d", got.LastSeq, head.LastSeq)
	}
	if m := ok(s.Member(ctx, g.ID, b.ID)).get(t); m.Denied != domain.RightPost || !near(m.Until, until) {
		t.Fatalf("restricted member: %+v", m)
	}
	now := ok(s.LastPos(ctx)).get(t)
	if got := ok(s.PrivateAfter(ctx, b.ID, before, now, 10)).get(t); len(got) != 1 || got[0].Pos != ev.Pos {
		t.Fatalf("restricted member's PrivateAfter: %+v", got)
	}
	if got := ok(s.PrivateAfter(ctx, c.ID, before, now, 10)).get(t); len(got) != 0 {
		t.Fatalf("another member's PrivateAfter: %+v", got)
	}

	n = len(rec.Snapshot())
	wantKind(t, msg(b.ID, "b2", domain.RightPost), domain.KindForbidden)
	if pub := since(rec, n); len(pub) != 0 {
		t.Fatalf("a refused message published %+v", pub)
	}
	noErr(t, msg(b.ID, "b3", domain.RightSendMedia)) // not denied
	noErr(t, msg(c.ID, "c1", domain.RightPost))      // not restricted

	// A restriction that has ended denies nothing.
	ok(s.RestrictMember(ctx, g.ID, a.ID, b.ID, domain.RightPost, time.Now().Add(-time.Minute))).get(t)
	noErr(t, msg(b.ID, "b4", domain.RightPost))
	// Forever, then lifted.
	ok(s.RestrictMember(ctx, g.ID, a.ID, b.ID, domain.RightPost, time.Time{})).get(t)
	wantKind(t, msg(b.ID, "b5", domain.RightPost), domain.KindForbidden)
	ok(s.RestrictMember(ctx, g.ID, a.ID, b.ID, 0, time.Time{})).get(t)
	noErr(t, msg(b.ID, "b6", domain.RightPost))
	if m := ok(s.Member(ctx, g.ID, b.ID)).get(t); m.Denied != 0 {
		t.Fatalf("lifted restriction: denied %v", m.Denied)
	}
	checkPublished(t, rec.Snapshot())
}

// testSlowMode: in a group with slow mode, a member's next message is
// refused until the wait is over; admins and the owner are not slowed.
func testSlowMode(t *testing.T, open Opener) {
	rec := &Recorder{}
	s := open(t, rec)
	a, b, c := user(t, s, "slow_a"), user(t, s, "slow_b"), user(t, s, "slow_c")
	info := domain.ChatInfo{DefaultRights: domain.GroupDefaultRights}
	g := groupWith(t, s, a.ID, info, b.ID, c.ID)
	info.SlowMode = 60
	ev := ok(s.SetChatInfo(ctx, g.ID, a.ID, info)).get(t)
	if ev.Type != domain.EvInfoChanged || ev.Seq == 0 {
		t.Fatalf("SetChatInfo: %+v", ev)
	}
	if got := ok(s.Chat(ctx, g.ID)).get(t); got.SlowMode != 60 || got.DefaultRights != domain.GroupDefaultRights {
		t.Fatalf("chat after SetChatInfo: %+v", got)
	}
	msg := func(from int64, cid string) (domain.Event, bool, error) {
		return s.AppendMessage(ctx, domain.NewMessage{ChatID: g.ID, SenderID: from, ClientID: cid, Text: cid, Need: domain.RightPost})
	}

	first, _, err := msg(b.ID, "b1")
	noErr(t, err)
	n := len(rec.Snapshot())
	_, _, err = msg(b.ID, "b2")
	wantKind(t, err, domain.KindRateLimited)
	var de *domain.Error
	if !errors.As(err, &de) || de.RetryAfter <= 0 || de.RetryAfter > 60 {
		t.Fatalf("slow mode error %#v: want RetryAfter in 1..60", err)
	}
	if pub := since(rec, n); len(pub) != 0 {
		t.Fatalf("a refused message published %+v", pub)
	}
	// A resend of the message that went through is its duplicate, not refused.
	if again, dup, err := msg(b.ID, "b1"); err != nil || !dup || again.Seq != first.Seq {
		t.Fatalf("resend in slow mode: %+v dup=%v %v, want the original", again, dup, err)
	}
	// Others are not slowed by b's message.
	_, _, err = msg(c.ID, "c1")
	noErr(t, err)
	// The owner and admins are not slowed at all.
	for _, cid := range []string{"a1", "a2"} {
		_, _, err = msg(a.ID, cid)
		noErr(t, err)
	}
	ok(s.SetRole(ctx, g.ID, a.ID, b.ID, domain.RoleAdmin)).get(t)
	_, _, err = msg(b.ID, "b3")
	noErr(t, err)
	// Slow mode off: members send freely.
	info.SlowMode = 0
	ok(s.SetChatInfo(ctx, g.ID, a.ID, info)).get(t)
	_, _, err = msg(c.ID, "c2")
	noErr(t, err)
	checkPublished(t, rec.Snapshot())
}

// testBans: a ban ends the membership and keeps the user out while it
// holds.
func testBans(t *testing.T, open Opener) {
	rec := &Recorder{}
	s := open(t, rec)
	a, b, c, d, e := user(t, s, "ban_a"), user(t, s, "ban_b"), user(t, s, "ban_c"), user(t, s, "ban_d"), user(t, s, "ban_e")
	g := groupWith(t, s, a.ID, domain.ChatInfo{Username: "ban_grp", DefaultRights: domain.GroupDefaultRights}, b.ID)
	head := ok(s.Chat(ctx, g.ID)).get(t)

	until := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	evs := ok(s.BanMember(ctx, g.ID, a.ID, b.ID, until)).get(t)
	if len(evs) != 1 || evs[0].Type != domain.EvMemberRemoved || evs[0].Target != b.ID || evs[0].ActorID != a.ID ||
		evs[0].Seq != head.LastSeq+1 || evs[0].ForUser != 0 || evs[0].Until == nil || !near(*evs[0].Until, until) {
		t.Fatalf("ban in a group: %+v, want a chat event member_removed of %d until %v", evs, b.ID, until)
	}
	m := ok(s.Member(ctx, g.ID, b.ID)).get(t)
	if m.Active() || m.Role != domain.RoleBanned || !near(m.Until, until) || m.LeftPos != evs[0].Pos {
		t.Fatalf("banned member: %+v", m)
	}
	if got := ok(s.Chat(ctx, g.ID)).get(t); got.Members != head.Members-1 {
		t.Fatalf("members after a ban: %d, want %d", got.Members, head.Members-1)
	}
	_, err := s.JoinChat(ctx, g.ID, b.ID, "", 0)
	wantKind(t, err, domain.KindForbidden)
	_, _, err = s.AppendMessage(ctx, domain.NewMessage{ChatID: g.ID, SenderID: b.ID, ClientID: "b", Text: "x"})
	wantKind(t, err, domain.KindNotFound)

	// A ban that has ended keeps nobody out.
	ok(s.BanMember(ctx, g.ID, a.ID, c.ID, time.Now().Add(-time.Minute))).get(t)
	join(t, s, g.ID, c.ID)
	if m := ok(s.Member(ctx, g.ID, c.ID)).get(t); !m.Active() || m.Role != domain.RoleMember {
		t.Fatalf("joined after an ended ban: %+v", m)
	}
	// A ban of a non-member, forever.
	ok(s.BanMember(ctx, g.ID, a.ID, d.ID, time.Time{})).get(t)
	_, err = s.JoinChat(ctx, g.ID, d.ID, "", 0)
	wantKind(t, err, domain.KindForbidden)

	// Unbanning lets b join again, but does not add them.
	noErr(t, s.UnbanMember(ctx, g.ID, a.ID, b.ID))
	if m := ok(s.Member(ctx, g.ID, b.ID)).get(t); m.Active() || m.Role == domain.RoleBanned {
		t.Fatalf("after unban: %+v, want an ended membership, not banned", m)
	}
	if evs := join(t, s, g.ID, b.ID); len(evs) != 1 {
		t.Fatalf("join after unban: %+v", evs)
	}
	if m := ok(s.Member(ctx, g.ID, b.ID)).get(t); !m.Active() || m.Role != domain.RoleMember {
		t.Fatalf("rejoined after unban: %+v", m)
	}
	wantKind(t, s.UnbanMember(ctx, g.ID, a.ID, b.ID), domain.KindNotFound) // no longer banned
	wantKind(t, s.UnbanMember(ctx, g.ID, a.ID, e.ID), domain.KindNotFound) // never banned

	// In a channel the ban is private to the subscriber.
	ch := channel(t, s, a.ID, "ban_ch", false)
	join(t, s, ch.ID, e.ID)
	chHead := ok(s.Chat(ctx, ch.ID)).get(t)
	evs = ok(s.BanMember(ctx, ch.ID, a.ID, e.ID, time.Time{})).get(t)
	private(t, "ban in a channel", evs, domain.EvMemberRemoved, e.ID)
	if got := ok(s.Chat(ctx, ch.ID)).get(t); got.LastSeq != chHead.LastSeq || got.Members != chHead.Members-1 {
		t.Fatalf("channel after a ban: %+v, was %+v", got, chHead)
	}
	if m := ok(s.Member(ctx, ch.ID, e.ID)).get(t); m.Active() || m.Role != domain.RoleBanned || m.LeftPos != evs[0].Pos {
		t.Fatalf("banned subscriber: %+v", m)
	}
	_, err = s.JoinChat(ctx, ch.ID, e.ID, "", 0)
	wantKind(t, err, domain.KindForbidden)
	checkPublished(t, rec.Snapshot())
}

// testInvites: links admit as many as their limit, not after they expire
// or are revoked, and only into their own chat.
func testInvites(t *testing.T, open Opener) {
	s := open(t, &Recorder{})
	a := user(t, s, "inv_a")
	u1, u2, u3 := user(t, s, "inv_u1"), user(t, s, "inv_u2"), user(t, s, "inv_u3")
	g, g2 := group(t, s, a.ID), group(t, s, a.ID)

	// Apart by a few milliseconds, so "newest first" has one answer.
	create := func(inv domain.Invite) domain.Invite {
		t.Helper()
		time.Sleep(5 * time.Millisecond)
		return ok(s.CreateInvite(ctx, inv)).get(t)
	}
	two := create(domain.Invite{Code: "two-uses", ChatID: g.ID, CreatorID: a.ID, Name: "twice", UsageLimit: 2})
	if two.CreatedAt.IsZero() || two.Uses != 0 || two.Revoked {
		t.Fatalf("created invite: %+v", two)
	}
	expiry := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	create(domain.Invite{Code: "expired", ChatID: g.ID, CreatorID: a.ID, Name: "old", ExpiresAt: expiry})
	create(domain.Invite{Code: "revoked", ChatID: g.ID, CreatorID: a.ID, Name: "gone"})
	create(domain.Invite{Code: "other-chat", ChatID: g2.ID, CreatorID: a.ID})

	noErr(t, s.RevokeInvite(ctx, g.ID, a.ID, "revoked"))
	wantKind(t, s.RevokeInvite(ctx, g.ID, a.ID, "other-chat"), domain.KindNotFound)
	wantKind(t, s.RevokeInvite(ctx, g.ID, a.ID, "no-such-code"), domain.KindNotFound)
	if inv := ok(s.Invite(ctx, "other-chat")).get(t); inv.Revoked {
		t.Fatal("revoking another chat's link through this chat revoked it")
	}

	if evs := ok(s.JoinChat(ctx, g.ID, u1.ID, "two-uses", 0)).get(t); len(evs) != 1 {
		t.Fatalf("join by link: %+v", evs)
	}
	if evs := ok(s.JoinChat(ctx, g.ID, u1.ID, "two-uses", 0)).get(t); len(evs) != 0 {
		t.Fatalf("joining again by link: %+v", evs)
	}
	if inv := ok(s.Invite(ctx, "two-uses")).get(t); inv.Uses != 1 {
		t.Fatalf("a member joining again used the link: uses %d, want 1", inv.Uses)
	}
	ok(s.JoinChat(ctx, g.ID, u2.ID, "two-uses", 0)).get(t)
	for _, code := range []string{"two-uses", "expired", "revoked", "other-chat", "no-such-code"} {
		_, err := s.JoinChat(ctx, g.ID, u3.ID, code, 0)
		if domain.KindOf(err) != domain.KindNotFound {
			t.Errorf("joining by link %q: %v, want not_found", code, err)
		}
	}
	if m, err := s.Member(ctx, g.ID, u3.ID); err == nil && m.Active() {
		t.Fatalf("refused links let u3 in: %+v", m)
	}
	if inv := ok(s.Invite(ctx, "two-uses")).get(t); inv.Uses != 2 || inv.Usable(time.Now()) {
		t.Fatalf("used-up link: %+v", inv)
	}
	if got := ok(s.Chat(ctx, g.ID)).get(t); got.Members != 3 {
		t.Fatalf("members %d, want 3", got.Members)
	}

	list := ok(s.Invites(ctx, g.ID)).get(t)
	var codes []string
	for _, inv := range list {
		codes = append(codes, inv.Code)
	}
	if !slices.Equal(codes, []string{"revoked", "expired", "two-uses"}) {
		t.Fatalf("invites: %v, want newest first, this chat's only", codes)
	}
	if inv := list[2]; inv.Uses != 2 || inv.UsageLimit != 2 || inv.Name != "twice" || inv.CreatorID != a.ID || inv.ChatID != g.ID {
		t.Fatalf("listed link: %+v", inv)
	}
	if !list[0].Revoked || list[1].Revoked || !near(list[1].ExpiresAt, expiry) {
		t.Fatalf("listed links: %+v", list)
	}
	_, err := s.Invite(ctx, "no-such-code")
	wantKind(t, err, domain.KindNotFound)

	// A full chat refuses joins.
	_, err = s.JoinChat(ctx, g.ID, u3.ID, "", 3)
	wantKind(t, err, domain.KindForbidden)

	// Uses are counted inside the join: a link for 3 admits exactly 3 of
	// 8 people joining at once.
	g3 := group(t, s, a.ID)
	ok(s.CreateInvite(ctx, domain.Invite{Code: "three", ChatID: g3.ID, CreatorID: a.ID, UsageLimit: 3})).get(t)
	const racers = 8
	ids := make([]int64, racers)
	for i := range ids {
		ids[i] = user(t, s, fmt.Sprintf("inv_race%d", i)).ID
	}
	var mu sync.Mutex
	joined := 0
	noErr(t, parallel(racers, racers, func(i int) error {
		_, err := s.JoinChat(ctx, g3.ID, ids[i], "three", 0)
		if err == nil {
			mu.Lock()
			joined++
			mu.Unlock()
		} else if domain.KindOf(err) != domain.KindNotFound {
			return err
		}
		return nil
	}))
	if inv := ok(s.Invite(ctx, "three")).get(t); joined != 3 || inv.Uses != 3 {
		t.Fatalf("a link for 3 uses admitted %d (uses %d)", joined, inv.Uses)
	}
	if c := ok(s.Chat(ctx, g3.ID)).get(t); c.Members != 4 {
		t.Fatalf("members %d, want 4", c.Members)
	}
}

// testJoinRequests: requests wait, once per user, until decided.
func testJoinRequests(t *testing.T, open Opener) {
	rec := &Recorder{}
	s := open(t, rec)
	a, r1, r2, x := user(t, s, "req_a"), user(t, s, "req_r1"), user(t, s, "req_r2"), user(t, s, "req_x")
	g := group(t, s, a.ID)
	ok(s.CreateInvite(ctx, domain.Invite{Code: "ask", ChatID: g.ID, CreatorID: a.ID, NeedsApproval: true})).get(t)

	noErr(t, s.AddJoinRequest(ctx, g.ID, r1.ID, "ask"))
	noErr(t, s.AddJoinRequest(ctx, g.ID, r1.ID, "ask"))
	time.Sleep(5 * time.Millisecond)
	noErr(t, s.AddJoinRequest(ctx, g.ID, r2.ID, "ask"))
	reqs := ok(s.JoinRequests(ctx, g.ID, 10)).get(t)
	if len(reqs) != 2 || reqs[0].UserID != r1.ID || reqs[1].UserID != r2.ID || reqs[0].Code != "ask" ||
		reqs[0].ChatID != g.ID || reqs[0].Date.IsZero() {
		t.Fatalf("join requests: %+v, want r1's then r2's, once each", reqs)
	}
	if got := ok(s.JoinRequests(ctx, g.ID, 1)).get(t); len(got) != 1 || got[0].UserID != r1.ID {
		t.Fatalf("join requests, limit 1: %+v", got)
	}

	evs := ok(s.DecideJoinRequest(ctx, g.ID, a.ID, r1.ID, true, 0)).get(t)
	if len(evs) != 1 || evs[0].Type != domain.EvMemberAdded || evs[0].Target != r1.ID {
		t.Fatalf("approval: %+v", evs)
	}
	if m := ok(s.Member(ctx, g.ID, r1.ID)).get(t); !m.Active() || m.Role != domain.RoleMember {
		t.Fatalf("approved user: %+v", m)
	}
	if got := ok(s.JoinRequests(ctx, g.ID, 10)).get(t); len(got) != 1 || got[0].UserID != r2.ID {
		t.Fatalf("requests after approval: %+v", got)
	}
	n := len(rec.Snapshot())
	if evs := ok(s.DecideJoinRequest(ctx, g.ID, a.ID, r2.ID, false, 0)).get(t); len(evs) != 0 {
		t.Fatalf("declining made events: %+v", evs)
	}
	if pub := since(rec, n); len(pub) != 0 {
		t.Fatalf("declining published %+v", pub)
	}
	if m, err := s.Member(ctx, g.ID, r2.ID); err == nil && m.Active() {
		t.Fatalf("declined user is a member: %+v", m)
	}
	if got := ok(s.JoinRequests(ctx, g.ID, 10)).get(t); len(got) != 0 {
		t.Fatalf("requests after both decided: %+v", got)
	}
	for _, approve := range []bool{true, false} {
		_, err := s.DecideJoinRequest(ctx, g.ID, a.ID, r2.ID, approve, 0)
		wantKind(t, err, domain.KindNotFound)
	}

	ok(s.BanMember(ctx, g.ID, a.ID, x.ID, time.Time{})).get(t)
	wantKind(t, s.AddJoinRequest(ctx, g.ID, x.ID, "ask"), domain.KindForbidden)
	if got := ok(s.JoinRequests(ctx, g.ID, 10)).get(t); len(got) != 0 {
		t.Fatalf("a banned user's request was kept: %+v", got)
	}
	checkPublished(t, rec.Snapshot())
}

// testPins: pinning sets the chat's pinned message with a pinned event.
func testPins(t *testing.T, open Opener) {
	rec := &Recorder{}
	s := open(t, rec)
	a, b := user(t, s, "pin_a"), user(t, s, "pin_b")
	g := group(t, s, a.ID, b.ID)
	m := send(t, s, g.ID, b.ID, "m1", "pin me")
	m2 := send(t, s, g.ID, a.ID, "m2", "not me")

	ev := ok(s.PinMessage(ctx, g.ID, a.ID, m.Seq)).get(t)
	if ev.Type != domain.EvPinned || ev.Target != m.Seq || ev.Seq != m2.Seq+1 || ev.ActorID != a.ID || ev.ForUser != 0 {
		t.Fatalf("pin: %+v", ev)
	}
	if c := ok(s.Chat(ctx, g.ID)).get(t); c.PinnedSeq != m.Seq {
		t.Fatalf("pinned seq %d, want %d", c.PinnedSeq, m.Seq)
	}
	if cs := ok(s.ChatSummary(ctx, g.ID, b.ID)).get(t); cs.PinnedSeq != m.Seq {
		t.Fatalf("summary's pinned seq %d, want %d", cs.PinnedSeq, m.Seq)
	}
	ev = ok(s.PinMessage(ctx, g.ID, a.ID, 0)).get(t)
	if ev.Type != domain.EvPinned || ev.Target != 0 {
		t.Fatalf("unpin: %+v", ev)
	}
	if c := ok(s.Chat(ctx, g.ID)).get(t); c.PinnedSeq != 0 {
		t.Fatalf("pinned seq after unpin: %d", c.PinnedSeq)
	}

	ok(s.DeleteMessage(ctx, g.ID, m2.Seq, a.ID)).get(t)
	head := ok(s.Chat(ctx, g.ID)).get(t)
	for _, seq := range []int64{m2.Seq /* deleted */, 999 /* missing */, 1 /* chat_created: not a message */} {
		_, err := s.PinMessage(ctx, g.ID, a.ID, seq)
		if domain.KindOf(err) != domain.KindNotFound {
			t.Errorf("pinning seq %d: %v, want not_found", seq, err)
		}
	}
	if c := ok(s.Chat(ctx, g.ID)).get(t); c.LastSeq != head.LastSeq || c.PinnedSeq != 0 {
		t.Fatalf("refused pins changed the chat: %+v", c)
	}
	checkPublished(t, rec.Snapshot())
}

// testViews: each user counts once per message.
func testViews(t *testing.T, open Opener) {
	rec := &Recorder{}
	s := open(t, rec)
	a, u, v := user(t, s, "views_a"), user(t, s, "views_u"), user(t, s, "views_v")
	ch := channel(t, s, a.ID, "views_ch", false)
	join(t, s, ch.ID, u.ID)
	join(t, s, ch.ID, v.ID)
	p1 := post(t, s, ch.ID, a.ID, "1", "one")
	p2 := post(t, s, ch.ID, a.ID, "2", "two")
	head := ok(s.Chat(ctx, ch.ID)).get(t)
	n := len(rec.Snapshot())

	noErr(t, s.ViewMessages(ctx, ch.ID, u.ID, []int64{p1.Seq, p1.Seq, 999}))
	noErr(t, s.ViewMessages(ctx, ch.ID, u.ID, []int64{p1.Seq}))
	noErr(t, s.ViewMessages(ctx, ch.ID, v.ID, []int64{p1.Seq}))

	st := ok(s.MessageStats(ctx, ch.ID, u.ID, []int64{p2.Seq, 999, p1.Seq})).get(t)
	if len(st) != 2 || st[0].Seq != p2.Seq || st[0].Views != 0 || st[1].Seq != p1.Seq || st[1].Views != 2 {
		t.Fatalf("stats: %+v, want p2 with 0 views then p1 with 2 (the missing seq skipped)", st)
	}
	hist := ok(s.History(ctx, ch.ID, 0, -1, 10)).get(t)
	if e, _ := bySeq(hist, p1.Seq); e.Views != 2 {
		t.Fatalf("History: p1 has %d views, want 2", e.Views)
	}
	if e, _ := bySeq(hist, p2.Seq); e.Views != 0 {
		t.Fatalf("History: p2 has %d views, want 0", e.Views)
	}
	if e := ok(s.Message(ctx, ch.ID, p1.Seq)).get(t); e.Views != 2 {
		t.Fatalf("Message: p1 has %d views, want 2", e.Views)
	}
	if c := ok(s.Chat(ctx, ch.ID)).get(t); c.LastSeq != head.LastSeq {
		t.Fatalf("views took seqs: %d, was %d", c.LastSeq, head.LastSeq)
	}
	if pub := since(rec, n); len(pub) != 0 {
		t.Fatalf("views were published: %+v", pub)
	}
}

// testReactions: one reaction per user and message, counted and ordered.
func testReactions(t *testing.T, open Opener) {
	rec := &Recorder{}
	s := open(t, rec)
	a := user(t, s, "react_a")
	u1, u2, u3 := user(t, s, "react_1"), user(t, s, "react_2"), user(t, s, "react_3")
	ch := channel(t, s, a.ID, "react_ch", false)
	for _, u := range []domain.User{u1, u2, u3} {
		join(t, s, ch.ID, u.ID)
	}
	p := post(t, s, ch.ID, a.ID, "1", "react")
	n := len(rec.Snapshot())

	rc := func(emoji string, n int, mine bool) domain.ReactionCount {
		return domain.ReactionCount{Emoji: emoji, Count: n, Mine: mine}
	}
	check := func(asker domain.User, want ...domain.ReactionCount) {
		t.Helper()
		st := ok(s.MessageStats(ctx, ch.ID, asker.ID, []int64{p.Seq})).get(t)
		if len(st) != 1 || st[0].Seq != p.Seq {
			t.Fatalf("stats: %+v", st)
		}
		got := st[0].Reactions
		if len(got) != len(want) || !slices.Equal(got, want) {
			t.Fatalf("reactions as %s sees them: %+v, want %+v", asker.Username, got, want)
		}
	}
	noErr(t, s.SetReaction(ctx, ch.ID, p.Seq, u1.ID, "👍"))
	noErr(t, s.SetReaction(ctx, ch.ID, p.Seq, u2.ID, "👍"))
	noErr(t, s.SetReaction(ctx, ch.ID, p.Seq, u3.ID, "🔥"))
	check(u3, rc("👍", 2, false), rc("🔥", 1, true))
	check(a, rc("👍", 2, false), rc("🔥", 1, false))

	noErr(t, s.SetReaction(ctx, ch.ID, p.Seq, u1.ID, "🔥")) // changes, not adds
	check(u1, rc("🔥", 2, true), rc("👍", 1, false))
	check(u2, rc("🔥", 2, false), rc("👍", 1, true))

	noErr(t, s.SetReaction(ctx, ch.ID, p.Seq, u2.ID, "")) // removes
	check(u2, rc("🔥", 2, false))
	noErr(t, s.SetReaction(ctx, ch.ID, p.Seq, u2.ID, "")) // nothing to remove
	check(u1, rc("🔥", 2, true))

	// A tie is ordered by emoji.
	noErr(t, s.SetReaction(ctx, ch.ID, p.Seq, u3.ID, "👍"))
	check(u3, rc("👍", 1, true), rc("🔥", 1, false))

	if pub := since(rec, n); len(pub) != 0 {
		t.Fatalf("reactions were published: %+v", pub)
	}

	q := post(t, s, ch.ID, a.ID, "2", "deleted soon")
	ok(s.DeleteMessage(ctx, ch.ID, q.Seq, a.ID)).get(t)
	wantKind(t, s.SetReaction(ctx, ch.ID, q.Seq, u1.ID, "👍"), domain.KindNotFound)
	wantKind(t, s.SetReaction(ctx, ch.ID, 999, u1.ID, "👍"), domain.KindNotFound)
}

// testChatUsernames: chats' and users' usernames share one namespace,
// case-insensitively.
func testChatUsernames(t *testing.T, open Opener) {
	rec := &Recorder{}
	s := open(t, rec)
	a := user(t, s, "Name_Owner")

	_, _, _, err := s.CreateChat(ctx, domain.NewChat{Type: domain.ChatChannel, Title: "x", CreatorID: a.ID,
		Info: domain.ChatInfo{Username: "name_OWNER"}})
	wantKind(t, err, domain.KindConflict)
	ch := channel(t, s, a.ID, "News_Chan", false)
	_, _, _, err = s.CreateChat(ctx, domain.NewChat{Type: domain.ChatGroup, Title: "x", CreatorID: a.ID,
		Info: domain.ChatInfo{Username: "news_chan"}})
	wantKind(t, err, domain.KindConflict)

	for _, name := range []string{"news_chan", "NEWS_CHAN", "News_Chan"} {
		if c := ok(s.ChatByUsername(ctx, name)).get(t); c.ID != ch.ID || c.Username != "News_Chan" || !c.Public() {
			t.Fatalf("ChatByUsername(%q): %+v", name, c)
		}
	}
	_, err = s.ChatByUsername(ctx, "name_owner") // a user's, not a chat's
	wantKind(t, err, domain.KindNotFound)

	// Users may not take a chat's username.
	a.Username = "NEWS_chan"
	_, err = s.UpdateUser(ctx, a)
	wantKind(t, err, domain.KindConflict)
	_, err = s.CreateUser(ctx, domain.User{Username: "news_CHAN", DisplayName: "x", PasswordHash: "x"})
	wantKind(t, err, domain.KindConflict)

	// Nor may a chat take another's, or a user's, through SetChatInfo.
	g := groupWith(t, s, a.ID, domain.ChatInfo{Username: "the_group"})
	n := len(rec.Snapshot())
	for _, name := range []string{"NEWS_CHAN", "name_owner"} {
		_, err = s.SetChatInfo(ctx, g.ID, a.ID, domain.ChatInfo{Username: name})
		wantKind(t, err, domain.KindConflict)
	}
	if pub := since(rec, n); len(pub) != 0 {
		t.Fatalf("refused SetChatInfo published %+v", pub)
	}
	if c := ok(s.Chat(ctx, g.ID)).get(t); c.Username != "the_group" {
		t.Fatalf("refused SetChatInfo changed the username to %q", c.Username)
	}
	// A chat may keep its own username in another case.
	ok(s.SetChatInfo(ctx, g.ID, a.ID, domain.ChatInfo{Username: "The_Group"})).get(t)

	// Clearing the username makes the channel private and frees the name.
	ok(s.SetChatInfo(ctx, ch.ID, a.ID, domain.ChatInfo{})).get(t)
	if c := ok(s.Chat(ctx, ch.ID)).get(t); c.Public() || c.Username != "" {
		t.Fatalf("channel after clearing its username: %+v", c)
	}
	_, err = s.ChatByUsername(ctx, "news_chan")
	wantKind(t, err, domain.KindNotFound)
	ok(s.CreateUser(ctx, domain.User{Username: "news_chan", DisplayName: "x", PasswordHash: "x"})).get(t)
	checkPublished(t, rec.Snapshot())
}

// testAdminLog: admin actions are logged, newest first, pageable.
func testAdminLog(t *testing.T, open Opener) {
	s := open(t, &Recorder{})
	a, b, c := user(t, s, "log_a"), user(t, s, "log_b"), user(t, s, "log_c")
	g := group(t, s, a.ID, b.ID, c.ID)

	ok(s.SetTitle(ctx, g.ID, a.ID, "renamed")).get(t)
	m := send(t, s, g.ID, b.ID, "m", "b's message")
	own := send(t, s, g.ID, a.ID, "own", "a's own")
	ok(s.PinMessage(ctx, g.ID, a.ID, m.Seq)).get(t)
	ok(s.BanMember(ctx, g.ID, a.ID, c.ID, time.Time{})).get(t)
	ok(s.EditMessage(ctx, g.ID, own.Seq, a.ID, "edited", domain.Rich{})).get(t) // one's own: not logged
	ok(s.DeleteMessage(ctx, g.ID, own.Seq, a.ID)).get(t)                        // one's own: not logged
	ok(s.DeleteMessage(ctx, g.ID, m.Seq, a.ID)).get(t)
	ok(s.CreateInvite(ctx, domain.Invite{Code: "log-link", ChatID: g.ID, CreatorID: a.ID, Name: "for friends"})).get(t)

	type entry struct {
		action string
		target int64
	}
	want := []entry{{domain.LogInvite, 0}, {domain.LogDelete, m.Seq}, {domain.LogBan, c.ID}, {domain.LogPin, m.Seq}, {domain.LogTitle, 0}}
	log := ok(s.AdminLog(ctx, g.ID, 0, 100)).get(t)
	var got []entry
	for _, e := range log {
		got = append(got, entry{e.Action, e.Target})
	}
	if !slices.Equal(got, want) {
		t.Fatalf("admin log: %+v, want %+v", got, want)
	}
	for i, e := range log {
		if e.ActorID != a.ID || e.ChatID != g.ID || e.Date.IsZero() || e.ID == 0 || (i > 0 && e.ID >= log[i-1].ID) {
			t.Fatalf("log entry %d: %+v", i, e)
		}
	}
	if log[0].Detail != "for friends" {
		t.Fatalf("invite entry's detail %q, want the link's name", log[0].Detail)
	}

	page := ok(s.AdminLog(ctx, g.ID, 0, 2)).get(t)
	if len(page) != 2 || page[0].ID != log[0].ID || page[1].ID != log[1].ID {
		t.Fatalf("first page: %+v", page)
	}
	rest := ok(s.AdminLog(ctx, g.ID, page[1].ID, 100)).get(t)
	if len(rest) != 3 || rest[0].ID != log[2].ID || rest[2].ID != log[4].ID {
		t.Fatalf("page before %d: %+v", page[1].ID, rest)
	}
	if got := ok(s.AdminLog(ctx, g.ID, log[4].ID, 100)).get(t); len(got) != 0 {
		t.Fatalf("before the oldest: %+v", got)
	}
	other := group(t, s, a.ID)
	if got := ok(s.AdminLog(ctx, other.ID, 0, 100)).get(t); len(got) != 0 {
		t.Fatalf("another chat's log: %+v", got)
	}
}

// testSearchDirectory: users and public chats are found by username
// prefix and by the words of their names; private chats never.
func testSearchDirectory(t *testing.T, open Opener) {
	s := open(t, &Recorder{})
	reza := ok(s.CreateUser(ctx, domain.User{Username: "Reza_K", DisplayName: "R. K.", PasswordHash: "x"})).get(t)
	rezvan := ok(s.CreateUser(ctx, domain.User{Username: "someone", DisplayName: "Rezvan Ahmadi", PasswordHash: "x"})).get(t)
	mina := ok(s.CreateUser(ctx, domain.User{Username: "mina", DisplayName: "Mina", PasswordHash: "x"})).get(t)

	mk := func(typ domain.ChatType, title, username string) domain.Chat {
		t.Helper()
		c, _, _, err := s.CreateChat(ctx, domain.NewChat{Type: typ, Title: title, CreatorID: mina.ID, Info: domain.ChatInfo{Username: username}})
		noErr(t, err)
		return c
	}
	news := mk(domain.ChatChannel, "اخبار ورزشی", "Varzesh_News")
	club := mk(domain.ChatGroup, "گروه ورزش", "varzesh_club")
	mk(domain.ChatChannel, "ورزش خصوصی", "")   // private
	mk(domain.ChatGroup, "ورزش دوستان", "")    // private
	mk(domain.ChatGroup, "varzesh fans", "")   // private, its name matches the username prefix
	mk(domain.ChatChannel, "آشپزی", "cooking") // public, unrelated

	// The query is passed as the domain does: the prefix folded, the
	// words as search terms.
	find := func(query string, wantUsers []int64, wantChats []int64) {
		t.Helper()
		users, chats, err := s.SearchDirectory(ctx, strings.ToLower(query), domain.SearchTerms(query), 10)
		if err != nil {
			t.Fatalf("search %q: %v", query, err)
		}
		var gotUsers, gotChats []int64
		for _, u := range users {
			gotUsers = append(gotUsers, u.ID)
		}
		for _, c := range chats {
			gotChats = append(gotChats, c.ID)
		}
		slices.Sort(gotUsers)
		slices.Sort(gotChats)
		slices.Sort(wantUsers)
		slices.Sort(wantChats)
		if !slices.Equal(gotUsers, wantUsers) || !slices.Equal(gotChats, wantChats) {
			t.Errorf("search %q: users %v chats %v, want users %v chats %v", query, gotUsers, gotChats, wantUsers, wantChats)
		}
	}
	find("rez", []int64{reza.ID, rezvan.ID}, nil) // a username prefix (stored in another case), a name word
	find("REZA", []int64{reza.ID}, nil)           // folded
	find("ورزش", nil, []int64{news.ID, club.ID})  // ورزشی by prefix, ورزش whole; never the private ones
	find("اخبار ورز", nil, []int64{news.ID})      // every word, the last as a prefix
	find("ورزشي", nil, []int64{news.ID})          // Arabic yeh finds Persian yeh
	find("VARZ", nil, []int64{news.ID, club.ID})  // a chat's username prefix, case-insensitive
	find("nobody", nil, nil)

	users, chats, err := s.SearchDirectory(ctx, "ورزش", domain.SearchTerms("ورزش"), 1)
	noErr(t, err)
	if len(users) != 0 || len(chats) != 1 {
		t.Errorf("limit 1: %d users, %d chats", len(users), len(chats))
	}

	// Renaming and going private are followed.
	ok(s.SetTitle(ctx, news.ID, mina.ID, "اخبار فوتبال")).get(t)
	find("فوتبال", nil, []int64{news.ID})
	find("ورزش", nil, []int64{club.ID})
	ok(s.SetChatInfo(ctx, club.ID, mina.ID, domain.ChatInfo{})).get(t)
	find("ورزش", nil, nil)
	find("varz", nil, []int64{news.ID})
}

// testSearchPublic: public channels' posts are found by anyone; private
// channels' and groups' are not.
func testSearchPublic(t *testing.T, open Opener) {
	s := open(t, &Recorder{})
	a, x := user(t, s, "pub_a"), user(t, s, "pub_x")
	pc := channel(t, s, a.ID, "pub_news", false)
	prc := channel(t, s, a.ID, "", false)
	pg := groupWith(t, s, a.ID, domain.ChatInfo{Username: "pub_group"})
	g := group(t, s, a.ID)

	p := post(t, s, pc.ID, a.ID, "1", "قیمت طلا امروز")
	gone := post(t, s, pc.ID, a.ID, "2", "قیمت طلا دیروز")
	post(t, s, prc.ID, a.ID, "3", "قیمت طلا در کانال خصوصی")
	send(t, s, pg.ID, a.ID, "4", "قیمت طلا در گروه عمومی")
	send(t, s, g.ID, a.ID, "5", "قیمت طلا در گروه")
	ok(s.DeleteMessage(ctx, pc.ID, gone.Seq, a.ID)).get(t)

	got := ok(s.SearchPublic(ctx, domain.SearchTerms("طلا"), 10, 0)).get(t)
	if len(got) != 1 || got[0].ChatID != pc.ID || got[0].Seq != p.Seq {
		t.Fatalf("public search: %v, want only the live public channel post", texts(got))
	}
	if got[0].ActorID != 0 {
		t.Fatalf("anonymous post found with actor %d", got[0].ActorID)
	}
	if got := ok(s.SearchPublic(ctx, domain.SearchTerms("قیم طل"), 10, 0)).get(t); len(got) != 0 {
		t.Fatalf("only the last word is a prefix: %v", texts(got))
	}
	if got := ok(s.SearchPublic(ctx, domain.SearchTerms("قيمت طل"), 10, 0)).get(t); len(got) != 1 {
		t.Fatalf("folded, last word a prefix: %v", texts(got))
	}
	if got := ok(s.SearchPublic(ctx, domain.SearchTerms("طلا"), 10, 1)).get(t); len(got) != 0 {
		t.Fatalf("offset 1: %v", texts(got))
	}
	// A non-member searching their own chats does not find it there.
	if got := ok(s.SearchMessages(ctx, x.ID, 0, domain.SearchTerms("طلا"), 10, 0)).get(t); len(got) != 0 {
		t.Fatalf("x's own search: %v", texts(got))
	}
}

// testLargeGroup: once a group has more than SharedReadsMax members, a
// member's joining, leaving, removal and role change, and their reads,
// reach only that member; while it is small they are chat events.
func testLargeGroup(t *testing.T, open Opener) {
	rec := &Recorder{}
	s := open(t, rec)
	owner := user(t, s, "lg_owner")
	n := domain.SharedReadsMax + 2
	ids := make([]int64, n)
	noErr(t, parallel(n, 16, func(i int) error {
		u, err := s.CreateUser(ctx, domain.User{Username: fmt.Sprintf("lg%05d", i), DisplayName: "m", PasswordHash: "x"})
		ids[i] = u.ID
		return err
	}))
	g := groupWith(t, s, owner.ID, domain.ChatInfo{DefaultRights: domain.GroupDefaultRights})
	// Small: adding is a chat event.
	evs := ok(s.AddMembers(ctx, g.ID, owner.ID, ids[:1], 0)).get(t)
	if len(evs) != 1 || evs[0].ForUser != 0 || evs[0].Seq == 0 {
		t.Fatalf("adding to a small group: %+v", evs)
	}
	for i := 1; i < n-1; i += 200 {
		ok(s.AddMembers(ctx, g.ID, owner.ID, ids[i:min(i+200, n-1)], 0)).get(t)
	}
	if c := ok(s.Chat(ctx, g.ID)).get(t); c.Members != n {
		t.Fatalf("members %d, want %d", c.Members, n)
	}
	// Large: every membership change is private to the member concerned.
	last := ids[n-1]
	mark := len(rec.Snapshot())
	private(t, "a join", ok(s.JoinChat(ctx, g.ID, last, "", 0)).get(t), domain.EvMemberAdded, last)
	private(t, "a role change", ok(s.SetRole(ctx, g.ID, owner.ID, last, domain.RoleAdmin)).get(t), domain.EvRoleChanged, last)
	private(t, "a leave", ok(s.RemoveMember(ctx, g.ID, last, last, 0)).get(t), domain.EvMemberLeft, last)
	private(t, "a removal", ok(s.RemoveMember(ctx, g.ID, owner.ID, ids[0], 0)).get(t), domain.EvMemberRemoved, ids[0])
	m := ok(s.Member(ctx, g.ID, ids[0])).get(t)
	if m.Active() || m.LeftPos == 0 {
		t.Fatalf("a member removed privately: %+v", m)
	}
	// A message is still one chat event; a read is private.
	msg := post(t, s, g.ID, ids[1], "lg1", "hello, many")
	rd, changed, err := s.MarkRead(ctx, g.ID, ids[2], msg.Seq)
	noErr(t, err)
	if !changed || rd.ForUser != ids[2] {
		t.Fatalf("a read in a large group: %+v", rd)
	}
	if got := ok(s.ReadsAfter(ctx, ids[3], rd.Pos-1, rd.Pos, 10)).get(t); len(got) != 0 {
		t.Fatalf("another member was told of a read: %+v", got)
	}
	for _, e := range since(rec, mark) {
		if e.Type != domain.EvMessage && e.ForUser == 0 {
			t.Fatalf("a large group published a chat event for one member: %+v", e)
		}
	}
	if cs := ok(s.ChatSummary(ctx, g.ID, ids[1])).get(t); cs.PeerReadSeq != 0 {
		t.Fatalf("peer read seq %d in a large group", cs.PeerReadSeq)
	}
	checkPublished(t, rec.Snapshot())
}

// testBanList: Bans lists banned users, and History does not list the
// settings changes (info_changed) that the stream carries.
func testBanList(t *testing.T, open Opener) {
	s := open(t, &Recorder{})
	owner := user(t, s, "bl_owner")
	b1, b2 := user(t, s, "bl_one"), user(t, s, "bl_two")
	g := groupWith(t, s, owner.ID, domain.ChatInfo{DefaultRights: domain.GroupDefaultRights}, b1.ID)
	until := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
	ok(s.BanMember(ctx, g.ID, owner.ID, b1.ID, until)).get(t)
	ok(s.BanMember(ctx, g.ID, owner.ID, b2.ID, time.Time{})).get(t)
	bans := ok(s.Bans(ctx, g.ID, 10)).get(t)
	if len(bans) != 2 || bans[0].UserID != b1.ID || !near(bans[0].Until, until) || bans[1].UserID != b2.ID || !bans[1].Until.IsZero() {
		t.Fatalf("bans: %+v", bans)
	}
	noErr(t, s.UnbanMember(ctx, g.ID, owner.ID, b2.ID))
	if bans := ok(s.Bans(ctx, g.ID, 10)).get(t); len(bans) != 1 {
		t.Fatalf("after unban: %+v", bans)
	}
	ok(s.SetChatInfo(ctx, g.ID, owner.ID, domain.ChatInfo{SlowMode: 30, DefaultRights: domain.GroupDefaultRights})).get(t)
	for _, e := range ok(s.History(ctx, g.ID, 0, -1, 100)).get(t) {
		if e.Type == domain.EvInfoChanged {
			t.Fatalf("history lists %+v", e)
		}
	}
}

// testChannelAnonymousActions: in a channel without signatures, what
// admins do that subscribers see (creating it, editing, deleting,
// pinning, renaming) does not name the admin; the admin log does.
func testChannelAnonymousActions(t *testing.T, open Opener) {
	rec := &Recorder{}
	s := open(t, rec)
	owner := user(t, s, "aa_owner")
	ch := channel(t, s, owner.ID, "", false)
	p := post(t, s, ch.ID, owner.ID, "aa1", "first")
	ok(s.EditMessage(ctx, ch.ID, p.Seq, owner.ID, "first, edited", domain.Rich{})).get(t)
	ok(s.PinMessage(ctx, ch.ID, owner.ID, p.Seq)).get(t)
	ok(s.SetTitle(ctx, ch.ID, owner.ID, "renamed")).get(t)
	ok(s.DeleteMessage(ctx, ch.ID, p.Seq, owner.ID)).get(t)
	for _, e := range rec.Snapshot() {
		if e.ChatID == ch.ID && e.ForUser == 0 && e.ActorID != 0 {
			t.Fatalf("published with its actor: %+v", e)
		}
	}
	for _, e := range ok(s.EventsAfter(ctx, ch.ID, 0, ok(s.LastPos(ctx)).get(t), 100)).get(t) {
		if e.ActorID != 0 {
			t.Fatalf("stored with its actor: %+v", e)
		}
	}
	log := ok(s.AdminLog(ctx, ch.ID, 0, 10)).get(t)
	if len(log) == 0 || log[0].ActorID != owner.ID {
		t.Fatalf("admin log: %+v", log)
	}
}
