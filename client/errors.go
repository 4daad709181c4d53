package client

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Error codes of docs/API.md.
const (
	CodeBadRequest           = "bad_request"
	CodeInvalidArgument      = "invalid_argument"
	CodeUnauthorized         = "unauthorized"
	CodeForbidden            = "forbidden"
	CodeBlocked              = "blocked"
	CodeNotFound             = "not_found"
	CodeMethodNotAllowed     = "method_not_allowed"
	CodeConflict             = "conflict"
	CodeTooLarge             = "too_large"
	CodeUnsupportedMediaType = "unsupported_media_type"
	CodeRateLimited          = "rate_limited"
	CodeInternal             = "internal"
	CodeUnavailable          = "unavailable"
)

// APIError is an error answered by the server: a non-2xx HTTP answer, or an
// "error" frame on the WebSocket.
type APIError struct {
	// Status is the HTTP status. For a WebSocket error frame, which has
	// none, it is the status docs/API.md gives the code, so callers can
	// treat both alike.
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	// RetryAfter is the server's Retry-After, for rate_limited answers.
	RetryAfter time.Duration `json:"-"`
	// RetrySeconds is how a WebSocket error frame says it (RetryAfter is
	// set from it).
	RetrySeconds int `json:"retry_after,omitempty"`
}

// Error reads "<message> (<code>)", the form the CLI prints.
func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = strings.ToLower(http.StatusText(e.Status))
	}
	if msg == "" {
		msg = "request failed"
	}
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf("; retry after %s", e.RetryAfter)
	}
	return msg + " (" + e.Code + ")"
}

// IsCode reports whether err is (or wraps) an *APIError with the code.
func IsCode(err error, code string) bool {
	var e *APIError
	return errors.As(err, &e) && e.Code == code
}

// statusOfCode is the table in docs/API.md, used to give WebSocket error
// frames a status.
var statusOfCode = map[string]int{
	CodeBadRequest:           http.StatusBadRequest,
	CodeInvalidArgument:      http.StatusBadRequest,
	CodeUnauthorized:         http.StatusUnauthorized,
	CodeForbidden:            http.StatusForbidden,
	CodeBlocked:              http.StatusForbidden,
	CodeNotFound:             http.StatusNotFound,
	CodeMethodNotAllowed:     http.StatusMethodNotAllowed,
	CodeConflict:             http.StatusConflict,
	CodeTooLarge:             http.StatusRequestEntityTooLarge,
	CodeUnsupportedMediaType: http.StatusUnsupportedMediaType,
	CodeRateLimited:          http.StatusTooManyRequests,
	CodeInternal:             http.StatusInternalServerError,
	CodeUnavailable:          http.StatusServiceUnavailable,
}

// codeOfStatus names a status for answers that carry no error body — from a
// proxy in front of the server, say — so that IsCode still works on them.
func codeOfStatus(status int) string {
	switch status {
	case http.StatusBadRequest:
		return CodeBadRequest
	case http.StatusUnauthorized:
		return CodeUnauthorized
	case http.StatusForbidden:
		return CodeForbidden
	case http.StatusNotFound:
		return CodeNotFound
	case http.StatusMethodNotAllowed:
		return CodeMethodNotAllowed
	case http.StatusConflict:
		return CodeConflict
	case http.StatusRequestEntityTooLarge:
		return CodeTooLarge
	case http.StatusUnsupportedMediaType:
		return CodeUnsupportedMediaType
	case http.StatusTooManyRequests:
		return CodeRateLimited
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return CodeUnavailable
	}
	if status >= 500 {
		return CodeInternal
	}
	return CodeBadRequest
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, 1<<31)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now).Round(time.Second)
	}
	return 0
}

// WebSocket close codes of docs/API.md, and the standard ones a client
// meets.
const (
	CloseNormal       = 1000 // a normal close (our own Close)
	CloseGoingAway    = 1001 // the server is shutting down
	CloseAbnormal     = 1006 // the connection was lost without a close frame
	CloseTooLarge     = 1009 // a frame was too large
	CloseInternal     = 1011 // a fault on the server
	CloseUnauthorized = 4001 // bad or missing token, or hello not first
	CloseProtocol     = 4002 // a malformed frame
	CloseRevoked      = 4003 // the session was revoked
	CloseSlowConsumer = 4008 // the client read too slowly; reconnect and resume
)

// CloseError is why a stream ended, other than by its own Close: the close
// code and reason the server sent, or CloseAbnormal when the connection was
// lost (then Err is the cause).
type CloseError struct {
	Code   int
	Reason string
	Err    error // the underlying cause, for CloseAbnormal
}

func (e *CloseError) Error() string {
	var b strings.Builder
	b.WriteString("connection closed")
	switch e.Code {
	case CloseUnauthorized:
		b.WriteString(": unauthorized")
	case CloseRevoked:
		b.WriteString(": session revoked")
	case CloseSlowConsumer:
		b.WriteString(": reading too slowly")
	case CloseGoingAway:
		b.WriteString(": server shutting down")
	case CloseAbnormal:
		b.WriteString(": connection lost")
	}
	fmt.Fprintf(&b, " (%d", e.Code)
	if e.Reason != "" {
		b.WriteString(" " + e.Reason)
	}
	b.WriteString(")")
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *CloseError) Unwrap() error { return e.Err }

// CloseCode is the WebSocket close code in err, or 0 if err is no
// *CloseError.
func CloseCode(err error) int {
	var e *CloseError
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

// ErrClosed is a stream's Err after its own Close.
var ErrClosed = errors.New("chapar: stream closed")

// errKeepAlive is the cause when the server went silent past the keep-alive.
var errKeepAlive = errors.New("no answer from the server to a keep-alive ping")
