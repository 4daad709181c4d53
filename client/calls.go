package client

import (
	"context"
	"encoding/json"
	"time"
)

// Calls (docs/API.md "Calls"): the WebRTC signalling goes over a Stream;
// the media goes between the two devices, through the STUN/TURN servers of
// ICEServers.

// Call is a call in progress.
type Call struct {
	ID        string    `json:"id"`
	ChatID    int64     `json:"chat_id"`
	CallerID  int64     `json:"caller_id"`
	CalleeID  int64     `json:"callee_id"`
	Video     bool      `json:"video"`
	State     string    `json:"state"` // ringing or active
	CreatedAt time.Time `json:"created_at"`
}

// CallRecord is what a "call" event in a chat says of a call that ended.
type CallRecord struct {
	ID       string  `json:"id"`
	Video    bool    `json:"video,omitempty"`
	Outcome  string  `json:"outcome"` // ended, missed, declined or busy
	Duration float64 `json:"duration,omitempty"`
}

// ICEServer is one entry of WebRTC's iceServers.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// ICEServers returns the STUN/TURN servers to call through, with
// credentials that work until the returned time.
func (c *Client) ICEServers(ctx context.Context) ([]ICEServer, time.Time, error) {
	var r struct {
		ICEServers []ICEServer `json:"ice_servers"`
		Expires    time.Time   `json:"expires"`
	}
	err := c.do(ctx, "GET", "/v1/calls/ice-servers", nil, nil, &r)
	return r.ICEServers, r.Expires, err
}

// Call rings the other member of a direct chat with a WebRTC offer. The
// answer comes as a call_accepted frame; the end as call_ended.
func (s *Stream) Call(ctx context.Context, chatID int64, video bool, offer string) (*Call, error) {
	f, err := s.request(ctx, clientFrame{Type: "call", ChatID: chatID, Video: video, SDP: offer})
	return f.Call, err
}

// AcceptCall answers a ringing call (a call_incoming frame) on this stream.
func (s *Stream) AcceptCall(ctx context.Context, callID, answer string) (*Call, error) {
	f, err := s.request(ctx, clientFrame{Type: "call_accept", CallID: callID, SDP: answer})
	return f.Call, err
}

// HangUp cancels, declines or ends a call.
func (s *Stream) HangUp(ctx context.Context, callID string) error {
	_, err := s.request(ctx, clientFrame{Type: "call_hangup", CallID: callID})
	return err
}

// CallSignal passes data (an ICE candidate, a renegotiation offer or
// answer: any JSON) to the other party, as a call_signal frame.
func (s *Stream) CallSignal(ctx context.Context, callID string, data json.RawMessage) error {
	_, err := s.request(ctx, clientFrame{Type: "call_signal", CallID: callID, Data: data})
	return err
}
