package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/store/storetest"
)

// Two Store instances on one database stand for two chapar nodes.

var ctx = context.Background()

func mustUser(t *testing.T, s *Store, name string) domain.User {
	t.Helper()
	u, err := s.CreateUser(ctx, domain.User{Username: name, DisplayName: name})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func mustGroup(t *testing.T, s *Store, owner int64, members ...int64) domain.Chat {
	t.Helper()
	c, _, _, err := s.CreateChat(ctx, domain.NewChat{Type: domain.ChatGroup, Title: "g", CreatorID: owner, Members: members})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTwoNodesPositions has two nodes send into the same two chats at once
// while a reader follows the committed position the way a resyncing client
// does, and checks the promises positions make across nodes.
func TestTwoNodesPositions(t *testing.T) {
	dsn := freshDB(t)
	recs := []*storetest.Recorder{{}, {}}
	nodes := []*Store{openStore(t, dsn, recs[0]), openStore(t, dsn, recs[1])}
	const perNode, each = 8, 15 // 16 senders × 15 messages into each chat
	var users []int64
	for i := range 2 * perNode {
		users = append(users, mustUser(t, nodes[i%2], fmt.Sprintf("user%d", i)).ID)
	}
	chats := []domain.Chat{mustGroup(t, nodes[0], users[0], users[1:]...), mustGroup(t, nodes[1], users[1], users[0], users[2])}
	if _, err := nodes[1].AddMembers(ctx, chats[1].ID, users[1], users[3:], 0); err != nil {
		t.Fatal(err)
	}

	// The reader: each time it learns a committed position U, every
	// position up to U must already be readable. A position at or below U
	// that committed later would show up here as a hole.
	stop := make(chan struct{})
	readerDone := make(chan struct{})
	var rounds atomic.Int64
	go func() {
		defer close(readerDone)
		var seen int64
		for {
			select {
			case <-stop:
				return
			default:
			}
			last, err := nodes[rounds.Load()%2].LastPos(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			evs, err := nodes[0].EventsBetween(ctx, seen, last, 1<<20)
			if err != nil {
				t.Error(err)
				return
			}
			for i, e := range evs {
				if e.Pos != seen+int64(i)+1 {
					t.Errorf("after reading last position %d, position %d is missing (got %d)", last, seen+int64(i)+1, e.Pos)
					return
				}
			}
			if int64(len(evs)) != last-seen {
				t.Errorf("after reading last position %d: positions %d..%d hold %d events", last, seen+1, last, len(evs))
				return
			}
			seen = last
			rounds.Add(1)
		}
	}()

	var wg sync.WaitGroup
	for n, s := range nodes {
		for i := range perNode {
			sender := users[n*perNode+i]
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range each {
					for _, c := range chats {
						_, dup, err := s.AppendMessage(ctx, domain.NewMessage{ChatID: c.ID, SenderID: sender,
							ClientID: fmt.Sprintf("%d-%d", c.ID, j), Text: "x"})
						if err != nil || dup {
							t.Errorf("send: dup=%v %v", dup, err)
							return
						}
					}
				}
			}()
		}
	}
	wg.Wait()
	close(stop)
	<-readerDone
	if t.Failed() {
		return
	}
	t.Logf("the reader read the committed position %d times while the nodes wrote", rounds.Load())
	for n, s := range nodes {
		// Both nodes lock chats in id order, so their batches wait for
		// each other but never deadlock.
		if d := s.w.deadlocks.Load(); d != 0 {
			t.Errorf("node %d was a deadlock victim %d times", n, d)
		}
	}

	last, err := nodes[1].LastPos(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all, err := nodes[1].EventsBetween(ctx, 0, last, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	// Every position from 1 to the last is used once, and within a chat
	// seq runs 1, 2, 3, … in position order.
	lastSeq := map[int64]int64{}
	lastPos := map[int64]int64{}
	messages := map[int64]int{}
	for i, e := range all {
		if e.Pos != int64(i)+1 {
			t.Fatalf("event %d has position %d", i, e.Pos)
		}
		if e.Seq != lastSeq[e.ChatID]+1 {
			t.Fatalf("chat %d: seq %d at position %d follows seq %d", e.ChatID, e.Seq, e.Pos, lastSeq[e.ChatID])
		}
		lastSeq[e.ChatID], lastPos[e.ChatID] = e.Seq, e.Pos
		if e.Type == domain.EvMessage {
			messages[e.ChatID]++
		}
	}
	if int64(len(all)) != last {
		t.Fatalf("%d events up to position %d", len(all), last)
	}
	for _, c := range chats {
		if messages[c.ID] != 2*perNode*each {
			t.Errorf("chat %d holds %d messages, want %d", c.ID, messages[c.ID], 2*perNode*each)
		}
		got, err := nodes[0].Chat(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.LastSeq != lastSeq[c.ID] || got.LastPos != lastPos[c.ID] {
			t.Errorf("chat %d head: seq %d pos %d, log ends at seq %d pos %d", c.ID, got.LastSeq, got.LastPos, lastSeq[c.ID], lastPos[c.ID])
		}
	}
	// Each node published what it committed, in position order; together
	// they published every event once.
	var published []domain.Event
	for n, rec := range recs {
		evs := rec.Snapshot()
		if !slices.IsSortedFunc(evs, func(a, b domain.Event) int { return cmp.Compare(a.Pos, b.Pos) }) {
			t.Errorf("node %d published out of position order", n)
		}
		published = append(published, evs...)
	}
	slices.SortFunc(published, func(a, b domain.Event) int { return cmp.Compare(a.Pos, b.Pos) })
	if len(published) != len(all) {
		t.Fatalf("published %d events, stored %d", len(published), len(all))
	}
	for i := range all {
		p, s := published[i], all[i]
		if p.Pos != s.Pos || p.ChatID != s.ChatID || p.Seq != s.Seq || p.Type != s.Type || p.ClientID != s.ClientID {
			t.Fatalf("published %+v, stored %+v", p, s)
		}
	}
}

// TestTwoNodesResend sends one client id through both nodes at once, many
// times: each time exactly one message is made and the other send is told
// it is a duplicate of it.
func TestTwoNodesResend(t *testing.T) {
	dsn := freshDB(t)
	nodes := []*Store{openStore(t, dsn, nil), openStore(t, dsn, nil)}
	a := mustUser(t, nodes[0], "alice")
	g := mustGroup(t, nodes[0], a.ID)
	g2 := mustGroup(t, nodes[1], a.ID)
	const rounds = 40
	type result struct {
		ev  domain.Event
		dup bool
		err error
	}
	race := func(chats [2]int64, cid string) [2]result {
		var out [2]result
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, s := range nodes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				ev, dup, err := s.AppendMessage(ctx, domain.NewMessage{ChatID: chats[i], SenderID: a.ID, ClientID: cid, Text: cid})
				out[i] = result{ev, dup, err}
			}()
		}
		close(start)
		wg.Wait()
		return out
	}
	for k := range rounds {
		r := race([2]int64{g.ID, g.ID}, fmt.Sprint("same-", k))
		if r[0].err != nil || r[1].err != nil {
			t.Fatalf("round %d: %v, %v", k, r[0].err, r[1].err)
		}
		if r[0].dup == r[1].dup || r[0].ev.Seq != r[1].ev.Seq || r[0].ev.Pos != r[1].ev.Pos || r[0].ev.Pos == 0 {
			t.Fatalf("round %d: %+v / %+v", k, r[0], r[1])
		}
	}
	// The same client id into two chats at once: one message, and the
	// other send is refused.
	for k := range rounds {
		r := race([2]int64{g.ID, g2.ID}, fmt.Sprint("cross-", k))
		ok, refused := 0, 0
		for _, x := range r {
			switch {
			case x.err == nil && !x.dup:
				ok++
			case domain.IsKind(x.err, domain.KindInvalid):
				refused++
			}
		}
		if ok != 1 || refused != 1 {
			t.Fatalf("round %d: %+v / %+v", k, r[0], r[1])
		}
	}
	last, err := nodes[0].LastPos(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all, err := nodes[0].EventsBetween(ctx, 0, last, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	messages := 0
	for i, e := range all {
		if e.Pos != int64(i)+1 {
			t.Fatalf("event %d has position %d", i, e.Pos)
		}
		if e.Type == domain.EvMessage {
			messages++
		}
	}
	if messages != 2*rounds {
		t.Fatalf("%d messages stored, want %d", messages, 2*rounds)
	}
}

// TestEventsBetween lists every chat's events, and read receipts, by
// position.
func TestEventsBetween(t *testing.T) {
	rec := &storetest.Recorder{}
	s := openStore(t, freshDB(t), rec)
	a, b := mustUser(t, s, "alice"), mustUser(t, s, "bobby")
	g := mustGroup(t, s, a.ID, b.ID) // positions 1, 2
	d, _, _, err := s.CreateChat(ctx, domain.NewChat{Type: domain.ChatDirect, CreatorID: a.ID,
		Members: []int64{b.ID}, DirectKey: "ab"}) // 3, 4
	if err != nil {
		t.Fatal(err)
	}
	var sent []domain.Event
	for i := range 4 { // 5..8, alternating chats
		c := []int64{g.ID, d.ID}[i%2]
		ev, _, err := s.AppendMessage(ctx, domain.NewMessage{ChatID: c, SenderID: a.ID, ClientID: fmt.Sprint(i), Text: "hi"})
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, ev)
	}
	read, changed, err := s.MarkRead(ctx, g.ID, b.ID, sent[0].Seq) // 9
	if err != nil || !changed {
		t.Fatalf("read: %v %v", changed, err)
	}
	last, err := s.LastPos(ctx)
	if err != nil || last != 9 || read.Pos != 9 {
		t.Fatalf("last position %d (%v), read at %d", last, err, read.Pos)
	}

	all, err := s.EventsBetween(ctx, 0, last, 100)
	if err != nil {
		t.Fatal(err)
	}
	published := rec.Snapshot()
	if len(all) != len(published) {
		t.Fatalf("listed %d events, published %d", len(all), len(published))
	}
	for i, e := range all {
		p := published[i]
		if e.Pos != int64(i)+1 || e.Pos != p.Pos || e.ChatID != p.ChatID || e.Seq != p.Seq || e.Type != p.Type ||
			e.ActorID != p.ActorID || e.Target != p.Target || e.Text != p.Text || !e.Date.Equal(p.Date) {
			t.Fatalf("listed %+v, published %+v", e, p)
		}
	}
	if r := all[8]; r.Type != domain.EvRead || r.ActorID != b.ID || r.Target != sent[0].Seq {
		t.Fatalf("read receipt listed as %+v", r)
	}

	// Bounds and limit.
	positions := func(evs []domain.Event) (out []int64) {
		for _, e := range evs {
			out = append(out, e.Pos)
		}
		return out
	}
	for _, tc := range []struct {
		after, upto int64
		limit       int
		want        []int64
	}{
		{2, 5, 100, []int64{3, 4, 5}},
		{0, 9, 2, []int64{1, 2}},
		{7, 100, 100, []int64{8, 9}}, // upto beyond the last position
		{8, 9, 100, []int64{9}},      // only the read receipt
		{9, 9, 100, nil},
	} {
		got, err := s.EventsBetween(ctx, tc.after, tc.upto, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(positions(got), tc.want) {
			t.Errorf("EventsBetween(%d, %d, %d) = %v, want %v", tc.after, tc.upto, tc.limit, positions(got), tc.want)
		}
	}

	// A newer receipt from the same member replaces the older one, whose
	// position is then a hole.
	if _, changed, err := s.MarkRead(ctx, g.ID, b.ID, sent[2].Seq); err != nil || !changed { // 10
		t.Fatalf("second read: %v %v", changed, err)
	}
	got, err := s.EventsBetween(ctx, 8, 10, 100)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(positions(got), []int64{10}) || got[0].Target != sent[2].Seq {
		t.Fatalf("after a second read: %+v", got)
	}
}

// TestAccountsAndChatLists covers the Store methods the shared contract
// suite does not call yet.
func TestAccountsAndChatLists(t *testing.T) {
	s := openStore(t, freshDB(t), nil)
	a, b := mustUser(t, s, "alice"), mustUser(t, s, "bobby")
	seen := time.UnixMilli(1_700_000_000_123).UTC()
	if err := s.SetLastSeen(ctx, a.ID, seen); err != nil {
		t.Fatal(err)
	}
	if u, err := s.UserByID(ctx, a.ID); err != nil || !u.LastSeen.Equal(seen) {
		t.Fatalf("last seen: %+v %v", u, err)
	}
	x, err := s.CreateSession(ctx, domain.Session{UserID: a.ID, TokenHash: []byte("h")})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.TouchSession(ctx, x.ID, seen); err != nil {
		t.Fatal(err)
	}
	if got, err := s.SessionByTokenHash(ctx, []byte("h")); err != nil || !got.LastSeenAt.Equal(seen) {
		t.Fatalf("touched session: %+v %v", got, err)
	}

	g := mustGroup(t, s, a.ID, b.ID)
	d, _, _, err := s.CreateChat(ctx, domain.NewChat{Type: domain.ChatDirect, CreatorID: a.ID, Members: []int64{b.ID}, DirectKey: "ab"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AppendMessage(ctx, domain.NewMessage{ChatID: g.ID, SenderID: b.ID, ClientID: "1", Text: "newest"}); err != nil {
		t.Fatal(err)
	}
	ids, err := s.ActiveChatIDs(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []int64{g.ID, d.ID}) {
		t.Fatalf("active chats: %v", ids)
	}
	list, err := s.ChatsOf(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Newest activity first: the group has the newest message.
	if len(list) != 2 || list[0].ID != g.ID || list[0].Unread != 1 || list[0].LastMessage.Text != "newest" ||
		list[1].ID != d.ID || list[1].PeerID != b.ID {
		t.Fatalf("chat list: %+v", list)
	}

	_, _, err = s.AppendMessage(ctx, domain.NewMessage{ChatID: 9999, SenderID: a.ID, ClientID: "2", Text: "x"})
	if !domain.IsKind(err, domain.KindNotFound) {
		t.Fatalf("send to a chat that does not exist: %v", err)
	}
}
