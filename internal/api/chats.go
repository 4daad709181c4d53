package api

import (
	"net/http"

	"github.com/chapar/chapar/internal/domain"
)

func (s *Server) createChat(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	var req struct {
		Type       string  `json:"type"`
		UserID     int64   `json:"user_id"`
		Title      string  `json:"title"`
		Members    []int64 `json:"members"`
		Username   string  `json:"username"`   // channels
		About      string  `json:"about"`      // channels
		Signatures bool    `json:"signatures"` // channels
	}
	if err := decode(w, r, &req); err != nil {
		s.reply(w, 0, nil, err)
		return
	}
	switch req.Type {
	case "direct":
		if req.Title != "" || req.Members != nil {
			s.reply(w, 0, nil, domain.Invalid("type", "a direct chat takes only user_id"))
			return
		}
		c, created, err := s.svc.CreateDirect(r.Context(), sess.UserID, req.UserID)
		status := http.StatusOK
		if created {
			status = http.StatusCreated
		}
		s.reply(w, status, viewChat(c), err)
	case "channel":
		if req.UserID != 0 || req.Members != nil {
			s.reply(w, 0, nil, domain.Invalid("members", "people subscribe to a channel themselves"))
			return
		}
		c, err := s.svc.CreateChannel(r.Context(), sess.UserID, req.Title,
			domain.ChatInfo{Username: req.Username, About: req.About, Signatures: req.Signatures})
		s.reply(w, http.StatusCreated, viewChat(c), err)
	case "group":
		if req.UserID != 0 {
			s.reply(w, 0, nil, domain.Invalid("user_id", "a group takes members, not user_id"))
			return
		}
		c, err := s.svc.CreateGroup(r.Context(), sess.UserID, req.Title, req.Members)
		s.reply(w, http.StatusCreated, viewChat(c), err)
	default:
		s.reply(w, 0, nil, domain.Invalid("type", `must be "direct", "group" or "channel"`))
	}
}

func (s *Server) chats(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	list, err := s.svc.Chats(r.Context(), sess.UserID)
	out := make([]chatView, 0, len(list))
	for _, c := range list {
		out = append(out, viewChat(c))
	}
	s.reply(w, http.StatusOK, map[string]any{"chats": out}, err)
}

// chat is one of the caller's chats, or the preview of a public chat they
// are not in (joined: false).
func (s *Server) chat(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	id, err := pathID(r, "id", "chat")
	if err != nil {
		s.reply(w, 0, nil, err)
		return
	}
	c, m, err := s.svc.Preview(r.Context(), sess.UserID, id)
	if err != nil || !m.Active() {
		s.preview(w, c, m, err)
		return
	}
	cs, err := s.svc.Chat(r.Context(), sess.UserID, id)
	s.reply(w, http.StatusOK, previewView{chatView: viewChat(cs), Joined: true}, err)
}

func (s *Server) members(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	id, err := pathID(r, "id", "chat")
	after, err2 := queryInt(r, "after", 0)
	limit, err3 := queryInt(r, "limit", 200)
	var list []domain.Member
	if err = firstErr(err, err2, err3); err == nil {
		list, err = s.svc.Members(r.Context(), sess.UserID, id, after, int(limit))
	}
	out := make([]memberView, 0, len(list))
	for _, m := range list {
		out = append(out, viewMember(m))
	}
	s.reply(w, http.StatusOK, map[string]any{"members": out}, err)
}

func (s *Server) addMembers(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	var req struct {
		UserIDs []int64 `json:"user_ids"`
	}
	id, err := pathID(r, "id", "chat")
	if err == nil {
		err = decode(w, r, &req)
	}
	var evs []domain.Event
	if err == nil {
		evs, err = s.svc.AddMembers(r.Context(), sess.UserID, id, req.UserIDs)
	}
	s.reply(w, http.StatusOK, map[string]any{"events": nonNil(evs)}, err)
}

func (s *Server) removeMember(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	id, err := pathID(r, "id", "chat")
	uid, err2 := pathID(r, "uid", "member")
	var evs []domain.Event
	if err = firstErr(err, err2); err == nil {
		evs, err = s.svc.RemoveMember(r.Context(), sess.UserID, id, uid)
	}
	s.reply(w, http.StatusOK, firstEvent(evs), err)
}

func (s *Server) setRole(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	var req struct {
		Role string `json:"role"`
	}
	id, err := pathID(r, "id", "chat")
	uid, err2 := pathID(r, "uid", "member")
	if err = firstErr(err, err2); err == nil {
		err = decode(w, r, &req)
	}
	var evs []domain.Event
	if err == nil {
		evs, err = s.svc.SetRole(r.Context(), sess.UserID, id, uid, domain.Role(req.Role))
	}
	s.reply(w, http.StatusOK, firstEvent(evs), err)
}

func (s *Server) leave(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	id, err := pathID(r, "id", "chat")
	var evs []domain.Event
	if err == nil {
		evs, err = s.svc.Leave(r.Context(), sess.UserID, id)
	}
	s.reply(w, http.StatusOK, firstEvent(evs), err)
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func firstEvent(evs []domain.Event) any {
	if len(evs) == 0 {
		return nil
	}
	return evs[0]
}

func nonNil(evs []domain.Event) []domain.Event {
	if evs == nil {
		return []domain.Event{}
	}
	return evs
}
