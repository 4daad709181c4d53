package domain

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"sync"
	"time"
)

// Calls: 1:1 voice and video calls over WebRTC. Chapar carries the
// signalling (offer, answer, ICE candidates) between the two devices and
// keeps each call's state in the store, so that any node can take any
// step: one device of the callee accepts (a conditional update), a user is
// in at most one call (a row per party), and a call's end is written once,
// as a "call" event in the chat (docs/ARCHITECTURE.md "Calls").

// Call states.
const (
	CallRinging = "ringing"
	CallActive  = "active"
	CallEnded   = "ended"
)

// Call outcomes, as the chat's call event records them.
const (
	CallOutcomeEnded    = "ended"    // answered, then hung up: Duration is set
	CallOutcomeMissed   = "missed"   // not answered: the caller gave up, or it rang out, or the callee was offline
	CallOutcomeDeclined = "declined" // the callee said no
	CallOutcomeBusy     = "busy"     // the callee was in another call
)

// EvCall is a call's record in its chat, written when the call ends.
const EvCall = "call"

// CallRecord is what a call event says.
type CallRecord struct {
	ID       string  `json:"id"`
	Video    bool    `json:"video,omitempty"`
	Outcome  string  `json:"outcome"`
	Duration float64 `json:"duration,omitempty"` // seconds, from answer to hang-up
}

// Call is one call's state. A device is one WebSocket connection (its
// conn id, given in the welcome frame).
type Call struct {
	ID         string    `json:"id"`
	ChatID     int64     `json:"chat_id"`
	CallerID   int64     `json:"caller_id"`
	CalleeID   int64     `json:"callee_id"`
	Video      bool      `json:"video"`
	State      string    `json:"state"`
	CallerConn string    `json:"-"`
	CalleeConn string    `json:"-"` // the device that accepted
	CreatedAt  time.Time `json:"created_at"`
	AnsweredAt time.Time `json:"-"`
	SeenAt     time.Time `json:"-"` // last sign that a party's node still holds the call
}

// CallStore keeps calls in progress.
type CallStore interface {
	// StartCall stores a ringing call unless its caller or callee is in a
	// call already: then nothing is stored and busy is that user's id.
	StartCall(ctx context.Context, c Call) (busy int64, err error)
	// AcceptCall makes a ringing call of userID's active, answered on
	// conn. KindNotFound if no such call is userID's to answer;
	// KindConflict if it is no longer ringing.
	AcceptCall(ctx context.Context, id string, userID int64, conn string, at time.Time) (Call, error)
	// EndCall ends a call that has not ended, freeing its parties; ended
	// is false if it had (another step ended it first).
	EndCall(ctx context.Context, id string) (c Call, ended bool, err error)
	// Call returns a call in progress, or KindNotFound.
	Call(ctx context.Context, id string) (Call, error)
	// CallsOfConn lists the calls in progress with conn as a party.
	CallsOfConn(ctx context.Context, conn string) ([]Call, error)
	// StaleCalls lists calls ringing since before ringing, or active and
	// not seen since before seen.
	StaleCalls(ctx context.Context, ringing, seen time.Time, limit int) ([]Call, error)
	// TouchCalls records that the calls are still held.
	TouchCalls(ctx context.Context, ids []string, at time.Time) error
}

// Call limits.
const (
	RingTimeout    = 45 * time.Second // unanswered for this long: missed
	callSeenEvery  = 20 * time.Second // a node touches the calls it holds this often
	callStaleAfter = 90 * time.Second // an active call nobody touched for this long has lost its node
	maxSDP         = 32 << 10         // bytes of an offer or answer (a frame holds 64 KiB)
	maxSignal      = 16 << 10         // bytes of one relayed ICE candidate or renegotiation message
)

// SigCall carries a call frame to one user's devices (Signal.Conn empty)
// or to one device.
const SigCall SignalKind = 100

// callFrame is a frame the server sends about a call (docs/API.md "Calls").
type callFrame struct {
	Type     string          `json:"type"`
	Call     *Call           `json:"call,omitempty"`
	CallID   string          `json:"call_id,omitempty"`
	SDP      string          `json:"sdp,omitempty"`
	Outcome  string          `json:"outcome,omitempty"`
	Duration float64         `json:"duration,omitempty"`
	Data     json.RawMessage `json:"data,omitempty"`
}

func (s *Service) signalCall(userID int64, conn string, f callFrame) {
	b, err := json.Marshal(f)
	if err != nil {
		s.log.Error("encode call frame", "err", err)
		return
	}
	s.notify.Notify(Signal{Kind: SigCall, UserID: userID, Conn: conn, Frame: b})
}

// heldCalls are the calls with a party's device on this node, touched
// every callSeenEvery so that other nodes know they are alive.
type heldCalls struct {
	mu  sync.Mutex
	ids map[string]struct{}
}

func (h *heldCalls) add(id string) {
	h.mu.Lock()
	if h.ids == nil {
		h.ids = make(map[string]struct{})
	}
	h.ids[id] = struct{}{}
	h.mu.Unlock()
}

func (h *heldCalls) remove(id string) {
	h.mu.Lock()
	delete(h.ids, id)
	h.mu.Unlock()
}

func (h *heldCalls) list() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]string, 0, len(h.ids))
	for id := range h.ids {
		out = append(out, id)
	}
	return out
}

// StartCall calls the other member of a direct chat from the device conn,
// with the caller's WebRTC offer. Every device of the callee rings (a
// call_incoming frame). A callee who is offline or in another call is not
// rung: the caller gets KindPeerOffline or KindBusy, and the chat a missed
// or busy call.
func (s *Service) StartCall(ctx context.Context, userID int64, conn string, chatID int64, video bool, offer string) (Call, error) {
	if conn == "" {
		return Call{}, Errorf(KindBadRequest, "calls are made over the WebSocket")
	}
	if offer == "" || len(offer) > maxSDP {
		return Call{}, Invalid("sdp", "the offer is required, at most %d bytes", maxSDP)
	}
	if err := s.limit(s.callLimit, userID); err != nil {
		return Call{}, err
	}
	mem, err := s.member(ctx, chatID, userID)
	if err != nil {
		return Call{}, err
	}
	chat, err := s.store.Chat(ctx, chatID)
	if err != nil {
		return Call{}, err
	}
	if chat.Type != ChatDirect {
		return Call{}, Errorf(KindBadRequest, "calls are between two people: only a direct chat can be called")
	}
	sum, err := s.store.ChatSummary(ctx, chatID, userID)
	if err != nil {
		return Call{}, err
	}
	peer := sum.PeerID
	if peer == 0 || peer == userID {
		return Call{}, Errorf(KindBadRequest, "nobody to call in this chat")
	}
	if blocked, err := s.store.BlockedEither(ctx, userID, peer); err != nil || blocked || mem.Blocked {
		return Call{}, cmpErr(err, Errorf(KindBlocked, "this user cannot be called"))
	}
	c := Call{ID: newCallID(), ChatID: chatID, CallerID: userID, CalleeID: peer, Video: video, State: CallRinging,
		CallerConn: conn, CreatedAt: s.now().UTC()}
	busy, err := s.store.StartCall(ctx, c)
	switch {
	case err != nil:
		return Call{}, err
	case busy == userID:
		return Call{}, Errorf(KindConflict, "you are in a call already")
	case busy != 0:
		s.recordCall(ctx, c, CallOutcomeBusy, 0)
		return Call{}, Errorf(KindBusy, "the other side is in another call")
	case !s.presence.Online(peer):
		if _, _, err := s.store.EndCall(ctx, c.ID); err != nil {
			return Call{}, err
		}
		s.recordCall(ctx, c, CallOutcomeMissed, 0)
		return Call{}, Errorf(KindPeerOffline, "the other side is not online")
	}
	s.held.add(c.ID)
	s.signalCall(peer, "", callFrame{Type: "call_incoming", Call: &c, SDP: offer})
	return c, nil
}

// AcceptCall answers a ringing call on the device conn with its WebRTC
// answer. The caller gets it; the callee's other devices stop ringing.
func (s *Service) AcceptCall(ctx context.Context, userID int64, conn, callID, answer string) (Call, error) {
	if conn == "" {
		return Call{}, Errorf(KindBadRequest, "calls are answered over the WebSocket")
	}
	if answer == "" || len(answer) > maxSDP {
		return Call{}, Invalid("sdp", "the answer is required, at most %d bytes", maxSDP)
	}
	c, err := s.store.AcceptCall(ctx, callID, userID, conn, s.now().UTC())
	if err != nil {
		return Call{}, err
	}
	s.held.add(c.ID)
	s.signalCall(c.CallerID, c.CallerConn, callFrame{Type: "call_accepted", CallID: c.ID, SDP: answer})
	s.signalCall(c.CalleeID, "", callFrame{Type: "call_taken", CallID: c.ID})
	return c, nil
}

// HangUp ends a call from either side: the caller cancelling a ringing
// call (missed), the callee declining it, or either party ending an
// answered one.
func (s *Service) HangUp(ctx context.Context, userID int64, callID string) error {
	c, err := s.store.Call(ctx, callID)
	if err != nil || (c.CallerID != userID && c.CalleeID != userID) {
		return Errorf(KindNotFound, "call not found")
	}
	outcome := CallOutcomeEnded
	if c.State == CallRinging {
		outcome = CallOutcomeMissed
		if userID == c.CalleeID {
			outcome = CallOutcomeDeclined
		}
	}
	return s.endCall(ctx, c.ID, outcome)
}

// CallSignal relays an ICE candidate or a renegotiation message (data,
// opaque JSON) from one party's device to the other's. While a call rings,
// the caller's go to every device of the callee (one of them will answer).
func (s *Service) CallSignal(ctx context.Context, userID int64, conn, callID string, data json.RawMessage) error {
	if len(data) == 0 || len(data) > maxSignal || !json.Valid(data) {
		return Invalid("data", "a JSON value of at most %d bytes is required", maxSignal)
	}
	if err := s.limit(s.signalLimit, userID); err != nil {
		return err
	}
	c, err := s.store.Call(ctx, callID)
	if err != nil {
		return Errorf(KindNotFound, "call not found")
	}
	f := callFrame{Type: "call_signal", CallID: c.ID, Data: data}
	switch {
	case userID == c.CallerID && conn == c.CallerConn:
		to := c.CalleeConn
		if c.State == CallRinging {
			to = ""
		}
		s.signalCall(c.CalleeID, to, f)
	case userID == c.CalleeID && c.State == CallActive && conn == c.CalleeConn:
		s.signalCall(c.CallerID, c.CallerConn, f)
	default:
		return Errorf(KindNotFound, "call not found")
	}
	return nil
}

// ConnClosed ends the calls a closed connection was a party to: a call
// lives as long as its devices' signalling does.
func (s *Service) ConnClosed(ctx context.Context, conn string) {
	calls, err := s.store.CallsOfConn(ctx, conn)
	if err != nil {
		s.log.Warn("calls of a closed connection", "err", err)
		return
	}
	for _, c := range calls {
		outcome := CallOutcomeEnded
		if c.State == CallRinging {
			outcome = CallOutcomeMissed
		}
		if err := s.endCall(ctx, c.ID, outcome); err != nil {
			s.log.Warn("end call", "call", c.ID, "err", err)
		}
	}
}

// SweepCalls ends calls that rang out, and active calls whose node went
// away (not touched for callStaleAfter); it touches the calls this node
// holds. Every node runs it every few seconds.
func (s *Service) SweepCalls(ctx context.Context) error {
	now := s.now().UTC()
	if ids := s.held.list(); len(ids) > 0 {
		if err := s.store.TouchCalls(ctx, ids, now); err != nil {
			return err
		}
	}
	stale, err := s.store.StaleCalls(ctx, now.Add(-RingTimeout), now.Add(-callStaleAfter), 100)
	if err != nil {
		return err
	}
	for _, c := range stale {
		outcome := CallOutcomeEnded
		if c.State == CallRinging {
			outcome = CallOutcomeMissed
		}
		if err := s.endCall(ctx, c.ID, outcome); err != nil {
			return err
		}
	}
	return nil
}

// CallSeenEvery is how often SweepCalls should run.
const CallSeenEvery = callSeenEvery

// endCall ends a call once: its parties' devices are told, and its record
// is written to the chat.
func (s *Service) endCall(ctx context.Context, id, outcome string) error {
	c, ended, err := s.store.EndCall(ctx, id)
	s.held.remove(id)
	if err != nil || !ended {
		return err
	}
	var d float64
	if outcome == CallOutcomeEnded && !c.AnsweredAt.IsZero() {
		end := s.now()
		if end.Sub(c.SeenAt) > callStaleAfter { // its node died: it lasted until last seen
			end = c.SeenAt
		}
		d = end.Sub(c.AnsweredAt).Round(time.Second).Seconds()
	}
	f := callFrame{Type: "call_ended", CallID: c.ID, Outcome: outcome, Duration: d}
	s.signalCall(c.CallerID, c.CallerConn, f)
	s.signalCall(c.CalleeID, c.CalleeConn, f) // while ringing: every device
	s.recordCall(ctx, c, outcome, d)
	return nil
}

// recordCall writes a call's record into its chat, as the caller's. The
// client id makes it once only, should two nodes get this far.
func (s *Service) recordCall(ctx context.Context, c Call, outcome string, d float64) {
	rec := &CallRecord{ID: c.ID, Video: c.Video, Outcome: outcome, Duration: d}
	_, _, err := s.store.AppendMessage(context.WithoutCancel(ctx), NewMessage{ChatID: c.ChatID, SenderID: c.CallerID,
		ClientID: "call:" + c.ID, Call: rec})
	if err != nil {
		s.log.Warn("record call", "call", c.ID, "err", err)
	}
}

// limit counts one action of userID against l.
func (s *Service) limit(l *limiter, userID int64) error {
	key := strconv.FormatInt(userID, 10)
	if no, wait := l.blocked(key); no {
		return rateLimited(wait)
	}
	l.hit(key)
	return nil
}

// NewConnID is a random id for a connection, unique across nodes.
func NewConnID() string { return newCallID()[:16] }

func newCallID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// cmpErr is err if there is one, else alt.
func cmpErr(err, alt error) error {
	if err != nil {
		return err
	}
	return alt
}
