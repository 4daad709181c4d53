// Command chapar-bench is chapar's load generator. It drives real
// WebSockets through the Go client package (client/), exactly as any
// client would, and prints one JSON line per run:
//
//	chapar-bench dm    -server URL[,URL…] [-pairs 50] [-messages 100000] [-rate R] [-window W] -json
//	chapar-bench group -server URL[,URL…] [-members 1000] [-messages 1000] [-rate R] -json
//	chapar-bench idle  -server URL[,URL…] -clients N -duration D [-users U] -json
//	chapar-bench channel -server URL[,URL…] [-subscribers 1000] [-posts 100] [-rate 10] -json
//	chapar-bench relay-server [-addr 127.0.0.1:9100]
//
// Every run creates its own users under a random prefix, so runs against
// the same server do not collide. Lost and duplicated messages are
// counted, never assumed: each acked message is tracked by its client_id,
// and each receiver counts what reaches it. relay-server is a no-storage
// baseline speaking the subset of the protocol that dm and group use, so
// that chapar's figures can be read as a fraction of what this machine can
// forward at all. docs/BENCHMARKS.md describes the scenarios and results.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: chapar-bench <scenario> -server URL[,URL…] [flags] [-json]

scenarios:
  dm            pairs of users in direct chats; one of each pair sends, the other receives
  group         one sender, a group's other members each on their own WebSocket
  idle          hold N authenticated WebSockets open
  channel       one channel's owner posts; S subscriber WebSockets receive (all_delivered_ms per post)
  media         upload a -file-mb MiB file over tus and download it (throughput, server RSS peak)
  calls         -calls relayed 1:1 voice calls at once (pion, TURN only): packet loss, server CPU per call
  bots          one bot and -users people: getUpdates (people → bot) and sendMessage (bot → people) throughput
  relay-server  run the no-storage baseline server (-addr 127.0.0.1:9100)

Several servers: -server takes a comma-separated list of the nodes of one
cluster (one database), e.g. -server http://127.0.0.1:8081,http://127.0.0.1:8082.
Each user registers on the node it connects to, and a message's sender and
receivers are put on different nodes: in dm the sender of pair i is on node
i mod N and its receiver on node (i+1) mod N; in group the sender is on the
first node and member j on node j mod N; in idle connection i is on node
i mod N. The JSON line says "nodes": N. Server figures are read from every
node's GET /metrics: server_rss_mb, server_cpu_s and server_websockets_open
are sums over the nodes, server_rss_mb_each has one entry per node (in
-server order). No pprof is read from the servers.

"chapar-bench <scenario> -h" lists a scenario's flags.`

// run is main without the process: tests call it.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	name, args := args[0], args[1:]
	if name == "relay-server" {
		return runRelayServer(args, stderr)
	}
	if name == "channel-audience" { // a part of a channel run's audience (see channel.go)
		return runAudience(args, os.Stdin, stdout, stderr)
	}
	var sc scenario
	switch name {
	case "dm":
		sc = &dmScenario{}
	case "group":
		sc = &groupScenario{}
	case "idle":
		sc = &idleScenario{}
	case "channel":
		sc = &channelScenario{}
	case "media":
		sc = &mediaScenario{}
	case "calls":
		sc = &callsScenario{}
	case "bots":
		sc = &botsScenario{}
	case "help", "-h", "-help", "--help":
		fmt.Fprintln(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "chapar-bench: unknown scenario %q\n\n%s\n", name, usage)
		return 2
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opt options
	opt.register(fs)
	sc.flags(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "chapar-bench: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	servers, err := opt.check()
	if err == nil {
		err = sc.check(opt)
	}
	if err != nil {
		fmt.Fprintln(stderr, "chapar-bench:", err)
		return 2
	}
	raiseFileLimit()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, opt.timeout)
	defer cancel()
	b := newBench(opt, servers, stderr)
	if opt.cpuProfile != "" {
		f, err := os.Create(opt.cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, "chapar-bench:", err)
			return 1
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	res, err := sc.run(ctx, b)
	if err != nil {
		fmt.Fprintln(stderr, "chapar-bench:", err)
		return 1
	}
	res.fill(name, b)
	return output(res, opt.json, stdout, stderr)
}

// scenario is one kind of run.
type scenario interface {
	flags(fs *flag.FlagSet)
	check(opt options) error
	run(ctx context.Context, b *bench) (*result, error)
}

// options are the flags every scenario has.
type options struct {
	serverList  string
	json        bool
	timeout     time.Duration
	drain       time.Duration
	concurrency int
	size        int
	sourceIPs   string
	sourceAddrs []netip.Addr // parsed from sourceIPs
	cpuProfile  string
}

func (o *options) register(fs *flag.FlagSet) {
	fs.StringVar(&o.serverList, "server", "http://127.0.0.1:8080", "server base URL(s), comma-separated; loopback only")
	fs.BoolVar(&o.json, "json", false, "print one JSON line on stdout (the summary goes to stderr)")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "bound on the whole run")
	fs.DurationVar(&o.drain, "drain", 10*time.Second, "after the last ack, how long to wait for deliveries still on their way")
	fs.IntVar(&o.concurrency, "concurrency", 16, "registrations, chat creations and connects in flight during setup")
	fs.IntVar(&o.size, "size", 64, "bytes of text per message")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write the generator's CPU profile to this file")
	fs.StringVar(&o.sourceIPs, "source-ips", "", "loopback source addresses for the WebSockets, comma-separated, used in turn (for more connections than one address's ports allow)")
}

// check validates the common flags and returns the server list.
func (o *options) check() ([]string, error) {
	var servers []string
	for _, s := range strings.Split(o.serverList, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if err := checkLoopback(s); err != nil {
			return nil, err
		}
		servers = append(servers, strings.TrimRight(s, "/"))
	}
	switch {
	case len(servers) == 0:
		return nil, errors.New("-server: give at least one URL")
	case o.timeout <= 0:
		return nil, errors.New("-timeout: must be positive")
	case o.drain < 0:
		return nil, errors.New("-drain: must not be negative")
	case o.concurrency < 1:
		return nil, errors.New("-concurrency: must be at least 1")
	case o.size < 1 || o.size > 4096:
		return nil, errors.New("-size: must be 1-4096")
	}
	if o.sourceIPs != "" {
		for _, s := range strings.Split(o.sourceIPs, ",") {
			ip, err := netip.ParseAddr(strings.TrimSpace(s))
			if err != nil || !ip.IsLoopback() {
				return nil, fmt.Errorf("-source-ips: %q is not a loopback address", s)
			}
			o.sourceAddrs = append(o.sourceAddrs, ip)
		}
	}
	return servers, nil
}

// checkLoopback refuses any server that is not on this machine.
func checkLoopback(raw string) error {
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("-server: bad URL %q", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.IsLoopback() {
		return nil
	}
	addrs, err := net.LookupHost(host)
	if err != nil || len(addrs) == 0 {
		return fmt.Errorf("-server: %q does not resolve to a loopback address", host)
	}
	for _, a := range addrs {
		if ip, err := netip.ParseAddr(a); err != nil || !ip.IsLoopback() {
			return fmt.Errorf("-server: %q is not a loopback address (only loopback targets are allowed)", host)
		}
	}
	return nil
}

// raiseFileLimit raises the soft limit on open files to the hard one:
// every WebSocket is a file.
func raiseFileLimit() uint64 {
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) != nil {
		return 0
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
		syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	return lim.Cur
}

// num is a float that is written as null when it is unknown (NaN).
type num float64

func (n num) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(n)) || math.IsInf(float64(n), 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, float64(n), 'f', -1, 64), nil
}

// result is the JSON line of a run. The fields up to Errors are there for
// every scenario; the rest only where they apply.
type result struct {
	Scenario         string   `json:"scenario"`
	Date             string   `json:"date"`
	Run              string   `json:"run"`
	Servers          []string `json:"servers"`
	Nodes            int      `json:"nodes"` // len(Servers): the nodes the clients were spread over
	CPUs             int      `json:"cpus"`
	Clients          int      `json:"clients"`
	Users            int      `json:"users"`
	Sent             int      `json:"sent"`
	SendErrors       int      `json:"send_errors"`
	Expected         int      `json:"expected"`
	Delivered        int      `json:"delivered"`
	Lost             int      `json:"lost"`
	Duplicated       int      `json:"duplicated"`
	Misrouted        int      `json:"misrouted"`
	UnackedDelivered int      `json:"unacked_delivered"`
	Reconnects       int      `json:"reconnects"`
	MsgsPerS         float64  `json:"msgs_per_s"`
	Samples          int      `json:"samples"`
	P50ms            float64  `json:"p50_ms"`
	P90ms            float64  `json:"p90_ms"`
	P99ms            float64  `json:"p99_ms"`
	MaxMs            float64  `json:"max_ms"`
	MeanMs           float64  `json:"mean_ms"`
	AckP50ms         float64  `json:"ack_p50_ms"`
	AckP99ms         float64  `json:"ack_p99_ms"`
	DurationS        float64  `json:"duration_s"`
	SetupS           float64  `json:"setup_s"`
	ServerRSSMB      num      `json:"server_rss_mb"`
	ServerRSSMBEach  []num    `json:"server_rss_mb_each"`
	ServerCPUs       num      `json:"server_cpu_s"`
	GenCPUs          float64  `json:"generator_cpu_s"`
	TimedOut         bool     `json:"timed_out"`
	Errors           []string `json:"errors,omitempty"`

	// dm
	Pairs    int     `json:"pairs,omitempty"`
	Rate     float64 `json:"rate,omitempty"` // offered msgs/s; 0 = closed loop
	Window   int     `json:"window,omitempty"`
	Inflight int     `json:"inflight,omitempty"`
	Size     int     `json:"size"`

	// group
	Members        int     `json:"members,omitempty"`
	DeliveriesPerS float64 `json:"deliveries_per_s,omitempty"`

	// channel
	Subscribers       int     `json:"subscribers,omitempty"`
	Processes         int     `json:"processes,omitempty"` // generator processes holding the subscribers' sockets
	Posts             int     `json:"posts,omitempty"`
	PostsAllDelivered int     `json:"posts_all_delivered,omitempty"`  // posts every subscriber got
	AllDeliveredP50ms float64 `json:"all_delivered_p50_ms,omitempty"` // post's ack → its last subscriber's delivery
	AllDeliveredP99ms float64 `json:"all_delivered_p99_ms,omitempty"`
	AllDeliveredMaxMs float64 `json:"all_delivered_max_ms,omitempty"`

	// idle
	Connections      *int    `json:"connections,omitempty"`
	ConnectFailures  int     `json:"connect_failures,omitempty"`
	ServerWSOpen     *num    `json:"server_websockets_open,omitempty"`
	PingsOK          int     `json:"pings_ok,omitempty"`
	PingSample       int     `json:"ping_sample,omitempty"`
	HoldS            float64 `json:"hold_s,omitempty"`
	ConnectRate      float64 `json:"connect_rate,omitempty"`
	ConnectP50ms     float64 `json:"connect_p50_ms,omitempty"`
	ConnectP99ms     float64 `json:"connect_p99_ms,omitempty"`
	RSSBeforeMB      *num    `json:"server_rss_before_mb,omitempty"`
	RSSAfterMB       *num    `json:"server_rss_after_mb,omitempty"`
	BytesPerConn     *num    `json:"bytes_per_conn,omitempty"`
	HeapBytesPerConn *num    `json:"heap_stack_bytes_per_conn,omitempty"`
	FileLimit        uint64  `json:"file_limit,omitempty"`

	// media
	FileMB         int     `json:"file_mb,omitempty"`
	UploadMBps     float64 `json:"upload_mib_per_s,omitempty"`
	DownloadMBps   float64 `json:"download_mib_per_s,omitempty"`
	UploadPeakMB   num     `json:"server_rss_peak_upload_mb,omitempty"`
	DownloadPeakMB num     `json:"server_rss_peak_download_mb,omitempty"`

	// calls
	Calls           int     `json:"calls,omitempty"`
	PacketsSent     int64   `json:"packets_sent,omitempty"`
	PacketsReceived int64   `json:"packets_received,omitempty"`
	PacketLossPct   float64 `json:"packet_loss_pct,omitempty"`
	CPUPerCallMs    float64 `json:"server_cpu_ms_per_call_s,omitempty"` // server CPU ms per second of one call

	// bots
	BotMode    string    `json:"bot_mode,omitempty"` // updates, send or both
	BotSenders int       `json:"bot_senders,omitempty"`
	BotUpdates *botPhase `json:"bot_updates,omitempty"` // people → bot, over getUpdates
	BotSends   *botPhase `json:"bot_sends,omitempty"`   // bot → people, over sendMessage
}

// fill sets the fields every run shares.
func (r *result) fill(scenario string, b *bench) {
	r.Scenario = scenario
	r.Date = b.start.UTC().Format(time.RFC3339)
	r.Run = b.run
	r.Servers = b.servers
	r.Nodes = len(b.servers)
	r.CPUs = runtime.NumCPU()
	r.Size = b.opt.size
	r.Errors = b.errs.list()
}

// setLatency copies a latency summary into the result.
func (r *result) setLatency(l latency) {
	r.Samples, r.P50ms, r.P90ms, r.P99ms, r.MaxMs, r.MeanMs = l.count, l.p50, l.p90, l.p99, l.max, l.mean
}

// setCounts copies delivery counts into the result.
func (r *result) setCounts(c counts) {
	r.Sent, r.Expected, r.Delivered, r.Lost, r.Duplicated = c.sent, c.expected, c.delivered, c.lost, c.duplicated
	r.Misrouted, r.UnackedDelivered = c.foreign, c.unacked
}

// setServer records the servers' memory at the end of the measured phase
// and their CPU time during it.
func (r *result) setServer(before, after []serverStats) {
	r.ServerRSSMB = num(mb(sum(after, rssOf)))
	for _, v := range rssEach(after) {
		r.ServerRSSMBEach = append(r.ServerRSSMBEach, num(v))
	}
	r.ServerCPUs = num(round3(sum(after, cpuOf) - sum(before, cpuOf)))
}

func output(r *result, asJSON bool, stdout, stderr io.Writer) int {
	summaryTo := stdout
	if asJSON {
		b, err := json.Marshal(r)
		if err != nil {
			fmt.Fprintln(stderr, "chapar-bench: encode result:", err)
			return 1
		}
		fmt.Fprintf(stdout, "%s\n", b)
		summaryTo = stderr
	}
	summary(summaryTo, r)
	if r.Lost > 0 || r.Duplicated > 0 || r.Misrouted > 0 || r.TimedOut {
		return 3 // the figures are printed, but the run found faults
	}
	return 0
}

func summary(w io.Writer, r *result) {
	nodes := ""
	if r.Nodes > 1 {
		nodes = fmt.Sprintf("%d nodes, ", r.Nodes)
	}
	fmt.Fprintf(w, "%s on %s (%s%d CPUs), run %s, %d clients, %d users\n", r.Scenario, strings.Join(r.Servers, ","), nodes, r.CPUs, r.Run, r.Clients, r.Users)
	if r.BotMode != "" {
		botSummary(w, r)
	} else if r.Calls > 0 {
		fmt.Fprintf(w, "  %d relayed calls for %.0f s: packets %d sent, %d received (%.2f%% lost); server CPU %s s, %.2f ms per call-second\n",
			r.Calls, r.DurationS, r.PacketsSent, r.PacketsReceived, r.PacketLossPct, fmtNum(&r.ServerCPUs), r.CPUPerCallMs)
	} else if r.FileMB > 0 {
		fmt.Fprintf(w, "  %d MiB: upload %.1f MiB/s (server RSS peak %s MB), download %.1f MiB/s (peak %s MB), at rest before %s MB\n",
			r.FileMB, r.UploadMBps, fmtNum(&r.UploadPeakMB), r.DownloadMBps, fmtNum(&r.DownloadPeakMB), fmtNum(r.RSSBeforeMB))
	} else if r.Connections != nil {
		fmt.Fprintf(w, "  connections held %d (failed %d), server reports %s open; pings %d/%d\n",
			*r.Connections, r.ConnectFailures, fmtNum(r.ServerWSOpen), r.PingsOK, r.PingSample)
		fmt.Fprintf(w, "  connect %.0f/s (p50 %.1f ms, p99 %.1f ms), held %.0fs\n", r.ConnectRate, r.ConnectP50ms, r.ConnectP99ms, r.HoldS)
		fmt.Fprintf(w, "  server RSS %s → %s MB: %s bytes/conn (heap+stacks: %s bytes/conn)\n",
			fmtNum(r.RSSBeforeMB), fmtNum(r.RSSAfterMB), fmtNum(r.BytesPerConn), fmtNum(r.HeapBytesPerConn))
	} else {
		fmt.Fprintf(w, "  sent %d (errors %d), deliveries expected %d, delivered %d, lost %d, duplicated %d, misrouted %d, reconnects %d\n",
			r.Sent, r.SendErrors, r.Expected, r.Delivered, r.Lost, r.Duplicated, r.Misrouted, r.Reconnects)
		fmt.Fprintf(w, "  %.0f msgs/s", r.MsgsPerS)
		if r.DeliveriesPerS > 0 {
			fmt.Fprintf(w, ", %.0f deliveries/s", r.DeliveriesPerS)
		}
		fmt.Fprintf(w, " over %.2fs; send→deliver p50 %.2f ms, p90 %.2f, p99 %.2f, max %.2f; ack p50 %.2f, p99 %.2f\n",
			r.DurationS, r.P50ms, r.P90ms, r.P99ms, r.MaxMs, r.AckP50ms, r.AckP99ms)
		if r.Posts > 0 {
			fmt.Fprintf(w, "  %d of %d posts reached all %d subscribers (%d generator processes); ack → all delivered p50 %.2f ms, p99 %.2f, max %.2f\n",
				r.PostsAllDelivered, r.Posts, r.Subscribers, r.Processes, r.AllDeliveredP50ms, r.AllDeliveredP99ms, r.AllDeliveredMaxMs)
		}
	}
	fmt.Fprintf(w, "  server RSS %s MB, server CPU %s s, generator CPU %.1f s, setup %.1fs\n",
		fmtNum(&r.ServerRSSMB), fmtNum(&r.ServerCPUs), r.GenCPUs, r.SetupS)
	if r.TimedOut {
		fmt.Fprintln(w, "  TIMED OUT: the figures are partial")
	}
	for _, e := range r.Errors {
		fmt.Fprintln(w, "  error:", e)
	}
}

func fmtNum(n *num) string {
	if n == nil || math.IsNaN(float64(*n)) {
		return "?"
	}
	return strconv.FormatFloat(float64(*n), 'f', -1, 64)
}
