package client

import "time"

// User is an account as others see it. Phone and CreatedAt are set only on
// the caller's own account (Me, UpdateMe, Auth.User).
type User struct {
	ID          int64     `json:"id"`
	Username    string    `json:"username,omitempty"` // empty for a phone account that has not chosen one
	DisplayName string    `json:"display_name"`
	Bio         string    `json:"bio"`
	Online      bool      `json:"online"`
	IsBot       bool      `json:"is_bot,omitempty"` // a bot account (docs/BOTS.md)
	LastSeen    time.Time `json:"last_seen,omitzero"`
	Phone       string    `json:"phone,omitempty"`
	CreatedAt   time.Time `json:"created_at,omitzero"`
}

// Session is one signed-in device.
type Session struct {
	ID         int64     `json:"id"`
	Device     string    `json:"device"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	Current    bool      `json:"current"` // the session making the request
}

// Auth is the answer to a sign-in: the account, the new session and its
// token. NewUser is set by PhoneVerify when the account was just created.
type Auth struct {
	User    User    `json:"user"`
	Session Session `json:"session"`
	Token   string  `json:"token"`
	NewUser bool    `json:"new_user,omitempty"`
}

// Chat types.
const (
	ChatDirect  = "direct"
	ChatGroup   = "group"
	ChatChannel = "channel"
)

// Member roles.
const (
	RoleOwner  = "owner"
	RoleAdmin  = "admin"
	RoleMember = "member"
)

// Chat is a chat summary as the caller sees it.
type Chat struct {
	ID           int64     `json:"id"`
	Type         string    `json:"type"` // ChatDirect or ChatGroup
	Title        string    `json:"title"`
	CreatedAt    time.Time `json:"created_at"`
	Role         string    `json:"role"`
	MembersCount int       `json:"members_count"`
	LastSeq      int64     `json:"last_seq"`
	ReadSeq      int64     `json:"read_seq"`
	Unread       int       `json:"unread"`
	PeerReadSeq  int64     `json:"peer_read_seq"`
	PeerID       int64     `json:"peer_id,omitempty"` // direct chats: the other member
	LastMessage  *Event    `json:"last_message,omitempty"`

	// Groups and channels.
	Username      string   `json:"username,omitempty"` // public chats
	About         string   `json:"about,omitempty"`
	Signatures    bool     `json:"signatures,omitempty"`
	SlowMode      int      `json:"slow_mode,omitempty"` // seconds
	DefaultRights []string `json:"default_rights,omitempty"`
	PinnedSeq     int64    `json:"pinned_seq,omitempty"`
	LinkedChatID  int64    `json:"linked_chat_id,omitempty"`
	MyRights      []string `json:"my_rights,omitempty"`
	Joined        bool     `json:"joined,omitempty"` // Chat and ChatByUsername: the caller is a member
}

// Member is one member of a chat.
type Member struct {
	UserID   int64      `json:"user_id"`
	Role     string     `json:"role"`
	ReadSeq  int64      `json:"read_seq"`
	JoinedAt time.Time  `json:"joined_at"`
	Rights   []string   `json:"rights,omitempty"` // an admin's rights
	Denied   []string   `json:"denied,omitempty"` // a restricted member's denied rights
	Until    *time.Time `json:"until,omitempty"`
}

// Event types.
const (
	EventChatCreated   = "chat_created"
	EventMessage       = "message"
	EventEdit          = "edit"
	EventDelete        = "delete"
	EventMemberAdded   = "member_added"
	EventMemberRemoved = "member_removed"
	EventMemberLeft    = "member_left"
	EventRoleChanged   = "role_changed"
	EventTitleChanged  = "title_changed"
	EventRead          = "read"
	EventInfoChanged   = "info_changed"
	EventPinned        = "pinned"
	EventRestricted    = "restricted"
)

// Forward names the message a forwarded message came from. In a
// SendRequest only ChatID and Seq are set; the server fills SenderID.
type Forward struct {
	ChatID   int64 `json:"chat_id"`
	Seq      int64 `json:"seq"`
	SenderID int64 `json:"sender_id,omitempty"`
}

// Event is one entry in a chat's history, or one change to it. Which fields
// are set depends on Type (see docs/API.md).
type Event struct {
	Pos      int64       `json:"pos"`
	ChatID   int64       `json:"chat_id"`
	Seq      int64       `json:"seq"` // 0 for "read" events
	Type     string      `json:"type"`
	ActorID  int64       `json:"actor_id"`
	Date     time.Time   `json:"date"`
	ClientID string      `json:"client_id,omitempty"`
	Text     string      `json:"text,omitempty"`
	ReplyTo  int64       `json:"reply_to,omitempty"`
	Forward  *Forward    `json:"forward,omitempty"`
	Target   int64       `json:"target,omitempty"`
	Role     string      `json:"role,omitempty"`
	EditedAt *time.Time  `json:"edited_at,omitempty"`
	Deleted  bool        `json:"deleted,omitempty"`
	Rights   []string    `json:"rights,omitempty"` // role_changed: an admin's rights; restricted: the denied ones
	Until    *time.Time  `json:"until,omitempty"`
	Views    int         `json:"views,omitempty"`
	Call     *CallRecord `json:"call,omitempty"`         // type "call": how a call went
	Entities []Entity    `json:"entities,omitempty"`     // the text's formatting
	Markup   *Markup     `json:"reply_markup,omitempty"` // a bot's keyboard
	Media    []Media     `json:"media,omitempty"`        // a message's files
	ForUser  int64       `json:"for_user,omitempty"`     // a private event: only this user gets it
}

// Media is a file a message carries; File gives links to its bytes.
type Media struct {
	FileID   string  `json:"file_id"`
	Kind     string  `json:"kind"` // photo, video, voice, audio or file
	MIME     string  `json:"mime"`
	Name     string  `json:"name,omitempty"`
	Size     int64   `json:"size"`
	Width    int     `json:"width,omitempty"`
	Height   int     `json:"height,omitempty"`
	Duration float64 `json:"duration,omitempty"` // seconds
	Thumbs   []int   `json:"thumbs,omitempty"`   // thumbnail sides
	Waveform []int   `json:"waveform,omitempty"` // voice notes: loudness, 0–31 per step
}

// RegisterRequest creates an account.
type RegisterRequest struct {
	Username    string `json:"username"`
	Password    string `json:"password"`
	DisplayName string `json:"display_name,omitempty"`
	Device      string `json:"device,omitempty"`
}

// LoginRequest signs in with a username and password.
type LoginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Device   string `json:"device,omitempty"`
}

// PhoneVerifyRequest signs in with a code sent by PhoneStart, creating the
// account on first use.
type PhoneVerifyRequest struct {
	Phone       string `json:"phone"`
	Code        string `json:"code"`
	Device      string `json:"device,omitempty"`
	DisplayName string `json:"display_name,omitempty"`
}

// ProfileUpdate changes the caller's profile; nil fields are left as they
// are, so that a field can also be set to "".
type ProfileUpdate struct {
	DisplayName *string `json:"display_name,omitempty"`
	Bio         *string `json:"bio,omitempty"`
	Username    *string `json:"username,omitempty"`
}

// SendRequest is a message to send: Text (optionally replying to the
// message with seq ReplyTo), or a Forward of another message.
//
// ClientID makes the send idempotent: resending the same ClientID returns
// the original event with Duplicate set. If it is empty, a random one is
// made — so to retry a send safely after an error, set it yourself.
type SendRequest struct {
	ClientID string   `json:"client_id"`
	Text     string   `json:"text,omitempty"`
	ReplyTo  int64    `json:"reply_to,omitempty"`
	Forward  *Forward `json:"forward,omitempty"`
	Media    []string `json:"media,omitempty"` // ids of finished uploads; Text is then the caption
}

// SendResult is the answer to a send.
type SendResult struct {
	Event     Event `json:"event"`
	Duplicate bool  `json:"duplicate"` // the ClientID was sent before; Event is the original
}

// HistoryQuery selects a page of a chat's history; zero fields are left
// out. Without Before or After the newest messages are returned.
type HistoryQuery struct {
	Before int64 // only seqs below this
	After  int64 // only seqs above this
	Limit  int   // 1–200; the server's default (50) if 0
	// FromStart asks for the oldest messages (after=0) when After is 0.
	FromStart bool
}

// UpdatesResult is one long-poll answer: the events after the requested
// position and the position to ask from next.
type UpdatesResult struct {
	Updates []Event `json:"updates"`
	Pos     int64   `json:"pos"`
}

// Entity marks a part of a message's text (bold, a link, code…); Offset
// and Length count UTF-16 code units.
type Entity struct {
	Type     string `json:"type"`
	Offset   int    `json:"offset"`
	Length   int    `json:"length"`
	URL      string `json:"url,omitempty"`
	UserID   int64  `json:"user_id,omitempty"`
	Language string `json:"language,omitempty"`
}

// Markup is a bot's keyboard: buttons under its message (InlineKeyboard),
// or a keyboard for the reader's composer.
type Markup struct {
	InlineKeyboard [][]struct {
		Text         string `json:"text"`
		CallbackData string `json:"callback_data,omitempty"`
		URL          string `json:"url,omitempty"`
	} `json:"inline_keyboard,omitempty"`
	Keyboard [][]struct {
		Text string `json:"text"`
	} `json:"keyboard,omitempty"`
	ResizeKeyboard  bool `json:"resize_keyboard,omitempty"`
	OneTimeKeyboard bool `json:"one_time_keyboard,omitempty"`
	RemoveKeyboard  bool `json:"remove_keyboard,omitempty"`
	ForceReply      bool `json:"force_reply,omitempty"`
}
