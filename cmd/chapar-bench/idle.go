package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"sync/atomic"
	"time"
)

// idleScenario: open N authenticated WebSockets, hold them, and see what
// they cost the server.
type idleScenario struct {
	clients    int
	users      int
	duration   time.Duration
	pingSample int
	settle     time.Duration
}

// fdReserve is the files kept free for everything but the WebSockets.
const fdReserve = 100

func (s *idleScenario) flags(fs *flag.FlagSet) {
	fs.IntVar(&s.clients, "clients", 1000, "WebSockets to open and hold")
	fs.IntVar(&s.users, "users", 0, "users to create; the connections share their tokens round-robin, like users with many devices (default min(clients, 500))")
	fs.DurationVar(&s.duration, "duration", 30*time.Second, "how long to hold the connections")
	fs.IntVar(&s.pingSample, "ping-sample", 100, "connections pinged at the end to check they are alive")
	fs.DurationVar(&s.settle, "settle", 30*time.Second, "before connecting, wait at most this long for the servers' RSS to stop moving")
}

func (s *idleScenario) check(opt options) error {
	if s.users == 0 {
		s.users = min(s.clients, 500)
	}
	switch {
	case s.clients < 1:
		return errors.New("-clients: must be at least 1")
	case s.users < 1 || s.users > s.clients:
		return errors.New("-users: must be 1 to -clients")
	case s.duration < 0:
		return errors.New("-duration: must not be negative")
	case s.pingSample < 0:
		return errors.New("-ping-sample: must not be negative")
	}
	return nil
}

func (s *idleScenario) run(ctx context.Context, b *bench) (*result, error) {
	limit := raiseFileLimit()
	if limit > 0 && uint64(s.clients)+fdReserve > limit {
		return nil, fmt.Errorf("-clients %d: this process may open %d files; keep -clients at most %d and run one chapar-bench per that many connections",
			s.clients, limit, limit-fdReserve)
	}
	setupStart := time.Now()
	k := len(b.servers)
	users := max(s.users, k) // at least one on every server
	us, err := b.register(ctx, users, func(i int) int { return roundRobin(i, k) })
	if err != nil {
		return nil, err
	}
	// Connection i goes to server i%k, as one of that server's users.
	onServer := make([][]*user, k)
	for _, u := range us {
		onServer[u.server] = append(onServer[u.server], u)
	}
	lis := make([]*listener, s.clients)
	for i := range lis {
		srv := onServer[roundRobin(i, k)]
		lis[i] = &listener{b: b, u: srv[(i/k)%len(srv)]}
	}
	b.logf("waiting for the servers' memory to settle")
	before := b.settleRSS(ctx, s.settle)
	res := &result{Clients: s.clients, Users: users, FileLimit: limit}
	res.SetupS = round3(time.Since(setupStart).Seconds())

	b.logf("opening %d connections", s.clients)
	cpu0 := cpuTime()
	connectStart := time.Now()
	opened := s.connect(ctx, b, lis)
	connectDur := time.Since(connectStart)
	stopListeners := startListeners(ctx, opened)
	defer stopListeners()
	res.ConnectFailures = s.clients - len(opened)
	res.ConnectRate = perSecond(len(opened), connectDur)
	conn := connectLatency(opened)
	res.ConnectP50ms, res.ConnectP99ms = conn.p50, conn.p99

	b.logf("%d connections open in %.1fs; holding them for %s", len(opened), connectDur.Seconds(), s.duration)
	hold := time.Now()
	select {
	case <-time.After(s.duration):
	case <-ctx.Done():
		res.TimedOut = true
	}
	res.HoldS = round3(time.Since(hold).Seconds())
	after := b.scrapeAll(context.Background())
	res.GenCPUs = round3((cpuTime() - cpu0).Seconds())
	s.verify(b, opened, res, after)
	s.memory(res, before, after, len(opened))
	res.setServer(before, after)
	for _, l := range opened {
		res.Reconnects += l.reconnects
	}
	return res, nil
}

// connect opens the connections, -concurrency at a time, and returns the
// ones that opened (failures are counted, not fatal: how many a server
// holds is what this scenario measures).
func (s *idleScenario) connect(ctx context.Context, b *bench, lis []*listener) []*listener {
	ok := make([]bool, len(lis))
	var failed atomic.Int64
	parallel(ctx, len(lis), b.opt.concurrency, func(ctx context.Context, i int) error {
		if err := lis[i].open(ctx); err != nil {
			if ctx.Err() == nil {
				failed.Add(1)
				b.errs.add(fmt.Errorf("connect %d: %w", i, err))
			}
			if failed.Load() > 100 {
				return errors.New("more than 100 connections failed; giving up")
			}
			return nil
		}
		ok[i] = true
		return nil
	})
	var out []*listener
	for i, l := range lis {
		if ok[i] {
			out = append(out, l)
		}
	}
	return out
}

// connectLatency summarizes connect→synced times.
func connectLatency(ls []*listener) latency {
	samples := make([]int64, len(ls))
	for i, l := range ls {
		samples[i] = l.synced - l.started
	}
	return summarize(samples)
}

// verify counts the connections still open at the end, pings an evenly
// spread sample of them, and reads the servers' own count.
func (s *idleScenario) verify(b *bench, ls []*listener, res *result, after []serverStats) {
	held := 0
	for _, l := range ls {
		select {
		case <-l.stream().Done():
		default:
			held++
		}
	}
	res.Connections = &held
	n := min(s.pingSample, len(ls))
	var okCount atomic.Int64
	parallel(context.Background(), n, 64, func(_ context.Context, i int) error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := ls[i*len(ls)/n].stream().Ping(ctx); err == nil {
			okCount.Add(1)
		} else {
			b.errs.add(fmt.Errorf("ping: %w", err))
		}
		return nil
	})
	res.PingSample, res.PingsOK = n, int(okCount.Load())
	open := num(sum(after, func(s serverStats) float64 { return s.wsOpen }))
	res.ServerWSOpen = &open
}

// memory reports the servers' memory before and after, and per connection.
func (s *idleScenario) memory(res *result, before, after []serverStats, conns int) {
	rb, ra := sum(before, rssOf), sum(after, rssOf)
	mbBefore, mbAfter := num(mb(rb)), num(mb(ra))
	res.RSSBeforeMB, res.RSSAfterMB = &mbBefore, &mbAfter
	heapStack := func(s serverStats) float64 { return s.heapInuse + s.stackInuse }
	per, heapPer := num(math.NaN()), num(math.NaN())
	if conns > 0 {
		per = num(math.Round((ra - rb) / float64(conns)))
		heapPer = num(math.Round((sum(after, heapStack) - sum(before, heapStack)) / float64(conns)))
	}
	res.BytesPerConn, res.HeapBytesPerConn = &per, &heapPer
}
