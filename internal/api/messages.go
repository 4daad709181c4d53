package api

import (
	"net/http"

	"github.com/chapar/chapar/internal/domain"
)

// sendBody is a message to send, over HTTP or the WebSocket.
type sendBody struct {
	ClientID string          `json:"client_id"`
	Text     string          `json:"text"`
	ReplyTo  int64           `json:"reply_to"`
	Forward  *domain.Forward `json:"forward"`
	Media    []string        `json:"media"`    // file ids
	Entities []domain.Entity `json:"entities"` // formatting of text
}

func (b sendBody) request(chatID int64) domain.SendRequest {
	return domain.SendRequest{ChatID: chatID, ClientID: b.ClientID, Text: b.Text, ReplyTo: b.ReplyTo, Forward: b.Forward,
		Media: b.Media, Rich: domain.Rich{Entities: b.Entities}}
}

type sendResult struct {
	Event     domain.Event `json:"event"`
	Duplicate bool         `json:"duplicate"`
}

func (s *Server) send(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	var req sendBody
	id, err := pathID(r, "id", "chat")
	if err == nil {
		err = decode(w, r, &req)
	}
	var res sendResult
	if err == nil {
		res.Event, res.Duplicate, err = s.svc.Send(r.Context(), sess.UserID, req.request(id))
	}
	status := http.StatusCreated
	if res.Duplicate {
		status = http.StatusOK
	}
	if err == nil {
		s.metrics.sent.Inc()
	}
	s.reply(w, status, res, err)
}

func (s *Server) history(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	id, err := pathID(r, "id", "chat")
	before, err2 := queryInt(r, "before", 0)
	after, err3 := queryInt(r, "after", -1) // after=0 means from the start
	limit, err4 := queryInt(r, "limit", 50)
	var evs []domain.Event
	if err = firstErr(err, err2, err3, err4); err == nil {
		if limit < 1 || limit > 200 {
			err = domain.Invalid("limit", "must be 1-200")
		} else {
			evs, err = s.svc.History(r.Context(), sess.UserID, id, before, after, int(limit))
		}
	}
	s.reply(w, http.StatusOK, map[string]any{"messages": nonNil(evs)}, err)
}

func (s *Server) edit(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	var req struct {
		Text     string          `json:"text"`
		Entities []domain.Entity `json:"entities"`
	}
	id, err := pathID(r, "id", "chat")
	seq, err2 := pathID(r, "seq", "message")
	if err = firstErr(err, err2); err == nil {
		err = decode(w, r, &req)
	}
	var ev domain.Event
	if err == nil {
		ev, err = s.svc.Edit(r.Context(), sess.UserID, id, seq, req.Text, domain.Rich{Entities: req.Entities})
	}
	s.reply(w, http.StatusOK, ev, err)
}

func (s *Server) deleteMessage(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	id, err := pathID(r, "id", "chat")
	seq, err2 := pathID(r, "seq", "message")
	var ev domain.Event
	if err = firstErr(err, err2); err == nil {
		ev, err = s.svc.Delete(r.Context(), sess.UserID, id, seq)
	}
	s.reply(w, http.StatusOK, ev, err)
}

func (s *Server) markRead(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	var req struct {
		Seq int64 `json:"seq"`
	}
	id, err := pathID(r, "id", "chat")
	if err == nil {
		err = decode(w, r, &req)
	}
	var ev domain.Event
	if err == nil {
		ev, err = s.svc.MarkRead(r.Context(), sess.UserID, id, req.Seq)
	}
	s.reply(w, http.StatusOK, ev, err)
}

func (s *Server) typing(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	id, err := pathID(r, "id", "chat")
	if err == nil {
		err = s.svc.Typing(r.Context(), sess.UserID, id)
	}
	s.reply(w, http.StatusNoContent, nil, err)
}

// searchMessages: GET /v1/search/messages?q=&chat_id=&limit=&offset=
func (s *Server) searchMessages(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	chatID, err := queryInt(r, "chat_id", 0)
	limit, err2 := queryInt(r, "limit", 20)
	offset, err3 := queryInt(r, "offset", 0)
	var evs []domain.Event
	if err = firstErr(err, err2, err3); err == nil {
		evs, err = s.svc.SearchMessages(r.Context(), sess.UserID, r.URL.Query().Get("q"), chatID, int(limit), int(offset))
	}
	body := map[string]any{"messages": nonNil(evs)}
	if len(evs) == int(limit) {
		body["next_offset"] = offset + limit
	}
	s.reply(w, http.StatusOK, body, err)
}
