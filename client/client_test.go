package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseBase(t *testing.T) {
	cases := []struct {
		in, base, ws string
		bad          bool
	}{
		{in: "http://localhost:8080", base: "http://localhost:8080", ws: "ws://localhost:8080"},
		{in: "localhost:8080", base: "http://localhost:8080", ws: "ws://localhost:8080"},
		{in: "https://chat.example.com/", base: "https://chat.example.com", ws: "wss://chat.example.com"},
		{in: " https://chat.example.com/chapar/ ", base: "https://chat.example.com/chapar", ws: "wss://chat.example.com/chapar"},
		{in: "ws://h:1", base: "http://h:1", ws: "ws://h:1"},
		{in: "wss://h", base: "https://h", ws: "wss://h"},
		{in: "ftp://h", bad: true},
		{in: "http://", bad: true},
		{in: "http://h/?x=1", bad: true},
		{in: "http://user:pw@h", bad: true},
	}
	for _, tc := range cases {
		base, ws, err := parseBase(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("parseBase(%q) = %q, want an error", tc.in, base)
			}
			continue
		}
		if err != nil || base != tc.base || ws != tc.ws {
			t.Errorf("parseBase(%q) = %q, %q, %v; want %q, %q", tc.in, base, ws, err, tc.base, tc.ws)
		}
	}
	c := New("ftp://nope")
	if _, err := c.Me(context.Background()); err == nil || !strings.Contains(err.Error(), "scheme") {
		t.Fatalf("a bad base URL: got %v", err)
	}
	if _, err := c.Connect(context.Background(), nil); err == nil {
		t.Fatal("Connect with a bad base URL: no error")
	}
}

// recorded is one request the fake server saw.
type recorded struct {
	method, path, query, body, auth, contentType string
}

// fakeHTTP answers every request with status and body, recording it.
type fakeHTTP struct {
	mu      sync.Mutex
	reqs    []recorded
	status  int
	body    string
	headers map[string]string
}

func (f *fakeHTTP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, recorded{r.Method, r.URL.Path, r.URL.RawQuery, string(b), r.Header.Get("Authorization"), r.Header.Get("Content-Type")})
	status, body := f.status, f.body
	for k, v := range f.headers {
		w.Header().Set(k, v)
	}
	f.mu.Unlock()
	if body != "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func (f *fakeHTTP) last(t *testing.T) recorded {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) == 0 {
		t.Fatal("no request made")
	}
	return f.reqs[len(f.reqs)-1]
}

func newFakeHTTP(t *testing.T) (*fakeHTTP, *Client) {
	f := &fakeHTTP{status: 200}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, New(srv.URL+"/base", WithToken("chp_tok"))
}

const eventJSON = `{"pos":1051,"chat_id":12,"seq":41,"type":"message","actor_id":7,"date":"2026-11-29T10:00:00.123Z","client_id":"c1","text":"salam","reply_to":38,"forward":{"chat_id":3,"seq":9,"sender_id":5},"edited_at":"2026-11-29T10:01:00Z","deleted":false}`

// TestEndpoints checks every typed method against docs/API.md: method,
// path, query, body, and the decoding of the answer.
func TestEndpoints(t *testing.T) {
	ctx := context.Background()
	f, c := newFakeHTTP(t)
	str := func(s string) *string { return &s }
	pos := int64(5)
	cases := []struct {
		name       string
		status     int
		answer     string
		call       func() (any, error)
		method     string
		path       string
		query      string
		body       string // compact JSON, or "" for none
		wantResult string // fmt %+v of a part of the result, checked by contains
	}{
		{"Register", 201, `{"user":{"id":7,"username":"sara","display_name":"Sara","bio":"","online":true},"session":{"id":3,"device":"cli","created_at":"2026-11-29T10:00:00Z","last_seen_at":"2026-11-29T10:00:00Z","current":true},"token":"chp_new"}`,
			func() (any, error) {
				return c.Register(ctx, RegisterRequest{Username: "sara", Password: "secret123", DisplayName: "Sara", Device: "cli"})
			},
			"POST", "/base/v1/auth/register", "", `{"username":"sara","password":"secret123","display_name":"Sara","device":"cli"}`, "Token:chp_new"},
		{"Login", 200, `{"user":{"id":7},"session":{"id":3},"token":"chp_l"}`,
			func() (any, error) { return c.Login(ctx, LoginRequest{Username: "sara", Password: "pw"}) },
			"POST", "/base/v1/auth/login", "", `{"username":"sara","password":"pw"}`, "Token:chp_l"},
		{"PhoneStart", 200, `{"expires_in":300}`,
			func() (any, error) { return c.PhoneStart(ctx, "+989121234567") },
			"POST", "/base/v1/auth/phone/start", "", `{"phone":"+989121234567"}`, "5m0s"},
		{"PhoneVerify", 200, `{"user":{"id":8},"session":{"id":4},"token":"chp_p","new_user":true}`,
			func() (any, error) {
				return c.PhoneVerify(ctx, PhoneVerifyRequest{Phone: "+989121234567", Code: "123456", Device: "d", DisplayName: "N"})
			},
			"POST", "/base/v1/auth/phone/verify", "", `{"phone":"+989121234567","code":"123456","device":"d","display_name":"N"}`, "NewUser:true"},
		{"Sessions", 200, `{"sessions":[{"id":3,"device":"laptop","created_at":"2026-11-29T10:00:00Z","last_seen_at":"2026-11-29T10:00:00Z","current":true}]}`,
			func() (any, error) { return c.Sessions(ctx) },
			"GET", "/base/v1/sessions", "", "", "Device:laptop"},
		{"RevokeSession", 204, "",
			func() (any, error) { return nil, c.RevokeSession(ctx, 3) },
			"DELETE", "/base/v1/sessions/3", "", "", ""},
		{"Me", 200, `{"id":7,"username":"sara","display_name":"Sara","bio":"hi","online":true,"last_seen":"2026-11-29T10:00:00Z","phone":"+98912","created_at":"2026-11-01T00:00:00Z"}`,
			func() (any, error) { return c.Me(ctx) },
			"GET", "/base/v1/me", "", "", "Phone:+98912"},
		{"UpdateMe", 200, `{"id":7,"display_name":"","bio":"new"}`,
			func() (any, error) { return c.UpdateMe(ctx, ProfileUpdate{DisplayName: str(""), Bio: str("new")}) },
			"PATCH", "/base/v1/me", "", `{"display_name":"","bio":"new"}`, "Bio:new"},
		{"User", 200, `{"id":9,"username":"ali"}`,
			func() (any, error) { return c.User(ctx, 9) },
			"GET", "/base/v1/users/9", "", "", "Username:ali"},
		{"UserByUsername", 200, `{"id":9,"username":"ali"}`,
			func() (any, error) { return c.UserByUsername(ctx, "@Ali") },
			"GET", "/base/v1/users/by-username/@Ali", "", "", "ID:9"},
		{"Blocks", 200, `{"users":[{"id":9,"username":"ali"}]}`,
			func() (any, error) { return c.Blocks(ctx) },
			"GET", "/base/v1/blocks", "", "", "Username:ali"},
		{"Block", 204, "",
			func() (any, error) { return nil, c.Block(ctx, 9) },
			"PUT", "/base/v1/blocks/9", "", "", ""},
		{"Unblock", 204, "",
			func() (any, error) { return nil, c.Unblock(ctx, 9) },
			"DELETE", "/base/v1/blocks/9", "", "", ""},
		{"CreateDirect", 201, `{"id":12,"type":"direct","title":"","role":"member","members_count":2,"peer_id":9}`,
			func() (any, error) { return c.CreateDirect(ctx, 9) },
			"POST", "/base/v1/chats", "", `{"type":"direct","user_id":9}`, "PeerID:9"},
		{"CreateGroup", 201, `{"id":13,"type":"group","title":"Family","role":"owner","members_count":3}`,
			func() (any, error) { return c.CreateGroup(ctx, "Family", []int64{8, 9}) },
			"POST", "/base/v1/chats", "", `{"type":"group","title":"Family","members":[8,9]}`, "MembersCount:3"},
		{"CreateGroupAlone", 201, `{"id":14,"type":"group"}`,
			func() (any, error) { return c.CreateGroup(ctx, "Me", nil) },
			"POST", "/base/v1/chats", "", `{"type":"group","title":"Me","members":[]}`, "ID:14"},
		{"Chats", 200, `{"chats":[{"id":12,"type":"group","title":"Family","created_at":"2026-11-29T10:00:00Z","role":"owner","members_count":3,"last_seq":41,"read_seq":40,"unread":1,"peer_read_seq":39,"peer_id":0,"last_message":` + eventJSON + `}]}`,
			func() (any, error) { return c.Chats(ctx) },
			"GET", "/base/v1/chats", "", "", "Unread:1 PeerReadSeq:39"},
		{"Chat", 200, `{"id":12,"last_seq":41}`,
			func() (any, error) { return c.Chat(ctx, 12) },
			"GET", "/base/v1/chats/12", "", "", "LastSeq:41"},
		{"SetTitle", 200, `{"id":12,"type":"group","title":"New"}`,
			func() (any, error) { return c.SetTitle(ctx, 12, "New") },
			"PATCH", "/base/v1/chats/12", "", `{"title":"New"}`, "Title:New"},
		{"Members", 200, `{"members":[{"user_id":9,"role":"admin","read_seq":3,"joined_at":"2026-11-29T10:00:00Z"}]}`,
			func() (any, error) { return c.Members(ctx, 12, 7, 50) },
			"GET", "/base/v1/chats/12/members", "after=7&limit=50", "", "Role:admin"},
		{"MembersFirstPage", 200, `{"members":[]}`,
			func() (any, error) { return c.Members(ctx, 12, 0, 0) },
			"GET", "/base/v1/chats/12/members", "", "", ""},
		{"AddMembers", 200, `{"events":[{"type":"member_added","target":9,"role":"member"}]}`,
			func() (any, error) { return c.AddMembers(ctx, 12, []int64{9}) },
			"POST", "/base/v1/chats/12/members", "", `{"user_ids":[9]}`, "Target:9"},
		{"RemoveMember", 200, `{"type":"member_removed","target":9}`,
			func() (any, error) { return c.RemoveMember(ctx, 12, 9) },
			"DELETE", "/base/v1/chats/12/members/9", "", "", "Type:member_removed"},
		{"SetRole", 200, `{"type":"role_changed","target":9,"role":"admin"}`,
			func() (any, error) { return c.SetRole(ctx, 12, 9, RoleAdmin) },
			"PUT", "/base/v1/chats/12/members/9/role", "", `{"role":"admin"}`, "Role:admin"},
		{"Leave", 200, `{"type":"member_left","target":7}`,
			func() (any, error) { return c.Leave(ctx, 12) },
			"POST", "/base/v1/chats/12/leave", "", "", "Type:member_left"},
		{"Send", 201, `{"event":` + eventJSON + `,"duplicate":false}`,
			func() (any, error) { return c.Send(ctx, 12, SendRequest{ClientID: "c1", Text: "salam", ReplyTo: 38}) },
			"POST", "/base/v1/chats/12/messages", "", `{"client_id":"c1","text":"salam","reply_to":38}`, "Seq:41"},
		{"SendForward", 201, `{"event":{"seq":42},"duplicate":true}`,
			func() (any, error) {
				return c.Send(ctx, 12, SendRequest{ClientID: "c2", Forward: &Forward{ChatID: 3, Seq: 9, SenderID: 5}})
			},
			"POST", "/base/v1/chats/12/messages", "", `{"client_id":"c2","forward":{"chat_id":3,"seq":9}}`, "Duplicate:true"},
		{"History", 200, `{"messages":[` + eventJSON + `]}`,
			func() (any, error) { return c.History(ctx, 12, HistoryQuery{Before: 40, After: 10, Limit: 20}) },
			"GET", "/base/v1/chats/12/messages", "after=10&before=40&limit=20", "", "Text:salam"},
		{"HistoryNewest", 200, `{"messages":[]}`,
			func() (any, error) { return c.History(ctx, 12, HistoryQuery{}) },
			"GET", "/base/v1/chats/12/messages", "", "", ""},
		{"Edit", 200, `{"type":"edit","target":41,"text":"fixed"}`,
			func() (any, error) { return c.Edit(ctx, 12, 41, "fixed") },
			"PATCH", "/base/v1/chats/12/messages/41", "", `{"text":"fixed"}`, "Target:41"},
		{"Delete", 200, `{"type":"delete","target":41}`,
			func() (any, error) { return c.Delete(ctx, 12, 41) },
			"DELETE", "/base/v1/chats/12/messages/41", "", "", "Type:delete"},
		{"MarkRead", 200, `{"pos":1052,"chat_id":12,"seq":0,"type":"read","target":41}`,
			func() (any, error) { return c.MarkRead(ctx, 12, 41) },
			"POST", "/base/v1/chats/12/read", "", `{"seq":41}`, "Type:read"},
		{"Typing", 204, "",
			func() (any, error) { return nil, c.Typing(ctx, 12) },
			"POST", "/base/v1/chats/12/typing", "", "", ""},
		{"Updates", 200, `{"updates":[` + eventJSON + `],"pos":1051}`,
			func() (any, error) { return c.Updates(ctx, &pos, 1500*time.Millisecond, 10) },
			"GET", "/base/v1/updates", "limit=10&pos=5&timeout=2", "", "Pos:1051"},
		{"UpdatesNow", 200, `{"updates":[],"pos":99}`,
			func() (any, error) { return c.Updates(ctx, nil, -1, 0) },
			"GET", "/base/v1/updates", "", "", "Pos:99"},
		{"Healthz", 200, `{"status":"ok"}`,
			func() (any, error) { return nil, c.Healthz(ctx) },
			"GET", "/base/healthz", "", "", ""},
		// Last: it forgets the token.
		{"Logout", 204, "",
			func() (any, error) { return nil, c.Logout(ctx) },
			"POST", "/base/v1/auth/logout", "", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.mu.Lock()
			f.status, f.body = tc.status, tc.answer
			f.mu.Unlock()
			before := c.Token()
			res, err := tc.call()
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			r := f.last(t)
			if r.method != tc.method || r.path != tc.path || r.query != tc.query {
				t.Errorf("request %s %s?%s, want %s %s?%s", r.method, r.path, r.query, tc.method, tc.path, tc.query)
			}
			if r.body != tc.body {
				t.Errorf("body %s, want %s", r.body, tc.body)
			}
			if tc.body != "" && r.contentType != "application/json" {
				t.Errorf("Content-Type %q", r.contentType)
			}
			if r.auth != "Bearer "+before {
				t.Errorf("Authorization %q, want the token %q", r.auth, before)
			}
			if tc.wantResult != "" {
				if got := fmt.Sprintf("%+v", deref(res)); !strings.Contains(got, tc.wantResult) {
					t.Errorf("result %s lacks %q", got, tc.wantResult)
				}
			}
		})
	}
	if c.Token() != "" {
		t.Errorf("token after Logout: %q", c.Token())
	}
}

// deref shows a pointer's value, and a slice's elements' values.
func deref(v any) any {
	switch x := v.(type) {
	case *Auth:
		return *x
	case *User:
		return *x
	case *Chat:
		return *x
	case *Event:
		return *x
	case *SendResult:
		return *x
	case *UpdatesResult:
		return *x
	}
	return v
}

func TestSignInKeepsToken(t *testing.T) {
	f, c := newFakeHTTP(t)
	f.status, f.body = 201, `{"user":{"id":7},"session":{"id":3},"token":"chp_fresh"}`
	if _, err := c.Register(context.Background(), RegisterRequest{Username: "sara", Password: "pw"}); err != nil {
		t.Fatal(err)
	}
	if c.Token() != "chp_fresh" {
		t.Fatalf("token %q", c.Token())
	}
	f.status, f.body = 200, `{"id":7}`
	c.Me(context.Background())
	if a := f.last(t).auth; a != "Bearer chp_fresh" {
		t.Fatalf("Authorization %q", a)
	}
	// A failed sign-in keeps the old token.
	f.status, f.body = 401, `{"error":{"code":"unauthorized","message":"wrong username or password"}}`
	if _, err := c.Login(context.Background(), LoginRequest{Username: "sara", Password: "bad"}); !IsCode(err, CodeUnauthorized) {
		t.Fatalf("Login: %v", err)
	}
	if c.Token() != "chp_fresh" {
		t.Fatalf("token after a failed login %q", c.Token())
	}
	// No token, no header.
	c.SetToken("")
	f.status, f.body = 200, `{"id":7}`
	c.Me(context.Background())
	if a := f.last(t).auth; a != "" {
		t.Fatalf("Authorization without a token: %q", a)
	}
}

func TestSendMakesClientID(t *testing.T) {
	f, c := newFakeHTTP(t)
	f.status, f.body = 201, `{"event":{"seq":1},"duplicate":false}`
	seen := map[string]bool{}
	for range 3 {
		if _, err := c.Send(context.Background(), 1, SendRequest{Text: "hi"}); err != nil {
			t.Fatal(err)
		}
		var body struct {
			ClientID string `json:"client_id"`
		}
		json.Unmarshal([]byte(f.last(t).body), &body)
		if len(body.ClientID) < 16 || len(body.ClientID) > 64 || seen[body.ClientID] {
			t.Fatalf("client_id %q (seen: %v)", body.ClientID, seen)
		}
		seen[body.ClientID] = true
	}
}

func TestAPIErrors(t *testing.T) {
	cases := []struct {
		name       string
		status     int
		body       string
		header     map[string]string
		wantCode   string
		wantMsg    string
		wantRetry  time.Duration
		wantString string
	}{
		{"json", 400, `{"error":{"code":"invalid_argument","message":"text: must be at most 4096 characters"}}`, nil,
			CodeInvalidArgument, "text: must be at most 4096 characters", 0, "text: must be at most 4096 characters (invalid_argument)"},
		{"rate limited", 429, `{"error":{"code":"rate_limited","message":"too many attempts"}}`, map[string]string{"Retry-After": "17"},
			CodeRateLimited, "too many attempts", 17 * time.Second, "too many attempts; retry after 17s (rate_limited)"},
		{"proxy html", 502, `<html>bad gateway</html>`, map[string]string{"Content-Type": "text/html"},
			CodeUnavailable, "", 0, "bad gateway (unavailable)"},
		{"plain text", 404, `404 page not found`, map[string]string{"Content-Type": "text/plain"},
			CodeNotFound, "404 page not found", 0, "404 page not found (not_found)"},
		{"empty", 500, ``, nil, CodeInternal, "", 0, "internal server error (internal)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			_, err := New(srv.URL).Chats(context.Background())
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("error %T %v, want *APIError", err, err)
			}
			if ae.Status != tc.status || ae.Code != tc.wantCode || ae.Message != tc.wantMsg || ae.RetryAfter != tc.wantRetry {
				t.Errorf("got %+v", *ae)
			}
			if ae.Error() != tc.wantString {
				t.Errorf("Error() = %q, want %q", ae.Error(), tc.wantString)
			}
			if !IsCode(fmt.Errorf("wrapped: %w", err), tc.wantCode) || IsCode(err, "nope") || IsCode(nil, tc.wantCode) {
				t.Error("IsCode")
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"":                              0,
		"5":                             5 * time.Second,
		"0":                             0,
		"-3":                            0,
		"soon":                          0,
		"Sun, 29 Nov 2026 10:01:00 GMT": time.Minute,
		"Sun, 29 Nov 2026 09:00:00 GMT": 0,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestContextCanceled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := New(srv.URL, WithToken("t")).Updates(ctx, new(int64), 25*time.Second, 0)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the context's error", err)
	}
}

func TestNetworkError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	err := New(url).Healthz(context.Background())
	var ae *APIError
	if err == nil || errors.As(err, &ae) || !strings.Contains(err.Error(), "GET /healthz") {
		t.Fatalf("got %v", err)
	}
}
