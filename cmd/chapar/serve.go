package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/chapar/chapar/internal/api"
	"github.com/chapar/chapar/internal/botapi"
	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/hub"
	"github.com/chapar/chapar/internal/presence"
	"github.com/chapar/chapar/web"
	"github.com/prometheus/client_golang/prometheus"
)

// serveConfig is everything "chapar serve" can be told, from (in rising
// precedence) defaults, a TOML file, CHAPAR_* environment variables and
// flags.
type serveConfig struct {
	Addr      string `toml:"addr"`
	Data      string `toml:"data"`
	LogLevel  string `toml:"log_level"`
	LogFormat string `toml:"log_format"`

	// DebugAddr, if set, serves Go's profiler (/debug/pprof/) on a
	// separate listener, e.g. 127.0.0.1:6060. Keep it off public ports.
	DebugAddr string `toml:"debug_addr"`

	// Database, if set, is a PostgreSQL URL (postgres://…): the node keeps
	// its data there instead of in Data, so several nodes can share it.
	Database string `toml:"database"`
	// NATS, if set, is the NATS URL over which nodes sharing Database tell
	// each other about new events; Cluster names their subjects.
	NATS    string `toml:"nats"`
	Cluster string `toml:"cluster"`

	// Media: files go to MediaDir (default: Data/media), or to an
	// S3-compatible bucket if S3 is set (s3://KEY:SECRET@host:port/bucket/prefix).
	MediaDir    string `toml:"media_dir"`
	S3          string `toml:"s3"`
	MaxFileSize int64  `toml:"max_file_size"` // bytes per file
	UploadQuota int64  `toml:"upload_quota"`  // bytes per user

	// Calls: the built-in TURN/STUN relay listens on TurnAddr ("off": none)
	// and is reached by peers at TurnPublicIP (default: the host's
	// outbound address), relaying from TurnPorts ("LOW-HIGH"). TurnURLs
	// replaces the STUN/TURN URLs given to clients (an external TURN
	// server, or a DNS name); TurnSecret is the TURN REST shared secret
	// (default: a random one kept in the database).
	TurnAddr          string `toml:"turn_addr"`
	TurnPublicIP      string `toml:"turn_public_ip"`
	TurnPorts         string `toml:"turn_ports"`
	TurnURLs          string `toml:"turn_urls"`
	TurnSecret        string `toml:"turn_secret"`
	TurnUserBandwidth int64  `toml:"turn_user_bandwidth"` // bytes/s relayed per user

	// WebhookAllow lists address prefixes (CIDR) bots' webhooks may reach
	// besides public addresses, comma-separated (e.g. "10.20.0.0/16").
	WebhookAllow string `toml:"webhook_allow"`
	// BotSendRate is how many messages a second one bot may send (Telegram's
	// 30; 0 lifts bots' send limits, e.g. for a broadcast bot).
	BotSendRate float64 `toml:"bot_send_rate"`

	SendLimit    int      `toml:"send_limit"`
	MaxTextLen   int      `toml:"max_text_len"`
	MaxGroupSize int      `toml:"max_group_size"`
	EditWindow   duration `toml:"edit_window"`
}

// duration reads "48h"-style values from TOML.
type duration struct{ time.Duration }

func (d *duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	d.Duration = v
	return err
}

func defaultServeConfig() serveConfig {
	dc := domain.DefaultConfig()
	return serveConfig{
		Addr: ":8080", Data: "./chapar-data", LogLevel: "info", LogFormat: "text", Cluster: "main",
		MaxTextLen: dc.MaxTextLen, MaxGroupSize: dc.MaxGroupSize, EditWindow: duration{dc.EditWindow},
		SendLimit: dc.SendLimit, MaxFileSize: 2 << 30, UploadQuota: 20 << 30,
		TurnAddr: ":3478", TurnPorts: "49152-65535", TurnUserBandwidth: 2_000_000, BotSendRate: botapi.DefaultBotSendRate,
	}
}

// loadServeConfig parses args and merges the sources.
func loadServeConfig(args []string, stderr io.Writer, getenv func(string) string) (serveConfig, error) {
	cfg := defaultServeConfig()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", getenv("CHAPAR_CONFIG"), "TOML config file (env CHAPAR_CONFIG)")
	var fl serveConfig
	fs.StringVar(&fl.Addr, "addr", cfg.Addr, "address to listen on (env CHAPAR_ADDR)")
	fs.StringVar(&fl.Data, "data", cfg.Data, "data folder, created on first start (env CHAPAR_DATA)")
	fs.StringVar(&fl.LogLevel, "log-level", cfg.LogLevel, "debug, info, warn or error (env CHAPAR_LOG_LEVEL)")
	fs.StringVar(&fl.LogFormat, "log-format", cfg.LogFormat, "text or json (env CHAPAR_LOG_FORMAT)")
	fs.StringVar(&fl.DebugAddr, "debug-addr", "", "serve /debug/pprof/ on this address (e.g. 127.0.0.1:6060)")
	fs.StringVar(&fl.Database, "database", "", "PostgreSQL URL for a cluster, e.g. postgres://chapar@db/chapar (env CHAPAR_DATABASE; default: embedded storage in -data)")
	fs.StringVar(&fl.NATS, "nats", "", "NATS URL through which nodes sharing -database exchange events (env CHAPAR_NATS)")
	fs.StringVar(&fl.Cluster, "cluster", cfg.Cluster, "cluster name: nodes with the same name and NATS form one cluster (env CHAPAR_CLUSTER)")
	fs.StringVar(&fl.MediaDir, "media-dir", "", "folder for media files (env CHAPAR_MEDIA_DIR; default: media/ in -data)")
	fs.StringVar(&fl.S3, "s3", "", "keep media in S3-compatible storage: s3://KEY:SECRET@host:port/bucket/prefix?secure=true (env CHAPAR_S3)")
	fs.Int64Var(&fl.MaxFileSize, "max-file-size", cfg.MaxFileSize, "most bytes in one file")
	fs.Int64Var(&fl.UploadQuota, "upload-quota", cfg.UploadQuota, "most bytes of files one user may store")
	fs.StringVar(&fl.TurnAddr, "turn-addr", cfg.TurnAddr, "TURN/STUN relay address, UDP and TCP (env CHAPAR_TURN_ADDR; \"off\": no built-in relay)")
	fs.StringVar(&fl.TurnPublicIP, "turn-public-ip", "", "IPv4 address peers reach the relay at (env CHAPAR_TURN_PUBLIC_IP; default: this host's outbound address)")
	fs.StringVar(&fl.TurnPorts, "turn-ports", cfg.TurnPorts, "UDP ports the relay opens for calls, LOW-HIGH")
	fs.StringVar(&fl.TurnURLs, "turn-urls", "", "STUN/TURN URLs given to clients, comma-separated (env CHAPAR_TURN_URLS; default: the built-in relay's)")
	fs.StringVar(&fl.TurnSecret, "turn-secret", "", "TURN REST shared secret, as an external TURN server's static-auth-secret (env CHAPAR_TURN_SECRET; default: a random one kept in the database)")
	fs.Int64Var(&fl.TurnUserBandwidth, "turn-user-bandwidth", cfg.TurnUserBandwidth, "bytes per second the relay carries for one user")
	fs.StringVar(&fl.WebhookAllow, "webhook-allow", "", "address prefixes bots' webhooks may reach besides public ones, e.g. 10.20.0.0/16 (env CHAPAR_WEBHOOK_ALLOW)")
	fs.Float64Var(&fl.BotSendRate, "bot-send-rate", cfg.BotSendRate, "messages a second one bot may send (0: no limit for bots)")
	fs.IntVar(&fl.SendLimit, "send-limit", cfg.SendLimit, "messages one user may send per 10 s (0: no limit)")
	fs.IntVar(&fl.MaxTextLen, "max-text-len", cfg.MaxTextLen, "most characters in a message")
	fs.IntVar(&fl.MaxGroupSize, "max-group-size", cfg.MaxGroupSize, "most members in a group")
	fs.DurationVar(&fl.EditWindow.Duration, "edit-window", cfg.EditWindow.Duration, "how long a sender may edit a message")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *configPath != "" {
		md, err := toml.DecodeFile(*configPath, &cfg)
		if err != nil {
			return cfg, fmt.Errorf("config %s: %w", *configPath, err)
		}
		if und := md.Undecoded(); len(und) > 0 {
			return cfg, fmt.Errorf("config %s: unknown setting %q", *configPath, und[0].String())
		}
	}
	for env, dst := range map[string]*string{
		"CHAPAR_ADDR": &cfg.Addr, "CHAPAR_DATA": &cfg.Data,
		"CHAPAR_LOG_LEVEL": &cfg.LogLevel, "CHAPAR_LOG_FORMAT": &cfg.LogFormat,
		"CHAPAR_MEDIA_DIR": &cfg.MediaDir, "CHAPAR_S3": &cfg.S3,
		"CHAPAR_DATABASE": &cfg.Database, "CHAPAR_NATS": &cfg.NATS, "CHAPAR_CLUSTER": &cfg.Cluster,
		"CHAPAR_TURN_ADDR": &cfg.TurnAddr, "CHAPAR_TURN_PUBLIC_IP": &cfg.TurnPublicIP, "CHAPAR_TURN_URLS": &cfg.TurnURLs,
		"CHAPAR_TURN_SECRET": &cfg.TurnSecret, "CHAPAR_WEBHOOK_ALLOW": &cfg.WebhookAllow,
	} {
		if v := getenv(env); v != "" {
			*dst = v
		}
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "addr":
			cfg.Addr = fl.Addr
		case "data":
			cfg.Data = fl.Data
		case "log-level":
			cfg.LogLevel = fl.LogLevel
		case "log-format":
			cfg.LogFormat = fl.LogFormat
		case "debug-addr":
			cfg.DebugAddr = fl.DebugAddr
		case "send-limit":
			cfg.SendLimit = fl.SendLimit
		case "max-text-len":
			cfg.MaxTextLen = fl.MaxTextLen
		case "max-group-size":
			cfg.MaxGroupSize = fl.MaxGroupSize
		case "edit-window":
			cfg.EditWindow = fl.EditWindow
		case "database":
			cfg.Database = fl.Database
		case "nats":
			cfg.NATS = fl.NATS
		case "cluster":
			cfg.Cluster = fl.Cluster
		case "media-dir":
			cfg.MediaDir = fl.MediaDir
		case "s3":
			cfg.S3 = fl.S3
		case "max-file-size":
			cfg.MaxFileSize = fl.MaxFileSize
		case "upload-quota":
			cfg.UploadQuota = fl.UploadQuota
		case "turn-addr":
			cfg.TurnAddr = fl.TurnAddr
		case "turn-public-ip":
			cfg.TurnPublicIP = fl.TurnPublicIP
		case "turn-ports":
			cfg.TurnPorts = fl.TurnPorts
		case "turn-urls":
			cfg.TurnURLs = fl.TurnURLs
		case "turn-secret":
			cfg.TurnSecret = fl.TurnSecret
		case "turn-user-bandwidth":
			cfg.TurnUserBandwidth = fl.TurnUserBandwidth
		case "webhook-allow":
			cfg.WebhookAllow = fl.WebhookAllow
		case "bot-send-rate":
			cfg.BotSendRate = fl.BotSendRate
		}
	})
	switch {
	case cfg.MaxTextLen < 1:
		return cfg, errors.New("max_text_len must be positive")
	case cfg.MaxGroupSize < 2:
		return cfg, errors.New("max_group_size must be at least 2")
	case cfg.EditWindow.Duration < 0:
		return cfg, errors.New("edit_window must not be negative")
	case cfg.MaxFileSize < 1 || cfg.UploadQuota < 1:
		return cfg, errors.New("max_file_size and upload_quota must be positive")
	case cfg.TurnPublicIP != "" && net.ParseIP(cfg.TurnPublicIP).To4() == nil:
		return cfg, errors.New("turn_public_ip must be an IPv4 address")
	case badPrefixes(cfg.WebhookAllow) != nil:
		return cfg, fmt.Errorf("webhook_allow: %w", badPrefixes(cfg.WebhookAllow))
	case cfg.BotSendRate < 0:
		return cfg, errors.New("bot_send_rate must not be negative")
	case cfg.TurnUserBandwidth < 1:
		return cfg, errors.New("turn_user_bandwidth must be positive")
	case cfg.SendLimit < 0:
		return cfg, errors.New("send_limit must not be negative")
	case !clusterName.MatchString(cfg.Cluster):
		return cfg, errors.New("cluster must be 1-64 letters, digits, _ or -")
	case cfg.Database != "" && !strings.HasPrefix(cfg.Database, "postgres://") && !strings.HasPrefix(cfg.Database, "postgresql://"):
		return cfg, errors.New("database must be a postgres:// URL")
	case cfg.NATS != "" && cfg.Database == "":
		return cfg, errors.New("nats needs a shared database: set database (postgres://…) too")
	}
	return cfg, nil
}

var clusterName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func newLogger(cfg serveConfig, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return nil, fmt.Errorf("log level %q: %w", cfg.LogLevel, err)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch cfg.LogFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: want text or json", cfg.LogFormat)
}

// runServe runs the server until SIGINT or SIGTERM.
func runServe(args []string, stdout, stderr io.Writer) int {
	cfg, err := loadServeConfig(args, stderr, os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "chapar: %v\n", err)
		return 2
	}
	log, err := newLogger(cfg, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "chapar: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, cfg, log, nil); err != nil {
		log.Error("server stopped", "err", err)
		return 1
	}
	return 0
}

// serve runs until ctx ends. If ready is non-nil it gets the listening
// address once the server accepts requests (tests listen on port 0).
func serve(ctx context.Context, cfg serveConfig, log *slog.Logger, ready chan<- string) error {
	start := time.Now()
	reg := prometheus.NewRegistry()
	metrics := api.NewMetrics(reg)
	be, err := openBackends(ctx, cfg, log, metrics)
	if err != nil {
		return err
	}
	st, b := be.store, be.bus
	dc := domain.DefaultConfig()
	dc.MaxTextLen, dc.MaxGroupSize, dc.EditWindow = cfg.MaxTextLen, cfg.MaxGroupSize, cfg.EditWindow.Duration
	dc.SendLimit = cfg.SendLimit
	var svc *domain.Service
	var shared *presence.Cluster // presence across nodes, in a cluster
	h := hub.New(func(userID int64, online bool) {
		if shared != nil {
			pctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			announce, err := shared.Changed(pctx, userID, online)
			cancel()
			if err != nil {
				log.Warn("presence", "user", userID, "err", err)
			}
			if !announce { // still online on another node
				return
			}
		}
		if err := svc.SetOnline(context.Background(), userID, online); err != nil {
			log.Warn("presence", "user", userID, "err", err)
		}
	})
	b.Subscribe(h)
	var pres domain.Presence = h
	if be.mode == "cluster" {
		if shared, err = presence.New(ctx, cfg.Database, h, log); err != nil {
			be.close()
			return fmt.Errorf("presence: %w", err)
		}
		pres = shared
		closeBackends := be.close
		be.close = func() { shared.Close(); closeBackends() }
	}
	svc = domain.NewService(dc, domain.Deps{Store: st, Notifier: b, Presence: pres, Log: log})
	ms, err := openMedia(ctx, cfg, st, log)
	if err != nil {
		be.close()
		return err
	}
	bots := botapi.New(svc, h, ms, log)
	bots.SetSendRate(cfg.BotSendRate)
	allow, _ := prefixes(cfg.WebhookAllow)
	bots.StartWebhooks(ctx, botapi.Targets{Allow: allow})
	ice, closeCalls, err := startCalls(ctx, cfg, st, svc, log, reg)
	if err != nil {
		be.close()
		return err
	}
	closeBackends := be.close
	be.close = func() { closeCalls(); closeBackends() }
	srv := api.New(svc, h, api.Options{Log: log, Registry: reg, Metrics: metrics, Web: web.Handler(), Media: ms, ICE: ice, Bots: bots})

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		be.close()
		return err
	}
	// Requests get a context that ends at shutdown, so long polls return.
	reqCtx, cancelRequests := context.WithCancel(context.Background())
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		BaseContext:       func(net.Listener) context.Context { return reqCtx },
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	if cfg.DebugAddr != "" {
		go serveDebug(cfg.DebugAddr, log)
	}
	srv.SetReady(true)
	where := []any{"data", cfg.Data}
	if be.mode != "embedded" {
		where = []any{"storage", be.mode} // the database URL may hold a password: not logged
	}
	log.Info("chapar is serving", append([]any{"addr", ln.Addr().String(), "startup", time.Since(start).Round(time.Millisecond)}, where...)...)
	if ready != nil {
		ready <- ln.Addr().String()
	}

	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	log.Info("shutting down")
	srv.SetReady(false)
	cancelRequests()
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.CloseSockets()
	if serr := hs.Shutdown(shutCtx); serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		log.Warn("http shutdown", "err", serr)
	}
	be.close()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// serveDebug serves the profiler on its own listener, never on the API's.
func serveDebug(addr string, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	log.Info("profiler listening", "addr", addr)
	if err := http.ListenAndServe(addr, mux); err != nil {
		log.Warn("profiler", "err", err)
	}
}

// prefixes reads a comma-separated list of CIDR prefixes.
func prefixes(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range splitList(list) {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return nil, fmt.Errorf("%q is not a prefix like 10.0.0.0/8", v)
		}
		out = append(out, p)
	}
	return out, nil
}

func badPrefixes(list string) error {
	_, err := prefixes(list)
	return err
}
