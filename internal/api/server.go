// Package api is chapar's HTTP and WebSocket transport: it decodes
// requests, authenticates the caller, calls the domain and encodes the
// answer. It holds no rules of its own.
package api

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/chapar/chapar/internal/botapi"
	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/hub"
	"github.com/chapar/chapar/internal/media"
	"github.com/chapar/chapar/internal/ws"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Server serves the API.
type Server struct {
	svc     *domain.Service
	hub     *hub.Hub
	ws      *ws.Server
	log     *slog.Logger
	metrics *Metrics
	reg     *prometheus.Registry
	ready   atomic.Bool
	mux     *http.ServeMux
	media   *media.Service // nil: media endpoints answer 503
	ice     ICE            // nil: calls have no STUN/TURN servers (503)
	bots    *botapi.Server // the Bot API (/bot<token>/<method>), or nil
}

// Options configure a Server.
type Options struct {
	Log      *slog.Logger
	WS       ws.Config
	Registry *prometheus.Registry // where metrics are registered; a new one if nil
	Metrics  *Metrics             // made with NewMetrics(Registry); made here if nil
	// Web, if set, serves the web client at "/".
	Web http.Handler
	// Media, if set, serves uploads and downloads.
	Media *media.Service
	// ICE, if set, gives callers their STUN/TURN servers.
	ICE ICE
	// Bots, if set, serves the Bot API at /bot<token>/<method>.
	Bots *botapi.Server
}

// New wires the API over a service and a hub.
func New(svc *domain.Service, h *hub.Hub, opt Options) *Server {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Registry == nil {
		opt.Registry = prometheus.NewRegistry()
	}
	s := &Server{svc: svc, hub: h, ws: ws.NewServer(opt.WS), log: opt.Log, reg: opt.Registry, mux: http.NewServeMux(),
		media: opt.Media, ice: opt.ICE}
	if opt.Bots != nil {
		s.bots = opt.Bots
	}
	if opt.Metrics == nil {
		opt.Metrics = NewMetrics(opt.Registry)
	}
	s.metrics = opt.Metrics
	registerSocketGauge(opt.Registry, s.ws)
	s.routes(opt.Web)
	return s
}

// SetReady flips /healthz to 200 (or back to 503 when stopping).
func (s *Server) SetReady(ok bool) { s.ready.Store(ok) }

// Handler is the root HTTP handler.
func (s *Server) Handler() http.Handler {
	if s.bots == nil {
		return s.mux
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if botapi.Handles(r.URL.Path) {
			s.bots.ServeHTTP(w, r)
			return
		}
		if botapi.HandlesFile(r.URL.Path) {
			s.bots.ServeFile(w, r)
			return
		}
		s.mux.ServeHTTP(w, r)
	})
}

// CloseSockets closes every WebSocket (code 1001), at shutdown.
func (s *Server) CloseSockets() { s.ws.Shutdown(1001, "server shutting down") }

func (s *Server) routes(web http.Handler) {
	m := s.mux
	m.HandleFunc("GET /healthz", s.healthz)
	m.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))

	s.mediaRoutes(m)
	m.HandleFunc("POST /v1/auth/register", s.register)
	m.HandleFunc("POST /v1/auth/login", s.login)
	m.HandleFunc("POST /v1/auth/phone/start", s.phoneStart)
	m.HandleFunc("POST /v1/auth/phone/verify", s.phoneVerify)
	m.HandleFunc("POST /v1/auth/logout", s.authed(s.logout))
	m.HandleFunc("GET /v1/sessions", s.authed(s.sessions))
	m.HandleFunc("DELETE /v1/sessions/{id}", s.authed(s.revokeSession))
	m.HandleFunc("GET /v1/me", s.authed(s.me))
	m.HandleFunc("PATCH /v1/me", s.authed(s.updateMe))
	m.HandleFunc("GET /v1/users/{id}", s.authed(s.user))
	m.HandleFunc("GET /v1/users/by-username/{username}", s.authed(s.userByUsername))
	m.HandleFunc("GET /v1/blocks", s.authed(s.blocks))
	m.HandleFunc("PUT /v1/blocks/{id}", s.authed(s.block))
	m.HandleFunc("DELETE /v1/blocks/{id}", s.authed(s.unblock))

	m.HandleFunc("POST /v1/chats", s.authed(s.createChat))
	m.HandleFunc("GET /v1/chats", s.authed(s.chats))
	m.HandleFunc("GET /v1/chats/{id}", s.authed(s.chat))
	m.HandleFunc("PATCH /v1/chats/{id}", s.authed(s.updateChat))
	m.HandleFunc("GET /v1/resolve/{username}", s.authed(s.resolveChat))
	m.HandleFunc("POST /v1/chats/{id}/join", s.authed(s.joinChat))
	m.HandleFunc("POST /v1/chats/{id}/invites", s.authed(s.createInvite))
	m.HandleFunc("GET /v1/chats/{id}/invites", s.authed(s.invites))
	m.HandleFunc("DELETE /v1/chats/{id}/invites/{code}", s.authed(s.revokeInvite))
	m.HandleFunc("GET /v1/invites/{code}", s.authed(s.invitePreview))
	m.HandleFunc("POST /v1/invites/{code}/join", s.authed(s.joinByInvite))
	m.HandleFunc("GET /v1/chats/{id}/requests", s.authed(s.joinRequests))
	m.HandleFunc("POST /v1/chats/{id}/requests/{uid}", s.authed(s.decideRequest))
	m.HandleFunc("GET /v1/chats/{id}/bans", s.authed(s.bans))
	m.HandleFunc("PUT /v1/chats/{id}/bans/{uid}", s.authed(s.ban))
	m.HandleFunc("DELETE /v1/chats/{id}/bans/{uid}", s.authed(s.unban))
	m.HandleFunc("PUT /v1/chats/{id}/members/{uid}/restrict", s.authed(s.restrict))
	m.HandleFunc("PUT /v1/chats/{id}/members/{uid}/admin", s.authed(s.setAdmin))
	m.HandleFunc("POST /v1/chats/{id}/pin", s.authed(s.pin))
	m.HandleFunc("PUT /v1/chats/{id}/messages/{seq}/reaction", s.authed(s.react))
	m.HandleFunc("POST /v1/chats/{id}/stats", s.authed(s.stats))
	m.HandleFunc("GET /v1/chats/{id}/log", s.authed(s.adminLog))
	m.HandleFunc("GET /v1/chats/{id}/members", s.authed(s.members))
	m.HandleFunc("POST /v1/chats/{id}/members", s.authed(s.addMembers))
	m.HandleFunc("DELETE /v1/chats/{id}/members/{uid}", s.authed(s.removeMember))
	m.HandleFunc("PUT /v1/chats/{id}/members/{uid}/role", s.authed(s.setRole))
	m.HandleFunc("POST /v1/chats/{id}/leave", s.authed(s.leave))
	m.HandleFunc("POST /v1/chats/{id}/messages", s.authed(s.send))
	m.HandleFunc("GET /v1/chats/{id}/messages", s.authed(s.history))
	m.HandleFunc("PATCH /v1/chats/{id}/messages/{seq}", s.authed(s.edit))
	m.HandleFunc("DELETE /v1/chats/{id}/messages/{seq}", s.authed(s.deleteMessage))
	m.HandleFunc("POST /v1/chats/{id}/messages/{seq}/callback", s.authed(s.pressButton))
	m.HandleFunc("POST /v1/chats/{id}/read", s.authed(s.markRead))
	m.HandleFunc("POST /v1/chats/{id}/typing", s.authed(s.typing))
	m.HandleFunc("GET /v1/calls/ice-servers", s.authed(s.iceServers))
	m.HandleFunc("POST /v1/bots", s.authed(s.createBot))
	m.HandleFunc("GET /v1/bots", s.authed(s.listBots))
	m.HandleFunc("PATCH /v1/bots/{id}", s.authed(s.updateBot))
	m.HandleFunc("POST /v1/bots/{id}/token", s.authed(s.renewBotToken))

	m.HandleFunc("GET /v1/search/messages", s.authed(s.searchMessages))
	m.HandleFunc("GET /v1/search/directory", s.authed(s.searchDirectory))
	m.HandleFunc("GET /v1/search/public", s.authed(s.searchPublic))
	m.HandleFunc("GET /v1/updates", s.authed(s.updates))
	m.HandleFunc("GET /v1/ws", s.socket)

	m.HandleFunc("/v1/", s.notFound)
	if web != nil {
		m.Handle("/", web)
	} else {
		m.HandleFunc("/", s.notFound)
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() {
		writeErrorCode(w, http.StatusServiceUnavailable, string(domain.KindUnavailable), "not ready")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// notFound answers unknown paths — and known paths with the wrong method,
// which the mux would otherwise answer in plain text.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	if _, pattern := s.mux.Handler(withMethod(r, "GET")); pattern != "" && pattern != "/v1/" && pattern != "/" {
		writeErrorCode(w, http.StatusMethodNotAllowed, codeMethodNotAllowed, "method not allowed")
		return
	}
	for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
		if _, pattern := s.mux.Handler(withMethod(r, m)); pattern != "" && pattern != "/v1/" && pattern != "/" {
			writeErrorCode(w, http.StatusMethodNotAllowed, codeMethodNotAllowed, "method not allowed")
			return
		}
	}
	writeErrorCode(w, http.StatusNotFound, string(domain.KindNotFound), "no such endpoint")
}

func withMethod(r *http.Request, m string) *http.Request {
	r2 := r.Clone(context.Background())
	r2.Method = m
	return r2
}

// authed wraps a handler that needs a signed-in caller.
func (s *Server) authed(h func(w http.ResponseWriter, r *http.Request, sess domain.Session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || token == "" {
			writeErrorCode(w, http.StatusUnauthorized, string(domain.KindUnauth), "missing bearer token")
			return
		}
		sess, err := s.svc.Authenticate(r.Context(), token)
		if err != nil {
			s.writeError(w, err)
			return
		}
		h(w, r, sess)
	}
}

// clientAddr is the peer's IP, for rate limits.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// handle runs the common tail of a handler: an error, or a JSON answer.
func (s *Server) reply(w http.ResponseWriter, status int, v any, err error) {
	if err != nil {
		if err == errUnsupportedType {
			writeErrorCode(w, http.StatusUnsupportedMediaType, codeUnsupportedType, "send application/json")
			return
		}
		s.writeError(w, err)
		return
	}
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	writeJSON(w, status, v)
}
