package main

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/chapar/chapar/client"
)

// Cluster tests run chapar nodes on the real PostgreSQL and NATS of this
// machine (127.0.0.1:5432 and :4222), each test with its own database and
// its own NATS subjects. CHAPAR_TEST_POSTGRES_DSN and CHAPAR_TEST_NATS_URL
// point elsewhere; CHAPAR_TEST_POSTGRES=off skips them (on a machine
// without the services) — otherwise a missing service is a failure.

type clusterEnv struct {
	dsn, nats, name string
}

func newClusterEnv(t testing.TB) clusterEnv {
	t.Helper()
	if os.Getenv("CHAPAR_TEST_POSTGRES") == "off" {
		t.Skip("CHAPAR_TEST_POSTGRES=off: cluster tests need PostgreSQL and NATS")
	}
	base := os.Getenv("CHAPAR_TEST_POSTGRES_DSN")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	natsURL := os.Getenv("CHAPAR_TEST_NATS_URL")
	if natsURL == "" {
		natsURL = "nats://127.0.0.1:4222"
	}
	var b [6]byte
	crand.Read(b[:])
	name := "chapar_c_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("PostgreSQL (%s): %v", base, err)
	}
	defer conn.Close(bg)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(bg, 20*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, base); err == nil {
			c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(ctx)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return clusterEnv{dsn: u.String(), nats: natsURL, name: "t" + hex.EncodeToString(b[:])}
}

// startNode runs one in-process node of the cluster.
func (e clusterEnv) startNode(t testing.TB) *testServer {
	t.Helper()
	return e.startNodeWith(t, nil)
}

// startNodeWith runs a node whose settings set changes.
func (e clusterEnv) startNodeWith(t testing.TB, set func(*serveConfig)) *testServer {
	t.Helper()
	cfg := defaultServeConfig()
	cfg.Addr, cfg.Data, cfg.TurnAddr, cfg.TurnPublicIP = "127.0.0.1:0", t.TempDir(), "127.0.0.1:0", "127.0.0.1"
	cfg.Database, cfg.NATS, cfg.Cluster = e.dsn, e.nats, e.name
	if set != nil {
		set(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	s := &testServer{cancel: cancel, done: make(chan error, 1), log: &logBuffer{}}
	log := slog.New(slog.NewTextHandler(io.MultiWriter(s.log), &slog.HandlerOptions{Level: slog.LevelWarn}))
	go func() { s.done <- serve(ctx, cfg, log, ready) }()
	select {
	case addr := <-ready:
		s.URL = "http://" + addr
	case err := <-s.done:
		t.Fatalf("node did not start: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("node did not start in 20s")
	}
	t.Cleanup(s.stop)
	return s
}

// onNodes gives a signed-in user one client per node (same session).
func onNodes(c *client.Client, urls []string) []*client.Client {
	out := make([]*client.Client, len(urls))
	for i, u := range urls {
		out[i] = client.New(u, client.WithToken(c.Token()))
	}
	return out
}

// TestClusterOneOrder: three nodes; six members of one group, two on each
// node, all send into the group at once. Every seq is used once with no
// gap, and every member — whichever node they are on — sees the same
// events in the same order, live.
func TestClusterOneOrder(t *testing.T) {
	env := newClusterEnv(t)
	nodes := []*testServer{env.startNode(t), env.startNode(t), env.startNode(t)}
	const members, each = 6, 40
	var cs []*client.Client
	var ids []int64
	for i := range members {
		c, u := newUser(t, nodes[i%3].URL, fmt.Sprintf("member%d", i))
		cs, ids = append(cs, c), append(ids, u.ID)
	}
	chat, err := cs[0].CreateGroup(bg, "everyone", ids[1:])
	if err != nil {
		t.Fatal(err)
	}
	streams := make([]*client.Stream, members)
	for i, c := range cs {
		streams[i], _ = connect(t, c, nil)
		defer streams[i].Close()
	}

	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range each {
				if _, err := c.Send(bg, chat.ID, client.SendRequest{ClientID: fmt.Sprint("m", i, "-", n), Text: fmt.Sprint(i, ":", n)}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	// Each member's live stream: the messages in seq order, gap-free.
	var first []string
	for i, s := range streams {
		var got []string
		var last int64
		deadline := time.After(20 * time.Second)
		for len(got) < members*each {
			select {
			case f := <-s.Frames():
				if f.Type != client.FrameEvent || f.Event.ChatID != chat.ID {
					continue
				}
				if f.Event.Seq <= last {
					t.Fatalf("member %d: seq %d after %d", i, f.Event.Seq, last)
				}
				if last != 0 && f.Event.Seq != last+1 {
					t.Fatalf("member %d: gap, seq %d after %d", i, f.Event.Seq, last)
				}
				last = f.Event.Seq
				if f.Event.Type == client.EventMessage {
					got = append(got, f.Event.ClientID)
				}
			case <-deadline:
				t.Fatalf("member %d (node %d) got %d of %d messages", i, i%3, len(got), members*each)
			}
		}
		if first == nil {
			first = got
			continue
		}
		for k := range got {
			if got[k] != first[k] {
				t.Fatalf("member %d sees %s at %d, member 0 sees %s", i, got[k], k, first[k])
			}
		}
	}
	all, err := cs[0].History(bg, chat.ID, client.HistoryQuery{FromStart: true, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range all {
		if e.Seq != int64(i)+1 {
			t.Fatalf("history: seq %d at %d", e.Seq, i)
		}
	}
}

// TestClusterIdempotentAcrossNodes: the same client id sent through two
// nodes at once makes one message; both answers carry it.
func TestClusterIdempotentAcrossNodes(t *testing.T) {
	env := newClusterEnv(t)
	a, b := env.startNode(t), env.startNode(t)
	ca, _ := newUser(t, a.URL, "idem_alice")
	_, bob := newUser(t, a.URL, "idem_bob")
	chat, err := ca.CreateDirect(bg, bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	both := onNodes(ca, []string{a.URL, b.URL})
	for round := range 20 {
		cid := fmt.Sprint("same-", round)
		res := make([]*client.SendResult, 2)
		var wg sync.WaitGroup
		for i, c := range both {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := c.Send(bg, chat.ID, client.SendRequest{ClientID: cid, Text: cid})
				if err != nil {
					t.Error(err)
				}
				res[i] = r
			}()
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		if res[0].Event.Seq != res[1].Event.Seq || res[0].Duplicate == res[1].Duplicate {
			t.Fatalf("round %d: %+v / %+v", round, res[0], res[1])
		}
	}
	msgs, err := ca.History(bg, chat.ID, client.HistoryQuery{FromStart: true, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if m.Type == client.EventMessage {
			n++
		}
	}
	if n != 20 {
		t.Fatalf("%d messages stored for 20 client ids", n)
	}
}

// TestClusterNodeKilledUnderLoad is the crash test on a cluster: three
// nodes of the real binary; senders and receivers spread over them; nodes
// are killed with SIGKILL at random moments and restarted, and the clients
// of a killed node move to another one and resume. Every acked message is
// stored once, in a gap-free order, and every receiver gets each once.
func TestClusterNodeKilledUnderLoad(t *testing.T) {
	env := newClusterEnv(t)
	bin := buildBinary(t)
	procs := make([]*proc, 3)
	urls := make([]string, 3)
	for i := range procs {
		procs[i] = &proc{bin: bin, data: t.TempDir(), addr: freeAddr(t),
			args: []string{"-database", env.dsn, "-nats", env.nats, "-cluster", env.name}}
		procs[i].start(t)
		t.Cleanup(procs[i].kill)
		urls[i] = "http://" + procs[i].addr
	}

	const pairs = 3
	var senders, receivers [][]*client.Client
	var chats []int64
	var first []*client.Client
	for i := range pairs {
		// Sender i starts on node i, its receiver on the next node.
		s, _ := newUser(t, urls[i], fmt.Sprintf("sender%d", i))
		r, rU := newUser(t, urls[(i+1)%3], fmt.Sprintf("receiver%d", i))
		c, err := s.CreateDirect(bg, rU.ID)
		if err != nil {
			t.Fatal(err)
		}
		rot := func(c *client.Client, k int) []*client.Client {
			all := onNodes(c, urls)
			return append(all[k:], all[:k]...)
		}
		senders = append(senders, rot(s, i))
		receivers = append(receivers, rot(r, (i+1)%3))
		first = append(first, s)
		chats = append(chats, c.ID)
	}

	// Receivers start first, so they must see every message sent.
	got := make([]*receiverLog, pairs)
	rctx, stopReceivers := context.WithCancel(bg)
	var waits []func()
	for i := range pairs {
		got[i] = &receiverLog{}
		waits = append(waits, got[i].follow(rctx, receivers[i]))
	}
	ctx, stop := context.WithCancel(bg)
	var wg sync.WaitGroup
	acked := make([][]client.Event, pairs)
	for i := range pairs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			acked[i] = sendUntilStopped(ctx, senders[i], chats[i], fmt.Sprintf("s%d-", i))
		}()
	}

	const kills = 6
	for k := range kills {
		time.Sleep(time.Duration(300+rand.IntN(500)) * time.Millisecond)
		p := procs[k%3]
		p.kill()
		time.Sleep(200 * time.Millisecond) // its clients move to other nodes meanwhile
		p.start(t)
	}
	time.Sleep(300 * time.Millisecond)
	stop()
	wg.Wait()

	total := checkDelivered(t, first, chats, acked, got, func() {
		stopReceivers()
		for _, wait := range waits {
			wait()
		}
	})
	t.Logf("%d node kills, %d messages acked, every one stored once and delivered once", kills, total)
}

// TestClusterPresence: a user connected to two nodes stays online while
// either connection lasts; their contacts are told they went offline only
// when the last one, on whichever node, closes.
func TestClusterPresence(t *testing.T) {
	env := newClusterEnv(t)
	a, b := env.startNode(t), env.startNode(t)
	ca, _ := newUser(t, a.URL, "pres_alice")
	cb, bob := newUser(t, a.URL, "pres_bob")
	if _, err := ca.CreateDirect(bg, bob.ID); err != nil {
		t.Fatal(err)
	}
	watch, _ := connect(t, ca, nil)
	defer watch.Close()
	next := func(within time.Duration) *client.Frame {
		t.Helper()
		deadline := time.After(within)
		for {
			select {
			case f := <-watch.Frames():
				if f.Type == client.FramePresence && f.UserID == bob.ID {
					return &f
				}
			case <-deadline:
				return nil
			}
		}
	}
	bobs := onNodes(cb, []string{a.URL, b.URL})
	onA, _ := connect(t, bobs[0], nil)
	if f := next(10 * time.Second); f == nil || !f.Online {
		t.Fatalf("bob connecting on node A: %+v", f)
	}
	onB, _ := connect(t, bobs[1], nil)
	next(2 * time.Second) // node B may say so too
	onA.Close()
	if f := next(2 * time.Second); f != nil && !f.Online {
		t.Fatal("bob was announced offline while still connected to node B")
	}
	u, err := ca.User(bg, bob.ID) // asked of node A, which holds none of bob's connections
	if err != nil || !u.Online {
		t.Fatalf("node A says bob is offline while he is on node B: %+v %v", u, err)
	}
	onB.Close()
	if f := next(10 * time.Second); f == nil || f.Online {
		t.Fatalf("bob leaving his last node: %+v", f)
	}
	if u, err := ca.User(bg, bob.ID); err != nil || u.Online {
		t.Fatalf("bob after leaving every node: %+v %v", u, err)
	}
}

// TestClusterSlowClient: the slow-client check of one node, on three: a
// client that stops reading is cut off with 4008 by its node while members
// on the other nodes keep sending, and it resyncs everything on another
// node.
func TestClusterSlowClient(t *testing.T) {
	env := newClusterEnv(t)
	testSlowClient(t, []string{env.startNode(t).URL, env.startNode(t).URL, env.startNode(t).URL}, false)
}
