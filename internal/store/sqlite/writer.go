package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/chapar/chapar/internal/domain"
)

// The writer owns the only write connection. Callers hand it ops; it runs
// every op that is waiting in one transaction, each under its own savepoint
// so that one failing op changes nothing and does not fail the others, then
// commits once (one fsync for the whole batch: group commit), announces the
// committed events in order, and only then answers each caller.

// maxBatch bounds how many ops share one transaction, so one commit never
// holds many callers for long.
const maxBatch = 1024

type op struct {
	ctx  context.Context
	fn   func(t *txn) error
	err  error
	done chan struct{}
}

// txn is what an op sees: the transaction, and the position allocator.
type txn struct {
	tx     *sql.Tx
	w      *writer
	now    time.Time
	events []domain.Event // committed-to-be events of the whole batch, in pos order
	stmts  map[string]*sql.Stmt
	wrote  bool // the op now running has written (see runBatch)

	// seqs holds the chats this batch appended to: their newest seq and
	// pos, saved to the chats table once per chat just before commit.
	seqs map[int64]chatHead
	undo []seqUndo // what the op now running changed in seqs (safe mode)
}

type chatHead struct{ seq, pos int64 }

type seqUndo struct {
	chat int64
	prev chatHead
	had  bool
}

type writer struct {
	db *sql.DB
	// heads caches each chat's newest committed seq and pos. Only the
	// writer changes them, so the cache is exact; it is dropped when it
	// grows large.
	heads map[int64]chatHead
	// meta caches what a send needs to know of its chat; SetChatInfo
	// drops an entry before changing it.
	meta    map[int64]chatMeta
	ops     chan *op
	pub     domain.Publisher
	nextPos int64 // next position to hand out; only the writer goroutine touches it

	committed func(pos int64)
	metrics   Metrics

	stop    chan struct{} // closed to stop the writer
	stopped chan struct{} // closed when it has stopped
}

// Metrics is told about each commit; nil-safe.
type Metrics interface {
	Commit(ops int, d time.Duration)
}

func (w *writer) run() {
	defer close(w.stopped)
	batch := make([]*op, 0, maxBatch)
	for {
		select {
		case <-w.stop:
			return
		case first := <-w.ops:
			batch = append(batch[:0], first)
		fill:
			for len(batch) < maxBatch {
				select {
				case o := <-w.ops:
					batch = append(batch, o)
				default:
					break fill
				}
			}
			w.runBatch(batch)
		}
	}
}

// runBatch commits a batch. It first runs every op straight, with no
// savepoints (the common case: ops check before they write, so a failing op
// has written nothing). If an op fails after writing, the batch is rolled
// back and run again with each op under its own savepoint.
func (w *writer) runBatch(batch []*op) {
	if !w.tryBatch(batch, false) {
		w.tryBatch(batch, true)
	}
}

// tryBatch runs and commits the batch; it returns false, having changed
// nothing, if an op failed after writing and safe is false.
func (w *writer) tryBatch(batch []*op, safe bool) bool {
	start := time.Now()
	t := &txn{w: w, now: start.UTC().Truncate(time.Millisecond)}
	firstPos := w.nextPos
	tx, err := w.db.Begin()
	if err != nil {
		w.finish(batch, fmt.Errorf("begin: %w", err))
		return true
	}
	t.tx = tx
	for _, o := range batch {
		o.err = nil
		if o.ctx.Err() != nil {
			// The caller gave up before we started: doing nothing is the
			// honest answer, since it will not see an ack.
			o.err = o.ctx.Err()
			continue
		}
		if safe {
			o.err = t.runSafe(o)
			continue
		}
		mark, pos := len(t.events), w.nextPos
		t.wrote = false
		if err := o.fn(t); err != nil {
			if t.wrote {
				tx.Rollback()
				w.nextPos = firstPos
				clear(w.meta) // may hold what the batch changed
				return false
			}
			t.events, w.nextPos = t.events[:mark], pos
			o.err = err
		}
	}
	if err := t.saveHeads(); err != nil {
		tx.Rollback()
		w.nextPos = firstPos
		clear(w.meta) // may hold what the batch changed
		w.finish(batch, err)
		return true
	}
	if w.nextPos != firstPos {
		if _, err := tx.Exec(`UPDATE meta SET value = ? WHERE key = 'last_pos'`, w.nextPos-1); err != nil {
			tx.Rollback()
			w.nextPos = firstPos
			clear(w.meta) // may hold what the batch changed
			w.finish(batch, fmt.Errorf("save position: %w", err))
			return true
		}
	}
	if err := tx.Commit(); err != nil {
		w.nextPos = firstPos
		clear(w.meta) // may hold what the batch changed
		w.finish(batch, fmt.Errorf("commit: %w", err))
		return true
	}
	if len(w.heads) > maxHeads {
		clear(w.heads)
	}
	if len(w.meta) > maxHeads {
		clear(w.meta)
	}
	for id, h := range t.seqs {
		w.heads[id] = h
	}
	if len(t.events) > 0 {
		w.committed(w.nextPos - 1)
	}
	if w.metrics != nil {
		w.metrics.Commit(len(batch), time.Since(start))
	}
	// Answer the ops before publishing: publishing to a chat with many
	// online members starts a writer goroutine per socket, and an ack
	// queued after them would wait its turn behind all of them.
	for _, o := range batch {
		close(o.done)
	}
	if len(t.events) > 0 {
		w.pub.Publish(t.events)
	}
	return true
}

// runSafe runs one op under a savepoint, undoing it alone if it fails.
func (t *txn) runSafe(o *op) error {
	if _, err := t.tx.Exec("SAVEPOINT op"); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	mark, pos := len(t.events), t.w.nextPos
	t.undo = t.undo[:0]
	if err := o.fn(t); err != nil {
		t.events = t.events[:mark]
		t.w.nextPos = pos
		clear(t.w.meta)
		for i := len(t.undo) - 1; i >= 0; i-- {
			u := t.undo[i]
			if u.had {
				t.seqs[u.chat] = u.prev
			} else {
				delete(t.seqs, u.chat)
			}
		}
		if _, rerr := t.tx.Exec("ROLLBACK TO op"); rerr != nil {
			return fmt.Errorf("%w (and rollback: %v)", err, rerr)
		}
		if _, rerr := t.tx.Exec("RELEASE op"); rerr != nil {
			return fmt.Errorf("%w (and release: %v)", err, rerr)
		}
		return err
	}
	if _, err := t.tx.Exec("RELEASE op"); err != nil {
		return fmt.Errorf("release: %w", err)
	}
	return nil
}

// finish fails every op of a batch that could not commit.
func (w *writer) finish(batch []*op, err error) {
	for _, o := range batch {
		if o.err == nil {
			o.err = err
		}
		close(o.done)
	}
}

// do runs fn in the next batch and waits until it is committed.
func (w *writer) do(ctx context.Context, fn func(t *txn) error) error {
	o := &op{ctx: ctx, fn: fn, done: make(chan struct{})}
	select {
	case w.ops <- o:
	case <-ctx.Done():
		return ctx.Err()
	case <-w.stop:
		return domain.Errorf(domain.KindUnavailable, "server is stopping")
	}
	// Once queued, wait for the outcome even if ctx ends: the op may already
	// be committed, and the caller must not be told otherwise.
	select {
	case <-o.done:
		return o.err
	case <-w.stopped:
		select {
		case <-o.done:
			return o.err
		default: // never run: the writer stopped first
			return domain.Errorf(domain.KindUnavailable, "server is stopping")
		}
	}
}

// pos hands out the next position. Positions follow commit order because
// only the writer goroutine allocates them and batches commit in sequence.
func (t *txn) pos() int64 {
	p := t.w.nextPos
	t.w.nextPos++
	return p
}

// stmt prepares a query once per batch: a batch runs many ops of the same
// few kinds, so each statement is parsed once for all of them.
func (t *txn) stmt(query string) (*sql.Stmt, error) {
	if s, ok := t.stmts[query]; ok {
		return s, nil
	}
	s, err := t.tx.Prepare(query)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	if t.stmts == nil {
		t.stmts = make(map[string]*sql.Stmt)
	}
	t.stmts[query] = s
	return s, nil
}

func (t *txn) exec(query string, args ...any) (sql.Result, error) {
	t.wrote = true
	s, err := t.stmt(query)
	if err != nil {
		return nil, err
	}
	return s.Exec(args...)
}

func (t *txn) queryRow(query string, args ...any) rowScanner {
	s, err := t.stmt(query)
	if err != nil {
		return errRow{err}
	}
	return s.QueryRow(args...)
}

func (t *txn) query(query string, args ...any) (*sql.Rows, error) {
	s, err := t.stmt(query)
	if err != nil {
		return nil, err
	}
	return s.Query(args...)
}

type rowScanner interface{ Scan(dest ...any) error }

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// maxHeads bounds the chat head cache.
const maxHeads = 100_000

// nextSeq is the seq the chat's next event gets.
func (t *txn) nextSeq(chatID int64) (int64, error) {
	if h, ok := t.seqs[chatID]; ok {
		return h.seq + 1, nil
	}
	if h, ok := t.w.heads[chatID]; ok {
		return h.seq + 1, nil
	}
	var h chatHead
	if err := t.queryRow(`SELECT last_seq, last_pos FROM chats WHERE id = ?`, chatID).Scan(&h.seq, &h.pos); err != nil {
		return 0, notFound(err, "chat")
	}
	t.w.heads[chatID] = h
	return h.seq + 1, nil
}

// setSeq records that the chat's newest event is now (seq, pos).
func (t *txn) setSeq(chatID, seq, pos int64) {
	if t.seqs == nil {
		t.seqs = make(map[int64]chatHead)
	}
	prev, had := t.seqs[chatID]
	t.undo = append(t.undo, seqUndo{chatID, prev, had})
	t.seqs[chatID] = chatHead{seq, pos}
}

// saveHeads writes the batch's chat heads to the chats table.
func (t *txn) saveHeads() error {
	for id, h := range t.seqs {
		if _, err := t.exec(`UPDATE chats SET last_seq = ?, last_pos = ? WHERE id = ?`, h.seq, h.pos, id); err != nil {
			return fmt.Errorf("save chat head: %w", err)
		}
	}
	return nil
}

// chatMeta is what sending to a chat depends on besides membership.
type chatMeta struct {
	typ           domain.ChatType
	defaultRights domain.Rights
	signatures    bool
	slowMode      time.Duration
}

func (t *txn) chatMeta(chatID int64) (chatMeta, error) {
	if m, ok := t.w.meta[chatID]; ok {
		return m, nil
	}
	var m chatMeta
	var typ string
	var slow int
	if err := t.queryRow(`SELECT type, default_rights, signatures, slow_mode FROM chats WHERE id = ?`, chatID).Scan(
		&typ, &m.defaultRights, &m.signatures, &slow); err != nil {
		return m, notFound(err, "chat")
	}
	m.typ, m.slowMode = domain.ChatType(typ), time.Duration(slow)*time.Second
	t.w.meta[chatID] = m
	return m, nil
}
