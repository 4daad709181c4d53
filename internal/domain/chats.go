package domain

import (
	"context"
	"fmt"
	"slices"
)

// CreateDirect opens the caller's direct chat with another user, creating
// it if needed. created reports whether it is new.
func (s *Service) CreateDirect(ctx context.Context, userID, peerID int64) (ChatSummary, bool, error) {
	if peerID == userID {
		return ChatSummary{}, false, Invalid("user_id", "cannot start a chat with yourself")
	}
	if _, err := s.store.UserByID(ctx, peerID); err != nil {
		return ChatSummary{}, false, err
	}
	key := directKey(userID, peerID)
	if c, err := s.store.DirectChat(ctx, key); err == nil {
		cs, err := s.store.ChatSummary(ctx, c.ID, userID)
		return cs, false, err
	}
	if blocked, err := s.store.BlockedEither(ctx, userID, peerID); err != nil {
		return ChatSummary{}, false, err
	} else if blocked {
		return ChatSummary{}, false, Errorf(KindBlocked, "this user cannot be messaged")
	}
	c, _, created, err := s.store.CreateChat(ctx, NewChat{Type: ChatDirect, CreatorID: userID, Members: []int64{peerID}, DirectKey: key})
	if err != nil {
		return ChatSummary{}, false, err
	}
	cs, err := s.store.ChatSummary(ctx, c.ID, userID)
	return cs, created, err
}

func directKey(a, b int64) string {
	return fmt.Sprintf("%d:%d", min(a, b), max(a, b))
}

// CreateGroup makes a group owned by the caller.
func (s *Service) CreateGroup(ctx context.Context, userID int64, title string, members []int64) (ChatSummary, error) {
	if err := validTitle(title); err != nil {
		return ChatSummary{}, err
	}
	members = slices.DeleteFunc(uniq(members), func(id int64) bool { return id == userID })
	if len(members)+1 > s.cfg.MaxGroupSize {
		return ChatSummary{}, Invalid("members", "a group holds at most %d members", s.cfg.MaxGroupSize)
	}
	c, _, _, err := s.store.CreateChat(ctx, NewChat{Type: ChatGroup, Title: title, CreatorID: userID, Members: members,
		Info: ChatInfo{DefaultRights: GroupDefaultRights}})
	if err != nil {
		return ChatSummary{}, err
	}
	return s.store.ChatSummary(ctx, c.ID, userID)
}

func uniq(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// member returns the caller's active membership, or not-found: a chat the
// caller is not in does not exist, as far as they can tell.
func (s *Service) member(ctx context.Context, chatID, userID int64) (Member, error) {
	m, err := s.store.Member(ctx, chatID, userID)
	if IsKind(err, KindNotFound) || (err == nil && !m.Active()) {
		return Member{}, Errorf(KindNotFound, "chat not found")
	}
	return m, err
}

// Chats lists the caller's chats, newest activity first.
func (s *Service) Chats(ctx context.Context, userID int64) ([]ChatSummary, error) {
	return s.store.ChatsOf(ctx, userID)
}

// Chat returns one of the caller's chats.
func (s *Service) Chat(ctx context.Context, userID, chatID int64) (ChatSummary, error) {
	if _, err := s.member(ctx, chatID, userID); err != nil {
		return ChatSummary{}, err
	}
	return s.store.ChatSummary(ctx, chatID, userID)
}

// group returns the chat and the caller's membership, requiring a group.
func (s *Service) group(ctx context.Context, chatID, userID int64) (Chat, Member, error) {
	m, err := s.member(ctx, chatID, userID)
	if err != nil {
		return Chat{}, Member{}, err
	}
	c, err := s.store.Chat(ctx, chatID)
	if err != nil {
		return Chat{}, Member{}, err
	}
	if c.Type == ChatDirect {
		return Chat{}, Member{}, Errorf(KindForbidden, "direct chats have no members to manage")
	}
	return c, m, nil
}

func isAdmin(r Role) bool { return r == RoleOwner || r == RoleAdmin }

// SetTitle renames a group or channel (the change_info right).
func (s *Service) SetTitle(ctx context.Context, userID, chatID int64, title string) (Event, error) {
	if err := validTitle(title); err != nil {
		return Event{}, err
	}
	if _, err := s.managed(ctx, chatID, userID, RightChangeInfo); err != nil {
		return Event{}, err
	}
	return s.store.SetTitle(ctx, chatID, userID, title)
}

// Members lists a chat's members, a page at a time. A channel's
// subscribers are listed to its admins only.
func (s *Service) Members(ctx context.Context, userID, chatID, after int64, limit int) ([]Member, error) {
	a, err := s.access(ctx, chatID, userID)
	if err != nil {
		return nil, err
	}
	if !a.isMember() {
		return nil, Errorf(KindNotFound, "chat not found")
	}
	if a.chat.Type == ChatChannel && !isAdmin(a.member.Role) {
		return nil, Errorf(KindForbidden, "only admins see a channel's subscribers")
	}
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	return s.store.Members(ctx, chatID, after, limit)
}

// AddMembers adds users to a group, or bots to a channel (people
// subscribe to a channel themselves; its admins add bots, to make them
// admins).
func (s *Service) AddMembers(ctx context.Context, userID, chatID int64, userIDs []int64) ([]Event, error) {
	if len(userIDs) == 0 || len(userIDs) > 200 {
		return nil, Invalid("user_ids", "give 1-200 users")
	}
	a, err := s.managed(ctx, chatID, userID, RightInvite)
	if err != nil {
		return nil, err
	}
	if a.chat.Type == ChatChannel {
		for _, id := range userIDs {
			if u, err := s.store.UserByID(ctx, id); err != nil || !u.IsBot {
				return nil, Errorf(KindForbidden, "people subscribe to a channel themselves; share its link")
			}
		}
	}
	return s.store.AddMembers(ctx, chatID, userID, uniq(userIDs), s.cfg.MaxGroupSize)
}

// RemoveMember removes a member (admins), or leaves (target == caller).
func (s *Service) RemoveMember(ctx context.Context, userID, chatID, targetID int64) ([]Event, error) {
	_, m, err := s.group(ctx, chatID, userID)
	if err != nil {
		return nil, err
	}
	if targetID == userID {
		return s.leave(ctx, m)
	}
	a, err := s.managed(ctx, chatID, userID, RightBan)
	if err != nil {
		return nil, err
	}
	t, err := s.target(ctx, a, targetID)
	if err != nil {
		return nil, err
	}
	if !t.Active() {
		return nil, Errorf(KindNotFound, "not a member of this chat")
	}
	return s.store.RemoveMember(ctx, chatID, userID, targetID, 0)
}

// Leave leaves a group.
func (s *Service) Leave(ctx context.Context, userID, chatID int64) ([]Event, error) {
	_, m, err := s.group(ctx, chatID, userID)
	if err != nil {
		return nil, err
	}
	return s.leave(ctx, m)
}

// leave hands ownership on if the owner leaves: to the longest-standing
// admin, else the longest-standing member.
func (s *Service) leave(ctx context.Context, m Member) ([]Event, error) {
	var heir int64
	if m.Role == RoleOwner {
		var err error
		if heir, err = s.heir(ctx, m.ChatID, m.UserID); err != nil {
			return nil, err
		}
	}
	return s.store.RemoveMember(ctx, m.ChatID, m.UserID, m.UserID, heir)
}

func (s *Service) heir(ctx context.Context, chatID, ownerID int64) (int64, error) {
	var best, bestAdmin *Member
	after := int64(0)
	for {
		page, err := s.store.Members(ctx, chatID, after, 1000)
		if err != nil {
			return 0, err
		}
		for i := range page {
			m := &page[i]
			if m.UserID == ownerID {
				continue
			}
			if m.Role == RoleAdmin && (bestAdmin == nil || m.JoinedAt.Before(bestAdmin.JoinedAt)) {
				c := *m
				bestAdmin = &c
			}
			if best == nil || m.JoinedAt.Before(best.JoinedAt) {
				c := *m
				best = &c
			}
		}
		if len(page) < 1000 {
			break
		}
		after = page[len(page)-1].UserID
	}
	switch {
	case bestAdmin != nil:
		return bestAdmin.UserID, nil
	case best != nil:
		return best.UserID, nil
	}
	return 0, nil
}

// SetRole changes a member's role (the owner only).
func (s *Service) SetRole(ctx context.Context, userID, chatID, targetID int64, role Role) ([]Event, error) {
	if role != RoleAdmin && role != RoleMember && role != RoleOwner {
		return nil, Invalid("role", "must be owner, admin or member")
	}
	_, m, err := s.group(ctx, chatID, userID)
	if err != nil {
		return nil, err
	}
	if m.Role != RoleOwner {
		return nil, Errorf(KindForbidden, "only the owner can change roles")
	}
	if targetID == userID {
		return nil, Invalid("user_id", "hand ownership to someone else instead")
	}
	return s.store.SetRole(ctx, chatID, userID, targetID, role)
}

// ActiveChatIDs lists the chats the user is in (for live subscriptions).
func (s *Service) ActiveChatIDs(ctx context.Context, userID int64) ([]int64, error) {
	return s.store.ActiveChatIDs(ctx, userID)
}
