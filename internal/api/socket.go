package api

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/hub"
	"github.com/chapar/chapar/internal/ws"
)

// WebSocket close codes (see docs/API.md).
const (
	closeUnauthorized = 4001
	closeProtocol     = 4002
	closeRevoked      = 4003
	closeSlow         = 4008
)

// helloTimeout is how long a new socket may stay silent before "hello".
const helloTimeout = 10 * time.Second

// pendingLimit bounds the live frames held back while a replay runs; past
// it they are dropped and the replay simply runs on further.
const pendingLimit = 4096

// socket upgrades GET /v1/ws and runs the connection on this goroutine.
func (s *Server) socket(w http.ResponseWriter, r *http.Request) {
	conn, err := s.ws.Upgrade(w, r)
	if err != nil {
		return // the upgrader has answered
	}
	c := &socketClient{s: s, conn: conn, connID: domain.NewConnID()}
	c.helloTimer = time.AfterFunc(helloTimeout, func() { conn.Close(closeUnauthorized, "no hello") })
	go conn.Serve(c)
}

// socketClient is one WebSocket's state. Frames arrive on the connection's
// read goroutine (OnMessage), one at a time; live events arrive from the hub
// (Push) on the publisher's goroutine.
type socketClient struct {
	s          *Server
	conn       *ws.Conn
	helloTimer *time.Timer
	sess       domain.Session // set once by hello, before any other use
	hc         *hub.Conn
	connID     string      // this connection's id, unique in the cluster (calls are between connections)
	calls      atomic.Bool // it made or answered a call: its calls end when it closes

	mu       sync.Mutex
	live     bool // the replay is over: live frames go straight out
	lastPos  int64
	pending  []pendingFrame
	overflow bool
	closed   bool
}

type pendingFrame struct {
	pos   int64
	frame []byte
}

// Push implements hub.Subscriber.
func (c *socketClient) Push(pos int64, frame []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
	case !c.live:
		if len(c.pending) >= pendingLimit {
			c.overflow, c.pending = true, nil
		} else if !c.overflow {
			c.pending = append(c.pending, pendingFrame{pos, frame})
		}
	case pos == 0:
		c.conn.Send(frame)
	case pos > c.lastPos:
		c.lastPos = pos
		c.conn.Send(frame)
	}
}

// ConnID tells the hub which connection this is (call frames may be for
// one connection of a user).
func (c *socketClient) ConnID() string { return c.connID }

// Kick implements hub.Subscriber.
func (c *socketClient) Kick(code int, reason string) { c.conn.Close(code, reason) }

// clientFrame is any frame a client sends.
type clientFrame struct {
	Type     string          `json:"type"`
	ID       json.RawMessage `json:"id,omitempty"`
	Token    string          `json:"token,omitempty"`
	Pos      *int64          `json:"pos,omitempty"`
	ChatID   int64           `json:"chat_id,omitempty"`
	Seq      int64           `json:"seq,omitempty"`
	ClientID string          `json:"client_id,omitempty"`
	Text     string          `json:"text,omitempty"`
	ReplyTo  int64           `json:"reply_to,omitempty"`
	Forward  *domain.Forward `json:"forward,omitempty"`
	Media    []string        `json:"media,omitempty"`
	Entities []domain.Entity `json:"entities,omitempty"`
	// Calls (docs/API.md "Calls").
	CallID string          `json:"call_id,omitempty"`
	Video  bool            `json:"video,omitempty"`
	SDP    string          `json:"sdp,omitempty"`
	Data   json.RawMessage `json:"data,omitempty"`
}

// OnMessage implements ws.Handler.
func (c *socketClient) OnMessage(_ *ws.Conn, data []byte) {
	var f clientFrame
	if err := decodeBytes(data, &f); err != nil {
		if c.hc == nil {
			c.conn.Close(closeProtocol, "malformed frame")
			return
		}
		// Answer with the request's id if it can be read at all, so the
		// client can tell which request failed.
		var idOnly struct {
			ID json.RawMessage `json:"id"`
		}
		json.Unmarshal(data, &idOnly)
		c.sendError(idOnly.ID, err)
		return
	}
	if c.hc == nil {
		c.hello(f)
		return
	}
	ctx := context.Background()
	switch f.Type {
	case "send":
		ev, dup, err := c.s.svc.Send(ctx, c.sess.UserID, sendBody{ClientID: f.ClientID, Text: f.Text, ReplyTo: f.ReplyTo, Forward: f.Forward,
			Media: f.Media, Entities: f.Entities}.request(f.ChatID))
		if err != nil {
			c.sendError(f.ID, err)
			return
		}
		c.s.metrics.sent.Inc()
		c.sendJSON(ackFrame{Type: "ack", ID: f.ID, Event: &ev, Duplicate: dup})
	case "read":
		ev, err := c.s.svc.MarkRead(ctx, c.sess.UserID, f.ChatID, f.Seq)
		if err != nil {
			c.sendError(f.ID, err)
			return
		}
		c.sendJSON(ackFrame{Type: "ack", ID: f.ID, Event: &ev})
	case "typing":
		if err := c.s.svc.Typing(ctx, c.sess.UserID, f.ChatID); err != nil {
			c.sendError(f.ID, err)
		}
	case "call":
		c.calls.Store(true)
		call, err := c.s.svc.StartCall(ctx, c.sess.UserID, c.connID, f.ChatID, f.Video, f.SDP)
		c.answer(f.ID, &call, err)
	case "call_accept":
		c.calls.Store(true)
		call, err := c.s.svc.AcceptCall(ctx, c.sess.UserID, c.connID, f.CallID, f.SDP)
		c.answer(f.ID, &call, err)
	case "call_hangup":
		c.answer(f.ID, nil, c.s.svc.HangUp(ctx, c.sess.UserID, f.CallID))
	case "call_signal":
		c.answer(f.ID, nil, c.s.svc.CallSignal(ctx, c.sess.UserID, c.connID, f.CallID, f.Data))
	case "ping":
		c.sendJSON(ackFrame{Type: "pong", ID: f.ID})
	case "hello":
		c.sendError(f.ID, domain.Errorf(domain.KindBadRequest, "already said hello"))
	default:
		c.sendError(f.ID, domain.Errorf(domain.KindBadRequest, "unknown frame type %q", f.Type))
	}
}

type ackFrame struct {
	Type      string          `json:"type"`
	ID        json.RawMessage `json:"id,omitempty"`
	Event     *domain.Event   `json:"event,omitempty"`
	Duplicate bool            `json:"duplicate,omitempty"`
	Call      *domain.Call    `json:"call,omitempty"`
}

// answer acks a request, with its call if it has one, or says why not.
func (c *socketClient) answer(id json.RawMessage, call *domain.Call, err error) {
	if err != nil {
		c.sendError(id, err)
		return
	}
	c.sendJSON(ackFrame{Type: "ack", ID: id, Call: call})
}

func (c *socketClient) sendJSON(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		c.s.log.Error("encode frame", "err", err)
		return
	}
	c.conn.Send(b)
}

func (c *socketClient) sendError(id json.RawMessage, err error) {
	_, d, retry := clientError(c.s.log, err)
	d.RetryAfter = retry
	c.sendJSON(struct {
		Type  string          `json:"type"`
		ID    json.RawMessage `json:"id,omitempty"`
		Error errorDetail     `json:"error"`
	}{"error", id, d})
}

// hello authenticates the socket, subscribes it, and starts the replay.
func (c *socketClient) hello(f clientFrame) {
	c.helloTimer.Stop()
	if f.Type != "hello" {
		c.conn.Close(closeUnauthorized, "hello must come first")
		return
	}
	ctx := context.Background()
	sess, err := c.s.svc.Authenticate(ctx, f.Token)
	if err != nil {
		c.conn.Close(closeUnauthorized, "invalid token")
		return
	}
	c.sess = sess
	// Subscribe first, then fix the replay's end: every event after `upto`
	// is then sure to arrive through Push.
	if c.hc, err = c.s.subscribe(ctx, c, sess); err != nil {
		c.s.log.Error("socket hello", "err", err)
		c.conn.Close(1011, "internal error")
		return
	}
	c.s.metrics.sockets.Inc() // OnClose decrements it, since c.hc is set
	upto, err := c.s.svc.LastPos(ctx)
	if err != nil {
		c.conn.Close(1011, "internal error")
		return
	}
	from := upto
	if f.Pos != nil {
		from = *f.Pos
	}
	if from < 0 || from > upto {
		c.sendError(f.ID, domain.Invalid("pos", "must be between 0 and %d", upto))
		c.conn.Close(closeProtocol, "bad position")
		return
	}
	go c.s.svc.TouchSession(context.Background(), sess.ID)
	c.sendJSON(struct {
		Type      string `json:"type"`
		UserID    int64  `json:"user_id"`
		SessionID int64  `json:"session_id"`
		ConnID    string `json:"conn_id"`
		Pos       int64  `json:"pos"`
	}{"welcome", sess.UserID, sess.ID, c.connID, from})
	go c.replay(from, upto)
}

// replayBatch is how many events are read and queued at a time.
const replayBatch = 256

// replay sends the events in (from, upto], then whatever arrived live
// meanwhile, then goes live. Each frame waits for room in the socket's
// queue (SendPaced), so a long replay of large messages to a slow client
// never overflows the queue: it goes as fast as the client reads.
func (c *socketClient) replay(from, upto int64) {
	ctx := context.Background()
	sent := from
	for {
		r := c.s.svc.NewReplay(c.sess.UserID, sent, upto)
		for {
			evs, err := r.Next(ctx, replayBatch)
			if err != nil {
				c.s.log.Error("replay", "err", err)
				c.conn.Close(1011, "internal error")
				return
			}
			if len(evs) == 0 {
				break
			}
			for i := range evs {
				if !c.conn.SendPaced(ctx, hub.EventFrame(&evs[i])) {
					return // closed
				}
			}
			sent = evs[len(evs)-1].Pos
		}
		sent = upto
		c.mu.Lock()
		if c.overflow {
			// Live events were dropped while we replayed: replay on to
			// where the store is now, and keep collecting.
			c.overflow, c.pending = false, nil
			c.mu.Unlock()
			var err error
			if upto, err = c.s.svc.LastPos(ctx); err != nil {
				c.conn.Close(1011, "internal error")
				return
			}
			continue
		}
		c.lastPos = sent
		c.sendSynced(sent)
		for _, p := range c.pending {
			if p.pos == 0 || p.pos > c.lastPos {
				c.lastPos = max(c.lastPos, p.pos)
				c.conn.Send(p.frame)
			}
		}
		c.pending, c.live = nil, true
		c.mu.Unlock()
		return
	}
}

func (c *socketClient) sendSynced(pos int64) {
	c.sendJSON(struct {
		Type string `json:"type"`
		Pos  int64  `json:"pos"`
	}{"synced", pos})
}

// OnClose implements ws.Handler.
func (c *socketClient) OnClose(_ *ws.Conn, _ error) {
	c.helloTimer.Stop()
	c.mu.Lock()
	c.closed, c.pending = true, nil
	c.mu.Unlock()
	if c.hc != nil {
		c.s.hub.Unregister(c.hc)
		c.s.metrics.sockets.Dec()
		if c.calls.Load() {
			go c.s.svc.ConnClosed(context.Background(), c.connID)
		}
	}
}
