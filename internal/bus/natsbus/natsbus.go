// Package natsbus is a bus.Bus that crosses nodes over NATS, for a cluster
// of chapar nodes sharing one PostgreSQL database.
//
// Every node's handlers see every committed event in ascending position
// order, gap-free, each position once — as with bus.Local on one node —
// whichever node committed it. The database is what makes that possible:
// it hands out positions in commit order from a one-row counter, so once
// position N+1 is committed, 1..N are committed and readable too. NATS only
// has to be fast, not reliable:
//
//   - A node publishes each committed batch on <prefix>.events with core
//     NATS (at most once) and feeds it straight into its own reorderer.
//   - Each node's reorderer delivers positions in order, holds back what
//     arrives early, and drops what it has already delivered (including the
//     node's own batches coming back from NATS).
//   - A gap that lasts longer than a short delay (a message lost by NATS, a
//     slow consumer, a node that died between commit and publish) is filled
//     from the database (Backfill). A periodic check of the database's last
//     position catches a lost message at the tail, where no later message
//     reveals the gap; so does every reconnect to NATS, since whatever was
//     published while a node was disconnected is gone.
//
// Why not JetStream for events: the database already is the durable,
// ordered log, and it is the only one that knows about a batch committed by
// a node that died before publishing it — so gaps must be filled from it in
// any case. A JetStream stream would be a second log to keep consistent with
// the first, and a weaker one: its file store fsyncs only every two minutes
// by default (sync_interval), so after a crash it could miss events the
// database has acked. And a stream publish waits for the server's
// acknowledgement, a round trip core NATS does not need. Core NATS gives
// low-latency fan-out; the database gives truth.
//
// Signals (typing, presence, revoked sessions) are ephemeral: a node
// delivers its own at once to its handlers and publishes them on
// <prefix>.signals for the other nodes, best effort and unordered. Each
// signal carries the node's id, so its echo is ignored.
//
// Nothing on the caller's path waits for the network: Publish and Notify
// only queue (nats.go's own Publish can write to the socket under its lock
// once its buffer fills, and that can stall for as long as the server stops
// reading). Queues are bounded; what does not fit is dropped — events are
// then recovered from the database by the other nodes, signals are lost.
//
// Unlike bus.Local, delivery is asynchronous even on the committing node:
// Publish returns before the handlers have seen the batch, so an ack can
// reach a client before the event frame of the same message.
package natsbus

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/chapar/chapar/internal/bus"
	"github.com/chapar/chapar/internal/domain"
)

// Backfill returns committed events with after < pos <= upto, ascending by
// pos. It may return fewer than asked (the first page); the bus calls it
// again. The bus only asks up to a position it knows is committed (one it
// received, or one LastPos returned), and takes a position that Backfill
// skips as a hole that will never be filled: a store may leave holes (the
// PostgreSQL store lists only each member's newest read receipt), but it
// must not skip an event that is merely not visible yet.
type Backfill func(ctx context.Context, after, upto int64) ([]domain.Event, error)

// LastPos returns the highest committed position; every position at or
// below it must be visible to Backfill from then on.
type LastPos func(ctx context.Context) (int64, error)

// Metrics receives counts from the bus. Every method must be cheap and
// must not block; a nil Metrics is allowed.
type Metrics interface {
	// Backfilled is called after each fill from the database with the
	// number of events it delivered.
	Backfilled(events int)
	// Buffered reports how many events are held back waiting for an
	// earlier position.
	Buffered(events int)
	// Dropped counts events or signals not published or not buffered
	// because a bound was reached or NATS refused them.
	Dropped(n int)
}

// Option changes a default of New.
type Option func(*options)

type options struct {
	gapDelay  time.Duration
	tick      time.Duration
	maxBuffer int
	metrics   Metrics
	log       *slog.Logger
}

// WithGapDelay sets how long a gap may last before it is filled from the
// database (default 100 ms). Batches from different nodes cross on the
// wire all the time; the delay keeps that from turning into queries.
func WithGapDelay(d time.Duration) Option { return func(o *options) { o.gapDelay = d } }

// WithTick sets how often the database's last position is checked for a
// lost tail (default 1 s). It is also the longest wait between retries
// when the database fails.
func WithTick(d time.Duration) Option { return func(o *options) { o.tick = d } }

// WithMaxBuffer bounds the events held in memory, per queue: the events
// waiting for an earlier position, the batches received but not yet sorted,
// and the batches waiting to be published (default 100,000 each). Past it,
// events are dropped and later read from the database.
func WithMaxBuffer(n int) Option { return func(o *options) { o.maxBuffer = n } }

// WithMetrics sets where counts go.
func WithMetrics(m Metrics) Option { return func(o *options) { o.metrics = m } }

// WithLogger sets the logger for database and NATS errors (default: none).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// Header keys. nats.go headers are case-sensitive.
const (
	hdrNode = "Chapar-Node" // the publishing node's id (signals)
	hdrLast = "Chapar-Last" // the last position in an events message
)

// payloadHeadroom is left under the server's max payload for headers.
const payloadHeadroom = 512

// Bus is a bus.Bus over NATS. Create it with New; stop it with Close (it
// does not close the NATS connection, which the caller owns).
type Bus struct {
	nc       *nats.Conn
	eventsTo string
	signalTo string
	node     string
	backfill Backfill
	lastPos  LastPos
	opt      options

	mu       sync.RWMutex
	handlers []bus.Handler

	inbox  *queue[[]domain.Event] // batches waiting for the delivery goroutine
	outbox *queue[outItem]        // what waits to be published
	status chan nats.Status       // reconnects

	// delivered is the last position delivered to the handlers; the
	// subscription callback reads it to skip stale messages undecoded.
	delivered atomic.Int64
	// echoes counts this node's own signals seen coming back (for tests).
	echoes atomic.Int64

	subs   []*nats.Subscription
	ctx    context.Context // ends at Close; bounds backfill queries
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once

	// Owned by the delivery goroutine.
	ro       *reorderer
	arrived  bool  // something came in since the last tick
	tailMark int64 // the database's last position at the last tick
	failures int   // database failures in a row, for backing off
}

// outItem is one thing to publish: a batch of events or an encoded signal.
type outItem struct {
	events []domain.Event
	signal []byte
}

var _ bus.Bus = (*Bus)(nil)

// New starts a bus on nc. prefix namespaces the subjects (for instance
// "chapar.<cluster>"); nodes of one cluster must share it. start is the
// last position this node has already handled (the database's last
// position when the node starts): handlers get start+1 onwards, what was
// committed before New returns included. The bus calls backfill and
// lastPos from its own goroutine as soon as New returns.
func New(nc *nats.Conn, prefix string, backfill Backfill, lastPos LastPos, start int64, opts ...Option) (*Bus, error) {
	if nc == nil || backfill == nil || lastPos == nil {
		return nil, errors.New("natsbus: a connection, Backfill and LastPos are required")
	}
	if prefix == "" {
		return nil, errors.New("natsbus: empty subject prefix")
	}
	o := options{gapDelay: 100 * time.Millisecond, tick: time.Second, maxBuffer: 100_000}
	for _, f := range opts {
		f(&o)
	}
	if o.gapDelay <= 0 || o.tick <= 0 || o.maxBuffer <= 0 {
		return nil, errors.New("natsbus: gap delay, tick and buffer bound must be positive")
	}
	if o.metrics == nil {
		o.metrics = nopMetrics{}
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	id := make([]byte, 8)
	rand.Read(id)
	ctx, cancel := context.WithCancel(context.Background())
	b := &Bus{
		nc:       nc,
		eventsTo: prefix + ".events",
		signalTo: prefix + ".signals",
		node:     hex.EncodeToString(id),
		backfill: backfill,
		lastPos:  lastPos,
		opt:      o,
		inbox:    newQueue[[]domain.Event](o.maxBuffer),
		outbox:   newQueue[outItem](o.maxBuffer),
		ctx:      ctx,
		cancel:   cancel,
		ro:       newReorderer(start+1, o.maxBuffer),
	}
	b.delivered.Store(start)

	// Listen for reconnects before subscribing, so none is missed.
	b.status = nc.StatusChanged(nats.CONNECTED)
	for _, s := range []struct {
		subj string
		cb   nats.MsgHandler
	}{{b.eventsTo, b.onEvents}, {b.signalTo, b.onSignal}} {
		sub, err := nc.Subscribe(s.subj, s.cb)
		if err != nil {
			b.unsubscribe()
			nc.RemoveStatusListener(b.status)
			cancel()
			return nil, err
		}
		b.subs = append(b.subs, sub)
	}
	b.wg.Add(2)
	go b.run()
	go b.publishLoop()
	return b, nil
}

// Subscribe adds a handler. It gets events from the next delivery on.
// Handlers must not block, and must not modify the slices they are given
// (the same slice may be shared with other handlers and with the encoder).
func (b *Bus) Subscribe(h bus.Handler) {
	b.mu.Lock()
	b.handlers = append(b.handlers, h)
	b.mu.Unlock()
}

func (b *Bus) handlerList() []bus.Handler {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.handlers
}

// Publish announces committed events (domain.Publisher). It never waits:
// the batch goes to this node's reorderer and to the publishing goroutine.
func (b *Bus) Publish(evs []domain.Event) {
	if len(evs) == 0 {
		return
	}
	// The store may reuse its slice once Publish returns; both queues
	// keep this copy, which nobody modifies.
	evs = append([]domain.Event(nil), evs...)
	if !b.inbox.push(evs, len(evs)) { // the database fills in
		b.opt.metrics.Dropped(len(evs))
	}
	if !b.outbox.push(outItem{events: evs}, len(evs)) {
		b.opt.metrics.Dropped(len(evs))
	}
}

// Notify delivers a signal to this node's handlers and queues it for the
// others (domain.Notifier). It never waits.
func (b *Bus) Notify(s domain.Signal) {
	for _, h := range b.handlerList() {
		h.Signal(s)
	}
	data, err := json.Marshal(s)
	if err != nil {
		b.opt.log.Error("natsbus: encode signal", "err", err)
		return
	}
	if !b.outbox.push(outItem{signal: data}, 1) {
		b.opt.metrics.Dropped(1)
	}
}

// Close stops the bus: it unsubscribes, publishes what is still queued
// (best effort) and waits for its goroutines. It does not close the NATS
// connection. A publish stuck on a stalled connection can hold Close up to
// the connection's flusher timeout.
func (b *Bus) Close() error {
	b.once.Do(func() {
		b.unsubscribe()
		b.cancel()
		b.wg.Wait()
		b.nc.RemoveStatusListener(b.status)
	})
	return nil
}

func (b *Bus) unsubscribe() {
	for _, s := range b.subs {
		s.Unsubscribe() // fails only if the connection is closed: then it is gone anyway
	}
}

// onEvents runs on nats.go's subscription goroutine: decode and hand over.
func (b *Bus) onEvents(m *nats.Msg) {
	// Skip what is delivered already, mostly our own batches coming back,
	// without decoding it.
	if last, err := strconv.ParseInt(m.Header.Get(hdrLast), 10, 64); err == nil && last <= b.delivered.Load() {
		return
	}
	var evs []domain.Event
	if err := json.Unmarshal(m.Data, &evs); err != nil || len(evs) == 0 {
		b.opt.log.Warn("natsbus: bad events message", "subject", m.Subject, "err", err)
		return
	}
	if !b.inbox.push(evs, len(evs)) {
		b.opt.metrics.Dropped(len(evs))
	}
}

// onSignal runs on nats.go's subscription goroutine and delivers there:
// signals carry no order, and handlers do not block.
func (b *Bus) onSignal(m *nats.Msg) {
	if m.Header.Get(hdrNode) == b.node {
		b.echoes.Add(1) // delivered locally by Notify already
		return
	}
	var s domain.Signal
	if err := json.Unmarshal(m.Data, &s); err != nil {
		b.opt.log.Warn("natsbus: bad signal message", "err", err)
		return
	}
	if b.ctx.Err() != nil {
		return
	}
	for _, h := range b.handlerList() {
		h.Signal(s)
	}
}

// publishLoop sends what Publish and Notify queued. It alone calls into
// nats.go's publish, so a stalled connection stalls only this goroutine.
func (b *Bus) publishLoop() {
	defer b.wg.Done()
	for {
		select {
		case <-b.outbox.wake:
			b.sendQueued()
		case <-b.ctx.Done():
			b.sendQueued() // what was committed before Close still goes out
			return
		}
	}
}

func (b *Bus) sendQueued() {
	items, _ := b.outbox.take() // drops were counted at push
	for _, it := range items {
		if it.signal != nil {
			m := &nats.Msg{Subject: b.signalTo, Header: nats.Header{hdrNode: {b.node}}, Data: it.signal}
			if err := b.nc.PublishMsg(m); err != nil {
				b.opt.metrics.Dropped(1)
			}
			continue
		}
		limit := int(b.nc.MaxPayload()) - payloadHeadroom
		if limit <= 0 { // not connected yet: assume the server default (1 MiB)
			limit = 1<<20 - payloadHeadroom
		}
		chunks, tooBig := encodeEvents(it.events, limit)
		if tooBig > 0 {
			b.opt.log.Warn("natsbus: event larger than the NATS max payload; other nodes read it from the database", "events", tooBig)
			b.opt.metrics.Dropped(tooBig)
		}
		for _, c := range chunks {
			m := &nats.Msg{Subject: b.eventsTo, Header: nats.Header{hdrLast: {strconv.FormatInt(c.last, 10)}}, Data: c.data}
			if err := b.nc.PublishMsg(m); err != nil {
				// Disconnected with a full reconnect buffer, or closed:
				// the other nodes fill the gap from the database.
				b.opt.log.Debug("natsbus: publish", "err", err)
				b.opt.metrics.Dropped(c.n)
			}
		}
	}
}

// chunk is one events message: a JSON array of events.
type chunk struct {
	data []byte
	last int64
	n    int
}

// encodeEvents encodes a batch as JSON arrays of at most limit bytes each,
// so a large commit never exceeds the server's max payload. domain.Event is
// the wire form already (every field is tagged, none is skipped), so the
// hub encodes a received event to the very bytes it would encode locally.
// Events that alone exceed limit are left out and counted.
func encodeEvents(evs []domain.Event, limit int) (chunks []chunk, tooBig int) {
	var cur chunk
	flush := func() {
		if cur.n > 0 {
			cur.data = append(cur.data, ']')
			chunks = append(chunks, cur)
		}
		cur = chunk{}
	}
	for i := range evs {
		e, err := json.Marshal(&evs[i])
		if err != nil || len(e)+2 > limit {
			tooBig++
			continue
		}
		if cur.n > 0 && len(cur.data)+1+len(e)+1 > limit {
			flush()
		}
		if cur.n == 0 {
			cur.data = append(cur.data, '[')
		} else {
			cur.data = append(cur.data, ',')
		}
		cur.data = append(cur.data, e...)
		cur.last = evs[i].Pos
		cur.n++
	}
	flush()
	return chunks, tooBig
}

// run is the delivery goroutine: it alone owns the reorderer and calls the
// handlers' Events, so they see one ordered stream.
func (b *Bus) run() {
	defer b.wg.Done()
	gap := time.NewTimer(time.Hour)
	gap.Stop()
	defer gap.Stop()
	gapArmed, gapAt := false, int64(0)
	tick := time.NewTicker(b.opt.tick)
	defer tick.Stop()
	status := b.status

	// Whatever was committed between the caller reading start and our
	// subscription taking effect never reaches us over NATS.
	b.catchUp()
	for {
		select {
		case <-b.ctx.Done():
			return
		case <-b.inbox.wake:
			b.sortIn()
		case <-gap.C:
			gapArmed = false
			b.fillGap()
		case <-tick.C:
			b.onTick()
		case _, ok := <-status:
			if !ok {
				status = nil
				continue
			}
			// Messages published while we were away are lost.
			b.catchUp()
		}
		if b.ctx.Err() != nil {
			return
		}
		// The gap timer measures how long next has been stuck: re-arm it
		// when next moves, stop it when nothing is missing.
		switch {
		case !b.ro.gapping():
			if gapArmed {
				gap.Stop()
				gapArmed = false
			}
			b.failures = 0
		case !gapArmed || gapAt != b.ro.next:
			gap.Reset(b.retryDelay())
			gapArmed, gapAt = true, b.ro.next
		}
		b.opt.metrics.Buffered(len(b.ro.pending))
	}
}

// retryDelay is the gap delay, doubled per database failure in a row, at
// most the tick.
func (b *Bus) retryDelay() time.Duration {
	d := b.opt.gapDelay
	for i := 0; i < b.failures && d < b.opt.tick; i++ {
		d *= 2
	}
	return min(d, b.opt.tick)
}

// sortIn feeds what arrived into the reorderer and delivers what is ready.
func (b *Bus) sortIn() {
	batches, overflowed := b.inbox.take()
	if overflowed {
		b.ro.overflowed = true
	}
	if len(batches) > 0 {
		b.arrived = true
	}
	now := time.Now()
	for _, evs := range batches {
		ready, dropped := b.ro.add(evs, now)
		if dropped > 0 {
			b.opt.metrics.Dropped(dropped)
		}
		b.deliver(ready)
	}
}

func (b *Bus) deliver(evs []domain.Event) {
	if len(evs) == 0 {
		return
	}
	for _, h := range b.handlerList() {
		h.Events(evs)
	}
	b.delivered.Store(evs[len(evs)-1].Pos)
}

// fillGap reads from the database what a gap has been missing for longer
// than the gap delay: up to the first buffered event — included, so that
// the answer proves the database's snapshot reaches past the gap — and then
// the gaps after it, as long as they are as old (a burst of losses is
// filled in one go, not one gap delay each). If events were dropped for
// want of room, the gaps may lie past everything buffered: it fills up to
// the database's last position instead.
func (b *Bus) fillGap() {
	if b.ro.overflowed {
		last, err := b.lastPos(b.ctx)
		if err != nil {
			b.dbFailed("last position", err)
			return
		}
		if b.fill(last) && b.ro.next > last {
			b.ro.overflowed = false
		}
		return
	}
	now := time.Now()
	for first := true; b.ctx.Err() == nil; first = false {
		pos, at := b.ro.firstBuffered()
		// The timer fired because next has been stuck for the gap delay;
		// a later gap is as old as the first event buffered above it.
		if pos == 0 || (!first && now.Sub(at) < b.opt.gapDelay) {
			return
		}
		if !b.fill(pos) || b.ro.next <= pos {
			return
		}
	}
}

// onTick looks for a lost tail: a message lost when nothing follows it
// leaves no gap for the reorderer to see. It backfills when the database is
// ahead and either nothing arrived for a whole tick or what the database
// had a tick ago still has not arrived. (Under load the database is always
// a little ahead of delivery; that alone is not a loss.)
func (b *Bus) onTick() {
	if b.ro.gapping() {
		return // the gap timer is on it
	}
	idle := !b.arrived
	b.arrived = false
	last, err := b.lastPos(b.ctx)
	if err != nil {
		b.dbFailed("last position", err)
		return
	}
	mark := b.tailMark
	b.tailMark = last
	if done := b.ro.next - 1; last > done && (idle || mark > done) {
		b.fill(last)
	}
}

// catchUp backfills up to the database's last position now.
func (b *Bus) catchUp() {
	last, err := b.lastPos(b.ctx)
	if err != nil {
		b.dbFailed("last position", err)
		return
	}
	b.tailMark = last
	b.fill(last)
}

// fill delivers from the database everything up to upto that has not been
// delivered, page by page. It reports false if the database failed.
func (b *Bus) fill(upto int64) bool {
	total := 0
	defer func() {
		if total > 0 {
			b.opt.metrics.Backfilled(total)
		}
	}()
	for b.ro.next <= upto {
		before := b.ro.next
		evs, err := b.backfill(b.ctx, before-1, upto)
		if err != nil {
			b.dbFailed("backfill", err)
			return false
		}
		// Positions the database does not list in a range it can fully
		// see do not exist (see Backfill): skip them, delivering buffered
		// events on the way.
		var skipped []domain.Event
		switch {
		case len(evs) == 0:
			skipped = b.ro.skip(upto + 1)
		case evs[0].Pos > before:
			skipped = b.ro.skip(evs[0].Pos)
		}
		ready, _ := b.ro.add(evs, time.Now())
		b.deliver(skipped)
		b.deliver(ready)
		total += len(skipped) + len(ready)
		if b.ro.next == before {
			b.opt.log.Error("natsbus: backfill returned nothing deliverable", "after", before-1, "first", evs[0].Pos)
			return false
		}
	}
	b.failures = 0
	return true
}

func (b *Bus) dbFailed(what string, err error) {
	if b.ctx.Err() != nil {
		return // closing
	}
	b.failures++
	b.opt.log.Warn("natsbus: database", "op", what, "err", err)
}

type nopMetrics struct{}

func (nopMetrics) Backfilled(int) {}
func (nopMetrics) Buffered(int)   {}
func (nopMetrics) Dropped(int)    {}
