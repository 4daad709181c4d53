package domain

import (
	"errors"
	"fmt"
)

// Kind classifies an error for clients. The transport maps each kind to one
// API error code and HTTP status, in one place (internal/api/errors.go).
type Kind string

const (
	KindInvalid     Kind = "invalid_argument"
	KindBadRequest  Kind = "bad_request"
	KindUnauth      Kind = "unauthorized"
	KindForbidden   Kind = "forbidden"
	KindBlocked     Kind = "blocked"
	KindNotFound    Kind = "not_found"
	KindConflict    Kind = "conflict"
	KindRateLimited Kind = "rate_limited"
	KindTooLarge    Kind = "too_large"
	KindUnavailable Kind = "unavailable"
	KindBusy        Kind = "busy"         // the called user is in another call
	KindPeerOffline Kind = "peer_offline" // the called user has no connection
	KindInternal    Kind = "internal"
)

// Error is a domain error: a kind plus a message that is safe to show to the
// client. Internal detail belongs in the wrapped cause, which is logged but
// never sent.
type Error struct {
	Kind    Kind
	Message string
	// RetryAfter is set for KindRateLimited, in whole seconds.
	RetryAfter int
	Cause      error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Kind, e.Message, e.Cause)
	}
	return fmt.Sprintf("%s: %s", e.Kind, e.Message)
}

func (e *Error) Unwrap() error { return e.Cause }

// Errorf builds a domain error of the given kind.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports a bad value in the named field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Kind: KindInvalid, Message: field + ": " + fmt.Sprintf(format, args...)}
}

// Common errors, compared with errors.Is via KindOf.
var (
	ErrNotFound  = Errorf(KindNotFound, "not found")
	ErrForbidden = Errorf(KindForbidden, "not allowed")
	ErrUnauth    = Errorf(KindUnauth, "not signed in")
)

// KindOf returns the kind of err, or KindInternal if it carries none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// IsKind reports whether err is a domain error of kind k.
func IsKind(err error, k Kind) bool { return err != nil && KindOf(err) == k }
