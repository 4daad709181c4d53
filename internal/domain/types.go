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
	IsBot        bool   // a bot account (domain/bots.go): no password, signed in by its token
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

// ChatType is direct (two people), group or channel (admins post,
// subscribers read).
type ChatType string

const (
	ChatDirect  ChatType = "direct"
	ChatGroup   ChatType = "group"
	ChatChannel ChatType = "channel"
)

// Role of a member in a chat.
type Role string

const (
	RoleOwner  Role = "owner"
	RoleAdmin  Role = "admin"
	RoleMember Role = "member" // in a channel: a subscriber
	// RoleBanned marks an ended membership that may not join again until
	// the ban's Until (forever if zero).
	RoleBanned Role = "banned"
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

	// Groups and channels:
	Username      string // public chats: their @username (unique with users'); empty if private
	About         string
	Signatures    bool   // channels: posts name their author (else actor_id is hidden)
	SlowMode      int    // groups: seconds a member must wait between messages (0: off)
	DefaultRights Rights // groups: what members may do
	PinnedSeq     int64  // the pinned message, 0 if none
	LinkedChatID  int64  // a channel's discussion group, or the channel a group discusses
}

// Public reports whether anyone may find, read and join the chat.
func (c Chat) Public() bool { return c.Username != "" }

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

	// Rights are an admin's powers. Denied are what a restricted member
	// may not do (taken from the chat's default rights), until Until; for
	// a banned user, Until is when the ban ends. A zero Until is forever.
	Rights Rights
	Denied Rights
	Until  time.Time
}

// Active reports whether the membership is current (a zero Member, no
// membership at all, is not).
func (m Member) Active() bool { return m.UserID != 0 && m.LeftSeq == 0 }

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
	EvInfoChanged   = "info_changed" // username, about, signatures, slow mode, default rights, linked chat
	EvPinned        = "pinned"       // target: the pinned seq, 0 to unpin
	EvRestricted    = "restricted"   // target: the member; rights: denied; until
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
	Pos      int64       `json:"pos"`
	ChatID   int64       `json:"chat_id"`
	Seq      int64       `json:"seq"`
	Type     string      `json:"type"`
	ActorID  int64       `json:"actor_id"`
	Date     time.Time   `json:"date"`
	ClientID string      `json:"client_id,omitempty"`
	Text     string      `json:"text,omitempty"`
	ReplyTo  int64       `json:"reply_to,omitempty"`
	Forward  *Forward    `json:"forward,omitempty"`
	Target   int64       `json:"target,omitempty"`
	Role     Role        `json:"role,omitempty"`
	EditedAt *time.Time  `json:"edited_at,omitempty"`
	Deleted  bool        `json:"deleted,omitempty"`
	Rights   Rights      `json:"rights,omitempty"`       // role_changed: an admin's rights; restricted: what was denied
	Until    *time.Time  `json:"until,omitempty"`        // restricted, member_removed (a ban): when it ends
	Views    int         `json:"views,omitempty"`        // channel posts: how many users viewed it (at read time)
	Media    []Media     `json:"media,omitempty"`        // messages: attached files (an album holds up to 10)
	Call     *CallRecord `json:"call,omitempty"`         // call events: how the call went
	Entities []Entity    `json:"entities,omitempty"`     // the text's formatting (domain/rich.go)
	Markup   *Markup     `json:"reply_markup,omitempty"` // a bot's keyboard
	// ForUser marks a private event: it concerns one user and reaches only
	// their devices (joining or leaving a channel, reads in large chats).
	// A private event has a pos but no seq.
	ForUser int64 `json:"for_user,omitempty"`
}

// InHistory reports whether the event is listed in a chat's history (edits
// and deletes are applied to the message they change instead).
func (e *Event) InHistory() bool {
	switch e.Type {
	case EvEdit, EvDelete, EvRead, EvInfoChanged:
		return false
	}
	return e.ForUser == 0
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
	Rights      Rights // what the user may do here now (RightsIn)
}
