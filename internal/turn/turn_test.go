package turn

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/stun/v4"
	pionturn "github.com/pion/turn/v5"
	"github.com/prometheus/client_golang/prometheus"
)

var secret = []byte("test secret")

const minPort, maxPort = 47100, 47299

// start runs a relay on 127.0.0.1 with its own registry; cfg's zero fields
// get the test defaults.
func start(t *testing.T, cfg Config) (*Server, *prometheus.Registry) {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.PublicIP == nil {
		cfg.PublicIP = net.IPv4(127, 0, 0, 1)
	}
	if cfg.RelayMinPort == 0 {
		cfg.RelayMinPort, cfg.RelayMaxPort = minPort, maxPort
	}
	if cfg.Secret == nil {
		cfg.Secret = secret
	}
	reg := prometheus.NewRegistry()
	s, err := Start(cfg, slog.New(slog.DiscardHandler), reg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, reg
}

var quiet = pionLog{slog.New(slog.DiscardHandler)}

// client returns a TURN client for user over a fresh UDP socket.
func client(t *testing.T, s *Server, username, password string) *pionturn.Client {
	t.Helper()
	udp, _ := s.Addr()
	return clientOver(t, listenUDP(t), udp.String(), username, password)
}

func clientOver(t *testing.T, conn net.PacketConn, server, username, password string) *pionturn.Client {
	t.Helper()
	c, err := pionturn.NewClient(&pionturn.ClientConfig{
		STUNServerAddr: server, TURNServerAddr: server, Conn: conn,
		Username: username, Password: password, LoggerFactory: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func userClient(t *testing.T, s *Server, userID int64) *pionturn.Client {
	t.Helper()
	u, p := Credentials(secret, userID, time.Hour, time.Now())
	return client(t, s, u, p)
}

func allocate(t *testing.T, c *pionturn.Client) net.PacketConn {
	t.Helper()
	relay, err := c.Allocate()
	if err != nil {
		t.Fatalf("allocate: %v", err)
	}
	t.Cleanup(func() { relay.Close() })
	return relay
}

func listenUDP(t *testing.T) net.PacketConn {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// roundTrip checks that a datagram from a peer reaches the client through
// relay, and that the client's answer reaches the peer.
func roundTrip(t *testing.T, c *pionturn.Client, relay net.PacketConn) {
	t.Helper()
	peer := listenUDP(t)
	if err := c.CreatePermission(peer.LocalAddr()); err != nil {
		t.Fatalf("create permission: %v", err)
	}
	buf := make([]byte, 1600)
	for try := 1; ; try++ { // datagrams may be lost, even on loopback
		peer.WriteTo([]byte("ping"), relay.LocalAddr())
		relay.SetReadDeadline(time.Now().Add(time.Second))
		n, from, err := relay.ReadFrom(buf)
		if err == nil {
			if string(buf[:n]) != "ping" || from.String() != peer.LocalAddr().String() {
				t.Fatalf("client got %q from %v, want ping from %v", buf[:n], from, peer.LocalAddr())
			}
			break
		}
		if try == 5 {
			t.Fatalf("peer to client: %v", err)
		}
	}
	relay.SetReadDeadline(time.Time{})
	for try := 1; ; try++ {
		if _, err := relay.WriteTo([]byte("pong"), peer.LocalAddr()); err != nil {
			t.Fatalf("client to peer: %v", err)
		}
		peer.SetReadDeadline(time.Now().Add(time.Second))
		n, from, err := peer.ReadFrom(buf)
		if err == nil {
			if string(buf[:n]) != "pong" || from.String() != relay.LocalAddr().String() {
				t.Fatalf("peer got %q from %v, want pong from %v", buf[:n], from, relay.LocalAddr())
			}
			return
		}
		if try == 5 {
			t.Fatalf("client to peer: %v", err)
		}
	}
}

// exchange sends a STUN request over conn and returns the answer.
func exchange(t *testing.T, conn net.PacketConn, to net.Addr, setters ...stun.Setter) *stun.Message {
	t.Helper()
	req := stun.MustBuild(append([]stun.Setter{stun.TransactionID}, setters...)...)
	buf := make([]byte, 1600)
	for try := 1; ; try++ {
		if _, err := conn.WriteTo(req.Raw, to); err != nil {
			t.Fatal(err)
		}
		conn.SetReadDeadline(time.Now().Add(time.Second))
		n, _, err := conn.ReadFrom(buf)
		if err == nil {
			res := &stun.Message{Raw: buf[:n]}
			if err := res.Decode(); err != nil {
				t.Fatal(err)
			}
			return res
		}
		if try == 5 {
			t.Fatal(err)
		}
	}
}

func turnCode(err error) stun.ErrorCode {
	var te *stun.TurnError
	if errors.As(err, &te) {
		return te.ErrorCodeAttr.Code
	}
	return 0
}

// metric sums the series of a counter or gauge.
func metric(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			var sum float64
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
			return sum
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestSTUNBinding(t *testing.T) {
	s, _ := start(t, Config{})
	udp, _ := s.Addr()
	conn := listenUDP(t)
	res := exchange(t, conn, udp, stun.BindingRequest, stun.Fingerprint)
	var mapped stun.XORMappedAddress
	if err := mapped.GetFrom(res); err != nil {
		t.Fatalf("binding response %v: %v", res, err)
	}
	if mapped.String() != conn.LocalAddr().String() {
		t.Errorf("mapped address %v, want %v", mapped, conn.LocalAddr())
	}
}

func TestGarbageIgnored(t *testing.T) {
	s, _ := start(t, Config{})
	udp, tcp := s.Addr()
	conn := listenUDP(t)
	header := stun.MustBuild(stun.TransactionID, stun.BindingRequest).Raw
	for _, b := range [][]byte{
		{},
		{0},
		[]byte("GET / HTTP/1.1\r\n\r\n"),
		header[:10],
		append(append([]byte{}, header[:2]...), 0xff, 0xff), // length past the end
		{0x40, 0x00, 0x00, 0x10, 1, 2},                      // ChannelData, no such channel
	} {
		conn.WriteTo(b, udp)
	}
	if c, err := net.Dial("tcp", tcp.String()); err == nil {
		c.Write([]byte{0x40, 0x00, 0xff, 0xff, 0, 0, 0})
		c.Close()
	}
	res := exchange(t, conn, udp, stun.BindingRequest, stun.Fingerprint)
	if res.Type != stun.BindingSuccess {
		t.Errorf("binding after garbage answered %v", res)
	}
}

func TestAllocateAndRelay(t *testing.T) {
	s, reg := start(t, Config{})
	c := userClient(t, s, 7)
	relay := allocate(t, c)
	addr := relay.LocalAddr().(*net.UDPAddr)
	if !addr.IP.Equal(net.IPv4(127, 0, 0, 1)) || addr.Port < minPort || addr.Port > maxPort {
		t.Errorf("relayed address %v, want 127.0.0.1:%d-%d", addr, minPort, maxPort)
	}
	if n := metric(t, reg, "chapar_turn_allocations"); n != 1 {
		t.Errorf("allocations = %v, want 1", n)
	}
	roundTrip(t, c, relay)
	if n := metric(t, reg, "chapar_turn_relayed_bytes_total"); n < 8 {
		t.Errorf("relayed bytes = %v, want at least 8 (ping and pong)", n)
	}
}

func TestAuthRefused(t *testing.T) {
	s, reg := start(t, Config{})
	future := time.Now().Add(time.Hour).Unix()
	signed := func(username string) [2]string { return [2]string{username, sign(secret, username)} }
	expired := func() [2]string { u, p := Credentials(secret, 7, -time.Minute, time.Now()); return [2]string{u, p} }
	wrong := func() [2]string { u, _ := Credentials(secret, 7, time.Hour, time.Now()); return [2]string{u, "wrong"} }
	otherSecret := func() [2]string {
		u, p := Credentials([]byte("another secret"), 7, time.Hour, time.Now())
		return [2]string{u, p}
	}
	for name, cred := range map[string][2]string{
		"expired":        expired(),
		"wrong password": wrong(),
		"other secret":   otherSecret(),
		"not a number":   signed(fmt.Sprintf("%d:notanumber", future)),
		"user 0":         signed(fmt.Sprintf("%d:0", future)),
		"negative user":  signed(fmt.Sprintf("%d:-5", future)),
		"user too big":   signed(fmt.Sprintf("%d:9223372036854775808", future)),
		"no user":        signed(strconv.FormatInt(future, 10)),
		"bad expiry":     signed("soon:7"),
		"empty":          signed(""),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := client(t, s, cred[0], cred[1]).Allocate()
			if code := turnCode(err); code != stun.CodeUnauthorized {
				t.Errorf("allocate: %v, want 401", err)
			}
		})
	}
	// A client may retransmit a request, so some attempts may count twice.
	if n := metric(t, reg, "chapar_turn_auth_failures_total"); n < 10 {
		t.Errorf("auth failures = %v, want at least 10", n)
	}
	if n := metric(t, reg, "chapar_turn_allocations"); n != 0 {
		t.Errorf("allocations = %v, want 0", n)
	}
}

func TestUnauthenticatedAllocate(t *testing.T) {
	s, _ := start(t, Config{})
	udp, _ := s.Addr()
	res := exchange(t, listenUDP(t), udp,
		stun.NewType(stun.MethodAllocate, stun.ClassRequest),
		stun.RawAttribute{Type: stun.AttrRequestedTransport, Value: []byte{17, 0, 0, 0}}, // UDP
		stun.Fingerprint)
	var code stun.ErrorCodeAttribute
	if err := code.GetFrom(res); err != nil || code.Code != stun.CodeUnauthorized {
		t.Errorf("unauthenticated allocate answered %v, want 401", res)
	}
}

func TestQuota(t *testing.T) {
	s, reg := start(t, Config{MaxAllocationsPerUser: 2})
	first := allocate(t, userClient(t, s, 1))
	allocate(t, userClient(t, s, 1))
	third := userClient(t, s, 1)
	if _, err := third.Allocate(); turnCode(err) != stun.CodeAllocQuotaReached {
		t.Fatalf("third allocation: %v, want 486", err)
	}
	allocate(t, userClient(t, s, 2))
	if n := metric(t, reg, "chapar_turn_allocations"); n != 3 {
		t.Errorf("allocations = %v, want 3", n)
	}
	if n := metric(t, reg, "chapar_turn_quota_refusals_total"); n < 1 {
		t.Errorf("quota refusals = %v, want at least 1", n)
	}

	first.Close() // a Refresh with lifetime 0, not waited for
	waitFor(t, "the freed allocation", func() bool {
		relay, err := third.Allocate()
		if err != nil {
			return false
		}
		t.Cleanup(func() { relay.Close() })
		return true
	})
}

func TestQuotaRace(t *testing.T) {
	// Each TCP connection has its own goroutine in pion, so these race past
	// the 486 check; reserve still lets only two through.
	s, reg := start(t, Config{MaxAllocationsPerUser: 2})
	_, tcp := s.Addr()
	u, p := Credentials(secret, 1, time.Hour, time.Now())
	errs := make(chan error)
	for range 8 {
		conn, err := net.Dial("tcp", tcp.String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		c := clientOver(t, pionturn.NewSTUNConn(conn), tcp.String(), u, p)
		go func() {
			relay, err := c.Allocate()
			if err == nil {
				t.Cleanup(func() { relay.Close() })
			}
			errs <- err
		}()
	}
	allocated := 0
	for range 8 {
		switch err := <-errs; turnCode(err) {
		case 0:
			if err != nil {
				t.Fatal(err)
			}
			allocated++
		case stun.CodeAllocQuotaReached:
		case stun.CodeInsufficientCapacity: // refused by reserve, past the 486 check
		default:
			t.Errorf("allocate: %v", err)
		}
	}
	if allocated != 2 {
		t.Errorf("%d allocations, want 2", allocated)
	}
	if n := metric(t, reg, "chapar_turn_allocations"); n != 2 {
		t.Errorf("allocations = %v, want 2", n)
	}
	// The race is rare; the check that closes it, directly:
	if _, err := s.reserve(1); !errors.Is(err, errQuota) {
		t.Errorf("reserve past the quota: %v, want errQuota", err)
	}
}

func TestBandwidth(t *testing.T) {
	const bandwidth = 20_000
	s, reg := start(t, Config{UserBandwidth: bandwidth})
	began := time.Now() // before the user's bucket exists
	c := userClient(t, s, 1)
	relay := allocate(t, c)
	peer := listenUDP(t)
	if err := c.CreatePermission(peer.LocalAddr()); err != nil {
		t.Fatal(err)
	}

	var delivered atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1600)
		for {
			relay.SetReadDeadline(time.Now().Add(2 * time.Second))
			n, _, err := relay.ReadFrom(buf)
			if err != nil {
				return
			}
			delivered.Add(int64(n))
		}
	}()
	const sent = 200_000
	payload := make([]byte, 1000)
	for i := range sent / len(payload) {
		if _, err := peer.WriteTo(payload, relay.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		if i%10 == 9 {
			time.Sleep(time.Millisecond) // let the relay read, lest the kernel drop instead
		}
	}
	<-done
	elapsed := time.Since(began)

	relayed := metric(t, reg, "chapar_turn_relayed_bytes_total")
	dropped := metric(t, reg, "chapar_turn_dropped_packets_total")
	t.Logf("sent %d, delivered %d, relayed %v, dropped %v datagrams in %v", sent, delivered.Load(), relayed, dropped, elapsed)
	if dropped == 0 || delivered.Load() >= sent {
		t.Errorf("nothing was dropped")
	}
	// The bucket cannot have let through more than its burst and what
	// refilled it since it was made.
	if limit := float64(maxDatagram) + bandwidth*elapsed.Seconds(); relayed > limit {
		t.Errorf("relayed %v bytes, more than the %v the bandwidth allows", relayed, limit)
	}
}

func TestTCP(t *testing.T) {
	s, reg := start(t, Config{})
	_, tcp := s.Addr()
	conn, err := net.Dial("tcp", tcp.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	u, p := Credentials(secret, 3, time.Hour, time.Now())
	c := clientOver(t, pionturn.NewSTUNConn(conn), tcp.String(), u, p)
	relay := allocate(t, c)
	roundTrip(t, c, relay)

	// Closing the server ends the allocation with the connection.
	s.Close()
	waitFor(t, "the allocation to end", func() bool { return metric(t, reg, "chapar_turn_allocations") == 0 })
}

func TestCloseDropsTCPClients(t *testing.T) {
	s, _ := start(t, Config{})
	_, tcp := s.Addr()
	conn, err := net.Dial("tcp", tcp.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stunConn := pionturn.NewSTUNConn(conn)
	exchange(t, stunConn, tcp, stun.BindingRequest, stun.Fingerprint) // the server has it
	s.Close()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = conn.Read(make([]byte, 1))
	if ne, ok := err.(net.Error); err == nil || ok && ne.Timeout() {
		t.Errorf("read after Close: %v, want the connection closed", err)
	}
}

func TestLoopbackPeerRefused(t *testing.T) {
	// The relay listens on loopback but claims a public address: loopback
	// peers are then the server's own services.
	s, _ := start(t, Config{PublicIP: net.IPv4(192, 0, 2, 1)})
	c := userClient(t, s, 1)
	allocate(t, c)
	peer := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9}
	if err := c.CreatePermission(peer); turnCode(err) != stun.CodeForbidden {
		t.Errorf("permission for %v: %v, want 403", peer, err)
	}
	if err := c.CreatePermission(&net.UDPAddr{IP: net.IPv4(198, 51, 100, 1), Port: 9}); err != nil {
		t.Errorf("permission for a public peer: %v", err)
	}
}

func TestCredentials(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	u, p := Credentials([]byte("north"), 42, time.Hour, now)
	// openssl dgst -sha1 -hmac north -binary <<<'1700003600:42' (without
	// the newline) | base64
	if u != "1700003600:42" || p != "WO3ZFttCQxBYtA2Ohz7jjGcQStA=" {
		t.Errorf("Credentials = %q, %q", u, p)
	}
	mac := hmac.New(sha1.New, secret)
	mac.Write([]byte("1700003600:42"))
	if _, p := Credentials(secret, 42, time.Hour, now); p != base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
		t.Errorf("password %q is not base64(HMAC-SHA1(secret, username))", p)
	}
	if id, err := parseUsername(u, now); err != nil || id != 42 {
		t.Errorf("parseUsername(%q) = %d, %v", u, id, err)
	}
	if _, err := parseUsername(u, now.Add(time.Hour+time.Second)); err == nil {
		t.Errorf("parseUsername accepted %q after it expired", u)
	}
}

func TestStartRefusesBadConfig(t *testing.T) {
	ok := Config{Addr: "127.0.0.1:0", PublicIP: net.IPv4(127, 0, 0, 1), Secret: secret}
	for name, change := range map[string]func(*Config){
		"no public IP":   func(c *Config) { c.PublicIP = nil },
		"IPv6 public IP": func(c *Config) { c.PublicIP = net.IPv6loopback },
		"0.0.0.0":        func(c *Config) { c.PublicIP = net.IPv4zero },
		"no secret":      func(c *Config) { c.Secret = nil },
		"ports reversed": func(c *Config) { c.RelayMinPort, c.RelayMaxPort = 50000, 49999 },
		"port too big":   func(c *Config) { c.RelayMinPort, c.RelayMaxPort = 50000, 70000 },
		"bad addr":       func(c *Config) { c.Addr = "nowhere" },
	} {
		cfg := ok
		change(&cfg)
		if s, err := Start(cfg, nil, nil); err == nil {
			s.Close()
			t.Errorf("%s: Start succeeded", name)
		}
	}
}

func FuzzParseUsername(f *testing.F) {
	for _, s := range []string{"1700003600:42", "1:1", "123:notanumber", ":", "", "9223372036854775807:9223372036854775807", "-1:-1", "+5:+5"} {
		f.Add(s)
	}
	now := time.Unix(1_700_000_000, 0)
	f.Fuzz(func(t *testing.T, username string) {
		id, err := parseUsername(username, now)
		if err != nil {
			return
		}
		if id <= 0 {
			t.Fatalf("parseUsername(%q) = %d", username, id)
		}
		u, _ := Credentials(secret, id, time.Minute, now)
		if got, err := parseUsername(u, now); err != nil || got != id {
			t.Fatalf("parseUsername(%q) = %d, %v; want %d", u, got, err, id)
		}
	})
}
