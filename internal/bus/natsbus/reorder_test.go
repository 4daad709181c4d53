package natsbus

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/hub"
)

func evRange(from, to int64) []domain.Event {
	var evs []domain.Event
	for p := from; p <= to; p++ {
		evs = append(evs, domain.Event{Pos: p, ChatID: 1, Seq: p, Type: domain.EvMessage})
	}
	return evs
}

func positions(evs []domain.Event) []int64 {
	out := make([]int64, len(evs))
	for i := range evs {
		out[i] = evs[i].Pos
	}
	return out
}

// Batches in random order, each sent twice, come out as 1..n exactly once.
func TestReordererShuffledDuplicated(t *testing.T) {
	const n = 5000
	var batches [][]domain.Event
	for p := int64(1); p <= n; {
		size := int64(1 + rand.IntN(7))
		end := min(p+size-1, n)
		batches = append(batches, evRange(p, end), evRange(p, end))
		p = end + 1
	}
	rand.Shuffle(len(batches), func(i, j int) { batches[i], batches[j] = batches[j], batches[i] })

	r := newReorderer(1, n)
	var got []int64
	for _, b := range batches {
		ready, dropped := r.add(b, time.Now())
		if dropped != 0 {
			t.Fatalf("dropped %d with room for everything", dropped)
		}
		got = append(got, positions(ready)...)
	}
	want := positions(evRange(1, n))
	if !slices.Equal(got, want) {
		t.Fatalf("got %d positions, not 1..%d in order", len(got), n)
	}
	if len(r.pending) != 0 || r.next != n+1 {
		t.Fatalf("left pending %d, next %d", len(r.pending), r.next)
	}
}

// A full buffer drops what does not fit and says so; what was kept is
// delivered once the gap closes, and the rest must come from elsewhere.
func TestReordererBound(t *testing.T) {
	r := newReorderer(1, 10)
	ready, dropped := r.add(evRange(2, 30), time.Now())
	if len(ready) != 0 || dropped != 19 || len(r.pending) != 10 || !r.overflowed {
		t.Fatalf("ready %d dropped %d pending %d overflowed %v", len(ready), dropped, len(r.pending), r.overflowed)
	}
	if first, _ := r.firstBuffered(); first != 2 {
		t.Fatalf("first buffered %d", first)
	}
	ready, _ = r.add(evRange(1, 1), time.Now())
	if !slices.Equal(positions(ready), positions(evRange(1, 11))) {
		t.Fatalf("after the gap closed: %v", positions(ready))
	}
	// Old positions are ignored.
	if ready, _ = r.add(evRange(3, 11), time.Now()); len(ready) != 0 {
		t.Fatalf("delivered old positions %v", positions(ready))
	}
	// Skipping holes (12, 13, 15) delivers what is buffered on the way and
	// what continues the run after it.
	r.add(evRange(14, 14), time.Now())
	r.add(evRange(16, 17), time.Now())
	ready = r.skip(16)
	if !slices.Equal(positions(ready), []int64{14, 16, 17}) || r.next != 18 || len(r.pending) != 0 {
		t.Fatalf("skip: delivered %v, next %d, pending %d", positions(ready), r.next, len(r.pending))
	}
}

func TestQueueBound(t *testing.T) {
	q := newQueue[int](10)
	if !q.push(1, 20) { // an oversized item still fits an empty queue
		t.Fatal("first push dropped")
	}
	if q.push(2, 1) {
		t.Fatal("push past the bound accepted")
	}
	items, overflowed := q.take()
	if !slices.Equal(items, []int{1}) || !overflowed {
		t.Fatalf("take: %v %v", items, overflowed)
	}
	if !q.push(3, 5) || !q.push(4, 5) || q.push(5, 1) {
		t.Fatal("bound not applied after take")
	}
}

// What the hub sends for an event decoded from the wire is byte for byte
// what it sends for the original (domain.Event has no json:"-" field, and
// times keep their offset).
func TestWireRoundTripKeepsFrames(t *testing.T) {
	tehran := time.FixedZone("IRST", 3*3600+1800)
	edited := time.Date(2026, 3, 20, 12, 30, 1, 123456789, tehran)
	evs := []domain.Event{
		{Pos: 7, ChatID: 3, Seq: 9, Type: domain.EvMessage, ActorID: 4, Date: time.Now(), ClientID: "c-1",
			Text: "سلام <b>", ReplyTo: 2, Forward: &domain.Forward{ChatID: 8, Seq: 1, SenderID: 5}, EditedAt: &edited},
		{Pos: 8, ChatID: 3, Seq: 10, Type: domain.EvMemberAdded, ActorID: 4, Date: edited, Target: 6, Role: domain.RoleAdmin},
		{Pos: 9, ChatID: 3, Seq: 11, Type: domain.EvDelete, ActorID: 4, Date: edited.UTC(), Target: 9, Deleted: true},
		{Pos: 10, ChatID: 3, Type: domain.EvRead, ActorID: 6, Seq: 0},
	}
	chunks, tooBig := encodeEvents(evs, 1<<20)
	if len(chunks) != 1 || tooBig != 0 || chunks[0].last != 10 || chunks[0].n != 4 {
		t.Fatalf("chunks %d tooBig %d", len(chunks), tooBig)
	}
	var got []domain.Event
	if err := json.Unmarshal(chunks[0].data, &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(evs) {
		t.Fatalf("decoded %d events", len(got))
	}
	for i := range evs {
		if a, b := hub.EventFrame(&evs[i]), hub.EventFrame(&got[i]); string(a) != string(b) {
			t.Errorf("event %d frame changed:\n%s\n%s", i, a, b)
		}
	}
}

// A large batch is split under the payload limit without losing or
// reordering anything; an event that alone exceeds it is left out.
func TestEncodeSplitsUnderLimit(t *testing.T) {
	evs := evRange(1, 500)
	for i := range evs {
		evs[i].Text = strings.Repeat("x", 100)
	}
	evs[250].Text = strings.Repeat("y", 5000)
	const limit = 4096
	chunks, tooBig := encodeEvents(evs, limit)
	if tooBig != 1 || len(chunks) < 2 {
		t.Fatalf("tooBig %d chunks %d", tooBig, len(chunks))
	}
	var all []domain.Event
	for _, c := range chunks {
		if len(c.data) > limit {
			t.Fatalf("chunk of %d bytes", len(c.data))
		}
		var part []domain.Event
		if err := json.Unmarshal(c.data, &part); err != nil {
			t.Fatal(err)
		}
		if len(part) != c.n || part[len(part)-1].Pos != c.last {
			t.Fatalf("chunk says n=%d last=%d, holds %d", c.n, c.last, len(part))
		}
		all = append(all, part...)
	}
	want := slices.Delete(positions(evs), 250, 251)
	if !slices.Equal(positions(all), want) {
		t.Fatal("split lost or reordered events")
	}
}
