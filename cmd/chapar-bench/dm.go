package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"sync"
	"time"
)

// dmScenario: pairs of users, each pair in a direct chat with each user on
// a WebSocket of its own; one of the pair sends, the other receives.
type dmScenario struct {
	pairs, messages, window, inflight int
	rate                              float64
}

func (d *dmScenario) flags(fs *flag.FlagSet) {
	fs.IntVar(&d.pairs, "pairs", 50, "sender/receiver pairs")
	fs.IntVar(&d.messages, "messages", 100000, "messages in total, spread over the senders")
	fs.Float64Var(&d.rate, "rate", 0, "offered msgs/s in total (open loop); 0 = closed loop")
	fs.IntVar(&d.window, "window", 1, "closed loop: sends in flight per sender")
	fs.IntVar(&d.inflight, "inflight", 64, "open loop: most sends in flight per sender")
}

func (d *dmScenario) check(options) error {
	switch {
	case d.pairs < 1 || d.pairs > 9000:
		return errors.New("-pairs: must be 1-9000 (two sockets per pair in one process)")
	case d.messages < 1 || d.messages > 50_000_000:
		return errors.New("-messages: must be 1-50,000,000")
	case d.rate < 0:
		return errors.New("-rate: must not be negative")
	case d.window < 1 || d.inflight < 1:
		return errors.New("-window and -inflight: must be at least 1")
	}
	return nil
}

// dmPair is one pair: the sender's outbox and the receiver's tally.
type dmPair struct {
	*outbox
	lis   *listener
	tally *tally // the receiver's; its goroutine's alone until the end
}

func (d *dmScenario) run(ctx context.Context, b *bench) (*result, error) {
	setupStart := time.Now()
	pairs, err := d.setup(ctx, b)
	if err != nil {
		return nil, err
	}
	lis := make([]*listener, len(pairs))
	for i, p := range pairs {
		lis[i] = p.lis
	}
	stopListeners := startListeners(ctx, lis)
	defer func() { // whatever happens, every stream is closed at the end
		stopListeners()
		closeAll(pairs, func(p *dmPair) { p.snd.close() })
	}()
	res := &result{Pairs: d.pairs, Clients: 2 * d.pairs, Users: 2 * d.pairs, Rate: d.rate}
	if d.rate > 0 {
		res.Inflight = d.inflight
	} else {
		res.Window = d.window
	}
	res.SetupS = round3(time.Since(setupStart).Seconds())
	b.logf("setup done in %.1fs; sending %d messages over %d pairs (%s)", res.SetupS, d.messages, d.pairs, d.mode())

	before := b.scrapeAll(ctx)
	cpu0 := cpuTime()
	sendStart := b.since()
	ackSamples := d.send(ctx, b, pairs)
	sendEnd := b.since()
	res.TimedOut = ctx.Err() != nil
	b.waitDrain(ctx)
	after := b.scrapeAll(context.Background())
	res.GenCPUs = round3((cpuTime() - cpu0).Seconds())
	stopListeners() // the tallies are final from here on

	var c counts
	var samples []int64
	last := sendEnd
	for _, p := range pairs {
		c.add(countDeliveries(p.acked.snapshot(), p.tally))
		samples = append(samples, p.tally.samples...)
		last = max(last, p.tally.last)
		res.Reconnects += p.lis.reconnects
	}
	res.setCounts(c)
	res.SendErrors = int(b.sendErrors.Load())
	res.setLatency(summarize(samples))
	ack := summarize(ackSamples)
	res.AckP50ms, res.AckP99ms = ack.p50, ack.p99
	dur := time.Duration(last - sendStart)
	res.DurationS = round3(dur.Seconds())
	res.MsgsPerS = perSecond(c.delivered, dur)
	res.setServer(before, after)
	return res, nil
}

func (d *dmScenario) mode() string {
	if d.rate > 0 {
		return fmt.Sprintf("open loop, %.0f msgs/s offered, at most %d in flight per sender", d.rate, d.inflight)
	}
	return fmt.Sprintf("closed loop, window %d", d.window)
}

// setup registers the users, creates the chats and opens the streams. The
// sender of pair i is user 2i and its receiver user 2i+1; with several
// servers the sender is on node i mod N and the receiver on the next one
// (dmNodes), so the two of a pair are never on the same node.
func (d *dmScenario) setup(ctx context.Context, b *bench) ([]*dmPair, error) {
	k := len(b.servers)
	users, err := b.register(ctx, 2*d.pairs, func(j int) int { return dmUserNode(j, k) })
	if err != nil {
		return nil, err
	}
	pairs := make([]*dmPair, d.pairs)
	for i := range pairs {
		quota := d.messages / d.pairs
		if i < d.messages%d.pairs {
			quota++
		}
		p := &dmPair{outbox: newOutbox(i, &sender{b: b, u: users[2*i]}, quota, 1), tally: newTally(quota)}
		p.lis = &listener{b: b, u: users[2*i+1], onEvent: p.counter(b, p.tally)}
		pairs[i] = p
	}
	err = parallel(ctx, d.pairs, b.opt.concurrency, func(ctx context.Context, i int) error {
		p := pairs[i]
		ch, err := p.snd.u.c.CreateDirect(ctx, p.lis.u.id)
		if err != nil {
			return fmt.Errorf("create direct chat: %w", err)
		}
		p.chatID = ch.ID
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = parallel(ctx, 2*d.pairs, b.opt.concurrency, func(ctx context.Context, i int) error {
		p := pairs[i/2]
		if i%2 == 0 {
			return wrapConnect(p.snd.open(ctx))
		}
		return wrapConnect(p.lis.open(ctx))
	})
	if err != nil {
		closeAll(pairs, func(p *dmPair) {
			p.snd.close()
			if s := p.lis.stream(); s != nil {
				s.Close()
			}
		})
		return nil, err
	}
	return pairs, nil
}

func wrapConnect(err error) error {
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	return nil
}

// send runs every sender to the end and returns the ack latencies. In the
// open loop the total rate is spread evenly: each sender sends every
// pairs/rate seconds, sender i offset by i/rate.
func (d *dmScenario) send(ctx context.Context, b *bench, pairs []*dmPair) []int64 {
	text := messageText(b.opt.size)
	start := b.since()
	var mu sync.Mutex
	var acks []int64
	var wg sync.WaitGroup
	for _, p := range pairs {
		pc := pacing{workers: d.window}
		if d.rate > 0 {
			pc = pacing{workers: d.inflight, rate: d.rate,
				first:    start + int64(float64(p.k)/d.rate*1e9),
				interval: time.Duration(float64(d.pairs) / d.rate * 1e9)}
		}
		wg.Go(func() {
			own := p.run(ctx, b, text, pc)
			mu.Lock()
			acks = append(acks, own...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return acks
}
