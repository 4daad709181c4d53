package natsbus

import (
	"sync"
	"time"

	"github.com/chapar/chapar/internal/domain"
)

// reorderer turns events that arrive in any order, possibly twice, into
// one ascending, gap-free run of positions. It is owned by the bus's
// delivery goroutine and is not safe for concurrent use.
type reorderer struct {
	next    int64          // the next position to deliver
	pending map[int64]held // arrived early, waiting for next; every key > next
	max     int            // bound on pending; beyond it events are dropped and backfilled

	// overflowed records that events were dropped for want of room (here
	// or in the inbox): the gap they leave may lie past every buffered
	// event, so filling it must go to the database's last position.
	overflowed bool
}

// held is a buffered event and when it arrived: every position below it
// has been missing at least since then.
type held struct {
	ev domain.Event
	at time.Time
}

func newReorderer(next int64, max int) *reorderer {
	return &reorderer{next: next, pending: make(map[int64]held), max: max}
}

// add takes a batch that arrived at now and returns what can be delivered
// now, in order. The common case — nothing buffered and the batch is
// exactly the next run — returns the batch itself without copying. dropped
// counts events that did not fit in the buffer.
func (r *reorderer) add(evs []domain.Event, now time.Time) (ready []domain.Event, dropped int) {
	if len(r.pending) == 0 && contiguousFrom(evs, r.next) {
		r.next += int64(len(evs))
		return evs, 0
	}
	for _, ev := range evs {
		switch {
		case ev.Pos < r.next:
			// Delivered already: our own echo, a duplicate, or a
			// publication that lost the race with a backfill.
		case ev.Pos == r.next:
			ready = append(ready, ev)
			r.next++
			ready = r.drain(ready)
		default:
			if _, ok := r.pending[ev.Pos]; ok {
				continue
			}
			if len(r.pending) >= r.max {
				dropped++
				r.overflowed = true
				continue
			}
			r.pending[ev.Pos] = held{ev, now}
		}
	}
	return ready, dropped
}

// drain appends buffered events that continue the run.
func (r *reorderer) drain(ready []domain.Event) []domain.Event {
	for len(r.pending) > 0 {
		h, ok := r.pending[r.next]
		if !ok {
			break
		}
		delete(r.pending, r.next)
		ready = append(ready, h.ev)
		r.next++
	}
	return ready
}

// skip moves next forward to pos over positions the database says do not
// exist, and returns, in order, the buffered events it passes and those
// that continue the run from pos. (A buffered event the database no longer
// lists — a read receipt replaced by a newer one — is still delivered.)
// It costs pos-next lookups, no more than the backfill that found the hole.
func (r *reorderer) skip(pos int64) (ready []domain.Event) {
	for ; r.next < pos; r.next++ {
		if h, ok := r.pending[r.next]; ok {
			delete(r.pending, r.next)
			ready = append(ready, h.ev)
		}
	}
	return r.drain(ready)
}

// firstBuffered is the lowest buffered position and when it arrived, or 0
// if nothing is buffered. It looks up the positions after next one by one,
// so it costs the size of the gap, which the backfill reads anyway.
func (r *reorderer) firstBuffered() (int64, time.Time) {
	if len(r.pending) == 0 {
		return 0, time.Time{}
	}
	for p := r.next; ; p++ {
		if h, ok := r.pending[p]; ok {
			return p, h.at
		}
	}
}

// gapping reports whether something is known to be missing.
func (r *reorderer) gapping() bool { return len(r.pending) > 0 || r.overflowed }

func contiguousFrom(evs []domain.Event, pos int64) bool {
	if len(evs) == 0 {
		return false
	}
	for i := range evs {
		if evs[i].Pos != pos+int64(i) {
			return false
		}
	}
	return true
}

// queue is a bounded hand-over point between goroutines that must not
// block (the store's writer, nats.go's subscription goroutines) and the
// bus's own goroutines. A push never waits: past max, it drops and says so.
type queue[T any] struct {
	mu         sync.Mutex
	items      []T
	size       int // the sum of the pushed weights
	max        int
	overflowed bool
	wake       chan struct{} // has room for one wake-up
}

func newQueue[T any](max int) *queue[T] {
	return &queue[T]{max: max, wake: make(chan struct{}, 1)}
}

// push appends v (counting weight towards the bound) and wakes the
// consumer; it reports false if v was dropped.
func (q *queue[T]) push(v T, weight int) bool {
	q.mu.Lock()
	if q.size+weight > q.max && q.size > 0 {
		q.overflowed = true
		q.mu.Unlock()
		return false
	}
	q.items = append(q.items, v)
	q.size += weight
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return true
}

// take removes everything queued, and reports whether anything was dropped
// since the last take.
func (q *queue[T]) take() (items []T, overflowed bool) {
	q.mu.Lock()
	items, overflowed = q.items, q.overflowed
	q.items, q.size, q.overflowed = nil, 0, false
	q.mu.Unlock()
	return items, overflowed
}
