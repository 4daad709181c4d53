package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/store/storetest"
)

// holdWriter keeps the writer busy inside a batch until the returned
// function is called, so that the ops queued meanwhile share the next batch.
func holdWriter(t *testing.T, s *Store) (release func()) {
	t.Helper()
	reached, releaseHold, answered := queueHold(s)
	<-reached
	return func() { releaseHold(); <-answered }
}

// queueHold queues an op that, when its batch runs it, says so on reached
// and waits until release is called; answered is closed when the op has
// been answered.
func queueHold(s *Store) (reached <-chan struct{}, release func(), answered <-chan struct{}) {
	started, hold, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var once sync.Once
	go func() {
		defer close(done)
		s.w.do(ctx, 0, func(*txn) error {
			once.Do(func() { close(started) })
			<-hold
			return nil
		})
	}()
	var releaseOnce sync.Once
	return started, func() { releaseOnce.Do(func() { close(hold) }) }, done
}

// waitQueued waits until n ops wait for the writer.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(s.w.ops) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d ops queued, want %d", len(s.w.ops), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestBatchOpFailures puts ops that fail in different ways into one batch
// with ops that succeed: each failure is answered alone and leaves nothing
// behind, and the rest commit.
func TestBatchOpFailures(t *testing.T) {
	rec := &storetest.Recorder{}
	s := openStore(t, freshDB(t), rec)
	a, b, c := mustUser(t, s, "alice"), mustUser(t, s, "bobby"), mustUser(t, s, "carol")
	g := mustGroup(t, s, a.ID, b.ID)
	before, err := s.Chat(ctx, g.ID)
	if err != nil {
		t.Fatal(err)
	}

	release := holdWriter(t, s)
	var wg sync.WaitGroup
	run := func(f func()) {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}
	var sendA, sendB, twice1, twice2 domain.Event
	var dup1, dup2 bool
	var errA, errB, errRemove, errUser, errTwice1, errTwice2, errRename error
	run(func() {
		sendA, _, errA = s.AppendMessage(ctx, domain.NewMessage{ChatID: g.ID, SenderID: a.ID, ClientID: "a", Text: "a"})
	})
	// Fails after writing: b's removal is stored, then handing the group
	// to c (not a member) fails. The batch must run again with savepoints.
	run(func() { _, errRemove = s.RemoveMember(ctx, g.ID, a.ID, b.ID, c.ID) })
	run(func() {
		sendB, _, errB = s.AppendMessage(ctx, domain.NewMessage{ChatID: g.ID, SenderID: b.ID, ClientID: "b", Text: "b"})
	})
	run(func() { _, errUser = s.CreateUser(ctx, domain.User{Username: "ALICE"}) })
	run(func() { _, errRename = s.UpdateUser(ctx, domain.User{ID: c.ID, Username: "Bobby"}) })
	// One client id twice in one batch: the second waits for the next
	// batch and is answered as a duplicate.
	run(func() {
		twice1, dup1, errTwice1 = s.AppendMessage(ctx, domain.NewMessage{ChatID: g.ID, SenderID: a.ID, ClientID: "twice", Text: "t"})
	})
	run(func() {
		twice2, dup2, errTwice2 = s.AppendMessage(ctx, domain.NewMessage{ChatID: g.ID, SenderID: a.ID, ClientID: "twice", Text: "t"})
	})
	waitQueued(t, s, 7)
	release()
	wg.Wait()

	if errA != nil || errB != nil {
		t.Fatalf("sends: %v, %v", errA, errB)
	}
	if !domain.IsKind(errRemove, domain.KindNotFound) {
		t.Fatalf("remove with a non-member as new owner: %v", errRemove)
	}
	if !domain.IsKind(errUser, domain.KindConflict) || !domain.IsKind(errRename, domain.KindConflict) {
		t.Fatalf("taken usernames: %v, %v", errUser, errRename)
	}
	if errTwice1 != nil || errTwice2 != nil || dup1 == dup2 || twice1.Pos != twice2.Pos || twice1.Seq != twice2.Seq {
		t.Fatalf("one client id twice: %+v %v %v / %+v %v %v", twice1, dup1, errTwice1, twice2, dup2, errTwice2)
	}
	// b is still a member, and the chat holds exactly the three messages.
	if m, err := s.Member(ctx, g.ID, b.ID); err != nil || !m.Active() {
		t.Fatalf("b after the failed removal: %+v %v", m, err)
	}
	after, err := s.Chat(ctx, g.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.LastSeq != before.LastSeq+3 || after.Members != 2 {
		t.Fatalf("chat after the batch: %+v (before: %+v)", after, before)
	}
	evs, err := s.EventsAfter(ctx, g.ID, before.LastPos, after.LastPos, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 3 {
		t.Fatalf("stored %+v", evs)
	}
	for _, e := range evs {
		if e.Type != domain.EvMessage {
			t.Fatalf("stored %+v", e)
		}
	}
	if sendA.Pos == 0 || sendB.Pos == 0 {
		t.Fatalf("positions: %d, %d", sendA.Pos, sendB.Pos)
	}
	// What was published is what was stored.
	last, err := s.LastPos(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := s.EventsBetween(ctx, 0, last, 100)
	if err != nil {
		t.Fatal(err)
	}
	published := rec.Snapshot()
	if len(stored) != len(published) {
		t.Fatalf("stored %d events, published %d", len(stored), len(published))
	}
	for i := range stored {
		if stored[i].Pos != published[i].Pos || stored[i].Type != published[i].Type || stored[i].Seq != published[i].Seq {
			t.Fatalf("stored %+v, published %+v", stored[i], published[i])
		}
	}
}

// TestBatchEditThenDelete edits and deletes one message in the same batch:
// the stored edit event must not keep the words.
func TestBatchEditThenDelete(t *testing.T) {
	s := openStore(t, freshDB(t), nil)
	a := mustUser(t, s, "alice")
	g := mustGroup(t, s, a.ID)
	m, _, err := s.AppendMessage(ctx, domain.NewMessage{ChatID: g.ID, SenderID: a.ID, ClientID: "m", Text: "first"})
	if err != nil {
		t.Fatal(err)
	}
	release := holdWriter(t, s)
	var errEdit, errDelete error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _, errEdit = s.EditMessage(ctx, g.ID, m.Seq, a.ID, "secret", domain.Rich{}) }()
	waitQueued(t, s, 1) // the edit runs first
	wg.Add(1)
	go func() { defer wg.Done(); _, errDelete = s.DeleteMessage(ctx, g.ID, m.Seq, a.ID) }()
	waitQueued(t, s, 2)
	release()
	wg.Wait()
	if errEdit != nil || errDelete != nil {
		t.Fatalf("edit %v, delete %v", errEdit, errDelete)
	}
	last, err := s.LastPos(ctx)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := s.EventsAfter(ctx, g.ID, m.Pos, last, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Type != domain.EvEdit || evs[0].Text != "" || evs[1].Type != domain.EvDelete {
		t.Fatalf("stored %+v", evs)
	}
}

// TestLockOrder runs, on two nodes, batches that write to the same two
// chats in opposite orders, each pausing between its two chats. Chats are
// locked in id order when a batch begins, so the second batch waits at its
// start for the first to commit: no deadlock, nobody runs again.
func TestLockOrder(t *testing.T) {
	dsn := freshDB(t)
	a, b := openStore(t, dsn, nil), openStore(t, dsn, nil)
	u := mustUser(t, a, "alice")
	g1, g2 := mustGroup(t, a, u.ID), mustGroup(t, a, u.ID)

	var wg sync.WaitGroup
	var errs [4]error
	send := func(s *Store, chat int64, i int) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = s.AppendMessage(ctx, domain.NewMessage{ChatID: chat, SenderID: u.ID, ClientID: fmt.Sprint(i), Text: "x"})
		}()
	}
	// Each node's next batch: a send, a pause, a send to the other chat.
	queue := func(s *Store, first, second int64, i int) (reached <-chan struct{}, release func()) {
		releaseWriter := holdWriter(t, s)
		send(s, first, i)
		waitQueued(t, s, 1)
		reached, release, _ = queueHold(s)
		waitQueued(t, s, 2)
		send(s, second, i+1)
		waitQueued(t, s, 3)
		releaseWriter()
		return reached, release
	}
	reachedA, releaseA := queue(a, g2.ID, g1.ID, 0)
	<-reachedA // a's batch holds both chats now
	reachedB, releaseB := queue(b, g1.ID, g2.ID, 2)
	select {
	case <-reachedB:
		t.Error("b's batch ran while a's held the chats it writes to")
	case <-time.After(300 * time.Millisecond):
	}
	releaseA()
	releaseB()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("send %d: %v", i, err)
		}
	}
	for n, s := range []*Store{a, b} {
		if d := s.w.deadlocks.Load(); d != 0 {
			t.Errorf("node %d was a deadlock victim %d times", n, d)
		}
	}
}

// TestCanceledBeforeRun: an op whose caller gave up before its batch ran
// is not run, and the caller hears why.
func TestCanceledBeforeRun(t *testing.T) {
	s := openStore(t, freshDB(t), nil)
	u := mustUser(t, s, "alice")
	g := mustGroup(t, s, u.ID)
	release := holdWriter(t, s)
	cctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() {
		_, _, err := s.AppendMessage(cctx, domain.NewMessage{ChatID: g.ID, SenderID: u.ID, ClientID: "c", Text: "x"})
		errc <- err
	}()
	waitQueued(t, s, 1)
	cancel()
	release()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled send: %v", err)
	}
	if c, err := s.Chat(ctx, g.ID); err != nil || c.LastSeq != 1 {
		t.Fatalf("chat after a canceled send: %+v %v", c, err)
	}
}

// TestClosed: a closed store refuses writes as unavailable.
func TestClosed(t *testing.T) {
	s := openStore(t, freshDB(t), nil)
	s.Close()
	_, err := s.CreateUser(ctx, domain.User{Username: "late"})
	if !domain.IsKind(err, domain.KindUnavailable) {
		t.Fatalf("write after close: %v", err)
	}
}
