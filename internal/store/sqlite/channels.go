package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chapar/chapar/internal/domain"
)

// What groups and channels add (domain.ChannelStore): see docs/ARCHITECTURE.md
// "Channels, large groups and search".

// appendPrivate stores a private event (a pos, no seq) and queues it for
// publication to its user alone.
func (t *txn) appendPrivate(ev *domain.Event) error {
	t.wrote = true
	ev.Seq, ev.Pos, ev.Date = 0, t.pos(), t.now
	var until int64
	if ev.Until != nil {
		until = ms(*ev.Until)
	}
	_, err := t.exec(`INSERT INTO user_events(pos, user_id, chat_id, type, actor_id, target, role, rights, until, date, text)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ev.Pos, ev.ForUser, ev.ChatID, ev.Type, ev.ActorID, ev.Target, string(ev.Role), ev.Rights, until, ms(ev.Date), ev.Text)
	if err != nil {
		return fmt.Errorf("insert private event: %w", err)
	}
	t.events = append(t.events, *ev)
	return nil
}

// memberEvent appends an event about one member (ev.Target): private to
// them if private, else a chat event.
func (t *txn) memberEvent(private bool, ev *domain.Event) error {
	if private {
		ev.ForUser = ev.Target
		return t.appendPrivate(ev)
	}
	return t.appendEvent(ev)
}

// privateMembership reports whether membership events of the chat are
// private now (domain.PrivateMembership).
func (t *txn) privateMembership(chatID int64) (bool, error) {
	var typ string
	var members int
	if err := t.queryRow(`SELECT type, members FROM chats WHERE id = ?`, chatID).Scan(&typ, &members); err != nil {
		return false, notFound(err, "chat")
	}
	return domain.PrivateMembership(domain.ChatType(typ), members), nil
}

// endMembership ends userID's membership with a member_left or
// member_removed event (private in a channel); ban keeps them out until
// until.
func (t *txn) endMembership(chatID, actorID, userID int64, typ string, ban bool, until time.Time) error {
	private, err := t.privateMembership(chatID)
	if err != nil {
		return err
	}
	ev := domain.Event{ChatID: chatID, Type: typ, ActorID: actorID, Target: userID}
	if ban && !until.IsZero() {
		ev.Until = &until
	}
	if err := t.memberEvent(private, &ev); err != nil {
		return err
	}
	leftSeq := ev.Seq
	if private {
		// No seq of its own: the member has seen the chat up to its
		// newest event.
		next, err := t.nextSeq(chatID)
		if err != nil {
			return err
		}
		leftSeq = next - 1
	}
	role := "role"
	if ban {
		role = "'banned'"
	}
	if _, err := t.exec(`UPDATE members SET left_seq = ?, left_pos = ?, role = `+role+`, until = ?, denied = 0
		WHERE chat_id = ? AND user_id = ?`, leftSeq, ev.Pos, untilMS(until), chatID, userID); err != nil {
		return err
	}
	_, err = t.exec(`UPDATE chats SET members = members - 1 WHERE id = ?`, chatID)
	return err
}

func untilMS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return ms(t)
}

// log writes an admin log entry (groups and channels only).
func (t *txn) log(chatID, actorID int64, action string, target int64, detail string) error {
	meta, err := t.chatMeta(chatID)
	if err != nil || meta.typ == domain.ChatDirect {
		return err
	}
	_, err = t.exec(`INSERT INTO admin_log(chat_id, actor_id, action, target, detail, date) VALUES (?, ?, ?, ?, ?, ?)`,
		chatID, actorID, action, target, detail, ms(t.now))
	return err
}

// logIfOthers logs an action on message seq if its sender is not actorID.
func (t *txn) logIfOthers(chatID, seq, actorID int64, action string) error {
	var sender int64
	if err := t.queryRow(`SELECT actor_id FROM events WHERE chat_id = ? AND seq = ?`, chatID, seq).Scan(&sender); err != nil {
		return notFound(err, "message")
	}
	if sender == actorID {
		return nil
	}
	return t.log(chatID, actorID, action, seq, "")
}

// usernameFree checks that no user (but userID) and no chat (but chatID)
// has the username.
func (t *txn) usernameFree(name string, chatID, userID int64) error {
	if name == "" {
		return nil
	}
	lc := strings.ToLower(name)
	var n int
	if err := t.queryRow(`SELECT (SELECT count(*) FROM users WHERE username_lc = ? AND id <> ?)
		+ (SELECT count(*) FROM chats WHERE username_lc = ? AND id <> ?)`, lc, userID, lc, chatID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return domain.Errorf(domain.KindConflict, "username is taken")
	}
	return nil
}

// indexName keeps the directory index of a user (id > 0) or chat (-id).
func (t *txn) indexName(rowid int64, name string) error {
	if _, err := t.exec(`DELETE FROM names_fts WHERE rowid = ?`, rowid); err != nil {
		return err
	}
	if terms := indexedTerms(name); terms != "" {
		if _, err := t.exec(`INSERT INTO names_fts(rowid, terms) VALUES (?, ?)`, rowid, terms); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) ChatByUsername(ctx context.Context, username string) (domain.Chat, error) {
	c, err := scanChat(s.read.QueryRowContext(ctx, `SELECT `+chatCols+` FROM chats WHERE username_lc = ?`, strings.ToLower(username)))
	return c, notFound(err, "chat")
}

func (s *Store) SetChatInfo(ctx context.Context, chatID, actorID int64, info domain.ChatInfo) (domain.Event, error) {
	var ev domain.Event
	err := s.w.do(ctx, func(t *txn) error {
		if _, err := t.activeMember(chatID, actorID); err != nil {
			return err
		}
		if err := t.usernameFree(info.Username, chatID, 0); err != nil {
			return err
		}
		delete(t.w.meta, chatID)
		_, err := t.exec(`UPDATE chats SET username = ?, username_lc = ?, about = ?, signatures = ?, slow_mode = ?,
			default_rights = ?, linked_chat = ? WHERE id = ?`,
			nullStr(info.Username), nullStr(strings.ToLower(info.Username)), info.About, info.Signatures, info.SlowMode,
			info.DefaultRights, info.LinkedChatID, chatID)
		if isUnique(err) {
			return domain.Errorf(domain.KindConflict, "username is taken")
		}
		if err != nil {
			return err
		}
		if err := t.log(chatID, actorID, domain.LogInfo, 0, infoDetail(info)); err != nil {
			return err
		}
		ev = domain.Event{ChatID: chatID, Type: domain.EvInfoChanged, ActorID: actorID}
		return t.appendEvent(&ev)
	})
	return ev, err
}

func infoDetail(i domain.ChatInfo) string {
	return fmt.Sprintf("username=%s signatures=%t slow_mode=%d default_rights=%s linked_chat=%d",
		i.Username, i.Signatures, i.SlowMode, i.DefaultRights, i.LinkedChatID)
}

func (s *Store) JoinChat(ctx context.Context, chatID, userID int64, code string, maxMembers int) ([]domain.Event, error) {
	var events []domain.Event
	err := s.w.do(ctx, func(t *txn) error {
		events = nil
		if code != "" {
			inv, err := t.invite(code)
			if err != nil || inv.ChatID != chatID || !inv.Usable(t.now) {
				return domain.Errorf(domain.KindNotFound, "this invite link is not valid")
			}
		}
		mark := len(t.events)
		joined, err := t.join(chatID, userID, maxMembers)
		if err != nil || !joined {
			return err
		}
		if code != "" {
			if _, err := t.exec(`UPDATE invites SET uses = uses + 1 WHERE code = ?`, code); err != nil {
				return err
			}
		}
		events = append([]domain.Event(nil), t.events[mark:]...)
		return nil
	})
	return events, err
}

// join adds userID to a group or channel; joined=false if they already are
// a member.
func (t *txn) join(chatID, userID int64, maxMembers int) (joined bool, err error) {
	meta, err := t.chatMeta(chatID)
	if err != nil {
		return false, err
	}
	if meta.typ == domain.ChatDirect {
		return false, domain.Errorf(domain.KindForbidden, "direct chats cannot be joined")
	}
	m, err := t.member(chatID, userID)
	switch {
	case err == nil && m.Active():
		return false, nil
	case err == nil && m.Role == domain.RoleBanned && domain.InForce(m.Until, t.now):
		return false, domain.Errorf(domain.KindForbidden, "you are banned from this chat")
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return false, err
	}
	if err := t.userExists(userID); err != nil {
		return false, err
	}
	var count int
	if err := t.queryRow(`SELECT members FROM chats WHERE id = ?`, chatID).Scan(&count); err != nil {
		return false, notFound(err, "chat")
	}
	private := domain.PrivateMembership(meta.typ, count)
	if maxMembers > 0 && count >= maxMembers {
		return false, domain.Errorf(domain.KindForbidden, "the chat is full (%d members)", maxMembers)
	}
	if err := t.addMember(chatID, userID, domain.RoleMember); err != nil {
		return false, err
	}
	if _, err := t.exec(`DELETE FROM join_requests WHERE chat_id = ? AND user_id = ?`, chatID, userID); err != nil {
		return false, err
	}
	ev := domain.Event{ChatID: chatID, Type: domain.EvMemberAdded, ActorID: userID, Target: userID, Role: domain.RoleMember}
	return true, t.memberEvent(private, &ev)
}

func (s *Store) BanMember(ctx context.Context, chatID, actorID, userID int64, until time.Time) ([]domain.Event, error) {
	var events []domain.Event
	err := s.w.do(ctx, func(t *txn) error {
		events = nil
		if _, err := t.activeMember(chatID, actorID); err != nil {
			return err
		}
		if err := t.userExists(userID); err != nil {
			return err
		}
		m, err := t.member(chatID, userID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		mark := len(t.events)
		switch {
		case err == nil && m.Role == domain.RoleOwner && m.Active():
			return domain.Errorf(domain.KindForbidden, "the owner cannot be banned")
		case err == nil && m.Active():
			if err := t.endMembership(chatID, actorID, userID, domain.EvMemberRemoved, true, until); err != nil {
				return err
			}
		case err == nil:
			if _, err := t.exec(`UPDATE members SET role = 'banned', until = ? WHERE chat_id = ? AND user_id = ?`,
				untilMS(until), chatID, userID); err != nil {
				return err
			}
		default:
			next, err := t.nextSeq(chatID)
			if err != nil {
				return err
			}
			if _, err := t.exec(`INSERT INTO members(chat_id, user_id, role, joined_at, left_seq, until) VALUES (?, ?, 'banned', ?, ?, ?)`,
				chatID, userID, ms(t.now), next-1, untilMS(until)); err != nil {
				return err
			}
		}
		if _, err := t.exec(`DELETE FROM join_requests WHERE chat_id = ? AND user_id = ?`, chatID, userID); err != nil {
			return err
		}
		detail := "forever"
		if !until.IsZero() {
			detail = "until " + until.UTC().Format(time.RFC3339)
		}
		if err := t.log(chatID, actorID, domain.LogBan, userID, detail); err != nil {
			return err
		}
		events = append([]domain.Event(nil), t.events[mark:]...)
		return nil
	})
	return events, err
}

func (s *Store) Bans(ctx context.Context, chatID int64, limit int) ([]domain.Member, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+memberCols+` FROM members WHERE chat_id = ? AND role = 'banned'
		ORDER BY user_id LIMIT ?`, chatID, limit)
	return scanMembers(rows, err)
}

func (s *Store) UnbanMember(ctx context.Context, chatID, actorID, userID int64) error {
	return s.w.do(ctx, func(t *txn) error {
		if _, err := t.activeMember(chatID, actorID); err != nil {
			return err
		}
		res, err := t.exec(`UPDATE members SET role = 'member', until = 0 WHERE chat_id = ? AND user_id = ? AND role = 'banned'`, chatID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.Errorf(domain.KindNotFound, "this user is not banned")
		}
		return t.log(chatID, actorID, domain.LogUnban, userID, "")
	})
}

func (s *Store) RestrictMember(ctx context.Context, chatID, actorID, userID int64, denied domain.Rights, until time.Time) (domain.Event, error) {
	var ev domain.Event
	err := s.w.do(ctx, func(t *txn) error {
		if _, err := t.activeMember(chatID, actorID); err != nil {
			return err
		}
		if _, err := t.activeMember(chatID, userID); err != nil {
			return domain.Errorf(domain.KindNotFound, "not a member of this chat")
		}
		if _, err := t.exec(`UPDATE members SET denied = ?, until = ? WHERE chat_id = ? AND user_id = ?`,
			denied, untilMS(until), chatID, userID); err != nil {
			return err
		}
		detail := denied.String()
		ev = domain.Event{ChatID: chatID, Type: domain.EvRestricted, ActorID: actorID, Target: userID, Rights: denied}
		if !until.IsZero() {
			ev.Until = &until
			detail += " until " + until.UTC().Format(time.RFC3339)
		}
		if err := t.log(chatID, actorID, domain.LogRestrict, userID, detail); err != nil {
			return err
		}
		return t.memberEvent(true, &ev)
	})
	return ev, err
}

func (s *Store) SetAdminRights(ctx context.Context, chatID, actorID, userID int64, rights domain.Rights) (domain.Event, error) {
	var ev domain.Event
	err := s.w.do(ctx, func(t *txn) error {
		if _, err := t.activeMember(chatID, actorID); err != nil {
			return err
		}
		m, err := t.activeMember(chatID, userID)
		if err != nil {
			return domain.Errorf(domain.KindNotFound, "not a member of this chat")
		}
		if m.Role == domain.RoleOwner {
			return domain.Errorf(domain.KindForbidden, "the owner holds every right")
		}
		role := domain.RoleAdmin
		if rights == 0 {
			role = domain.RoleMember
		}
		mark := len(t.events)
		if err := t.setRights(chatID, actorID, userID, role, rights); err != nil {
			return err
		}
		ev = t.events[mark]
		return nil
	})
	return ev, err
}

func (s *Store) PinMessage(ctx context.Context, chatID, actorID, seq int64) (domain.Event, error) {
	var ev domain.Event
	err := s.w.do(ctx, func(t *txn) error {
		if _, err := t.activeMember(chatID, actorID); err != nil {
			return err
		}
		if seq != 0 {
			if _, err := t.message(chatID, seq); err != nil {
				return err
			}
		}
		if _, err := t.exec(`UPDATE chats SET pinned_seq = ? WHERE id = ?`, seq, chatID); err != nil {
			return err
		}
		if err := t.log(chatID, actorID, domain.LogPin, seq, ""); err != nil {
			return err
		}
		ev = domain.Event{ChatID: chatID, Type: domain.EvPinned, ActorID: actorID, Target: seq}
		return t.appendEvent(&ev)
	})
	return ev, err
}

func (s *Store) ViewMessages(ctx context.Context, chatID, userID int64, seqs []int64) error {
	return s.w.do(ctx, func(t *txn) error {
		for _, seq := range seqs {
			var one int
			err := t.queryRow(`SELECT 1 FROM events WHERE chat_id = ? AND seq = ? AND type = 'message'`, chatID, seq).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return err
			}
			res, err := t.exec(`INSERT OR IGNORE INTO views(chat_id, seq, user_id) VALUES (?, ?, ?)`, chatID, seq, userID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				if _, err := t.exec(`UPDATE events SET views = views + 1 WHERE chat_id = ? AND seq = ?`, chatID, seq); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func (s *Store) SetReaction(ctx context.Context, chatID, seq, userID int64, emoji string) error {
	return s.w.do(ctx, func(t *txn) error {
		if _, err := t.message(chatID, seq); err != nil {
			return err
		}
		var old string
		err := t.queryRow(`SELECT emoji FROM reactions WHERE chat_id = ? AND seq = ? AND user_id = ?`, chatID, seq, userID).Scan(&old)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if old == emoji {
			return nil
		}
		if old != "" {
			if _, err := t.exec(`DELETE FROM reactions WHERE chat_id = ? AND seq = ? AND user_id = ?`, chatID, seq, userID); err != nil {
				return err
			}
			if _, err := t.exec(`UPDATE reaction_counts SET n = n - 1 WHERE chat_id = ? AND seq = ? AND emoji = ?`, chatID, seq, old); err != nil {
				return err
			}
			if _, err := t.exec(`DELETE FROM reaction_counts WHERE chat_id = ? AND seq = ? AND emoji = ? AND n <= 0`, chatID, seq, old); err != nil {
				return err
			}
		}
		if emoji == "" {
			return nil
		}
		if _, err := t.exec(`INSERT INTO reactions(chat_id, seq, user_id, emoji) VALUES (?, ?, ?, ?)`, chatID, seq, userID, emoji); err != nil {
			return err
		}
		_, err = t.exec(`INSERT INTO reaction_counts(chat_id, seq, emoji, n) VALUES (?, ?, ?, 1)
			ON CONFLICT(chat_id, seq, emoji) DO UPDATE SET n = n + 1`, chatID, seq, emoji)
		return err
	})
}

func (s *Store) MessageStats(ctx context.Context, chatID, userID int64, seqs []int64) ([]domain.MessageStats, error) {
	out := make([]domain.MessageStats, 0, len(seqs))
	for _, seq := range seqs {
		st := domain.MessageStats{Seq: seq, Reactions: []domain.ReactionCount{}}
		err := s.read.QueryRowContext(ctx, `SELECT views FROM events WHERE chat_id = ? AND seq = ? AND type = 'message'`,
			chatID, seq).Scan(&st.Views)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		rows, err := s.read.QueryContext(ctx, `SELECT c.emoji, c.n, r.user_id IS NOT NULL FROM reaction_counts c
			LEFT JOIN reactions r ON r.chat_id = c.chat_id AND r.seq = c.seq AND r.user_id = ? AND r.emoji = c.emoji
			WHERE c.chat_id = ? AND c.seq = ? ORDER BY c.n DESC, c.emoji`, userID, chatID, seq)
		counts, err := scanAll(rows, err, func(r rowScanner) (domain.ReactionCount, error) {
			var rc domain.ReactionCount
			return rc, r.Scan(&rc.Emoji, &rc.Count, &rc.Mine)
		})
		if err != nil {
			return nil, err
		}
		if counts != nil {
			st.Reactions = counts
		}
		out = append(out, st)
	}
	return out, nil
}

const inviteCols = `code, chat_id, creator_id, name, created_at, expires_at, usage_limit, uses, needs_approval, revoked`

func scanInvite(r rowScanner) (domain.Invite, error) {
	var i domain.Invite
	var created, expires int64
	err := r.Scan(&i.Code, &i.ChatID, &i.CreatorID, &i.Name, &created, &expires, &i.UsageLimit, &i.Uses, &i.NeedsApproval, &i.Revoked)
	i.CreatedAt, i.ExpiresAt = fromMS(created), fromMS(expires)
	return i, err
}

func (t *txn) invite(code string) (domain.Invite, error) {
	i, err := scanInvite(t.queryRow(`SELECT `+inviteCols+` FROM invites WHERE code = ?`, code))
	return i, notFound(err, "invite link")
}

func (s *Store) CreateInvite(ctx context.Context, inv domain.Invite) (domain.Invite, error) {
	err := s.w.do(ctx, func(t *txn) error {
		if _, err := t.activeMember(inv.ChatID, inv.CreatorID); err != nil {
			return err
		}
		inv.CreatedAt, inv.Uses, inv.Revoked = t.now, 0, false
		_, err := t.exec(`INSERT INTO invites(`+inviteCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, 0)`,
			inv.Code, inv.ChatID, inv.CreatorID, inv.Name, ms(inv.CreatedAt), untilMS(inv.ExpiresAt), inv.UsageLimit, inv.NeedsApproval)
		if isUnique(err) {
			return domain.Errorf(domain.KindConflict, "invite code is taken")
		}
		if err != nil {
			return err
		}
		return t.log(inv.ChatID, inv.CreatorID, domain.LogInvite, 0, inv.Name)
	})
	return inv, err
}

func (s *Store) Invite(ctx context.Context, code string) (domain.Invite, error) {
	i, err := scanInvite(s.read.QueryRowContext(ctx, `SELECT `+inviteCols+` FROM invites WHERE code = ?`, code))
	return i, notFound(err, "invite link")
}

func (s *Store) Invites(ctx context.Context, chatID int64) ([]domain.Invite, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+inviteCols+` FROM invites WHERE chat_id = ?
		ORDER BY created_at DESC, code DESC`, chatID)
	return scanAll(rows, err, scanInvite)
}

func (s *Store) RevokeInvite(ctx context.Context, chatID, actorID int64, code string) error {
	return s.w.do(ctx, func(t *txn) error {
		inv, err := t.invite(code)
		if err != nil || inv.ChatID != chatID {
			return domain.Errorf(domain.KindNotFound, "invite link not found")
		}
		if _, err := t.exec(`UPDATE invites SET revoked = 1 WHERE code = ?`, code); err != nil {
			return err
		}
		return t.log(chatID, actorID, domain.LogRevoke, 0, inv.Name)
	})
}

func (s *Store) AddJoinRequest(ctx context.Context, chatID, userID int64, code string) error {
	return s.w.do(ctx, func(t *txn) error {
		m, err := t.member(chatID, userID)
		switch {
		case err == nil && m.Active():
			return nil
		case err == nil && m.Role == domain.RoleBanned && domain.InForce(m.Until, t.now):
			return domain.Errorf(domain.KindForbidden, "you are banned from this chat")
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return err
		}
		_, err = t.exec(`INSERT OR IGNORE INTO join_requests(chat_id, user_id, code, date) VALUES (?, ?, ?, ?)`,
			chatID, userID, code, ms(t.now))
		return err
	})
}

func (s *Store) JoinRequests(ctx context.Context, chatID int64, limit int) ([]domain.JoinRequest, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT chat_id, user_id, code, date FROM join_requests WHERE chat_id = ?
		ORDER BY date, user_id LIMIT ?`, chatID, limit)
	return scanAll(rows, err, func(r rowScanner) (domain.JoinRequest, error) {
		var j domain.JoinRequest
		var date int64
		err := r.Scan(&j.ChatID, &j.UserID, &j.Code, &date)
		j.Date = fromMS(date)
		return j, err
	})
}

func (s *Store) DecideJoinRequest(ctx context.Context, chatID, actorID, userID int64, approve bool, maxMembers int) ([]domain.Event, error) {
	var events []domain.Event
	err := s.w.do(ctx, func(t *txn) error {
		events = nil
		if _, err := t.activeMember(chatID, actorID); err != nil {
			return err
		}
		var code string
		err := t.queryRow(`SELECT code FROM join_requests WHERE chat_id = ? AND user_id = ?`, chatID, userID).Scan(&code)
		if errors.Is(err, sql.ErrNoRows) {
			return domain.Errorf(domain.KindNotFound, "no such join request")
		}
		if err != nil {
			return err
		}
		mark := len(t.events)
		action := domain.LogDecline
		if approve {
			action = domain.LogApprove
			if _, err := t.join(chatID, userID, maxMembers); err != nil {
				return err
			}
		}
		if _, err := t.exec(`DELETE FROM join_requests WHERE chat_id = ? AND user_id = ?`, chatID, userID); err != nil {
			return err
		}
		if err := t.log(chatID, actorID, action, userID, ""); err != nil {
			return err
		}
		events = append([]domain.Event(nil), t.events[mark:]...)
		return nil
	})
	return events, err
}

func (s *Store) AdminLog(ctx context.Context, chatID, before int64, limit int) ([]domain.LogEntry, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, chat_id, actor_id, action, target, detail, date FROM admin_log
		WHERE chat_id = ?1 AND (?2 = 0 OR id < ?2) ORDER BY id DESC LIMIT ?3`, chatID, before, limit)
	return scanAll(rows, err, func(r rowScanner) (domain.LogEntry, error) {
		var e domain.LogEntry
		var date int64
		err := r.Scan(&e.ID, &e.ChatID, &e.ActorID, &e.Action, &e.Target, &e.Detail, &date)
		e.Date = fromMS(date)
		return e, err
	})
}

func (s *Store) PrivateAfter(ctx context.Context, userID, after, upto int64, limit int) ([]domain.Event, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+privateCols+`
		FROM user_events WHERE user_id = ? AND pos > ? AND pos <= ? ORDER BY pos LIMIT ?`, userID, after, upto, limit)
	return scanAll(rows, err, scanPrivate)
}

const privateCols = `pos, user_id, chat_id, type, actor_id, target, role, rights, until, date, text`

func scanPrivate(r rowScanner) (domain.Event, error) {
	var e domain.Event
	var role string
	var until, date int64
	err := r.Scan(&e.Pos, &e.ForUser, &e.ChatID, &e.Type, &e.ActorID, &e.Target, &role, &e.Rights, &until, &date, &e.Text)
	e.Role, e.Date = domain.Role(role), fromMS(date)
	if until != 0 {
		u := fromMS(until)
		e.Until = &u
	}
	return e, err
}

func (s *Store) SearchDirectory(ctx context.Context, prefix string, terms []string, limit int) ([]domain.User, []domain.Chat, error) {
	var users []domain.User
	var chats []domain.Chat
	seenU, seenC := map[int64]bool{}, map[int64]bool{}
	addU := func(list []domain.User) {
		for _, u := range list {
			if !seenU[u.ID] && len(users) < limit {
				seenU[u.ID] = true
				users = append(users, u)
			}
		}
	}
	addC := func(list []domain.Chat) {
		for _, c := range list {
			if !seenC[c.ID] && len(chats) < limit {
				seenC[c.ID] = true
				chats = append(chats, c)
			}
		}
	}
	if prefix = strings.ToLower(prefix); prefix != "" {
		// Usernames are ASCII: every name with the prefix sorts below prefix+U+FFFF.
		hi := prefix + "\uffff"
		rows, err := s.read.QueryContext(ctx, `SELECT `+userCols+` FROM users WHERE username_lc >= ? AND username_lc < ?
			ORDER BY username_lc LIMIT ?`, prefix, hi, limit)
		u, err := scanAll(rows, err, scanUser)
		if err != nil {
			return nil, nil, err
		}
		addU(u)
		rows, err = s.read.QueryContext(ctx, `SELECT `+chatCols+` FROM chats WHERE username_lc >= ? AND username_lc < ?
			ORDER BY username_lc LIMIT ?`, prefix, hi, limit)
		c, err := scanAll(rows, err, scanChat)
		if err != nil {
			return nil, nil, err
		}
		addC(c)
	}
	if len(terms) > 0 {
		q := ftsQuery(terms)
		rows, err := s.read.QueryContext(ctx, `SELECT `+userCols+` FROM users WHERE id IN (
			SELECT rowid FROM names_fts WHERE names_fts MATCH ? AND rowid > 0 ORDER BY rank LIMIT ?)`, q, limit)
		u, err := scanAll(rows, err, scanUser)
		if err != nil {
			return nil, nil, err
		}
		addU(u)
		rows, err = s.read.QueryContext(ctx, `SELECT `+chatCols+` FROM chats WHERE username IS NOT NULL AND -id IN (
			SELECT rowid FROM names_fts WHERE names_fts MATCH ? AND rowid < 0 ORDER BY rank LIMIT ?)
			ORDER BY members DESC`, q, 4*limit)
		c, err := scanAll(rows, err, scanChat)
		if err != nil {
			return nil, nil, err
		}
		addC(c)
	}
	return users, chats, nil
}
