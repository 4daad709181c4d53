package api

import (
	"net/http"

	"github.com/chapar/chapar/internal/domain"
)

// Bots, as their owners manage them (docs/BOTS.md). The bots themselves
// speak the Bot API (internal/botapi) with their tokens.

type botJSON struct {
	ID               int64               `json:"id"`
	Username         string              `json:"username"`
	Name             string              `json:"name"`
	Description      string              `json:"description"`
	ShortDescription string              `json:"short_description"`
	Commands         []domain.BotCommand `json:"commands"`
	Privacy          bool                `json:"privacy"`
	Token            string              `json:"token,omitempty"` // only when made or renewed
}

func (s *Server) botView(r *http.Request, b domain.Bot, token string) (botJSON, error) {
	u, err := s.svc.User(r.Context(), b.UserID)
	if b.Commands == nil {
		b.Commands = []domain.BotCommand{}
	}
	return botJSON{ID: b.UserID, Username: u.Username, Name: u.DisplayName, Description: b.Description,
		ShortDescription: b.ShortDescription, Commands: b.Commands, Privacy: b.Privacy, Token: token}, err
}

// createBot answers POST /v1/bots {"username","name"}.
func (s *Server) createBot(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	var req struct {
		Username string `json:"username"`
		Name     string `json:"name"`
	}
	if err := decode(w, r, &req); err != nil {
		s.reply(w, 0, nil, err)
		return
	}
	u, token, err := s.svc.CreateBot(r.Context(), sess.UserID, req.Username, req.Name)
	if err != nil {
		s.reply(w, 0, nil, err)
		return
	}
	b, err := s.svc.BotOf(r.Context(), sess.UserID, u.ID)
	var v botJSON
	if err == nil {
		v, err = s.botView(r, b, token)
	}
	s.reply(w, http.StatusCreated, v, err)
}

// listBots answers GET /v1/bots.
func (s *Server) listBots(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	bots, err := s.svc.Bots(r.Context(), sess.UserID)
	out := []botJSON{}
	for _, b := range bots {
		if err != nil {
			break
		}
		var v botJSON
		v, err = s.botView(r, b, "")
		out = append(out, v)
	}
	s.reply(w, http.StatusOK, map[string]any{"bots": out}, err)
}

// renewBotToken answers POST /v1/bots/{id}/token: the old token stops
// working.
func (s *Server) renewBotToken(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	id, err := pathID(r, "id", "bot")
	var v botJSON
	if err == nil {
		var token string
		if token, err = s.svc.NewBotToken(r.Context(), sess.UserID, id); err == nil {
			var b domain.Bot
			if b, err = s.svc.BotOf(r.Context(), sess.UserID, id); err == nil {
				v, err = s.botView(r, b, token)
			}
		}
	}
	s.reply(w, http.StatusOK, v, err)
}

// updateBot answers PATCH /v1/bots/{id} with any of description,
// short_description, commands, privacy.
func (s *Server) updateBot(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	id, err := pathID(r, "id", "bot")
	var req struct {
		Name             *string              `json:"name"`
		Description      *string              `json:"description"`
		ShortDescription *string              `json:"short_description"`
		Commands         *[]domain.BotCommand `json:"commands"`
		Privacy          *bool                `json:"privacy"`
	}
	if err == nil {
		err = decode(w, r, &req)
	}
	var v botJSON
	if err == nil {
		if _, err = s.svc.BotOf(r.Context(), sess.UserID, id); err == nil {
			var b domain.Bot
			b, err = s.svc.SetBot(r.Context(), sess.UserID, id, domain.BotSettings{Name: req.Name, Description: req.Description,
				ShortDescription: req.ShortDescription, Commands: req.Commands, Privacy: req.Privacy})
			if err == nil {
				v, err = s.botView(r, b, "")
			}
		}
	}
	s.reply(w, http.StatusOK, v, err)
}

// pressButton answers POST /v1/chats/{id}/messages/{seq}/callback
// {"data"}: an inline button of a bot's message was pressed.
func (s *Server) pressButton(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	var req struct {
		Data string `json:"data"`
	}
	id, err := pathID(r, "id", "chat")
	seq, err2 := pathID(r, "seq", "message")
	if err = firstErr(err, err2); err == nil {
		err = decode(w, r, &req)
	}
	var query string
	if err == nil {
		query, err = s.svc.PressButton(r.Context(), sess.UserID, id, seq, req.Data)
	}
	s.reply(w, http.StatusOK, map[string]string{"query_id": query}, err)
}
