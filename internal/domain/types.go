package domain

import "time"

// User is an account.
type User struct {
	ID           int64
	Username     string // empty for a phone account that has not chosen one
	Phone        string // E.164, or empty
	DisplayName  string
	Bio          string
	PasswordHash string // argon2id, PHC string form; empty for phone-only accounts
	CreatedAt    time.Time
	LastSeen     time.Time
}

// Session is one signed-in device. Only the SHA-256 of its token is kept.
type Session struct {
	ID         int64
	UserID     int64
	TokenHash  []byte
	Device     string
	CreatedAt  time.Time
	LastSeenAt time.Time
}

// ChatType is direct (two people) or group.
type ChatType string

const (
	ChatDirect ChatType = "direct"
	ChatGroup  ChatType = "group"
)

// Role of a member in a chat.
type Role string

const (
	RoleOwner  Role = "owner"
	RoleAdmin  Role = "admin"
	RoleMember Role = "member"
)

// Chat is a conversation with a gap-free sequence of events.
type Chat struct {
	ID        int64
	Type      ChatType
	Title     string
	CreatedAt time.Time
	LastSeq   int64 // the newest event's seq
	LastPos   int64 // the newest event's pos (used to find chats changed since a position)
	Members   int   // active members
}

// Member is a user's membership of a chat. A member who left or was removed
// keeps a row with LeftSeq set, so that a resync can still deliver the event
// that removed them and nothing after it.
type Member struct {
	ChatID   int64
	UserID   int64
	Role     Role
	ReadSeq  int64
	JoinedAt time.Time
	LeftSeq  int64 // 0 while a member
	LeftPos  int64 // the position of the event that ended the membership
	Blocked  bool  // direct chats: one side blocks the other
}

// Active reports whether the membership is current.
func (m Member) Active() bool { return m.LeftSeq == 0 }

// Event types. Every change to a chat is an event with the chat's next seq;
// "read" events carry a pos but no seq.
const (
	EvChatCreated   = "chat_created"
	EvMessage       = "message"
	EvEdit          = "edit"
	EvDelete        = "delete"
	EvMemberAdded   = "member_added"
	EvMemberRemoved = "member_removed"
	EvMemberLeft    = "member_left"
	EvRoleChanged   = "role_changed"
	EvTitleChanged  = "title_changed"
	EvRead          = "read"
)

// Forward names the message a forwarded message came from.
type Forward struct {
	ChatID   int64 `json:"chat_id"`
	Seq      int64 `json:"seq"`
	SenderID int64 `json:"sender_id,omitempty"`
}

// Event is one entry in a chat's log (see docs/API.md for each type's
// fields). It is also the wire form: the transport encodes it as is.
type Event struct {
	Pos      int64      `json:"pos"`
	ChatID   int64      `json:"chat_id"`
	Seq      int64      `json:"seq"`
	Type     string     `json:"type"`
	ActorID  int64      `json:"actor_id"`
	Date     time.Time  `json:"date"`
	ClientID string     `json:"client_id,omitempty"`
	Text     string     `json:"text,omitempty"`
	ReplyTo  int64      `json:"reply_to,omitempty"`
	Forward  *Forward   `json:"forward,omitempty"`
	Target   int64      `json:"target,omitempty"`
	Role     Role       `json:"role,omitempty"`
	EditedAt *time.Time `json:"edited_at,omitempty"`
	Deleted  bool       `json:"deleted,omitempty"`
}

// InHistory reports whether the event is listed in a chat's history (edits
// and deletes are applied to the message they change instead).
func (e *Event) InHistory() bool {
	return e.Type != EvEdit && e.Type != EvDelete && e.Type != EvRead
}

// ChatSummary is a chat as one member sees it in their chat list.
type ChatSummary struct {
	Chat
	Role        Role
	ReadSeq     int64
	Unread      int
	PeerReadSeq int64
	PeerID      int64 // direct chats: the other member
	LastMessage *Event
}
