package main

import (
	"math"
	"math/bits"
	"slices"
	"sync/atomic"
	"time"
)

// bitset is a set of message numbers 0..n-1, for one goroutine.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

// set adds i and reports whether it was already there.
func (b bitset) set(i int) (was bool) {
	w, m := i/64, uint64(1)<<(i%64)
	was = b[w]&m != 0
	b[w] |= m
	return was
}

func (b bitset) has(i int) bool { return b[i/64]&(uint64(1)<<(i%64)) != 0 }

func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

// atomicBitset is a bitset that several goroutines may set at once (the
// senders of one chat marking their messages acked).
type atomicBitset []atomic.Uint64

func newAtomicBitset(n int) atomicBitset { return make(atomicBitset, (n+63)/64) }

func (b atomicBitset) set(i int) { b[i/64].Or(uint64(1) << (i % 64)) }

// snapshot copies the set; call it once the setters are done.
func (b atomicBitset) snapshot() bitset {
	out := make(bitset, len(b))
	for i := range b {
		out[i] = b[i].Load()
	}
	return out
}

// tally counts one receiver's deliveries of the messages numbered 0..n-1
// of one chat. Only the receiver's goroutine touches it until the run ends.
type tally struct {
	seen    bitset
	n       int
	dups    int     // deliveries of a message already seen
	foreign int     // message events that match no message of this chat and run
	samples []int64 // send→deliver latency of each first delivery, in ns
	last    int64   // when the last first delivery arrived (ns since the run's start)
}

func newTally(n int) *tally { return &tally{seen: newBitset(n), n: n} }

// deliver records that message i arrived at `at`, having been sent at
// sentAt (both in ns since the run's start; sentAt 0 means unknown), and
// reports whether it is the message's first delivery here.
func (t *tally) deliver(i int, sentAt, at int64) bool {
	if i < 0 || i >= t.n {
		t.foreign++
		return false
	}
	if t.seen.set(i) {
		t.dups++
		return false
	}
	if sentAt > 0 {
		t.samples = append(t.samples, max(at-sentAt, 0))
	}
	t.last = max(t.last, at)
	return true
}

// counts are the delivery figures of a run, or of part of one.
type counts struct {
	sent       int // acked messages
	expected   int // deliveries the acked messages owe: sent × receivers
	delivered  int // expected deliveries seen (each counted once)
	lost       int // expected deliveries not seen
	duplicated int // deliveries beyond the first of the same message to the same receiver
	foreign    int // events that matched no message sent to that receiver
	unacked    int // deliveries of messages whose send was not acked (its answer was lost)
}

func (c *counts) add(o counts) {
	c.sent += o.sent
	c.expected += o.expected
	c.delivered += o.delivered
	c.lost += o.lost
	c.duplicated += o.duplicated
	c.foreign += o.foreign
	c.unacked += o.unacked
}

// countDeliveries compares the acked messages of one chat with what each
// of its receivers saw.
func countDeliveries(acked bitset, receivers ...*tally) counts {
	c := counts{sent: acked.count()}
	c.expected = c.sent * len(receivers)
	for _, t := range receivers {
		for w := range acked {
			c.delivered += bits.OnesCount64(acked[w] & t.seen[w])
			c.lost += bits.OnesCount64(acked[w] &^ t.seen[w])
			c.unacked += bits.OnesCount64(t.seen[w] &^ acked[w])
		}
		c.duplicated += t.dups
		c.foreign += t.foreign
	}
	return c
}

// latency summarizes latency samples, in milliseconds.
type latency struct {
	count                    int
	p50, p90, p99, max, mean float64
}

// summarize sorts samples (ns) in place and reads exact percentiles.
func summarize(samples []int64) latency {
	if len(samples) == 0 {
		return latency{}
	}
	slices.Sort(samples)
	var sum float64
	for _, s := range samples {
		sum += float64(s)
	}
	return latency{
		count: len(samples),
		p50:   ms(percentile(samples, 50)),
		p90:   ms(percentile(samples, 90)),
		p99:   ms(percentile(samples, 99)),
		max:   ms(samples[len(samples)-1]),
		mean:  round3(sum / float64(len(samples)) / 1e6),
	}
}

// percentile is the nearest-rank p-th percentile of sorted samples: the
// smallest sample that at least p% of the samples do not exceed.
func percentile(sorted []int64, p float64) int64 {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(n)))
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}

// ms converts nanoseconds to milliseconds, to the microsecond.
func ms(ns int64) float64 { return round3(float64(ns) / 1e6) }

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// perSecond is n per second of d, rounded to one decimal.
func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return math.Round(float64(n)/d.Seconds()*10) / 10
}
