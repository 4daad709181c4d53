package domain

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Rights is a set of things a member may do in a group or channel. An
// admin holds the rights they were given; a group's members hold the
// chat's default rights less any they are denied; a channel's subscribers
// hold none; the owner holds all.
type Rights uint32

const (
	RightPost       Rights = 1 << iota // send messages; in a channel, post
	RightSendMedia                     // send photos, files, voice notes
	RightInvite                        // add members, make invite links, approve join requests
	RightPin                           // pin messages
	RightChangeInfo                    // title, about, username, slow mode, default rights
	RightEdit                          // edit others' messages (channels: any post)
	RightDelete                        // delete others' messages
	RightBan                           // ban, restrict, remove members
	RightAddAdmins                     // make admins with rights they hold themselves

	AllRights Rights = 1<<iota - 1
)

// Preset rights.
const (
	// GroupDefaultRights are what a new group's members may do.
	GroupDefaultRights = RightPost | RightSendMedia | RightInvite
	// AdminRights are what a new admin gets unless told otherwise.
	AdminRights = AllRights &^ RightAddAdmins
	// MemberRights are the rights a group's default may hold.
	MemberRights = RightPost | RightSendMedia | RightInvite | RightPin | RightChangeInfo
)

var rightNames = []struct {
	r    Rights
	name string
}{
	{RightPost, "post"}, {RightSendMedia, "send_media"}, {RightInvite, "invite"}, {RightPin, "pin"},
	{RightChangeInfo, "change_info"}, {RightEdit, "edit"}, {RightDelete, "delete"}, {RightBan, "ban"},
	{RightAddAdmins, "add_admins"},
}

// Names lists the rights by name, in a fixed order (the API's form).
func (r Rights) Names() []string {
	out := []string{}
	for _, n := range rightNames {
		if r&n.r != 0 {
			out = append(out, n.name)
		}
	}
	return out
}

func (r Rights) String() string { return strings.Join(r.Names(), ",") }

// ParseRights reads rights by name; an unknown name is an invalid_argument
// error naming field.
func ParseRights(field string, names []string) (Rights, error) {
	var r Rights
next:
	for _, name := range names {
		for _, n := range rightNames {
			if n.name == name {
				r |= n.r
				continue next
			}
		}
		return 0, Invalid(field, "unknown right %q", name)
	}
	return r, nil
}

// InForce reports whether a restriction or ban that lasts until `until`
// (forever if zero) still holds at now.
func InForce(until, now time.Time) bool { return until.IsZero() || now.Before(until) }

// RightsIn reports what an active member may do in a chat at now.
func RightsIn(c Chat, m Member, now time.Time) Rights {
	if !m.Active() {
		return 0
	}
	switch {
	case c.Type == ChatDirect:
		return RightPost | RightSendMedia
	case m.Role == RoleOwner:
		return AllRights
	case c.Type == ChatChannel && m.Role == RoleAdmin:
		return m.Rights
	case c.Type == ChatChannel:
		return 0
	case m.Role == RoleAdmin:
		return m.Rights | c.DefaultRights
	}
	r := c.DefaultRights
	if m.Denied != 0 && InForce(m.Until, now) {
		r &^= m.Denied
	}
	return r
}

// UnreadCap is the most unread messages a chat summary counts; a list
// shows "999+" beyond. Counting is then cheap however far behind one is.
const UnreadCap = 1000

// SharedReadsMax is the largest chat whose members see each other's read
// receipts. In larger chats, and in channels, a read reaches only the
// reader's own devices: sharing it would cost work for every member on
// every read.
const SharedReadsMax = 1000

// PrivateReads reports whether reads in a chat of this type and size stay
// with the reader.
func PrivateReads(t ChatType, members int) bool {
	return t == ChatChannel || members > SharedReadsMax
}

// PrivateMembership reports whether a member's joining, leaving, removal
// and role changes reach only that member: in channels, and in groups
// larger than SharedReadsMax, where telling every member of every join
// would cost O(members) per join.
func PrivateMembership(t ChatType, members int) bool {
	return t == ChatChannel || members > SharedReadsMax
}

// Reactions users may put on messages: one per user per message.
var Reactions = []string{"👍", "👎", "❤️", "🔥", "🎉", "😁", "😢", "😮", "🙏", "👏", "🤔", "💯"}

// ReactionCount is how many users reacted to a message with one emoji.
type ReactionCount struct {
	Emoji string `json:"emoji"`
	Count int    `json:"count"`
	Mine  bool   `json:"mine,omitempty"` // the asking user chose it
}

// MessageStats are a message's counters, as of now.
type MessageStats struct {
	Seq       int64           `json:"seq"`
	Views     int             `json:"views"`
	Reactions []ReactionCount `json:"reactions"`
}

// Invite is a link that lets people join a chat: the link is the code.
type Invite struct {
	Code          string
	ChatID        int64
	CreatorID     int64
	Name          string // the admin's label for the link
	CreatedAt     time.Time
	ExpiresAt     time.Time // zero: never
	UsageLimit    int       // 0: no limit
	Uses          int
	NeedsApproval bool // joining makes a join request instead
	Revoked       bool
}

// Usable reports whether the link can still be used at now.
func (i Invite) Usable(now time.Time) bool {
	return !i.Revoked && (i.ExpiresAt.IsZero() || now.Before(i.ExpiresAt)) && (i.UsageLimit == 0 || i.Uses < i.UsageLimit)
}

// JoinRequest is a user asking to join through a link that needs approval.
type JoinRequest struct {
	ChatID int64
	UserID int64
	Code   string
	Date   time.Time
}

// LogEntry is one admin action in a group or channel's admin log.
type LogEntry struct {
	ID      int64     `json:"id"`
	ChatID  int64     `json:"chat_id"`
	ActorID int64     `json:"actor_id"`
	Action  string    `json:"action"`
	Target  int64     `json:"target,omitempty"` // a user or a message seq, by action
	Detail  string    `json:"detail,omitempty"`
	Date    time.Time `json:"date"`
}

// Admin log actions.
const (
	LogTitle    = "title"
	LogInfo     = "info"
	LogPin      = "pin"
	LogDelete   = "delete"   // target: the seq of someone else's message
	LogEdit     = "edit"     // target: the seq of someone else's post
	LogRemove   = "remove"   // target: the user
	LogBan      = "ban"      // detail: until
	LogUnban    = "unban"    //
	LogRestrict = "restrict" // detail: denied rights and until
	LogRole     = "role"     // detail: role and rights
	LogInvite   = "invite"   // detail: the link's name
	LogRevoke   = "revoke"   // detail: the link's name
	LogApprove  = "approve"  // target: the user
	LogDecline  = "decline"  // target: the user
)

// ChatInfo is a group's or channel's settings, saved together.
type ChatInfo struct {
	Username      string
	About         string
	Signatures    bool
	SlowMode      int
	DefaultRights Rights
	LinkedChatID  int64
}

// SlowModeError refuses a message sent sooner than slow mode allows.
func SlowModeError(wait time.Duration) *Error {
	secs := int((wait + time.Second - 1) / time.Second)
	return &Error{Kind: KindRateLimited, Message: fmt.Sprintf("slow mode: wait %d s before your next message", secs), RetryAfter: secs}
}

// MarshalJSON writes rights as a list of names.
func (r Rights) MarshalJSON() ([]byte, error) { return json.Marshal(r.Names()) }

// UnmarshalJSON reads a list of names.
func (r *Rights) UnmarshalJSON(b []byte) error {
	var names []string
	if err := json.Unmarshal(b, &names); err != nil {
		return err
	}
	v, err := ParseRights("rights", names)
	*r = v
	return err
}
