package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/chapar/chapar/internal/domain"
)

// maxBody bounds every request body.
const maxBody = 64 << 10

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if v != nil {
		json.NewEncoder(w).Encode(v)
	}
}

// decode reads a JSON body into v strictly: JSON content type, at most
// maxBody bytes, valid UTF-8, no unknown fields, nothing after the object.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return errUnsupportedType
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return domain.Errorf(domain.KindTooLarge, "request body is over %d bytes", maxBody)
	}
	if err != nil {
		return domain.Errorf(domain.KindBadRequest, "could not read the request body")
	}
	return decodeBytes(body, v)
}

var errUnsupportedType = errors.New("unsupported media type")

func decodeBytes(body []byte, v any) error {
	if !utf8.Valid(body) {
		return domain.Errorf(domain.KindBadRequest, "body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return domain.Errorf(domain.KindBadRequest, "invalid JSON: %s", jsonProblem(err))
	}
	if dec.More() {
		return domain.Errorf(domain.KindBadRequest, "invalid JSON: data after the object")
	}
	return nil
}

// jsonProblem describes a decoding error without echoing the input.
func jsonProblem(err error) string {
	var typeErr *json.UnmarshalTypeError
	var synErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		return fmt.Sprintf("field %q must be %s", typeErr.Field, typeErr.Type)
	case errors.As(err, &synErr):
		return fmt.Sprintf("syntax error at byte %d", synErr.Offset)
	case errors.Is(err, io.EOF):
		return "empty body"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected end"
	}
	msg := err.Error()
	if len(msg) > 100 {
		msg = msg[:100]
	}
	return msg
}

// pathID parses an id from the URL path.
func pathID(r *http.Request, param, what string) (int64, error) {
	v, err := strconv.ParseInt(r.PathValue(param), 10, 64)
	if err != nil || v <= 0 {
		return 0, domain.Errorf(domain.KindNotFound, "%s not found", what)
	}
	return v, nil
}

// queryInt parses an optional integer query parameter.
func queryInt(r *http.Request, name string, def int64) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, domain.Invalid(name, "must be an integer")
	}
	return v, nil
}

// Views: what clients see of domain values.

type userView struct {
	ID          int64      `json:"id"`
	Username    string     `json:"username,omitempty"`
	DisplayName string     `json:"display_name"`
	Bio         string     `json:"bio"`
	Online      bool       `json:"online"`
	IsBot       bool       `json:"is_bot,omitempty"`
	LastSeen    *time.Time `json:"last_seen,omitempty"`
	Phone       string     `json:"phone,omitempty"`
	CreatedAt   *time.Time `json:"created_at,omitempty"`
	Bot         *botInfo   `json:"bot,omitempty"` // GET /v1/users/{id} of a bot
}

func (s *Server) userView(u domain.User, self bool) userView {
	v := userView{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Bio: u.Bio, Online: s.svc.Online(u.ID), IsBot: u.IsBot}
	if !u.LastSeen.IsZero() {
		t := u.LastSeen
		v.LastSeen = &t
	}
	if self {
		v.Phone = u.Phone
		t := u.CreatedAt
		v.CreatedAt = &t
	}
	return v
}

type sessionView struct {
	ID         int64     `json:"id"`
	Device     string    `json:"device"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	Current    bool      `json:"current"`
}

func viewSession(x domain.Session, current int64) sessionView {
	return sessionView{ID: x.ID, Device: x.Device, CreatedAt: x.CreatedAt, LastSeenAt: x.LastSeenAt, Current: x.ID == current}
}

type authView struct {
	User    userView    `json:"user"`
	Session sessionView `json:"session"`
	Token   string      `json:"token"`
	NewUser *bool       `json:"new_user,omitempty"`
}

type chatView struct {
	ID          int64         `json:"id"`
	Type        string        `json:"type"`
	Title       string        `json:"title"`
	CreatedAt   time.Time     `json:"created_at"`
	Role        string        `json:"role"`
	Members     int           `json:"members_count"`
	LastSeq     int64         `json:"last_seq"`
	ReadSeq     int64         `json:"read_seq"`
	Unread      int           `json:"unread"`
	PeerReadSeq int64         `json:"peer_read_seq"`
	PeerID      int64         `json:"peer_id,omitempty"`
	LastMessage *domain.Event `json:"last_message,omitempty"`
	// groups and channels
	Username      string   `json:"username,omitempty"`
	About         string   `json:"about,omitempty"`
	Signatures    bool     `json:"signatures,omitempty"`
	SlowMode      int      `json:"slow_mode,omitempty"`
	DefaultRights []string `json:"default_rights,omitempty"`
	PinnedSeq     int64    `json:"pinned_seq,omitempty"`
	LinkedChatID  int64    `json:"linked_chat_id,omitempty"`
	MyRights      []string `json:"my_rights,omitempty"` // what the caller may do
}

func viewChat(c domain.ChatSummary) chatView {
	v := chatView{ID: c.ID, Type: string(c.Type), Title: c.Title, CreatedAt: c.CreatedAt, Role: string(c.Role),
		Members: c.Members, LastSeq: c.LastSeq, ReadSeq: c.ReadSeq, Unread: c.Unread, PeerReadSeq: c.PeerReadSeq,
		PeerID: c.PeerID, LastMessage: c.LastMessage, Username: c.Username, About: c.About, Signatures: c.Signatures,
		SlowMode: c.SlowMode, PinnedSeq: c.PinnedSeq, LinkedChatID: c.LinkedChatID}
	if c.Type == domain.ChatGroup {
		v.DefaultRights = c.DefaultRights.Names()
	}
	if c.Type != domain.ChatDirect && c.Rights != 0 {
		v.MyRights = c.Rights.Names()
	}
	return v
}

type memberView struct {
	UserID   int64      `json:"user_id"`
	Role     string     `json:"role"`
	ReadSeq  int64      `json:"read_seq"`
	JoinedAt time.Time  `json:"joined_at"`
	Rights   []string   `json:"rights,omitempty"` // an admin's
	Denied   []string   `json:"denied,omitempty"` // a restricted member's
	Until    *time.Time `json:"until,omitempty"`  // when the restriction ends
}

func viewMember(m domain.Member) memberView {
	v := memberView{UserID: m.UserID, Role: string(m.Role), ReadSeq: m.ReadSeq, JoinedAt: m.JoinedAt}
	if m.Role == domain.RoleAdmin {
		v.Rights = m.Rights.Names()
	}
	if m.Denied != 0 && domain.InForce(m.Until, time.Now()) {
		v.Denied = m.Denied.Names()
		if !m.Until.IsZero() {
			v.Until = &m.Until
		}
	}
	return v
}
