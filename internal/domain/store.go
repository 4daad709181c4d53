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
	FileStore
	CallStore
	BotStore
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
	Info       ChatInfo // groups and channels; a taken Username is a KindConflict error
}

// NewMessage is a message to append. The store assigns seq, pos and date.
type NewMessage struct {
	ChatID   int64
	SenderID int64
	ClientID string
	Text     string
	ReplyTo  int64
	Forward  *Forward
	Media    []Media     // Text is then the caption (may be empty)
	Call     *CallRecord // a call's record: the event is a "call", not a "message"
	Rich     Rich        // formatting and a bot's keyboard
	// Need are the rights sending this takes (RightPost, with RightSendMedia
	// for media); the store checks them with RightsIn inside its
	// transaction, failing with KindForbidden. Zero checks nothing more
	// than membership.
	Need Rights
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
	// ChatSummary is one chat as userID sees it. Unread counts at most
	// UnreadCap messages; PeerReadSeq is 0 in chats with private reads.
	ChatSummary(ctx context.Context, chatID, userID int64) (ChatSummary, error)
	// ActiveChatIDs lists the chats the user is an active member of.
	ActiveChatIDs(ctx context.Context, userID int64) ([]int64, error)
	// DirectChatIDs lists the user's direct chats.
	DirectChatIDs(ctx context.Context, userID int64) ([]int64, error)

	// AppendMessage appends a message. If the sender already sent
	// ClientID, it returns that message and duplicate=true, changing nothing.
	// The sender must be an active member (else KindNotFound) of a chat that
	// is not blocked (else KindBlocked), holding m.Need (else
	// KindForbidden), and, in a group with slow mode, sending no sooner
	// than SlowMode seconds after their previous message unless they are
	// an admin or the owner (else KindRateLimited, RetryAfter set). In a
	// channel without signatures the post is anonymous: its ActorID reads
	// as 0 wherever it is read or published (the store keeps the sender
	// for idempotency).
	AppendMessage(ctx context.Context, m NewMessage) (ev Event, duplicate bool, err error)
	// EditMessage sets a message's text and appends an edit event
	// (logged in the admin log if the actor is not the sender).
	// The message's formatting and keyboard become rich's.
	EditMessage(ctx context.Context, chatID, seq, actorID int64, text string, rich Rich) (Event, error)
	// DeleteMessage clears a message and appends a delete event (logged
	// in the admin log if the actor is not the sender).
	DeleteMessage(ctx context.Context, chatID, seq, actorID int64) (Event, error)
	// Message returns the message event with that seq, as it is now.
	Message(ctx context.Context, chatID, seq int64) (Event, error)
	// AddMembers adds users (skipping current members) with role member.
	AddMembers(ctx context.Context, chatID, actorID int64, userIDs []int64, maxMembers int) ([]Event, error)
	// RemoveMember ends a membership; it appends member_left when actor ==
	// user, else member_removed (and an admin log entry). If the owner
	// leaves, newOwner (if non-zero) becomes owner in the same
	// transaction, with a role_changed event. In a channel these events
	// are private to the member concerned (see ChannelStore).
	RemoveMember(ctx context.Context, chatID, actorID, userID, newOwner int64) ([]Event, error)
	// SetRole changes a member's role. Making someone owner makes the actor
	// (the old owner) an admin in the same transaction. A new admin gets
	// AdminRights; a member has no admin rights. Logged in the admin log;
	// private to the member concerned in a channel.
	SetRole(ctx context.Context, chatID, actorID, userID int64, role Role) ([]Event, error)
	// SetTitle renames a group or channel (logged in the admin log).
	SetTitle(ctx context.Context, chatID, actorID int64, title string) (Event, error)
	// MarkRead moves the member's read position forward (never back) and
	// returns a read event; changed=false if it did not move. The event is
	// private (ForUser) when PrivateReads says so for the chat.
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

	// PrivateAfter lists the user's private events (ForUser == userID)
	// with after < pos <= upto, ascending by pos, at most limit.
	PrivateAfter(ctx context.Context, userID, after, upto int64, limit int) ([]Event, error)

	// ReadsAfter lists the newest read event (only the user's own in
	// chats where PrivateReads holds), with after < pos <= upto, of
	// every member of the user's chats (the user's own too, for their other
	// devices), ascending by pos, at most limit.
	ReadsAfter(ctx context.Context, userID, after, upto int64, limit int) ([]Event, error)

	ChannelStore
}

// ChannelStore keeps what groups and channels add: public usernames, joins
// and links, rights, bans, pins, views, reactions and the admin log.
//
// Private events. In a channel, what concerns one member (their joining,
// leaving, being removed or banned, their role or restriction changing,
// their reads) is a private event: it takes a pos but no seq, is stored
// apart from the chat's log (PrivateAfter), and is published with ForUser
// set. In a group, joins, leaves, removals and role changes are chat events
// everyone sees while the group is small, private when PrivateMembership
// says so (its size counted before the change); restrictions are always
// private; reads are private when PrivateReads says so. A member who leaves a channel gets LeftSeq = the
// chat's last seq then and LeftPos = the private event's pos.
//
// Admin actions (see the Log* actions) are written to the admin log in the
// same transaction as the change.
type ChannelStore interface {
	// ChatByUsername finds a public chat, case-insensitively.
	ChatByUsername(ctx context.Context, username string) (Chat, error)
	// SetChatInfo saves a group's or channel's settings and appends an
	// info_changed event (and an admin log entry). A taken username (by a
	// chat or a user) is KindConflict.
	SetChatInfo(ctx context.Context, chatID, actorID int64, info ChatInfo) (Event, error)
	// JoinChat makes userID a member (role member). With code, the invite
	// must be usable then, and its use is counted in the same transaction
	// (KindNotFound if it is not usable). A ban in force is KindForbidden;
	// a chat that already has maxMembers (if > 0) is KindForbidden. Joining
	// a chat one is already in changes nothing and returns no events.
	JoinChat(ctx context.Context, chatID, userID int64, code string, maxMembers int) ([]Event, error)
	// BanMember ends userID's membership (if active), with a
	// member_removed event carrying Until, and keeps them out until until
	// (forever if zero). Banning a user who is not a member records the ban.
	BanMember(ctx context.Context, chatID, actorID, userID int64, until time.Time) ([]Event, error)
	// Bans lists the chat's banned users (role banned, whether or not the
	// ban is still in force), by user id, at most limit.
	Bans(ctx context.Context, chatID int64, limit int) ([]Member, error)
	// UnbanMember lifts a ban (KindNotFound if there is none); the user may
	// join again but is not added.
	UnbanMember(ctx context.Context, chatID, actorID, userID int64) error
	// RestrictMember denies an active member some of the default rights
	// until until (zero: forever; denied == 0 lifts a restriction), with a
	// private restricted event for the member.
	RestrictMember(ctx context.Context, chatID, actorID, userID int64, denied Rights, until time.Time) (Event, error)
	// SetAdminRights sets an admin's rights (role_changed with Rights).
	SetAdminRights(ctx context.Context, chatID, actorID, userID int64, rights Rights) (Event, error)
	// PinMessage pins a live message (seq 0 unpins) with a pinned event.
	PinMessage(ctx context.Context, chatID, actorID, seq int64) (Event, error)

	// ViewMessages counts userID as a viewer of each message, once per
	// user and message however often they ask; unknown seqs are skipped.
	ViewMessages(ctx context.Context, chatID, userID int64, seqs []int64) error
	// SetReaction sets userID's reaction to a live message (one per user;
	// "" removes it). KindNotFound if the message is not live.
	SetReaction(ctx context.Context, chatID, seq, userID int64, emoji string) error
	// MessageStats returns the views and reaction counts of each listed
	// message that exists (in the order asked), with Mine marking userID's
	// own reaction. Counts are ordered by count, then emoji.
	MessageStats(ctx context.Context, chatID, userID int64, seqs []int64) ([]MessageStats, error)

	// CreateInvite stores a new link (Code, ChatID, CreatorID, Name,
	// ExpiresAt, UsageLimit, NeedsApproval are set by the caller).
	CreateInvite(ctx context.Context, inv Invite) (Invite, error)
	Invite(ctx context.Context, code string) (Invite, error)
	// Invites lists a chat's links, newest first.
	Invites(ctx context.Context, chatID int64) ([]Invite, error)
	// RevokeInvite revokes a chat's link (KindNotFound if not that chat's).
	RevokeInvite(ctx context.Context, chatID, actorID int64, code string) error
	// AddJoinRequest records a request (a second one from the same user
	// changes nothing). A ban in force is KindForbidden.
	AddJoinRequest(ctx context.Context, chatID, userID int64, code string) error
	// JoinRequests lists a chat's pending requests, oldest first.
	JoinRequests(ctx context.Context, chatID int64, limit int) ([]JoinRequest, error)
	// DecideJoinRequest approves (joining the user as JoinChat does, without
	// a code) or declines a pending request, and deletes it. KindNotFound if
	// there is no such request.
	DecideJoinRequest(ctx context.Context, chatID, actorID, userID int64, approve bool, maxMembers int) ([]Event, error)

	// AdminLog lists a chat's admin log, newest first, entries with id <
	// before (all if before is 0), at most limit.
	AdminLog(ctx context.Context, chatID, before int64, limit int) ([]LogEntry, error)

	// SearchDirectory finds users and public chats whose username starts
	// with the folded prefix, or whose folded name holds every term (the
	// last as a prefix). At most limit of each.
	SearchDirectory(ctx context.Context, prefix string, terms []string, limit int) ([]User, []Chat, error)
	// SearchPublic is SearchMessages over public channels' posts, whoever
	// asks.
	SearchPublic(ctx context.Context, terms []string, limit, offset int) ([]Event, error)
}

// Publisher receives committed events in commit order. The store calls it
// synchronously after each commit; it must not block.
type Publisher interface {
	Publish(events []Event)
}
