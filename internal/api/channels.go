package api

import (
	"net/http"
	"time"

	"github.com/chapar/chapar/internal/domain"
)

// Groups' and channels' own endpoints: settings, joining, links, requests,
// admin powers, pins, reactions, views and the admin log (docs/API.md
// "Channels and large groups").

// chatPatch is PATCH /v1/chats/{id}: every field optional.
type chatPatch struct {
	Title         *string   `json:"title"`
	Username      *string   `json:"username"`
	About         *string   `json:"about"`
	Signatures    *bool     `json:"signatures"`
	SlowMode      *int      `json:"slow_mode"`
	DefaultRights *[]string `json:"default_rights"`
	LinkedChatID  *int64    `json:"linked_chat_id"`
}

func (s *Server) updateChat(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	var req chatPatch
	id, err := pathID(r, "id", "chat")
	if err == nil {
		err = decode(w, r, &req)
	}
	p := domain.ChatPatch{Title: req.Title, Username: req.Username, About: req.About, Signatures: req.Signatures,
		SlowMode: req.SlowMode, LinkedChatID: req.LinkedChatID}
	if err == nil && req.DefaultRights != nil {
		var rights domain.Rights
		rights, err = domain.ParseRights("default_rights", *req.DefaultRights)
		p.DefaultRights = &rights
	}
	if err == nil {
		_, err = s.svc.UpdateChat(r.Context(), sess.UserID, id, p)
	}
	var c domain.ChatSummary
	if err == nil {
		c, err = s.svc.Chat(r.Context(), sess.UserID, id)
	}
	s.reply(w, http.StatusOK, viewChat(c), err)
}

// previewView is a chat seen from outside (or inside): no personal fields.
type previewView struct {
	chatView
	Joined bool `json:"joined"`
}

func (s *Server) preview(w http.ResponseWriter, c domain.Chat, m domain.Member, err error) {
	v := previewView{chatView: viewChat(domain.ChatSummary{Chat: c}), Joined: m.Active()}
	if m.Active() {
		v.Role = string(m.Role)
	}
	s.reply(w, http.StatusOK, v, err)
}

func (s *Server) resolveChat(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	c, m, err := s.svc.ResolveChat(r.Context(), sess.UserID, r.PathValue("username"))
	s.preview(w, c, m, err)
}

func (s *Server) joinChat(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	id, err := pathID(r, "id", "chat")
	var c domain.ChatSummary
	if err == nil {
		c, err = s.svc.Join(r.Context(), sess.UserID, id)
	}
	s.reply(w, http.StatusOK, viewChat(c), err)
}

type inviteView struct {
	Code          string     `json:"code"`
	ChatID        int64      `json:"chat_id"`
	CreatorID     int64      `json:"creator_id"`
	Name          string     `json:"name,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	ExpiresAt     *time.Time `json:"expires_at,omitempty"`
	UsageLimit    int        `json:"usage_limit,omitempty"`
	Uses          int        `json:"uses"`
	NeedsApproval bool       `json:"needs_approval"`
	Revoked       bool       `json:"revoked"`
}

func viewInvite(i domain.Invite) inviteView {
	v := inviteView{Code: i.Code, ChatID: i.ChatID, CreatorID: i.CreatorID, Name: i.Name, CreatedAt: i.CreatedAt,
		UsageLimit: i.UsageLimit, Uses: i.Uses, NeedsApproval: i.NeedsApproval, Revoked: i.Revoked}
	if !i.ExpiresAt.IsZero() {
		v.ExpiresAt = &i.ExpiresAt
	}
	return v
}

func (s *Server) createInvite(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	var req struct {
		Name          string `json:"name"`
		ExpiresIn     int64  `json:"expires_in"` // seconds; 0: never
		UsageLimit    int    `json:"usage_limit"`
		NeedsApproval bool   `json:"needs_approval"`
	}
	id, err := pathID(r, "id", "chat")
	if err == nil {
		err = decode(w, r, &req)
	}
	if err == nil && (req.ExpiresIn < 0 || req.ExpiresIn > 366*24*3600) {
		err = domain.Invalid("expires_in", "must be 0 (never) up to a year, in seconds")
	}
	var inv domain.Invite
	if err == nil {
		inv, err = s.svc.CreateInvite(r.Context(), sess.UserID, id, domain.InviteRequest{Name: req.Name,
			ExpiresIn: time.Duration(req.ExpiresIn) * time.Second, UsageLimit: req.UsageLimit, NeedsApproval: req.NeedsApproval})
	}
	s.reply(w, http.StatusCreated, viewInvite(inv), err)
}

func (s *Server) invites(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	id, err := pathID(r, "id", "chat")
	var list []domain.Invite
	if err == nil {
		list, err = s.svc.Invites(r.Context(), sess.UserID, id)
	}
	out := make([]inviteView, 0, len(list))
	for _, i := range list {
		out = append(out, viewInvite(i))
	}
	s.reply(w, http.StatusOK, map[string]any{"invites": out}, err)
}

func (s *Server) revokeInvite(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	id, err := pathID(r, "id", "chat")
	if err == nil {
		err = s.svc.RevokeInvite(r.Context(), sess.UserID, id, r.PathValue("code"))
	}
	s.reply(w, http.StatusNoContent, nil, err)
}

func (s *Server) invitePreview(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	c, inv, joined, err := s.svc.InvitePreview(r.Context(), sess.UserID, r.PathValue("code"))
	v := previewView{chatView: viewChat(domain.ChatSummary{Chat: c}), Joined: joined}
	s.reply(w, http.StatusOK, map[string]any{"chat": v, "needs_approval": inv.NeedsApproval}, err)
}

func (s *Server) joinByInvite(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	c, pending, err := s.svc.JoinByInvite(r.Context(), sess.UserID, r.PathValue("code"))
	if pending {
		s.reply(w, http.StatusAccepted, map[string]any{"pending": true, "chat_id": c.ID}, err)
		return
	}
	s.reply(w, http.StatusOK, viewChat(c), err)
}

func (s *Server) joinRequests(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	id, err := pathID(r, "id", "chat")
	limit, err2 := queryInt(r, "limit", 100)
	var list []domain.JoinRequest
	if err = firstErr(err, err2); err == nil {
		list, err = s.svc.JoinRequests(r.Context(), sess.UserID, id, int(limit))
	}
	type requestView struct {
		UserID int64     `json:"user_id"`
		Date   time.Time `json:"date"`
	}
	out := make([]requestView, 0, len(list))
	for _, j := range list {
		out = append(out, requestView{j.UserID, j.Date})
	}
	s.reply(w, http.StatusOK, map[string]any{"requests": out}, err)
}

func (s *Server) decideRequest(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	var req struct {
		Approve *bool `json:"approve"`
	}
	id, err := pathID(r, "id", "chat")
	uid, err2 := pathID(r, "uid", "request")
	if err = firstErr(err, err2); err == nil {
		err = decode(w, r, &req)
	}
	if err == nil && req.Approve == nil {
		err = domain.Invalid("approve", "must be true or false")
	}
	var evs []domain.Event
	if err == nil {
		evs, err = s.svc.DecideJoinRequest(r.Context(), sess.UserID, id, uid, *req.Approve)
	}
	s.reply(w, http.StatusOK, map[string]any{"events": nonNil(evs)}, err)
}

// untilBody is how bans and restrictions say how long they last.
type untilBody struct {
	Until *time.Time `json:"until"` // absent or null: forever
}

func (u untilBody) time() time.Time {
	if u.Until == nil {
		return time.Time{}
	}
	return u.Until.UTC()
}

func (s *Server) ban(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	var req untilBody
	id, err := pathID(r, "id", "chat")
	uid, err2 := pathID(r, "uid", "user")
	if err = firstErr(err, err2); err == nil {
		err = decode(w, r, &req)
	}
	var evs []domain.Event
	if err == nil {
		evs, err = s.svc.Ban(r.Context(), sess.UserID, id, uid, req.time())
	}
	s.reply(w, http.StatusOK, map[string]any{"events": nonNil(evs)}, err)
}

func (s *Server) bans(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	id, err := pathID(r, "id", "chat")
	var list []domain.Member
	if err == nil {
		list, err = s.svc.Bans(r.Context(), sess.UserID, id)
	}
	type banView struct {
		UserID int64      `json:"user_id"`
		Until  *time.Time `json:"until,omitempty"`
	}
	out := make([]banView, 0, len(list))
	for _, m := range list {
		v := banView{UserID: m.UserID}
		if !m.Until.IsZero() {
			v.Until = &m.Until
		}
		out = append(out, v)
	}
	s.reply(w, http.StatusOK, map[string]any{"bans": out}, err)
}

func (s *Server) unban(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	id, err := pathID(r, "id", "chat")
	uid, err2 := pathID(r, "uid", "user")
	if err = firstErr(err, err2); err == nil {
		err = s.svc.Unban(r.Context(), sess.UserID, id, uid)
	}
	s.reply(w, http.StatusNoContent, nil, err)
}

func (s *Server) restrict(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	var req struct {
		untilBody
		Denied []string `json:"denied"`
	}
	id, err := pathID(r, "id", "chat")
	uid, err2 := pathID(r, "uid", "member")
	if err = firstErr(err, err2); err == nil {
		err = decode(w, r, &req)
	}
	var denied domain.Rights
	if err == nil {
		denied, err = domain.ParseRights("denied", req.Denied)
	}
	var ev domain.Event
	if err == nil {
		ev, err = s.svc.Restrict(r.Context(), sess.UserID, id, uid, denied, req.time())
	}
	s.reply(w, http.StatusOK, ev, err)
}

func (s *Server) setAdmin(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	var req struct {
		Rights []string `json:"rights"`
	}
	id, err := pathID(r, "id", "chat")
	uid, err2 := pathID(r, "uid", "member")
	if err = firstErr(err, err2); err == nil {
		err = decode(w, r, &req)
	}
	var rights domain.Rights
	if err == nil {
		rights, err = domain.ParseRights("rights", req.Rights)
	}
	var ev domain.Event
	if err == nil {
		ev, err = s.svc.SetAdmin(r.Context(), sess.UserID, id, uid, rights)
	}
	s.reply(w, http.StatusOK, ev, err)
}

func (s *Server) pin(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	var req struct {
		Seq int64 `json:"seq"`
	}
	id, err := pathID(r, "id", "chat")
	if err == nil {
		err = decode(w, r, &req)
	}
	var ev domain.Event
	if err == nil {
		ev, err = s.svc.Pin(r.Context(), sess.UserID, id, req.Seq)
	}
	s.reply(w, http.StatusOK, ev, err)
}

func (s *Server) react(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	var req struct {
		Emoji string `json:"emoji"`
	}
	id, err := pathID(r, "id", "chat")
	seq, err2 := pathID(r, "seq", "message")
	if err = firstErr(err, err2); err == nil {
		err = decode(w, r, &req)
	}
	var stats []domain.MessageStats
	if err == nil {
		err = s.svc.React(r.Context(), sess.UserID, id, seq, req.Emoji)
	}
	if err == nil {
		stats, err = s.svc.Stats(r.Context(), sess.UserID, id, []int64{seq}, false)
	}
	var out any
	if len(stats) == 1 {
		out = stats[0]
	}
	s.reply(w, http.StatusOK, out, err)
}

func (s *Server) stats(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	var req struct {
		Seqs []int64 `json:"seqs"`
		View bool    `json:"view"`
	}
	id, err := pathID(r, "id", "chat")
	if err == nil {
		err = decode(w, r, &req)
	}
	var stats []domain.MessageStats
	if err == nil {
		stats, err = s.svc.Stats(r.Context(), sess.UserID, id, req.Seqs, req.View)
	}
	if stats == nil {
		stats = []domain.MessageStats{}
	}
	s.reply(w, http.StatusOK, map[string]any{"stats": stats}, err)
}

func (s *Server) adminLog(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	id, err := pathID(r, "id", "chat")
	before, err2 := queryInt(r, "before", 0)
	limit, err3 := queryInt(r, "limit", 50)
	var list []domain.LogEntry
	if err = firstErr(err, err2, err3); err == nil {
		list, err = s.svc.AdminLog(r.Context(), sess.UserID, id, before, int(limit))
	}
	if list == nil {
		list = []domain.LogEntry{}
	}
	s.reply(w, http.StatusOK, map[string]any{"entries": list}, err)
}

func (s *Server) searchDirectory(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	limit, err := queryInt(r, "limit", 20)
	var users []domain.User
	var chats []domain.Chat
	if err == nil {
		users, chats, err = s.svc.SearchDirectory(r.Context(), sess.UserID, r.URL.Query().Get("q"), int(limit))
	}
	uv := make([]userView, 0, len(users))
	for _, u := range users {
		uv = append(uv, s.userView(u, u.ID == sess.UserID))
	}
	cv := make([]chatView, 0, len(chats))
	for _, c := range chats {
		cv = append(cv, viewChat(domain.ChatSummary{Chat: c}))
	}
	s.reply(w, http.StatusOK, map[string]any{"users": uv, "chats": cv}, err)
}

func (s *Server) searchPublic(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	limit, err := queryInt(r, "limit", 20)
	offset, err2 := queryInt(r, "offset", 0)
	var evs []domain.Event
	if err = firstErr(err, err2); err == nil {
		evs, err = s.svc.SearchPublic(r.Context(), sess.UserID, r.URL.Query().Get("q"), int(limit), int(offset))
	}
	body := map[string]any{"messages": nonNil(evs)}
	if len(evs) == int(limit) {
		body["next_offset"] = offset + limit
	}
	s.reply(w, http.StatusOK, body, err)
}
