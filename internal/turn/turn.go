// Package turn is the TURN/STUN relay built into chapar: it carries the
// media of a call between peers that cannot reach each other directly
// (symmetric NATs, firewalls that block UDP). pion/turn speaks the protocol;
// this package adds chapar's part: credentials chapar mints (the TURN REST
// scheme, so coturn can take the relay's place), a quota of allocations and
// a bandwidth budget per user, relay ports kept in one range, and metrics.
package turn

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pion/logging"
	pionturn "github.com/pion/turn/v5"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
)

// Config of the relay.
type Config struct {
	// Addr is the host:port to listen on, over UDP and TCP (default ":3478").
	// Plain STUN binding requests are answered there too. Relayed sockets
	// are opened on its host, or on all IPv4 addresses if it names none.
	Addr string
	// PublicIP is the IPv4 address given to peers as the relay address.
	PublicIP net.IP
	// RelayMinPort and RelayMaxPort bound the relayed UDP sockets (default
	// 49152–65535), so that a firewall need open only that range.
	RelayMinPort, RelayMaxPort int
	// Secret is the TURN REST shared secret (coturn's static-auth-secret).
	Secret []byte
	// Realm is the long-term credential realm (default "chapar").
	Realm string
	// MaxAllocationsPerUser caps a user's live allocations (default 10); a
	// call takes one or two.
	MaxAllocationsPerUser int
	// UserBandwidth is the bytes per second relayed for one user, both
	// directions and all the user's allocations together (default
	// 2,000,000, about 16 Mbit/s: an HD video call). Datagrams over it are
	// dropped, after a burst of one second's worth (at least maxDatagram).
	UserBandwidth int64
}

// socketBuffer is the kernel buffer asked for the listening UDP socket.
const socketBuffer = 4 << 20

// maxDatagram is the largest UDP payload; the bandwidth bucket holds at
// least that much, or a large datagram could never pass.
const maxDatagram = 1<<16 - 1

func (c *Config) check() error {
	if c.Addr == "" {
		c.Addr = ":3478"
	}
	if c.RelayMinPort == 0 && c.RelayMaxPort == 0 {
		c.RelayMinPort, c.RelayMaxPort = 49152, 65535
	}
	if c.Realm == "" {
		c.Realm = "chapar"
	}
	if c.MaxAllocationsPerUser == 0 {
		c.MaxAllocationsPerUser = 10
	}
	if c.UserBandwidth == 0 {
		c.UserBandwidth = 2_000_000
	}
	switch {
	case c.PublicIP.To4() == nil || c.PublicIP.IsUnspecified():
		return fmt.Errorf("turn: public IP %v is not a usable IPv4 address", c.PublicIP)
	case len(c.Secret) == 0:
		return errors.New("turn: no secret") // anyone could mint credentials
	case c.RelayMinPort < 1 || c.RelayMaxPort > 65535 || c.RelayMinPort > c.RelayMaxPort:
		return fmt.Errorf("turn: bad relay port range %d–%d", c.RelayMinPort, c.RelayMaxPort)
	case c.MaxAllocationsPerUser < 0 || c.UserBandwidth < 0:
		return errors.New("turn: negative quota or bandwidth")
	}
	return nil
}

// Server is a running relay.
type Server struct {
	cfg  Config
	log  *slog.Logger
	m    metrics
	pion *pionturn.Server
	udp  net.PacketConn
	tcp  *tcpListener

	mu    sync.Mutex
	users map[int64]*user // users with live allocations
}

// user is one user's share of the relay.
type user struct {
	allocs int
	bw     *rate.Limiter // shared by all the user's allocations
}

// Start listens on UDP and TCP at cfg.Addr and serves until Close. reg may
// be nil, for no metrics.
func Start(cfg Config, log *slog.Logger, reg prometheus.Registerer) (*Server, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("turn: %w", err)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "0.0.0.0" // relayed sockets are IPv4
	}
	s := &Server{cfg: cfg, log: log, m: newMetrics(), users: make(map[int64]*user)}
	if s.udp, err = net.ListenPacket("udp", cfg.Addr); err != nil {
		return nil, fmt.Errorf("turn: %w", err)
	}
	// Every client's packets arrive on this one socket, read by one
	// goroutine: with the kernel's default buffer (208 KB) a short pause
	// of that goroutine drops datagrams (3.7 % of them with 150 relayed
	// calls, docs/BENCHMARKS.md "Calls"). The kernel caps it at
	// net.core.rmem_max / wmem_max.
	if uc, ok := s.udp.(*net.UDPConn); ok {
		uc.SetReadBuffer(socketBuffer)
		uc.SetWriteBuffer(socketBuffer)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		s.udp.Close()
		return nil, fmt.Errorf("turn: %w", err)
	}
	s.tcp = &tcpListener{Listener: ln, conns: make(map[*tcpConn]struct{})}
	gen := &relays{s: s, ports: &pionturn.RelayAddressGeneratorPortRange{
		RelayAddress: cfg.PublicIP,
		Address:      host,
		MinPort:      uint16(cfg.RelayMinPort),
		MaxPort:      uint16(cfg.RelayMaxPort),
	}}
	s.pion, err = pionturn.NewServer(pionturn.ServerConfig{
		Realm:        cfg.Realm,
		AuthHandler:  s.authenticate,
		QuotaHandler: s.quota,
		EventHandler: pionturn.EventHandler{OnAuth: s.onAuth},
		PacketConnConfigs: []pionturn.PacketConnConfig{
			{PacketConn: s.udp, RelayAddressGenerator: gen, PermissionHandler: s.peerAllowed},
		},
		ListenerConfigs: []pionturn.ListenerConfig{
			{Listener: s.tcp, RelayAddressGenerator: gen, PermissionHandler: s.peerAllowed},
		},
		LoggerFactory: pionLog{log},
	})
	if err != nil {
		s.udp.Close()
		ln.Close()
		return nil, fmt.Errorf("turn: %w", err)
	}
	if reg != nil {
		s.m.register(reg)
	}
	log.Info("turn: listening", "udp", s.udp.LocalAddr(), "tcp", ln.Addr(),
		"relay", fmt.Sprintf("%s:%d-%d", cfg.PublicIP, cfg.RelayMinPort, cfg.RelayMaxPort))
	return s, nil
}

// Close stops the relay: its listeners, its TCP clients and, as pion's
// loops wind down, every allocation.
func (s *Server) Close() error {
	err := s.pion.Close()
	s.tcp.closeConns()
	return err
}

// Addr returns the addresses the relay listens on.
func (s *Server) Addr() (udp, tcp net.Addr) { return s.udp.LocalAddr(), s.tcp.Addr() }

// Credentials mints credentials for userID that expire at now+ttl, per the
// TURN REST API draft (draft-uberti-behave-turn-rest-00): the username is
// "<expiry unix seconds>:<userID>" and the password
// base64(HMAC-SHA1(secret, username)). It is a function of the secret, not a
// method of Server, because an external TURN server (coturn with
// use-auth-secret) takes the same credentials.
func Credentials(secret []byte, userID int64, ttl time.Duration, now time.Time) (username, password string) {
	username = strconv.FormatInt(now.Add(ttl).Unix(), 10) + ":" + strconv.FormatInt(userID, 10)
	return username, sign(secret, username)
}

func sign(secret []byte, username string) string {
	mac := hmac.New(sha1.New, secret)
	mac.Write([]byte(username))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// parseUsername returns the user id in a TURN REST username, refusing one
// expired before now.
func parseUsername(username string, now time.Time) (int64, error) {
	expiry, id, ok := strings.Cut(username, ":")
	if !ok {
		return 0, errors.New("not <expiry>:<user id>")
	}
	t, err := strconv.ParseInt(expiry, 10, 64)
	if err != nil {
		return 0, errors.New("bad expiry")
	}
	if t < now.Unix() {
		return 0, errors.New("expired")
	}
	uid, err := strconv.ParseInt(id, 10, 64)
	if err != nil || uid <= 0 {
		return 0, errors.New("bad user id")
	}
	return uid, nil
}

// authenticate is pion's AuthHandler: it returns the user id and the key
// the username's password implies, and pion checks the request's
// MESSAGE-INTEGRITY with that key (a wrong password shows in onAuth).
func (s *Server) authenticate(ra *pionturn.RequestAttributes) (userID string, key []byte, ok bool) {
	id, err := parseUsername(ra.Username, time.Now())
	if err != nil {
		s.m.authFailures.Inc()
		s.log.Debug("turn: credentials refused", "username", ra.Username, "addr", ra.SrcAddr, "err", err)
		return "", nil, false
	}
	password := sign(s.cfg.Secret, ra.Username)
	return strconv.FormatInt(id, 10), pionturn.GenerateAuthKey(ra.Username, ra.Realm, password), true
}

// onAuth hears pion's integrity verdicts; a false one is a wrong password.
func (s *Server) onAuth(src, _ net.Addr, _, username, _, method string, ok bool) {
	if !ok {
		s.m.authFailures.Inc()
		s.log.Debug("turn: wrong password", "username", username, "addr", src, "method", method)
	}
}

// quota is pion's QuotaHandler, asked before each allocation: its refusal
// reaches the client as 486 Allocation Quota Reached. pion passes the user
// id authenticate returned, not the raw username. Allocations are counted
// by reserve, atomically with opening their socket, as two requests can
// pass this check at once.
func (s *Server) quota(userID, _ string, _ net.Addr) bool {
	id, err := strconv.ParseInt(userID, 10, 64)
	if err != nil {
		return false
	}
	s.mu.Lock()
	u := s.users[id]
	ok := u == nil || u.allocs < s.cfg.MaxAllocationsPerUser
	s.mu.Unlock()
	if !ok {
		s.m.quotaRefusals.Inc()
		s.log.Debug("turn: allocation quota reached", "user", id)
	}
	return ok
}

var errQuota = errors.New("turn: allocation quota reached")

// reserve counts an allocation against the user's quota.
func (s *Server) reserve(id int64) (*user, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[id]
	if u == nil {
		burst := max(s.cfg.UserBandwidth, maxDatagram)
		u = &user{bw: rate.NewLimiter(rate.Limit(s.cfg.UserBandwidth), int(burst))}
		s.users[id] = u
	}
	if u.allocs >= s.cfg.MaxAllocationsPerUser {
		s.m.quotaRefusals.Inc()
		return nil, errQuota
	}
	u.allocs++
	s.m.allocations.Inc()
	return u, nil
}

// release ends an allocation's share of the quota.
func (s *Server) release(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.users[id]; u != nil {
		u.allocs--
		if u.allocs == 0 {
			delete(s.users, id)
		}
	}
	s.m.allocations.Dec()
}

// peerAllowed refuses peers on the relay's own host, and multicast:
// otherwise any user could reach UDP services bound to the server's
// loopback (coturn's CVE-2020-26262). A relay whose public address is
// itself loopback serves one machine (a test, a demo), where loopback peers
// are the point.
func (s *Server) peerAllowed(_ net.Addr, peer net.IP) bool {
	if s.cfg.PublicIP.IsLoopback() {
		return true
	}
	return !peer.IsLoopback() && !peer.IsUnspecified() && !peer.IsMulticast()
}

// relays opens relayed UDP sockets in the port range, each charged to its
// user's quota and bandwidth.
type relays struct {
	s     *Server
	ports *pionturn.RelayAddressGeneratorPortRange
}

var errNoTCPRelay = errors.New("turn: TCP relaying (RFC 6062) is not offered")

func (r *relays) Validate() error { return r.ports.Validate() }

func (r *relays) AllocatePacketConn(c pionturn.AllocateListenerConfig) (net.PacketConn, net.Addr, error) {
	id, err := strconv.ParseInt(c.UserID, 10, 64)
	if err != nil {
		// pion looks for a free even port (EVEN-PORT) with no user and
		// closes the socket at once.
		return r.ports.AllocatePacketConn(c)
	}
	u, err := r.s.reserve(id)
	if err != nil {
		return nil, nil, err
	}
	conn, addr, err := r.ports.AllocatePacketConn(c)
	if err != nil {
		r.s.release(id)
		return nil, nil, err
	}
	return &relayConn{PacketConn: conn, s: r.s, id: id, u: u}, addr, nil
}

func (r *relays) AllocateListener(pionturn.AllocateListenerConfig) (net.Listener, net.Addr, error) {
	return nil, nil, errNoTCPRelay
}

func (r *relays) AllocateConn(pionturn.AllocateConnConfig) (net.Conn, error) {
	return nil, errNoTCPRelay
}

// relayConn is a relayed socket. Every datagram in or out is charged to
// its user's bandwidth; closing it, which pion does when the allocation
// ends, returns the user's quota.
type relayConn struct {
	net.PacketConn
	s    *Server
	id   int64
	u    *user
	once sync.Once
}

// ReadFrom returns the next datagram from a peer that the user's bandwidth
// allows, dropping the others.
func (c *relayConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.PacketConn.ReadFrom(p)
		if err != nil || c.charge(n) {
			return n, addr, err
		}
	}
}

// WriteTo sends a datagram to a peer if the user's bandwidth allows. One
// over it is dropped and reported sent, as if the network had lost it.
func (c *relayConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	if !c.charge(len(p)) {
		return len(p), nil
	}
	return c.PacketConn.WriteTo(p, addr)
}

func (c *relayConn) charge(n int) bool {
	if !c.u.bw.AllowN(time.Now(), n) {
		c.s.m.dropped.Inc()
		return false
	}
	c.s.m.relayed.Add(float64(n))
	return true
}

func (c *relayConn) Close() error {
	c.once.Do(func() { c.s.release(c.id) })
	return c.PacketConn.Close()
}

// tcpListener remembers the connections it accepted: pion's Close stops
// accepting but leaves TCP clients connected, still able to allocate.
type tcpListener struct {
	net.Listener
	mu     sync.Mutex
	conns  map[*tcpConn]struct{}
	closed bool
}

func (l *tcpListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		c.Close()
		return nil, net.ErrClosed
	}
	tc := &tcpConn{Conn: c, l: l}
	l.conns[tc] = struct{}{}
	return tc, nil
}

func (l *tcpListener) closeConns() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	for c := range l.conns {
		c.Conn.Close()
	}
}

type tcpConn struct {
	net.Conn
	l *tcpListener
}

func (c *tcpConn) Close() error {
	c.l.mu.Lock()
	delete(c.l.conns, c)
	c.l.mu.Unlock()
	return c.Conn.Close()
}

// pionLog passes pion's log lines to slog at Debug. pion logs every packet
// at its Debug level, dropped here, and one client's trouble (a refused
// peer, a vanished client) at Info to Error: no client should be able to
// fill the operator's log. What the operator must see, a failure to
// listen, Start returns.
type pionLog struct{ log *slog.Logger }

func (l pionLog) NewLogger(scope string) logging.LeveledLogger {
	return pionLog{l.log.With("scope", "pion/"+scope)}
}

func (pionLog) Trace(string)                {}
func (pionLog) Tracef(string, ...any)       {}
func (pionLog) Debug(string)                {}
func (pionLog) Debugf(string, ...any)       {}
func (l pionLog) Info(msg string)           { l.log.Debug("turn: " + msg) }
func (l pionLog) Infof(f string, a ...any)  { l.logf(f, a) }
func (l pionLog) Warn(msg string)           { l.log.Debug("turn: " + msg) }
func (l pionLog) Warnf(f string, a ...any)  { l.logf(f, a) }
func (l pionLog) Error(msg string)          { l.log.Debug("turn: " + msg) }
func (l pionLog) Errorf(f string, a ...any) { l.logf(f, a) }
func (l pionLog) logf(format string, a []any) {
	if l.log.Enabled(context.Background(), slog.LevelDebug) {
		l.log.Debug("turn: " + fmt.Sprintf(format, a...))
	}
}

// metrics are the relay's Prometheus instruments.
type metrics struct {
	allocations   prometheus.Gauge
	relayed       prometheus.Counter
	droppedVec    *prometheus.CounterVec
	dropped       prometheus.Counter // reason="bandwidth"
	authFailures  prometheus.Counter
	quotaRefusals prometheus.Counter
}

func newMetrics() metrics {
	m := metrics{
		allocations: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "chapar_turn_allocations", Help: "Live TURN allocations (relayed UDP sockets).",
		}),
		relayed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chapar_turn_relayed_bytes_total", Help: "Bytes relayed between TURN clients and peers, both directions.",
		}),
		droppedVec: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chapar_turn_dropped_packets_total", Help: "Datagrams the relay dropped, by reason.",
		}, []string{"reason"}),
		authFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chapar_turn_auth_failures_total", Help: "TURN requests refused for bad, expired or wrongly signed credentials.",
		}),
		quotaRefusals: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chapar_turn_quota_refusals_total", Help: "Allocations refused because the user had as many as allowed.",
		}),
	}
	m.dropped = m.droppedVec.WithLabelValues("bandwidth")
	return m
}

func (m metrics) register(reg prometheus.Registerer) {
	reg.MustRegister(m.allocations, m.relayed, m.droppedVec, m.authFailures, m.quotaRefusals)
}
