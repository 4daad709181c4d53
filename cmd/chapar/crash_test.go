package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chapar/chapar/client"
)

// TestCrashLosesNothing sends under load while the real binary is killed
// with SIGKILL at random moments and restarted, then checks the delivery
// contract: every acked message is stored exactly once, in order, and
// every receiver that resumed from its position got each event exactly
// once with no gap. CHAPAR_CRASH_KILLS sets the number of kills (20).
func TestCrashLosesNothing(t *testing.T) {
	kills := 20
	if v, err := strconv.Atoi(os.Getenv("CHAPAR_CRASH_KILLS")); err == nil {
		kills = v
	}
	bin := buildBinary(t)
	p := &proc{bin: bin, data: t.TempDir(), addr: freeAddr(t)}
	p.start(t)
	t.Cleanup(p.kill)
	url := "http://" + p.addr

	const pairs = 4
	var senders, receivers []*client.Client
	var chats []int64
	for i := range pairs {
		s, _ := newUser(t, url, fmt.Sprintf("sender%d", i))
		r, rU := newUser(t, url, fmt.Sprintf("receiver%d", i))
		c, err := s.CreateDirect(bg, rU.ID)
		if err != nil {
			t.Fatal(err)
		}
		senders, receivers, chats = append(senders, s), append(receivers, r), append(chats, c.ID)
	}

	// Receivers start first, so they must see every message sent.
	got := make([]*receiverLog, pairs)
	rctx, stopReceivers := context.WithCancel(bg)
	var waits []func()
	for i := range pairs {
		got[i] = &receiverLog{}
		waits = append(waits, got[i].follow(rctx, receivers[i:i+1]))
	}
	ctx, stop := context.WithCancel(bg)
	var wg sync.WaitGroup
	acked := make([][]client.Event, pairs) // per sender, in send order
	for i := range pairs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			acked[i] = sendUntilStopped(ctx, senders[i:i+1], chats[i], fmt.Sprintf("s%d-", i))
		}()
	}

	for k := range kills {
		time.Sleep(time.Duration(100+rand.IntN(400)) * time.Millisecond)
		p.kill()
		p.start(t)
		t.Logf("kill %d done", k+1)
	}
	time.Sleep(300 * time.Millisecond)
	stop()
	wg.Wait()

	total := checkDelivered(t, senders, chats, acked, got, func() {
		stopReceivers()
		for _, wait := range waits {
			wait()
		}
	})
	t.Logf("%d kills, %d messages acked, every one stored once and delivered once", kills, total)
}

// checkDelivered checks the delivery contract after a run with crashes:
// each chat holds exactly its acked messages in a gap-free order (read
// through readers[i]), and, once each receiver has caught up (or 30 s have
// passed) and stop has ended them, every receiver got each acked message
// once, in order. It returns how many messages were acked.
func checkDelivered(t *testing.T, readers []*client.Client, chats []int64, acked [][]client.Event, got []*receiverLog, stop func()) int {
	t.Helper()
	total := 0
	for i := range chats {
		total += len(acked[i])
		checkHistory(t, readers[i], chats[i], acked[i])
	}
	if total == 0 {
		t.Fatal("nothing was acked")
	}
	deadline := time.Now().Add(30 * time.Second)
	for i := range chats {
		if len(acked[i]) == 0 {
			continue
		}
		want := acked[i][len(acked[i])-1].Seq
		for got[i].maxSeq(chats[i]) < want && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
	}
	stop()
	for i := range chats {
		got[i].check(t, chats[i], acked[i])
	}
	return total
}

// sendUntilStopped sends numbered messages over a WebSocket, one at a time,
// retrying each (same client id) across crashes until it is acked. nodes
// are the same user's clients for each node of a cluster (one for a single
// server); after a failure it moves on to the next node.
func sendUntilStopped(ctx context.Context, nodes []*client.Client, chat int64, prefix string) []client.Event {
	var acked []client.Event
	var s *client.Stream
	at := 0
	for n := 0; ; n++ {
		cid := prefix + strconv.Itoa(n)
		for {
			if ctx.Err() != nil {
				if s != nil {
					s.Close()
				}
				return acked
			}
			if s == nil {
				cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
				var err error
				s, err = nodes[at%len(nodes)].Connect(cctx, nil)
				cancel()
				if err != nil {
					s = nil
					at++
					time.Sleep(20 * time.Millisecond)
					continue
				}
				go drain(s)
			}
			sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			res, err := s.Send(sctx, chat, client.SendRequest{ClientID: cid, Text: cid})
			cancel()
			if err == nil {
				acked = append(acked, res.Event)
				break
			}
			s.Close()
			s = nil
			at++
		}
	}
}

func drain(s *client.Stream) {
	for range s.Frames() {
	}
}

// checkHistory: the chat holds exactly the acked messages, in order, with
// gap-free seq numbers.
func checkHistory(t *testing.T, c *client.Client, chat int64, acked []client.Event) {
	t.Helper()
	var all []client.Event
	var after int64
	for {
		page, err := c.History(bg, chat, client.HistoryQuery{After: after, FromStart: true, Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		all = append(all, page...)
		after = page[len(page)-1].Seq
	}
	byClient := map[string]int{}
	var msgs []client.Event
	for i, e := range all {
		if e.Seq != int64(i)+1 {
			t.Fatalf("chat %d: seq %d at index %d (gap or repeat)", chat, e.Seq, i)
		}
		if e.Type == client.EventMessage {
			byClient[e.ClientID]++
			msgs = append(msgs, e)
		}
	}
	if len(msgs) != len(acked) {
		t.Fatalf("chat %d holds %d messages, %d were acked", chat, len(msgs), len(acked))
	}
	for i, a := range acked {
		if msgs[i].ClientID != a.ClientID || msgs[i].Seq != a.Seq || byClient[a.ClientID] != 1 {
			t.Fatalf("chat %d message %d: stored %+v, acked %+v (copies %d)", chat, i, msgs[i], a, byClient[a.ClientID])
		}
	}
}

// receiverLog follows a user's stream across crashes, resuming from the
// last position it applied, and records what it got — with no client-side
// de-duplication, so any repeat the server sends is seen.
type receiverLog struct {
	mu     sync.Mutex
	events []client.Event
}

// nodes are the user's clients for each node; after a failure the
// receiver resumes on the next one.
//
// It starts from where the user's stream is when it is called: call it
// before the messages it must see are sent (it returns once connected).
func (r *receiverLog) follow(ctx context.Context, nodes []*client.Client) (wait func()) {
	var pos *int64
	connected := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.run(ctx, nodes, pos, connected)
	}()
	select {
	case <-connected:
	case <-ctx.Done():
	}
	return func() { <-done }
}

func (r *receiverLog) run(ctx context.Context, nodes []*client.Client, pos *int64, connected chan struct{}) {
	for at := 0; ctx.Err() == nil; at++ {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		s, err := nodes[at%len(nodes)].Connect(cctx, pos)
		cancel()
		if err != nil {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		if pos == nil {
			p := s.Welcome().Pos
			pos = &p
			close(connected)
		}
	frames:
		for {
			select {
			case f, ok := <-s.Frames():
				if !ok {
					break frames
				}
				if f.Type == client.FrameEvent {
					r.mu.Lock()
					r.events = append(r.events, *f.Event)
					r.mu.Unlock()
					p := f.Event.Pos
					pos = &p
				}
			case <-ctx.Done():
				s.Close()
				return
			}
		}
	}
}

func (r *receiverLog) maxSeq(chat int64) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var m int64
	for _, e := range r.events {
		if e.ChatID == chat {
			m = max(m, e.Seq)
		}
	}
	return m
}

func (r *receiverLog) check(t *testing.T, chat int64, acked []client.Event) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var last int64
	seen := map[string]bool{}
	for _, e := range r.events {
		if e.ChatID != chat {
			continue
		}
		if last != 0 && e.Seq != last+1 {
			t.Fatalf("receiver of chat %d: seq %d after %d", chat, e.Seq, last)
		}
		last = e.Seq
		if e.Type == client.EventMessage {
			if seen[e.ClientID] {
				t.Fatalf("receiver of chat %d got %s twice", chat, e.ClientID)
			}
			seen[e.ClientID] = true
		}
	}
	for _, a := range acked {
		if !seen[a.ClientID] {
			t.Fatalf("receiver of chat %d never got acked message %s (seq %d)", chat, a.ClientID, a.Seq)
		}
	}
}

// proc is the chapar binary run as a child process.
type proc struct {
	bin, data, addr string
	args            []string // more flags, e.g. -database and -nats
	cmd             *exec.Cmd
}

func (p *proc) start(t *testing.T) {
	t.Helper()
	p.cmd = exec.Command(p.bin, append([]string{"serve", "-addr", p.addr, "-data", p.data, "-log-level", "error", "-turn-addr", "127.0.0.1:0", "-turn-public-ip", "127.0.0.1"}, p.args...)...)
	p.cmd.Stderr = os.Stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + p.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the server did not become healthy in 10s")
}

// kill sends SIGKILL: no shutdown code runs.
func (p *proc) kill() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()
	p.cmd = nil
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// buildBinary compiles cmd/chapar once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "chapar-bin")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "chapar")
		out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
