package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"
)

// groupScenario: one group, one sender, and every other member on a
// WebSocket of its own, counting what reaches it.
type groupScenario struct {
	members, messages, window, inflight int
	rate                                float64
}

// maxGroupDeliveries bounds messages × receivers, which the run keeps a
// latency sample for.
const maxGroupDeliveries = 20_000_000

func (g *groupScenario) flags(fs *flag.FlagSet) {
	fs.IntVar(&g.members, "members", 1000, "members of the group, the sender included; each on its own WebSocket")
	fs.IntVar(&g.messages, "messages", 1000, "messages the sender sends")
	fs.Float64Var(&g.rate, "rate", 0, "offered msgs/s (open loop); 0 = closed loop")
	fs.IntVar(&g.window, "window", 1, "closed loop: sends in flight")
	fs.IntVar(&g.inflight, "inflight", 64, "open loop: most sends in flight")
}

func (g *groupScenario) check(options) error {
	switch {
	case g.members < 2 || g.members > 18000:
		return errors.New("-members: must be 2-18,000 (one socket each, in one process)")
	case g.messages < 1:
		return errors.New("-messages: must be at least 1")
	case g.messages*(g.members-1) > maxGroupDeliveries:
		return fmt.Errorf("-messages × (members-1) must be at most %d", maxGroupDeliveries)
	case g.rate < 0:
		return errors.New("-rate: must not be negative")
	case g.window < 1 || g.inflight < 1:
		return errors.New("-window and -inflight: must be at least 1")
	}
	return nil
}

func (g *groupScenario) run(ctx context.Context, b *bench) (*result, error) {
	setupStart := time.Now()
	// Member i on node i mod N: the sender (member 0) on node 0, most
	// receivers on other nodes.
	k := len(b.servers)
	users, err := b.register(ctx, g.members, func(i int) int { return roundRobin(i, k) })
	if err != nil {
		return nil, err
	}
	chatID, err := createGroup(ctx, b, users)
	if err != nil {
		return nil, err
	}
	snd := &sender{b: b, u: users[0]}
	out := newOutbox(0, snd, g.messages, g.members-1)
	out.chatID = chatID
	lis := make([]*listener, g.members-1)
	tallies := make([]*tally, len(lis))
	for i := range lis {
		tallies[i] = newTally(g.messages)
		lis[i] = &listener{b: b, u: users[i+1], onEvent: out.counter(b, tallies[i])}
	}
	err = parallel(ctx, g.members, b.opt.concurrency, func(ctx context.Context, i int) error {
		if i == 0 {
			return wrapConnect(snd.open(ctx))
		}
		return wrapConnect(lis[i-1].open(ctx))
	})
	stopListeners := func() {}
	defer func() {
		stopListeners()
		closeAll(lis, func(l *listener) {
			if s := l.stream(); s != nil {
				s.Close()
			}
		})
		snd.close()
	}()
	if err != nil {
		return nil, err
	}
	stopListeners = startListeners(ctx, lis)
	res := &result{Members: g.members, Clients: g.members, Users: g.members, Rate: g.rate}
	if g.rate > 0 {
		res.Inflight = g.inflight
	} else {
		res.Window = g.window
	}
	res.SetupS = round3(time.Since(setupStart).Seconds())
	b.logf("setup done in %.1fs; sending %d messages to %d receivers", res.SetupS, g.messages, len(lis))

	before := b.scrapeAll(ctx)
	cpu0 := cpuTime()
	sendStart := b.since()
	pc := pacing{workers: g.window}
	if g.rate > 0 {
		pc = pacing{workers: g.inflight, rate: g.rate, first: sendStart, interval: time.Duration(1e9 / g.rate)}
	}
	ackSamples := out.run(ctx, b, messageText(b.opt.size), pc)
	sendEnd := b.since()
	res.TimedOut = ctx.Err() != nil
	b.waitDrain(ctx)
	after := b.scrapeAll(context.Background())
	res.GenCPUs = round3((cpuTime() - cpu0).Seconds())
	stopListeners()

	c := countDeliveries(out.acked.snapshot(), tallies...)
	var samples []int64
	last := sendEnd
	for i, t := range tallies {
		samples = append(samples, t.samples...)
		t.samples = nil
		last = max(last, t.last)
		res.Reconnects += lis[i].reconnects
	}
	res.setCounts(c)
	res.SendErrors = int(b.sendErrors.Load())
	res.setLatency(summarize(samples))
	ack := summarize(ackSamples)
	res.AckP50ms, res.AckP99ms = ack.p50, ack.p99
	dur := time.Duration(last - sendStart)
	res.DurationS = round3(dur.Seconds())
	res.MsgsPerS = perSecond(c.sent, dur)
	res.DeliveriesPerS = perSecond(c.delivered, dur)
	res.setServer(before, after)
	return res, nil
}

// createGroup makes the run's group: users[0] creates it with up to 199
// others, and adds the rest 200 at a time (the API's limit per call).
func createGroup(ctx context.Context, b *bench, users []*user) (int64, error) {
	ids := make([]int64, 0, len(users)-1)
	for _, u := range users[1:] {
		ids = append(ids, u.id)
	}
	first := min(len(ids), 199)
	ch, err := users[0].c.CreateGroup(ctx, "bench "+b.run, ids[:first])
	if err != nil {
		return 0, fmt.Errorf("create group: %w", err)
	}
	for i := first; i < len(ids); i += 200 {
		if _, err := users[0].c.AddMembers(ctx, ch.ID, ids[i:min(i+200, len(ids))]); err != nil {
			return 0, fmt.Errorf("add members: %w", err)
		}
	}
	return ch.ID, nil
}
