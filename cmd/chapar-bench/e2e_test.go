package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// startRelay runs the no-storage relay in-process.
func startRelay(t *testing.T) string {
	t.Helper()
	rl := newRelay()
	ts := httptest.NewServer(rl.handler())
	t.Cleanup(func() {
		rl.closeAll()
		ts.Close()
	})
	return ts.URL
}

func testBench(t *testing.T, servers ...string) *bench {
	opt := options{timeout: time.Minute, drain: 5 * time.Second, concurrency: 4, size: 64}
	return newBench(opt, servers, io.Discard)
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestDMAgainstRelay(t *testing.T) {
	url := startRelay(t)
	for _, d := range []*dmScenario{
		{pairs: 5, messages: 200, window: 1, inflight: 8},
		{pairs: 5, messages: 200, window: 4, inflight: 8},
		{pairs: 5, messages: 200, window: 1, inflight: 8, rate: 2000},
	} {
		b := testBench(t, url)
		res, err := d.run(testContext(t), b)
		if err != nil {
			t.Fatal(err)
		}
		if res.Sent != 200 || res.Expected != 200 || res.Delivered != 200 || res.Lost != 0 || res.Duplicated != 0 ||
			res.Misrouted != 0 || res.SendErrors != 0 || res.Samples != 200 {
			t.Errorf("window %d rate %v: %+v", d.window, d.rate, res)
		}
		if res.MsgsPerS <= 0 || res.P99ms <= 0 || res.P50ms > res.P99ms || res.P99ms > res.MaxMs {
			t.Errorf("figures: %+v", res)
		}
		if float64(res.ServerRSSMB) <= 0 {
			t.Errorf("no server RSS: %v", res.ServerRSSMB)
		}
	}
}

func TestGroupAgainstRelay(t *testing.T) {
	url := startRelay(t)
	g := &groupScenario{members: 250, messages: 20, window: 2, inflight: 4} // 250 > 200: members are added in batches
	res, err := g.run(testContext(t), testBench(t, url))
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 20 || res.Expected != 20*249 || res.Delivered != 20*249 || res.Lost != 0 || res.Duplicated != 0 || res.Misrouted != 0 {
		t.Errorf("%+v", res)
	}
	if res.DeliveriesPerS <= res.MsgsPerS {
		t.Errorf("deliveries/s %v, msgs/s %v", res.DeliveriesPerS, res.MsgsPerS)
	}
}

func TestIdleAgainstRelay(t *testing.T) {
	url := startRelay(t)
	s := &idleScenario{clients: 40, users: 7, duration: 100 * time.Millisecond, pingSample: 10, settle: time.Second}
	res, err := s.run(testContext(t), testBench(t, url))
	if err != nil {
		t.Fatal(err)
	}
	if res.Connections == nil || *res.Connections != 40 || res.PingsOK != 10 || res.Users != 7 {
		t.Errorf("%+v", res)
	}
	if res.ServerWSOpen == nil || *res.ServerWSOpen != 40 {
		t.Errorf("server says %v open", res.ServerWSOpen)
	}
	if res.BytesPerConn == nil || res.RSSAfterMB == nil {
		t.Error("no memory figures")
	}
}

// With -source-ips, WebSockets come from those addresses in turn.
func TestIdleFromSourceIPs(t *testing.T) {
	rl := newRelay()
	var mu sync.Mutex
	from := map[string]int{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/ws" {
			host, _, _ := net.SplitHostPort(r.RemoteAddr)
			mu.Lock()
			from[host]++
			mu.Unlock()
		}
		rl.handler().ServeHTTP(w, r)
	}))
	t.Cleanup(func() { rl.closeAll(); ts.Close() })
	b := testBench(t, ts.URL)
	b.opt.sourceAddrs = []netip.Addr{netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("127.0.0.3")}
	s := &idleScenario{clients: 10, users: 2, duration: 50 * time.Millisecond, pingSample: 2, settle: time.Second}
	if _, err := s.run(testContext(t), b); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if from["127.0.0.2"] != 5 || from["127.0.0.3"] != 5 {
		t.Fatalf("WebSockets came from %v", from)
	}
}

// The command prints one JSON line with the required fields.
func TestRunPrintsOneJSONLine(t *testing.T) {
	url := startRelay(t)
	var out, errOut bytes.Buffer
	code := run([]string{"dm", "-server", url, "-pairs", "2", "-messages", "20", "-json"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d lines on stdout: %q", len(lines), out.String())
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &m); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"scenario", "servers", "clients", "sent", "delivered", "lost", "duplicated",
		"nodes", "msgs_per_s", "p50_ms", "p99_ms", "max_ms", "duration_s", "server_rss_mb"} {
		if _, ok := m[f]; !ok {
			t.Errorf("field %s missing", f)
		}
	}
	if m["nodes"] != 1.0 {
		t.Errorf("nodes %v, want 1", m["nodes"])
	}
	if m["delivered"] != 20.0 || m["lost"] != 0.0 {
		t.Errorf("delivered %v lost %v", m["delivered"], m["lost"])
	}
	if !strings.Contains(errOut.String(), "delivered 20") {
		t.Errorf("no summary on stderr: %q", errOut.String())
	}
}

func TestRunRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"dm", "-server", "http://192.0.2.1:8080"},
		{"dm", "-pairs", "0"},
		{"idle", "-clients", "10", "-users", "11"},
		{"idle", "-source-ips", "10.0.0.1"},
		{"nosuch"},
	} {
		if code := run(args, io.Discard, io.Discard); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// TestMain lets the test binary stand in for chapar-bench when the channel
// scenario starts its audience processes (os.Executable is this binary).
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "channel-audience" {
		os.Exit(runAudience(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func TestChannelAgainstRelay(t *testing.T) {
	url := startRelay(t)
	for _, c := range []*channelScenario{
		{subscribers: 120, users: 40, posts: 12, rate: 200, perProcess: 18000}, // one process
		{subscribers: 120, users: 40, posts: 12, rate: 200, perProcess: 50},    // three: the parent and two children
	} {
		res, err := c.run(testContext(t), testBench(t, url))
		if err != nil {
			t.Fatal(err)
		}
		want := 12 * 120
		if res.Sent != 12 || res.Expected != want || res.Delivered != want || res.Lost != 0 || res.Duplicated != 0 ||
			res.Misrouted != 0 || res.PostsAllDelivered != 12 {
			t.Errorf("per process %d: %+v", c.perProcess, res)
		}
		if res.AllDeliveredP99ms <= 0 || res.AllDeliveredP50ms > res.AllDeliveredP99ms || res.Samples != want {
			t.Errorf("per process %d: figures %+v", c.perProcess, res)
		}
		if wantProcs := (120 + c.perProcess - 1) / c.perProcess; res.Processes != wantProcs {
			t.Errorf("processes %d, want %d", res.Processes, wantProcs)
		}
	}
}
