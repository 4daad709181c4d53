package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/chapar/chapar/internal/domain"
)

// checkStream checks what a publisher received: ascending positions, and
// per chat, seq numbers 1, 2, 3, … with no gap or repeat.
func checkStream(t *testing.T, evs []domain.Event) {
	t.Helper()
	last := map[int64]int64{}
	var pos int64
	for _, e := range evs {
		if e.Pos <= pos {
			t.Fatalf("position %d after %d", e.Pos, pos)
		}
		pos = e.Pos
		if e.Type == domain.EvRead {
			continue
		}
		if e.Seq != last[e.ChatID]+1 {
			t.Fatalf("chat %d: seq %d after %d", e.ChatID, e.Seq, last[e.ChatID])
		}
		last[e.ChatID] = e.Seq
	}
}

func group(t *testing.T, s domain.Store, owner int64, members ...int64) domain.Chat {
	t.Helper()
	c, _, created, err := s.CreateChat(ctx, domain.NewChat{Type: domain.ChatGroup, Title: "g", CreatorID: owner, Members: members})
	if err != nil || !created {
		t.Fatalf("create group: %v %v", created, err)
	}
	return c
}

func send(t *testing.T, s domain.Store, chat, from int64, cid, text string) domain.Event {
	t.Helper()
	ev, dup, err := s.AppendMessage(ctx, domain.NewMessage{ChatID: chat, SenderID: from, ClientID: cid, Text: text})
	if err != nil || dup {
		t.Fatalf("send %q: dup=%v %v", cid, dup, err)
	}
	return ev
}

func testDirectChat(t *testing.T, open Opener) {
	rec := &Recorder{}
	s := open(t, rec)
	a, b := user(t, s, "alice"), user(t, s, "bobby")
	nc := domain.NewChat{Type: domain.ChatDirect, CreatorID: a.ID, Members: []int64{b.ID}, DirectKey: "k"}
	c, evs, created, err := s.CreateChat(ctx, nc)
	if err != nil || !created || c.Type != domain.ChatDirect || c.Members != 2 || len(evs) != 2 {
		t.Fatalf("create: %+v %d %v %v", c, len(evs), created, err)
	}
	again, _, created, err := s.CreateChat(ctx, nc)
	if err != nil || created || again.ID != c.ID {
		t.Fatalf("second create: %+v %v %v", again, created, err)
	}
	if got := ok(s.DirectChat(ctx, "k")).get(t); got.ID != c.ID {
		t.Fatalf("by key: %+v", got)
	}
	if ids := ok(s.DirectChatIDs(ctx, b.ID)).get(t); !slices.Equal(ids, []int64{c.ID}) {
		t.Fatalf("direct ids: %v", ids)
	}
	send(t, s, c.ID, a.ID, "m1", "salam")
	cs := ok(s.ChatSummary(ctx, c.ID, b.ID)).get(t)
	if cs.PeerID != a.ID || cs.Unread != 1 || cs.LastMessage == nil || cs.LastMessage.Text != "salam" {
		t.Fatalf("summary: %+v", cs)
	}
	checkStream(t, rec.Snapshot())
	_, _, _, err = s.CreateChat(ctx, domain.NewChat{Type: domain.ChatDirect, CreatorID: a.ID, Members: []int64{999}, DirectKey: "x"})
	wantKind(t, err, domain.KindNotFound)
}

func testGroupMembership(t *testing.T, open Opener) {
	rec := &Recorder{}
	s := open(t, rec)
	a, b, c := user(t, s, "alice"), user(t, s, "bobby"), user(t, s, "carol")
	g := group(t, s, a.ID, b.ID)
	if m := ok(s.Member(ctx, g.ID, a.ID)).get(t); m.Role != domain.RoleOwner {
		t.Fatalf("creator role %s", m.Role)
	}
	evs := ok(s.AddMembers(ctx, g.ID, b.ID, []int64{c.ID, b.ID}, 10)).get(t)
	if len(evs) != 1 || evs[0].Type != domain.EvMemberAdded || evs[0].Target != c.ID {
		t.Fatalf("add: %+v", evs)
	}
	_, err := s.AddMembers(ctx, g.ID, a.ID, []int64{user(t, s, "dave1").ID}, 3)
	wantKind(t, err, domain.KindForbidden) // full
	evs = ok(s.SetRole(ctx, g.ID, a.ID, b.ID, domain.RoleOwner)).get(t)
	if len(evs) != 2 || evs[1].Target != a.ID || evs[1].Role != domain.RoleAdmin {
		t.Fatalf("hand over: %+v", evs)
	}
	evs = ok(s.RemoveMember(ctx, g.ID, b.ID, c.ID, 0)).get(t)
	if len(evs) != 1 || evs[0].Type != domain.EvMemberRemoved {
		t.Fatalf("remove: %+v", evs)
	}
	m := ok(s.Member(ctx, g.ID, c.ID)).get(t)
	if m.Active() || m.LeftSeq != evs[0].Seq {
		t.Fatalf("removed member: %+v", m)
	}
	// The owner leaves and hands the group to a.
	evs = ok(s.RemoveMember(ctx, g.ID, b.ID, b.ID, a.ID)).get(t)
	if len(evs) != 2 || evs[0].Type != domain.EvMemberLeft || evs[1].Role != domain.RoleOwner || evs[1].Target != a.ID {
		t.Fatalf("leave: %+v", evs)
	}
	if got := ok(s.Chat(ctx, g.ID)).get(t); got.Members != 1 {
		t.Fatalf("members count %d", got.Members)
	}
	if ms := ok(s.Members(ctx, g.ID, 0, 10)).get(t); len(ms) != 1 || ms[0].UserID != a.ID {
		t.Fatalf("members: %+v", ms)
	}
	// Rejoining reactivates the row.
	ok(s.AddMembers(ctx, g.ID, a.ID, []int64{c.ID}, 10)).get(t)
	if m := ok(s.Member(ctx, g.ID, c.ID)).get(t); !m.Active() || m.Role != domain.RoleMember {
		t.Fatalf("rejoined: %+v", m)
	}
	ev := ok(s.SetTitle(ctx, g.ID, a.ID, "New title")).get(t)
	if ev.Type != domain.EvTitleChanged || ok(s.Chat(ctx, g.ID)).get(t).Title != "New title" {
		t.Fatalf("title: %+v", ev)
	}
	checkStream(t, rec.Snapshot())
}

func testIdempotentSend(t *testing.T, open Opener) {
	s := open(t, nil)
	a, b := user(t, s, "alice"), user(t, s, "bobby")
	g := group(t, s, a.ID, b.ID)
	first := send(t, s, g.ID, a.ID, "same", "one")
	again, dup, err := s.AppendMessage(ctx, domain.NewMessage{ChatID: g.ID, SenderID: a.ID, ClientID: "same", Text: "two"})
	if err != nil || !dup || again.Seq != first.Seq || again.Text != "one" {
		t.Fatalf("resend: %+v %v %v", again, dup, err)
	}
	// Another sender may use the same client id.
	if ev := send(t, s, g.ID, b.ID, "same", "b's"); ev.Seq != first.Seq+1 {
		t.Fatalf("b's seq %d", ev.Seq)
	}
	if got := ok(s.Chat(ctx, g.ID)).get(t); got.LastSeq != first.Seq+1 {
		t.Fatalf("last seq %d", got.LastSeq)
	}
	// Concurrent resends of one id make one message.
	var wg sync.WaitGroup
	seqs := make([]int64, 20)
	for i := range seqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev, _, err := s.AppendMessage(ctx, domain.NewMessage{ChatID: g.ID, SenderID: a.ID, ClientID: "race", Text: "r"})
			if err != nil {
				t.Error(err)
			}
			seqs[i] = ev.Seq
		}()
	}
	wg.Wait()
	if distinct := slices.Compact(slices.Sorted(slices.Values(seqs))); len(distinct) != 1 {
		t.Fatalf("one client id made several messages: %v", seqs)
	}
}

func testConcurrentSends(t *testing.T, open Opener) {
	rec := &Recorder{}
	s := open(t, rec)
	const senders, each = 8, 50
	var ids []int64
	for i := range senders {
		ids = append(ids, user(t, s, fmt.Sprintf("user%d", i)).ID)
	}
	g := group(t, s, ids[0], ids[1:]...)
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range each {
				if _, _, err := s.AppendMessage(ctx, domain.NewMessage{ChatID: g.ID, SenderID: id, ClientID: fmt.Sprintf("%d-%d", i, j), Text: "x"}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	evs := rec.Snapshot()
	checkStream(t, evs)
	msgs := 0
	for _, e := range evs {
		if e.Type == domain.EvMessage {
			msgs++
		}
	}
	if msgs != senders*each {
		t.Fatalf("published %d messages, want %d", msgs, senders*each)
	}
	last := ok(s.LastPos(ctx)).get(t)
	if last != evs[len(evs)-1].Pos {
		t.Fatalf("last pos %d, last published %d", last, evs[len(evs)-1].Pos)
	}
	// What the store holds is what was published.
	stored := ok(s.EventsAfter(ctx, g.ID, 0, last, 10000)).get(t)
	if len(stored) != len(evs) {
		t.Fatalf("stored %d events, published %d", len(stored), len(evs))
	}
	for i := range stored {
		if stored[i].Seq != evs[i].Seq || stored[i].Pos != evs[i].Pos {
			t.Fatalf("event %d: stored %+v published %+v", i, stored[i], evs[i])
		}
	}
}

func testEditDelete(t *testing.T, open Opener) {
	s := open(t, nil)
	a, b := user(t, s, "alice"), user(t, s, "bobby")
	g := group(t, s, a.ID, b.ID)
	m := send(t, s, g.ID, a.ID, "m", "first")
	ed := ok(s.EditMessage(ctx, g.ID, m.Seq, a.ID, "second", domain.Rich{})).get(t)
	if ed.Type != domain.EvEdit || ed.Target != m.Seq || ed.Text != "second" || ed.Seq != m.Seq+1 {
		t.Fatalf("edit: %+v", ed)
	}
	got := ok(s.Message(ctx, g.ID, m.Seq)).get(t)
	if got.Text != "second" || got.EditedAt == nil {
		t.Fatalf("edited message: %+v", got)
	}
	del := ok(s.DeleteMessage(ctx, g.ID, m.Seq, a.ID)).get(t)
	if del.Type != domain.EvDelete || del.Target != m.Seq {
		t.Fatalf("delete: %+v", del)
	}
	got = ok(s.Message(ctx, g.ID, m.Seq)).get(t)
	if !got.Deleted || got.Text != "" {
		t.Fatalf("deleted message: %+v", got)
	}
	// The edit event no longer holds the words either.
	for _, e := range ok(s.EventsAfter(ctx, g.ID, 0, ok(s.LastPos(ctx)).get(t), 100)).get(t) {
		if e.Type == domain.EvEdit && e.Text != "" {
			t.Fatalf("edit still holds text after delete: %+v", e)
		}
	}
	_, err := s.EditMessage(ctx, g.ID, m.Seq, a.ID, "again", domain.Rich{})
	wantKind(t, err, domain.KindNotFound)
	_, err = s.DeleteMessage(ctx, g.ID, m.Seq, a.ID)
	wantKind(t, err, domain.KindNotFound)
	_, err = s.DeleteMessage(ctx, g.ID, 999, a.ID)
	wantKind(t, err, domain.KindNotFound)
}

func testHistory(t *testing.T, open Opener) {
	s := open(t, nil)
	a := user(t, s, "alice")
	g := group(t, s, a.ID) // seq 1: chat_created
	for i := range 10 {
		send(t, s, g.ID, a.ID, fmt.Sprint(i), fmt.Sprint(i)) // seq 2..11
	}
	ok(s.EditMessage(ctx, g.ID, 5, a.ID, "five", domain.Rich{})).get(t) // seq 12, not in history
	seqs := func(evs []domain.Event) (out []int64) {
		for _, e := range evs {
			out = append(out, e.Seq)
		}
		return out
	}
	if got := seqs(ok(s.History(ctx, g.ID, 0, -1, 3)).get(t)); !slices.Equal(got, []int64{9, 10, 11}) {
		t.Fatalf("newest: %v", got)
	}
	if got := seqs(ok(s.History(ctx, g.ID, 9, -1, 3)).get(t)); !slices.Equal(got, []int64{6, 7, 8}) {
		t.Fatalf("before 9: %v", got)
	}
	if got := seqs(ok(s.History(ctx, g.ID, 0, 1, 3)).get(t)); !slices.Equal(got, []int64{2, 3, 4}) {
		t.Fatalf("after 1: %v", got)
	}
	if got := ok(s.History(ctx, g.ID, 6, -1, 1)).get(t); got[0].Text != "five" {
		t.Fatalf("edited text in history: %+v", got[0])
	}
	if got := seqs(ok(s.History(ctx, g.ID, 0, 0, 2)).get(t)); !slices.Equal(got, []int64{1, 2}) {
		t.Fatalf("from the start: %v", got)
	}
	if got := seqs(ok(s.History(ctx, g.ID, 0, 11, 3)).get(t)); len(got) != 0 {
		t.Fatalf("after the end: %v", got)
	}
}

func testReadsAndResync(t *testing.T, open Opener) {
	s := open(t, nil)
	a, b, c := user(t, s, "alice"), user(t, s, "bobby"), user(t, s, "carol")
	g := group(t, s, a.ID, b.ID, c.ID)
	m := send(t, s, g.ID, a.ID, "1", "hi")
	start := ok(s.LastPos(ctx)).get(t)
	ev, changed, err := s.MarkRead(ctx, g.ID, b.ID, m.Seq+100) // clamped to the last seq
	if err != nil || !changed || ev.Target != m.Seq || ev.Pos <= start {
		t.Fatalf("read: %+v %v %v", ev, changed, err)
	}
	if _, changed, _ := s.MarkRead(ctx, g.ID, b.ID, 1); changed {
		t.Fatal("read moved backwards")
	}
	if cs := ok(s.ChatSummary(ctx, g.ID, a.ID)).get(t); cs.PeerReadSeq != m.Seq {
		t.Fatalf("peer read: %d", cs.PeerReadSeq)
	}
	if cs := ok(s.ChatSummary(ctx, g.ID, b.ID)).get(t); cs.Unread != 0 {
		t.Fatalf("unread after read: %d", cs.Unread)
	}
	now := ok(s.LastPos(ctx)).get(t)
	reads := ok(s.ReadsAfter(ctx, a.ID, start, now, 10)).get(t)
	if len(reads) != 1 || reads[0].ActorID != b.ID || reads[0].Target != m.Seq {
		t.Fatalf("reads: %+v", reads)
	}
	// c is removed; a later message must not reach c's resync, the removal must.
	rm := ok(s.RemoveMember(ctx, g.ID, a.ID, c.ID, 0)).get(t)
	send(t, s, g.ID, a.ID, "2", "after")
	end := ok(s.LastPos(ctx)).get(t)
	changedChats := ok(s.ChangedChats(ctx, c.ID, now)).get(t)
	if len(changedChats) != 1 || changedChats[0].LeftPos != rm[0].Pos {
		t.Fatalf("changed chats for removed member: %+v", changedChats)
	}
	evs := ok(s.EventsAfter(ctx, g.ID, now, min(end, changedChats[0].LeftPos), 10)).get(t)
	if len(evs) != 1 || evs[0].Type != domain.EvMemberRemoved {
		t.Fatalf("removed member's resync: %+v", evs)
	}
	if cc := ok(s.ChangedChats(ctx, c.ID, end)).get(t); len(cc) != 0 {
		t.Fatalf("nothing changed since the end, got %+v", cc)
	}
	if cc := ok(s.ChangedChats(ctx, b.ID, now)).get(t); len(cc) != 1 {
		t.Fatalf("b's changed chats: %+v", cc)
	}
}

func testNonMemberWrites(t *testing.T, open Opener) {
	s := open(t, nil)
	a, b, x := user(t, s, "alice"), user(t, s, "bobby"), user(t, s, "xavier")
	g := group(t, s, a.ID, b.ID)
	m := send(t, s, g.ID, a.ID, "1", "hi")
	_, _, err := s.AppendMessage(ctx, domain.NewMessage{ChatID: g.ID, SenderID: x.ID, ClientID: "x", Text: "intruder"})
	wantKind(t, err, domain.KindNotFound)
	_, err = s.EditMessage(ctx, g.ID, m.Seq, x.ID, "x", domain.Rich{})
	wantKind(t, err, domain.KindNotFound)
	_, err = s.DeleteMessage(ctx, g.ID, m.Seq, x.ID)
	wantKind(t, err, domain.KindNotFound)
	_, _, err = s.MarkRead(ctx, g.ID, x.ID, 1)
	wantKind(t, err, domain.KindNotFound)
	_, err = s.AddMembers(ctx, g.ID, x.ID, []int64{x.ID}, 10)
	wantKind(t, err, domain.KindNotFound)
	_, _, err = s.AppendMessage(ctx, domain.NewMessage{ChatID: g.ID, SenderID: a.ID, ClientID: "r", Text: "x", ReplyTo: 999})
	wantKind(t, err, domain.KindInvalid)
	// Failed writes changed nothing.
	if got := ok(s.Chat(ctx, g.ID)).get(t); got.LastSeq != m.Seq {
		t.Fatalf("last seq %d after failed writes, want %d", got.LastSeq, m.Seq)
	}
}
