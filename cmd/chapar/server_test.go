package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chapar/chapar/client"
)

// testServer is the real server, in-process, on a loopback port.
type testServer struct {
	URL    string
	data   string
	cancel context.CancelFunc
	done   chan error
	log    *logBuffer
}

// logBuffer keeps what the server logs, for tests that read it (the
// default SMS sender logs one-time codes).
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// smsCode returns the last one-time code logged for phone.
func (s *testServer) smsCode(t testing.TB, phone string) string {
	t.Helper()
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	code := ""
	for _, line := range strings.Split(s.log.buf.String(), "\n") {
		if strings.Contains(line, "msg=\"sms code\"") && strings.Contains(line, "phone="+phone+" ") {
			if i := strings.Index(line, "code="); i >= 0 {
				code = strings.Fields(line[i+len("code="):])[0]
			}
		}
	}
	if code == "" {
		t.Fatalf("no code logged for %s", phone)
	}
	return code
}

// startServer runs serve() on 127.0.0.1:0 with data in dir.
func startServer(t testing.TB, dir string) *testServer {
	t.Helper()
	return startServerAt(t, dir, "127.0.0.1:0")
}

// startServerAt runs serve() on addr with data in dir.
func startServerAt(t testing.TB, dir, addr string) *testServer {
	t.Helper()
	cfg := defaultServeConfig()
	cfg.Addr, cfg.Data, cfg.TurnAddr, cfg.TurnPublicIP = addr, dir, "127.0.0.1:0", "127.0.0.1"
	cfg.WebhookAllow = "127.0.0.1/32" // the tests' webhook receivers
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	s := &testServer{data: dir, cancel: cancel, done: make(chan error, 1), log: &logBuffer{}}
	log := slog.New(slog.NewTextHandler(s.log, nil))
	go func() { s.done <- serve(ctx, cfg, log, ready) }()
	select {
	case addr := <-ready:
		s.URL = "http://" + addr
	case err := <-s.done:
		t.Fatalf("server did not start: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("server did not start in 10s")
	}
	t.Cleanup(s.stop)
	return s
}

// stop shuts the server down gracefully (idempotent).
func (s *testServer) stop() {
	if s.cancel == nil {
		return
	}
	s.cancel()
	<-s.done
	s.cancel = nil
}

var bg = context.Background()

// newUser registers a user with a fresh client.
func newUser(t testing.TB, url, name string) (*client.Client, client.User) {
	t.Helper()
	c := client.New(url)
	a, err := c.Register(bg, client.RegisterRequest{Username: name, Password: "password1", DisplayName: name})
	if err != nil {
		t.Fatalf("register %s: %v", name, err)
	}
	return c, a.User
}

// connect opens a stream and waits for it to be synced; it returns the
// stream and the events of the replay.
func connect(t *testing.T, c *client.Client, pos *int64) (*client.Stream, []client.Event) {
	t.Helper()
	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	s, err := c.Connect(ctx, pos)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	var replay []client.Event
	for {
		select {
		case f, ok := <-s.Frames():
			if !ok {
				t.Fatalf("stream closed before synced: %v", s.Err())
			}
			switch f.Type {
			case client.FrameEvent:
				replay = append(replay, *f.Event)
			case client.FrameSynced:
				return s, replay
			}
		case <-ctx.Done():
			t.Fatal("no synced frame in 10s")
		}
	}
}

// nextEvent waits for the next event frame matching keep.
func nextEvent(t *testing.T, s *client.Stream, keep func(client.Event) bool) client.Event {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case f, ok := <-s.Frames():
			if !ok {
				t.Fatalf("stream closed: %v", s.Err())
			}
			if f.Type == client.FrameEvent && (keep == nil || keep(*f.Event)) {
				return *f.Event
			}
		case <-timeout:
			t.Fatal("no event in 10s")
		}
	}
}

// nextFrame waits for the next frame of the given type.
func nextFrame(t *testing.T, s *client.Stream, typ string) client.Frame {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case f, ok := <-s.Frames():
			if !ok {
				t.Fatalf("stream closed waiting for %s: %v", typ, s.Err())
			}
			if f.Type == typ {
				return f
			}
		case <-timeout:
			t.Fatalf("no %s frame in 10s", typ)
		}
	}
}

func isMessage(text string) func(client.Event) bool {
	return func(e client.Event) bool { return e.Type == client.EventMessage && e.Text == text }
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if !client.IsCode(err, code) {
		t.Fatalf("got %v, want %s", err, code)
	}
}

func TestDirectChatLive(t *testing.T) {
	srv := startServer(t, t.TempDir())
	alice, _ := newUser(t, srv.URL, "alice")
	bob, bobU := newUser(t, srv.URL, "bobby")
	bs, _ := connect(t, bob, nil)
	as, _ := connect(t, alice, nil)

	found, err := alice.UserByUsername(bg, "@BOBBY")
	if err != nil || found.ID != bobU.ID {
		t.Fatalf("lookup: %+v %v", found, err)
	}
	chat, err := alice.CreateDirect(bg, bobU.ID)
	if err != nil || chat.Type != client.ChatDirect || chat.PeerID != bobU.ID {
		t.Fatalf("create direct: %+v %v", chat, err)
	}
	res, err := as.Send(bg, chat.ID, client.SendRequest{ClientID: "m1", Text: "سلام bob"})
	if err != nil || res.Duplicate || res.Event.Seq == 0 {
		t.Fatalf("send: %+v %v", res, err)
	}
	got := nextEvent(t, bs, isMessage("سلام bob"))
	if got.Seq != res.Event.Seq || got.Pos != res.Event.Pos || got.ChatID != chat.ID {
		t.Fatalf("bob got %+v, ack was %+v", got, res.Event)
	}
	// The same client id again: the same message, marked duplicate.
	again, err := as.Send(bg, chat.ID, client.SendRequest{ClientID: "m1", Text: "سلام bob"})
	if err != nil || !again.Duplicate || again.Event.Seq != res.Event.Seq {
		t.Fatalf("resend: %+v %v", again, err)
	}
	// Reply, edit, delete and read all reach bob live.
	reply, err := bob.Send(bg, chat.ID, client.SendRequest{ClientID: "r1", Text: "hi!", ReplyTo: res.Event.Seq})
	if err != nil || reply.Event.ReplyTo != res.Event.Seq {
		t.Fatalf("reply: %+v %v", reply, err)
	}
	if _, err := alice.Edit(bg, chat.ID, res.Event.Seq, "salam bob"); err != nil {
		t.Fatal(err)
	}
	ed := nextEvent(t, bs, func(e client.Event) bool { return e.Type == client.EventEdit })
	if ed.Target != res.Event.Seq || ed.Text != "salam bob" {
		t.Fatalf("edit event: %+v", ed)
	}
	if _, err := bs.MarkRead(bg, chat.ID, reply.Event.Seq); err != nil {
		t.Fatal(err)
	}
	rd := nextEvent(t, as, func(e client.Event) bool { return e.Type == client.EventRead })
	if rd.ActorID != bobU.ID || rd.Target != reply.Event.Seq {
		t.Fatalf("read event: %+v", rd)
	}
	if err := bs.Typing(bg, chat.ID); err != nil {
		t.Fatal(err)
	}
	if f := nextFrame(t, as, client.FrameTyping); f.UserID != bobU.ID || f.ChatID != chat.ID {
		t.Fatalf("typing: %+v", f)
	}
	if _, err := alice.Delete(bg, chat.ID, res.Event.Seq); err != nil {
		t.Fatal(err)
	}
	del := nextEvent(t, bs, func(e client.Event) bool { return e.Type == client.EventDelete })
	if del.Target != res.Event.Seq {
		t.Fatalf("delete event: %+v", del)
	}
	hist, err := bob.History(bg, chat.ID, client.HistoryQuery{})
	// chat_created, member_added, the deleted message, the reply.
	if err != nil || len(hist) != 4 || !hist[2].Deleted || hist[2].Text != "" || hist[3].Text != "hi!" {
		t.Fatalf("history: %+v %v", hist, err)
	}
	list, err := alice.Chats(bg)
	if err != nil || len(list) != 1 || list[0].Unread != 1 || list[0].PeerReadSeq != reply.Event.Seq {
		t.Fatalf("alice's chats: %+v %v", list, err)
	}
	// Presence: bob is online while his socket is open.
	if u, _ := alice.User(bg, bobU.ID); !u.Online {
		t.Fatalf("bob should be online: %+v", u)
	}
}

func TestResumeAfterDisconnect(t *testing.T) {
	srv := startServer(t, t.TempDir())
	alice, _ := newUser(t, srv.URL, "alice")
	bob, bobU := newUser(t, srv.URL, "bobby")
	chat, _ := alice.CreateDirect(bg, bobU.ID)
	bs, _ := connect(t, bob, nil)
	first, _ := alice.Send(bg, chat.ID, client.SendRequest{ClientID: "0", Text: "before"})
	ev := nextEvent(t, bs, isMessage("before"))
	pos := ev.Pos
	bs.Close()
	for i := 1; i <= 700; i++ { // several replay pages
		if _, err := alice.Send(bg, chat.ID, client.SendRequest{ClientID: fmt.Sprint(i), Text: fmt.Sprint("m", i)}); err != nil {
			t.Fatal(err)
		}
	}
	_, replay := connect(t, bob, &pos)
	if len(replay) != 700 {
		t.Fatalf("replay has %d events, want 700", len(replay))
	}
	for i, e := range replay {
		if e.Seq != first.Event.Seq+int64(i)+1 || e.Text != fmt.Sprint("m", i+1) {
			t.Fatalf("replay[%d] = %+v", i, e)
		}
	}
	// Long poll from the same position sees the same events.
	up, err := bob.Updates(bg, &pos, time.Second, 1000)
	if err != nil || len(up.Updates) != 700 || up.Pos != replay[699].Pos {
		t.Fatalf("long poll: %d updates, pos %d, %v", len(up.Updates), up.Pos, err)
	}
	// And a long poll at the head waits for the next one.
	head := up.Pos
	go func() {
		time.Sleep(200 * time.Millisecond)
		alice.Send(bg, chat.ID, client.SendRequest{ClientID: "late", Text: "late"})
	}()
	up, err = bob.Updates(bg, &head, 10*time.Second, 10)
	if err != nil || len(up.Updates) != 1 || up.Updates[0].Text != "late" {
		t.Fatalf("waiting long poll: %+v %v", up, err)
	}
}

func TestGroupOfThree(t *testing.T) {
	srv := startServer(t, t.TempDir())
	a, _ := newUser(t, srv.URL, "alice")
	b, bU := newUser(t, srv.URL, "bobby")
	c, cU := newUser(t, srv.URL, "carol")
	bs, _ := connect(t, b, nil)
	cs, _ := connect(t, c, nil)
	g, err := a.CreateGroup(bg, "سه نفر", []int64{bU.ID})
	if err != nil || g.MembersCount != 2 {
		t.Fatalf("group: %+v %v", g, err)
	}
	if _, err := b.AddMembers(bg, g.ID, []int64{cU.ID}); err != nil {
		t.Fatal(err)
	}
	// Carol was subscribed live when she was added.
	added := nextEvent(t, cs, func(e client.Event) bool { return e.Type == client.EventMemberAdded })
	if added.Target != cU.ID {
		t.Fatalf("added: %+v", added)
	}
	a.Send(bg, g.ID, client.SendRequest{ClientID: "1", Text: "hello all"})
	nextEvent(t, bs, isMessage("hello all"))
	nextEvent(t, cs, isMessage("hello all"))
	// Carol cannot manage; alice (owner) removes her; she sees the removal and nothing after.
	_, err = c.SetTitle(bg, g.ID, "x")
	wantCode(t, err, "forbidden")
	if _, err := a.RemoveMember(bg, g.ID, cU.ID); err != nil {
		t.Fatal(err)
	}
	rm := nextEvent(t, cs, func(e client.Event) bool { return e.Type == client.EventMemberRemoved })
	if rm.Target != cU.ID {
		t.Fatalf("removed: %+v", rm)
	}
	a.Send(bg, g.ID, client.SendRequest{ClientID: "2", Text: "after carol"})
	nextEvent(t, bs, isMessage("after carol"))
	_, err = c.History(bg, g.ID, client.HistoryQuery{})
	wantCode(t, err, "not_found")
	_, err = c.Send(bg, g.ID, client.SendRequest{ClientID: "x", Text: "let me in"})
	wantCode(t, err, "not_found")
	// Nothing of the group reached carol after her removal.
	select {
	case f := <-cs.Frames():
		if f.Type == client.FrameEvent && f.Event.ChatID == g.ID {
			t.Fatalf("carol got %+v after removal", f.Event)
		}
	case <-time.After(300 * time.Millisecond):
	}
	members, err := b.Members(bg, g.ID, 0, 10)
	if err != nil || len(members) != 2 {
		t.Fatalf("members: %+v %v", members, err)
	}
}

func TestSessionsAndRevoke(t *testing.T) {
	srv := startServer(t, t.TempDir())
	a, aU := newUser(t, srv.URL, "alice")
	phone := client.New(srv.URL)
	if _, err := phone.Login(bg, client.LoginRequest{Username: "alice", Password: "password1", Device: "phone"}); err != nil {
		t.Fatal(err)
	}
	ps, _ := connect(t, phone, nil)
	list, err := a.Sessions(bg)
	if err != nil || len(list) != 2 {
		t.Fatalf("sessions: %+v %v", list, err)
	}
	var other client.Session
	for _, s := range list {
		if !s.Current {
			other = s
		}
	}
	if other.Device != "phone" {
		t.Fatalf("other session: %+v", other)
	}
	if err := a.RevokeSession(bg, other.ID); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ps.Done():
		if code := client.CloseCode(ps.Err()); code != 4003 {
			t.Fatalf("close code %d (%v)", code, ps.Err())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("revoked session's socket still open")
	}
	_, err = phone.Me(bg)
	wantCode(t, err, "unauthorized")
	if err := a.Logout(bg); err != nil {
		t.Fatal(err)
	}
	_, err = a.Me(bg)
	wantCode(t, err, "unauthorized")
	_ = aU
}

func TestRestartKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, dir)
	a, _ := newUser(t, srv.URL, "alice")
	_, bU := newUser(t, srv.URL, "bobby")
	chat, _ := a.CreateDirect(bg, bU.ID)
	var last client.Event
	for i := range 20 {
		r, err := a.Send(bg, chat.ID, client.SendRequest{ClientID: fmt.Sprint(i), Text: fmt.Sprint(i)})
		if err != nil {
			t.Fatal(err)
		}
		last = r.Event
	}
	token := a.Token()
	srv.stop()
	srv2 := startServer(t, dir)
	a2 := client.New(srv2.URL, client.WithToken(token))
	hist, err := a2.History(bg, chat.ID, client.HistoryQuery{Limit: 100})
	if err != nil || len(hist) != 22 || hist[21].Seq != last.Seq { // chat_created, member_added, 20 messages
		t.Fatalf("history after restart: %d %v", len(hist), err)
	}
	r, err := a2.Send(bg, chat.ID, client.SendRequest{ClientID: "after", Text: "after"})
	if err != nil || r.Event.Seq != last.Seq+1 || r.Event.Pos <= last.Pos {
		t.Fatalf("send after restart: %+v %v", r, err)
	}
	// A resend of a message from before the restart is still recognised.
	r, err = a2.Send(bg, chat.ID, client.SendRequest{ClientID: "19", Text: "19"})
	if err != nil || !r.Duplicate || r.Event.Seq != last.Seq {
		t.Fatalf("resend after restart: %+v %v", r, err)
	}
}
