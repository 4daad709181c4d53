package api

import (
	"context"
	"net/http"
	"time"

	"github.com/chapar/chapar/internal/domain"
)

// ICEServer is one entry of RTCConfiguration.iceServers, as browsers take
// it.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// ICE gives a signed-in user the STUN/TURN servers for a call, with
// credentials minted for them that expire at the returned time.
type ICE func(ctx context.Context, userID int64) ([]ICEServer, time.Time, error)

// iceServers answers GET /v1/calls/ice-servers (docs/API.md "Calls").
func (s *Server) iceServers(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	if s.ice == nil {
		writeErrorCode(w, http.StatusServiceUnavailable, string(domain.KindUnavailable), "calls are not set up on this server")
		return
	}
	servers, exp, err := s.ice(r.Context(), sess.UserID)
	if err != nil {
		s.writeError(w, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, struct {
		ICEServers []ICEServer `json:"ice_servers"`
		Expires    time.Time   `json:"expires"`
	}{servers, exp.UTC()})
}
