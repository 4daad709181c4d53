package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chapar/chapar/client"
)

// botsScenario: one bot and -users people, each in a direct chat with it,
// measured in two phases (-mode):
//
//   - updates: the people write to the bot over their WebSockets, as in
//     dm; the bot long-polls getUpdates and counts what it gets (updates/s
//     to one bot, send → getUpdates latency).
//   - send: the bot answers with sendMessage from -senders goroutines,
//     message n going to person n mod users; each person's WebSocket
//     counts what reaches it (sendMessage/s from one bot, sendMessage →
//     delivery latency).
//
// The bot speaks the Bot API over HTTP as a bot library does
// (POST /bot<token>/<method>, JSON or form parameters, one keep-alive
// connection pool), and keeps long-polling while it sends, as a running
// bot does. The Bot API has no client ids, so every message's text starts
// with its bench client id (<run>.<person>.<n>), from which the receiving
// side counts it.
type botsScenario struct {
	users, messages, window, inflight, senders, pollTimeout int
	rate                                                    float64
	mode, encoding                                          string
	poll                                                    bool
}

func (s *botsScenario) flags(fs *flag.FlagSet) {
	fs.IntVar(&s.users, "users", 50, "people writing to the bot, each in a direct chat with it, each on its own WebSocket")
	fs.IntVar(&s.messages, "messages", 20000, "messages per phase: sent by the people in total (updates), sent by the bot (send)")
	fs.Float64Var(&s.rate, "rate", 0, "offered msgs/s per phase (open loop); 0 = closed loop")
	fs.StringVar(&s.mode, "mode", "both", "updates (people → bot over getUpdates), send (bot → people over sendMessage) or both, updates first")
	fs.IntVar(&s.window, "window", 1, "updates, closed loop: sends in flight per person")
	fs.IntVar(&s.inflight, "inflight", 64, "updates, open loop: most sends in flight per person")
	fs.IntVar(&s.senders, "senders", 4, "send: the bot's goroutines calling sendMessage (each has one call in flight)")
	fs.IntVar(&s.pollTimeout, "poll-timeout", 30, "getUpdates long-polling timeout, in seconds (0-50)")
	fs.StringVar(&s.encoding, "encoding", "json", "how the bot sends its parameters: json or form")
	fs.BoolVar(&s.poll, "poll", true, "keep long-polling getUpdates during the send phase, as a running bot does")
}

func (s *botsScenario) check(options) error {
	switch {
	case s.users < 1 || s.users > 9000:
		return errors.New("-users: must be 1-9000")
	case s.messages < 1 || s.messages > 50_000_000:
		return errors.New("-messages: must be 1-50,000,000")
	case s.rate < 0:
		return errors.New("-rate: must not be negative")
	case s.mode != "updates" && s.mode != "send" && s.mode != "both":
		return errors.New("-mode: updates, send or both")
	case s.window < 1 || s.inflight < 1:
		return errors.New("-window and -inflight: must be at least 1")
	case s.senders < 1 || s.senders > 1000:
		return errors.New("-senders: must be 1-1000")
	case s.pollTimeout < 0 || s.pollTimeout > 50:
		return errors.New("-poll-timeout: must be 0-50 (seconds, as the Bot API allows)")
	case s.encoding != "json" && s.encoding != "form":
		return errors.New("-encoding: json or form")
	}
	return nil
}

// botPhase is the figures of one phase, in the JSON line.
type botPhase struct {
	Sent       int `json:"sent"` // acked: the people's sends, or sendMessage answered ok
	SendErrors int `json:"send_errors"`
	Throttled  int `json:"throttled"` // 429 answers to sendMessage (retried after retry_after)
	Expected   int `json:"expected"`
	Delivered  int `json:"delivered"`
	Lost       int `json:"lost"`
	Duplicated int `json:"duplicated"`
	Misrouted  int `json:"misrouted"`
	Unacked    int `json:"unacked_delivered"`
	Reconnects int `json:"reconnects"`

	PerS      float64 `json:"per_s"` // delivered per second
	Samples   int     `json:"samples"`
	P50ms     float64 `json:"p50_ms"` // send → getUpdates answer, or sendMessage → the person's WebSocket
	P90ms     float64 `json:"p90_ms"`
	P99ms     float64 `json:"p99_ms"`
	MaxMs     float64 `json:"max_ms"`
	MeanMs    float64 `json:"mean_ms"`
	AckP50ms  float64 `json:"ack_p50_ms"` // the person's ack, or sendMessage's answer
	AckP99ms  float64 `json:"ack_p99_ms"`
	DurationS float64 `json:"duration_s"`

	GetUpdatesCalls int     `json:"get_updates_calls"`         // answered during the phase
	UpdatesPerCall  float64 `json:"updates_per_call"`          // mean over the calls that had any
	EmptyCalls      int     `json:"get_updates_empty"`         // answered with no update (the long poll's timeout ran out)
	SlowestCallMs   float64 `json:"get_updates_slowest_ms"`    // the longest getUpdates call that had updates
	ServerCPUs      num     `json:"server_cpu_s"`              // during the phase
	ServerCPUPerMsg num     `json:"server_cpu_us_per_message"` // server CPU µs per delivered message
	GenCPUs         float64 `json:"generator_cpu_s"`
}

// botUser is one person of the run: a user in a direct chat with the bot.
type botUser struct {
	*user
	k       int
	chatID  int64     // chapar's id of the direct chat
	snd     *sender   // updates phase: the person's sending stream
	lis     *listener // send phase: the person's receiving stream
	toBot   *outbox   // updates phase: the person's messages
	fromBot *outbox   // send phase: the bot's messages to the person
	botSeen *tally    // updates phase: what the bot got from the person (under the poller's mu)
	seen    *tally    // send phase: what reached the person (its listener's)
}

func (s *botsScenario) run(ctx context.Context, b *bench) (*result, error) {
	setupStart := time.Now()
	bot, people, poller, err := s.setup(ctx, b)
	if err != nil {
		return nil, err
	}
	pollCtx, stopPolling := context.WithCancel(ctx)
	polling := make(chan struct{})
	go func() { defer close(polling); poller.run(pollCtx, b) }()
	stopPoller := sync.OnceFunc(func() { stopPolling(); <-polling })
	defer stopPoller()
	defer closeAll(people, func(u *botUser) {
		if u.snd != nil {
			u.snd.close()
		}
	})
	if err := poller.waitStarts(ctx, b, len(people)); err != nil {
		return nil, err
	}

	res := &result{Clients: s.users + 1, Users: s.users, Rate: s.rate, BotMode: s.mode, BotSenders: s.senders}
	res.SetupS = round3(time.Since(setupStart).Seconds())
	b.logf("setup done in %.1fs: bot @%s, %d people in direct chats with it", res.SetupS, bot.username, len(people))
	if s.mode != "send" {
		if err := parallel(ctx, len(people), b.opt.concurrency, func(ctx context.Context, i int) error {
			return wrapConnect(people[i].snd.open(ctx))
		}); err != nil {
			return nil, err
		}
		res.BotUpdates = s.updatesPhase(ctx, b, people, poller)
		closeAll(people, func(u *botUser) { u.snd.close() })
	}
	if s.mode != "updates" && ctx.Err() == nil {
		if !s.poll {
			stopPoller()
		}
		for _, u := range people {
			u.lis = &listener{b: b, u: u.user, onEvent: s.counter(b, bot, u)}
		}
		if err := parallel(ctx, len(people), b.opt.concurrency, func(ctx context.Context, i int) error {
			return wrapConnect(people[i].lis.open(ctx))
		}); err != nil {
			closeAll(people, func(u *botUser) {
				if st := u.lis.stream(); st != nil {
					st.Close()
				}
			})
			return nil, err
		}
		res.BotSends = s.sendPhase(ctx, b, bot, people, poller)
	}
	res.TimedOut = ctx.Err() != nil
	end := b.scrapeAll(context.Background())
	res.setServer(end, end) // the memory at the end; the CPU is the phases' (not the connecting between them)
	var c counts
	for _, p := range []*botPhase{res.BotUpdates, res.BotSends} {
		if p == nil {
			continue
		}
		c.add(counts{sent: p.Sent, expected: p.Expected, delivered: p.Delivered, lost: p.Lost,
			duplicated: p.Duplicated, foreign: p.Misrouted, unacked: p.Unacked})
		res.SendErrors += p.SendErrors
		res.Reconnects += p.Reconnects
		res.GenCPUs = round3(res.GenCPUs + p.GenCPUs)
		res.ServerCPUs = num(round3(float64(res.ServerCPUs + p.ServerCPUs)))
		res.DurationS = round3(res.DurationS + p.DurationS)
		if s.mode != "both" { // one phase: the shared fields are its figures
			res.MsgsPerS, res.Samples, res.P50ms, res.P90ms, res.P99ms, res.MaxMs, res.MeanMs = p.PerS, p.Samples, p.P50ms, p.P90ms, p.P99ms, p.MaxMs, p.MeanMs
			res.AckP50ms, res.AckP99ms = p.AckP50ms, p.AckP99ms
		}
	}
	res.setCounts(c)
	return res, nil
}

// setup registers the people and the bot's owner, makes the bot, and has
// every person open a direct chat with it and write "/start" (a bot may
// not write first). The poller it returns has not started.
func (s *botsScenario) setup(ctx context.Context, b *bench) (*botClient, []*botUser, *botPoller, error) {
	// The bot is served by the first node; the people are spread over the
	// others first (person k on node (k+1) mod N), so that with several
	// nodes most updates cross between nodes.
	nodes := len(b.servers)
	users, err := b.register(ctx, s.users+1, func(i int) int { return roundRobin(i+1, nodes) })
	if err != nil {
		return nil, nil, nil, err
	}
	owner := users[s.users]
	made, err := owner.c.CreateBot(ctx, b.run+"_bot", "chapar-bench "+b.run)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("create bot: %w", err)
	}
	bot := newBotClient(b.servers[0], made.Token, s.encoding == "form", s.senders+1)
	var me struct {
		ID       int64  `json:"id"`
		IsBot    bool   `json:"is_bot"`
		Username string `json:"username"`
	}
	if err := bot.call(ctx, "getMe", nil, &me); err != nil { // as libraries do when they start
		return nil, nil, nil, fmt.Errorf("getMe: %w", err)
	}
	if me.ID != made.ID || !me.IsBot {
		return nil, nil, nil, fmt.Errorf("getMe answered %+v for bot %d", me, made.ID)
	}
	bot.id, bot.username = me.ID, me.Username

	people := make([]*botUser, s.users)
	for k := range people {
		u := &botUser{user: users[k], k: k}
		quota := s.messages / s.users
		if k < s.messages%s.users {
			quota++
		}
		if s.mode != "send" {
			u.snd = &sender{b: b, u: u.user}
			u.toBot = newOutbox(k, u.snd, quota, 1)
			u.botSeen = newTally(quota)
		}
		if s.mode != "updates" {
			u.fromBot = newOutbox(k, nil, quota, 1)
			u.seen = newTally(quota)
		}
		people[k] = u
	}
	poller := newBotPoller(bot, s.pollTimeout, b.run, people)
	err = parallel(ctx, len(people), b.opt.concurrency, func(ctx context.Context, k int) error {
		u := people[k]
		ch, err := u.c.CreateDirect(ctx, bot.id)
		if err != nil {
			return fmt.Errorf("create direct chat with the bot: %w", err)
		}
		u.chatID = ch.ID
		if u.toBot != nil {
			u.toBot.chatID = ch.ID
		}
		if u.fromBot != nil {
			u.fromBot.chatID = ch.ID
		}
		if _, err := u.c.Send(ctx, ch.ID, client.SendRequest{ClientID: b.run + ".start." + strconv.Itoa(k), Text: "/start"}); err != nil {
			return fmt.Errorf("send /start: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, nil, nil, err
	}
	return bot, people, poller, nil
}

// botText is the text of message n of person k: its client id, a space,
// and filler up to size bytes.
func botText(b *bench, k, n int) string {
	id := b.clientID(k, n)
	if pad := b.opt.size - len(id) - 1; pad > 0 {
		return id + " " + messageText(pad)
	}
	return id
}

// parseBotText reads back botText's person and message number.
func parseBotText(run, text string) (k, n int, ok bool) {
	id, _, _ := strings.Cut(text, " ")
	return parseClientID(run, id)
}

// waitProgress waits, after the sending, until every delivery the acked
// messages owe has arrived, or until none has arrived for the drain time.
// Unlike waitDrain it waits as long as deliveries keep coming: a bot
// working through a backlog of updates is slow, not losing them.
func (b *bench) waitProgress(ctx context.Context) {
	seen := b.firstDeliveries.Load()
	deadline := time.Now().Add(b.opt.drain)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		got := b.firstDeliveries.Load()
		if b.sendErrors.Load() == 0 && got >= b.expected.Load() {
			return
		}
		if got != seen {
			seen, deadline = got, time.Now().Add(b.opt.drain)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// resetCounts starts a phase's drain bookkeeping afresh.
func (b *bench) resetCounts() {
	b.firstDeliveries.Store(0)
	b.expected.Store(0)
	b.sendErrors.Store(0)
}

// updatesPhase: every person sends its quota to the bot over its
// WebSocket (closed loop with -window, or open loop at -rate in total, as
// in dm), while the poller counts what getUpdates brings.
func (s *botsScenario) updatesPhase(ctx context.Context, b *bench, people []*botUser, poller *botPoller) *botPhase {
	b.resetCounts()
	b.logf("updates: %d people send %d messages to the bot (%s)", len(people), s.messages, loopName(s.rate))
	before := b.scrapeAll(ctx)
	cpu0 := cpuTime()
	calls0 := poller.startPhase()
	start := b.since()
	var mu sync.Mutex
	var acks []int64
	var wg sync.WaitGroup
	for _, u := range people {
		pc := pacing{workers: s.window}
		if s.rate > 0 {
			pc = pacing{workers: s.inflight, rate: s.rate,
				first:    start + int64(float64(u.k)/s.rate*1e9),
				interval: time.Duration(float64(len(people)) / s.rate * 1e9)}
		}
		wg.Go(func() {
			own := sendToBot(ctx, b, u.toBot, pc)
			mu.Lock()
			acks = append(acks, own...)
			mu.Unlock()
		})
	}
	wg.Wait()
	sendEnd := b.since()
	b.waitProgress(ctx)
	after := b.scrapeAll(context.Background())

	p := &botPhase{SendErrors: int(b.sendErrors.Load()), GenCPUs: round3((cpuTime() - cpu0).Seconds())}
	var c counts
	var samples []int64
	last := sendEnd
	poller.mu.Lock()
	for _, u := range people {
		c.add(countDeliveries(u.toBot.acked.snapshot(), u.botSeen))
		samples = append(samples, u.botSeen.samples...)
		last = max(last, u.botSeen.last)
	}
	c.foreign += poller.foreign
	poller.foreign = 0
	poller.mu.Unlock()
	poller.phaseCalls(p, calls0)
	p.setCounts(c)
	p.setLatency(summarize(samples), summarize(acks))
	p.setTime(time.Duration(last-start), before, after)
	b.logf("updates: %d of %d delivered to the bot, %.0f/s, p99 %.1f ms", p.Delivered, p.Expected, p.PerS, p.P99ms)
	return p
}

// sendToBot sends an outbox's messages over its sender's stream, each
// with its own text, and returns the ack latencies; as outbox.run, but
// the Bot API has no client ids, so the text carries them.
func sendToBot(ctx context.Context, b *bench, o *outbox, pc pacing) []int64 {
	var jobs chan int
	var wg sync.WaitGroup
	if pc.rate > 0 {
		jobs = make(chan int, o.quota)
		wg.Go(func() { o.schedule(ctx, b, pc.first, pc.interval, jobs) })
	}
	var mu sync.Mutex
	var acks []int64
	for range pc.workers {
		wg.Go(func() {
			var own []int64
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
				if err := o.snd.send(ctx, o.chatID, b.clientID(o.k, n), botText(b, o.k, n)); err != nil {
					if ctx.Err() == nil {
						b.sendErrors.Add(1)
						b.errs.add(fmt.Errorf("send to the bot: %w", err))
					}
					continue
				}
				now := b.since()
				own = append(own, now-o.sendAt[n].Load())
				o.ackAt[n].Store(now)
				o.acked.set(n)
				b.expected.Add(1)
			}
			mu.Lock()
			acks = append(acks, own...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return acks
}

// sendPhase: the bot sends -messages with sendMessage from -senders
// goroutines, message n to person n mod users (closed loop: each
// goroutine calls again as soon as it is answered; open loop: message n is
// due at start + n/rate and latency counts from then), while each
// person's listener counts what reaches it.
func (s *botsScenario) sendPhase(ctx context.Context, b *bench, bot *botClient, people []*botUser, poller *botPoller) *botPhase {
	b.resetCounts()
	stopListeners := startListeners(ctx, listenersOf(people))
	defer stopListeners()
	b.logf("send: the bot sends %d messages to %d people from %d goroutines (%s)", s.messages, len(people), s.senders, loopName(s.rate))
	before := b.scrapeAll(ctx)
	cpu0 := cpuTime()
	calls0 := poller.startPhase()
	throttled0 := bot.throttled.Load()
	start := b.since()
	var jobs chan int
	var wg sync.WaitGroup
	if s.rate > 0 {
		jobs = make(chan int, s.senders)
		wg.Go(func() {
			defer close(jobs)
			for n := range s.messages {
				due := start + int64(float64(n)/s.rate*1e9)
				if wait := time.Duration(due - b.since()); wait > 0 {
					t := time.NewTimer(wait)
					select {
					case <-t.C:
					case <-ctx.Done():
						t.Stop()
						return
					}
				}
				u := people[n%len(people)]
				u.fromBot.sendAt[n/len(people)].Store(due)
				select {
				case jobs <- n:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	var next atomic.Int64
	var mu sync.Mutex
	var acks []int64
	for range s.senders {
		wg.Go(func() {
			var own []int64
			for ctx.Err() == nil {
				var n int
				if jobs != nil {
					var ok bool
					if n, ok = <-jobs; !ok {
						break
					}
				} else if n = int(next.Add(1) - 1); n >= s.messages {
					break
				}
				u := people[n%len(people)]
				j := n / len(people)
				o := u.fromBot
				if jobs == nil {
					o.sendAt[j].Store(b.since())
				}
				if err := bot.sendMessage(ctx, u.id, botText(b, u.k, j)); err != nil {
					if ctx.Err() == nil {
						b.sendErrors.Add(1)
						b.errs.add(fmt.Errorf("sendMessage: %w", err))
					}
					continue
				}
				now := b.since()
				own = append(own, now-o.sendAt[j].Load())
				o.ackAt[j].Store(now)
				o.acked.set(j)
				b.expected.Add(1)
			}
			mu.Lock()
			acks = append(acks, own...)
			mu.Unlock()
		})
	}
	wg.Wait()
	sendEnd := b.since()
	b.waitProgress(ctx)
	after := b.scrapeAll(context.Background())
	stopListeners() // the tallies are final from here on

	p := &botPhase{SendErrors: int(b.sendErrors.Load()), GenCPUs: round3((cpuTime() - cpu0).Seconds()),
		Throttled: int(bot.throttled.Load() - throttled0)}
	var c counts
	var samples []int64
	last := sendEnd
	for _, u := range people {
		c.add(countDeliveries(u.fromBot.acked.snapshot(), u.seen))
		samples = append(samples, u.seen.samples...)
		last = max(last, u.seen.last)
		p.Reconnects += u.lis.reconnects
	}
	poller.phaseCalls(p, calls0)
	p.setCounts(c)
	p.setLatency(summarize(samples), summarize(acks))
	p.setTime(time.Duration(last-start), before, after)
	b.logf("send: %d of %d delivered to the people, %.0f/s, p99 %.1f ms", p.Delivered, p.Expected, p.PerS, p.P99ms)
	return p
}

func listenersOf(people []*botUser) []*listener {
	ls := make([]*listener, len(people))
	for i, u := range people {
		ls[i] = u.lis
	}
	return ls
}

// counter is person u's listener's onEvent in the send phase: it counts
// the bot's messages; the person's own (its "/start") are not counted.
func (s *botsScenario) counter(b *bench, bot *botClient, u *botUser) func(*client.Event, int64) {
	return func(ev *client.Event, at int64) {
		if ev.ActorID != bot.id {
			return
		}
		k, n, ok := parseBotText(b.run, ev.Text)
		if !ok || k != u.k || ev.ChatID != u.chatID {
			u.seen.foreign++
			return
		}
		if u.seen.deliver(n, u.fromBot.sentAt(n), at) {
			b.firstDeliveries.Add(1)
		}
	}
}

func loopName(rate float64) string {
	if rate > 0 {
		return fmt.Sprintf("open loop, %.0f msgs/s offered", rate)
	}
	return "closed loop"
}

func (p *botPhase) setCounts(c counts) {
	p.Sent, p.Expected, p.Delivered, p.Lost, p.Duplicated = c.sent, c.expected, c.delivered, c.lost, c.duplicated
	p.Misrouted, p.Unacked = c.foreign, c.unacked
}

func (p *botPhase) setLatency(l, ack latency) {
	p.Samples, p.P50ms, p.P90ms, p.P99ms, p.MaxMs, p.MeanMs = l.count, l.p50, l.p90, l.p99, l.max, l.mean
	p.AckP50ms, p.AckP99ms = ack.p50, ack.p99
}

// setTime sets the phase's rate and the servers' CPU over it.
func (p *botPhase) setTime(d time.Duration, before, after []serverStats) {
	p.DurationS = round3(d.Seconds())
	p.PerS = perSecond(p.Delivered, d)
	cpu := sum(after, cpuOf) - sum(before, cpuOf)
	p.ServerCPUs = num(round3(cpu))
	p.ServerCPUPerMsg = num(round3(cpu * 1e6 / float64(max(p.Delivered, 1))))
}

// botSummary is the human summary of a bots run.
func botSummary(w io.Writer, r *result) {
	if p := r.BotUpdates; p != nil {
		fmt.Fprintf(w, "  updates (people → bot over getUpdates): sent %d (errors %d), delivered %d of %d, lost %d, duplicated %d, misrouted %d\n",
			p.Sent, p.SendErrors, p.Delivered, p.Expected, p.Lost, p.Duplicated, p.Misrouted)
		fmt.Fprintf(w, "    %.0f updates/s over %.2fs; send→getUpdates p50 %.2f ms, p90 %.2f, p99 %.2f, max %.2f; send ack p50 %.2f, p99 %.2f\n",
			p.PerS, p.DurationS, p.P50ms, p.P90ms, p.P99ms, p.MaxMs, p.AckP50ms, p.AckP99ms)
		fmt.Fprintf(w, "    %d getUpdates calls (%d empty; %.1f updates per other answer, slowest %.0f ms); server CPU %s s = %s µs per update; generator CPU %.1f s\n",
			p.GetUpdatesCalls, p.EmptyCalls, p.UpdatesPerCall, p.SlowestCallMs, fmtNum(&p.ServerCPUs), fmtNum(&p.ServerCPUPerMsg), p.GenCPUs)
	}
	if p := r.BotSends; p != nil {
		fmt.Fprintf(w, "  send (bot → people over sendMessage, %d goroutines): sent %d (errors %d, 429s %d), delivered %d of %d, lost %d, duplicated %d, misrouted %d, reconnects %d\n",
			r.BotSenders, p.Sent, p.SendErrors, p.Throttled, p.Delivered, p.Expected, p.Lost, p.Duplicated, p.Misrouted, p.Reconnects)
		fmt.Fprintf(w, "    %.0f msgs/s over %.2fs; sendMessage→deliver p50 %.2f ms, p90 %.2f, p99 %.2f, max %.2f; sendMessage answer p50 %.2f, p99 %.2f\n",
			p.PerS, p.DurationS, p.P50ms, p.P90ms, p.P99ms, p.MaxMs, p.AckP50ms, p.AckP99ms)
		fmt.Fprintf(w, "    %d getUpdates calls answered meanwhile (%d empty); server CPU %s s = %s µs per message; generator CPU %.1f s\n",
			p.GetUpdatesCalls, p.EmptyCalls, fmtNum(&p.ServerCPUs), fmtNum(&p.ServerCPUPerMsg), p.GenCPUs)
	}
}

// botClient calls the Bot API as a bot library does: POST
// /bot<token>/<method> with JSON or form parameters, over one pool of
// keep-alive connections.
type botClient struct {
	hc       *http.Client
	base     string // <server>/bot<token>/
	form     bool
	id       int64
	username string

	throttled atomic.Int64 // 429 answers
}

func newBotClient(server, token string, form bool, conns int) *botClient {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = conns // the default (2) would close and reopen connections under load
	return &botClient{hc: &http.Client{Transport: tr}, base: server + "/bot" + token + "/", form: form}
}

// botAnswer is the Bot API's answer envelope.
type botAnswer struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  *struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// botError is an answer with "ok": false.
type botError struct {
	code        int
	description string
	retryAfter  int
}

func (e *botError) Error() string { return fmt.Sprintf("%d %s", e.code, e.description) }

// call calls a method with params and decodes its result into out.
func (c *botClient) call(ctx context.Context, method string, params map[string]any, out any) error {
	var body io.Reader
	ct := "application/json"
	if c.form {
		vals := url.Values{}
		for k, v := range params {
			vals.Set(k, fmt.Sprint(v))
		}
		body, ct = strings.NewReader(vals.Encode()), "application/x-www-form-urlencoded"
	} else {
		if params == nil {
			params = map[string]any{}
		}
		raw, err := json.Marshal(params)
		if err != nil {
			return err
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+method, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", ct)
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer func() {
		io.Copy(io.Discard, resp.Body) // read to the end, so the connection is kept
		resp.Body.Close()
	}()
	var a botAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		return fmt.Errorf("%s: %s: %w", method, resp.Status, err)
	}
	if !a.OK {
		e := &botError{code: a.ErrorCode, description: a.Description}
		if a.Parameters != nil {
			e.retryAfter = a.Parameters.RetryAfter
		}
		return e
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(a.Result, out)
}

// sendMessage sends text to a private chat (chat_id: the person's user
// id). A 429 is waited out and retried, as libraries' rate limiters do;
// nothing else is retried, as the Bot API has no idempotency key and a
// retry after a lost answer could send the message twice.
func (c *botClient) sendMessage(ctx context.Context, chatID int64, text string) error {
	for {
		var m struct {
			MessageID int64 `json:"message_id"`
			Chat      struct {
				ID int64 `json:"id"`
			} `json:"chat"`
		}
		err := c.call(ctx, "sendMessage", map[string]any{"chat_id": chatID, "text": text}, &m)
		var be *botError
		if errors.As(err, &be) && be.code == http.StatusTooManyRequests {
			c.throttled.Add(1)
			t := time.NewTimer(time.Duration(max(be.retryAfter, 1)) * time.Second)
			select {
			case <-t.C:
				continue
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			}
		}
		if err == nil && (m.MessageID <= 0 || m.Chat.ID != chatID) {
			err = fmt.Errorf("sendMessage to %d answered message %d in chat %d", chatID, m.MessageID, m.Chat.ID)
		}
		return err
	}
}

// tgUpdate is the part of Telegram's Update the bot reads.
type tgUpdate struct {
	UpdateID int64 `json:"update_id"`
	Message  *struct {
		MessageID int64 `json:"message_id"`
		From      *struct {
			ID int64 `json:"id"`
		} `json:"from"`
		Chat struct {
			ID   int64  `json:"id"`
			Type string `json:"type"`
		} `json:"chat"`
		Text string `json:"text"`
	} `json:"message"`
}

// botPoller is the bot's getUpdates loop: offset = the last update_id
// seen + 1, as every library does, so each call confirms the ones before.
type botPoller struct {
	bot     *botClient
	timeout int
	runID   string             // the bench run's prefix
	people  map[int64]*botUser // by user id (a private chat's chat.id)

	mu          sync.Mutex
	last        int64         // highest update_id seen
	starts      map[int]bool  // people whose "/start" came
	startsCh    chan struct{} // closed when every person's has come
	foreign     int           // updates that are not one of our messages
	calls       int           // getUpdates calls answered
	withUpdates int           // … of which had updates
	updates     int           // updates in them
	slowest     time.Duration // the longest call that had updates
}

func newBotPoller(bot *botClient, timeout int, run string, people []*botUser) *botPoller {
	p := &botPoller{bot: bot, timeout: timeout, runID: run, people: map[int64]*botUser{},
		starts: map[int]bool{}, startsCh: make(chan struct{})}
	for _, u := range people {
		p.people[u.id] = u
	}
	return p
}

// run polls until ctx ends. An error is logged and the call retried after
// a pause, as libraries do.
func (p *botPoller) run(ctx context.Context, b *bench) {
	for ctx.Err() == nil {
		params := map[string]any{"timeout": p.timeout, "limit": 100}
		p.mu.Lock()
		if p.last > 0 {
			params["offset"] = p.last + 1
		}
		p.mu.Unlock()
		var ups []tgUpdate
		callCtx, cancel := context.WithTimeout(ctx, time.Duration(p.timeout+30)*time.Second)
		called := b.since()
		err := p.bot.call(callCtx, "getUpdates", params, &ups)
		cancel()
		at := b.since()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			b.errs.add(fmt.Errorf("getUpdates: %w", err))
			select {
			case <-time.After(100 * time.Millisecond):
			case <-ctx.Done():
				return
			}
			continue
		}
		p.take(b, ups, at, time.Duration(at-called))
	}
}

// take counts one getUpdates answer's updates.
func (p *botPoller) take(b *bench, ups []tgUpdate, at int64, took time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	if len(ups) > 0 {
		p.withUpdates++
		p.updates += len(ups)
		p.slowest = max(p.slowest, took)
	}
	for i := range ups {
		up := &ups[i]
		p.last = max(p.last, up.UpdateID)
		m := up.Message
		if m == nil {
			p.foreign++ // a private chat has no other updates
			continue
		}
		u := p.people[m.Chat.ID]
		if u == nil || m.Chat.Type != "private" || m.From == nil || m.From.ID != u.id {
			p.foreign++
			continue
		}
		if m.Text == "/start" {
			p.starts[u.k] = true
			if len(p.starts) == len(p.people) {
				close(p.startsCh)
				p.startsCh = nil
			}
			continue
		}
		k, n, ok := parseBotText(p.runID, m.Text)
		if !ok || k != u.k || u.botSeen == nil {
			p.foreign++
			continue
		}
		if u.botSeen.deliver(n, u.toBot.sentAt(n), at) {
			b.firstDeliveries.Add(1)
		}
	}
}

// waitStarts waits until the bot has had every person's "/start" (at most
// a minute), and forgets the setup's calls.
func (p *botPoller) waitStarts(ctx context.Context, b *bench, n int) error {
	p.mu.Lock()
	ch := p.startsCh
	p.mu.Unlock()
	if ch != nil {
		select {
		case <-ch:
		case <-time.After(time.Minute):
			p.mu.Lock()
			defer p.mu.Unlock()
			return fmt.Errorf("the bot got %d of %d people's /start in a minute (errors: %s)", len(p.starts), n, strings.Join(b.errs.list(), "; "))
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.foreign > 0 {
		return fmt.Errorf("the bot got %d updates it did not expect during setup", p.foreign)
	}
	p.resetUpdateCountsLocked()
	return nil
}

// startPhase starts counting a phase's calls afresh, and returns the
// calls answered so far.
func (p *botPoller) startPhase() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.resetUpdateCountsLocked()
	return p.calls
}

// phaseCalls sets a phase's getUpdates figures: the calls answered since
// calls0 and, since the last reset, how full and how slow they were.
func (p *botPoller) phaseCalls(ph *botPhase, calls0 int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ph.GetUpdatesCalls = p.calls - calls0
	ph.EmptyCalls = ph.GetUpdatesCalls - p.withUpdates
	if p.withUpdates > 0 {
		ph.UpdatesPerCall = round3(float64(p.updates) / float64(p.withUpdates))
	}
	ph.SlowestCallMs = ms(int64(p.slowest))
	p.resetUpdateCountsLocked()
}

func (p *botPoller) resetUpdateCountsLocked() { p.withUpdates, p.updates, p.slowest = 0, 0, 0 }
