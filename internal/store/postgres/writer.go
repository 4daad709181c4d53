package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"time"

	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/store/rowmap"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The writer is the one goroutine of a Store that writes. Callers hand it
// ops; it runs every op that is waiting in one transaction and commits once
// (group commit), announces the committed events in order, and only then
// answers each caller. Other nodes run writers of their own against the
// same database, so a batch works like this:
//
//  1. BEGIN (READ COMMITTED), and in the same round trip lock the rows of
//     every chat the batch writes to, in ascending id order
//     (SELECT … ORDER BY id FOR UPDATE), then read what the ops said they
//     will need (the senders' memberships, earlier sends of their client
//     ids). Every write to a chat's rows happens under its row lock, and
//     every node takes those locks in the same order, so two batches that
//     share chats wait for each other instead of deadlocking. The locked
//     rows give each chat's newest seq; nothing is cached between
//     transactions.
//  2. Run the ops, in the order they came. Each checks what must hold
//     (membership, blocks, …) inside the transaction, after the locks, so
//     it sees what every node has committed. An event gets its chat's next
//     seq at once but no position yet: it waits in txn.events.
//  3. Take the batch's positions last, in one round trip with the rest:
//     first what needs no position (views, admin log entries, slow mode's
//     send times), then UPDATE chapar_pos SET last = last + n, insert the
//     events with those positions (chat events into events, private events
//     into user_events, reads into the members' rows), save the chat heads,
//     COMMIT. The counter's row lock is held
//     from that UPDATE to the commit, so transactions that write events
//     commit one at a time in position order; a transaction that rolls back
//     rolls the counter back too. Hence once a reader has seen LastPos = N,
//     every event at or below N is committed and visible, and no lower
//     position can commit later.
//
// One op failing does not fail the others. Ops check before they write, so
// an op that fails has usually written nothing and is simply answered with
// its error. If an op fails after writing (or a statement failed, which
// aborts a PostgreSQL transaction), the batch is rolled back and run again
// with each op under its own savepoint, so that op alone is undone. If
// PostgreSQL picks the batch as a deadlock victim, or the batch loses a race
// for a unique key to another node, the whole batch runs again.

// maxBatch bounds how many ops share one transaction, so one commit never
// holds many callers for long.
const maxBatch = 1024

// maxAttempts bounds how often a batch runs again after a deadlock or a
// lost race before its callers are told it failed.
const maxAttempts = 10

type op struct {
	ctx  context.Context
	chat int64 // the chat the op writes to, locked when its batch begins; 0 if none or not known
	fn   func(t *txn) error
	done chan struct{}

	// What the op will read, if known in advance: read for the whole
	// batch in the round trip that begins it (see txn.member, txn.resent),
	// so that a batch of sends costs no round trip per send.
	member memberKey // a membership
	client clientKey // the message a client id made, if any

	// Set by the writer.
	err         error
	evs         []domain.Event // the events the op stored, with their positions
	first, last int            // its part of txn.events in the batch now running
	carry       bool           // run it in the next batch (see errNextBatch)
}

// errNextBatch is what an op returns when it needs another op of the same
// batch to be committed first: a resend of a client id whose first send is
// still waiting in this batch. The writer runs it again in the next batch,
// where it finds the first send committed and answers with it.
var errNextBatch = errors.New("run in the next batch")

// errSafeMode says an op failed after writing: run the batch again, each op
// under its own savepoint.
var errSafeMode = errors.New("an op failed after writing")

// errLostRace marks a unique violation at commit time: another node stored
// the same client id first. Running the batch again finds its row.
var errLostRace = errors.New("lost a race for a unique key")

type writer struct {
	pool    *pgxpool.Pool
	ops     chan *op
	pub     domain.Publisher
	metrics Metrics
	timeout time.Duration

	// deadlocks counts the batches PostgreSQL chose as a deadlock's victim.
	// Chat locks are taken in one order, so it stays 0 unless a batch also
	// waits for a unique key another node has not committed yet (the same
	// direct chat or client id created on two nodes at once), or locks a
	// chat it found only while running (SetBlock, rarely).
	deadlocks atomic.Int64

	stop    chan struct{} // closed to stop the writer
	stopped chan struct{} // closed when it has stopped
}

// txn is what an op sees: the transaction, and the batch's state so far.
type txn struct {
	ctx context.Context
	// The transaction is run by hand (BEGIN … COMMIT as statements) rather
	// than through pgx.Tx, so that BEGIN can share a round trip with the
	// first reads and COMMIT with the last writes.
	conn *pgx.Conn
	open bool // a transaction may be open on conn
	now  time.Time

	heads  map[int64]*chatHead // chats this transaction has locked
	events []domain.Event      // the batch's events, in order, waiting for positions
	// What can only be written once positions are known, besides the events
	// themselves: memberships ended by an event of this batch, the newest
	// read receipt of each member, and edit events whose text a later delete
	// in this batch cleared (by index into events).
	lefts    []leftMark
	reads    map[memberKey]readMark
	scrubbed []int
	// sent holds the (sender, client id) of messages waiting in this batch.
	sent map[clientKey]bool

	// Read when the batch began, after its chats were locked. A nil entry
	// means there is no such row. Memberships are stale for a chat whose
	// members this batch has written (membersWritten).
	members        map[memberKey]*txMember
	membersWritten map[int64]bool
	resends        map[clientKey]*domain.Event

	// What else waits for the commit (undone by revert, by length or by the
	// undo list): the senders of anonymous posts (by index into events;
	// the events themselves carry actor 0), when slow-mode senders last
	// sent, views to count, and admin log entries.
	anon   map[int]int64
	sentAt map[memberKey]int64
	views  []viewMark
	logs   []domain.LogEntry

	wrote  bool     // the op now running has written to the database
	broken bool     // a statement failed, so the transaction is aborted
	undo   []func() // undoes the in-memory changes of the op now running
}

// chatHead is a locked chat's state in this transaction.
type chatHead struct {
	seq     int64 // the newest event's seq
	members int   // active members
	// What the chat's rows said when it was locked (or created).
	typ           domain.ChatType
	defaultRights int64 // domain.Rights
	signatures    bool
	slowMode      int  // seconds
	lastIdx       int  // 1 + index in txn.events of the chat's newest event in this batch; 0 if none
	dirty         bool // to be saved at commit
}

type memberKey struct{ chat, user int64 }

type clientKey struct {
	sender int64
	id     string
}

type readMark struct {
	seq int64
	idx int // 1 + index in txn.events
}

type viewMark struct{ chat, seq, user int64 }

type leftMark struct {
	idx        int // 1 + index in txn.events
	chat, user int64
	seq        int64
}

func (w *writer) run() {
	defer close(w.stopped)
	batch := make([]*op, 0, maxBatch)
	var carried []*op
	for {
		batch = append(batch[:0], carried...)
		if len(batch) == 0 {
			select {
			case <-w.stop:
				return
			case o := <-w.ops:
				batch = append(batch, o)
			}
		} else {
			select {
			case <-w.stop:
				return // carried ops never ran: their callers hear that we stopped
			default:
			}
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case o := <-w.ops:
				batch = append(batch, o)
			default:
				break fill
			}
		}
		carried = w.runBatch(batch)
	}
}

// runBatch commits a batch, running it again as often as needed, answers
// its ops, and returns the ops to carry over to the next batch.
func (w *writer) runBatch(batch []*op) (carried []*op) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), w.timeout)
	defer cancel()
	safe := false
	var err error
	for attempt := 1; ; attempt++ {
		var t *txn
		t, err = w.tryBatch(ctx, batch, safe)
		if err == nil {
			carried = w.committed(t, batch)
			if w.metrics != nil {
				w.metrics.Commit(len(batch), time.Since(start))
			}
			return carried
		}
		if errors.Is(err, errSafeMode) && !safe {
			safe = true
			continue
		}
		if pgCode(err) == codeDeadlockDetected {
			w.deadlocks.Add(1)
		}
		if (isRetryable(err) || errors.Is(err, errLostRace)) && attempt < maxAttempts && ctx.Err() == nil {
			// Back off a little, at random, so that the batches that
			// collided do not collide again.
			time.Sleep(time.Duration(1+rand.IntN(5*attempt)) * time.Millisecond)
			continue
		}
		break
	}
	for _, o := range batch {
		if o.err == nil {
			o.err = err
		}
		close(o.done)
	}
	return nil
}

// tryBatch runs the batch in one transaction and commits it. On an error
// nothing is committed.
func (w *writer) tryBatch(ctx context.Context, batch []*op, safe bool) (*txn, error) {
	t := &txn{
		ctx:   ctx,
		now:   time.Now().UTC().Truncate(time.Millisecond),
		heads: make(map[int64]*chatHead),
		reads: make(map[memberKey]readMark),
		sent:  make(map[clientKey]bool),

		members:        make(map[memberKey]*txMember),
		membersWritten: make(map[int64]bool),
		resends:        make(map[clientKey]*domain.Event),
		anon:           make(map[int]int64),
		sentAt:         make(map[memberKey]int64),
	}
	conn, err := w.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("acquire connection: %w", err)
	}
	// A connection released inside a transaction (after an error) is
	// closed by the pool rather than reused.
	defer conn.Release()
	t.conn = conn.Conn()
	defer t.rollback()
	if err := t.begin(batch); err != nil {
		return nil, err
	}
	for _, o := range batch {
		o.err, o.evs, o.carry, o.first, o.last = nil, nil, false, 0, 0
		if o.ctx.Err() != nil {
			// The caller gave up before we started: doing nothing is the
			// honest answer, since it will not see an ack.
			o.err = o.ctx.Err()
			continue
		}
		if safe {
			if err := t.runSafe(o); err != nil {
				return nil, err
			}
			continue
		}
		if err := t.run(o); err != nil {
			return nil, err
		}
	}
	if err := t.commit(); err != nil {
		return nil, err
	}
	return t, nil
}

// begin starts the transaction, locks the batch's chats, and reads what
// the batch's ops said they will read, all in one round trip.
func (t *txn) begin(batch []*op) error {
	var ids, memberChats, memberUsers, senders []int64
	var clientIDs []string
	for _, o := range batch {
		if o.ctx.Err() != nil {
			continue
		}
		if o.chat != 0 {
			ids = append(ids, o.chat)
		}
		if o.member.chat != 0 {
			memberChats, memberUsers = append(memberChats, o.member.chat), append(memberUsers, o.member.user)
			t.members[o.member] = nil // until found
		}
		if o.client.id != "" {
			senders, clientIDs = append(senders, o.client.sender), append(clientIDs, o.client.id)
			t.resends[o.client] = nil
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	b := &pgx.Batch{}
	// READ COMMITTED whatever the server's default: each statement sees
	// what was committed before it started, so a read made after taking a
	// chat's lock sees every earlier write to that chat. The statements of
	// one batch run in order, so the reads below come after the locks.
	b.Queue(`BEGIN ISOLATION LEVEL READ COMMITTED`)
	if len(ids) > 0 {
		// ORDER BY sorts before rows are locked, so locks are taken in id
		// order on every node.
		b.Queue(`SELECT id, `+headCols+` FROM chats WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids).
			Query(func(rows pgx.Rows) error {
				for rows.Next() {
					var id int64
					h := &chatHead{}
					if err := rows.Scan(append([]any{&id}, h.dest()...)...); err != nil {
						return err
					}
					t.heads[id] = h
				}
				return rows.Err()
			})
	}
	if len(memberChats) > 0 {
		// A lateral lookup per pair, so that even a generic plan (pgx
		// prepares these statements; PostgreSQL switches to a generic plan
		// after a few runs) reads by primary key instead of hashing the
		// whole table.
		b.Queue(`SELECT m.* FROM unnest($1::bigint[], $2::bigint[]) AS x(chat_id, user_id)
			CROSS JOIN LATERAL (SELECT `+txMemberCols+` FROM members
				WHERE members.chat_id = x.chat_id AND members.user_id = x.user_id) m`, memberChats, memberUsers).
			Query(func(rows pgx.Rows) error {
				for rows.Next() {
					m, err := scanTxMember(rows)
					if err != nil {
						return err
					}
					t.members[memberKey{m.ChatID, m.UserID}] = &m
				}
				return rows.Err()
			})
	}
	if len(clientIDs) > 0 {
		// Lateral, for the same reason: by the (sender, client id) index
		// whatever the plan. The sender comes from x: an anonymous post
		// reads with actor 0.
		b.Queue(`SELECT x.actor_id, e.* FROM unnest($1::bigint[], $2::text[]) AS x(actor_id, client_id)
			CROSS JOIN LATERAL (SELECT `+eventCols+` FROM events
				WHERE events.actor_id = x.actor_id AND events.client_id = x.client_id AND events.client_id IS NOT NULL) e`, senders, clientIDs).
			Query(func(rows pgx.Rows) error {
				for rows.Next() {
					var sender int64
					e, err := scanEvent(prefixScanner{rows, []any{&sender}})
					if err != nil {
						return err
					}
					t.resends[clientKey{sender, e.ClientID}] = &e
				}
				return rows.Err()
			})
	}
	t.open = true
	if err := t.conn.SendBatch(t.ctx, b).Close(); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	return nil
}

// rollback ends the transaction if it is still open. If that fails, the
// pool closes the connection rather than reuse it, since it is still in a
// transaction.
func (t *txn) rollback() {
	if t.open {
		t.conn.Exec(t.ctx, "ROLLBACK")
		t.open = false
	}
}

// run runs one op straight, without a savepoint. It returns an error only
// if the batch cannot go on as it is.
func (t *txn) run(o *op) error {
	events, lefts, scrubbed := len(t.events), len(t.lefts), len(t.scrubbed)
	views, logs := len(t.views), len(t.logs)
	t.wrote, t.undo = false, t.undo[:0]
	err := o.fn(t)
	if err == nil {
		o.first, o.last = events, len(t.events)
		return nil
	}
	if t.wrote || t.broken {
		if isRetryable(err) {
			return err
		}
		return errSafeMode
	}
	t.revert(events, lefts, scrubbed, views, logs)
	if errors.Is(err, errNextBatch) {
		o.carry = true
		return nil
	}
	o.err = err
	return nil
}

// runSafe runs one op under a savepoint, undoing it alone if it fails. It
// returns an error only if the batch cannot go on.
func (t *txn) runSafe(o *op) error {
	if _, err := t.conn.Exec(t.ctx, "SAVEPOINT op"); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	events, lefts, scrubbed := len(t.events), len(t.lefts), len(t.scrubbed)
	views, logs := len(t.views), len(t.logs)
	t.wrote, t.broken, t.undo = false, false, t.undo[:0]
	err := o.fn(t)
	if err == nil {
		if _, err := t.conn.Exec(t.ctx, "RELEASE SAVEPOINT op"); err != nil {
			return fmt.Errorf("release savepoint: %w", err)
		}
		o.first, o.last = events, len(t.events)
		return nil
	}
	if isRetryable(err) {
		return err
	}
	// Rolling back to the savepoint also releases the row locks the op
	// took, which revert forgets along with the rest.
	t.revert(events, lefts, scrubbed, views, logs)
	if _, rerr := t.conn.Exec(t.ctx, "ROLLBACK TO SAVEPOINT op; RELEASE SAVEPOINT op"); rerr != nil {
		return fmt.Errorf("roll back to savepoint: %w (after %v)", rerr, err)
	}
	t.broken = false
	if errors.Is(err, errNextBatch) {
		o.carry = true
		return nil
	}
	o.err = err
	return nil
}

// revert undoes the in-memory changes of the op that just failed.
func (t *txn) revert(events, lefts, scrubbed, views, logs int) {
	for i := len(t.undo) - 1; i >= 0; i-- {
		t.undo[i]()
	}
	t.undo = t.undo[:0]
	t.events, t.lefts, t.scrubbed = t.events[:events], t.lefts[:lefts], t.scrubbed[:scrubbed]
	t.views, t.logs = t.views[:views], t.logs[:logs]
}

// commit takes the batch's positions, stores what waited for them, and
// commits, all in one round trip: the counter's lock is held only that
// long (and for the commit's WAL flush).
func (t *txn) commit() error {
	n := int64(len(t.events))
	b := &pgx.Batch{}
	// What needs no position goes first, before the counter is locked.
	t.queueViews(b)
	t.queueSentAt(b)
	t.queueLogs(b)
	var last int64
	if n > 0 {
		b.Queue(`UPDATE chapar_pos SET last = last + $1 WHERE id = 1 RETURNING last`, n).
			QueryRow(func(r pgx.Row) error { return r.Scan(&last) })
		// The statements below read the counter back from chapar_pos
		// rather than take it as an argument, so they can go in the same
		// round trip: the i-th event (from 1) gets position last - n + i.
		t.queueEvents(b, n)
		t.queueUserEvents(b, n)
		t.queueReads(b, n)
		t.queueLefts(b, n)
	}
	t.queueHeads(b, n)
	// If a statement above fails, PostgreSQL skips the rest of the round
	// trip, COMMIT included, and the deferred rollback ends the
	// transaction. COMMIT of a transaction that failed answers ROLLBACK.
	b.Queue(`COMMIT`).Exec(func(ct pgconn.CommandTag) error {
		if ct.String() != "COMMIT" {
			return fmt.Errorf("commit: the transaction was rolled back (%s)", ct)
		}
		return nil
	})
	err := t.conn.SendBatch(t.ctx, b).Close()
	if err != nil {
		if isUnique(err) {
			return fmt.Errorf("%w: %w", errLostRace, err)
		}
		return fmt.Errorf("store events and commit: %w", err)
	}
	t.open = false
	for i := range t.events {
		t.events[i].Pos = last - n + int64(i) + 1
	}
	return nil
}

func (t *txn) queueEvents(b *pgx.Batch, n int64) {
	var idx, chat, seq, actor, replyTo, fwdChat, fwdSeq, fwdSender, target, anon, rights, until []int64
	var typ, clientID, text, role, terms, media, rich, refFile []string
	var refChat, refSeq []int64
	for i, e := range t.events {
		if e.Type == domain.EvRead || e.ForUser != 0 {
			continue // kept in members.read_* and user_events, see queueReads and queueUserEvents
		}
		var hidden int64
		if sender, ok := t.anon[i]; ok {
			e.ActorID, hidden = sender, 1
		}
		var f domain.Forward
		if e.Forward != nil {
			f = *e.Forward
		}
		if slices.Contains(t.scrubbed, i) {
			e.Text = ""
		}
		idx = append(idx, int64(i)+1)
		chat, seq, actor = append(chat, e.ChatID), append(seq, e.Seq), append(actor, e.ActorID)
		typ, clientID, text = append(typ, e.Type), append(clientID, e.ClientID), append(text, e.Text)
		replyTo, target, role = append(replyTo, e.ReplyTo), append(target, e.Target), append(role, string(e.Role))
		fwdChat, fwdSeq, fwdSender = append(fwdChat, f.ChatID), append(fwdSeq, f.Seq), append(fwdSender, f.SenderID)
		anon, rights, until = append(anon, hidden), append(rights, int64(e.Rights)), append(until, untilMS(e.Until))
		mj, _ := rowmap.MediaJSON(&e).(string)
		media = append(media, mj)
		rj, _ := rowmap.RichJSON(&e).(string)
		rich = append(rich, rj)
		for _, m := range e.Media {
			refFile, refChat, refSeq = append(refFile, m.FileID), append(refChat, e.ChatID), append(refSeq, e.Seq)
		}
		var words string
		if e.Type == domain.EvMessage {
			words = indexedTerms(e.Text)
		}
		terms = append(terms, words)
	}
	if len(idx) == 0 {
		return
	}
	args := []any{n, ms(t.now), idx, chat, seq, typ, actor, clientID, text, replyTo, fwdChat, fwdSeq, fwdSender, target, role, terms}
	// The columns that are nearly always 0 (anon, rights, until) are sent
	// only for a batch that has a value for them: most batches are plain
	// messages, and their statement stays as narrow as before channels.
	cols, vals, arrays, names := "", "", "", ""
	if slices.ContainsFunc(anon, nonzero) || slices.ContainsFunc(rights, nonzero) || slices.ContainsFunc(until, nonzero) {
		cols, vals = ", anon, rights, until", ", x.anon, NULLIF(x.rights, 0), NULLIF(x.until, 0)"
		arrays, names = ", $17::int[], $18::bigint[], $19::bigint[]", ", anon, rights, until"
		args = append(args, anon, rights, until)
	}
	if slices.ContainsFunc(media, func(s string) bool { return s != "" }) {
		cols, vals = cols+", media", vals+", NULLIF(x.media, '')"
		arrays, names = arrays+fmt.Sprintf(", $%d::text[]", len(args)+1), names+", media"
		args = append(args, media)
	}
	if slices.ContainsFunc(rich, func(s string) bool { return s != "" }) {
		cols, vals = cols+", rich", vals+", NULLIF(x.rich, '')"
		arrays, names = arrays+fmt.Sprintf(", $%d::text[]", len(args)+1), names+", rich"
		args = append(args, rich)
	}
	if len(refFile) > 0 {
		// Who may fetch a file: see CanReadFile.
		b.Queue(`INSERT INTO file_refs(file_id, chat_id, seq) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])
			ON CONFLICT DO NOTHING`, refFile, refChat, refSeq)
	}
	b.Queue(`INSERT INTO events(pos, chat_id, seq, type, actor_id, date, client_id, text, reply_to,
			fwd_chat, fwd_seq, fwd_sender, target, role, search`+cols+`)
		SELECT p.last - $1 + x.i, x.chat_id, x.seq, x.type, x.actor_id, $2, NULLIF(x.client_id, ''), x.text, x.reply_to,
			x.fwd_chat, x.fwd_seq, x.fwd_sender, x.target, x.role,
			CASE WHEN x.type = 'message' THEN `+searchVector("x.terms")+` END`+vals+`
		FROM chapar_pos p, unnest($3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::bigint[], $8::text[],
			$9::text[], $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[], $15::text[], $16::text[]`+arrays+`)
			AS x(i, chat_id, seq, type, actor_id, client_id, text, reply_to, fwd_chat, fwd_seq, fwd_sender, target, role, terms`+names+`)
		WHERE p.id = 1`, args...)
}

func nonzero(v int64) bool { return v != 0 }

// queueUserEvents stores the batch's private events (other than reads).
func (t *txn) queueUserEvents(b *pgx.Batch, n int64) {
	var idx, user, chat, actor, target, rights, until []int64
	var typ, role, text []string
	for i, e := range t.events {
		if e.ForUser == 0 || e.Type == domain.EvRead {
			continue
		}
		text = append(text, e.Text)
		idx, user, chat = append(idx, int64(i)+1), append(user, e.ForUser), append(chat, e.ChatID)
		actor, target, rights = append(actor, e.ActorID), append(target, e.Target), append(rights, int64(e.Rights))
		until, typ, role = append(until, untilMS(e.Until)), append(typ, e.Type), append(role, string(e.Role))
	}
	if len(idx) == 0 {
		return
	}
	b.Queue(`INSERT INTO user_events(pos, user_id, chat_id, type, actor_id, target, role, rights, until, date, text)
		SELECT p.last - $1 + x.i, x.user_id, x.chat_id, x.type, x.actor_id, x.target, x.role, x.rights, x.until, $2, x.text
		FROM chapar_pos p, unnest($3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::bigint[], $8::bigint[],
			$9::text[], $10::bigint[], $11::bigint[], $12::text[]) AS x(i, user_id, chat_id, type, actor_id, target, role, rights, until, text)
		WHERE p.id = 1`,
		n, ms(t.now), idx, user, chat, typ, actor, target, role, rights, until, text)
}

// queueViews counts the batch's views: each (message, user) once, ever.
func (t *txn) queueViews(b *pgx.Batch) {
	if len(t.views) == 0 {
		return
	}
	var chat, seq, user []int64
	for _, v := range t.views {
		chat, seq, user = append(chat, v.chat), append(seq, v.seq), append(user, v.user)
	}
	// Only the views that are new (the INSERT's RETURNING) move a counter;
	// DISTINCT, since one batch may hold the same view twice.
	b.Queue(`WITH asked AS (SELECT DISTINCT x.chat_id, x.seq, x.user_id
			FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS x(chat_id, seq, user_id)
			JOIN events e ON e.chat_id = x.chat_id AND e.seq = x.seq AND e.type = 'message'),
		added AS (INSERT INTO views(chat_id, seq, user_id) SELECT chat_id, seq, user_id FROM asked
			ON CONFLICT DO NOTHING RETURNING chat_id, seq),
		counts AS (SELECT chat_id, seq, count(*) AS n FROM added GROUP BY chat_id, seq)
		UPDATE events e SET views = e.views + counts.n FROM counts WHERE e.chat_id = counts.chat_id AND e.seq = counts.seq`,
		chat, seq, user)
}

// queueSentAt saves when slow-mode senders sent.
func (t *txn) queueSentAt(b *pgx.Batch) {
	if len(t.sentAt) == 0 {
		return
	}
	var chat, user, at []int64
	for k, v := range t.sentAt {
		chat, user, at = append(chat, k.chat), append(user, k.user), append(at, v)
	}
	b.Queue(`UPDATE members m SET last_sent_at = x.at
		FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS x(chat_id, user_id, at)
		WHERE m.chat_id = x.chat_id AND m.user_id = x.user_id`, chat, user, at)
}

// queueLogs writes the batch's admin log entries, in order.
func (t *txn) queueLogs(b *pgx.Batch) {
	if len(t.logs) == 0 {
		return
	}
	var chat, actor, target []int64
	var action, detail []string
	for _, l := range t.logs {
		chat, actor, target = append(chat, l.ChatID), append(actor, l.ActorID), append(target, l.Target)
		action, detail = append(action, l.Action), append(detail, l.Detail)
	}
	b.Queue(`INSERT INTO admin_log(chat_id, actor_id, action, target, detail, date)
		SELECT x.chat_id, x.actor_id, x.action, x.target, x.detail, $1
		FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::text[]) WITH ORDINALITY
			AS x(chat_id, actor_id, action, target, detail, i)
		ORDER BY x.i`, ms(t.now), chat, actor, action, target, detail)
}

func (t *txn) queueReads(b *pgx.Batch, n int64) {
	if len(t.reads) == 0 {
		return
	}
	var idx, chat, user, seq []int64
	var private []bool
	for k, r := range t.reads {
		idx, chat, user, seq = append(idx, int64(r.idx)), append(chat, k.chat), append(user, k.user), append(seq, r.seq)
		private = append(private, t.events[r.idx-1].ForUser != 0)
	}
	b.Queue(`UPDATE members m SET read_seq = x.seq, read_pos = p.last - $1 + x.i, read_at = $2, read_private = x.private
		FROM chapar_pos p, unnest($3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::boolean[])
			AS x(i, chat_id, user_id, seq, private)
		WHERE p.id = 1 AND m.chat_id = x.chat_id AND m.user_id = x.user_id`,
		n, ms(t.now), idx, chat, user, seq, private)
}

func (t *txn) queueLefts(b *pgx.Batch, n int64) {
	if len(t.lefts) == 0 {
		return
	}
	var idx, chat, user, seq []int64
	// A member may leave a channel, join and leave again in one batch with
	// the same left_seq (private events take no seq): the last leave wins.
	last := make(map[memberKey]int, len(t.lefts))
	for i, l := range t.lefts {
		last[memberKey{l.chat, l.user}] = i
	}
	for i, l := range t.lefts {
		if last[memberKey{l.chat, l.user}] != i {
			continue
		}
		idx, chat, user, seq = append(idx, int64(l.idx)), append(chat, l.chat), append(user, l.user), append(seq, l.seq)
	}
	// left_seq still matching means the member was not added back later
	// in this batch.
	b.Queue(`UPDATE members m SET left_pos = p.last - $1 + x.i
		FROM chapar_pos p, unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[]) AS x(i, chat_id, user_id, seq)
		WHERE p.id = 1 AND m.chat_id = x.chat_id AND m.user_id = x.user_id AND m.left_seq = x.seq`,
		n, idx, chat, user, seq)
}

func (t *txn) queueHeads(b *pgx.Batch, n int64) {
	var ids, seqs, idx, members []int64
	for id, h := range t.heads {
		if h.dirty {
			ids, seqs = append(ids, id), append(seqs, h.seq)
			idx, members = append(idx, int64(h.lastIdx)), append(members, int64(h.members))
		}
	}
	if len(ids) == 0 {
		return
	}
	b.Queue(`UPDATE chats c SET last_seq = x.seq, members = x.members,
			last_pos = CASE WHEN x.i > 0 THEN p.last - $1 + x.i ELSE c.last_pos END
		FROM chapar_pos p, unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[]) AS x(id, seq, i, members)
		WHERE p.id = 1 AND c.id = x.id`,
		n, ids, seqs, idx, members)
}

// committed publishes a committed batch's events, in position order, then
// answers its ops, and returns the ops to carry to the next batch.
func (w *writer) committed(t *txn, batch []*op) (carried []*op) {
	if len(t.events) > 0 {
		w.pub.Publish(t.events)
	}
	for _, o := range batch {
		if o.carry {
			carried = append(carried, o)
			continue
		}
		if o.err == nil && o.last > o.first {
			o.evs = slices.Clone(t.events[o.first:o.last])
		}
		close(o.done)
	}
	return carried
}

// do runs fn in a batch and waits until it is committed. chat is the chat
// fn writes to (0 if none), locked before any op of the batch runs.
func (w *writer) do(ctx context.Context, chat int64, fn func(t *txn) error) ([]domain.Event, error) {
	return w.submit(&op{ctx: ctx, chat: chat, fn: fn})
}

// submit runs o in a batch and waits until it is committed; it returns the
// events o stored, with their positions.
func (w *writer) submit(o *op) ([]domain.Event, error) {
	ctx := o.ctx
	o.done = make(chan struct{})
	select {
	case w.ops <- o:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-w.stop:
		return nil, domain.Errorf(domain.KindUnavailable, "server is stopping")
	}
	// Once queued, wait for the outcome even if ctx ends: the op may already
	// be committed, and the caller must not be told otherwise.
	select {
	case <-o.done:
		return o.evs, o.err
	case <-w.stopped:
		select {
		case <-o.done:
			return o.evs, o.err
		default: // never run: the writer stopped first
			return nil, domain.Errorf(domain.KindUnavailable, "server is stopping")
		}
	}
}

// exec runs a statement that writes.
func (t *txn) exec(query string, args ...any) (pgconn.CommandTag, error) {
	t.wrote = true
	ct, err := t.conn.Exec(t.ctx, query, args...)
	if err != nil {
		t.broken = true
	}
	return ct, err
}

// queryRow runs a query that reads; insertRow one that writes and returns a
// row (INSERT … RETURNING).
func (t *txn) queryRow(query string, args ...any) rowScanner {
	return txRow{t, t.conn.QueryRow(t.ctx, query, args...)}
}

func (t *txn) insertRow(query string, args ...any) rowScanner {
	t.wrote = true
	return t.queryRow(query, args...)
}

type txRow struct {
	t   *txn
	row pgx.Row
}

func (r txRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		r.t.broken = true
	}
	return err
}

// sendBatch runs reads queued in b in one round trip.
func (t *txn) sendBatch(b *pgx.Batch) error {
	err := t.conn.SendBatch(t.ctx, b).Close()
	if err != nil {
		t.broken = true
	}
	return err
}

// head returns the chat's state, locking its row if this transaction has
// not yet. The batch locks its chats in order when it begins; this is for
// chats an op finds only as it runs.
func (t *txn) head(chatID int64) (*chatHead, error) {
	if h, ok := t.heads[chatID]; ok {
		return h, nil
	}
	h := &chatHead{}
	err := t.queryRow(`SELECT `+headCols+` FROM chats WHERE id = $1 FOR UPDATE`, chatID).Scan(h.dest()...)
	if err != nil {
		return nil, notFound(err, "chat")
	}
	t.addHead(chatID, h)
	return h, nil
}

func (t *txn) addHead(chatID int64, h *chatHead) {
	t.heads[chatID] = h
	t.undo = append(t.undo, func() { delete(t.heads, chatID) })
}

// change records h's state so that a failing op can restore it.
func (t *txn) change(h *chatHead) {
	prev := *h
	t.undo = append(t.undo, func() { *h = prev })
	h.dirty = true
}

// headCols are what a transaction reads of a chat it locks (chatHead.dest).
const headCols = `last_seq, members, type, default_rights, signatures, slow_mode`

func (h *chatHead) dest() []any {
	return []any{&h.seq, &h.members, (*string)(&h.typ), &h.defaultRights, &h.signatures, &h.slowMode}
}

// appendEvent gives ev its chat's next seq and the batch's date, and queues
// it; it gets its position, and is stored, when the batch commits. In a
// channel without signatures the event is anonymous: it reads actor 0,
// and the row keeps the actor (t.anon).
func (t *txn) appendEvent(ev *domain.Event) error {
	h, err := t.head(ev.ChatID)
	if err != nil {
		return err
	}
	t.change(h)
	h.seq++
	ev.Seq, ev.Date = h.seq, t.now
	actor := ev.ActorID
	anon := h.typ == domain.ChatChannel && !h.signatures && actor != 0
	if anon {
		ev.ActorID = 0
	}
	t.events = append(t.events, *ev)
	h.lastIdx = len(t.events)
	if anon {
		i := len(t.events) - 1
		t.anon[i] = actor
		t.undo = append(t.undo, func() { delete(t.anon, i) })
	}
	return nil
}

// appendPrivate queues a private event (ev.ForUser set): it gets a position
// at commit but no seq, and leaves the chat's head as it is.
func (t *txn) appendPrivate(ev *domain.Event) error {
	if _, err := t.head(ev.ChatID); err != nil {
		return err
	}
	ev.Seq, ev.Date = 0, t.now
	t.events = append(t.events, *ev)
	return nil
}

// memberEvent appends an event about one member (joining, leaving, a role
// change): private to that member where domain.PrivateMembership says so
// for the chat's size before the change (membersBefore), else a chat event.
func (t *txn) memberEvent(ev *domain.Event, user int64, membersBefore int) error {
	h, err := t.head(ev.ChatID)
	if err != nil {
		return err
	}
	if domain.PrivateMembership(h.typ, membersBefore) {
		ev.ForUser = user
		return t.appendPrivate(ev)
	}
	return t.appendEvent(ev)
}

// log queues an admin log entry for a group or channel, written when the
// batch commits.
func (t *txn) log(chatID, actorID int64, action string, target int64, detail string) error {
	h, err := t.head(chatID)
	if err != nil {
		return err
	}
	if h.typ != domain.ChatGroup && h.typ != domain.ChatChannel {
		return nil
	}
	t.logs = append(t.logs, domain.LogEntry{ChatID: chatID, ActorID: actorID, Action: action, Target: target, Detail: detail})
	return nil
}
