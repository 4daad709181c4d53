package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chapar/chapar/client"
)

// outbox is one sender's messages to one chat: when each was sent (or
// scheduled), and which were acked. Message n's client_id is
// bench.clientID(k, n).
type outbox struct {
	k      int
	chatID int64
	quota  int
	fanout int // receivers each acked message owes a delivery to
	snd    *sender
	sendAt []atomic.Int64 // ns since the run's start; 0 = not sent
	ackAt  []atomic.Int64 // when the ack came
	acked  atomicBitset
	next   atomic.Int64 // closed loop: the next message number to send
}

func newOutbox(k int, snd *sender, quota, fanout int) *outbox {
	return &outbox{k: k, snd: snd, quota: quota, fanout: fanout,
		sendAt: make([]atomic.Int64, quota), ackAt: make([]atomic.Int64, quota), acked: newAtomicBitset(quota)}
}

// sentAt is when message n was sent, or 0 for a number not ours.
func (o *outbox) sentAt(n int) int64 {
	if n < 0 || n >= o.quota {
		return 0
	}
	return o.sendAt[n].Load()
}

// pacing says how an outbox sends: closed loop (rate 0), workers sends in
// flight, each next one as soon as one is acked; or open loop, message n
// due at first + n×interval, with at most workers sends in flight.
type pacing struct {
	workers  int
	rate     float64
	first    int64 // open loop: when message 0 is due (ns since the run's start)
	interval time.Duration
}

// run sends the outbox's messages and returns the ack latencies.
func (o *outbox) run(ctx context.Context, b *bench, text string, pc pacing) []int64 {
	var jobs chan int
	var wg sync.WaitGroup
	if pc.rate > 0 {
		jobs = make(chan int, o.quota) // never full: the schedule does not wait for the senders
		wg.Go(func() { o.schedule(ctx, b, pc.first, pc.interval, jobs) })
	}
	var mu sync.Mutex
	var acks []int64
	for range pc.workers {
		wg.Go(func() {
			own := o.sendLoop(ctx, b, text, jobs)
			mu.Lock()
			acks = append(acks, own...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return acks
}

// schedule is the open loop's clock: message n is due at first+n×interval,
// whether or not earlier sends have been answered. Its latency is counted
// from then, so a server that falls behind cannot hide it (no coordinated
// omission).
func (o *outbox) schedule(ctx context.Context, b *bench, first int64, interval time.Duration, jobs chan<- int) {
	defer close(jobs)
	for n := range o.quota {
		due := first + int64(n)*int64(interval)
		if wait := time.Duration(due - b.since()); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return
			}
		}
		if ctx.Err() != nil {
			return
		}
		o.sendAt[n].Store(due)
		jobs <- n
	}
}

// sendLoop sends until the quota is done: in the closed loop, the next
// unsent number as soon as the previous send is acked; in the open loop,
// the numbers the schedule hands out. It returns its ack latencies.
func (o *outbox) sendLoop(ctx context.Context, b *bench, text string, jobs <-chan int) []int64 {
	var acks []int64
	for ctx.Err() == nil {
		var n int
		if jobs != nil {
			var ok bool
			if n, ok = <-jobs; !ok {
				break
			}
		} else {
			if n = int(o.next.Add(1) - 1); n >= o.quota {
				break
			}
			o.sendAt[n].Store(b.since())
		}
		if err := o.snd.send(ctx, o.chatID, b.clientID(o.k, n), text); err != nil {
			if ctx.Err() == nil {
				b.sendErrors.Add(1)
				b.errs.add(fmt.Errorf("send: %w", err))
			}
			continue
		}
		now := b.since()
		acks = append(acks, now-o.sendAt[n].Load())
		o.ackAt[n].Store(now)
		o.acked.set(n)
		b.expected.Add(int64(o.fanout))
	}
	return acks
}

// counter is a listener's onEvent for the receivers of outbox o: it counts
// each message event in t.
func (o *outbox) counter(b *bench, t *tally) func(*client.Event, int64) {
	return func(ev *client.Event, at int64) {
		k, n, ok := parseClientID(b.run, ev.ClientID)
		if !ok || k != o.k || ev.ChatID != o.chatID {
			t.foreign++
			return
		}
		if t.deliver(n, o.sentAt(n), at) {
			b.firstDeliveries.Add(1)
		}
	}
}
