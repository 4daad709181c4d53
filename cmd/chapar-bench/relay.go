package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/chapar/chapar/client"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// The relay is the no-storage baseline: it speaks the part of docs/API.md
// that the dm and group scenarios use (register, direct and group chats,
// adding members, and the WebSocket's hello, send and ping) and keeps
// everything in memory. A send is decoded, numbered (seq in its chat, pos
// server-wide), encoded once and queued to every other open connection of
// the chat's members, and acked; nothing is stored and passwords are not
// hashed. Each connection has a reader goroutine and a writer goroutine
// that flushes whatever has queued up in one write.

const (
	relayMaxMessage = 64 << 10
	relayQueue      = 1024             // frames waiting per connection
	relayBlock      = 10 * time.Second // how long a send waits for a full queue before dropping that connection
	relayHello      = 10 * time.Second
	relayWrite      = 10 * time.Second
)

func runRelayServer(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("relay-server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:9100", "address to listen on")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	raiseFileLimit()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(stderr, "relay-server:", err)
		return 1
	}
	rl := newRelay()
	srv := &http.Server{Handler: rl.handler(), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		rl.closeAll()
	}()
	fmt.Fprintf(stderr, "relay-server: no-storage baseline listening on %s\n", ln.Addr())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(stderr, "relay-server:", err)
		return 1
	}
	return 0
}

type relay struct {
	reg  *prometheus.Registry
	pos  atomic.Int64
	open atomic.Int64
	sent atomic.Int64

	mu       sync.RWMutex
	nextUser int64
	nextChat int64
	byName   map[string]*relayUser
	byID     map[int64]*relayUser
	byToken  map[string]*relayUser
	chats    map[int64]*relayChat
	direct   map[[2]int64]*relayChat
	conns    map[*relayConn]struct{}
}

type relayUser struct {
	id       int64
	name     string
	display  string
	created  time.Time
	sessions int64
	conns    map[*relayConn]struct{} // guarded by relay.mu
}

type relayChat struct {
	id      int64
	typ     string
	title   string
	created time.Time
	mu      sync.Mutex // orders the chat's events: seq, pos and queueing
	seq     int64
	members map[int64]string // user id → role; guarded by relay.mu
}

func newRelay() *relay {
	r := &relay{
		reg:     prometheus.NewRegistry(),
		byName:  map[string]*relayUser{},
		byID:    map[int64]*relayUser{},
		byToken: map[string]*relayUser{},
		chats:   map[int64]*relayChat{},
		direct:  map[[2]int64]*relayChat{},
		conns:   map[*relayConn]struct{}{},
	}
	r.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "chapar_websockets_open", Help: "Authenticated WebSocket connections."},
			func() float64 { return float64(r.open.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "relay_messages_sent_total", Help: "Messages relayed."},
			func() float64 { return float64(r.sent.Load()) }),
	)
	return r
}

func (r *relay) handler() http.Handler {
	m := http.NewServeMux()
	m.Handle("GET /metrics", promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{}))
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	m.HandleFunc("POST /v1/auth/register", r.register)
	m.HandleFunc("POST /v1/chats", r.authed(r.createChat))
	m.HandleFunc("POST /v1/chats/{id}/members", r.authed(r.addMembers))
	m.HandleFunc("POST /v1/chats/{id}/join", r.authed(r.join))
	m.HandleFunc("GET /v1/ws", r.socket)
	m.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "the relay does not serve this endpoint")
	})
	return m
}

// closeAll closes every connection, at shutdown.
func (r *relay) closeAll() {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for c := range r.conns {
		c.nc.Close()
	}
}

// --- HTTP ---

type relayUserJSON struct {
	ID          int64  `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Bio         string `json:"bio"`
	Online      bool   `json:"online"`
}

var usernameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{4,31}$`)

func (r *relay) register(w http.ResponseWriter, req *http.Request) {
	var in struct {
		Username    string `json:"username"`
		Password    string `json:"password"`
		DisplayName string `json:"display_name"`
		Device      string `json:"device"`
	}
	if !readJSON(w, req, &in) {
		return
	}
	switch {
	case !usernameRE.MatchString(in.Username):
		writeError(w, http.StatusBadRequest, "invalid_argument", "username: 5-32 letters, digits or _, starting with a letter")
		return
	case len(in.Password) < 8 || len(in.Password) > 256:
		writeError(w, http.StatusBadRequest, "invalid_argument", "password: must be 8-256 characters")
		return
	}
	if in.DisplayName == "" {
		in.DisplayName = in.Username
	}
	token := newToken()
	now := time.Now().UTC()
	r.mu.Lock()
	key := strings.ToLower(in.Username)
	if r.byName[key] != nil {
		r.mu.Unlock()
		writeError(w, http.StatusConflict, "conflict", "username: taken")
		return
	}
	r.nextUser++
	u := &relayUser{id: r.nextUser, name: in.Username, display: in.DisplayName, created: now, sessions: 1, conns: map[*relayConn]struct{}{}}
	r.byName[key], r.byID[u.id], r.byToken[token] = u, u, u
	r.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{
		"user":    relayUserJSON{ID: u.id, Username: u.name, DisplayName: u.display},
		"session": map[string]any{"id": u.id, "device": in.Device, "created_at": now, "last_seen_at": now, "current": true},
		"token":   token,
	})
}

// newToken makes a token shaped like chapar's: chp_ and 43 URL-safe characters.
func newToken() string {
	var b [32]byte
	rand.Read(b[:])
	return "chp_" + base64.RawURLEncoding.EncodeToString(b[:])
}

func (r *relay) authed(h func(http.ResponseWriter, *http.Request, *relayUser)) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		token, _ := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
		r.mu.RLock()
		u := r.byToken[token]
		r.mu.RUnlock()
		if u == nil {
			writeError(w, http.StatusUnauthorized, "unauthorized", "unknown token")
			return
		}
		h(w, req, u)
	}
}

func (r *relay) createChat(w http.ResponseWriter, req *http.Request, u *relayUser) {
	var in struct {
		Type    string  `json:"type"`
		UserID  int64   `json:"user_id"`
		Title   string  `json:"title"`
		Members []int64 `json:"members"`
	}
	if !readJSON(w, req, &in) {
		return
	}
	now := time.Now().UTC()
	r.mu.Lock()
	defer r.mu.Unlock()
	switch in.Type {
	case "direct":
		if r.byID[in.UserID] == nil || in.UserID == u.id {
			writeError(w, http.StatusNotFound, "not_found", "user not found")
			return
		}
		key := [2]int64{min(u.id, in.UserID), max(u.id, in.UserID)}
		if ch := r.direct[key]; ch != nil {
			writeJSON(w, http.StatusOK, r.chatJSON(ch, u.id))
			return
		}
		ch := r.newChat("direct", "", now, map[int64]string{u.id: "member", in.UserID: "member"})
		r.direct[key] = ch
		writeJSON(w, http.StatusCreated, r.chatJSON(ch, u.id))
	case "group":
		if n := utf8.RuneCountInString(in.Title); n < 1 || n > 128 {
			writeError(w, http.StatusBadRequest, "invalid_argument", "title: must be 1-128 characters")
			return
		}
		members := map[int64]string{u.id: "owner"}
		for _, id := range in.Members {
			if r.byID[id] == nil {
				writeError(w, http.StatusNotFound, "not_found", "user not found")
				return
			}
			if id != u.id {
				members[id] = "member"
			}
		}
		ch := r.newChat("group", in.Title, now, members)
		writeJSON(w, http.StatusCreated, r.chatJSON(ch, u.id))
	case "channel": // every subscriber hears every post, as in a group
		ch := r.newChat("channel", in.Title, now, map[int64]string{u.id: "owner"})
		writeJSON(w, http.StatusCreated, r.chatJSON(ch, u.id))
	default:
		writeError(w, http.StatusBadRequest, "invalid_argument", "type: must be direct, group or channel")
	}
}

// join subscribes the caller to a channel.
func (r *relay) join(w http.ResponseWriter, req *http.Request, u *relayUser) {
	id, _ := strconv.ParseInt(req.PathValue("id"), 10, 64)
	r.mu.RLock()
	ch := r.chats[id]
	r.mu.RUnlock()
	if ch == nil || ch.typ != "channel" {
		writeError(w, http.StatusNotFound, "not_found", "chat not found")
		return
	}
	ch.mu.Lock() // lock order: chat, then relay
	if ch.members[u.id] == "" {
		ch.members[u.id] = "member"
	}
	r.mu.RLock()
	out := r.chatJSON(ch, u.id)
	r.mu.RUnlock()
	ch.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// newChat makes a chat whose first event is chat_created; r.mu is held.
func (r *relay) newChat(typ, title string, now time.Time, members map[int64]string) *relayChat {
	r.nextChat++
	ch := &relayChat{id: r.nextChat, typ: typ, title: title, created: now, seq: 1, members: members}
	r.pos.Add(1)
	r.chats[ch.id] = ch
	return ch
}

func (r *relay) chatJSON(ch *relayChat, uid int64) client.Chat {
	out := client.Chat{ID: ch.id, Type: ch.typ, Title: ch.title, CreatedAt: ch.created, Role: ch.members[uid],
		MembersCount: len(ch.members), LastSeq: ch.seq}
	if ch.typ == "direct" {
		for id := range ch.members {
			if id != uid {
				out.PeerID = id
			}
		}
	}
	return out
}

func (r *relay) addMembers(w http.ResponseWriter, req *http.Request, u *relayUser) {
	var in struct {
		UserIDs []int64 `json:"user_ids"`
	}
	if !readJSON(w, req, &in) {
		return
	}
	if len(in.UserIDs) == 0 || len(in.UserIDs) > 200 {
		writeError(w, http.StatusBadRequest, "invalid_argument", "user_ids: give 1-200 users")
		return
	}
	id, _ := strconv.ParseInt(req.PathValue("id"), 10, 64)
	r.mu.RLock()
	ch := r.chats[id]
	ok := ch != nil && ch.typ == "group" && ch.members[u.id] != ""
	r.mu.RUnlock()
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "chat not found")
		return
	}
	ch.mu.Lock() // lock order: chat, then relay
	defer ch.mu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	events := []client.Event{}
	for _, uid := range in.UserIDs {
		if r.byID[uid] == nil {
			writeError(w, http.StatusNotFound, "not_found", "user not found")
			return
		}
	}
	now := time.Now().UTC()
	for _, uid := range in.UserIDs {
		if ch.members[uid] != "" {
			continue
		}
		ch.members[uid] = "member"
		ch.seq++
		events = append(events, client.Event{Pos: r.pos.Add(1), ChatID: ch.id, Seq: ch.seq, Type: "member_added",
			ActorID: u.id, Date: now, Target: uid, Role: "member"})
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": events})
}

func readJSON(w http.ResponseWriter, req *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, req.Body, relayMaxMessage)).Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "malformed JSON: "+err.Error())
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"code":"internal","message":""}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

// --- WebSocket ---

type outFrame struct {
	op ws.OpCode
	p  []byte
}

// relayConn is one WebSocket: its reader goroutine handles what the client
// sends; its writer goroutine writes what is queued on out.
type relayConn struct {
	r          *relay
	nc         net.Conn
	user       *relayUser // set by hello, on the reader goroutine
	out        chan outFrame
	done       chan struct{} // closed when the reader has finished
	writerDone chan struct{}
	closeOnce  sync.Once
	targets    []*relayConn // the reader's scratch list of recipients
}

func (r *relay) socket(w http.ResponseWriter, req *http.Request) {
	nc, rw, _, err := ws.UpgradeHTTP(req, w)
	if err != nil {
		return // the upgrader has answered
	}
	c := &relayConn{r: r, nc: nc, out: make(chan outFrame, relayQueue), done: make(chan struct{}), writerDone: make(chan struct{})}
	r.mu.Lock()
	r.conns[c] = struct{}{}
	r.mu.Unlock()
	go c.writeLoop()
	c.readLoop(rw.Reader)
}

func (c *relayConn) readLoop(br *bufio.Reader) {
	defer c.finish()
	rd := &wsutil.Reader{Source: br, State: ws.StateServerSide, CheckUTF8: true,
		MaxFrameSize: relayMaxMessage, MaxMessageSize: relayMaxMessage}
	rd.OnIntermediate = c.control
	c.nc.SetReadDeadline(time.Now().Add(relayHello))
	var buf []byte
	for {
		hdr, err := rd.NextFrame()
		if err != nil {
			return
		}
		if hdr.OpCode.IsControl() {
			if c.control(hdr, rd) != nil || rd.Discard() != nil {
				return
			}
			continue
		}
		if buf, err = readMessage(rd, buf[:0]); err != nil {
			c.closeWith(ws.StatusProtocolError, "bad frame")
			return
		}
		if hdr.OpCode != ws.OpText {
			c.closeWith(ws.StatusUnsupportedData, "text frames only")
			return
		}
		if !c.handle(buf) {
			return
		}
	}
}

// readMessage reads the rest of a message into buf.
func readMessage(rd *wsutil.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// control answers a ping, and a close with the close handshake.
func (c *relayConn) control(h ws.Header, rd io.Reader) error {
	p := make([]byte, h.Length)
	if _, err := io.ReadFull(rd, p); err != nil {
		return err
	}
	switch h.OpCode {
	case ws.OpPing:
		c.push(outFrame{ws.OpPong, p})
	case ws.OpClose:
		if len(p) >= 2 {
			p = p[:2]
		}
		c.closeOnce.Do(func() { c.push(outFrame{ws.OpClose, p}) })
		return io.EOF
	}
	return nil
}

func (c *relayConn) closeWith(code ws.StatusCode, reason string) {
	c.closeOnce.Do(func() { c.push(outFrame{ws.OpClose, ws.NewCloseFrameBody(code, reason)}) })
}

// finish runs when the reader ends: it lets the writer send what is queued
// (up to the close frame), then closes the connection.
func (c *relayConn) finish() {
	r := c.r
	r.mu.Lock()
	delete(r.conns, c)
	if c.user != nil {
		delete(c.user.conns, c)
		r.open.Add(-1)
	}
	r.mu.Unlock()
	c.closeOnce.Do(func() {
		select { // never wait here: the writer may be gone
		case c.out <- outFrame{ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, "")}:
		default:
		}
	})
	select {
	case <-c.writerDone:
	case <-time.After(2 * time.Second):
	}
	close(c.done)
	c.nc.Close()
	<-c.writerDone
}

// push queues a frame. A connection whose queue stays full for relayBlock
// is dropped: the relay has nowhere to keep what it could not send.
func (c *relayConn) push(f outFrame) {
	select {
	case c.out <- f:
		return
	case <-c.done:
		return
	default:
	}
	t := time.NewTimer(relayBlock)
	defer t.Stop()
	select {
	case c.out <- f:
	case <-c.done:
	case <-t.C:
		c.nc.Close()
	}
}

func (c *relayConn) writeLoop() {
	defer close(c.writerDone)
	bw := bufio.NewWriterSize(c.nc, 8<<10)
	var hdr [ws.MaxHeaderSize]byte
	for {
		var f outFrame
		select {
		case f = <-c.out:
		case <-c.done:
			return
		}
		c.nc.SetWriteDeadline(time.Now().Add(relayWrite))
		for {
			if err := ws.WriteHeaderBuffer(bw, ws.Header{Fin: true, OpCode: f.op, Length: int64(len(f.p))}, hdr[:]); err != nil {
				c.nc.Close()
				return
			}
			bw.Write(f.p)
			if f.op == ws.OpClose {
				bw.Flush()
				return
			}
			if len(c.out) == 0 {
				break
			}
			f = <-c.out
		}
		if err := bw.Flush(); err != nil {
			c.nc.Close()
			return
		}
	}
}

// relayIn is any frame a client sends.
type relayIn struct {
	Type     string          `json:"type"`
	ID       json.RawMessage `json:"id"`
	Token    string          `json:"token"`
	Pos      *int64          `json:"pos"`
	ChatID   int64           `json:"chat_id"`
	ClientID string          `json:"client_id"`
	Text     string          `json:"text"`
}

// handle handles one client frame and reports whether to read on.
func (c *relayConn) handle(p []byte) bool {
	var f relayIn
	if err := json.Unmarshal(p, &f); err != nil {
		if c.user == nil {
			c.closeWith(4002, "malformed frame")
			return false
		}
		c.sendError(nil, "bad_request", "malformed frame")
		return true
	}
	if c.user == nil {
		return c.hello(f)
	}
	switch f.Type {
	case "send":
		c.send(f)
	case "ping":
		c.push(outFrame{ws.OpText, fmt.Appendf(nil, `{"type":"pong","id":%s}`, rawOrZero(f.ID))})
	case "typing":
	default:
		c.sendError(f.ID, "bad_request", "the relay does not handle "+strconv.Quote(f.Type))
	}
	return true
}

func (c *relayConn) hello(f relayIn) bool {
	r := c.r
	r.mu.Lock()
	u := r.byToken[f.Token]
	if f.Type != "hello" || u == nil {
		r.mu.Unlock()
		c.closeWith(4001, "invalid token")
		return false
	}
	c.user = u
	u.conns[c] = struct{}{}
	r.open.Add(1)
	r.mu.Unlock()
	c.nc.SetReadDeadline(time.Time{})
	pos := r.pos.Load() // nothing is stored: every hello starts from now
	c.push(outFrame{ws.OpText, fmt.Appendf(nil, `{"type":"welcome","user_id":%d,"session_id":%d,"pos":%d}`, u.id, u.id, pos)})
	c.push(outFrame{ws.OpText, fmt.Appendf(nil, `{"type":"synced","pos":%d}`, pos)})
	return true
}

// send numbers a message, queues it to the chat's other connections and
// acks it. The chat's lock is held throughout, so every receiver gets the
// chat's messages in seq order.
func (c *relayConn) send(f relayIn) {
	r := c.r
	switch {
	case len(f.ClientID) < 1 || len(f.ClientID) > 64:
		c.sendError(f.ID, "invalid_argument", "client_id: must be 1-64 characters")
		return
	case len(f.Text) < 1 || utf8.RuneCountInString(f.Text) > 4096:
		c.sendError(f.ID, "invalid_argument", "text: must be 1-4096 characters")
		return
	}
	r.mu.RLock()
	ch := r.chats[f.ChatID]
	r.mu.RUnlock()
	if ch == nil {
		c.sendError(f.ID, "not_found", "chat not found")
		return
	}
	ch.mu.Lock()
	defer ch.mu.Unlock()
	r.mu.RLock()
	if ch.members[c.user.id] == "" {
		r.mu.RUnlock()
		c.sendError(f.ID, "not_found", "chat not found")
		return
	}
	c.targets = c.targets[:0]
	for id := range ch.members {
		for o := range r.byID[id].conns {
			if o != c {
				c.targets = append(c.targets, o)
			}
		}
	}
	r.mu.RUnlock()
	ch.seq++
	ev, err := json.Marshal(client.Event{Pos: r.pos.Add(1), ChatID: ch.id, Seq: ch.seq, Type: "message",
		ActorID: c.user.id, Date: time.Now().UTC(), ClientID: f.ClientID, Text: f.Text})
	if err != nil {
		c.sendError(f.ID, "internal", "")
		return
	}
	frame := append(append([]byte(`{"type":"event","event":`), ev...), '}')
	for _, o := range c.targets {
		o.push(outFrame{ws.OpText, frame})
	}
	r.sent.Add(1)
	ack := append(fmt.Appendf(nil, `{"type":"ack","id":%s,"event":`, rawOrZero(f.ID)), ev...)
	c.push(outFrame{ws.OpText, append(ack, `,"duplicate":false}`...)})
}

func (c *relayConn) sendError(id json.RawMessage, code, msg string) {
	b, _ := json.Marshal(map[string]any{"type": "error", "id": id, "error": map[string]string{"code": code, "message": msg}})
	c.push(outFrame{ws.OpText, b})
}

func rawOrZero(id json.RawMessage) []byte {
	if len(id) == 0 {
		return []byte("0")
	}
	return id
}
