package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// Client talks to one chapar server as (at most) one signed-in session. It
// is safe for concurrent use; the token may be changed at any time and
// applies to the requests made after.
type Client struct {
	base      string // scheme://host[/prefix], no trailing slash
	baseErr   error  // a bad base URL, reported by every call
	wsBase    string // the same with ws:// or wss://
	hc        *http.Client
	token     atomic.Pointer[string]
	keepAlive time.Duration
	userAgent string
	netDial   func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Option configures a Client.
type Option func(*Client)

// WithNetDial makes Connect open its TCP connections with dial, e.g. to
// choose the local address. (HTTP requests use WithHTTPClient's client.)
func WithNetDial(dial func(ctx context.Context, network, addr string) (net.Conn, error)) Option {
	return func(c *Client) { c.netDial = dial }
}

// WithHTTPClient makes the client use hc for HTTP requests (and its
// transport's TLS settings for the WebSocket). Long polls are bounded by
// their context, so hc should have no Timeout shorter than the poll's.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.hc = hc
		}
	}
}

// WithToken starts the client signed in with a token from an earlier
// sign-in.
func WithToken(token string) Option {
	return func(c *Client) { c.SetToken(token) }
}

// WithKeepAlive sets how long a stream may hear nothing from the server
// before it sends a ping; if that too goes unanswered for as long, the
// connection is taken for dead and closed (CloseAbnormal). Without it a
// half-open TCP connection would leave a stream waiting forever. The
// default is 30s; 0 turns it off.
func WithKeepAlive(d time.Duration) Option {
	return func(c *Client) { c.keepAlive = max(d, 0) }
}

// WithUserAgent sets the User-Agent of HTTP requests.
func WithUserAgent(ua string) Option {
	return func(c *Client) { c.userAgent = ua }
}

// defaultHTTPClient is shared by every Client that is not given one, so
// that many clients in one process (the load generator runs thousands)
// share one connection pool. The stock transport keeps only 2 idle
// connections per host, which under concurrency means a new TCP connection
// for most requests; this one keeps more.
var defaultHTTPClient = func() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 1024
	t.MaxIdleConnsPerHost = 256
	return &http.Client{Transport: t}
}()

// DefaultKeepAlive is the keep-alive of a Client made without WithKeepAlive.
const DefaultKeepAlive = 30 * time.Second

// New makes a client for the server at baseURL, e.g. "http://localhost:8080"
// or "https://chat.example.com/chapar". A URL without a scheme is taken as
// http://. A bad URL is reported by every call rather than here.
func New(baseURL string, opts ...Option) *Client {
	c := &Client{hc: defaultHTTPClient, keepAlive: DefaultKeepAlive, userAgent: "chapar-go-client"}
	c.base, c.wsBase, c.baseErr = parseBase(baseURL)
	for _, o := range opts {
		o(c)
	}
	return c
}

// parseBase checks a base URL and derives the WebSocket one from it.
func parseBase(raw string) (base, wsBase string, err error) {
	raw = strings.TrimSpace(raw)
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", fmt.Errorf("chapar: bad server URL: %w", err)
	}
	var wsScheme string
	switch u.Scheme {
	case "http", "ws":
		u.Scheme, wsScheme = "http", "ws"
	case "https", "wss":
		u.Scheme, wsScheme = "https", "wss"
	default:
		return "", "", fmt.Errorf("chapar: bad server URL %q: scheme must be http or https", raw)
	}
	if u.Host == "" {
		return "", "", fmt.Errorf("chapar: bad server URL %q: no host", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", "", fmt.Errorf("chapar: bad server URL %q: only scheme, host and path are allowed", raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	base = u.String()
	u.Scheme = wsScheme
	return base, u.String(), nil
}

// BaseURL is the server's base URL as the client uses it.
func (c *Client) BaseURL() string { return c.base }

// SetToken sets the session token sent with every request ("" for none).
func (c *Client) SetToken(token string) { c.token.Store(&token) }

// Token is the current session token, or "".
func (c *Client) Token() string {
	if p := c.token.Load(); p != nil {
		return *p
	}
	return ""
}

// do makes one API request: in (if not nil) is sent as the JSON body, and a
// 2xx answer's body is decoded into out (if not nil). Any other answer
// becomes an *APIError.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	if c.baseErr != nil {
		return c.baseErr
	}
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("chapar: encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return fmt.Errorf("chapar: %w", err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	if t := c.Token(); t != "" {
		req.Header.Set("Authorization", "Bearer "+t)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return fmt.Errorf("chapar: %s %s: %w", method, path, unwrapURLError(err))
	}
	defer func() {
		// Drain a little so the connection can be reused; a huge leftover
		// is not worth reading.
		io.CopyN(io.Discard, resp.Body, 64<<10)
		resp.Body.Close()
	}()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return decodeError(resp)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return fmt.Errorf("chapar: %s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// unwrapURLError drops *url.Error's "Get <url>:" prefix, which repeats what
// the caller's message already says.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 16 << 10

// decodeError turns a non-2xx answer into an *APIError. The server always
// answers {"error":{"code","message"}}; anything else (a proxy's HTML page)
// still gets a code from its status.
func decodeError(resp *http.Response) error {
	e := &APIError{Status: resp.StatusCode, RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var body struct {
		Error *APIError `json:"error"`
	}
	if json.Unmarshal(b, &body) == nil && body.Error != nil && body.Error.Code != "" {
		e.Code, e.Message = body.Error.Code, body.Error.Message
		return e
	}
	e.Code = codeOfStatus(resp.StatusCode)
	msg := strings.TrimSpace(string(b))
	if len(msg) > 200 || !isPlainText(resp.Header.Get("Content-Type")) {
		msg = ""
	}
	e.Message = msg
	return e
}

func isPlainText(contentType string) bool {
	return contentType == "" || strings.HasPrefix(contentType, "text/plain")
}

// newClientID makes a client_id for a send: 26 random base32 characters.
func newClientID() string { return rand.Text() }
