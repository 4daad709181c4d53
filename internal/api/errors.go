package api

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/chapar/chapar/internal/domain"
)

// statusOf is the one place where a domain error kind becomes an HTTP status.
var statusOf = map[domain.Kind]int{
	domain.KindBadRequest:  http.StatusBadRequest,
	domain.KindInvalid:     http.StatusBadRequest,
	domain.KindUnauth:      http.StatusUnauthorized,
	domain.KindForbidden:   http.StatusForbidden,
	domain.KindBlocked:     http.StatusForbidden,
	domain.KindNotFound:    http.StatusNotFound,
	domain.KindConflict:    http.StatusConflict,
	domain.KindTooLarge:    http.StatusRequestEntityTooLarge,
	domain.KindRateLimited: http.StatusTooManyRequests,
	domain.KindUnavailable: http.StatusServiceUnavailable,
	domain.KindBusy:        http.StatusConflict,
	domain.KindPeerOffline: http.StatusConflict,
	domain.KindInternal:    http.StatusInternalServerError,
}

// Codes the transport itself produces.
const (
	codeMethodNotAllowed = "method_not_allowed"
	codeUnsupportedType  = "unsupported_media_type"
)

// errorBody is the one shape of every error answer.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// RetryAfter (seconds) is set on rate_limited error frames on the
	// WebSocket, which have no Retry-After header; HTTP answers carry the
	// header instead.
	RetryAfter int `json:"retry_after,omitempty"`
}

// clientError turns any error into what a client may see: domain errors
// keep their message; anything else is logged and becomes "internal".
func clientError(log *slog.Logger, err error) (status int, d errorDetail, retryAfter int) {
	var de *domain.Error
	if errors.As(err, &de) {
		if de.Cause != nil {
			log.Warn("request failed", "kind", de.Kind, "err", err)
		}
		return statusOf[de.Kind], errorDetail{Code: string(de.Kind), Message: de.Message}, de.RetryAfter
	}
	log.Error("internal error", "err", err)
	return http.StatusInternalServerError, errorDetail{Code: string(domain.KindInternal), Message: "internal error"}, 0
}

func (s *Server) writeError(w http.ResponseWriter, err error) {
	status, d, retry := clientError(s.log, err)
	if retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(retry))
	}
	writeJSON(w, status, errorBody{d})
}

func writeErrorCode(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, errorBody{errorDetail{Code: code, Message: msg}})
}
