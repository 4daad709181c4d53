package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testNode is one node of an in-process cluster: its own listener in
// front of a relay whose users and chats every node shares, as chapar's
// nodes share one database. It notes who registered through it and how
// many WebSockets it holds, and answers GET /metrics with figures of its
// own, so that per-node scraping can be checked.
type testNode struct {
	url string
	rss float64 // the process_resident_memory_bytes it reports

	wsOpen  atomic.Int64 // WebSockets open on this node
	wsTotal atomic.Int64 // WebSockets ever opened on this node

	mu         sync.Mutex
	registered map[string]bool // usernames registered through this node
}

func (n *testNode) serve(w http.ResponseWriter, r *http.Request, shared http.Handler) {
	switch r.URL.Path {
	case "/metrics":
		fmt.Fprintf(w, "process_resident_memory_bytes %g\nprocess_cpu_seconds_total 1\nchapar_websockets_open %d\n",
			n.rss, n.wsOpen.Load())
		return
	case "/v1/ws":
		n.wsOpen.Add(1)
		n.wsTotal.Add(1)
		defer n.wsOpen.Add(-1) // the relay's handler returns when the connection ends
	case "/v1/auth/register":
		body, _ := io.ReadAll(r.Body)
		var in struct{ Username string }
		json.Unmarshal(body, &in)
		n.mu.Lock()
		n.registered[in.Username] = true
		n.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	shared.ServeHTTP(w, r)
}

func (n *testNode) registeredHere(name string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.registered[name]
}

// startCluster runs k nodes sharing one relay. Node i reports i+1 MiB of RSS.
func startCluster(t *testing.T, k int) ([]*testNode, []string) {
	t.Helper()
	rl := newRelay()
	shared := rl.handler()
	nodes := make([]*testNode, k)
	urls := make([]string, k)
	for i := range nodes {
		n := &testNode{rss: float64((i + 1) << 20), registered: map[string]bool{}}
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.serve(w, r, shared)
		}))
		t.Cleanup(ts.Close)
		n.url = ts.URL
		nodes[i], urls[i] = n, ts.URL
	}
	t.Cleanup(rl.closeAll) // runs before the servers close
	return nodes, urls
}

// waitClosed waits until the nodes' WebSockets have all ended.
func waitClosed(t *testing.T, nodes []*testNode) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, n := range nodes {
		for n.wsOpen.Load() != 0 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
	}
}

func TestDMNodes(t *testing.T) {
	if s, r := dmNodes(7, 1); s != 0 || r != 0 {
		t.Errorf("one node: pair 7 on %d and %d", s, r)
	}
	for k := 2; k <= 5; k++ {
		senders := make([]int, k)
		receivers := make([]int, k)
		pairs := 10 * k
		for i := range pairs {
			s, r := dmNodes(i, k)
			if s == r {
				t.Errorf("%d nodes: pair %d has both on node %d", k, i, s)
			}
			if s != i%k || r != (i+1)%k {
				t.Errorf("%d nodes: pair %d on %d → %d", k, i, s, r)
			}
			if dmUserNode(2*i, k) != s || dmUserNode(2*i+1, k) != r {
				t.Errorf("%d nodes: users of pair %d on %d and %d", k, i, dmUserNode(2*i, k), dmUserNode(2*i+1, k))
			}
			senders[s]++
			receivers[r]++
		}
		for n := range k {
			if senders[n] != 10 || receivers[n] != 10 {
				t.Errorf("%d nodes: node %d has %d senders and %d receivers, want 10 and 10", k, n, senders[n], receivers[n])
			}
		}
	}
}

func TestRoundRobin(t *testing.T) {
	got := make([]int, 7)
	for i := range got {
		got[i] = roundRobin(i, 3)
	}
	if fmt.Sprint(got) != "[0 1 2 0 1 2 0]" {
		t.Errorf("round robin over 3: %v", got)
	}
}

// A dm run over two nodes: the pairs are split across them, every message
// crosses from one node to the other, and both nodes' metrics are read.
func TestDMAgainstTwoNodes(t *testing.T) {
	nodes, urls := startCluster(t, 2)
	b := testBench(t, urls...)
	d := &dmScenario{pairs: 4, messages: 200, window: 2, inflight: 8}
	res, err := d.run(testContext(t), b)
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 200 || res.Delivered != 200 || res.Lost != 0 || res.Duplicated != 0 || res.Misrouted != 0 || res.SendErrors != 0 {
		t.Errorf("%+v", res)
	}
	// Each node held 2 senders and 2 receivers.
	for i, n := range nodes {
		if got := n.wsTotal.Load(); got != 4 {
			t.Errorf("node %d: %d WebSockets, want 4", i, got)
		}
	}
	// User 2i (the sender of pair i) registered on node i%2, user 2i+1 on the other.
	for j := range 2 * d.pairs {
		name := fmt.Sprintf("%s_%d", b.run, j)
		want := dmUserNode(j, 2)
		if !nodes[want].registeredHere(name) || nodes[1-want].registeredHere(name) {
			t.Errorf("user %d did not register (only) on node %d", j, want)
		}
	}
	if len(res.ServerRSSMBEach) != 2 || res.ServerRSSMBEach[0] != 1 || res.ServerRSSMBEach[1] != 2 || res.ServerRSSMB != 3 {
		t.Errorf("RSS: each %v, total %v; want [1 2] and 3", res.ServerRSSMBEach, res.ServerRSSMB)
	}
}

// The pairs' streams are on the nodes dmNodes says, and never both on one.
func TestDMSetupPlacesPairsOnNodes(t *testing.T) {
	nodes, urls := startCluster(t, 3)
	b := testBench(t, urls...)
	d := &dmScenario{pairs: 6, messages: 60, window: 1, inflight: 1}
	pairs, err := d.setup(testContext(t), b)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range pairs {
		s, r := dmNodes(i, 3)
		if p.snd.u.server != s || p.lis.u.server != r {
			t.Errorf("pair %d: on %d → %d, want %d → %d", i, p.snd.u.server, p.lis.u.server, s, r)
		}
		if p.lis.u.server == p.snd.u.server {
			t.Errorf("pair %d: both on node %d", i, p.snd.u.server)
		}
	}
	for i, n := range nodes {
		if got := n.wsOpen.Load(); got != 4 { // 2 senders and 2 receivers each
			t.Errorf("node %d holds %d WebSockets, want 4", i, got)
		}
	}
	for _, p := range pairs {
		p.snd.close()
		p.lis.stream().Close()
	}
	waitClosed(t, nodes)
}

// A group over two nodes: the sender on node 0, the members alternating.
func TestGroupAgainstTwoNodes(t *testing.T) {
	nodes, urls := startCluster(t, 2)
	b := testBench(t, urls...)
	g := &groupScenario{members: 21, messages: 10, window: 2, inflight: 4}
	res, err := g.run(testContext(t), b)
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 10 || res.Expected != 10*20 || res.Delivered != 10*20 || res.Lost != 0 || res.Duplicated != 0 || res.Misrouted != 0 {
		t.Errorf("%+v", res)
	}
	// Members 0, 2, …, 20 (the sender and 10 receivers) on node 0; 1, 3, …, 19 on node 1.
	if a, c := nodes[0].wsTotal.Load(), nodes[1].wsTotal.Load(); a != 11 || c != 10 {
		t.Errorf("WebSockets: node 0 %d, node 1 %d; want 11 and 10", a, c)
	}
	if !nodes[0].registeredHere(b.run+"_0") || !nodes[1].registeredHere(b.run+"_1") {
		t.Error("the sender is not on node 0, or member 1 not on node 1")
	}
}

// idle over two nodes: connections alternate, and the servers' open
// WebSockets are the sum of both nodes' gauges.
func TestIdleAgainstTwoNodes(t *testing.T) {
	nodes, urls := startCluster(t, 2)
	s := &idleScenario{clients: 10, users: 3, duration: 50 * time.Millisecond, pingSample: 4, settle: time.Second}
	res, err := s.run(testContext(t), testBench(t, urls...))
	if err != nil {
		t.Fatal(err)
	}
	if res.Connections == nil || *res.Connections != 10 || res.PingsOK != 4 {
		t.Errorf("%+v", res)
	}
	if res.ServerWSOpen == nil || *res.ServerWSOpen != 10 {
		t.Errorf("server says %v open, want 10 (5 + 5)", res.ServerWSOpen)
	}
	for i, n := range nodes {
		if got := n.wsTotal.Load(); got != 5 {
			t.Errorf("node %d: %d WebSockets, want 5", i, got)
		}
	}
}

// The command takes a comma-separated -server and says how many nodes.
func TestRunReportsNodes(t *testing.T) {
	_, urls := startCluster(t, 2)
	var out, errOut bytes.Buffer
	code := run([]string{"dm", "-server", strings.Join(urls, ", "), "-pairs", "3", "-messages", "30", "-json"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var m struct {
		Nodes     int      `json:"nodes"`
		Servers   []string `json:"servers"`
		Delivered int      `json:"delivered"`
		Lost      int      `json:"lost"`
	}
	if err := json.Unmarshal(out.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if m.Nodes != 2 || len(m.Servers) != 2 || m.Servers[0] != urls[0] || m.Servers[1] != urls[1] || m.Delivered != 30 || m.Lost != 0 {
		t.Errorf("%+v", m)
	}
	if !strings.Contains(errOut.String(), "(2 nodes, ") {
		t.Errorf("summary does not say 2 nodes: %q", errOut.String())
	}
}
