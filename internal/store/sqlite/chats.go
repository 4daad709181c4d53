package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/store/rowmap"
)

const eventCols = rowmap.EventCols

func scanEvent(r rowScanner) (domain.Event, error) { return rowmap.ScanEvent(r) }

func scanEvents(rows *sql.Rows, err error) ([]domain.Event, error) {
	return scanAll(rows, err, scanEvent)
}

// appendEvent gives ev the chat's next seq and the next position, stores it,
// and queues it for publication after commit.
func (t *txn) appendEvent(ev *domain.Event) error {
	t.wrote = true
	seq, err := t.nextSeq(ev.ChatID)
	if err != nil {
		return err
	}
	meta, err := t.chatMeta(ev.ChatID)
	if err != nil {
		return err
	}
	ev.Seq, ev.Pos, ev.Date = seq, t.pos(), t.now
	if _, err := t.insertEvent(ev, false, anonymous(meta)); err != nil {
		return err
	}
	t.setSeq(ev.ChatID, seq, ev.Pos)
	return nil
}

// insertEvent stores ev; with onceOnly, a second message with the same
// (sender, client id) is not stored and inserted=false.
func (t *txn) insertEvent(ev *domain.Event, onceOnly, anon bool) (inserted bool, err error) {
	var fwdChat, fwdSeq, fwdSender int64
	if f := ev.Forward; f != nil {
		fwdChat, fwdSeq, fwdSender = f.ChatID, f.Seq, f.SenderID
	}
	q := `INSERT INTO events(pos, chat_id, seq, type, actor_id, date, client_id, text, reply_to,
		fwd_chat, fwd_seq, fwd_sender, target, role, anon, rights, until, media, rich) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	if onceOnly {
		q += ` ON CONFLICT(actor_id, client_id) WHERE client_id IS NOT NULL DO NOTHING`
	}
	res, err := t.exec(q, ev.Pos, ev.ChatID, ev.Seq, ev.Type, ev.ActorID, ms(ev.Date), nullStr(ev.ClientID), ev.Text, ev.ReplyTo,
		fwdChat, fwdSeq, fwdSender, ev.Target, string(ev.Role), anon, ev.Rights, untilOf(ev.Until), rowmap.MediaJSON(ev), rowmap.RichJSON(ev))
	if err != nil {
		return false, fmt.Errorf("insert event: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if ev.Type == domain.EvMessage {
		if err := t.indexMessage(ev.Pos, ev.ChatID, ev.Text); err != nil {
			return false, fmt.Errorf("index message: %w", err)
		}
	}
	for _, m := range ev.Media { // who may fetch a file: see CanReadFile
		if _, err := t.exec(`INSERT INTO file_refs(file_id, chat_id, seq) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			m.FileID, ev.ChatID, ev.Seq); err != nil {
			return false, fmt.Errorf("insert file ref: %w", err)
		}
	}
	published := *ev
	if anon {
		published.ActorID = 0
	}
	t.events = append(t.events, published)
	*ev = published
	return true, nil
}

// member reads a membership inside the transaction.
func (t *txn) member(chatID, userID int64) (domain.Member, error) {
	var m domain.Member
	var role string
	var joined, until int64
	err := t.queryRow(`SELECT role, read_seq, joined_at, left_seq, left_pos, blocked, rights, denied, until
		FROM members WHERE chat_id = ? AND user_id = ?`,
		chatID, userID).Scan(&role, &m.ReadSeq, &joined, &m.LeftSeq, &m.LeftPos, &m.Blocked, &m.Rights, &m.Denied, &until)
	m.ChatID, m.UserID, m.Role, m.JoinedAt, m.Until = chatID, userID, domain.Role(role), fromMS(joined), fromMS(until)
	return m, err
}

// activeMember fails with forbidden unless userID is a current member.
func (t *txn) activeMember(chatID, userID int64) (domain.Member, error) {
	m, err := t.member(chatID, userID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !m.Active()) {
		return m, domain.Errorf(domain.KindNotFound, "chat not found")
	}
	return m, err
}

func (t *txn) addMember(chatID, userID int64, role domain.Role) error {
	var rights domain.Rights
	if role == domain.RoleAdmin {
		rights = domain.AdminRights
	}
	_, err := t.exec(`INSERT INTO members(chat_id, user_id, role, joined_at, rights) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT(chat_id, user_id) DO UPDATE SET role = excluded.role, joined_at = excluded.joined_at,
			left_seq = 0, left_pos = 0, rights = excluded.rights, denied = 0, until = 0`,
		chatID, userID, string(role), ms(t.now), rights)
	if err != nil {
		return fmt.Errorf("insert member: %w", err)
	}
	_, err = t.exec(`UPDATE chats SET members = members + 1 WHERE id = ?`, chatID)
	return err
}

func (t *txn) userExists(id int64) error {
	var one int
	err := t.queryRow(`SELECT 1 FROM users WHERE id = ?`, id).Scan(&one)
	return notFound(err, "user")
}

func (s *Store) CreateChat(ctx context.Context, nc domain.NewChat) (domain.Chat, []domain.Event, bool, error) {
	var chatID int64
	var events []domain.Event
	var created bool
	err := s.w.do(ctx, func(t *txn) error {
		created, events = false, nil
		if nc.DirectKey != "" {
			err := t.queryRow(`SELECT id FROM chats WHERE direct_key = ?`, nc.DirectKey).Scan(&chatID)
			if err == nil {
				return nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		for _, id := range nc.Members {
			if err := t.userExists(id); err != nil {
				return err
			}
		}
		info := nc.Info
		if err := t.usernameFree(info.Username, 0, 0); err != nil {
			return err
		}
		res, err := t.exec(`INSERT INTO chats(type, title, direct_key, created_at, username, username_lc, about,
			signatures, slow_mode, default_rights, linked_chat) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			string(nc.Type), nc.Title, nullStr(nc.DirectKey), ms(t.now), nullStr(info.Username), nullStr(strings.ToLower(info.Username)),
			info.About, info.Signatures, info.SlowMode, info.DefaultRights, info.LinkedChatID)
		if isUnique(err) {
			return domain.Errorf(domain.KindConflict, "username is taken")
		}
		if err != nil {
			return fmt.Errorf("insert chat: %w", err)
		}
		if chatID, err = res.LastInsertId(); err != nil {
			return err
		}
		if nc.Type != domain.ChatDirect {
			if err := t.indexName(-chatID, nc.Title); err != nil {
				return err
			}
		}
		created = true
		creatorRole, memberRole := domain.RoleOwner, domain.RoleMember
		if nc.Type == domain.ChatDirect {
			creatorRole = domain.RoleMember
		}
		if err := t.addMember(chatID, nc.CreatorID, creatorRole); err != nil {
			return err
		}
		mark := len(t.events)
		if nc.Type == domain.ChatChannel {
			// A channel's events need not name its creator: the creator's
			// devices learn of it by a private event, first, which also
			// subscribes their live connections.
			own := domain.Event{ChatID: chatID, Type: domain.EvMemberAdded, ActorID: nc.CreatorID, Target: nc.CreatorID, Role: domain.RoleOwner}
			if err := t.memberEvent(true, &own); err != nil {
				return err
			}
		}
		ev := domain.Event{ChatID: chatID, Type: domain.EvChatCreated, ActorID: nc.CreatorID, Text: nc.Title}
		if err := t.appendEvent(&ev); err != nil {
			return err
		}
		for _, id := range nc.Members {
			if err := t.addMember(chatID, id, memberRole); err != nil {
				return err
			}
			ev := domain.Event{ChatID: chatID, Type: domain.EvMemberAdded, ActorID: nc.CreatorID, Target: id, Role: memberRole}
			if err := t.memberEvent(nc.Type == domain.ChatChannel, &ev); err != nil {
				return err
			}
		}
		events = append([]domain.Event(nil), t.events[mark:]...)
		return nil
	})
	if err != nil {
		return domain.Chat{}, nil, false, err
	}
	c, err := s.Chat(ctx, chatID)
	return c, events, created, err
}

const chatCols = `id, type, title, created_at, last_seq, last_pos, members, COALESCE(username, ''), about,
	signatures, slow_mode, default_rights, pinned_seq, linked_chat`

func scanChat(r rowScanner) (domain.Chat, error) {
	var c domain.Chat
	var typ string
	var created int64
	err := r.Scan(&c.ID, &typ, &c.Title, &created, &c.LastSeq, &c.LastPos, &c.Members, &c.Username, &c.About,
		&c.Signatures, &c.SlowMode, &c.DefaultRights, &c.PinnedSeq, &c.LinkedChatID)
	c.Type, c.CreatedAt = domain.ChatType(typ), fromMS(created)
	return c, err
}

func (s *Store) Chat(ctx context.Context, id int64) (domain.Chat, error) {
	c, err := scanChat(s.read.QueryRowContext(ctx, `SELECT `+chatCols+` FROM chats WHERE id = ?`, id))
	return c, notFound(err, "chat")
}

func (s *Store) DirectChat(ctx context.Context, key string) (domain.Chat, error) {
	c, err := scanChat(s.read.QueryRowContext(ctx, `SELECT `+chatCols+` FROM chats WHERE direct_key = ?`, key))
	return c, notFound(err, "chat")
}

const memberCols = `chat_id, user_id, role, read_seq, joined_at, left_seq, left_pos, rights, denied, until`

func scanMember(r rowScanner) (domain.Member, error) {
	var m domain.Member
	var role string
	var joined, until int64
	err := r.Scan(&m.ChatID, &m.UserID, &role, &m.ReadSeq, &joined, &m.LeftSeq, &m.LeftPos, &m.Rights, &m.Denied, &until)
	m.Role, m.JoinedAt, m.Until = domain.Role(role), fromMS(joined), fromMS(until)
	return m, err
}

func scanMembers(rows *sql.Rows, err error) ([]domain.Member, error) {
	return scanAll(rows, err, scanMember)
}

func (s *Store) Member(ctx context.Context, chatID, userID int64) (domain.Member, error) {
	m, err := scanMember(s.read.QueryRowContext(ctx, `SELECT `+memberCols+` FROM members WHERE chat_id = ? AND user_id = ?`, chatID, userID))
	return m, notFound(err, "member")
}

func (s *Store) Members(ctx context.Context, chatID, after int64, limit int) ([]domain.Member, error) {
	return scanMembers(s.read.QueryContext(ctx, `SELECT `+memberCols+` FROM members
		WHERE chat_id = ? AND user_id > ? AND left_seq = 0 ORDER BY user_id LIMIT ?`, chatID, after, limit))
}

func (s *Store) ActiveChatIDs(ctx context.Context, userID int64) ([]int64, error) {
	return s.ids(ctx, `SELECT chat_id FROM members WHERE user_id = ? AND left_seq = 0`, userID)
}

func (s *Store) DirectChatIDs(ctx context.Context, userID int64) ([]int64, error) {
	return s.ids(ctx, `SELECT m.chat_id FROM members m JOIN chats c ON c.id = m.chat_id
		WHERE m.user_id = ? AND m.left_seq = 0 AND c.type = 'direct'`, userID)
}

func (s *Store) ChatsOf(ctx context.Context, userID int64) ([]domain.ChatSummary, error) {
	ids, err := s.ids(ctx, `SELECT m.chat_id FROM members m JOIN chats c ON c.id = m.chat_id
		WHERE m.user_id = ? AND m.left_seq = 0 ORDER BY c.last_pos DESC`, userID)
	if err != nil {
		return nil, err
	}
	out := make([]domain.ChatSummary, 0, len(ids))
	for _, id := range ids {
		cs, err := s.ChatSummary(ctx, id, userID)
		if err != nil {
			return nil, err
		}
		out = append(out, cs)
	}
	return out, nil
}

func (s *Store) ChatSummary(ctx context.Context, chatID, userID int64) (domain.ChatSummary, error) {
	var cs domain.ChatSummary
	c, err := s.Chat(ctx, chatID)
	if err != nil {
		return cs, err
	}
	m, err := s.Member(ctx, chatID, userID)
	if err != nil {
		return cs, err
	}
	cs.Chat, cs.Role, cs.ReadSeq, cs.Rights = c, m.Role, m.ReadSeq, domain.RightsIn(c, m, time.Now())
	err = s.read.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM events
		WHERE chat_id = ? AND seq > ? AND type = 'message' AND actor_id <> ? AND deleted = 0 LIMIT ?)`,
		chatID, m.ReadSeq, userID, domain.UnreadCap).Scan(&cs.Unread)
	if err != nil {
		return cs, err
	}
	if !domain.PrivateReads(c.Type, c.Members) {
		err = s.read.QueryRowContext(ctx, `SELECT COALESCE(max(read_seq), 0) FROM members
			WHERE chat_id = ? AND user_id <> ? AND left_seq = 0`, chatID, userID).Scan(&cs.PeerReadSeq)
		if err != nil {
			return cs, err
		}
	}
	if c.Type == domain.ChatDirect {
		err = s.read.QueryRowContext(ctx, `SELECT user_id FROM members WHERE chat_id = ? AND user_id <> ?`, chatID, userID).Scan(&cs.PeerID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return cs, err
		}
	}
	last, err := scanEvent(s.read.QueryRowContext(ctx, `SELECT `+eventCols+` FROM events
		WHERE chat_id = ? AND type NOT IN ('edit', 'delete', 'info_changed') ORDER BY seq DESC LIMIT 1`, chatID))
	if err == nil {
		cs.LastMessage = &last
	} else if !errors.Is(err, sql.ErrNoRows) {
		return cs, err
	}
	return cs, nil
}

func (s *Store) AppendMessage(ctx context.Context, m domain.NewMessage) (domain.Event, bool, error) {
	var ev domain.Event
	var dup bool
	err := s.w.do(ctx, func(t *txn) error {
		dup = false
		mem, err := t.activeMember(m.ChatID, m.SenderID)
		if err != nil {
			return err
		} else if mem.Blocked {
			return domain.Errorf(domain.KindBlocked, "this user cannot be messaged")
		}
		meta, err := t.chatMeta(m.ChatID)
		if err != nil {
			return err
		}
		if err := t.maySend(meta, mem, m); err != nil {
			// A resend of a message accepted before a restriction (or
			// within slow mode) is still answered as the duplicate it is.
			if old, found, ferr := t.sent(m.SenderID, m.ClientID); ferr != nil || found {
				ev, dup = old, found
				return ferr
			}
			return err
		}
		if m.ReplyTo > 0 {
			if _, err := t.message(m.ChatID, m.ReplyTo); err != nil {
				return domain.Invalid("reply_to", "no such message in this chat")
			}
		}
		seq, err := t.nextSeq(m.ChatID)
		if err != nil {
			return err
		}
		ev = domain.Event{ChatID: m.ChatID, Seq: seq, Pos: t.w.nextPos, Date: t.now, Type: domain.EvMessage,
			ActorID: m.SenderID, ClientID: m.ClientID, Text: m.Text, ReplyTo: m.ReplyTo, Forward: m.Forward, Media: m.Media,
			Call: m.Call, Entities: m.Rich.Entities, Markup: m.Rich.Markup}
		if m.Call != nil {
			ev.Type = domain.EvCall
		}
		// The unique (sender, client id) index decides whether this is a
		// resend; only then do we look the first message up.
		inserted, err := t.insertEvent(&ev, true, anonymous(meta))
		if err != nil || inserted {
			if inserted {
				t.pos()
				t.setSeq(m.ChatID, seq, ev.Pos)
				if slowed(meta, mem) {
					_, err = t.exec(`UPDATE members SET last_sent_at = ? WHERE chat_id = ? AND user_id = ?`, ms(t.now), m.ChatID, m.SenderID)
				}
			}
			return err
		}
		old, _, err := t.sent(m.SenderID, m.ClientID)
		if err != nil {
			return fmt.Errorf("find resent message: %w", err)
		}
		if old.ChatID != m.ChatID {
			return domain.Invalid("client_id", "already used for a message in another chat")
		}
		ev, dup = old, true
		return nil
	})
	return ev, dup, err
}

// anonymous reports whether the chat's events hide who made them: in a
// channel without signatures, subscribers see posts and admin actions as
// the channel's, not an admin's.
func anonymous(meta chatMeta) bool { return meta.typ == domain.ChatChannel && !meta.signatures }

// sent finds the message sender sent with clientID, if any.
func (t *txn) sent(sender int64, clientID string) (domain.Event, bool, error) {
	e, err := scanEvent(t.queryRow(`SELECT `+eventCols+` FROM events WHERE actor_id = ? AND client_id = ?`, sender, clientID))
	if errors.Is(err, sql.ErrNoRows) {
		return e, false, nil
	}
	return e, err == nil, err
}

// maySend checks the rights and slow mode a message needs.
func (t *txn) maySend(meta chatMeta, mem domain.Member, m domain.NewMessage) error {
	if m.Need != 0 {
		c := domain.Chat{Type: meta.typ, DefaultRights: meta.defaultRights}
		if domain.RightsIn(c, mem, t.now)&m.Need != m.Need {
			if meta.typ == domain.ChatChannel {
				return domain.Errorf(domain.KindForbidden, "only the channel's admins can post")
			}
			return domain.Errorf(domain.KindForbidden, "you may not send this here")
		}
	}
	if slowed(meta, mem) {
		var last int64
		if err := t.queryRow(`SELECT last_sent_at FROM members WHERE chat_id = ? AND user_id = ?`, m.ChatID, m.SenderID).Scan(&last); err != nil {
			return err
		}
		if wait := fromMS(last).Add(meta.slowMode).Sub(t.now); last != 0 && wait > 0 {
			return domain.SlowModeError(wait)
		}
	}
	return nil
}

// slowed reports whether slow mode holds for the member: admins and the
// owner are not slowed.
func slowed(meta chatMeta, mem domain.Member) bool {
	return meta.slowMode > 0 && mem.Role == domain.RoleMember
}

// message reads a live (not deleted) message inside the transaction.
func (t *txn) message(chatID, seq int64) (domain.Event, error) {
	e, err := scanEvent(t.queryRow(`SELECT `+eventCols+` FROM events WHERE chat_id = ? AND seq = ? AND type = 'message' AND deleted = 0`, chatID, seq))
	return e, notFound(err, "message")
}

func (s *Store) Message(ctx context.Context, chatID, seq int64) (domain.Event, error) {
	e, err := scanEvent(s.read.QueryRowContext(ctx, `SELECT `+eventCols+` FROM events WHERE chat_id = ? AND seq = ? AND type = 'message'`, chatID, seq))
	return e, notFound(err, "message")
}

func (s *Store) EditMessage(ctx context.Context, chatID, seq, actorID int64, text string, rich domain.Rich) (domain.Event, error) {
	var ev domain.Event
	err := s.w.do(ctx, func(t *txn) error {
		if _, err := t.activeMember(chatID, actorID); err != nil {
			return err
		}
		m, err := t.message(chatID, seq)
		if err != nil {
			return err
		}
		ev = domain.Event{ChatID: chatID, Type: domain.EvEdit, ActorID: actorID, Target: seq, Text: text,
			Entities: rich.Entities, Markup: rich.Markup}
		if _, err := t.exec(`UPDATE events SET text = ?, rich = ?, edited_at = ? WHERE chat_id = ? AND seq = ?`,
			text, rowmap.RichJSON(&ev), ms(t.now), chatID, seq); err != nil {
			return err
		}
		if err := t.unindexMessage(m.Pos); err != nil {
			return err
		}
		if err := t.indexMessage(m.Pos, chatID, text); err != nil {
			return err
		}
		if err := t.logIfOthers(chatID, seq, actorID, domain.LogEdit); err != nil {
			return err
		}
		return t.appendEvent(&ev)
	})
	return ev, err
}

func (s *Store) DeleteMessage(ctx context.Context, chatID, seq, actorID int64) (domain.Event, error) {
	var ev domain.Event
	err := s.w.do(ctx, func(t *txn) error {
		if _, err := t.activeMember(chatID, actorID); err != nil {
			return err
		}
		m, err := t.message(chatID, seq)
		if err != nil {
			return err
		}
		// Deleting for everyone removes the words, including earlier versions,
		// and the files (the chat's members may no longer fetch them).
		if _, err := t.exec(`UPDATE events SET text = '', media = NULL, deleted = 1 WHERE chat_id = ? AND seq = ?`, chatID, seq); err != nil {
			return err
		}
		if _, err := t.exec(`DELETE FROM file_refs WHERE chat_id = ? AND seq = ?`, chatID, seq); err != nil {
			return err
		}
		if err := t.unindexMessage(m.Pos); err != nil {
			return err
		}
		if _, err := t.exec(`UPDATE events SET text = '' WHERE chat_id = ? AND seq > ? AND type = 'edit' AND target = ?`, chatID, seq, seq); err != nil {
			return err
		}
		if err := t.logIfOthers(chatID, seq, actorID, domain.LogDelete); err != nil {
			return err
		}
		ev = domain.Event{ChatID: chatID, Type: domain.EvDelete, ActorID: actorID, Target: seq}
		return t.appendEvent(&ev)
	})
	return ev, err
}

func (s *Store) AddMembers(ctx context.Context, chatID, actorID int64, userIDs []int64, maxMembers int) ([]domain.Event, error) {
	var events []domain.Event
	err := s.w.do(ctx, func(t *txn) error {
		events = nil
		if _, err := t.activeMember(chatID, actorID); err != nil {
			return err
		}
		var count int
		if err := t.queryRow(`SELECT members FROM chats WHERE id = ?`, chatID).Scan(&count); err != nil {
			return notFound(err, "chat")
		}
		meta, err := t.chatMeta(chatID)
		if err != nil {
			return err
		}
		mark := len(t.events)
		for _, id := range userIDs {
			m, err := t.member(chatID, id)
			if err == nil && m.Active() {
				continue
			}
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if err := t.userExists(id); err != nil {
				return err
			}
			if count++; maxMembers > 0 && count > maxMembers {
				return domain.Errorf(domain.KindForbidden, "the group is full (%d members)", maxMembers)
			}
			if err := t.addMember(chatID, id, domain.RoleMember); err != nil {
				return err
			}
			ev := domain.Event{ChatID: chatID, Type: domain.EvMemberAdded, ActorID: actorID, Target: id, Role: domain.RoleMember}
			if err := t.memberEvent(domain.PrivateMembership(meta.typ, count-1), &ev); err != nil {
				return err
			}
		}
		events = append([]domain.Event(nil), t.events[mark:]...)
		return nil
	})
	return events, err
}

func (s *Store) RemoveMember(ctx context.Context, chatID, actorID, userID, newOwner int64) ([]domain.Event, error) {
	var events []domain.Event
	err := s.w.do(ctx, func(t *txn) error {
		if _, err := t.activeMember(chatID, actorID); err != nil {
			return err
		}
		if _, err := t.activeMember(chatID, userID); err != nil {
			return domain.Errorf(domain.KindNotFound, "not a member of this chat")
		}
		mark := len(t.events)
		typ := domain.EvMemberRemoved
		if actorID == userID {
			typ = domain.EvMemberLeft
		}
		if err := t.endMembership(chatID, actorID, userID, typ, false, time.Time{}); err != nil {
			return err
		}
		if actorID != userID {
			if err := t.log(chatID, actorID, domain.LogRemove, userID, ""); err != nil {
				return err
			}
		}
		if newOwner != 0 {
			if err := t.setRole(chatID, actorID, newOwner, domain.RoleOwner); err != nil {
				return err
			}
		}
		events = append([]domain.Event(nil), t.events[mark:]...)
		return nil
	})
	return events, err
}

func (t *txn) setRole(chatID, actorID, userID int64, role domain.Role) error {
	m, err := t.activeMember(chatID, userID)
	if err != nil {
		return domain.Errorf(domain.KindNotFound, "not a member of this chat")
	}
	rights := m.Rights
	switch {
	case role == domain.RoleMember:
		rights = 0
	case role == domain.RoleAdmin && m.Role != domain.RoleAdmin:
		rights = domain.AdminRights
	case role == domain.RoleOwner:
		rights = domain.AllRights
	}
	return t.setRights(chatID, actorID, userID, role, rights)
}

// setRights saves a member's role and admin rights, with a role_changed
// event (private in a channel) and an admin log entry.
func (t *txn) setRights(chatID, actorID, userID int64, role domain.Role, rights domain.Rights) error {
	if _, err := t.exec(`UPDATE members SET role = ?, rights = ?, denied = 0, until = 0 WHERE chat_id = ? AND user_id = ?`,
		string(role), rights, chatID, userID); err != nil {
		return err
	}
	private, err := t.privateMembership(chatID)
	if err != nil {
		return err
	}
	ev := domain.Event{ChatID: chatID, Type: domain.EvRoleChanged, ActorID: actorID, Target: userID, Role: role, Rights: rights}
	if err := t.memberEvent(private, &ev); err != nil {
		return err
	}
	return t.log(chatID, actorID, domain.LogRole, userID, string(role)+" "+rights.String())
}

func (s *Store) SetRole(ctx context.Context, chatID, actorID, userID int64, role domain.Role) ([]domain.Event, error) {
	var events []domain.Event
	err := s.w.do(ctx, func(t *txn) error {
		if _, err := t.activeMember(chatID, actorID); err != nil {
			return err
		}
		mark := len(t.events)
		if err := t.setRole(chatID, actorID, userID, role); err != nil {
			return err
		}
		if role == domain.RoleOwner && userID != actorID {
			if err := t.setRole(chatID, actorID, actorID, domain.RoleAdmin); err != nil {
				return err
			}
		}
		events = append([]domain.Event(nil), t.events[mark:]...)
		return nil
	})
	return events, err
}

func (s *Store) SetTitle(ctx context.Context, chatID, actorID int64, title string) (domain.Event, error) {
	var ev domain.Event
	err := s.w.do(ctx, func(t *txn) error {
		if _, err := t.activeMember(chatID, actorID); err != nil {
			return err
		}
		if _, err := t.exec(`UPDATE chats SET title = ? WHERE id = ?`, title, chatID); err != nil {
			return err
		}
		if err := t.indexName(-chatID, title); err != nil {
			return err
		}
		if err := t.log(chatID, actorID, domain.LogTitle, 0, title); err != nil {
			return err
		}
		ev = domain.Event{ChatID: chatID, Type: domain.EvTitleChanged, ActorID: actorID, Text: title}
		return t.appendEvent(&ev)
	})
	return ev, err
}

func (s *Store) MarkRead(ctx context.Context, chatID, userID, seq int64) (domain.Event, bool, error) {
	var ev domain.Event
	var changed bool
	err := s.w.do(ctx, func(t *txn) error {
		changed = false
		m, err := t.activeMember(chatID, userID)
		if err != nil {
			return err
		}
		var last int64
		var typ string
		var members int
		if err := t.queryRow(`SELECT last_seq, type, members FROM chats WHERE id = ?`, chatID).Scan(&last, &typ, &members); err != nil {
			return notFound(err, "chat")
		}
		seq = min(seq, last)
		ev = domain.Event{ChatID: chatID, Type: domain.EvRead, ActorID: userID, Target: max(seq, m.ReadSeq), Date: t.now}
		if domain.PrivateReads(domain.ChatType(typ), members) {
			ev.ForUser = userID
		}
		if seq <= m.ReadSeq {
			return nil
		}
		t.wrote = true
		ev.Pos = t.pos()
		if _, err := t.exec(`UPDATE members SET read_seq = ?, read_pos = ?, read_at = ? WHERE chat_id = ? AND user_id = ?`,
			seq, ev.Pos, ms(t.now), chatID, userID); err != nil {
			return err
		}
		changed = true
		t.events = append(t.events, ev)
		return nil
	})
	return ev, changed, err
}

func (s *Store) History(ctx context.Context, chatID, before, after int64, limit int) ([]domain.Event, error) {
	const visible = `chat_id = ? AND type NOT IN ('edit', 'delete', 'info_changed')`
	switch {
	case before > 0:
		evs, err := scanEvents(s.read.QueryContext(ctx, `SELECT `+eventCols+` FROM events WHERE `+visible+` AND seq < ?
			ORDER BY seq DESC LIMIT ?`, chatID, before, limit))
		reverse(evs)
		return evs, err
	case after >= 0:
		return scanEvents(s.read.QueryContext(ctx, `SELECT `+eventCols+` FROM events WHERE `+visible+` AND seq > ?
			ORDER BY seq LIMIT ?`, chatID, after, limit))
	default:
		evs, err := scanEvents(s.read.QueryContext(ctx, `SELECT `+eventCols+` FROM events WHERE `+visible+`
			ORDER BY seq DESC LIMIT ?`, chatID, limit))
		reverse(evs)
		return evs, err
	}
}

func reverse(evs []domain.Event) {
	for i, j := 0, len(evs)-1; i < j; i, j = i+1, j-1 {
		evs[i], evs[j] = evs[j], evs[i]
	}
}

func (s *Store) ChangedChats(ctx context.Context, userID, pos int64) ([]domain.Member, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT m.chat_id, m.user_id, m.role, m.read_seq, m.joined_at, m.left_seq, m.left_pos
		FROM members m JOIN chats c ON c.id = m.chat_id
		WHERE m.user_id = ? AND c.last_pos > ? AND (m.left_seq = 0 OR m.left_pos > ?)`, userID, pos, pos)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Member
	for rows.Next() {
		var m domain.Member
		var role string
		var joined int64
		if err := rows.Scan(&m.ChatID, &m.UserID, &role, &m.ReadSeq, &joined, &m.LeftSeq, &m.LeftPos); err != nil {
			return nil, err
		}
		m.Role, m.JoinedAt = domain.Role(role), fromMS(joined)
		out = append(out, m)
	}
	return out, rows.Err()
}

func (s *Store) EventsAfter(ctx context.Context, chatID, after, upto int64, limit int) ([]domain.Event, error) {
	// The inner query walks the chat's index back from its newest entry to
	// the last one at or before `after`: it costs as much as what follows.
	return scanEvents(s.read.QueryContext(ctx, `SELECT `+eventCols+` FROM events
		WHERE chat_id = ?1 AND pos <= ?3 AND seq > COALESCE(
			(SELECT seq FROM events WHERE chat_id = ?1 AND pos <= ?2 ORDER BY seq DESC LIMIT 1), 0)
		ORDER BY seq LIMIT ?4`, chatID, after, upto, limit))
}

func (s *Store) ReadsAfter(ctx context.Context, userID, after, upto int64, limit int) ([]domain.Event, error) {
	// Others' reads only from chats that share them (domain.PrivateReads).
	rows, err := s.read.QueryContext(ctx, `SELECT o.chat_id, o.user_id, o.read_seq, o.read_pos, o.read_at,
			c.type = 'channel' OR c.members > ?5
		FROM members m JOIN members o ON o.chat_id = m.chat_id JOIN chats c ON c.id = m.chat_id
		WHERE m.user_id = ?1 AND m.left_seq = 0 AND o.read_pos > ?2 AND o.read_pos <= ?3
			AND (o.user_id = ?1 OR (c.type <> 'channel' AND c.members <= ?5))
		ORDER BY o.read_pos LIMIT ?4`, userID, after, upto, limit, domain.SharedReadsMax)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Event
	for rows.Next() {
		e := domain.Event{Type: domain.EvRead}
		var at int64
		var private bool
		if err := rows.Scan(&e.ChatID, &e.ActorID, &e.Target, &e.Pos, &at, &private); err != nil {
			return nil, err
		}
		e.Date = fromMS(at)
		if private {
			e.ForUser = e.ActorID
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// untilOf stores an event's Until (nil: 0).
func untilOf(u *time.Time) int64 {
	if u == nil {
		return 0
	}
	return untilMS(*u)
}
