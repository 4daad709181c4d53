package domain

import (
	"context"
	"time"
)

// Store is what the domain needs from storage. Every method that changes a
// chat returns the events it committed, with their seq and pos assigned;
// a method returns only after its change is durable. The store announces
// committed events, in commit (pos) order, through the Publisher it was
// opened with — before the method returns.
//
// Stores re-check inside their transaction what must hold at commit time
// (for instance that a sender is still a member), and report a violated
// condition as a domain *Error.
type Store interface {
	AccountStore
	ChatStore
	Close() error
}

// AccountStore keeps users, sessions, blocks and phone codes.
type AccountStore interface {
	// CreateUser inserts u (ID and CreatedAt are set by the store). A taken
	// username or phone is a KindConflict error.
	CreateUser(ctx context.Context, u User) (User, error)
	UserByID(ctx context.Context, id int64) (User, error)
	// UserByUsername matches case-insensitively.
	UserByUsername(ctx context.Context, username string) (User, error)
	UserByPhone(ctx context.Context, phone string) (User, error)
	// UpdateUser saves DisplayName, Bio and Username of u.
	UpdateUser(ctx context.Context, u User) (User, error)
	SetLastSeen(ctx context.Context, userID int64, at time.Time) error

	CreateSession(ctx context.Context, s Session) (Session, error)
	SessionByTokenHash(ctx context.Context, hash []byte) (Session, error)
	Sessions(ctx context.Context, userID int64) ([]Session, error)
	// DeleteSession removes one of userID's sessions; KindNotFound if it is
	// not theirs.
	DeleteSession(ctx context.Context, userID, sessionID int64) error
	TouchSession(ctx context.Context, sessionID int64, at time.Time) error

	// SetBlock blocks or unblocks targetID for userID and, if the two have
	// a direct chat (directKey), marks it so that sends to it fail with
	// KindBlocked while either side blocks the other.
	SetBlock(ctx context.Context, userID, targetID int64, blocked bool, directKey string) error
	// BlockedEither reports whether a blocked b or b blocked a.
	BlockedEither(ctx context.Context, a, b int64) (bool, error)
	Blocks(ctx context.Context, userID int64) ([]int64, error)

	// SetPhoneCode stores a code's hash for phone, replacing any earlier one.
	SetPhoneCode(ctx context.Context, phone string, codeHash []byte, expires time.Time) error
	// PhoneCode returns the stored hash, expiry and failed attempts.
	PhoneCode(ctx context.Context, phone string) (codeHash []byte, expires time.Time, attempts int, err error)
	// PhoneCodeAttempt counts a failed guess.
	PhoneCodeAttempt(ctx context.Context, phone string) error
	DeletePhoneCode(ctx context.Context, phone string) error
}

// NewChat describes a chat to create. For a direct chat, Members holds both
// users and DirectKey identifies the pair; creating an existing pair's chat
// returns the existing one with created=false.
type NewChat struct {
	Type       ChatType
	Title      string
	CreatorID  int64
	Members    []int64 // besides the creator
	DirectKey  string
	MaxMembers int
}

// NewMessage is a message to append. The store assigns seq, pos and date.
type NewMessage struct {
	ChatID   int64
	SenderID int64
	ClientID string
	Text     string
	ReplyTo  int64
	Forward  *Forward
}

// ChatStore keeps chats, members and their event logs.
type ChatStore interface {
	CreateChat(ctx context.Context, c NewChat) (chat Chat, events []Event, created bool, err error)
	Chat(ctx context.Context, id int64) (Chat, error)
	DirectChat(ctx context.Context, key string) (Chat, error)
	Member(ctx context.Context, chatID, userID int64) (Member, error)
	// Members lists active members with user id > after, ascending.
	Members(ctx context.Context, chatID, after int64, limit int) ([]Member, error)
	// ChatsOf lists the user's active chats, newest activity first.
	ChatsOf(ctx context.Context, userID int64) ([]ChatSummary, error)
	ChatSummary(ctx context.Context, chatID, userID int64) (ChatSummary, error)
	// ActiveChatIDs lists the chats the user is an active member of.
	ActiveChatIDs(ctx context.Context, userID int64) ([]int64, error)
	// DirectChatIDs lists the user's direct chats.
	DirectChatIDs(ctx context.Context, userID int64) ([]int64, error)

	// AppendMessage appends a message. If the sender already sent
	// ClientID, it returns that message and duplicate=true, changing nothing.
	// The sender must be an active member (else KindNotFound) of a chat that
	// is not blocked (else KindBlocked).
	AppendMessage(ctx context.Context, m NewMessage) (ev Event, duplicate bool, err error)
	// EditMessage sets a message's text and appends an edit event.
	EditMessage(ctx context.Context, chatID, seq, actorID int64, text string) (Event, error)
	// DeleteMessage clears a message and appends a delete event.
	DeleteMessage(ctx context.Context, chatID, seq, actorID int64) (Event, error)
	// Message returns the message event with that seq, as it is now.
	Message(ctx context.Context, chatID, seq int64) (Event, error)
	// AddMembers adds users (skipping current members) with role member.
	AddMembers(ctx context.Context, chatID, actorID int64, userIDs []int64, maxMembers int) ([]Event, error)
	// RemoveMember ends a membership; it appends member_left when actor ==
	// user, else member_removed. If the owner leaves, newOwner (if non-zero)
	// becomes owner in the same transaction, with a role_changed event.
	RemoveMember(ctx context.Context, chatID, actorID, userID, newOwner int64) ([]Event, error)
	// SetRole changes a member's role. Making someone owner makes the actor
	// (the old owner) an admin in the same transaction.
	SetRole(ctx context.Context, chatID, actorID, userID int64, role Role) ([]Event, error)
	SetTitle(ctx context.Context, chatID, actorID int64, title string) (Event, error)
	// MarkRead moves the member's read position forward (never back) and
	// returns a read event; changed=false if it did not move.
	MarkRead(ctx context.Context, chatID, userID, seq int64) (ev Event, changed bool, err error)

	// History lists history events (messages and service events, not edit
	// or delete) ascending by seq: the newest `limit` before `before` if
	// before > 0, else the oldest `limit` after `after` if after >= 0, else
	// the newest.
	History(ctx context.Context, chatID, before, after int64, limit int) ([]Event, error)

	// LastPos is the highest committed position.
	LastPos(ctx context.Context) (int64, error)
	// ChangedChats lists the chats where userID is or was a member that have
	// events after pos; for ended memberships, only if the end came after pos.
	ChangedChats(ctx context.Context, userID, pos int64) ([]Member, error)
	// EventsAfter lists a chat's events with after < pos <= upto, ascending
	// by pos, at most limit.
	EventsAfter(ctx context.Context, chatID, after, upto int64, limit int) ([]Event, error)
	// SearchMessages lists live messages whose folded text holds every
	// term (the last as a prefix), in the chats userID is an active member
	// of — or in chatID only, if not 0 — best match first, then newest.
	SearchMessages(ctx context.Context, userID, chatID int64, terms []string, limit, offset int) ([]Event, error)

	// ReadsAfter lists the newest read event, with after < pos <= upto, of
	// every member of the user's chats (the user's own too, for their other
	// devices), ascending by pos, at most limit.
	ReadsAfter(ctx context.Context, userID, after, upto int64, limit int) ([]Event, error)
}

// Publisher receives committed events in commit order. The store calls it
// synchronously after each commit; it must not block.
type Publisher interface {
	Publish(events []Event)
}
