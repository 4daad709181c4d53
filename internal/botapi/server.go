// Package botapi serves the Telegram-compatible Bot API (docs/BOTS.md):
// /bot<token>/<method> with Telegram's paths, parameters, objects and
// error shape, over chapar's own domain, so that existing bots and bot
// libraries work against chapar by changing their base URL.
package botapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/hub"
	"github.com/chapar/chapar/internal/media"
	"golang.org/x/time/rate"
)

// Server answers Bot API requests.
type Server struct {
	svc   *domain.Service
	hub   *hub.Hub
	media *media.Service // nil: no files
	log   *slog.Logger

	pollMu sync.Mutex
	polls  map[int64]*poll // each bot's getUpdates in progress

	webhooks *Webhooks // delivery on this node, if started
	limits   sendLimits
}

// New makes a Server; ms may be nil (no files).
func New(svc *domain.Service, h *hub.Hub, ms *media.Service, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	return &Server{svc: svc, hub: h, media: ms, log: log, polls: make(map[int64]*poll),
		limits: sendLimits{perBot: DefaultBotSendRate}}
}

// SetSendRate sets how many messages a second one bot may send (0: no
// send limits for bots at all; otherwise the per-chat limits stay
// Telegram's).
func (s *Server) SetSendRate(perSecond float64) { s.limits.perBot = rate.Limit(perSecond) }

// botPath is /bot<token>/<method>; a token is "<id>:<secret>".
var botPath = regexp.MustCompile(`^/bot([0-9]+:[A-Za-z0-9_-]+)/([A-Za-z]*)$`)

// Handles reports whether a request's path is the Bot API's.
func Handles(path string) bool { return strings.HasPrefix(path, "/bot") && botPath.MatchString(path) }

// maxBody bounds a request body (files come over tus, not here).
const maxBody = 1 << 20

// ServeHTTP answers one Bot API call.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := botPath.FindStringSubmatch(r.URL.Path)
	if m == nil {
		fail(w, &apiError{404, "Not Found"})
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		fail(w, &apiError{405, "Method Not Allowed"})
		return
	}
	bot, err := s.svc.AuthenticateBot(r.Context(), m[1])
	if err != nil {
		fail(w, s.telegramError(err))
		return
	}
	method := methods[strings.ToLower(m[2])]
	if method == nil {
		fail(w, &apiError{404, "Not Found: method not found"})
		return
	}
	p, err := readParams(r)
	if err != nil {
		fail(w, &apiError{400, "Bad Request: " + err.Error()})
		return
	}
	ctx := r.Context()
	if r.MultipartForm != nil {
		ctx = context.WithValue(ctx, formKey{}, r.MultipartForm)
		defer r.MultipartForm.RemoveAll()
	}
	result, err := method(s, ctx, bot, p)
	if err != nil {
		fail(w, s.telegramError(err))
		return
	}
	writeJSON(w, http.StatusOK, struct {
		OK     bool `json:"ok"`
		Result any  `json:"result"`
	}{true, result})
}

// method is one Bot API method.
type method func(s *Server, ctx context.Context, bot domain.Bot, p params) (any, error)

// methods by lower-case name (Telegram's are case-insensitive).
var methods = map[string]method{}

func register(name string, m method) { methods[strings.ToLower(name)] = m }

// apiError is a Bot API error: its error_code (also the HTTP status) and
// description, and for 429 how long to wait.
type apiError struct {
	code        int
	description string
}

type rateLimited struct {
	apiError
	retryAfter int
}

func (e *apiError) Error() string { return e.description }

// badRequest is a 400 with Telegram's "Bad Request: " prefix.
func badRequest(format string, args ...any) error {
	return &apiError{400, "Bad Request: " + fmt.Sprintf(format, args...)}
}

// telegramError turns a domain error into Telegram's codes and wording.
func (s *Server) telegramError(err error) error {
	var ae *apiError
	var rl *rateLimited
	if errors.As(err, &rl) || errors.As(err, &ae) {
		return err
	}
	var de *domain.Error
	if !errors.As(err, &de) {
		s.log.Error("bot api", "err", err)
		return &apiError{500, "Internal Server Error"}
	}
	switch de.Kind {
	case domain.KindUnauth:
		return &apiError{401, "Unauthorized"}
	case domain.KindForbidden, domain.KindBlocked:
		if de.Kind == domain.KindBlocked {
			return &apiError{403, "Forbidden: bot was blocked by the user"}
		}
		return &apiError{403, "Forbidden: " + de.Message}
	case domain.KindNotFound:
		return &apiError{400, "Bad Request: " + de.Message}
	case domain.KindConflict:
		return &apiError{409, "Conflict: " + de.Message}
	case domain.KindRateLimited:
		return &rateLimited{apiError{429, fmt.Sprintf("Too Many Requests: retry after %d", max(de.RetryAfter, 1))}, max(de.RetryAfter, 1)}
	case domain.KindTooLarge:
		return &apiError{400, "Bad Request: " + de.Message}
	case domain.KindInternal:
		return &apiError{500, "Internal Server Error"}
	}
	return &apiError{400, "Bad Request: " + de.Message}
}

func fail(w http.ResponseWriter, err error) {
	body := struct {
		OK          bool   `json:"ok"`
		ErrorCode   int    `json:"error_code"`
		Description string `json:"description"`
		Parameters  *struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters,omitempty"`
	}{}
	var rl *rateLimited
	var ae *apiError
	switch {
	case errors.As(err, &rl):
		body.ErrorCode, body.Description = rl.code, rl.description
		body.Parameters = &struct {
			RetryAfter int `json:"retry_after"`
		}{rl.retryAfter}
		w.Header().Set("Retry-After", strconv.Itoa(rl.retryAfter))
	case errors.As(err, &ae):
		body.ErrorCode, body.Description = ae.code, ae.description
	default:
		body.ErrorCode, body.Description = 500, "Internal Server Error"
	}
	writeJSON(w, body.ErrorCode, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// params are a call's parameters, from the query string and the body
// (form, multipart form or JSON), each kept as JSON: a form's values are
// strings, which hold JSON themselves for object parameters
// (reply_markup), as Telegram accepts.
type params map[string]json.RawMessage

func readParams(r *http.Request) (params, error) {
	p := params{}
	for k, vs := range r.URL.Query() {
		p.setString(k, vs[len(vs)-1])
	}
	if r.Method != http.MethodPost || r.Body == nil {
		return p, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	limit := int64(maxBody)
	if ct == "multipart/form-data" {
		limit = maxBotUpload + maxBody // a file, and the other fields
	}
	r.Body = http.MaxBytesReader(nil, r.Body, limit)
	switch ct {
	case "application/json":
		var body map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil && err != io.EOF {
			return nil, errors.New("can't parse JSON object")
		}
		for k, v := range body {
			p[k] = v
		}
	case "application/x-www-form-urlencoded":
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, errors.New("request is too big")
		}
		vals, err := url.ParseQuery(string(b))
		if err != nil {
			return nil, errors.New("can't parse form")
		}
		for k, vs := range vals {
			p.setString(k, vs[len(vs)-1])
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(maxBody); err != nil { // files over 1 MB wait on disk
			return nil, errors.New("can't parse multipart form")
		}
		for k, vs := range r.MultipartForm.Value {
			p.setString(k, vs[len(vs)-1])
		}
	}
	return p, nil
}

func (p params) setString(k, v string) {
	b, _ := json.Marshal(v)
	p[k] = b
}

func (p params) has(k string) bool { _, ok := p[k]; return ok }

// str reads a string parameter (a number is taken as its digits).
func (p params) str(k string) (string, error) {
	raw, ok := p[k]
	if !ok {
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String(), nil
	}
	return "", badRequest("parameter %q must be a string", k)
}

// int reads an integer parameter, given as a number or a string.
func (p params) int(k string, def int64) (int64, error) {
	s, err := p.str(k)
	if err != nil || s == "" {
		return def, err
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, badRequest("parameter %q must be an integer", k)
	}
	return n, nil
}

// bool reads a boolean parameter ("true", true, "1").
func (p params) bool(k string) (bool, error) {
	raw, ok := p[k]
	if !ok {
		return false, nil
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b, nil
	}
	s, err := p.str(k)
	if err != nil {
		return false, err
	}
	switch strings.ToLower(s) {
	case "true", "1":
		return true, nil
	case "false", "0", "":
		return false, nil
	}
	return false, badRequest("parameter %q must be a boolean", k)
}

// object reads a JSON parameter into v: an object, or a string holding
// one (form fields). Reports whether it was there; null is not there.
func (p params) object(k string, v any) (bool, error) {
	raw, ok := p[k]
	if !ok {
		return false, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		raw = json.RawMessage(s)
	}
	if t := strings.TrimSpace(string(raw)); t == "" || t == "null" { // not given (libraries send null)
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, badRequest("can't parse %s JSON object", k)
	}
	return true, nil
}

// need reads a required string parameter.
func (p params) need(k string) (string, error) {
	s, err := p.str(k)
	if err == nil && s == "" {
		err = badRequest("%s is empty", k)
	}
	return s, err
}

// formKey keeps a multipart request's form in its context, for the
// methods that take an uploaded file.
type formKey struct{}

// uploaded is the file uploaded as the named field, or nil.
func uploaded(ctx context.Context, name string) *multipart.FileHeader {
	form, _ := ctx.Value(formKey{}).(*multipart.Form)
	if form == nil || len(form.File[name]) == 0 {
		return nil
	}
	return form.File[name][0]
}
