package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/chapar/chapar/client"
)

// channelScenario: one channel, its owner posting, and S subscriber
// WebSockets online. Besides send→deliver latency per delivery, it
// measures, per post, the time from the post's ack until the last online
// subscriber has it (all_delivered_ms).
//
// One process holds at most ~19,000 sockets (the machine's file limit), so
// beyond -per-process the subscribers live in child processes of this
// same program (the hidden "channel-audience" scenario), each with its own
// file budget, talking to the parent over stdin/stdout in JSON lines. All
// processes are on one machine, so their wall clocks agree: delivery and
// ack times are compared as wall-clock nanoseconds.
type channelScenario struct {
	subscribers, users, posts, perProcess int
	rate                                  float64
}

func (c *channelScenario) flags(fs *flag.FlagSet) {
	fs.IntVar(&c.subscribers, "subscribers", 1000, "subscriber WebSockets online; beyond 18,000 they are spread over child processes")
	fs.IntVar(&c.users, "users", 0, "subscriber accounts; the sockets share them round-robin like users with several devices (default min(subscribers, 2000))")
	fs.IntVar(&c.posts, "posts", 100, "posts the owner makes")
	fs.Float64Var(&c.rate, "rate", 10, "posts per second (open loop)")
	fs.IntVar(&c.perProcess, "per-process", 18_000, "subscriber sockets one process holds; more are spread over child processes")
}

func (c *channelScenario) check(options) error {
	if c.users == 0 {
		c.users = min(c.subscribers, 2000)
	}
	switch {
	case c.subscribers < 1 || c.subscribers > 500_000:
		return errors.New("-subscribers: must be 1-500,000")
	case c.users < 1 || c.users > c.subscribers:
		return errors.New("-users: must be 1 to -subscribers")
	case c.posts < 1 || c.posts > 10_000:
		return errors.New("-posts: must be 1-10,000")
	case c.rate <= 0:
		return errors.New("-rate: must be positive")
	case c.perProcess < 1 || c.perProcess > 19_000:
		return errors.New("-per-process: must be 1-19,000 (the file limit)")
	}
	return nil
}

func (c *channelScenario) run(ctx context.Context, b *bench) (*result, error) {
	setupStart := time.Now()
	// The owner, on the first node (the audience's accounts are b.run_0…).
	owner := &user{c: b.newClient(0)}
	a, err := owner.c.Register(ctx, client.RegisterRequest{Username: b.run + "_owner", Password: "pw-" + b.run, Device: "chapar-bench"})
	if err != nil {
		return nil, fmt.Errorf("register the owner: %w", err)
	}
	owner.id = a.User.ID
	ch, err := owner.c.CreateChannel(ctx, client.ChannelRequest{Title: "bench " + b.run, Username: "ch_" + b.run})
	if err != nil {
		return nil, fmt.Errorf("create channel: %w", err)
	}
	// The audience: one part here, or one per child process.
	var parts []audiencePart
	procs := (c.subscribers + c.perProcess - 1) / c.perProcess
	if procs == 1 {
		a, err := newAudience(ctx, b, audienceConfig{ChatID: ch.ID, PostRun: b.run, Posts: c.posts,
			Sockets: c.subscribers, Users: c.users})
		if err != nil {
			return nil, err
		}
		defer a.close()
		parts = append(parts, a)
	} else {
		children, err := startChildren(ctx, b, procs, audienceConfig{ChatID: ch.ID, PostRun: b.run, Posts: c.posts,
			Sockets: c.subscribers, Users: c.users})
		for _, ch := range children {
			defer ch.close()
			parts = append(parts, ch)
		}
		if err != nil {
			return nil, err
		}
	}
	snd := &sender{b: b, u: owner}
	if err := wrapConnect(snd.open(ctx)); err != nil {
		return nil, err
	}
	defer snd.close()
	out := newOutbox(0, snd, c.posts, c.subscribers)
	out.chatID = ch.ID
	res := &result{Subscribers: c.subscribers, Clients: c.subscribers + 1, Users: c.users + 1, Rate: c.rate, Posts: c.posts,
		Processes: procs}
	res.SetupS = round3(time.Since(setupStart).Seconds())
	b.logf("setup done in %.1fs; posting %d times to %d subscriber sockets in %d process(es)", res.SetupS, c.posts, c.subscribers, procs)

	before := b.scrapeAll(ctx)
	cpu0 := cpuTime()
	sendStart := b.since()
	pc := pacing{workers: 8, rate: c.rate, first: sendStart, interval: time.Duration(float64(time.Second) / c.rate)}
	ackSamples := out.run(ctx, b, messageText(b.opt.size), pc)
	res.TimedOut = ctx.Err() != nil

	// Tell every part what was sent and acked (as wall-clock times), and
	// let each wait for its deliveries.
	sent := sentPosts{SendAt: make([]int64, c.posts), AckAt: make([]int64, c.posts)}
	acked := out.acked.snapshot()
	for n := range c.posts {
		if acked.has(n) {
			sent.SendAt[n] = b.wall(out.sendAt[n].Load())
			sent.AckAt[n] = b.wall(out.ackAt[n].Load())
		}
	}
	reports := make([]audienceReport, len(parts))
	var wg sync.WaitGroup
	for i, p := range parts {
		wg.Go(func() { reports[i] = p.finish(ctx, sent) })
	}
	wg.Wait()
	after := b.scrapeAll(context.Background())
	res.GenCPUs = round3((cpuTime() - cpu0).Seconds())

	// Merge the parts.
	got := make([]int, c.posts)
	last := make([]int64, c.posts)
	var samples []int64
	var end int64
	cnt := counts{}
	for _, r := range reports {
		cnt.delivered += r.Delivered
		cnt.duplicated += r.Duplicated
		cnt.foreign += r.Foreign
		res.Reconnects += r.Reconnects
		res.GenCPUs += r.CPUs
		samples = append(samples, r.Samples...)
		for _, e := range r.Errors {
			b.errs.add(errors.New(e))
		}
		for n := range c.posts {
			got[n] += r.Got[n]
			last[n] = max(last[n], r.Last[n])
			end = max(end, r.Last[n])
		}
	}
	var allDelivered []int64
	for n := range c.posts {
		if sent.AckAt[n] == 0 {
			continue
		}
		cnt.sent++
		cnt.expected += c.subscribers
		if got[n] == c.subscribers {
			res.PostsAllDelivered++
			allDelivered = append(allDelivered, max(last[n]-sent.AckAt[n], 0))
		}
	}
	cnt.lost = cnt.expected - cnt.delivered
	res.setCounts(cnt)
	res.SendErrors = int(b.sendErrors.Load())
	res.setLatency(summarize(samples))
	ack := summarize(ackSamples)
	res.AckP50ms, res.AckP99ms = ack.p50, ack.p99
	all := summarize(allDelivered)
	res.AllDeliveredP50ms, res.AllDeliveredP99ms, res.AllDeliveredMaxMs = all.p50, all.p99, all.max
	dur := time.Duration(max(end-b.wall(sendStart), 0))
	res.DurationS = round3(dur.Seconds())
	res.MsgsPerS = perSecond(cnt.sent, dur)
	res.DeliveriesPerS = perSecond(cnt.delivered, dur)
	res.setServer(before, after)
	return res, nil
}

// wall turns a time on the run's clock into wall-clock Unix nanoseconds.
func (b *bench) wall(since int64) int64 {
	if since == 0 {
		return 0
	}
	return b.start.UnixNano() + since
}

// audienceConfig is what a part of the audience is told to be.
type audienceConfig struct {
	Servers     []string `json:"servers"`
	ChatID      int64    `json:"chat_id"`
	PostRun     string   `json:"post_run"` // the poster's run id, in the posts' client_ids
	Posts       int      `json:"posts"`
	Sockets     int      `json:"sockets"`
	Users       int      `json:"users"`
	Concurrency int      `json:"concurrency"`
	Drain       string   `json:"drain"`
	SourceIPs   string   `json:"source_ips"`
}

// sentPosts tells the audience, per post, when it was sent and acked
// (wall-clock ns; 0 for a post that was not acked).
type sentPosts struct {
	SendAt []int64 `json:"send_at"`
	AckAt  []int64 `json:"ack_at"`
}

// audienceReport is what a part of the audience saw.
type audienceReport struct {
	Delivered  int      `json:"delivered"`  // first deliveries of acked posts
	Duplicated int      `json:"duplicated"` // deliveries beyond the first
	Foreign    int      `json:"foreign"`    // message events that are not our posts
	Reconnects int      `json:"reconnects"`
	Got        []int    `json:"got"`     // per post: sockets that got it
	Last       []int64  `json:"last"`    // per post: wall-clock ns of the last first delivery
	Samples    []int64  `json:"samples"` // send→deliver latencies (ns), sampled
	CPUs       float64  `json:"cpu_s"`   // a child's own CPU time
	Errors     []string `json:"errors,omitempty"`
}

// maxSamplesPerPart bounds the latency samples a part reports.
const maxSamplesPerPart = 200_000

// audiencePart is the audience in this process or in a child.
type audiencePart interface {
	finish(ctx context.Context, sent sentPosts) audienceReport
}

// audience is subscriber sockets counting one channel's posts.
type audience struct {
	b     *bench
	cfg   audienceConfig
	lis   []*listener
	got   [][]int64 // [socket][post]: wall ns of the first delivery, 0 if none
	dups  []int     // per socket
	alien []int     // per socket
	stop  func()
	cpu0  time.Duration
}

// newAudience registers the accounts, subscribes them, and connects the
// sockets; socket i is a device of account i mod users.
func newAudience(ctx context.Context, b *bench, cfg audienceConfig) (*audience, error) {
	k := len(b.servers)
	users, err := b.register(ctx, cfg.Users, func(i int) int { return roundRobin(i, k) })
	if err != nil {
		return nil, err
	}
	err = parallel(ctx, len(users), b.opt.concurrency, func(ctx context.Context, i int) error {
		_, err := users[i].c.Join(ctx, cfg.ChatID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	a := &audience{b: b, cfg: cfg, lis: make([]*listener, cfg.Sockets), got: make([][]int64, cfg.Sockets),
		dups: make([]int, cfg.Sockets), alien: make([]int, cfg.Sockets), stop: func() {}, cpu0: cpuTime()}
	for i := range a.lis {
		a.got[i] = make([]int64, cfg.Posts)
		a.lis[i] = &listener{b: b, u: users[i%len(users)], onEvent: func(ev *client.Event, _ int64) { a.deliver(i, ev) }}
	}
	err = parallel(ctx, len(a.lis), b.opt.concurrency, func(ctx context.Context, i int) error {
		return wrapConnect(a.lis[i].open(ctx))
	})
	if err != nil {
		a.close()
		return nil, err
	}
	a.stop = startListeners(ctx, a.lis)
	return a, nil
}

// deliver records a message event on socket i (on its own goroutine).
func (a *audience) deliver(i int, ev *client.Event) {
	now := time.Now().UnixNano()
	_, n, ok := parseClientID(a.cfg.PostRun, ev.ClientID)
	if !ok || ev.ChatID != a.cfg.ChatID || n < 0 || n >= a.cfg.Posts {
		a.alien[i]++
		return
	}
	if a.got[i][n] != 0 {
		a.dups[i]++
		return
	}
	a.got[i][n] = now
	a.b.firstDeliveries.Add(1)
}

// finish waits (up to the drain time) until every socket has every acked
// post, stops the sockets, and reports.
func (a *audience) finish(ctx context.Context, sent sentPosts) audienceReport {
	acked := 0
	for _, t := range sent.AckAt {
		if t != 0 {
			acked++
		}
	}
	a.b.expected.Store(int64(acked * len(a.lis)))
	a.b.waitDrain(ctx)
	a.stop()
	r := audienceReport{Got: make([]int, a.cfg.Posts), Last: make([]int64, a.cfg.Posts)}
	seen := 0
	for i, l := range a.lis {
		r.Duplicated += a.dups[i]
		r.Foreign += a.alien[i]
		r.Reconnects += l.reconnects
		for n, at := range a.got[i] {
			if at == 0 || sent.AckAt[n] == 0 {
				continue
			}
			r.Delivered++
			r.Got[n]++
			r.Last[n] = max(r.Last[n], at)
			if sent.SendAt[n] == 0 {
				continue
			}
			// Reservoir sampling keeps a uniform sample of the latencies.
			seen++
			lat := max(at-sent.SendAt[n], 0)
			if len(r.Samples) < maxSamplesPerPart {
				r.Samples = append(r.Samples, lat)
			} else if j := rand.IntN(seen); j < maxSamplesPerPart {
				r.Samples[j] = lat
			}
		}
	}
	r.Errors = a.b.errs.list()
	return r
}

func (a *audience) close() {
	a.stop()
	closeAll(a.lis, func(l *listener) {
		if s := l.stream(); s != nil {
			s.Close()
		}
	})
}

// child is a part of the audience in a child process.
type child struct {
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   *bufio.Scanner
	ready error
}

// startChildren starts procs children, splitting the sockets and accounts
// among them, and waits until all are connected.
func startChildren(ctx context.Context, b *bench, procs int, cfg audienceConfig) ([]*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cfg.Servers, cfg.Concurrency, cfg.Drain, cfg.SourceIPs = b.servers, max(1, b.opt.concurrency/procs), b.opt.drain.String(), b.opt.sourceIPs
	children := make([]*child, procs)
	var wg sync.WaitGroup
	for p := range procs {
		part := cfg
		part.Sockets = cfg.Sockets/procs + boolInt(p < cfg.Sockets%procs)
		part.Users = max(1, min(part.Sockets, cfg.Users/procs+boolInt(p < cfg.Users%procs)))
		cmd := exec.CommandContext(ctx, exe, "channel-audience", "-timeout", b.opt.timeout.String())
		cmd.Stderr = b.log
		in, err1 := cmd.StdinPipe()
		out, err2 := cmd.StdoutPipe()
		if err := errors.Join(err1, err2, cmd.Start()); err != nil {
			return children[:p], err
		}
		c := &child{cmd: cmd, in: in, out: bufio.NewScanner(out)}
		c.out.Buffer(make([]byte, 1<<20), 256<<20)
		children[p] = c
		wg.Go(func() {
			c.ready = c.send(part)
			if c.ready == nil {
				var hello struct{ Ready bool }
				c.ready = c.read(&hello)
			}
		})
	}
	wg.Wait()
	for _, c := range children {
		if c.ready != nil {
			return children, fmt.Errorf("audience process: %w", c.ready)
		}
	}
	return children, nil
}

func boolInt(v bool) int {
	if v {
		return 1
	}
	return 0
}

func (c *child) send(v any) error {
	line, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = c.in.Write(append(line, '\n'))
	return err
}

func (c *child) read(v any) error {
	if !c.out.Scan() {
		return fmt.Errorf("it ended: %v", errors.Join(c.out.Err(), io.ErrUnexpectedEOF))
	}
	return json.Unmarshal(c.out.Bytes(), v)
}

func (c *child) finish(_ context.Context, sent sentPosts) audienceReport {
	var r audienceReport
	if err := c.send(sent); err != nil {
		return audienceReport{Errors: []string{"audience process: " + err.Error()}}
	}
	if err := c.read(&r); err != nil {
		return audienceReport{Errors: []string{"audience process: " + err.Error()}}
	}
	return r
}

func (c *child) close() {
	c.in.Close()
	c.cmd.Wait()
}

// runAudience is the child's side: read the config, connect, say ready,
// wait for what was sent, report.
func runAudience(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("channel-audience", flag.ContinueOnError)
	timeout := fs.Duration("timeout", 10*time.Minute, "bound on the whole run")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	in := bufio.NewScanner(stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	fail := func(err error) int {
		fmt.Fprintln(stderr, "chapar-bench channel-audience:", err)
		return 1
	}
	var cfg audienceConfig
	if !in.Scan() {
		return fail(errors.New("no config on stdin"))
	}
	if err := json.Unmarshal(in.Bytes(), &cfg); err != nil {
		return fail(err)
	}
	drain, err := time.ParseDuration(cfg.Drain)
	if err != nil {
		return fail(err)
	}
	opt := options{serverList: strings.Join(cfg.Servers, ","), timeout: *timeout, drain: drain,
		concurrency: max(1, cfg.Concurrency), size: 64, sourceIPs: cfg.SourceIPs}
	servers, err := opt.check()
	if err != nil {
		return fail(err)
	}
	raiseFileLimit()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	b := newBench(opt, servers, stderr)
	a, err := newAudience(ctx, b, cfg)
	if err != nil {
		return fail(err)
	}
	defer a.close()
	enc := json.NewEncoder(stdout)
	if err := enc.Encode(map[string]bool{"ready": true}); err != nil {
		return fail(err)
	}
	a.cpu0 = cpuTime() // count the posts' deliveries, not the set-up
	var sent sentPosts
	if !in.Scan() {
		return fail(errors.New("the parent went away"))
	}
	if err := json.Unmarshal(in.Bytes(), &sent); err != nil {
		return fail(err)
	}
	r := a.finish(ctx, sent)
	r.CPUs = round3((cpuTime() - a.cpu0).Seconds())
	if err := enc.Encode(r); err != nil {
		return fail(err)
	}
	return 0
}
