package postgres

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/store/storetest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// What the shared contract cannot reach: two nodes (two Store instances on
// one database) racing for what must be counted exactly once, the cluster
// bus's gap fill, and upgrading a database made before channels.

// race runs fn(i) for i in 0..n-1 all at once, alternating the two nodes.
func race(nodes []*Store, n int, fn func(s *Store, i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(nodes[i%len(nodes)], i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

func mustChannel(t *testing.T, s *Store, owner int64, username string) domain.Chat {
	t.Helper()
	c, _, _, err := s.CreateChat(ctx, domain.NewChat{Type: domain.ChatChannel, Title: "ch", CreatorID: owner,
		Info: domain.ChatInfo{Username: username}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTwoNodesInviteLimit: a link for 5 uses, used by 20 people at once
// through two nodes, admits exactly 5.
func TestTwoNodesInviteLimit(t *testing.T) {
	dsn := freshDB(t)
	nodes := []*Store{openStore(t, dsn, nil), openStore(t, dsn, nil)}
	a := mustUser(t, nodes[0], "owner")
	for round, typ := range []domain.ChatType{domain.ChatGroup, domain.ChatChannel} {
		c, _, _, err := nodes[0].CreateChat(ctx, domain.NewChat{Type: typ, Title: "x", CreatorID: a.ID})
		if err != nil {
			t.Fatal(err)
		}
		code := fmt.Sprint("five-", round)
		if _, err := nodes[1].CreateInvite(ctx, domain.Invite{Code: code, ChatID: c.ID, CreatorID: a.ID, UsageLimit: 5}); err != nil {
			t.Fatal(err)
		}
		const joiners = 20
		ids := make([]int64, joiners)
		for i := range ids {
			ids[i] = mustUser(t, nodes[i%2], fmt.Sprintf("j%d_%d", round, i)).ID
		}
		errs := race(nodes, joiners, func(s *Store, i int) error {
			_, err := s.JoinChat(ctx, c.ID, ids[i], code, 0)
			return err
		})
		joined := 0
		for i, err := range errs {
			switch {
			case err == nil:
				joined++
			case !domain.IsKind(err, domain.KindNotFound):
				t.Fatalf("join %d: %v", i, err)
			}
		}
		inv, err := nodes[0].Invite(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		got, err := nodes[1].Chat(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if joined != 5 || inv.Uses != 5 || got.Members != 6 {
			t.Fatalf("%s: a link for 5 admitted %d (uses %d, members %d)", typ, joined, inv.Uses, got.Members)
		}
	}
}

// TestTwoNodesUsernames: a user and a chat claiming one username at once,
// on two nodes, never both get it.
func TestTwoNodesUsernames(t *testing.T) {
	dsn := freshDB(t)
	nodes := []*Store{openStore(t, dsn, nil), openStore(t, dsn, nil)}
	a := mustUser(t, nodes[0], "owner")
	g := mustGroup(t, nodes[1], a.ID)
	const rounds = 30
	for k := range rounds {
		name := fmt.Sprintf("Name_%d", k)
		errs := race(nodes, 3, func(s *Store, i int) error {
			switch i {
			case 0:
				_, err := s.CreateUser(ctx, domain.User{Username: name})
				return err
			case 1:
				_, _, _, err := s.CreateChat(ctx, domain.NewChat{Type: domain.ChatChannel, Title: "c", CreatorID: a.ID,
					Info: domain.ChatInfo{Username: fmt.Sprintf("NAME_%d", k)}})
				return err
			default:
				_, err := s.SetChatInfo(ctx, g.ID, a.ID, domain.ChatInfo{Username: fmt.Sprintf("name_%d", k)})
				return err
			}
		})
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case !domain.IsKind(err, domain.KindConflict):
				t.Fatalf("round %d, claim %d: %v", k, i, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d claims of %q succeeded (%v)", k, won, name, errs)
		}
	}
}

// TestTwoNodesSlowMode: two messages from one member sent at once through
// two nodes into a group in slow mode: one goes through.
func TestTwoNodesSlowMode(t *testing.T) {
	dsn := freshDB(t)
	nodes := []*Store{openStore(t, dsn, nil), openStore(t, dsn, nil)}
	a := mustUser(t, nodes[0], "owner")
	var members []int64
	for i := range 10 {
		members = append(members, mustUser(t, nodes[i%2], fmt.Sprint("m", i)).ID)
	}
	g, _, _, err := nodes[0].CreateChat(ctx, domain.NewChat{Type: domain.ChatGroup, Title: "slow", CreatorID: a.ID, Members: members,
		Info: domain.ChatInfo{SlowMode: 30, DefaultRights: domain.GroupDefaultRights}})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		errs := race(nodes, 2, func(s *Store, i int) error {
			_, _, err := s.AppendMessage(ctx, domain.NewMessage{ChatID: g.ID, SenderID: m, ClientID: fmt.Sprint(m, "-", i),
				Text: "x", Need: domain.RightPost})
			return err
		})
		sent := 0
		for _, err := range errs {
			switch {
			case err == nil:
				sent++
			case !domain.IsKind(err, domain.KindRateLimited):
				t.Fatal(err)
			}
		}
		if sent != 1 {
			t.Fatalf("member %d: %d of 2 messages went through slow mode (%v)", m, sent, errs)
		}
	}
	// The owner is not slowed.
	for i := range 3 {
		if _, _, err := nodes[i%2].AppendMessage(ctx, domain.NewMessage{ChatID: g.ID, SenderID: a.ID, ClientID: fmt.Sprint("a", i),
			Text: "x", Need: domain.RightPost}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTwoNodesViews: views of one post by many users, each asking through
// both nodes at once, count each user once.
func TestTwoNodesViews(t *testing.T) {
	dsn := freshDB(t)
	nodes := []*Store{openStore(t, dsn, nil), openStore(t, dsn, nil)}
	a := mustUser(t, nodes[0], "owner")
	ch := mustChannel(t, nodes[0], a.ID, "views")
	p, _, err := nodes[1].AppendMessage(ctx, domain.NewMessage{ChatID: ch.ID, SenderID: a.ID, ClientID: "p", Text: "post"})
	if err != nil {
		t.Fatal(err)
	}
	const viewers = 15
	errs := race(nodes, 4*viewers, func(s *Store, i int) error {
		return s.ViewMessages(ctx, ch.ID, int64(1000+i/4), []int64{p.Seq, p.Seq, 9999})
	})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	st, err := nodes[0].MessageStats(ctx, ch.ID, a.ID, []int64{p.Seq})
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 1 || st[0].Views != viewers {
		t.Fatalf("stats: %+v, want %d views", st, viewers)
	}
}

// wire is an event as clients get it.
func wire(t *testing.T, e domain.Event) string {
	t.Helper()
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestTwoNodesGapFill: what EventsBetween (the cluster bus's gap fill)
// gives back is what the nodes published, byte for byte on the wire:
// private events with ForUser, private reads, anonymous posts, role
// changes with rights and bans with an end; and every position is used
// once, in commit order, across both nodes (but for read receipts that a
// newer one replaced).
func TestTwoNodesGapFill(t *testing.T) {
	dsn := freshDB(t)
	recs := []*storetest.Recorder{{}, {}}
	nodes := []*Store{openStore(t, dsn, recs[0]), openStore(t, dsn, recs[1])}
	a := mustUser(t, nodes[0], "owner")
	ch := mustChannel(t, nodes[0], a.ID, "gapfill")
	g, _, _, err := nodes[1].CreateChat(ctx, domain.NewChat{Type: domain.ChatGroup, Title: "g", CreatorID: a.ID,
		Info: domain.ChatInfo{DefaultRights: domain.GroupDefaultRights}})
	if err != nil {
		t.Fatal(err)
	}
	const users = 12
	ids := make([]int64, users)
	for i := range ids {
		ids[i] = mustUser(t, nodes[i%2], fmt.Sprint("u", i)).ID
	}
	until := time.Now().Add(time.Hour)
	// Each user's story runs on both nodes, interleaved with the others'
	// and with posts.
	errs := race(nodes, users+1, func(s *Store, i int) error {
		if i == users {
			for k := range 30 {
				if _, _, err := s.AppendMessage(ctx, domain.NewMessage{ChatID: ch.ID, SenderID: a.ID, ClientID: fmt.Sprint("post", k),
					Text: "post", Need: domain.RightPost}); err != nil {
					return err
				}
			}
			return nil
		}
		u := ids[i]
		other := nodes[(i+1)%2]
		steps := []func() error{
			func() error { _, err := s.JoinChat(ctx, ch.ID, u, "", 0); return err },
			func() error { _, err := other.JoinChat(ctx, g.ID, u, "", 0); return err },
			func() error {
				last, err := s.Chat(ctx, ch.ID)
				if err == nil {
					_, _, err = other.MarkRead(ctx, ch.ID, u, last.LastSeq)
				}
				return err
			},
			func() error { _, err := s.SetRole(ctx, g.ID, a.ID, u, domain.RoleAdmin); return err },
			func() error {
				_, err := other.SetAdminRights(ctx, g.ID, a.ID, u, domain.RightPost|domain.RightPin)
				return err
			},
			func() error { _, err := s.SetRole(ctx, ch.ID, a.ID, u, domain.RoleAdmin); return err },
			func() error {
				_, _, err := other.AppendMessage(ctx, domain.NewMessage{ChatID: ch.ID, SenderID: u, ClientID: fmt.Sprint("admin", u),
					Text: "anonymous", Need: domain.RightPost})
				return err
			},
			func() error { _, err := s.SetRole(ctx, ch.ID, a.ID, u, domain.RoleMember); return err },
			func() error { _, err := other.SetRole(ctx, g.ID, a.ID, u, domain.RoleMember); return err },
			func() error {
				_, err := s.RestrictMember(ctx, g.ID, a.ID, u, domain.RightSendMedia, until)
				return err
			},
		}
		switch i % 3 {
		case 0:
			steps = append(steps,
				func() error { _, err := other.RemoveMember(ctx, ch.ID, u, u, 0); return err },
				func() error { _, err := s.BanMember(ctx, g.ID, a.ID, u, until); return err })
		case 1:
			steps = append(steps,
				func() error { _, err := other.BanMember(ctx, ch.ID, a.ID, u, time.Time{}); return err },
				func() error { _, err := s.RemoveMember(ctx, g.ID, a.ID, u, 0); return err })
		}
		for k, step := range steps {
			if err := step(); err != nil {
				return fmt.Errorf("user %d, step %d: %w", i, k, err)
			}
		}
		return nil
	})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	var published []domain.Event
	for _, rec := range recs {
		published = append(published, rec.Snapshot()...)
	}
	slices.SortFunc(published, func(a, b domain.Event) int { return cmp.Compare(a.Pos, b.Pos) })
	last, err := nodes[1].LastPos(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(published); n == 0 || published[n-1].Pos != last || int64(n) != last-published[0].Pos+1 {
		t.Fatalf("published %d events ending at %d; last position %d", n, published[n-1].Pos, last)
	}
	for i := 1; i < len(published); i++ {
		if published[i].Pos != published[i-1].Pos+1 {
			t.Fatalf("published positions %d then %d", published[i-1].Pos, published[i].Pos)
		}
	}
	from := published[0].Pos - 1
	stored, err := nodes[0].EventsBetween(ctx, from, last, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	byPos := make(map[int64]domain.Event)
	for _, e := range stored {
		byPos[e.Pos] = e
	}
	kinds := map[string]int{}
	for _, p := range published {
		s, found := byPos[p.Pos]
		if !found {
			if p.Type != domain.EvRead {
				t.Fatalf("published %+v, not listed by EventsBetween", p)
			}
			continue // a read receipt a newer one replaced
		}
		if wire(t, p) != wire(t, s) {
			t.Fatalf("at position %d:\npublished %s\nlisted    %s", p.Pos, wire(t, p), wire(t, s))
		}
		delete(byPos, p.Pos)
		kind := p.Type
		if p.ForUser != 0 {
			kind += "/private"
		}
		kinds[kind]++
	}
	if len(byPos) != 0 {
		t.Fatalf("EventsBetween listed events never published: %+v", byPos)
	}
	for _, k := range []string{"member_added/private", "member_added", "read/private", "role_changed/private", "role_changed",
		"restricted/private", "member_left/private", "member_removed/private", "member_removed", "message"} {
		if kinds[k] == 0 {
			t.Errorf("no %s event was checked (%v)", k, kinds)
		}
	}

	// PrivateAfter gives each user their own private events, as published.
	for _, u := range ids {
		var want []string
		for _, p := range published {
			if p.ForUser == u && p.Type != domain.EvRead {
				want = append(want, wire(t, p))
			}
		}
		got, err := nodes[1].PrivateAfter(ctx, u, from, last, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var gotWire []string
		for _, e := range got {
			gotWire = append(gotWire, wire(t, e))
		}
		if !slices.Equal(gotWire, want) {
			t.Fatalf("user %d's private events:\n%v\nwant\n%v", u, gotWire, want)
		}
	}
	for n, s := range nodes {
		if d := s.w.deadlocks.Load(); d != 0 {
			t.Logf("node %d was a deadlock victim %d times (retried)", n, d)
		}
	}
}

// TestUpgradeToChannels opens a database made by migrations 1-3 (before
// channels): groups keep what their members could do, admins theirs, and
// the directory finds users and chats stored before it existed.
func TestUpgradeToChannels(t *testing.T) {
	dsn := freshDB(t)
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.version <= 3 {
			if err := applyOnce(ctx, pool, m); err != nil {
				t.Fatal(err)
			}
		}
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO users(id, username, username_lc, display_name, created_at) VALUES
				(1, 'Owner', 'owner', 'Old Owner', 1), (2, 'adm', 'adm', 'Old Admin', 1), (3, NULL, NULL, 'Old Member', 1);
			INSERT INTO chats(id, type, title, created_at, last_seq, last_pos, members) VALUES (1, 'group', 'قدیمی', 1, 1, 1, 3);
			INSERT INTO members(chat_id, user_id, role, joined_at) VALUES (1, 1, 'owner', 1), (1, 2, 'admin', 1), (1, 3, 'member', 1);
			INSERT INTO events(pos, chat_id, seq, type, actor_id, date, text) VALUES (1, 1, 1, 'chat_created', 1, 1, 'قدیمی');
			UPDATE chapar_pos SET last = 1;
			SELECT setval(pg_get_serial_sequence('users', 'id'), 3);
			SELECT setval(pg_get_serial_sequence('chats', 'id'), 1);`)
		return err
	})
	pool.Close()
	if err != nil {
		t.Fatal(err)
	}

	s := openStore(t, dsn, nil)
	c, err := s.Chat(ctx, 1)
	if err != nil || c.DefaultRights != domain.GroupDefaultRights {
		t.Fatalf("old group: %+v %v, want default rights %v", c, err, domain.GroupDefaultRights)
	}
	if m, err := s.Member(ctx, 1, 2); err != nil || m.Rights != domain.AdminRights {
		t.Fatalf("old admin: %+v %v, want %v", m, err, domain.AdminRights)
	}
	if _, _, err := s.AppendMessage(ctx, domain.NewMessage{ChatID: 1, SenderID: 3, ClientID: "m", Text: "hi",
		Need: domain.RightPost | domain.RightSendMedia}); err != nil {
		t.Fatalf("an old group's member sending: %v", err)
	}
	users, _, err := s.SearchDirectory(ctx, "", domain.SearchTerms("old"), 10)
	if err != nil || len(users) != 3 {
		t.Fatalf("users found by name after the upgrade: %+v %v", users, err)
	}
	// Old groups have no username, so the directory does not list them;
	// their name vector is there for when they get one.
	if _, err := s.SetChatInfo(ctx, 1, 1, domain.ChatInfo{Username: "old_group", DefaultRights: domain.GroupDefaultRights}); err != nil {
		t.Fatal(err)
	}
	if _, chats, err := s.SearchDirectory(ctx, "", domain.SearchTerms("قدیمی"), 10); err != nil || len(chats) != 1 {
		t.Fatalf("old group found by name: %+v %v", chats, err)
	}
	// New ids continue after the old ones.
	u, err := s.CreateUser(ctx, domain.User{Username: "new", DisplayName: "New"})
	if err != nil || u.ID != 4 {
		t.Fatalf("new user: %+v %v", u, err)
	}
}

// TestMigrationRightsConstants keeps the numbers in 0004_channels.sql in
// step with the domain's rights.
func TestMigrationRightsConstants(t *testing.T) {
	if domain.GroupDefaultRights != 7 || domain.AdminRights != 255 {
		t.Fatalf("migrations/0004_channels.sql writes 7 and 255 for GroupDefaultRights (%d) and AdminRights (%d)",
			domain.GroupDefaultRights, domain.AdminRights)
	}
}

// TestLargeGroupPrivate: above domain.SharedReadsMax members a group's
// joins, leaves, role changes and reads are private (by the size before
// the change), and a member who leaves it privately leaves at the last
// seq; the gap fill gives them back as published.
func TestLargeGroupPrivate(t *testing.T) {
	dsn := freshDB(t)
	recs := []*storetest.Recorder{{}, {}}
	nodes := []*Store{openStore(t, dsn, recs[0]), openStore(t, dsn, recs[1])}
	a := mustUser(t, nodes[0], "owner")
	const n = domain.SharedReadsMax + 2
	ids := make([]int64, n)
	errs := race(nodes, n, func(s *Store, i int) error {
		u, err := s.CreateUser(ctx, domain.User{Username: fmt.Sprint("big", i)})
		ids[i] = u.ID
		return err
	})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// The owner and SharedReadsMax-1 members: every add is a chat event.
	g, evs, _, err := nodes[0].CreateChat(ctx, domain.NewChat{Type: domain.ChatGroup, Title: "big", CreatorID: a.ID,
		Members: ids[:domain.SharedReadsMax-1], Info: domain.ChatInfo{DefaultRights: domain.GroupDefaultRights}})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.ForUser != 0 || e.Seq == 0 {
			t.Fatalf("creating a group of %d: %+v", domain.SharedReadsMax, e)
		}
	}
	start, _ := nodes[0].LastPos(ctx)
	join := func(s *Store, u int64) domain.Event {
		t.Helper()
		evs, err := s.JoinChat(ctx, g.ID, u, "", 0)
		if err != nil || len(evs) != 1 {
			t.Fatalf("join: %+v %v", evs, err)
		}
		return evs[0]
	}
	// SharedReadsMax members: the next join is still seen by everyone;
	// the one after it (from SharedReadsMax+1) is private.
	if e := join(nodes[1], ids[n-3]); e.ForUser != 0 {
		t.Fatalf("join into a group of %d: %+v", domain.SharedReadsMax, e)
	}
	if e := join(nodes[0], ids[n-2]); e.ForUser != ids[n-2] || e.Seq != 0 {
		t.Fatalf("join into a group of %d: %+v, want private", domain.SharedReadsMax+1, e)
	}
	join(nodes[1], ids[n-1])
	m, _, err := nodes[0].AppendMessage(ctx, domain.NewMessage{ChatID: g.ID, SenderID: a.ID, ClientID: "m", Text: "hi", Need: domain.RightPost})
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := nodes[1].MarkRead(ctx, g.ID, ids[0], m.Seq)
	if err != nil || r.ForUser != ids[0] {
		t.Fatalf("read in a large group: %+v %v", r, err)
	}
	if cs, err := nodes[0].ChatSummary(ctx, g.ID, a.ID); err != nil || cs.PeerReadSeq != 0 || cs.Members != n+1 {
		t.Fatalf("owner's summary: %+v %v", cs, err)
	}
	last, _ := nodes[0].LastPos(ctx)
	if got, err := nodes[0].ReadsAfter(ctx, a.ID, start, last, 10); err != nil || len(got) != 0 {
		t.Fatalf("the owner sees a large group's reads: %+v %v", got, err)
	}
	rs, err := nodes[0].SetRole(ctx, g.ID, a.ID, ids[1], domain.RoleAdmin)
	if err != nil || len(rs) != 1 || rs[0].ForUser != ids[1] {
		t.Fatalf("role change in a large group: %+v %v", rs, err)
	}
	// Leaving: private while the group is larger than SharedReadsMax
	// before the leave.
	for i, want := range []bool{true, true, true, false} {
		u := ids[i+2]
		evs, err := nodes[i%2].RemoveMember(ctx, g.ID, u, u, 0)
		if err != nil || len(evs) != 1 || (evs[0].ForUser != 0) != want {
			t.Fatalf("leave %d: %+v %v, want private %v", i, evs, err, want)
		}
		mem, err := nodes[0].Member(ctx, g.ID, u)
		if err != nil || mem.LeftPos != evs[0].Pos || (want && mem.LeftSeq != m.Seq) || (!want && mem.LeftSeq != evs[0].Seq) {
			t.Fatalf("leave %d: member %+v %v (event %+v)", i, mem, err, evs[0])
		}
	}

	var published []domain.Event
	for _, rec := range recs {
		published = append(published, rec.Snapshot()...)
	}
	slices.SortFunc(published, func(a, b domain.Event) int { return cmp.Compare(a.Pos, b.Pos) })
	last, _ = nodes[0].LastPos(ctx)
	stored, err := nodes[1].EventsBetween(ctx, start, last, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, p := range published {
		if p.Pos > start {
			want = append(want, wire(t, p))
		}
	}
	var got []string
	for _, e := range stored {
		got = append(got, wire(t, e))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("gap fill:\n%v\npublished:\n%v", got, want)
	}
}
