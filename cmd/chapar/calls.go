package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chapar/chapar/internal/api"
	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/turn"
)

// turnTTL is how long the TURN credentials given for a call work: a
// relayed call refreshes its allocation with them while it lasts.
const turnTTL = 12 * time.Hour

// startCalls starts what calls need besides the WebSocket: the built-in
// TURN/STUN relay (unless turn_addr is "off"), the ICE servers callers are
// given, and the sweeper that ends calls that rang out or lost their node.
// close stops the relay.
func startCalls(ctx context.Context, cfg serveConfig, st domain.Store, svc *domain.Service, log *slog.Logger,
	reg prometheus.Registerer) (ice api.ICE, close func(), err error) {
	secret := []byte(cfg.TurnSecret)
	if len(secret) == 0 {
		if secret, err = st.Secret(ctx, "turn"); err != nil {
			return nil, nil, fmt.Errorf("turn secret: %w", err)
		}
	}
	urls := splitList(cfg.TurnURLs)
	close = func() {}
	if cfg.TurnAddr != "off" {
		public := net.ParseIP(cfg.TurnPublicIP)
		if cfg.TurnPublicIP == "" {
			public = outboundIP()
		}
		lo, hi, err := portRange(cfg.TurnPorts)
		if err != nil {
			return nil, nil, err
		}
		srv, err := turn.Start(turn.Config{Addr: cfg.TurnAddr, PublicIP: public, RelayMinPort: lo, RelayMaxPort: hi,
			Secret: secret, UserBandwidth: cfg.TurnUserBandwidth}, log, reg)
		if err != nil {
			return nil, nil, fmt.Errorf("%w (set turn_addr, or \"off\" with turn_urls for an external TURN server)", err)
		}
		close = func() { srv.Close() }
		udp, tcp := srv.Addr()
		if len(urls) == 0 { // the ports differ only when turn_addr asks for any (port 0)
			at := func(a net.Addr) string {
				_, port, _ := net.SplitHostPort(a.String())
				return net.JoinHostPort(public.String(), port)
			}
			urls = []string{"stun:" + at(udp), "turn:" + at(udp) + "?transport=udp", "turn:" + at(tcp) + "?transport=tcp"}
		}
		log.Info("turn relay listening", "udp", udp, "tcp", tcp, "public_ip", public, "relay_ports", cfg.TurnPorts)
	}
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := svc.SweepCalls(ctx); err != nil && ctx.Err() == nil {
					log.Warn("sweep calls", "err", err)
				}
			}
		}
	}()
	ice = func(_ context.Context, userID int64) ([]api.ICEServer, time.Time, error) {
		now := time.Now()
		if len(urls) == 0 {
			return []api.ICEServer{}, now.Add(turnTTL), nil // host candidates only
		}
		user, pass := turn.Credentials(secret, userID, turnTTL, now)
		return []api.ICEServer{{URLs: urls, Username: user, Credential: pass}}, now.Add(turnTTL), nil
	}
	return ice, close, nil
}

// outboundIP is the address this host reaches others from (no packet is
// sent: a UDP socket is only connected), or 127.0.0.1 without a network.
func outboundIP() net.IP {
	c, err := net.Dial("udp4", "192.0.2.1:9") // TEST-NET-1: never routed anywhere real
	if err != nil {
		return net.IPv4(127, 0, 0, 1)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).IP
}

// portRange reads "LOW-HIGH".
func portRange(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "-")
	lo, err1 := strconv.Atoi(strings.TrimSpace(a))
	hi, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || lo < 1 || hi > 65535 || lo > hi {
		return 0, 0, fmt.Errorf("turn_ports %q: want LOW-HIGH, e.g. 49152-65535", s)
	}
	return lo, hi, nil
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
