package main

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chapar/chapar/client"
)

// TestChannelFanOut: one node; see testChannelFanOut.
func TestChannelFanOut(t *testing.T) {
	srv := startServer(t, t.TempDir())
	testChannelFanOut(t, []string{srv.URL})
}

// TestClusterChannelFanOut: the same with subscribers spread over three
// cluster nodes (PostgreSQL + NATS).
func TestClusterChannelFanOut(t *testing.T) {
	env := newClusterEnv(t)
	testChannelFanOut(t, []string{env.startNode(t).URL, env.startNode(t).URL, env.startNode(t).URL})
}

// testChannelFanOut: a channel with many subscribers, half of them online
// and half offline. Every online subscriber gets every post live, once and
// in order, and nothing about the other subscribers; every offline one
// gets exactly the posts on resync from where it was. Subscribing does
// not grow the channel's log, and posts are anonymous.
func testChannelFanOut(t *testing.T, urls []string) {
	const subscribers, posts = 60, 15
	owner, _ := newUser(t, urls[0], "fan_owner")
	ch, err := owner.CreateChannel(bg, client.ChannelRequest{Title: "News", Username: "fan_news"})
	must(t, err)

	type sub struct {
		c    *client.Client
		id   int64
		pos  int64 // offline: where it left off
		s    *client.Stream
		live bool
	}
	subs := make([]*sub, subscribers)
	var wg sync.WaitGroup
	errs := make(chan error, subscribers)
	for i := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := client.New(urls[i%len(urls)])
			a, err := c.Register(bg, client.RegisterRequest{Username: fmt.Sprintf("fan_sub%03d", i), Password: "password1"})
			if err != nil {
				errs <- err
				return
			}
			found, err := c.ChatByUsername(bg, "fan_news")
			if err != nil || found.ID != ch.ID || found.Joined {
				errs <- fmt.Errorf("resolve: %+v %v", found, err)
				return
			}
			if _, err := c.Join(bg, ch.ID); err != nil {
				errs <- err
				return
			}
			subs[i] = &sub{c: c, id: a.User.ID, live: i%2 == 0}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, s := range subs {
		if s.live {
			s.s, _ = connect(t, s.c, nil)
			continue
		}
		up, err := s.c.Updates(bg, nil, 0, 0)
		must(t, err)
		s.pos = up.Pos
	}
	c, err := owner.Chat(bg, ch.ID)
	must(t, err)
	if c.MembersCount != subscribers+1 || c.LastSeq != 1 {
		t.Fatalf("after %d joins: members %d, last seq %d (joins must not enter the channel's log)", subscribers, c.MembersCount, c.LastSeq)
	}

	var want []string
	for k := range posts {
		text := fmt.Sprintf("post %d", k)
		want = append(want, text)
		_, err := owner.Send(bg, ch.ID, client.SendRequest{ClientID: fmt.Sprint("p", k), Text: text})
		must(t, err)
	}
	check := func(who int64, evs []client.Event) {
		t.Helper()
		var got []string
		for _, e := range evs {
			if e.ForUser != 0 && e.ForUser != who {
				t.Fatalf("subscriber %d got another's private event %+v", who, e)
			}
			if e.ChatID == ch.ID && e.Type == client.EventMessage {
				if e.ActorID != 0 {
					t.Fatalf("post names its author %d in a channel without signatures", e.ActorID)
				}
				got = append(got, e.Text)
			} else if e.Type == client.EventMemberAdded && e.Target != who {
				t.Fatalf("subscriber %d heard of %d joining", who, e.Target)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("subscriber %d got %q, want %q", who, got, want)
		}
	}
	for _, s := range subs {
		if s.live {
			var evs []client.Event
			for len(evs) < posts {
				evs = append(evs, nextEvent(t, s.s, func(e client.Event) bool { return e.Type == client.EventMessage }))
			}
			check(s.id, evs)
		}
	}
	for _, s := range subs {
		if !s.live {
			_, replay := connect(t, s.c, &s.pos)
			check(s.id, replay)
		}
	}
	c, err = owner.Chat(bg, ch.ID)
	must(t, err)
	if c.LastSeq != 1+posts {
		t.Fatalf("last seq %d, want %d: one event per post", c.LastSeq, 1+posts)
	}

	// Every subscriber views the last post twice: counted once each.
	for round := 0; round < 2; round++ {
		for _, s := range subs {
			_, err := s.c.Stats(bg, ch.ID, []int64{c.LastSeq}, true)
			must(t, err)
		}
	}
	st, err := owner.Stats(bg, ch.ID, []int64{c.LastSeq}, false)
	must(t, err)
	if len(st) != 1 || st[0].Views != subscribers {
		t.Fatalf("views %+v, want %d", st, subscribers)
	}
}

// TestChannelRights is the rights matrix of channels: who may post, edit,
// delete, pin, list subscribers, make links and read the admin log; what a
// stranger sees of public and private channels; bans.
func TestChannelRights(t *testing.T) {
	srv := startServer(t, t.TempDir())
	url := srv.URL
	owner, _ := newUser(t, url, "cr_owner")
	adminC, admin := newUser(t, url, "cr_admin")
	subC, sub := newUser(t, url, "cr_sub")
	stranger, _ := newUser(t, url, "cr_stranger")

	pub, err := owner.CreateChannel(bg, client.ChannelRequest{Title: "Public", Username: "cr_public"})
	must(t, err)
	priv, err := owner.CreateChannel(bg, client.ChannelRequest{Title: "Private"})
	must(t, err)
	post, err := owner.Send(bg, pub.ID, client.SendRequest{Text: "hello subscribers"})
	must(t, err)
	seq := post.Event.Seq
	_, err = owner.Send(bg, priv.ID, client.SendRequest{Text: "secret"})
	must(t, err)

	for _, c := range []*client.Client{adminC, subC} {
		_, err := c.Join(bg, pub.ID)
		must(t, err)
	}
	_, err = owner.SetAdmin(bg, pub.ID, admin.ID, []string{"pin"})
	must(t, err)

	// A subscriber only reads (and reacts).
	_, err = subC.Send(bg, pub.ID, client.SendRequest{Text: "me too"})
	wantCode(t, err, "forbidden")
	_, err = subC.Edit(bg, pub.ID, seq, "changed")
	wantCode(t, err, "forbidden")
	_, err = subC.Delete(bg, pub.ID, seq)
	wantCode(t, err, "forbidden")
	_, err = subC.Pin(bg, pub.ID, seq)
	wantCode(t, err, "forbidden")
	_, err = subC.Members(bg, pub.ID, 0, 0)
	wantCode(t, err, "forbidden")
	_, err = subC.CreateInvite(bg, pub.ID, client.InviteRequest{})
	wantCode(t, err, "forbidden")
	_, err = subC.AdminLog(bg, pub.ID, 0)
	wantCode(t, err, "forbidden")
	_, err = subC.UpdateChat(bg, pub.ID, client.ChatUpdate{Title: ptr("mine")})
	wantCode(t, err, "forbidden")
	st, err := subC.React(bg, pub.ID, seq, "🔥")
	must(t, err)
	if len(st.Reactions) != 1 || st.Reactions[0].Count != 1 || !st.Reactions[0].Mine {
		t.Fatalf("reaction: %+v", st)
	}
	_, err = subC.React(bg, pub.ID, seq, "not an emoji")
	wantCode(t, err, "invalid_argument")

	// An admin with only the pin right pins, and does nothing else.
	_, err = adminC.Pin(bg, pub.ID, seq)
	must(t, err)
	_, err = adminC.Send(bg, pub.ID, client.SendRequest{Text: "admin post"})
	wantCode(t, err, "forbidden")
	_, err = adminC.Delete(bg, pub.ID, seq)
	wantCode(t, err, "forbidden")
	_, err = adminC.SetAdmin(bg, pub.ID, sub.ID, []string{"pin"})
	wantCode(t, err, "forbidden")
	// The owner gives the admin the right to post; their posts are signed
	// once signatures are on.
	_, err = owner.SetAdmin(bg, pub.ID, admin.ID, []string{"post", "pin"})
	must(t, err)
	p1, err := adminC.Send(bg, pub.ID, client.SendRequest{Text: "unsigned"})
	must(t, err)
	_, err = owner.UpdateChat(bg, pub.ID, client.ChatUpdate{Signatures: ptr(true)})
	must(t, err)
	p2, err := adminC.Send(bg, pub.ID, client.SendRequest{Text: "signed"})
	must(t, err)
	if p1.Event.ActorID != 0 || p2.Event.ActorID != admin.ID {
		t.Fatalf("signatures: unsigned actor %d, signed actor %d", p1.Event.ActorID, p2.Event.ActorID)
	}

	// A stranger sees a public channel from outside, and reads it…
	got, err := stranger.Chat(bg, pub.ID)
	must(t, err)
	if got.Joined || got.Title != "Public" || got.Role != "" {
		t.Fatalf("stranger's preview: %+v", got)
	}
	hist, err := stranger.History(bg, pub.ID, client.HistoryQuery{})
	must(t, err)
	if len(hist) == 0 {
		t.Fatal("a stranger cannot read a public channel")
	}
	// …but cannot post, react or see subscribers.
	_, err = stranger.Send(bg, pub.ID, client.SendRequest{Text: "hi"})
	wantCode(t, err, "not_found")
	_, err = stranger.React(bg, pub.ID, seq, "👍")
	wantCode(t, err, "forbidden")
	_, err = stranger.Members(bg, pub.ID, 0, 0)
	wantCode(t, err, "not_found")
	// A private channel does not exist for a stranger.
	_, err = stranger.Chat(bg, priv.ID)
	wantCode(t, err, "not_found")
	_, err = stranger.History(bg, priv.ID, client.HistoryQuery{})
	wantCode(t, err, "not_found")
	_, err = stranger.Join(bg, priv.ID)
	wantCode(t, err, "not_found")
	_, err = stranger.Stats(bg, priv.ID, []int64{1}, true)
	wantCode(t, err, "not_found")

	// A banned subscriber hears of the ban, then nothing more, and cannot
	// come back until unbanned.
	s, _ := connect(t, subC, nil)
	must(t, owner.Ban(bg, pub.ID, sub.ID, time.Time{}))
	ev := nextEvent(t, s, nil)
	if ev.Type != client.EventMemberRemoved || ev.ForUser != sub.ID || ev.Seq != 0 {
		t.Fatalf("ban event: %+v", ev)
	}
	_, err = owner.Send(bg, pub.ID, client.SendRequest{Text: "after the ban"})
	must(t, err)
	_, err = subC.Join(bg, pub.ID)
	wantCode(t, err, "not_found")
	_, err = subC.History(bg, pub.ID, client.HistoryQuery{})
	wantCode(t, err, "not_found")
	select {
	case f := <-s.Frames():
		if f.Type == client.FrameEvent {
			t.Fatalf("a banned subscriber got %+v", f.Event)
		}
	case <-time.After(300 * time.Millisecond):
	}
	must(t, owner.Unban(bg, pub.ID, sub.ID))
	_, err = subC.Join(bg, pub.ID)
	must(t, err)

	// The admin log tells what happened, to admins.
	log, err := owner.AdminLog(bg, pub.ID, 0)
	must(t, err)
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action)
	}
	for _, want := range []string{"role", "pin", "info", "ban", "unban"} {
		if !slices.Contains(actions, want) {
			t.Fatalf("admin log %v lacks %q", actions, want)
		}
	}
}

// TestGroupRights: per-member rights in a group — restrictions, slow mode,
// invite links with limits and approval, join requests.
func TestGroupRights(t *testing.T) {
	srv := startServer(t, t.TempDir())
	url := srv.URL
	owner, _ := newUser(t, url, "gr_owner")
	memC, mem := newUser(t, url, "gr_member")
	j1, _ := newUser(t, url, "gr_joiner1")
	j2, j2u := newUser(t, url, "gr_joiner2")
	j3, j3u := newUser(t, url, "gr_joiner3")

	g, err := owner.CreateGroup(bg, "Big group", []int64{mem.ID})
	must(t, err)
	_, err = memC.Send(bg, g.ID, client.SendRequest{Text: "hi"})
	must(t, err)

	// Restricted from posting, for a while: refused until lifted.
	_, err = owner.Restrict(bg, g.ID, mem.ID, []string{"post"}, time.Now().Add(time.Hour))
	must(t, err)
	_, err = memC.Send(bg, g.ID, client.SendRequest{Text: "still here?"})
	wantCode(t, err, "forbidden")
	_, err = memC.Restrict(bg, g.ID, mem.ID, nil, time.Time{})
	wantCode(t, err, "forbidden")
	_, err = owner.Restrict(bg, g.ID, mem.ID, []string{}, time.Time{})
	must(t, err)
	_, err = memC.Send(bg, g.ID, client.SendRequest{Text: "back"})
	must(t, err)
	// A restriction that has run out does not hold.
	_, err = owner.Restrict(bg, g.ID, mem.ID, []string{"post"}, time.Now().Add(300*time.Millisecond))
	must(t, err)
	time.Sleep(400 * time.Millisecond)
	_, err = memC.Send(bg, g.ID, client.SendRequest{Text: "free again"})
	must(t, err)

	// Slow mode: a member waits between messages; the owner does not.
	_, err = owner.UpdateChat(bg, g.ID, client.ChatUpdate{SlowMode: ptr(60)})
	must(t, err)
	_, err = memC.Send(bg, g.ID, client.SendRequest{Text: "one"})
	must(t, err)
	_, err = memC.Send(bg, g.ID, client.SendRequest{Text: "two"})
	wantCode(t, err, "rate_limited")
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.RetryAfter <= 0 {
		t.Fatalf("slow mode without retry_after: %v", err)
	}
	for i := range 2 {
		_, err = owner.Send(bg, g.ID, client.SendRequest{Text: fmt.Sprint("owner ", i)})
		must(t, err)
	}

	// A link for one use admits one person.
	inv, err := owner.CreateInvite(bg, g.ID, client.InviteRequest{Name: "once", UsageLimit: 1})
	must(t, err)
	if _, err := j1.JoinByInvite(bg, inv.Code); err != nil {
		t.Fatal(err)
	}
	_, err = j2.JoinByInvite(bg, inv.Code)
	wantCode(t, err, "not_found")
	_, err = j2.JoinByInvite(bg, "no-such-link")
	wantCode(t, err, "not_found")
	// A link that needs approval files a request.
	inv2, err := owner.CreateInvite(bg, g.ID, client.InviteRequest{NeedsApproval: true, ExpiresIn: 3600})
	must(t, err)
	for _, c := range []*client.Client{j2, j3} {
		res, err := c.JoinByInvite(bg, inv2.Code)
		must(t, err)
		if !res.Pending {
			t.Fatal("a link needing approval joined at once")
		}
	}
	_, err = j2.History(bg, g.ID, client.HistoryQuery{})
	wantCode(t, err, "not_found")
	must(t, owner.DecideJoinRequest(bg, g.ID, j2u.ID, true))
	must(t, owner.DecideJoinRequest(bg, g.ID, j3u.ID, false))
	if _, err := j2.History(bg, g.ID, client.HistoryQuery{}); err != nil {
		t.Fatalf("approved joiner: %v", err)
	}
	_, err = j3.History(bg, g.ID, client.HistoryQuery{})
	wantCode(t, err, "not_found")
	err = owner.DecideJoinRequest(bg, g.ID, j3u.ID, true)
	wantCode(t, err, "not_found")

	// The members list shows the restriction and the admin's rights.
	_, err = owner.SetAdmin(bg, g.ID, j2u.ID, []string{"ban", "pin"})
	must(t, err)
	ms, err := owner.Members(bg, g.ID, 0, 0)
	must(t, err)
	for _, m := range ms {
		if m.UserID == j2u.ID && !slices.Equal(m.Rights, []string{"pin", "ban"}) {
			t.Fatalf("admin's rights: %+v", m)
		}
	}
	// An admin with the ban right removes a member but not the owner.
	_, err = j2.RemoveMember(bg, g.ID, mem.ID)
	must(t, err)
}

// TestDirectoryAndPublicSearch: users and public channels are found by
// @username and by the words of their names, in Persian too; private
// channels and their posts are not.
func TestDirectoryAndPublicSearch(t *testing.T) {
	srv := startServer(t, t.TempDir())
	url := srv.URL
	owner, _ := newUser(t, url, "dir_owner")
	seeker, _ := newUser(t, url, "dir_seeker")
	pub, err := owner.CreateChannel(bg, client.ChannelRequest{Title: "اخبار ورزشی", Username: "varzesh_news"})
	must(t, err)
	priv, err := owner.CreateChannel(bg, client.ChannelRequest{Title: "اخبار خصوصی"})
	must(t, err)
	_, err = owner.Send(bg, pub.ID, client.SendRequest{Text: "پیروزی تیم ملی در فینال"})
	must(t, err)
	_, err = owner.Send(bg, priv.ID, client.SendRequest{Text: "پیروزی پنهان"})
	must(t, err)

	for _, q := range []string{"@varzesh", "VARZESH_n", "ورزش", "اخبار ورزشي"} {
		d, err := seeker.SearchDirectory(bg, q, 10)
		must(t, err)
		if len(d.Chats) != 1 || d.Chats[0].ID != pub.ID {
			t.Fatalf("directory %q: %+v", q, d.Chats)
		}
	}
	d, err := seeker.SearchDirectory(bg, "dir_own", 10)
	must(t, err)
	if len(d.Users) != 1 || d.Users[0].Username != "dir_owner" {
		t.Fatalf("directory users: %+v", d.Users)
	}
	res, err := seeker.SearchPublic(bg, client.SearchQuery{Query: "پيروزي"})
	must(t, err)
	if len(res.Messages) != 1 || res.Messages[0].ChatID != pub.ID {
		t.Fatalf("public search: %+v", res.Messages)
	}
	for _, q := range []string{"", "!!!"} {
		_, err := seeker.SearchDirectory(bg, q, 10)
		wantCode(t, err, "invalid_argument")
	}
	_, err = seeker.SearchDirectory(bg, "x", 51)
	wantCode(t, err, "invalid_argument")
}

func ptr[T any](v T) *T { return &v }

// TestChannelDiscussion: a channel's posts are copied into its linked
// discussion group, where subscribers comment by replying; a resent post
// is copied once.
func TestChannelDiscussion(t *testing.T) {
	srv := startServer(t, t.TempDir())
	owner, _ := newUser(t, srv.URL, "disc_owner")
	readerC, _ := newUser(t, srv.URL, "disc_reader")
	strangerC, _ := newUser(t, srv.URL, "disc_stranger")
	ch, err := owner.CreateChannel(bg, client.ChannelRequest{Title: "Talks", Username: "disc_talks"})
	must(t, err)
	g, err := owner.CreateGroup(bg, "Talks chat", nil)
	must(t, err)
	_, err = owner.UpdateChat(bg, g.ID, client.ChatUpdate{Username: ptr("disc_talks_chat")})
	must(t, err)
	// Only a group one administers can be linked.
	other, err := strangerC.CreateGroup(bg, "not yours", nil)
	must(t, err)
	_, err = owner.UpdateChat(bg, ch.ID, client.ChatUpdate{LinkedChatID: ptr(other.ID)})
	wantCode(t, err, "invalid_argument")
	c, err := owner.UpdateChat(bg, ch.ID, client.ChatUpdate{LinkedChatID: ptr(g.ID)})
	must(t, err)
	if c.LinkedChatID != g.ID {
		t.Fatalf("linked chat %d, want %d", c.LinkedChatID, g.ID)
	}
	var post *client.SendResult
	for range 2 { // the second send is a resend: no second copy
		post, err = owner.Send(bg, ch.ID, client.SendRequest{ClientID: "post-1", Text: "What do you think?"})
		must(t, err)
	}
	_, err = readerC.Join(bg, ch.ID)
	must(t, err)
	_, err = readerC.Join(bg, g.ID)
	must(t, err)
	hist, err := readerC.History(bg, g.ID, client.HistoryQuery{})
	must(t, err)
	var copies []client.Event
	for _, e := range hist {
		if e.Type == client.EventMessage && e.Forward != nil && e.Forward.ChatID == ch.ID {
			copies = append(copies, e)
		}
	}
	if len(copies) != 1 || copies[0].Text != "What do you think?" || copies[0].Forward.Seq != post.Event.Seq {
		t.Fatalf("copies in the discussion group: %+v", copies)
	}
	_, err = readerC.Send(bg, g.ID, client.SendRequest{Text: "I agree", ReplyTo: copies[0].Seq})
	must(t, err)
}

// TestChannelOwnerLive: the creator's open socket follows a channel made
// after it connected, though the channel's events do not name its creator.
func TestChannelOwnerLive(t *testing.T) {
	srv := startServer(t, t.TempDir())
	owner, me := newUser(t, srv.URL, "live_owner")
	s, _ := connect(t, owner, nil)
	ch, err := owner.CreateChannel(bg, client.ChannelRequest{Title: "Live"})
	must(t, err)
	ev := nextEvent(t, s, nil)
	if ev.Type != client.EventMemberAdded || ev.ForUser != me.ID || ev.Role != "owner" {
		t.Fatalf("first event %+v: want the creator's private member_added", ev)
	}
	ev = nextEvent(t, s, nil)
	if ev.Type != client.EventChatCreated || ev.ActorID != 0 || ev.Seq != 1 {
		t.Fatalf("second event %+v: want an anonymous chat_created", ev)
	}
	p, err := owner.Send(bg, ch.ID, client.SendRequest{Text: "on air"})
	must(t, err)
	if ev := nextEvent(t, s, nil); ev.Text != "on air" || ev.ActorID != 0 {
		t.Fatalf("the creator's socket got %+v", ev)
	}
	_, err = owner.Pin(bg, ch.ID, p.Event.Seq)
	must(t, err)
	if ev := nextEvent(t, s, nil); ev.Type != client.EventPinned || ev.Target != p.Event.Seq {
		t.Fatalf("the creator's socket got %+v", ev)
	}
}
