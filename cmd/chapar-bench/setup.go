package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/chapar/chapar/client"
)

// bench is one run: its servers, its random prefix and its clock.
type bench struct {
	opt     options
	servers []string
	run     string    // random prefix of usernames and client ids
	start   time.Time // the run's clock: every timestamp is ns since start (monotonic)
	log     io.Writer

	firstDeliveries atomic.Int64 // first deliveries of any of our messages, for the drain
	expected        atomic.Int64 // deliveries owed by acked messages, for the drain
	dials           atomic.Int64 // WebSockets opened, to spread them over -source-ips
	sendErrors      atomic.Int64
	errs            errorLog
}

func newBench(opt options, servers []string, log io.Writer) *bench {
	return &bench{opt: opt, servers: servers, run: newRunID(), start: time.Now(), log: log}
}

// newRunID makes a prefix like "b4kq7x2m": a letter, then 7 letters or
// digits, so that usernames built on it are valid and runs do not collide.
func newRunID() string {
	return "b" + strings.ToLower(rand.Text()[:7])
}

// since is the run's clock.
func (b *bench) since() int64 { return int64(time.Since(b.start)) }

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "chapar-bench: "+format+"\n", args...)
}

// errorLog keeps the first few errors of a run, and counts them all.
type errorLog struct {
	mu    sync.Mutex
	first []string
	n     int
}

func (e *errorLog) add(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.n++
	if len(e.first) < 5 {
		e.first = append(e.first, err.Error())
	}
}

func (e *errorLog) list() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := append([]string(nil), e.first...)
	if e.n > len(out) {
		out = append(out, fmt.Sprintf("… and %d more", e.n-len(out)))
	}
	return out
}

// parallel runs f(0..n-1) on at most workers goroutines. The first error
// stops the rest and is returned.
func parallel(ctx context.Context, n, workers int, f func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(max(workers, 1), n) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := f(ctx, i); err != nil {
					cancel(err)
				}
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return ctx.Err()
}

// user is one account of the run and the client signed in as it.
type user struct {
	c      *client.Client
	id     int64
	server int // index into bench.servers
}

func (b *bench) newClient(server int) *client.Client {
	// No keep-alive pings: the run is bounded by -timeout, and idle
	// connections should cost the server nothing but being held.
	opts := []client.Option{client.WithKeepAlive(0), client.WithUserAgent("chapar-bench")}
	if len(b.opt.sourceAddrs) > 0 {
		opts = append(opts, client.WithNetDial(b.dialFromSources))
	}
	return client.New(b.servers[server], opts...)
}

// dialFromSources opens each WebSocket from the next -source-ips address.
func (b *bench) dialFromSources(ctx context.Context, network, addr string) (net.Conn, error) {
	ip := b.opt.sourceAddrs[int(b.dials.Add(1))%len(b.opt.sourceAddrs)]
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: ip.AsSlice()}}
	return d.DialContext(ctx, network, addr)
}

// register creates n users; user i signs up on server serverOf(i).
func (b *bench) register(ctx context.Context, n int, serverOf func(i int) int) ([]*user, error) {
	t := time.Now()
	users := make([]*user, n)
	err := parallel(ctx, n, b.opt.concurrency, func(ctx context.Context, i int) error {
		u := &user{c: b.newClient(serverOf(i)), server: serverOf(i)}
		name := b.run + "_" + strconv.Itoa(i)
		a, err := u.c.Register(ctx, client.RegisterRequest{Username: name, Password: "pw-" + b.run, Device: "chapar-bench"})
		if err != nil {
			return fmt.Errorf("register %s: %w", name, err)
		}
		u.id = a.User.ID
		users[i] = u
		return nil
	})
	if err != nil {
		return nil, err
	}
	b.logf("registered %d users in %.1fs", n, time.Since(t).Seconds())
	return users, nil
}

// listener is a stream whose message events are counted. If the server
// drops it (a slow consumer, say), it reconnects and resumes from the
// highest position seen, as docs/API.md says a client must.
type listener struct {
	b       *bench
	u       *user
	onEvent func(ev *client.Event, at int64) // on the listener's goroutine; may be nil
	started int64                            // when open began (ns since the run's start)
	synced  int64                            // when the first synced frame arrived

	mu         sync.Mutex
	s          *client.Stream
	last       int64 // highest position seen
	reconnects int
}

// open connects and waits for the first synced frame.
func (l *listener) open(ctx context.Context) error {
	l.started = l.b.since()
	s, err := l.u.c.Connect(ctx, nil)
	if err != nil {
		return err
	}
	l.mu.Lock()
	l.s, l.last = s, s.Welcome().Pos
	l.mu.Unlock()
	for {
		select {
		case f, ok := <-s.Frames():
			if !ok {
				return fmt.Errorf("stream ended before synced: %w", s.Err())
			}
			if l.handle(f) {
				l.synced = l.b.since()
				return nil
			}
		case <-ctx.Done():
			s.Close()
			return ctx.Err()
		}
	}
}

// handle takes one frame and reports whether it was a synced frame.
func (l *listener) handle(f client.Frame) bool {
	switch f.Type {
	case client.FrameSynced:
		l.last = max(l.last, f.Pos)
		return true
	case client.FrameEvent:
		if f.Event == nil {
			return false
		}
		l.last = max(l.last, f.Event.Pos)
		if l.onEvent != nil && f.Event.Type == client.EventMessage {
			l.onEvent(f.Event, l.b.since())
		}
	}
	return false
}

// loop reads frames until stop is closed (or ctx ends), reconnecting with
// resume when the stream drops, then closes the stream.
func (l *listener) loop(ctx context.Context, stop <-chan struct{}) {
	for {
		s := l.stream()
	read:
		for {
			select {
			case f, ok := <-s.Frames():
				if !ok {
					break read
				}
				l.handle(f)
			case <-stop:
				s.Close()
				return
			case <-ctx.Done():
				s.Close()
				return
			}
		}
		if err := l.resume(ctx, stop, s.Err()); err != nil {
			return
		}
	}
}

// startListeners runs the listeners' loops; the function it returns stops
// them, closes their streams and waits until they are done. It may be
// called more than once.
func startListeners(ctx context.Context, ls []*listener) (stop func()) {
	ch := make(chan struct{})
	var wg sync.WaitGroup
	for _, l := range ls {
		wg.Go(func() { l.loop(ctx, ch) })
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			close(ch)
			wg.Wait()
		})
	}
}

// resume reconnects from the last position, retrying with a short backoff.
func (l *listener) resume(ctx context.Context, stop <-chan struct{}, why error) error {
	wait := 50 * time.Millisecond
	for attempt := 0; ; attempt++ {
		l.b.errs.add(fmt.Errorf("stream of user %d dropped (resuming): %w", l.u.id, why))
		select {
		case <-stop:
			return errors.New("stopped")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		pos := l.last
		s, err := l.u.c.Connect(ctx, &pos)
		if err == nil {
			l.mu.Lock()
			l.s = s
			l.reconnects++
			l.mu.Unlock()
			return nil
		}
		why, wait = err, min(2*wait, 2*time.Second)
		if attempt >= 20 {
			return err
		}
	}
}

func (l *listener) stream() *client.Stream {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.s
}

// sender is a stream used to send. Its frames (the sender's own copies of
// its messages) are read and dropped; if it drops, the next send
// reconnects and retries with the same client_id.
type sender struct {
	b  *bench
	u  *user
	mu sync.Mutex
	s  *client.Stream
}

func (sd *sender) open(ctx context.Context) error {
	s, err := sd.u.c.Connect(ctx, nil)
	if err != nil {
		return err
	}
	go discard(s)
	sd.mu.Lock()
	sd.s = s
	sd.mu.Unlock()
	return nil
}

func discard(s *client.Stream) {
	for range s.Frames() {
	}
}

// send sends one message and waits for its ack.
func (sd *sender) send(ctx context.Context, chatID int64, clientID, text string) error {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		sd.mu.Lock()
		s := sd.s
		sd.mu.Unlock()
		_, err = s.Send(ctx, chatID, client.SendRequest{ClientID: clientID, Text: text})
		if err == nil || ctx.Err() != nil || s.Err() == nil {
			return err // sent, or a refusal a retry would not change
		}
		if rerr := sd.reopen(ctx, s); rerr != nil {
			return fmt.Errorf("%w; reconnect: %w", err, rerr)
		}
	}
	return err
}

// reopen replaces the stream old, unless another send already has.
func (sd *sender) reopen(ctx context.Context, old *client.Stream) error {
	sd.mu.Lock()
	defer sd.mu.Unlock()
	if sd.s != old {
		return nil
	}
	sd.b.errs.add(fmt.Errorf("sender stream of user %d dropped (reconnecting): %w", sd.u.id, old.Err()))
	s, err := sd.u.c.Connect(ctx, nil)
	if err != nil {
		return err
	}
	go discard(s)
	sd.s = s
	return nil
}

func (sd *sender) close() {
	sd.mu.Lock()
	s := sd.s
	sd.mu.Unlock()
	if s != nil {
		s.Close()
	}
}

// clientID names message n of chat k of this run; parseClientID reads it back.
func (b *bench) clientID(k, n int) string {
	return b.run + "." + strconv.Itoa(k) + "." + strconv.Itoa(n)
}

func parseClientID(run, id string) (k, n int, ok bool) {
	rest, ok := strings.CutPrefix(id, run+".")
	if !ok {
		return 0, 0, false
	}
	ks, ns, ok := strings.Cut(rest, ".")
	if !ok {
		return 0, 0, false
	}
	k, err1 := strconv.Atoi(ks)
	n, err2 := strconv.Atoi(ns)
	return k, n, err1 == nil && err2 == nil
}

// messageText is the text of every message: size bytes of mixed Latin
// and Persian, so that encoders and UTF-8 checks do real work.
func messageText(size int) string {
	const base = "chapar-bench سلام "
	var sb strings.Builder
	for sb.Len() < size {
		for _, r := range base {
			if sb.Len()+utf8.RuneLen(r) > size {
				r = '.'
			}
			if sb.Len() >= size {
				break
			}
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// waitDrain waits, after the sending, until every delivery the acked
// messages owe has arrived or the drain time is up. With send errors the
// count cannot tell (an unacked message may still have been delivered),
// so it waits the whole drain time.
func (b *bench) waitDrain(ctx context.Context) {
	deadline := time.Now().Add(b.opt.drain)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if b.sendErrors.Load() == 0 && b.firstDeliveries.Load() >= b.expected.Load() {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// closeAll closes streams with bounded concurrency.
func closeAll[T any](items []T, closeOne func(T)) {
	parallel(context.Background(), len(items), 256, func(_ context.Context, i int) error {
		closeOne(items[i])
		return nil
	})
}
