package domain

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of groups and channels.
const (
	maxAbout       = 255
	maxSlowMode    = 3600 // seconds
	maxInviteName  = 32
	maxInviteUses  = 100_000
	maxStatsSeqs   = 100
	maxDirectory   = 50
	maxRequestPage = 200
	maxLogPage     = 200
)

// CreateChannel makes a channel owned by the caller: public if it has a
// username, else private (joined by invite link).
func (s *Service) CreateChannel(ctx context.Context, userID int64, title string, info ChatInfo) (ChatSummary, error) {
	if err := validTitle(title); err != nil {
		return ChatSummary{}, err
	}
	if err := validInfo(ChatChannel, info); err != nil {
		return ChatSummary{}, err
	}
	c, _, _, err := s.store.CreateChat(ctx, NewChat{Type: ChatChannel, Title: title, CreatorID: userID, Info: info})
	if err != nil {
		return ChatSummary{}, err
	}
	return s.store.ChatSummary(ctx, c.ID, userID)
}

func validInfo(t ChatType, i ChatInfo) error {
	if i.Username != "" {
		if err := validUsername(i.Username); err != nil {
			return err
		}
	}
	if err := validText("about", i.About, 0, maxAbout); err != nil {
		return err
	}
	switch {
	case i.SlowMode < 0 || i.SlowMode > maxSlowMode:
		return Invalid("slow_mode", "must be 0-%d seconds", maxSlowMode)
	case t == ChatChannel && i.SlowMode != 0:
		return Invalid("slow_mode", "channels have no slow mode")
	case t == ChatGroup && i.Signatures:
		return Invalid("signatures", "only channels sign posts")
	case i.DefaultRights&^MemberRights != 0:
		return Invalid("default_rights", "members may hold only %s", MemberRights)
	case t == ChatChannel && i.DefaultRights != 0:
		return Invalid("default_rights", "a channel's subscribers only read")
	}
	return nil
}

// access is the caller's standing in a group or channel.
type access struct {
	chat   Chat
	member Member // zero if not a member
	rights Rights
}

func (a access) isMember() bool { return a.member.Active() }

// access reads the chat and the caller's membership. A chat the caller may
// not see is not found: private chats they are not in, and any chat they
// were banned from.
func (s *Service) access(ctx context.Context, chatID, userID int64) (access, error) {
	c, err := s.store.Chat(ctx, chatID)
	if IsKind(err, KindNotFound) {
		return access{}, Errorf(KindNotFound, "chat not found")
	}
	if err != nil {
		return access{}, err
	}
	a := access{chat: c}
	m, err := s.store.Member(ctx, chatID, userID)
	switch {
	case err == nil && m.Active():
		a.member, a.rights = m, RightsIn(c, m, s.now())
	case err != nil && !IsKind(err, KindNotFound):
		return access{}, err
	case !c.Public() || (err == nil && m.Role == RoleBanned && InForce(m.Until, s.now())):
		return access{}, Errorf(KindNotFound, "chat not found")
	}
	return a, nil
}

// managed returns the caller's access to a group or channel they are in,
// requiring the rights need.
func (s *Service) managed(ctx context.Context, chatID, userID int64, need Rights) (access, error) {
	a, err := s.access(ctx, chatID, userID)
	if err != nil {
		return a, err
	}
	if !a.isMember() {
		return a, Errorf(KindNotFound, "chat not found")
	}
	if a.chat.Type == ChatDirect {
		return a, Errorf(KindForbidden, "direct chats have no admins")
	}
	if a.rights&need != need {
		return a, Errorf(KindForbidden, "you need the %s right for this", (need &^ a.rights).String())
	}
	return a, nil
}

// ChatPatch changes some of a chat's settings; nil fields stay.
type ChatPatch struct {
	Title         *string
	Username      *string
	About         *string
	Signatures    *bool
	SlowMode      *int
	DefaultRights *Rights
	LinkedChatID  *int64
}

// UpdateChat changes a group's or channel's title and settings. It needs
// the change_info right; the username (making a chat public or private)
// is the owner's to change.
func (s *Service) UpdateChat(ctx context.Context, userID, chatID int64, p ChatPatch) ([]Event, error) {
	a, err := s.managed(ctx, chatID, userID, RightChangeInfo)
	if err != nil {
		return nil, err
	}
	c := a.chat
	info := ChatInfo{Username: c.Username, About: c.About, Signatures: c.Signatures, SlowMode: c.SlowMode,
		DefaultRights: c.DefaultRights, LinkedChatID: c.LinkedChatID}
	if p.Username != nil && *p.Username != c.Username {
		if a.member.Role != RoleOwner {
			return nil, Errorf(KindForbidden, "only the owner can change the username")
		}
		info.Username = *p.Username
	}
	set(&info.About, p.About)
	set(&info.Signatures, p.Signatures)
	set(&info.SlowMode, p.SlowMode)
	set(&info.DefaultRights, p.DefaultRights)
	if p.LinkedChatID != nil && *p.LinkedChatID != c.LinkedChatID {
		if err := s.checkLink(ctx, userID, c, *p.LinkedChatID); err != nil {
			return nil, err
		}
		info.LinkedChatID = *p.LinkedChatID
	}
	if err := validInfo(c.Type, info); err != nil {
		return nil, err
	}
	var out []Event
	if p.Title != nil && *p.Title != c.Title {
		if err := validTitle(*p.Title); err != nil {
			return nil, err
		}
		ev, err := s.store.SetTitle(ctx, chatID, userID, *p.Title)
		if err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	old := ChatInfo{Username: c.Username, About: c.About, Signatures: c.Signatures, SlowMode: c.SlowMode,
		DefaultRights: c.DefaultRights, LinkedChatID: c.LinkedChatID}
	if info != old {
		ev, err := s.store.SetChatInfo(ctx, chatID, userID, info)
		if err != nil {
			return out, err
		}
		out = append(out, ev)
	}
	return out, nil
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// checkLink allows a channel to name a discussion group the caller owns
// or administers (with change_info), and nothing else.
func (s *Service) checkLink(ctx context.Context, userID int64, c Chat, linked int64) error {
	if linked == 0 {
		return nil
	}
	if c.Type != ChatChannel {
		return Invalid("linked_chat_id", "a discussion group is linked from its channel")
	}
	g, err := s.managed(ctx, linked, userID, RightChangeInfo)
	if err != nil {
		return Invalid("linked_chat_id", "must be a group you administer")
	}
	if g.chat.Type != ChatGroup {
		return Invalid("linked_chat_id", "must be a group")
	}
	return nil
}

// ResolveChat finds a public chat by username, or a chat the caller is in.
func (s *Service) ResolveChat(ctx context.Context, userID int64, username string) (Chat, Member, error) {
	c, err := s.store.ChatByUsername(ctx, strings.TrimPrefix(username, "@"))
	if err != nil {
		return Chat{}, Member{}, Errorf(KindNotFound, "chat not found")
	}
	a, err := s.access(ctx, c.ID, userID)
	return a.chat, a.member, err
}

// Preview returns a chat the caller may see (a member, or anyone for a
// public chat) and their membership (zero if none).
func (s *Service) Preview(ctx context.Context, userID, chatID int64) (Chat, Member, error) {
	a, err := s.access(ctx, chatID, userID)
	return a.chat, a.member, err
}

// Join subscribes the caller to a public channel or joins a public group.
func (s *Service) Join(ctx context.Context, userID, chatID int64) (ChatSummary, error) {
	a, err := s.access(ctx, chatID, userID)
	if err != nil {
		return ChatSummary{}, err
	}
	if !a.isMember() {
		if !a.chat.Public() {
			return ChatSummary{}, Errorf(KindNotFound, "chat not found")
		}
		if _, err := s.store.JoinChat(ctx, chatID, userID, "", s.maxMembers(a.chat.Type)); err != nil {
			return ChatSummary{}, err
		}
	}
	return s.store.ChatSummary(ctx, chatID, userID)
}

// maxMembers is the size limit of a chat type (0: none). Channels have no
// limit: a subscriber costs one row.
func (s *Service) maxMembers(t ChatType) int {
	if t == ChatChannel {
		return 0
	}
	return s.cfg.MaxGroupSize
}

// InviteRequest describes a new invite link.
type InviteRequest struct {
	Name          string
	ExpiresIn     time.Duration // 0: never
	UsageLimit    int           // 0: no limit
	NeedsApproval bool
}

// CreateInvite makes an invite link (the invite right).
func (s *Service) CreateInvite(ctx context.Context, userID, chatID int64, r InviteRequest) (Invite, error) {
	switch {
	case r.UsageLimit < 0 || r.UsageLimit > maxInviteUses:
		return Invite{}, Invalid("usage_limit", "must be 0-%d", maxInviteUses)
	case r.NeedsApproval && r.UsageLimit != 0:
		return Invite{}, Invalid("usage_limit", "links that need approval have no use limit")
	case r.ExpiresIn < 0 || r.ExpiresIn > 366*24*time.Hour:
		return Invite{}, Invalid("expires_in", "must be 0 (never) up to a year")
	}
	if err := validText("name", r.Name, 0, maxInviteName); err != nil {
		return Invite{}, err
	}
	if _, err := s.managed(ctx, chatID, userID, RightInvite); err != nil {
		return Invite{}, err
	}
	inv := Invite{Code: newInviteCode(), ChatID: chatID, CreatorID: userID, Name: r.Name,
		UsageLimit: r.UsageLimit, NeedsApproval: r.NeedsApproval}
	if r.ExpiresIn > 0 {
		inv.ExpiresAt = s.now().Add(r.ExpiresIn).UTC().Truncate(time.Millisecond)
	}
	return s.store.CreateInvite(ctx, inv)
}

// newInviteCode is 16 random bytes: a link cannot be guessed.
func newInviteCode() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func validInviteCode(code string) error {
	if len(code) == 0 || len(code) > 64 {
		return Errorf(KindNotFound, "this invite link is not valid")
	}
	for _, r := range code {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return Errorf(KindNotFound, "this invite link is not valid")
		}
	}
	return nil
}

// Invites lists a chat's links (the invite right).
func (s *Service) Invites(ctx context.Context, userID, chatID int64) ([]Invite, error) {
	if _, err := s.managed(ctx, chatID, userID, RightInvite); err != nil {
		return nil, err
	}
	return s.store.Invites(ctx, chatID)
}

// RevokeInvite stops a link working (the invite right).
func (s *Service) RevokeInvite(ctx context.Context, userID, chatID int64, code string) error {
	if _, err := s.managed(ctx, chatID, userID, RightInvite); err != nil {
		return err
	}
	if err := validInviteCode(code); err != nil {
		return err
	}
	return s.store.RevokeInvite(ctx, chatID, userID, code)
}

// InvitePreview shows what a link leads to, for deciding to join.
func (s *Service) InvitePreview(ctx context.Context, userID int64, code string) (Chat, Invite, bool, error) {
	inv, err := s.usableInvite(ctx, code)
	if err != nil {
		return Chat{}, Invite{}, false, err
	}
	c, err := s.store.Chat(ctx, inv.ChatID)
	if err != nil {
		return Chat{}, Invite{}, false, err
	}
	m, err := s.store.Member(ctx, inv.ChatID, userID)
	member := err == nil && m.Active()
	return c, inv, member, nil
}

func (s *Service) usableInvite(ctx context.Context, code string) (Invite, error) {
	if err := validInviteCode(code); err != nil {
		return Invite{}, err
	}
	inv, err := s.store.Invite(ctx, code)
	if err != nil || !inv.Usable(s.now()) {
		return Invite{}, Errorf(KindNotFound, "this invite link is not valid")
	}
	return inv, nil
}

// JoinByInvite joins the chat a link leads to; for a link that needs
// approval it files a join request instead (pending=true).
func (s *Service) JoinByInvite(ctx context.Context, userID int64, code string) (cs ChatSummary, pending bool, err error) {
	inv, err := s.usableInvite(ctx, code)
	if err != nil {
		return ChatSummary{}, false, err
	}
	c, err := s.store.Chat(ctx, inv.ChatID)
	if err != nil {
		return ChatSummary{}, false, err
	}
	if m, err := s.store.Member(ctx, c.ID, userID); err == nil && m.Active() {
		cs, err := s.store.ChatSummary(ctx, c.ID, userID)
		return cs, false, err
	}
	if inv.NeedsApproval {
		return ChatSummary{Chat: c}, true, s.store.AddJoinRequest(ctx, c.ID, userID, code)
	}
	if _, err := s.store.JoinChat(ctx, c.ID, userID, code, s.maxMembers(c.Type)); err != nil {
		return ChatSummary{}, false, err
	}
	cs, err = s.store.ChatSummary(ctx, c.ID, userID)
	return cs, false, err
}

// JoinRequests lists pending requests (the invite right).
func (s *Service) JoinRequests(ctx context.Context, userID, chatID int64, limit int) ([]JoinRequest, error) {
	if _, err := s.managed(ctx, chatID, userID, RightInvite); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > maxRequestPage {
		limit = maxRequestPage
	}
	return s.store.JoinRequests(ctx, chatID, limit)
}

// DecideJoinRequest approves or declines a request (the invite right).
func (s *Service) DecideJoinRequest(ctx context.Context, userID, chatID, requester int64, approve bool) ([]Event, error) {
	a, err := s.managed(ctx, chatID, userID, RightInvite)
	if err != nil {
		return nil, err
	}
	return s.store.DecideJoinRequest(ctx, chatID, userID, requester, approve, s.maxMembers(a.chat.Type))
}

// target reads the member an admin acts on and checks the actor outranks
// them: the owner outranks everyone; an admin outranks members only.
func (s *Service) target(ctx context.Context, a access, targetID int64) (Member, error) {
	if targetID == a.member.UserID {
		return Member{}, Invalid("user_id", "you cannot do this to yourself")
	}
	t, err := s.store.Member(ctx, a.chat.ID, targetID)
	if err != nil && !IsKind(err, KindNotFound) {
		return Member{}, err
	}
	if t.Active() && (t.Role == RoleOwner || (t.Role == RoleAdmin && a.member.Role != RoleOwner)) {
		return Member{}, Errorf(KindForbidden, "only the owner can do this to an admin")
	}
	return t, nil
}

// Ban removes a user from a group or channel and keeps them out until
// until (zero: forever). It needs the ban right.
func (s *Service) Ban(ctx context.Context, userID, chatID, targetID int64, until time.Time) ([]Event, error) {
	a, err := s.managed(ctx, chatID, userID, RightBan)
	if err != nil {
		return nil, err
	}
	if _, err := s.target(ctx, a, targetID); err != nil {
		return nil, err
	}
	if _, err := s.store.UserByID(ctx, targetID); err != nil {
		return nil, err
	}
	return s.store.BanMember(ctx, chatID, userID, targetID, until)
}

// Bans lists the bans in force (the ban right).
func (s *Service) Bans(ctx context.Context, userID, chatID int64) ([]Member, error) {
	if _, err := s.managed(ctx, chatID, userID, RightBan); err != nil {
		return nil, err
	}
	all, err := s.store.Bans(ctx, chatID, maxBanList)
	now := s.now()
	return slices.DeleteFunc(all, func(m Member) bool { return !InForce(m.Until, now) }), err
}

// maxBanList bounds the bans listed.
const maxBanList = 10_000

// Unban lets a banned user join again (the ban right).
func (s *Service) Unban(ctx context.Context, userID, chatID, targetID int64) error {
	if _, err := s.managed(ctx, chatID, userID, RightBan); err != nil {
		return err
	}
	return s.store.UnbanMember(ctx, chatID, userID, targetID)
}

// Restrict denies a group member some of the default rights until until
// (zero: forever; denied 0 lifts it). It needs the ban right.
func (s *Service) Restrict(ctx context.Context, userID, chatID, targetID int64, denied Rights, until time.Time) (Event, error) {
	a, err := s.managed(ctx, chatID, userID, RightBan)
	if err != nil {
		return Event{}, err
	}
	if a.chat.Type != ChatGroup {
		return Event{}, Errorf(KindForbidden, "only group members can be restricted")
	}
	if denied&^MemberRights != 0 {
		return Event{}, Invalid("denied", "only members' rights (%s) can be denied", MemberRights)
	}
	t, err := s.target(ctx, a, targetID)
	if err != nil {
		return Event{}, err
	}
	if !t.Active() {
		return Event{}, Errorf(KindNotFound, "not a member of this chat")
	}
	if t.Role != RoleMember {
		return Event{}, Errorf(KindForbidden, "admins cannot be restricted; remove their admin rights first")
	}
	return s.store.RestrictMember(ctx, chatID, userID, targetID, denied, until)
}

// SetAdmin makes a member an admin with rights (0: back to member). It
// needs the add_admins right, and gives only rights the caller holds.
func (s *Service) SetAdmin(ctx context.Context, userID, chatID, targetID int64, rights Rights) (Event, error) {
	a, err := s.managed(ctx, chatID, userID, RightAddAdmins)
	if err != nil {
		return Event{}, err
	}
	if rights&^a.rights != 0 {
		return Event{}, Errorf(KindForbidden, "you can only give rights you hold")
	}
	if a.chat.Type == ChatChannel {
		rights &^= RightSendMedia // posting covers media in a channel
		if rights&RightPost != 0 {
			rights |= RightSendMedia
		}
	}
	t, err := s.target(ctx, a, targetID)
	if err != nil {
		return Event{}, err
	}
	if !t.Active() {
		return Event{}, Errorf(KindNotFound, "not a member of this chat")
	}
	return s.store.SetAdminRights(ctx, chatID, userID, targetID, rights)
}

// Pin pins a message (seq 0 unpins); the pin right.
func (s *Service) Pin(ctx context.Context, userID, chatID, seq int64) (Event, error) {
	if seq < 0 {
		return Event{}, Invalid("seq", "must not be negative")
	}
	a, err := s.access(ctx, chatID, userID)
	if err != nil {
		return Event{}, err
	}
	if !a.isMember() {
		return Event{}, Errorf(KindNotFound, "chat not found")
	}
	if a.chat.Type != ChatDirect && a.rights&RightPin == 0 {
		return Event{}, Errorf(KindForbidden, "you need the pin right for this")
	}
	return s.store.PinMessage(ctx, chatID, userID, seq)
}

// React sets the caller's reaction to a message ("" removes it).
func (s *Service) React(ctx context.Context, userID, chatID, seq int64, emoji string) error {
	if emoji != "" && !slices.Contains(Reactions, emoji) {
		return Invalid("emoji", "must be one of %s", strings.Join(Reactions, " "))
	}
	a, err := s.access(ctx, chatID, userID)
	if err != nil {
		return err
	}
	if !a.isMember() {
		return Errorf(KindForbidden, "join the chat to react")
	}
	return s.store.SetReaction(ctx, chatID, seq, userID, emoji)
}

// Stats returns the views and reactions of messages the caller has on
// screen; with view, it also counts the caller as a viewer of each.
func (s *Service) Stats(ctx context.Context, userID, chatID int64, seqs []int64, view bool) ([]MessageStats, error) {
	if len(seqs) == 0 || len(seqs) > maxStatsSeqs {
		return nil, Invalid("seqs", "give 1-%d message seqs", maxStatsSeqs)
	}
	seqs = uniq(seqs)
	if seqs[0] <= 0 {
		return nil, Invalid("seqs", "must be positive")
	}
	if _, err := s.access(ctx, chatID, userID); err != nil {
		return nil, err
	}
	if view {
		if err := s.store.ViewMessages(ctx, chatID, userID, seqs); err != nil {
			return nil, err
		}
	}
	return s.store.MessageStats(ctx, chatID, userID, seqs)
}

// AdminLog pages through a chat's admin log (admins and the owner).
func (s *Service) AdminLog(ctx context.Context, userID, chatID, before int64, limit int) ([]LogEntry, error) {
	a, err := s.managed(ctx, chatID, userID, 0)
	if err != nil {
		return nil, err
	}
	if !isAdmin(a.member.Role) {
		return nil, Errorf(KindForbidden, "only admins can read the admin log")
	}
	if before < 0 {
		return nil, Invalid("before", "must not be negative")
	}
	if limit <= 0 || limit > maxLogPage {
		limit = 50
	}
	return s.store.AdminLog(ctx, chatID, before, limit)
}

// SearchDirectory finds users and public chats by @username prefix and by
// the words of their names.
func (s *Service) SearchDirectory(ctx context.Context, userID int64, query string, limit int) ([]User, []Chat, error) {
	if err := s.checkQuery(userID, query, limit, 0, maxDirectory); err != nil {
		return nil, nil, err
	}
	q := strings.TrimSpace(query)
	prefix := ""
	if p := strings.TrimPrefix(q, "@"); isUsernamePrefix(p) {
		prefix = p
	}
	terms := SearchTerms(q)
	if len(terms) > maxSearchTerms {
		terms = terms[:maxSearchTerms]
	}
	if prefix == "" && len(terms) == 0 {
		return nil, nil, Invalid("q", "give a name or an @username")
	}
	return s.store.SearchDirectory(ctx, prefix, terms, limit)
}

func isUsernamePrefix(p string) bool {
	if p == "" || len(p) > 32 {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// SearchPublic finds posts in public channels, for anyone.
func (s *Service) SearchPublic(ctx context.Context, userID int64, query string, limit, offset int) ([]Event, error) {
	if err := s.checkQuery(userID, query, limit, offset, maxSearchLimit); err != nil {
		return nil, err
	}
	terms := SearchTerms(query)
	if len(terms) == 0 {
		return nil, Invalid("q", "give at least one word")
	}
	if len(terms) > maxSearchTerms {
		terms = terms[:maxSearchTerms]
	}
	return s.store.SearchPublic(ctx, terms, limit, offset)
}

// checkQuery validates a search and counts it against the caller's limit.
func (s *Service) checkQuery(userID int64, query string, limit, offset, maxLimit int) error {
	switch {
	case !utf8.ValidString(query):
		return Invalid("q", "must be UTF-8")
	case utf8.RuneCountInString(query) > maxSearchQuery:
		return Invalid("q", "must be at most %d characters", maxSearchQuery)
	case limit < 1 || limit > maxLimit:
		return Invalid("limit", "must be 1-%d", maxLimit)
	case offset < 0 || offset > maxSearchOffset:
		return Invalid("offset", "must be 0-%d", maxSearchOffset)
	}
	key := strconv.FormatInt(userID, 10)
	if no, wait := s.searchLimit.blocked(key); no {
		return rateLimited(wait)
	}
	s.searchLimit.hit(key)
	return nil
}
