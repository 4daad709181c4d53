package api

import (
	"net/http"

	"github.com/chapar/chapar/internal/domain"
)

func (s *Server) authView(a domain.Auth, showNew bool) authView {
	v := authView{User: s.userView(a.User, true), Session: viewSession(a.Session, a.Session.ID), Token: a.Token}
	if showNew {
		v.NewUser = &a.NewUser
	}
	return v
}

func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Username    string `json:"username"`
		Password    string `json:"password"`
		DisplayName string `json:"display_name"`
		Device      string `json:"device"`
	}
	if err := decode(w, r, &req); err != nil {
		s.reply(w, 0, nil, err)
		return
	}
	a, err := s.svc.Register(r.Context(), req.Username, req.Password, req.DisplayName, req.Device)
	s.reply(w, http.StatusCreated, s.authView(a, false), err)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Username string `json:"username"`
		Password string `json:"password"`
		Device   string `json:"device"`
	}
	if err := decode(w, r, &req); err != nil {
		s.reply(w, 0, nil, err)
		return
	}
	a, err := s.svc.Login(r.Context(), req.Username, req.Password, req.Device, clientAddr(r))
	s.reply(w, http.StatusOK, s.authView(a, false), err)
}

func (s *Server) phoneStart(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Phone string `json:"phone"`
	}
	if err := decode(w, r, &req); err != nil {
		s.reply(w, 0, nil, err)
		return
	}
	err := s.svc.PhoneStart(r.Context(), req.Phone, clientAddr(r))
	s.reply(w, http.StatusOK, map[string]int{"expires_in": int(s.svc.Config().PhoneCodeTTL.Seconds())}, err)
}

func (s *Server) phoneVerify(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Phone       string `json:"phone"`
		Code        string `json:"code"`
		Device      string `json:"device"`
		DisplayName string `json:"display_name"`
	}
	if err := decode(w, r, &req); err != nil {
		s.reply(w, 0, nil, err)
		return
	}
	a, err := s.svc.PhoneVerify(r.Context(), req.Phone, req.Code, req.DisplayName, req.Device, clientAddr(r))
	s.reply(w, http.StatusOK, s.authView(a, true), err)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	s.reply(w, http.StatusNoContent, nil, s.svc.Logout(r.Context(), sess))
}

func (s *Server) sessions(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	list, err := s.svc.Sessions(r.Context(), sess.UserID)
	out := make([]sessionView, 0, len(list))
	for _, x := range list {
		out = append(out, viewSession(x, sess.ID))
	}
	s.reply(w, http.StatusOK, map[string]any{"sessions": out}, err)
}

func (s *Server) revokeSession(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	id, err := pathID(r, "id", "session")
	if err == nil {
		err = s.svc.RevokeSession(r.Context(), sess.UserID, id)
	}
	s.reply(w, http.StatusNoContent, nil, err)
}

func (s *Server) me(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	u, err := s.svc.User(r.Context(), sess.UserID)
	s.reply(w, http.StatusOK, s.userView(u, true), err)
}

func (s *Server) updateMe(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	var req struct {
		DisplayName *string `json:"display_name"`
		Bio         *string `json:"bio"`
		Username    *string `json:"username"`
	}
	if err := decode(w, r, &req); err != nil {
		s.reply(w, 0, nil, err)
		return
	}
	u, err := s.svc.UpdateProfile(r.Context(), sess.UserID, domain.ProfileUpdate{DisplayName: req.DisplayName, Bio: req.Bio, Username: req.Username})
	s.reply(w, http.StatusOK, s.userView(u, true), err)
}

func (s *Server) user(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	id, err := pathID(r, "id", "user")
	var u domain.User
	if err == nil {
		u, err = s.svc.User(r.Context(), id)
	}
	s.replyUser(w, r, u, sess, err)
}

func (s *Server) userByUsername(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	u, err := s.svc.UserByUsername(r.Context(), r.PathValue("username"))
	s.replyUser(w, r, u, sess, err)
}

// replyUser answers with one user; a bot comes with what anyone may know
// of it: its description and command menu.
func (s *Server) replyUser(w http.ResponseWriter, r *http.Request, u domain.User, sess domain.Session, err error) {
	v := s.userView(u, u.ID == sess.UserID)
	if err == nil && u.IsBot {
		var b domain.Bot
		if b, err = s.svc.BotByID(r.Context(), u.ID); err == nil {
			if b.Commands == nil {
				b.Commands = []domain.BotCommand{}
			}
			v.Bot = &botInfo{Description: b.Description, ShortDescription: b.ShortDescription, Commands: b.Commands}
		}
	}
	s.reply(w, http.StatusOK, v, err)
}

// botInfo is what anyone may know of a bot.
type botInfo struct {
	Description      string              `json:"description"`
	ShortDescription string              `json:"short_description"`
	Commands         []domain.BotCommand `json:"commands"`
}

func (s *Server) blocks(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	list, err := s.svc.Blocks(r.Context(), sess.UserID)
	out := make([]userView, 0, len(list))
	for _, u := range list {
		out = append(out, s.userView(u, false))
	}
	s.reply(w, http.StatusOK, map[string]any{"users": out}, err)
}

func (s *Server) block(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	s.setBlock(w, r, sess, true)
}

func (s *Server) unblock(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	s.setBlock(w, r, sess, false)
}

func (s *Server) setBlock(w http.ResponseWriter, r *http.Request, sess domain.Session, blocked bool) {
	id, err := pathID(r, "id", "user")
	if err == nil {
		err = s.svc.Block(r.Context(), sess.UserID, id, blocked)
	}
	s.reply(w, http.StatusNoContent, nil, err)
}
