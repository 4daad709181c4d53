// Package domain holds chapar's rules: accounts, chats, messages and the
// update stream, as plain Go. It talks to storage through Store and to
// other connections and nodes through Notifier, and knows no HTTP or SQL.
package domain

import (
	"context"
	"encoding/json"
	"log/slog"
	"runtime"
	"sync"
	"time"
)

// Config holds the limits an operator can change.
type Config struct {
	MaxTextLen    int           // characters in a message (4096)
	MaxCaption    int           // characters in a media message's caption (1024)
	MaxGroupSize  int           // members in a group (200,000)
	EditWindow    time.Duration // how long a sender may edit (48h)
	HistoryLimit  int           // most messages in one history page (200)
	SendLimit     int           // messages one user may send per 10 s (2,000; 0: no limit)
	PhoneCodeTTL  time.Duration // how long a phone code is valid (5m)
	LoginFailures int           // failed sign-ins per username per LoginWindow (10)
	LoginPerIP    int           // failed sign-ins per client address per LoginWindow (30)
	LoginWindow   time.Duration // (10m)
	// Argon2 cost. The defaults follow OWASP's argon2id guidance
	// (19 MiB, 2 passes, 1 lane).
	Argon2Memory uint32 // KiB
	Argon2Time   uint32
}

// DefaultConfig returns Telegram's familiar limits.
func DefaultConfig() Config {
	return Config{
		MaxTextLen:    4096,
		MaxCaption:    1024,
		MaxGroupSize:  200_000,
		EditWindow:    48 * time.Hour,
		HistoryLimit:  200,
		SendLimit:     2000,
		PhoneCodeTTL:  5 * time.Minute,
		LoginFailures: 10,
		LoginPerIP:    30,
		LoginWindow:   10 * time.Minute,
		Argon2Memory:  19 * 1024,
		Argon2Time:    2,
	}
}

// Signal is something ephemeral nodes tell each other's connections:
// typing, presence, a revoked session. Signals are not stored.
type Signal struct {
	Kind      SignalKind
	ChatIDs   []int64 // who hears it: the members of these chats
	UserID    int64
	SessionID int64
	Online    bool
	LastSeen  time.Time
	Conn      string          // SigCall: the one connection to reach ("" for all the user's)
	Frame     json.RawMessage `json:",omitempty"` // SigCall: the frame, as sent
}

type SignalKind int

const (
	SigTyping SignalKind = iota + 1
	SigPresence
	SigSessionRevoked
)

// Notifier carries signals to every node's connections.
type Notifier interface {
	Notify(Signal)
}

// Presence says whether a user has a live connection.
type Presence interface {
	Online(userID int64) bool
}

// SMSSender delivers a one-time code to a phone.
type SMSSender interface {
	SendCode(ctx context.Context, phone, code string) error
}

// LogSMS is the default SMSSender: it writes the code to the log, for
// installations without an SMS gateway (and for development).
type LogSMS struct{ Log *slog.Logger }

func (l LogSMS) SendCode(_ context.Context, phone, code string) error {
	l.Log.Info("sms code", "phone", phone, "code", code)
	return nil
}

// Service is the domain: every use case is a method on it.
type Service struct {
	cfg      Config
	store    Store
	notify   Notifier
	presence Presence
	sms      SMSSender
	log      *slog.Logger
	now      func() time.Time

	hashSem     chan struct{} // bounds concurrent argon2 work (memory)
	userLimit   *limiter
	addrLimit   *limiter
	phoneLimit  *limiter
	typingLimit *limiter
	sendLimit   *limiter
	searchLimit *limiter
	callLimit   *limiter
	signalLimit *limiter
	held        heldCalls

	typesMu sync.Mutex
	types   map[int64]ChatType // see chatType
}

// Deps are the Service's collaborators; Store is required.
type Deps struct {
	Store    Store
	Notifier Notifier
	Presence Presence
	SMS      SMSSender
	Log      *slog.Logger
	Now      func() time.Time
}

// NewService builds the domain service.
func NewService(cfg Config, d Deps) *Service {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.SMS == nil {
		d.SMS = LogSMS{Log: d.Log}
	}
	if d.Notifier == nil {
		d.Notifier = nopNotifier{}
	}
	if d.Presence == nil {
		d.Presence = nopPresence{}
	}
	return &Service{
		cfg: cfg, store: d.Store, notify: d.Notifier, presence: d.Presence, sms: d.SMS, log: d.Log, now: d.Now,
		hashSem:     make(chan struct{}, runtime.GOMAXPROCS(0)),
		userLimit:   newLimiter(cfg.LoginFailures, cfg.LoginWindow, d.Now),
		addrLimit:   newLimiter(cfg.LoginPerIP, cfg.LoginWindow, d.Now),
		phoneLimit:  newLimiter(1, time.Minute, d.Now),
		typingLimit: newLimiter(1, 3*time.Second, d.Now),
		sendLimit:   newLimiter(cfg.SendLimit, 10*time.Second, d.Now),
		// Searches cost more than sends; a person types a few a minute.
		searchLimit: newLimiter(60, time.Minute, d.Now),
		callLimit:   newLimiter(20, time.Minute, d.Now),
		// A call's ICE candidates and an occasional renegotiation.
		signalLimit: newLimiter(300, time.Minute, d.Now),
		types:       make(map[int64]ChatType),
	}
}

// Config returns the limits in force.
func (s *Service) Config() Config { return s.cfg }

type nopNotifier struct{}

func (nopNotifier) Notify(Signal) {}

type nopPresence struct{}

func (nopPresence) Online(int64) bool { return false }
