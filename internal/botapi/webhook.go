package botapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"sync"
	"syscall"
	"time"

	"github.com/chapar/chapar/internal/domain"
)

// Webhooks: instead of polling, a bot may have its updates POSTed to a URL
// of its own. One node at a time delivers a bot's updates (a lease in the
// database); it reads them from the bot's confirmed offset, as getUpdates
// does, posts up to max_connections at once, retries the failed ones with
// a growing delay, and confirms a batch once all of it was taken. So an
// update is delivered at least once, and none is lost when a node stops.

// Webhook limits.
const (
	webhookLease    = 30 * time.Second // a node's hold on a bot's deliveries
	webhookTimeout  = 30 * time.Second // one POST
	webhookMaxDelay = 60 * time.Second // between retries
	webhookIdle     = 25 * time.Second // wait for new updates before looking again
)

var secretToken = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// Targets says which addresses webhooks may be delivered to: public
// addresses, and the operator's allowed prefixes. Loopback, private,
// link-local and other special addresses are refused unless allowed, so a
// bot cannot make chapar reach services inside its network.
type Targets struct {
	Allow []netip.Prefix
}

// Permit reports whether a webhook may connect to ip.
func (t Targets) Permit(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range t.Allow {
		if p.Contains(ip) {
			return true
		}
	}
	return ip.IsGlobalUnicast() && !ip.IsPrivate() && !ip.IsLoopback() && !ip.IsLinkLocalUnicast() &&
		!netip.MustParsePrefix("100.64.0.0/10").Contains(ip) // carrier-grade NAT
}

var errTarget = errors.New("the webhook's address is not allowed")

// client is an HTTP client whose connections may only reach permitted
// addresses: the check is made on the address actually dialled, after
// DNS, so a name that resolves to an internal address is refused too.
func (t Targets) client() *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil || !t.Permit(ap.Addr()) {
			return errTarget
		}
		return nil
	}}
	tr := &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 100, IdleConnTimeout: 90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second, ResponseHeaderTimeout: webhookTimeout}
	return &http.Client{Transport: tr, Timeout: webhookTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// checkWebhookURL checks a setWebhook url (the address is checked when it
// is dialled).
func checkWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || len(raw) > 2048 {
		return badRequest("bad webhook: an HTTP URL is required")
	}
	return nil
}

func init() {
	register("setWebhook", (*Server).setWebhook)
}

func (s *Server) setWebhook(ctx context.Context, bot domain.Bot, p params) (any, error) {
	raw, err := p.str("url")
	if err != nil {
		return nil, err
	}
	if raw == "" { // Telegram: an empty url removes the webhook
		return s.deleteWebhook(ctx, bot, p)
	}
	if err := checkWebhookURL(raw); err != nil {
		return nil, err
	}
	w := domain.Webhook{URL: raw, MaxConnections: 40}
	if w.SecretToken, err = p.str("secret_token"); err != nil {
		return nil, err
	}
	if w.SecretToken != "" && !secretToken.MatchString(w.SecretToken) {
		return nil, badRequest("secret token contains unallowed characters")
	}
	if n, err := p.int("max_connections", 40); err != nil {
		return nil, err
	} else {
		w.MaxConnections = int(min(max(n, 1), 100))
	}
	var allowedNow []string
	if ok, err := p.object("allowed_updates", &allowedNow); err != nil {
		return nil, err
	} else if ok && allowedNow == nil {
		allowedNow = []string{}
	}
	if drop, err := p.bool("drop_pending_updates"); err != nil {
		return nil, err
	} else if drop {
		if err := s.dropPending(ctx, bot); err != nil {
			return nil, err
		}
	}
	if err := s.svc.SetWebhook(ctx, bot.UserID, w, allowedNow); err != nil {
		return nil, err
	}
	s.wakeWebhooks()
	return true, nil
}

func (s *Server) dropPending(ctx context.Context, bot domain.Bot) error {
	last, err := s.svc.LastPos(ctx)
	if err == nil {
		err = s.svc.ConfirmUpdates(ctx, bot.UserID, last+1, nil)
	}
	return err
}

func (s *Server) deleteWebhook(ctx context.Context, bot domain.Bot, p params) (any, error) {
	if drop, err := p.bool("drop_pending_updates"); err != nil {
		return nil, err
	} else if drop {
		if err := s.dropPending(ctx, bot); err != nil {
			return nil, err
		}
	}
	if bot.Webhook.URL != "" {
		if err := s.svc.SetWebhook(ctx, bot.UserID, domain.Webhook{}, nil); err != nil {
			return nil, err
		}
	}
	return true, nil
}

func (s *Server) getWebhookInfo(ctx context.Context, bot domain.Bot, _ params) (any, error) {
	info := map[string]any{"url": bot.Webhook.URL, "has_custom_certificate": false, "pending_update_count": 0}
	ups, _, err := s.readUpdates(ctx, bot, bot.UpdateOffset, 100)
	if err != nil {
		return nil, err
	}
	info["pending_update_count"] = len(ups)
	if bot.Webhook.URL != "" {
		info["max_connections"] = bot.Webhook.MaxConnections
		if len(bot.AllowedUpdates) > 0 {
			info["allowed_updates"] = bot.AllowedUpdates
		}
		if !bot.Webhook.LastErrorAt.IsZero() {
			info["last_error_date"] = bot.Webhook.LastErrorAt.Unix()
			info["last_error_message"] = bot.Webhook.LastError
		}
	}
	return info, nil
}

// Webhooks delivers the updates of bots that have a webhook.
type Webhooks struct {
	s       *Server
	node    string
	targets Targets
	http    *http.Client

	mu      sync.Mutex
	running map[int64]bool
	wake    chan struct{}
}

// StartWebhooks runs webhook delivery until ctx ends.
func (s *Server) StartWebhooks(ctx context.Context, targets Targets) *Webhooks {
	b := make([]byte, 8)
	rand.Read(b)
	w := &Webhooks{s: s, node: hex.EncodeToString(b), targets: targets, http: targets.client(),
		running: map[int64]bool{}, wake: make(chan struct{}, 1)}
	s.webhooks = w
	go w.run(ctx)
	return w
}

func (s *Server) wakeWebhooks() {
	if s.webhooks == nil {
		return
	}
	select {
	case s.webhooks.wake <- struct{}{}:
	default:
	}
}

// run looks for bots with webhooks every few seconds (at once after a
// setWebhook here) and starts a deliverer for each it can lease.
func (w *Webhooks) run(ctx context.Context) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		bots, err := w.s.svc.WebhookBots(ctx)
		if err != nil && ctx.Err() == nil {
			w.s.log.Warn("webhook bots", "err", err)
		}
		for _, b := range bots {
			w.mu.Lock()
			busy := w.running[b.UserID]
			w.mu.Unlock()
			if busy {
				continue
			}
			if ok, err := w.s.svc.LeaseWebhook(ctx, b.UserID, w.node, time.Now().Add(webhookLease)); err != nil || !ok {
				continue
			}
			w.mu.Lock()
			w.running[b.UserID] = true
			w.mu.Unlock()
			go func() {
				w.deliver(ctx, b.UserID)
				w.mu.Lock()
				delete(w.running, b.UserID)
				w.mu.Unlock()
			}()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.wake:
		}
	}
}

// deliver posts one bot's updates while this node holds its lease and the
// bot has a webhook.
func (w *Webhooks) deliver(ctx context.Context, botID int64) {
	waiter := &waker{wake: make(chan struct{}, 1)}
	hc, err := w.s.hub.RegisterUser(ctx, waiter, botID, 0, w.s.svc.ActiveChatIDs)
	if err != nil {
		return
	}
	defer w.s.hub.Unregister(hc)
	delay := time.Second
	renewed := time.Now()
	for ctx.Err() == nil {
		if time.Since(renewed) > webhookLease/3 {
			if ok, err := w.s.svc.LeaseWebhook(ctx, botID, w.node, time.Now().Add(webhookLease)); err != nil || !ok {
				return
			}
			renewed = time.Now()
		}
		bot, err := w.s.svc.BotByID(ctx, botID)
		if err != nil || bot.Webhook.URL == "" {
			return
		}
		ups, _, err := w.s.readUpdates(ctx, bot, bot.UpdateOffset, bot.Webhook.MaxConnections)
		if err != nil {
			w.s.log.Warn("webhook updates", "bot", botID, "err", err)
			sleep(ctx, delay, nil)
			continue
		}
		if len(ups) == 0 {
			sleep(ctx, webhookIdle, waiter.wake)
			continue
		}
		if err := w.post(ctx, bot, ups); err != nil {
			w.s.svc.WebhookFailed(context.WithoutCancel(ctx), botID, err.Error())
			sleep(ctx, delay, nil)
			delay = min(delay*2, webhookMaxDelay)
			continue
		}
		delay = time.Second
		if err := w.s.svc.ConfirmUpdates(ctx, botID, ups[len(ups)-1].UpdateID+1, nil); err != nil {
			w.s.log.Warn("webhook confirm", "bot", botID, "err", err)
		}
	}
}

// post delivers a batch at once, one request per update, and retries the
// ones that failed (after a pause) until all are taken; it gives up (to be
// tried again later from the confirmed offset) after the retry delay has
// grown past a minute.
func (w *Webhooks) post(ctx context.Context, bot domain.Bot, ups []Update) error {
	pending := ups
	delay := time.Second
	for {
		var mu sync.Mutex
		var failed []Update
		var lastErr error
		var wg sync.WaitGroup
		for _, u := range pending {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := w.postOne(ctx, bot, u); err != nil {
					mu.Lock()
					failed, lastErr = append(failed, u), err
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(failed) == 0 {
			return nil
		}
		if delay > webhookMaxDelay || ctx.Err() != nil {
			return lastErr
		}
		w.s.svc.WebhookFailed(context.WithoutCancel(ctx), bot.UserID, lastErr.Error())
		sleep(ctx, delay, nil)
		delay *= 2
		pending = failed
	}
}

func (w *Webhooks) postOne(ctx context.Context, bot domain.Bot, u Update) error {
	body, err := json.Marshal(u)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, bot.Webhook.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if bot.Webhook.SecretToken != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", bot.Webhook.SecretToken)
	}
	resp, err := w.http.Do(req)
	if err != nil {
		if errors.Is(err, errTarget) {
			return errTarget
		}
		return fmt.Errorf("Connection failed")
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("Wrong response from the webhook: %s", resp.Status)
	}
	return nil
}

// sleep waits d, or until ctx ends or wake fires.
func sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-wake:
	}
}
