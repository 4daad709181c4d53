package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// fakeAPI is a tiny stand-in for the server: enough of docs/API.md for the
// CLI's commands, with one user "sara" (id 7, token chp_sara) and one
// other, "ali" (id 9).
type fakeAPI struct {
	t   *testing.T
	srv *httptest.Server

	mu    sync.Mutex
	auths []string // the Authorization header of each request
	sent  []map[string]any
	conns int
	// ws scripts the n-th WebSocket connection (from 0).
	ws func(conn io.ReadWriter, n int, hello map[string]any)
}

func newFakeAPI(t *testing.T) *fakeAPI {
	f := &fakeAPI{t: t}
	mux := http.NewServeMux()
	authJSON := `{"user":{"id":7,"username":"sara","display_name":"Sara","bio":"","online":true},"session":{"id":3,"device":"d","created_at":"2026-11-29T10:00:00Z","last_seen_at":"2026-11-29T10:00:00Z","current":true},"token":"chp_sara"}`
	answer := func(status int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			io.WriteString(w, body)
		}
	}
	authed := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer chp_sara" {
				answer(401, `{"error":{"code":"unauthorized","message":"invalid token"}}`)(w, r)
				return
			}
			h(w, r)
		}
	}
	mux.HandleFunc("POST /v1/auth/register", func(w http.ResponseWriter, r *http.Request) {
		var req map[string]string
		json.NewDecoder(r.Body).Decode(&req)
		if req["username"] == "taken" {
			answer(409, `{"error":{"code":"conflict","message":"username: is taken"}}`)(w, r)
			return
		}
		if req["password"] != "secret123" {
			answer(400, `{"error":{"code":"invalid_argument","message":"password: unexpected"}}`)(w, r)
			return
		}
		answer(201, authJSON)(w, r)
	})
	mux.HandleFunc("POST /v1/auth/login", func(w http.ResponseWriter, r *http.Request) {
		var req map[string]string
		json.NewDecoder(r.Body).Decode(&req)
		if req["password"] != "secret123" {
			answer(401, `{"error":{"code":"unauthorized","message":"wrong username or password"}}`)(w, r)
			return
		}
		answer(200, authJSON)(w, r)
	})
	mux.HandleFunc("POST /v1/auth/phone/start", answer(200, `{"expires_in":300}`))
	mux.HandleFunc("POST /v1/auth/phone/verify", answer(200, strings.Replace(authJSON, `"token"`, `"new_user":true,"token"`, 1)))
	mux.HandleFunc("POST /v1/auth/logout", authed(answer(204, "")))
	mux.HandleFunc("GET /v1/me", authed(answer(200, `{"id":7,"username":"sara","display_name":"Sara","bio":"","online":true,"phone":"+989121234567","created_at":"2026-11-01T00:00:00Z"}`)))
	mux.HandleFunc("GET /v1/users/9", authed(answer(200, `{"id":9,"username":"ali","display_name":"Ali"}`)))
	mux.HandleFunc("GET /v1/users/by-username/{name}", authed(func(w http.ResponseWriter, r *http.Request) {
		switch strings.ToLower(strings.TrimPrefix(r.PathValue("name"), "@")) {
		case "ali":
			answer(200, `{"id":9,"username":"ali","display_name":"Ali"}`)(w, r)
		default:
			answer(404, `{"error":{"code":"not_found","message":"user not found"}}`)(w, r)
		}
	}))
	mux.HandleFunc("GET /v1/sessions", authed(answer(200, `{"sessions":[{"id":3,"device":"laptop","created_at":"2026-11-29T10:00:00Z","last_seen_at":"2026-11-29T10:00:00Z","current":true}]}`)))
	mux.HandleFunc("POST /v1/chats", authed(func(w http.ResponseWriter, r *http.Request) {
		var req map[string]any
		json.NewDecoder(r.Body).Decode(&req)
		f.record(req)
		if req["type"] == "direct" {
			answer(201, `{"id":12,"type":"direct","title":"","role":"member","members_count":2,"peer_id":9}`)(w, r)
			return
		}
		answer(201, `{"id":13,"type":"group","title":"Family","role":"owner","members_count":2}`)(w, r)
	}))
	mux.HandleFunc("GET /v1/chats", authed(answer(200, `{"chats":[
		{"id":12,"type":"direct","title":"","role":"member","members_count":2,"last_seq":41,"read_seq":40,"unread":1,"peer_id":9,
		 "last_message":{"pos":5,"chat_id":12,"seq":41,"type":"message","actor_id":9,"date":"2026-11-29T10:00:00Z","text":"salam"}},
		{"id":13,"type":"group","title":"Family","role":"owner","members_count":3,"last_seq":1}]}`)))
	mux.HandleFunc("POST /v1/chats/{id}/messages", authed(func(w http.ResponseWriter, r *http.Request) {
		var req map[string]any
		json.NewDecoder(r.Body).Decode(&req)
		f.record(req)
		answer(201, fmt.Sprintf(`{"event":{"pos":6,"chat_id":%s,"seq":42,"type":"message","actor_id":7,"date":"2026-11-29T10:00:00Z","text":"x"},"duplicate":false}`, r.PathValue("id")))(w, r)
	}))
	mux.HandleFunc("GET /v1/chats/12/messages", authed(answer(200, `{"messages":[
		{"pos":1,"chat_id":12,"seq":1,"type":"chat_created","actor_id":7,"date":"2026-11-29T10:00:00Z"},
		{"pos":2,"chat_id":12,"seq":2,"type":"message","actor_id":9,"date":"2026-11-29T10:00:00Z","text":"salam\n\u001b[31mred"},
		{"pos":3,"chat_id":12,"seq":3,"type":"message","actor_id":7,"date":"2026-11-29T10:00:00Z","text":"khoobam","reply_to":2,"edited_at":"2026-11-29T10:01:00Z"},
		{"pos":4,"chat_id":12,"seq":4,"type":"message","actor_id":9,"date":"2026-11-29T10:00:00Z","deleted":true}]}`)))
	mux.HandleFunc("PUT /v1/blocks/9", authed(answer(204, "")))
	mux.HandleFunc("GET /v1/ws", func(w http.ResponseWriter, r *http.Request) {
		conn, rw, _, err := ws.HTTPUpgrader{}.Upgrade(r, w)
		if err != nil {
			return
		}
		defer conn.Close()
		rwc := struct {
			io.Reader
			io.Writer
		}{rw.Reader, conn}
		b, err := wsutil.ReadClientText(rwc)
		if err != nil {
			return
		}
		var hello map[string]any
		json.Unmarshal(b, &hello)
		if hello["token"] != "chp_sara" {
			ws.WriteFrame(conn, ws.NewCloseFrame(ws.NewCloseFrameBody(4001, "invalid token")))
			return
		}
		f.mu.Lock()
		n := f.conns
		f.conns++
		script := f.ws
		f.mu.Unlock()
		script(rwc, n, hello)
	})
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.auths = append(f.auths, r.Header.Get("Authorization"))
		f.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		f.srv.CloseClientConnections()
		f.srv.Close()
	})
	return f
}

func (f *fakeAPI) record(req map[string]any) {
	f.mu.Lock()
	f.sent = append(f.sent, req)
	f.mu.Unlock()
}

func (f *fakeAPI) lastSent() map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.sent) == 0 {
		return nil
	}
	return f.sent[len(f.sent)-1]
}

// cli runs one command line in a clean environment and returns its exit
// code and output.
type cliRun struct {
	t       *testing.T
	profile string
	stdin   string
}

func newCLI(t *testing.T) *cliRun {
	dir := t.TempDir()
	t.Setenv("CHAPAR_PROFILE", "")
	t.Setenv("CHAPAR_SERVER", "")
	t.Setenv("CHAPAR_PASSWORD", "")
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	return &cliRun{t: t, profile: filepath.Join(dir, "config", "chapar", "cli.json")}
}

func (c *cliRun) run(args ...string) (code int, stdout, stderr string) {
	c.t.Helper()
	cliStdin = strings.NewReader(c.stdin)
	cliIsTerminal = func() bool { return false }
	defer func() { cliStdin = os.Stdin }()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func (c *cliRun) mustRun(args ...string) string {
	c.t.Helper()
	code, out, errOut := c.run(args...)
	if code != 0 {
		c.t.Fatalf("chapar %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func TestCLIRegisterSavesProfile(t *testing.T) {
	api := newFakeAPI(t)
	c := newCLI(t)
	out := c.mustRun("register", "-server", api.srv.URL, "-username", "sara", "-password", "secret123", "-name", "Sara")
	if !strings.Contains(out, "@sara (id 7)") {
		t.Fatalf("register said %q", out)
	}
	st, err := os.Stat(c.profile)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("profile mode %v", st.Mode().Perm())
	}
	var p cliProfile
	b, _ := os.ReadFile(c.profile)
	if err := json.Unmarshal(b, &p); err != nil || p.Token != "chp_sara" || p.Server != api.srv.URL || p.UserID != 7 || p.Username != "sara" {
		t.Fatalf("profile %s (%v)", b, err)
	}
	// Later commands need no flags.
	if out := c.mustRun("whoami"); !strings.Contains(out, "@sara (id 7), Sara, +989121234567") || !strings.Contains(out, api.srv.URL) {
		t.Fatalf("whoami said %q", out)
	}
	if out := c.mustRun("whoami", "-json"); !strings.Contains(out, `"username": "sara"`) {
		t.Fatalf("whoami -json said %q", out)
	}
	// Errors read "chapar: <message> (<code>)", exit 1.
	code, _, errOut := c.run("register", "-server", api.srv.URL, "-username", "taken", "-password", "secret123")
	if code != 1 || errOut != "chapar: username: is taken (conflict)\n" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

func TestCLIPasswordSources(t *testing.T) {
	api := newFakeAPI(t)
	c := newCLI(t)
	t.Setenv("CHAPAR_PASSWORD", "secret123")
	c.mustRun("login", "-server", api.srv.URL, "-username", "sara")
	t.Setenv("CHAPAR_PASSWORD", "")
	c.stdin = "secret123\n"
	c.mustRun("login", "-server", api.srv.URL, "-username", "sara")
	c.stdin = "wrong\n"
	code, _, errOut := c.run("login", "-server", api.srv.URL, "-username", "sara")
	if code != 1 || !strings.Contains(errOut, "(unauthorized)") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

func TestCLIServerChoice(t *testing.T) {
	api := newFakeAPI(t)
	other := newFakeAPI(t)
	c := newCLI(t)
	c.mustRun("login", "-server", api.srv.URL, "-username", "sara", "-password", "secret123")
	// The saved server beats $CHAPAR_SERVER.
	t.Setenv("CHAPAR_SERVER", other.srv.URL)
	c.mustRun("whoami")
	// The token never goes to another server.
	code, _, errOut := c.run("whoami", "-server", other.srv.URL)
	if code != 1 || !strings.Contains(errOut, "not signed in") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, a := range other.auths {
		if a != "" {
			t.Fatalf("the token went to another server: %q", a)
		}
	}
	// -profile overrides the default place.
	alt := filepath.Join(t.TempDir(), "alt.json")
	c.mustRun("login", "-server", other.srv.URL, "-profile", alt, "-username", "sara", "-password", "secret123")
	if _, err := os.Stat(alt); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CHAPAR_PROFILE", alt)
	if out := c.mustRun("whoami"); !strings.Contains(out, other.srv.URL) {
		t.Fatalf("whoami with $CHAPAR_PROFILE said %q", out)
	}
}

func TestCLIPhone(t *testing.T) {
	api := newFakeAPI(t)
	c := newCLI(t)
	if out := c.mustRun("phone", "-server", api.srv.URL, "-phone", "+989121234567"); !strings.Contains(out, "valid for 5m0s") {
		t.Fatalf("phone said %q", out)
	}
	if out := c.mustRun("phone", "-server", api.srv.URL, "-phone", "+989121234567", "-code", "123456"); !strings.Contains(out, "created an account") {
		t.Fatalf("phone said %q", out)
	}
	c.mustRun("whoami")
}

func TestCLIUsage(t *testing.T) {
	c := newCLI(t)
	for _, args := range [][]string{
		{"send", "hello"},
		{"send", "-chat", "x"},
		{"dm"},
		{"dm", "@a", "@b"},
		{"group", "@ali"},
		{"history"},
		{"register", "-password", "x"},
		{"whoami", "extra"},
		{"tail", "-nope"},
	} {
		code, _, errOut := c.run(args...)
		if code != 2 || !strings.Contains(errOut, "usage: chapar "+args[0]) {
			t.Errorf("chapar %v: exit %d, stderr %q", args, code, errOut)
		}
	}
	if code, _, errOut := c.run("send", "-h"); code != 0 || !strings.Contains(errOut, "-reply") {
		t.Errorf("send -h: exit %d, stderr %q", code, errOut)
	}
	if _, ok := runClientCommand("nope", nil, io.Discard, io.Discard); ok {
		t.Error("an unknown command was run")
	}
	var help bytes.Buffer
	clientUsage(&help)
	for _, cmd := range clientCommands {
		if !strings.Contains(help.String(), "chapar "+cmd.name) {
			t.Errorf("usage lacks %s", cmd.name)
		}
	}
	// Not signed in: exit 1 with a hint.
	code, _, errOut := c.run("chats", "-server", "http://127.0.0.1:1")
	if code != 1 || !strings.Contains(errOut, "chapar login") {
		t.Errorf("chats signed out: exit %d, stderr %q", code, errOut)
	}
}

func TestCLIChatsAndMessages(t *testing.T) {
	api := newFakeAPI(t)
	c := newCLI(t)
	c.mustRun("login", "-server", api.srv.URL, "-username", "sara", "-password", "secret123")

	out := c.mustRun("chats")
	if !strings.Contains(out, "12\tdirect\t@ali\t1 unread\t@ali: salam") || !strings.Contains(out, "13\tgroup\tFamily (3 members)") {
		t.Fatalf("chats said %q", out)
	}
	if out := c.mustRun("dm", "@ali"); out != "12\n" {
		t.Fatalf("dm said %q", out)
	}
	if got := api.lastSent(); got["type"] != "direct" || got["user_id"] != float64(9) {
		t.Fatalf("dm sent %v", got)
	}
	if out := c.mustRun("dm", "ali", "-json"); !strings.Contains(out, `"peer_id": 9`) {
		t.Fatalf("dm -json said %q", out)
	}
	code, _, errOut := c.run("dm", "@nobody")
	if code != 1 || errOut != "chapar: no user @nobody (not_found)\n" {
		t.Fatalf("dm @nobody: exit %d, stderr %q", code, errOut)
	}
	if out := c.mustRun("group", "-title", "Family", "@ali", "9"); out != "13\n" {
		t.Fatalf("group said %q", out)
	}
	if got := fmt.Sprint(api.lastSent()["members"]); got != "[9 9]" {
		t.Fatalf("group members %s", got)
	}

	if out := c.mustRun("send", "-chat", "12", "-reply", "41", "salam", "-khoobi?"); out != "42\n" {
		t.Fatalf("send said %q", out)
	}
	if got := api.lastSent(); got["text"] != "salam -khoobi?" || got["reply_to"] != float64(41) || got["client_id"] == "" {
		t.Fatalf("send sent %v", got)
	}
	c.stdin = "from\nstdin\n"
	c.mustRun("send", "-chat", "12")
	if got := api.lastSent(); got["text"] != "from\nstdin" {
		t.Fatalf("send from stdin sent %v", got)
	}

	out = c.mustRun("history", "-chat", "12")
	want := `[chat 12 #1] @sara started the chat
[chat 12 #2] @ali: salam ↵ \x1b[31mred
[chat 12 #3] @sara (reply to #2, edited): khoobam
[chat 12 #4] @ali: (deleted)
`
	if out != want {
		t.Fatalf("history said\n%s\nwant\n%s", out, want)
	}
	var msgs []map[string]any
	if err := json.Unmarshal([]byte(c.mustRun("history", "-chat", "12", "-json")), &msgs); err != nil || len(msgs) != 4 {
		t.Fatalf("history -json: %v, %d", err, len(msgs))
	}
	if out := c.mustRun("sessions"); !strings.Contains(out, "3\tlaptop") || !strings.Contains(out, "(this one)") {
		t.Fatalf("sessions said %q", out)
	}
	if out := c.mustRun("block", "@ali"); out != "blocked @ali\n" {
		t.Fatalf("block said %q", out)
	}
	if out := c.mustRun("logout"); out != "signed out\n" {
		t.Fatalf("logout said %q", out)
	}
	code, _, errOut = c.run("whoami")
	if code != 1 || !strings.Contains(errOut, "not signed in") {
		t.Fatalf("whoami after logout: exit %d, stderr %q", code, errOut)
	}
}

// TestCLITail follows events across a dropped connection until "Ctrl-C".
func TestCLITail(t *testing.T) {
	api := newFakeAPI(t)
	c := newCLI(t)
	c.mustRun("login", "-server", api.srv.URL, "-username", "sara", "-password", "secret123")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	orig := cliContext
	cliContext = func() (context.Context, context.CancelFunc) { return context.WithCancel(ctx) }
	defer func() { cliContext = orig }()
	send := func(conn io.ReadWriter, s string) { wsutil.WriteServerText(conn, []byte(s)) }
	ev := func(pos, chat, seq, actor int64, text string) string {
		return fmt.Sprintf(`{"type":"event","event":{"pos":%d,"chat_id":%d,"seq":%d,"type":"message","actor_id":%d,"date":"2026-11-29T10:00:00Z","text":%q}}`, pos, chat, seq, actor, text)
	}
	hellos := make(chan any, 4)
	api.ws = func(conn io.ReadWriter, n int, hello map[string]any) {
		hellos <- hello["pos"]
		switch n {
		case 0:
			send(conn, `{"type":"welcome","user_id":7,"session_id":3,"pos":100}`)
			send(conn, `{"type":"synced","pos":100}`)
			send(conn, ev(101, 12, 41, 9, "salam"))
			send(conn, ev(102, 13, 5, 7, "other chat"))
			ws.WriteFrame(conn, ws.NewCloseFrame(ws.NewCloseFrameBody(4008, "slow consumer")))
		default:
			send(conn, `{"type":"welcome","user_id":7,"session_id":3,"pos":102}`)
			send(conn, ev(102, 13, 5, 7, "other chat")) // again: skipped
			send(conn, ev(103, 12, 42, 7, "khoobi?"))
			send(conn, `{"type":"synced","pos":103}`)
			time.Sleep(100 * time.Millisecond)
			cancel()
			for { // until the client's close
				if _, err := wsutil.ReadClientText(conn); err != nil {
					return
				}
			}
		}
	}
	code, out, errOut := c.run("tail", "-chat", "12")
	if code != 0 {
		t.Fatalf("tail: exit %d, stderr %q", code, errOut)
	}
	want := "[chat 12 #41] @ali: salam\n[chat 12 #42] @sara: khoobi?\n"
	if out != want {
		t.Fatalf("tail said %q, want %q", out, want)
	}
	if !strings.Contains(errOut, "4008") || !strings.Contains(errOut, "reconnecting") {
		t.Fatalf("tail stderr %q", errOut)
	}
	if p := <-hellos; p != nil {
		t.Fatalf("first hello pos %v, want none", p)
	}
	if p := <-hellos; p != float64(102) {
		t.Fatalf("second hello pos %v, want 102", p)
	}
}

// TestCLIAgainstRealServer runs the README's tour against the real server:
// two profiles register, open a chat, send, and read the history.
func TestCLIAgainstRealServer(t *testing.T) {
	srv := startServer(t, t.TempDir())
	c := newCLI(t)
	sara := filepath.Join(t.TempDir(), "sara.json")
	nima := filepath.Join(t.TempDir(), "nima.json")
	c.mustRun("register", "-server", srv.URL, "-profile", sara, "-username", "sara_1", "-password", "password1", "-name", "Sara")
	c.mustRun("register", "-server", srv.URL, "-profile", nima, "-username", "nima_1", "-password", "password1", "-name", "Nima")
	chat := strings.TrimSpace(c.mustRun("dm", "-profile", sara, "@nima_1"))
	c.mustRun("send", "-profile", sara, "-chat", chat, "سلام نیما")
	out := c.mustRun("history", "-profile", nima, "-chat", chat)
	if !strings.Contains(out, "@sara_1: سلام نیما") {
		t.Fatalf("history said %q", out)
	}
	if out := c.mustRun("chats", "-profile", nima); !strings.Contains(out, "1 unread") {
		t.Fatalf("chats said %q", out)
	}
	if out := c.mustRun("whoami", "-profile", nima); !strings.Contains(out, "nima_1") {
		t.Fatalf("whoami said %q", out)
	}
	code, _, errOut := c.run("send", "-profile", nima, "-chat", "999", "hi")
	if code != 1 || !strings.Contains(errOut, "(not_found)") {
		t.Fatalf("send to a missing chat: exit %d, %q", code, errOut)
	}
}

// TestCLIBots: against the real server, "bot create" prints a token that
// the Bot API takes, "bot list" lists the bot, "bot token" replaces it.
func TestCLIBots(t *testing.T) {
	srv := startServer(t, t.TempDir())
	c := newCLI(t)
	c.mustRun("register", "-server", srv.URL, "-username", "cli_owner", "-password", "secret123")
	token := strings.TrimSpace(c.mustRun("bot", "create", "-username", "cli_helper_bot", "-name", "Helper"))
	if status, out := botCall(t, "GET", srv.URL+"/bot"+token+"/getMe", "", ""); status != 200 || out["ok"] != true {
		t.Fatalf("getMe with the CLI's token %q: %d %v", token, status, out)
	}
	list := c.mustRun("bot", "list")
	if !strings.Contains(list, "@cli_helper_bot\tHelper") {
		t.Fatalf("bot list: %q", list)
	}
	id := strings.Split(list, "\t")[0]
	renewed := strings.TrimSpace(c.mustRun("bot", "token", "-id", id))
	if renewed == token || !strings.HasPrefix(renewed, id+":") {
		t.Fatalf("renewed %q (was %q)", renewed, token)
	}
	if status, _ := botCall(t, "GET", srv.URL+"/bot"+token+"/getMe", "", ""); status != 401 {
		t.Fatalf("the old token: %d", status)
	}
	if code, _, errOut := c.run("bot", "create", "-username", "helper"); code != 1 || !strings.Contains(errOut, "must end in") {
		t.Fatalf("a bot not named …bot: exit %d, %q", code, errOut)
	}
	if code, _, _ := c.run("bot", "fly"); code != 2 {
		t.Fatalf("an unknown bot command: exit %d", code)
	}
}
