package natsbus

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/chapar/chapar/internal/domain"
)

// These tests need a NATS server: nats://127.0.0.1:4222 unless
// CHAPAR_TEST_NATS_URL says otherwise. They fail if it is unreachable;
// CHAPAR_TEST_NATS=off skips them instead.

// wait is how long a test waits for something that should happen within
// milliseconds; it only bounds a hang, it measures nothing.
const wait = 30 * time.Second

func natsURL(t *testing.T) string {
	t.Helper()
	if os.Getenv("CHAPAR_TEST_NATS") == "off" {
		t.Skip("CHAPAR_TEST_NATS=off: skipping a test that needs a NATS server")
	}
	if u := os.Getenv("CHAPAR_TEST_NATS_URL"); u != "" {
		return u
	}
	return nats.DefaultURL
}

func connect(t *testing.T, u string, opts ...nats.Option) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(u, opts...)
	if err != nil {
		t.Fatalf("NATS at %s: %v (set CHAPAR_TEST_NATS=off to skip these tests)", u, err)
	}
	t.Cleanup(nc.Close)
	return nc
}

func randomPrefix() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "chapartest." + hex.EncodeToString(b)
}

// fakeDB is the database's part in miniature: a log where a commit takes
// the next positions, read back a page at a time. Like the PostgreSQL
// store, whose backfill lists only each member's newest read receipt, it
// can hide positions from Backfill: holes that will never be filled.
type fakeDB struct {
	mu     sync.Mutex
	log    []domain.Event // log[i].Pos == i+1
	hidden map[int64]bool
}

// commit appends n events; Backfill never lists those whose index in the
// batch is in hide.
func (d *fakeDB) commit(n int, text string, hide ...int) []domain.Event {
	d.mu.Lock()
	defer d.mu.Unlock()
	evs := make([]domain.Event, n)
	for i := range evs {
		pos := int64(len(d.log)) + 1
		evs[i] = domain.Event{Pos: pos, ChatID: pos % 7, Seq: pos, Type: domain.EvMessage, ActorID: 1, Date: time.Now(), Text: text}
		d.log = append(d.log, evs[i])
		if slices.Contains(hide, i) {
			if d.hidden == nil {
				d.hidden = map[int64]bool{}
			}
			d.hidden[pos] = true
		}
	}
	return evs
}

func (d *fakeDB) LastPos(context.Context) (int64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return int64(len(d.log)), nil
}

// Backfill returns at most 50 events, as a store reading with a limit
// would, so the bus has to ask again.
func (d *fakeDB) Backfill(_ context.Context, after, upto int64) ([]domain.Event, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []domain.Event
	for p := max(after, 0); p < min(upto, int64(len(d.log))) && len(out) < 50; p++ {
		if !d.hidden[p+1] {
			out = append(out, d.log[p])
		}
	}
	return out, nil
}

// visible lists the positions in (from, to] that are not hidden.
func (d *fakeDB) visible(from, to int64) []int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []int64
	for p := from + 1; p <= to; p++ {
		if !d.hidden[p] {
			out = append(out, p)
		}
	}
	return out
}

// recorder is a handler that keeps what it was given.
type recorder struct {
	mu   sync.Mutex
	pos  []int64
	sigs []domain.Signal
}

func (r *recorder) Events(evs []domain.Event) {
	r.mu.Lock()
	for i := range evs {
		r.pos = append(r.pos, evs[i].Pos)
	}
	r.mu.Unlock()
}

func (r *recorder) Signal(s domain.Signal) {
	r.mu.Lock()
	r.sigs = append(r.sigs, s)
	r.mu.Unlock()
}

func (r *recorder) events() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.pos)
}

func (r *recorder) signals() []domain.Signal {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.sigs)
}

// waitFor polls cond until it holds, failing the test after wait.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkRun fails unless got is exactly from..to, ascending.
func checkRun(t *testing.T, name string, got []int64, from, to int64) {
	t.Helper()
	if int64(len(got)) != to-from+1 {
		t.Errorf("%s: %d events, want %d (%d..%d)", name, len(got), to-from+1, from, to)
	}
	for i, p := range got {
		if p != from+int64(i) {
			t.Errorf("%s: event %d has pos %d, want %d", name, i, p, from+int64(i))
			return
		}
	}
}

// countMetrics counts what the bus reports.
type countMetrics struct {
	backfilled atomic.Int64
	dropped    atomic.Int64
}

func (m *countMetrics) Backfilled(n int) { m.backfilled.Add(int64(n)) }
func (m *countMetrics) Buffered(int)     {}
func (m *countMetrics) Dropped(n int)    { m.dropped.Add(int64(n)) }

type node struct {
	bus     *Bus
	nc      *nats.Conn
	rec     *recorder
	metrics *countMetrics
	start   int64
}

func newNode(t *testing.T, nc *nats.Conn, prefix string, db *fakeDB, opts ...Option) *node {
	t.Helper()
	start, _ := db.LastPos(context.Background())
	n := &node{nc: nc, rec: &recorder{}, metrics: &countMetrics{}, start: start}
	b, err := New(nc, prefix, db.Backfill, db.LastPos, start, append([]Option{WithMetrics(n.metrics)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	b.Subscribe(n.rec)
	t.Cleanup(func() { b.Close() })
	// The subscriptions are active on the server once a round trip is done.
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	n.bus = b
	return n
}

// Several nodes, each with several committing goroutines: every node
// delivers every position once, in order.
func TestNodesDeliverEverythingInOrder(t *testing.T) {
	u := natsURL(t)
	prefix, db := randomPrefix(), &fakeDB{}
	var nodes []*node
	for range 3 {
		nodes = append(nodes, newNode(t, connect(t, u), prefix, db))
	}
	var wg sync.WaitGroup
	for _, n := range nodes {
		for g := range 4 {
			wg.Go(func() {
				for i := range 250 {
					n.bus.Publish(db.commit(1+(g+i)%4, "hi"))
				}
			})
		}
	}
	wg.Wait()
	last, _ := db.LastPos(context.Background())
	for i, n := range nodes {
		waitFor(t, fmt.Sprintf("node %d to deliver %d events", i, last), func() bool { return int64(len(n.rec.events())) >= last })
	}
	for i, n := range nodes {
		n.bus.Close() // nothing more can arrive: now "exactly once" can be checked
		checkRun(t, fmt.Sprintf("node %d", i), n.rec.events(), 1, last)
	}
}

// Commits whose publication is lost (as if the node died between commit
// and publish), some of them holes the database never lists, a node that
// joins midway, and a lost tail: every node still delivers everything from
// its start, in order, from the database, and steps over the holes.
func TestLostPublicationsAreBackfilled(t *testing.T) {
	u := natsURL(t)
	prefix, db := randomPrefix(), &fakeDB{}
	opts := []Option{WithTick(200 * time.Millisecond)}
	nodes := []*node{newNode(t, connect(t, u), prefix, db, opts...), newNode(t, connect(t, u), prefix, db, opts...)}
	var lost atomic.Int64 // events only the database can deliver
	work := func(n *node, g int) {
		for i := range 150 {
			size := 1 + (g+i)%3
			switch i % 20 {
			case 3: // committed, never published
				db.commit(size, "lost")
				lost.Add(int64(size))
			case 13: // never published, and a hole in the database
				db.commit(size, "hole", 0, 1, 2)
			default:
				n.bus.Publish(db.commit(size, "hi"))
			}
		}
	}
	var wg sync.WaitGroup
	for _, n := range nodes {
		for g := range 3 {
			wg.Go(func() { work(n, g) })
		}
	}
	// A third node joins while the others are busy: it starts from the
	// database's position at that moment, as a restarting server would.
	waitFor(t, "some commits", func() bool { p, _ := db.LastPos(context.Background()); return p >= 200 })
	late := newNode(t, connect(t, u), prefix, db, opts...)
	nodes = append(nodes, late)
	for g := range 3 {
		wg.Go(func() { work(late, g) })
	}
	wg.Wait()
	// The lost tail: the last commit is never published and nothing
	// follows; its middle event is a hole.
	tail := db.commit(3, "tail", 1)
	lost.Add(2)
	last := tail[len(tail)-1].Pos

	for i, n := range nodes {
		want := db.visible(n.start, last)
		waitFor(t, fmt.Sprintf("node %d to deliver up to %d", i, last), func() bool {
			return len(n.rec.events()) >= len(want)
		})
	}
	for i, n := range nodes {
		n.bus.Close()
		if got, want := n.rec.events(), db.visible(n.start, last); !slices.Equal(got, want) {
			t.Errorf("node %d: delivered %d events, want the %d visible ones in %d..%d in order", i, len(got), len(want), n.start+1, last)
		}
	}
	// The first two nodes could get the unpublished events only from the
	// database.
	for i, n := range nodes[:2] {
		if got := n.metrics.backfilled.Load(); got < lost.Load() {
			t.Errorf("node %d backfilled %d events, but %d were never published", i, got, lost.Load())
		}
	}
}

// A signal reaches the handlers of every node once, the sender's included.
func TestSignalsReachEveryNodeOnce(t *testing.T) {
	u := natsURL(t)
	prefix, db := randomPrefix(), &fakeDB{}
	var nodes []*node
	for range 3 {
		nodes = append(nodes, newNode(t, connect(t, u), prefix, db))
	}
	seen := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	for i, n := range nodes {
		n.bus.Notify(domain.Signal{Kind: domain.SigPresence, ChatIDs: []int64{10, int64(i)}, UserID: int64(i + 1), Online: true, LastSeen: seen})
	}
	for i, n := range nodes {
		waitFor(t, fmt.Sprintf("node %d to get 3 signals", i), func() bool { return len(n.rec.signals()) >= 3 })
		// Once the node's own echo is back (and ignored), a wrongly
		// delivered echo would already be counted below.
		waitFor(t, fmt.Sprintf("node %d's echo", i), func() bool { return n.bus.echoes.Load() >= 1 })
	}
	for i, n := range nodes {
		n.bus.Close()
		sigs := n.rec.signals()
		if len(sigs) != 3 {
			t.Errorf("node %d got %d signals, want 3", i, len(sigs))
		}
		users := map[int64]bool{}
		for _, s := range sigs {
			users[s.UserID] = true
			if s.Kind != domain.SigPresence || !s.Online || !s.LastSeen.Equal(seen) || !slices.Equal(s.ChatIDs, []int64{10, s.UserID - 1}) {
				t.Errorf("node %d: signal changed on the way: %+v", i, s)
			}
		}
		if len(users) != 3 {
			t.Errorf("node %d: signals from users %v, want 1, 2 and 3", i, users)
		}
	}
}

// Publish never waits on the network: not while the server stops reading
// (where nats.go's own Publish can block, flushing under its lock), not
// while disconnected. A node that missed events while disconnected gets
// them when it reconnects, even with no later event and no tick to reveal
// the loss.
func TestPublishNeverBlocksAndReconnectCatchesUp(t *testing.T) {
	u := natsURL(t)
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	prefix, db := randomPrefix(), &fakeDB{}
	px := startProxy(t, pu.Host)
	proxied := connect(t, "nats://"+px.addr, nats.MaxReconnects(-1), nats.ReconnectWait(20*time.Millisecond),
		nats.ReconnectJitter(0, 0), nats.IgnoreDiscoveredServers(), nats.DontRandomize())
	// P checks the database only when it reconnects (and on gaps).
	p := newNode(t, proxied, prefix, db, WithTick(time.Hour))
	d := newNode(t, connect(t, u), prefix, db, WithTick(100*time.Millisecond))

	d.bus.Publish(db.commit(3, "before"))
	waitFor(t, "P to get the first events", func() bool { return len(p.rec.events()) == 3 })

	// The proxy stops forwarding: writes to the socket soon block.
	px.freeze()
	big := strings.Repeat("x", 1000)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 200 { // about 20 MB: more than the sockets buffer
			p.bus.Publish(db.commit(100, big))
		}
	}()
	select {
	case <-done:
	case <-time.After(wait):
		t.Fatal("Publish blocked while the NATS server was not reading")
	}
	// The node's own events reached its handlers without the network.
	last, _ := db.LastPos(context.Background())
	waitFor(t, "P to deliver its own events", func() bool { return int64(len(p.rec.events())) == last })

	// Now the connection drops and the server is unreachable.
	px.kill()
	waitFor(t, "P to notice the disconnect", func() bool { return proxied.Status() != nats.CONNECTED })
	returned := make(chan struct{})
	go func() {
		p.bus.Publish(db.commit(5, "while away"))
		close(returned)
	}()
	select {
	case <-returned:
	case <-time.After(wait):
		t.Fatal("Publish blocked while disconnected")
	}
	// D commits the tail while P is away; P cannot hear of it over NATS.
	tail := db.commit(10, "tail")
	d.bus.Publish(tail)
	last = tail[len(tail)-1].Pos

	px.restart()
	for name, n := range map[string]*node{"P": p, "D": d} {
		waitFor(t, name+" to deliver everything", func() bool { return int64(len(n.rec.events())) >= last })
	}
	if !slices.Contains(p.rec.events(), last) {
		t.Fatal("P did not get the tail")
	}
	for name, n := range map[string]*node{"P": p, "D": d} {
		n.bus.Close()
		checkRun(t, name, n.rec.events(), 1, last)
	}
}

// Close stops every goroutine the bus started.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	u := natsURL(t)
	prefix, db := randomPrefix(), &fakeDB{}
	nc := connect(t, u)
	other := newNode(t, connect(t, u), prefix, db)
	before := runtime.NumGoroutine()

	b, err := New(nc, prefix, db.Backfill, db.LastPos, 0)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	b.Subscribe(rec)
	nc.Flush()
	b.Publish(db.commit(5, "a"))
	other.bus.Publish(db.commit(5, "b"))
	b.Notify(domain.Signal{Kind: domain.SigTyping, ChatIDs: []int64{1}, UserID: 1})
	waitFor(t, "delivery", func() bool { return len(rec.events()) == 10 })
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	deadline := time.Now().Add(wait)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines before New, %d after Close:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// proxy forwards TCP to the NATS server, and can stop forwarding (freeze)
// or drop every connection and stop listening (kill) and listen again on
// the same address (restart).
type proxy struct {
	t      *testing.T
	target string
	addr   string

	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
	thawed chan struct{} // closed while forwarding
	wg     sync.WaitGroup
}

func startProxy(t *testing.T, target string) *proxy {
	p := &proxy{t: t, target: target, addr: "127.0.0.1:0"}
	p.restart()
	t.Cleanup(p.kill)
	return p
}

func (p *proxy) restart() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.thawed = make(chan struct{})
	close(p.thawed)
	p.mu.Unlock()
	p.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			p.wg.Go(func() { p.pipe(s, c) })
			p.wg.Go(func() { p.pipe(c, s) })
		}
	})
}

func (p *proxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		p.mu.Lock()
		gate := p.thawed
		p.mu.Unlock()
		<-gate
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				dst.Close()
			}
			src.Close()
			return
		}
	}
}

func (p *proxy) freeze() {
	p.mu.Lock()
	p.thawed = make(chan struct{})
	p.mu.Unlock()
}

func (p *proxy) kill() {
	p.mu.Lock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	select {
	case <-p.thawed:
	default:
		close(p.thawed) // let frozen pipes run into their closed sockets
	}
	p.mu.Unlock()
	p.wg.Wait()
}
