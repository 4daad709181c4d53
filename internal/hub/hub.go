// Package hub routes live frames to the connections of one node. It keeps,
// per chat, the set of connections subscribed to it, so a message costs
// work only for the members who are online here. Each event is encoded once
// and the same bytes go to every subscriber's queue; a subscriber whose
// queue is full drops itself (and resyncs later): the hub never waits.
package hub

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/chapar/chapar/internal/domain"
)

// Subscriber is one live connection.
type Subscriber interface {
	// Push queues a frame. pos is the event's position (0 for signals).
	// It must not block.
	Push(pos int64, frame []byte)
	// Kick closes the connection with a WebSocket close code.
	Kick(code int, reason string)
}

const shards = 64

// Hub is safe for concurrent use.
type Hub struct {
	chats [shards]chatShard
	users [shards]userShard

	// onPresence is called (in its own goroutine) when a user's first
	// connection opens or last one closes.
	onPresence func(userID int64, online bool)
}

type chatShard struct {
	mu   sync.RWMutex
	subs map[int64]map[*Conn]struct{}
}

type userShard struct {
	mu    sync.RWMutex
	conns map[int64]map[*Conn]struct{}
}

// Conn is a subscriber's registration.
type Conn struct {
	sub       Subscriber
	UserID    int64
	SessionID int64

	mu    sync.Mutex
	chats map[int64]struct{}
}

// New makes a hub; onPresence may be nil.
func New(onPresence func(userID int64, online bool)) *Hub {
	h := &Hub{onPresence: onPresence}
	for i := range h.chats {
		h.chats[i].subs = make(map[int64]map[*Conn]struct{})
		h.users[i].conns = make(map[int64]map[*Conn]struct{})
	}
	return h
}

func (h *Hub) chatShard(id int64) *chatShard { return &h.chats[uint64(id)%shards] }
func (h *Hub) userShard(id int64) *userShard { return &h.users[uint64(id)%shards] }

// Register subscribes a connection to the user's chats.
func (h *Hub) Register(sub Subscriber, userID, sessionID int64, chatIDs []int64) *Conn {
	c := &Conn{sub: sub, UserID: userID, SessionID: sessionID, chats: make(map[int64]struct{}, len(chatIDs))}
	for _, id := range chatIDs {
		h.subscribe(c, id)
	}
	us := h.userShard(userID)
	us.mu.Lock()
	set := us.conns[userID]
	if set == nil {
		set = make(map[*Conn]struct{}, 1)
		us.conns[userID] = set
	}
	set[c] = struct{}{}
	first := len(set) == 1
	us.mu.Unlock()
	if first && h.onPresence != nil {
		go h.onPresence(userID, true)
	}
	return c
}

// RegisterUser registers sub for a user's chats, as chats lists them. The
// user is registered first, so a chat they join from now on reaches sub;
// their chats are read after that, and read again once subscribed, to drop
// any chat they left in between (whose removal could not be routed to sub).
func (h *Hub) RegisterUser(ctx context.Context, sub Subscriber, userID, sessionID int64,
	chats func(ctx context.Context, userID int64) ([]int64, error)) (*Conn, error) {
	c := h.Register(sub, userID, sessionID, nil)
	before, err := chats(ctx, userID)
	if err != nil {
		h.Unregister(c)
		return nil, err
	}
	h.Subscribe(c, before)
	after, err := chats(ctx, userID)
	if err != nil {
		h.Unregister(c)
		return nil, err
	}
	h.Unsubscribe(c, slices.DeleteFunc(before, func(id int64) bool { return slices.Contains(after, id) }))
	return c, nil
}

// Subscribe adds chats to a registered connection.
func (h *Hub) Subscribe(c *Conn, chatIDs []int64) {
	for _, id := range chatIDs {
		h.subscribe(c, id)
	}
}

// Unsubscribe removes chats from a connection.
func (h *Hub) Unsubscribe(c *Conn, chatIDs []int64) {
	for _, id := range chatIDs {
		h.unsubscribe(c, id)
	}
}

// Unregister removes a connection from every chat.
func (h *Hub) Unregister(c *Conn) {
	c.mu.Lock()
	chats := c.chats
	c.chats = nil
	c.mu.Unlock()
	for id := range chats {
		cs := h.chatShard(id)
		cs.mu.Lock()
		if set := cs.subs[id]; set != nil {
			delete(set, c)
			if len(set) == 0 {
				delete(cs.subs, id)
			}
		}
		cs.mu.Unlock()
	}
	us := h.userShard(c.UserID)
	us.mu.Lock()
	set := us.conns[c.UserID]
	_, was := set[c]
	delete(set, c)
	last := was && len(set) == 0
	if last {
		delete(us.conns, c.UserID)
	}
	us.mu.Unlock()
	if last && h.onPresence != nil {
		go h.onPresence(c.UserID, false)
	}
}

func (h *Hub) subscribe(c *Conn, chatID int64) {
	c.mu.Lock()
	if c.chats == nil { // unregistered meanwhile
		c.mu.Unlock()
		return
	}
	c.chats[chatID] = struct{}{}
	c.mu.Unlock()
	cs := h.chatShard(chatID)
	cs.mu.Lock()
	set := cs.subs[chatID]
	if set == nil {
		set = make(map[*Conn]struct{}, 2)
		cs.subs[chatID] = set
	}
	set[c] = struct{}{}
	cs.mu.Unlock()
}

func (h *Hub) unsubscribe(c *Conn, chatID int64) {
	c.mu.Lock()
	delete(c.chats, chatID)
	c.mu.Unlock()
	cs := h.chatShard(chatID)
	cs.mu.Lock()
	if set := cs.subs[chatID]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(cs.subs, chatID)
		}
	}
	cs.mu.Unlock()
}

// userConns copies a user's connections.
func (h *Hub) userConns(userID int64) []*Conn {
	us := h.userShard(userID)
	us.mu.RLock()
	defer us.mu.RUnlock()
	out := make([]*Conn, 0, len(us.conns[userID]))
	for c := range us.conns[userID] {
		out = append(out, c)
	}
	return out
}

// Online reports whether the user has a connection on this node.
func (h *Hub) Online(userID int64) bool {
	us := h.userShard(userID)
	us.mu.RLock()
	defer us.mu.RUnlock()
	return len(us.conns[userID]) > 0
}

// deliver pushes a frame to a chat's subscribers, skipping skipUser's.
func (h *Hub) deliver(chatID, pos int64, frame []byte, skipUser int64) {
	cs := h.chatShard(chatID)
	cs.mu.RLock()
	for c := range cs.subs[chatID] {
		if c.UserID != skipUser {
			c.sub.Push(pos, frame)
		}
	}
	cs.mu.RUnlock()
}

// Events routes committed events (bus.Handler).
func (h *Hub) Events(evs []domain.Event) {
	for i := range evs {
		ev := &evs[i]
		frame := EventFrame(ev)
		if ev.ForUser != 0 {
			h.private(ev, frame)
			continue
		}
		switch ev.Type {
		case domain.EvMemberAdded:
			for _, c := range h.userConns(ev.Target) {
				h.subscribe(c, ev.ChatID)
			}
		case domain.EvChatCreated:
			for _, c := range h.userConns(ev.ActorID) {
				h.subscribe(c, ev.ChatID)
			}
		}
		h.deliver(ev.ChatID, ev.Pos, frame, 0)
		switch ev.Type {
		case domain.EvMemberRemoved, domain.EvMemberLeft:
			for _, c := range h.userConns(ev.Target) {
				h.unsubscribe(c, ev.ChatID)
			}
		}
	}
}

// private delivers an event to its user's connections only, subscribing
// them to a chat they joined or unsubscribing them from one they left.
func (h *Hub) private(ev *domain.Event, frame []byte) {
	for _, c := range h.userConns(ev.ForUser) {
		if ev.Type == domain.EvMemberAdded {
			h.subscribe(c, ev.ChatID)
		}
		c.sub.Push(ev.Pos, frame)
		if ev.Type == domain.EvMemberRemoved || ev.Type == domain.EvMemberLeft {
			h.unsubscribe(c, ev.ChatID)
		}
	}
}

// Signal routes an ephemeral signal (bus.Handler).
func (h *Hub) Signal(s domain.Signal) {
	switch s.Kind {
	case domain.SigTyping:
		frame := mustJSON(struct {
			Type   string `json:"type"`
			ChatID int64  `json:"chat_id"`
			UserID int64  `json:"user_id"`
		}{"typing", s.ChatIDs[0], s.UserID})
		h.deliver(s.ChatIDs[0], 0, frame, s.UserID)
	case domain.SigPresence:
		frame := mustJSON(struct {
			Type     string    `json:"type"`
			UserID   int64     `json:"user_id"`
			Online   bool      `json:"online"`
			LastSeen time.Time `json:"last_seen"`
		}{"presence", s.UserID, s.Online, s.LastSeen})
		for _, id := range s.ChatIDs {
			h.deliver(id, 0, frame, s.UserID)
		}
	case domain.SigCall, domain.SigFrame:
		for _, c := range h.userConns(s.UserID) {
			if s.Conn == "" || connID(c.sub) == s.Conn {
				c.sub.Push(0, s.Frame)
			}
		}
	case domain.SigSessionRevoked:
		for _, c := range h.userConns(s.UserID) {
			if c.SessionID == s.SessionID {
				c.sub.Kick(4003, "session revoked")
			}
		}
	}
}

// connID is a subscriber's connection id, if it has one (a WebSocket's:
// calls are between connections).
func connID(sub Subscriber) string {
	if c, ok := sub.(interface{ ConnID() string }); ok {
		return c.ConnID()
	}
	return ""
}

// EventFrame encodes an event as the WebSocket "event" frame.
func EventFrame(ev *domain.Event) []byte {
	return mustJSON(struct {
		Type  string        `json:"type"`
		Event *domain.Event `json:"event"`
	}{"event", ev})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own plain structs are encoded here
	}
	return b
}
