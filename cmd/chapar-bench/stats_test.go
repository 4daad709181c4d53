package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chapar/chapar/client"
)

func TestPercentileNearestRank(t *testing.T) {
	s := []int64{10, 20, 30, 40, 50, 60, 70, 80, 90, 100}
	for _, c := range []struct {
		p    float64
		want int64
	}{{0, 10}, {1, 10}, {10, 10}, {11, 20}, {50, 50}, {51, 60}, {90, 90}, {99, 100}, {100, 100}} {
		if got := percentile(s, c.p); got != c.want {
			t.Errorf("p%v = %d, want %d", c.p, got, c.want)
		}
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("p50 of nothing = %d", got)
	}
	if got := percentile([]int64{7}, 99); got != 7 {
		t.Errorf("p99 of one = %d", got)
	}
}

func TestSummarizeSortsAndConverts(t *testing.T) {
	// 1..1000 ms, shuffled by reversing.
	var s []int64
	for i := 1000; i >= 1; i-- {
		s = append(s, int64(i)*1e6)
	}
	l := summarize(s)
	if l.count != 1000 || l.p50 != 500 || l.p90 != 900 || l.p99 != 990 || l.max != 1000 || l.mean != 500.5 {
		t.Errorf("summary = %+v", l)
	}
	if (summarize(nil) != latency{}) {
		t.Error("empty summary not zero")
	}
	if got := ms(1_234_567); got != 1.235 {
		t.Errorf("ms = %v", got)
	}
}

func TestBitsets(t *testing.T) {
	b := newBitset(130)
	if b.set(0) || b.set(64) || b.set(129) {
		t.Fatal("set reported a new bit as present")
	}
	if !b.set(64) || !b.has(129) || b.has(1) || b.count() != 3 {
		t.Fatalf("bitset wrong: %v", b)
	}
	a := newAtomicBitset(130)
	a.set(3)
	a.set(129)
	if s := a.snapshot(); !s.has(3) || !s.has(129) || s.count() != 2 {
		t.Fatalf("atomic bitset wrong: %v", s)
	}
}

func TestTallyAndCounting(t *testing.T) {
	// Messages 0..9; 0..7 acked. Receiver 1 sees 0..7 with 2 twice and 5
	// three times; receiver 2 misses 3 and 6, sees 9 (unacked) and a
	// number out of range.
	acked := newBitset(10)
	for i := range 8 {
		acked.set(i)
	}
	r1, r2 := newTally(10), newTally(10)
	for i := range 8 {
		if !r1.deliver(i, 1, 10) {
			t.Fatalf("first delivery of %d not first", i)
		}
	}
	if r1.deliver(2, 1, 11) || r1.deliver(5, 1, 12) || r1.deliver(5, 1, 13) {
		t.Fatal("a repeat was taken for a first delivery")
	}
	for _, i := range []int{0, 1, 2, 4, 5, 7, 9} {
		r2.deliver(i, 100, 150)
	}
	r2.deliver(10, 1, 2)
	r2.deliver(-1, 1, 2)

	c := countDeliveries(acked, r1, r2)
	want := counts{sent: 8, expected: 16, delivered: 14, lost: 2, duplicated: 3, foreign: 2, unacked: 1}
	if c != want {
		t.Errorf("counts = %+v, want %+v", c, want)
	}
	if len(r1.samples) != 8 || r1.samples[0] != 9 || r1.last != 10 {
		t.Errorf("r1 samples %v last %d", r1.samples, r1.last)
	}
	// A delivery whose send time is unknown is counted but has no sample.
	r3 := newTally(1)
	if !r3.deliver(0, 0, 5) || len(r3.samples) != 0 {
		t.Error("unknown send time handled wrongly")
	}
	var total counts
	total.add(c)
	total.add(c)
	if total.lost != 4 || total.expected != 32 {
		t.Errorf("add: %+v", total)
	}
}

func TestCounterMatchesClientIDs(t *testing.T) {
	b := &bench{run: "babc1234"}
	o := newOutbox(3, nil, 5, 1)
	o.chatID = 77
	o.sendAt[2].Store(1000)
	tl := newTally(5)
	on := o.counter(b, tl)
	ev := func(chat int64, id string) *client.Event {
		return &client.Event{ChatID: chat, Type: client.EventMessage, ClientID: id}
	}
	on(ev(77, b.clientID(3, 2)), 1500) // first
	on(ev(77, b.clientID(3, 2)), 1600) // duplicate
	on(ev(77, b.clientID(4, 2)), 1600) // another pair's message: misrouted
	on(ev(78, b.clientID(3, 1)), 1600) // another chat
	on(ev(77, "bzzz9999.3.1"), 1600)   // another run
	on(ev(77, b.clientID(3, 5)), 1600) // out of range
	on(ev(77, "junk"), 1600)
	if tl.dups != 1 || tl.foreign != 5 || !tl.seen.has(2) || tl.seen.count() != 1 {
		t.Errorf("tally: dups %d foreign %d seen %v", tl.dups, tl.foreign, tl.seen)
	}
	if len(tl.samples) != 1 || tl.samples[0] != 500 {
		t.Errorf("samples = %v", tl.samples)
	}
	if b.firstDeliveries.Load() != 1 {
		t.Errorf("first deliveries = %d", b.firstDeliveries.Load())
	}
}

func TestClientIDRoundTrip(t *testing.T) {
	b := &bench{run: newRunID()}
	if !usernameRE.MatchString(b.run + "_18999") {
		t.Errorf("run id %q does not make valid usernames", b.run)
	}
	k, n, ok := parseClientID(b.run, b.clientID(12, 34567))
	if !ok || k != 12 || n != 34567 {
		t.Errorf("round trip: %d %d %v", k, n, ok)
	}
	for _, bad := range []string{"", b.run, b.run + ".1", b.run + ".x.1", b.run + ".1.y", "other.1.2"} {
		if _, _, ok := parseClientID(b.run, bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestMessageText(t *testing.T) {
	for _, n := range []int{1, 13, 14, 15, 16, 17, 64, 1000, 4096} {
		s := messageText(n)
		if len(s) != n || !utf8.ValidString(s) {
			t.Errorf("messageText(%d) = %d bytes, valid %v", n, len(s), utf8.ValidString(s))
		}
	}
}

func TestParseMetrics(t *testing.T) {
	text := `# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 2.4117248e+07
process_cpu_seconds_total 1.5
go_memstats_heap_inuse_bytes 4.194304e+06
go_memstats_stack_inuse_bytes 524288
chapar_websockets_open 19000
chapar_store_commit_ops_bucket{le="1"} 3
`
	nan := math.NaN()
	st, err := parseMetrics(strings.NewReader(text), serverStats{nan, nan, nan, nan, nan})
	if err != nil {
		t.Fatal(err)
	}
	if st.rss != 24117248 || st.cpu != 1.5 || st.heapInuse != 4194304 || st.stackInuse != 524288 || st.wsOpen != 19000 {
		t.Errorf("parsed %+v", st)
	}
	st, _ = parseMetrics(strings.NewReader("process_resident_memory_bytes 1\n"), serverStats{nan, nan, nan, nan, nan})
	if !math.IsNaN(st.wsOpen) {
		t.Error("a missing metric is not NaN")
	}
	if mb(24117248) != 23 {
		t.Errorf("mb = %v", mb(24117248))
	}
}

func TestNumJSON(t *testing.T) {
	b, err := json.Marshal(struct {
		A num  `json:"a"`
		B num  `json:"b"`
		C *num `json:"c,omitempty"`
	}{A: 1.5, B: num(math.NaN())})
	if err != nil || string(b) != `{"a":1.5,"b":null}` {
		t.Errorf("got %s, %v", b, err)
	}
}

func TestCheckLoopback(t *testing.T) {
	for _, ok := range []string{"http://127.0.0.1:8080", "127.0.0.2:9100", "http://localhost:8080", "http://[::1]:8080"} {
		if err := checkLoopback(ok); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"http://10.0.0.1:8080", "http://8.8.8.8", "http://[2001:db8::1]:80"} {
		if err := checkLoopback(bad); err == nil {
			t.Errorf("%s allowed", bad)
		}
	}
}
