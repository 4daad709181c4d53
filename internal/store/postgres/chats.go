package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/store/rowmap"
	"github.com/jackc/pgx/v5"
)

const eventCols = rowmap.EventCols

func scanEvent(r rowScanner) (domain.Event, error) { return rowmap.ScanEvent(r) }

var scanEvents = collect(scanEvent)

// txMemberCols is what a transaction reads of a membership.
const txMemberCols = memberCols + `, blocked`

func scanTxMember(r rowScanner) (domain.Member, error) {
	var m domain.Member
	var role string
	var joined int64
	err := r.Scan(&m.ChatID, &m.UserID, &role, &m.ReadSeq, &joined, &m.LeftSeq, &m.Blocked)
	m.Role, m.JoinedAt = domain.Role(role), fromMS(joined)
	return m, err
}

// member reads a membership inside the transaction: from what the batch
// read when it began if that is still current, else from the table.
func (t *txn) member(chatID, userID int64) (domain.Member, error) {
	if m, ok := t.members[memberKey{chatID, userID}]; ok && !t.membersWritten[chatID] {
		if m == nil {
			return domain.Member{}, pgx.ErrNoRows
		}
		return *m, nil
	}
	return scanTxMember(t.queryRow(`SELECT `+txMemberCols+` FROM members WHERE chat_id = $1 AND user_id = $2`, chatID, userID))
}

// writeMembers runs a statement that changes chatID's members, which makes
// the memberships read when the batch began stale for that chat.
func (t *txn) writeMembers(chatID int64, query string, args ...any) error {
	t.membersWritten[chatID] = true
	_, err := t.exec(query, args...)
	return err
}

// resent returns the message that sender already made with client id, if
// any.
func (t *txn) resent(sender int64, clientID string) (domain.Event, bool, error) {
	if e, ok := t.resends[clientKey{sender, clientID}]; ok {
		if e == nil {
			return domain.Event{}, false, nil
		}
		return *e, true, nil
	}
	e, err := scanEvent(t.queryRow(`SELECT `+eventCols+` FROM events WHERE actor_id = $1 AND client_id = $2`, sender, clientID))
	if errors.Is(err, pgx.ErrNoRows) {
		return e, false, nil
	}
	return e, err == nil, err
}

// activeMember locks the chat and fails with not found unless userID is a
// current member of it.
func (t *txn) activeMember(chatID, userID int64) (domain.Member, error) {
	if _, err := t.head(chatID); err != nil {
		return domain.Member{}, err
	}
	m, err := t.member(chatID, userID)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !m.Active()) {
		return m, domain.Errorf(domain.KindNotFound, "chat not found")
	}
	return m, err
}

func (t *txn) addMember(chatID, userID int64, role domain.Role) error {
	h, err := t.head(chatID)
	if err != nil {
		return err
	}
	err = t.writeMembers(chatID, `INSERT INTO members(chat_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (chat_id, user_id) DO UPDATE SET role = excluded.role, joined_at = excluded.joined_at, left_seq = 0, left_pos = 0`,
		chatID, userID, string(role), ms(t.now))
	if err != nil {
		return fmt.Errorf("insert member: %w", err)
	}
	t.change(h)
	h.members++
	return nil
}

func (t *txn) userExists(id int64) error {
	var one int
	err := t.queryRow(`SELECT 1 FROM users WHERE id = $1`, id).Scan(&one)
	return notFound(err, "user")
}

func (s *Store) CreateChat(ctx context.Context, nc domain.NewChat) (domain.Chat, []domain.Event, bool, error) {
	var chatID int64
	var created bool
	events, err := s.w.do(ctx, 0, func(t *txn) error {
		chatID, created = 0, false
		if nc.DirectKey != "" {
			err := t.queryRow(`SELECT id FROM chats WHERE direct_key = $1`, nc.DirectKey).Scan(&chatID)
			if err == nil || !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		for _, id := range nc.Members {
			if err := t.userExists(id); err != nil {
				return err
			}
		}
		// DO NOTHING waits for another node creating the same pair's chat,
		// then yields to it if it committed.
		err := t.insertRow(`INSERT INTO chats(type, title, direct_key, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (direct_key) DO NOTHING RETURNING id`,
			string(nc.Type), nc.Title, nullStr(nc.DirectKey), ms(t.now)).Scan(&chatID)
		if errors.Is(err, pgx.ErrNoRows) {
			return t.queryRow(`SELECT id FROM chats WHERE direct_key = $1`, nc.DirectKey).Scan(&chatID)
		}
		if err != nil {
			return fmt.Errorf("insert chat: %w", err)
		}
		// Nobody else can see the new row before we commit, so it needs
		// no lock.
		t.addHead(chatID, &chatHead{})
		created = true
		creatorRole, memberRole := domain.RoleOwner, domain.RoleMember
		if nc.Type == domain.ChatDirect {
			creatorRole = domain.RoleMember
		}
		if err := t.addMember(chatID, nc.CreatorID, creatorRole); err != nil {
			return err
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
			if err := t.appendEvent(&ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return domain.Chat{}, nil, false, err
	}
	c, err := s.Chat(ctx, chatID)
	return c, events, created, err
}

const chatCols = `id, type, title, created_at, last_seq, last_pos, members`

func scanChat(r rowScanner) (domain.Chat, error) {
	var c domain.Chat
	var typ string
	var created int64
	err := r.Scan(&c.ID, &typ, &c.Title, &created, &c.LastSeq, &c.LastPos, &c.Members)
	c.Type, c.CreatedAt = domain.ChatType(typ), fromMS(created)
	return c, err
}

func (s *Store) Chat(ctx context.Context, id int64) (domain.Chat, error) {
	c, err := scanChat(s.pool.QueryRow(ctx, `SELECT `+chatCols+` FROM chats WHERE id = $1`, id))
	return c, notFound(err, "chat")
}

func (s *Store) DirectChat(ctx context.Context, key string) (domain.Chat, error) {
	c, err := scanChat(s.pool.QueryRow(ctx, `SELECT `+chatCols+` FROM chats WHERE direct_key = $1`, key))
	return c, notFound(err, "chat")
}

const memberCols = `chat_id, user_id, role, read_seq, joined_at, left_seq`

func scanMember(r rowScanner) (domain.Member, error) {
	var m domain.Member
	var role string
	var joined int64
	err := r.Scan(&m.ChatID, &m.UserID, &role, &m.ReadSeq, &joined, &m.LeftSeq)
	m.Role, m.JoinedAt = domain.Role(role), fromMS(joined)
	return m, err
}

func (s *Store) Member(ctx context.Context, chatID, userID int64) (domain.Member, error) {
	m, err := scanMember(s.pool.QueryRow(ctx, `SELECT `+memberCols+` FROM members WHERE chat_id = $1 AND user_id = $2`, chatID, userID))
	return m, notFound(err, "member")
}

func (s *Store) Members(ctx context.Context, chatID, after int64, limit int) ([]domain.Member, error) {
	return collect(scanMember)(s.pool.Query(ctx, `SELECT `+memberCols+` FROM members
		WHERE chat_id = $1 AND user_id > $2 AND left_seq = 0 ORDER BY user_id LIMIT $3`, chatID, after, limit))
}

func (s *Store) ActiveChatIDs(ctx context.Context, userID int64) ([]int64, error) {
	return s.ids(ctx, `SELECT chat_id FROM members WHERE user_id = $1 AND left_seq = 0`, userID)
}

func (s *Store) DirectChatIDs(ctx context.Context, userID int64) ([]int64, error) {
	return s.ids(ctx, `SELECT m.chat_id FROM members m JOIN chats c ON c.id = m.chat_id
		WHERE m.user_id = $1 AND m.left_seq = 0 AND c.type = 'direct'`, userID)
}

func (s *Store) ChatsOf(ctx context.Context, userID int64) ([]domain.ChatSummary, error) {
	ids, err := s.ids(ctx, `SELECT m.chat_id FROM members m JOIN chats c ON c.id = m.chat_id
		WHERE m.user_id = $1 AND m.left_seq = 0 ORDER BY c.last_pos DESC`, userID)
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

// ChatSummary sends its six reads in one round trip; they may see slightly
// different moments, as the SQLite store's separate reads may.
func (s *Store) ChatSummary(ctx context.Context, chatID, userID int64) (domain.ChatSummary, error) {
	var cs domain.ChatSummary
	var chatErr, memberErr error
	var last domain.Event
	var hasLast bool
	b := &pgx.Batch{}
	b.Queue(`SELECT `+chatCols+` FROM chats WHERE id = $1`, chatID).QueryRow(func(r pgx.Row) error {
		cs.Chat, chatErr = scanChat(r)
		return ignoreNoRows(chatErr)
	})
	b.Queue(`SELECT `+memberCols+` FROM members WHERE chat_id = $1 AND user_id = $2`, chatID, userID).QueryRow(func(r pgx.Row) error {
		var m domain.Member
		m, memberErr = scanMember(r)
		cs.Role, cs.ReadSeq = m.Role, m.ReadSeq
		return ignoreNoRows(memberErr)
	})
	b.Queue(`SELECT count(*) FROM events
		WHERE chat_id = $1 AND seq > COALESCE((SELECT read_seq FROM members WHERE chat_id = $1 AND user_id = $2), 0)
			AND type = 'message' AND actor_id <> $2 AND NOT deleted`, chatID, userID).QueryRow(func(r pgx.Row) error {
		return r.Scan(&cs.Unread)
	})
	b.Queue(`SELECT COALESCE(max(read_seq), 0) FROM members WHERE chat_id = $1 AND user_id <> $2 AND left_seq = 0`,
		chatID, userID).QueryRow(func(r pgx.Row) error { return r.Scan(&cs.PeerReadSeq) })
	b.Queue(`SELECT m.user_id FROM members m JOIN chats c ON c.id = m.chat_id
		WHERE m.chat_id = $1 AND m.user_id <> $2 AND c.type = 'direct' LIMIT 1`, chatID, userID).QueryRow(func(r pgx.Row) error {
		return ignoreNoRows(r.Scan(&cs.PeerID))
	})
	b.Queue(`SELECT `+eventCols+` FROM events WHERE chat_id = $1 AND type NOT IN ('edit', 'delete')
		ORDER BY seq DESC LIMIT 1`, chatID).QueryRow(func(r pgx.Row) error {
		var err error
		last, err = scanEvent(r)
		hasLast = err == nil
		return ignoreNoRows(err)
	})
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return cs, err
	}
	if chatErr != nil {
		return domain.ChatSummary{}, notFound(chatErr, "chat")
	}
	if memberErr != nil {
		return domain.ChatSummary{}, notFound(memberErr, "member")
	}
	if hasLast {
		cs.LastMessage = &last
	}
	return cs, nil
}

func ignoreNoRows(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	return err
}

func (s *Store) AppendMessage(ctx context.Context, m domain.NewMessage) (domain.Event, bool, error) {
	var old domain.Event
	var dup bool
	o := &op{ctx: ctx, chat: m.ChatID, member: memberKey{m.ChatID, m.SenderID}}
	if m.ClientID != "" {
		o.client = clientKey{m.SenderID, m.ClientID}
	}
	o.fn = func(t *txn) error {
		dup = false
		if mem, err := t.activeMember(m.ChatID, m.SenderID); err != nil {
			return err
		} else if mem.Blocked {
			return domain.Errorf(domain.KindBlocked, "this user cannot be messaged")
		}
		if m.ReplyTo > 0 {
			if _, err := t.message(m.ChatID, m.ReplyTo); err != nil {
				if errors.Is(err, pgx.ErrNoRows) || domain.IsKind(err, domain.KindNotFound) {
					return domain.Invalid("reply_to", "no such message in this chat")
				}
				return err
			}
		}
		if m.ClientID != "" {
			prior, resent, err := t.resent(m.SenderID, m.ClientID)
			if err != nil {
				return fmt.Errorf("find resent message: %w", err)
			}
			if resent {
				if prior.ChatID != m.ChatID {
					return domain.Invalid("client_id", "already used for a message in another chat")
				}
				old, dup = prior, true
				return nil
			}
			key := clientKey{m.SenderID, m.ClientID}
			if t.sent[key] {
				return errNextBatch
			}
			t.sent[key] = true
			t.undo = append(t.undo, func() { delete(t.sent, key) })
		}
		ev := domain.Event{ChatID: m.ChatID, Type: domain.EvMessage, ActorID: m.SenderID, ClientID: m.ClientID,
			Text: m.Text, ReplyTo: m.ReplyTo, Forward: m.Forward}
		return t.appendEvent(&ev)
	}
	evs, err := s.w.submit(o)
	if err != nil {
		return domain.Event{}, false, err
	}
	if dup {
		return old, true, nil
	}
	return evs[0], false, nil
}

// message reads a live (not deleted) message inside the transaction.
func (t *txn) message(chatID, seq int64) (domain.Event, error) {
	e, err := scanEvent(t.queryRow(`SELECT `+eventCols+` FROM events WHERE chat_id = $1 AND seq = $2 AND type = 'message' AND NOT deleted`, chatID, seq))
	return e, notFound(err, "message")
}

func (s *Store) Message(ctx context.Context, chatID, seq int64) (domain.Event, error) {
	e, err := scanEvent(s.pool.QueryRow(ctx, `SELECT `+eventCols+` FROM events WHERE chat_id = $1 AND seq = $2 AND type = 'message'`, chatID, seq))
	return e, notFound(err, "message")
}

func (s *Store) EditMessage(ctx context.Context, chatID, seq, actorID int64, text string) (domain.Event, error) {
	evs, err := s.w.do(ctx, chatID, func(t *txn) error {
		if _, err := t.activeMember(chatID, actorID); err != nil {
			return err
		}
		if _, err := t.message(chatID, seq); err != nil {
			return err
		}
		if _, err := t.exec(`UPDATE events SET text = $1, edited_at = $2, search = `+searchVector("$5::text")+` WHERE chat_id = $3 AND seq = $4`,
			text, ms(t.now), chatID, seq, indexedTerms(text)); err != nil {
			return err
		}
		ev := domain.Event{ChatID: chatID, Type: domain.EvEdit, ActorID: actorID, Target: seq, Text: text}
		return t.appendEvent(&ev)
	})
	if err != nil {
		return domain.Event{}, err
	}
	return evs[0], nil
}

func (s *Store) DeleteMessage(ctx context.Context, chatID, seq, actorID int64) (domain.Event, error) {
	evs, err := s.w.do(ctx, chatID, func(t *txn) error {
		if _, err := t.activeMember(chatID, actorID); err != nil {
			return err
		}
		if _, err := t.message(chatID, seq); err != nil {
			return err
		}
		// Deleting for everyone removes the words, including earlier
		// versions: those stored, and those still waiting in this batch.
		if _, err := t.exec(`UPDATE events SET text = '', deleted = true, search = NULL WHERE chat_id = $1 AND seq = $2`, chatID, seq); err != nil {
			return err
		}
		if _, err := t.exec(`UPDATE events SET text = '' WHERE chat_id = $1 AND seq > $2 AND type = 'edit' AND target = $2`, chatID, seq); err != nil {
			return err
		}
		for i, e := range t.events {
			if e.ChatID == chatID && e.Type == domain.EvEdit && e.Target == seq {
				t.scrubbed = append(t.scrubbed, i)
			}
		}
		ev := domain.Event{ChatID: chatID, Type: domain.EvDelete, ActorID: actorID, Target: seq}
		return t.appendEvent(&ev)
	})
	if err != nil {
		return domain.Event{}, err
	}
	return evs[0], nil
}

func (s *Store) AddMembers(ctx context.Context, chatID, actorID int64, userIDs []int64, maxMembers int) ([]domain.Event, error) {
	return s.w.do(ctx, chatID, func(t *txn) error {
		if _, err := t.activeMember(chatID, actorID); err != nil {
			return err
		}
		h, err := t.head(chatID)
		if err != nil {
			return err
		}
		count := h.members
		for _, id := range userIDs {
			m, err := t.member(chatID, id)
			if err == nil && m.Active() {
				continue
			}
			if err != nil && !errors.Is(err, pgx.ErrNoRows) {
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
			if err := t.appendEvent(&ev); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) RemoveMember(ctx context.Context, chatID, actorID, userID, newOwner int64) ([]domain.Event, error) {
	return s.w.do(ctx, chatID, func(t *txn) error {
		if _, err := t.activeMember(chatID, actorID); err != nil {
			return err
		}
		if _, err := t.activeMember(chatID, userID); err != nil {
			return domain.Errorf(domain.KindNotFound, "not a member of this chat")
		}
		ev := domain.Event{ChatID: chatID, Type: domain.EvMemberRemoved, ActorID: actorID, Target: userID}
		if actorID == userID {
			ev.Type = domain.EvMemberLeft
		}
		if err := t.appendEvent(&ev); err != nil {
			return err
		}
		// left_pos is the event's position, known only at commit.
		if err := t.writeMembers(chatID, `UPDATE members SET left_seq = $1 WHERE chat_id = $2 AND user_id = $3`, ev.Seq, chatID, userID); err != nil {
			return err
		}
		t.lefts = append(t.lefts, leftMark{idx: len(t.events), chat: chatID, user: userID, seq: ev.Seq})
		h, err := t.head(chatID)
		if err != nil {
			return err
		}
		t.change(h)
		h.members--
		if newOwner != 0 {
			if err := t.setRole(chatID, actorID, newOwner, domain.RoleOwner); err != nil {
				return err
			}
		}
		return nil
	})
}

func (t *txn) setRole(chatID, actorID, userID int64, role domain.Role) error {
	if _, err := t.activeMember(chatID, userID); err != nil {
		return domain.Errorf(domain.KindNotFound, "not a member of this chat")
	}
	if err := t.writeMembers(chatID, `UPDATE members SET role = $1 WHERE chat_id = $2 AND user_id = $3`, string(role), chatID, userID); err != nil {
		return err
	}
	ev := domain.Event{ChatID: chatID, Type: domain.EvRoleChanged, ActorID: actorID, Target: userID, Role: role}
	return t.appendEvent(&ev)
}

func (s *Store) SetRole(ctx context.Context, chatID, actorID, userID int64, role domain.Role) ([]domain.Event, error) {
	return s.w.do(ctx, chatID, func(t *txn) error {
		if _, err := t.activeMember(chatID, actorID); err != nil {
			return err
		}
		if err := t.setRole(chatID, actorID, userID, role); err != nil {
			return err
		}
		if role == domain.RoleOwner && userID != actorID {
			return t.setRole(chatID, actorID, actorID, domain.RoleAdmin)
		}
		return nil
	})
}

func (s *Store) SetTitle(ctx context.Context, chatID, actorID int64, title string) (domain.Event, error) {
	evs, err := s.w.do(ctx, chatID, func(t *txn) error {
		if _, err := t.activeMember(chatID, actorID); err != nil {
			return err
		}
		if _, err := t.exec(`UPDATE chats SET title = $1 WHERE id = $2`, title, chatID); err != nil {
			return err
		}
		ev := domain.Event{ChatID: chatID, Type: domain.EvTitleChanged, ActorID: actorID, Text: title}
		return t.appendEvent(&ev)
	})
	if err != nil {
		return domain.Event{}, err
	}
	return evs[0], nil
}

func (s *Store) MarkRead(ctx context.Context, chatID, userID, seq int64) (domain.Event, bool, error) {
	var unchanged domain.Event
	evs, err := s.w.submit(&op{ctx: ctx, chat: chatID, member: memberKey{chatID, userID}, fn: func(t *txn) error {
		unchanged = domain.Event{}
		m, err := t.activeMember(chatID, userID)
		if err != nil {
			return err
		}
		h, err := t.head(chatID)
		if err != nil {
			return err
		}
		key := memberKey{chatID, userID}
		prev, had := t.reads[key]
		read := m.ReadSeq
		if had {
			read = prev.seq // a read earlier in this batch, not stored yet
		}
		seq := min(seq, h.seq)
		ev := domain.Event{ChatID: chatID, Type: domain.EvRead, ActorID: userID, Target: max(seq, read), Date: t.now}
		if seq <= read {
			unchanged = ev
			return nil
		}
		// The read's position, known at commit, goes to members.read_pos.
		t.events = append(t.events, ev)
		t.reads[key] = readMark{seq: seq, idx: len(t.events)}
		t.undo = append(t.undo, func() {
			if had {
				t.reads[key] = prev
			} else {
				delete(t.reads, key)
			}
		})
		return nil
	}})
	if err != nil {
		return domain.Event{}, false, err
	}
	if len(evs) == 0 {
		return unchanged, false, nil
	}
	return evs[0], true, nil
}

func (s *Store) History(ctx context.Context, chatID, before, after int64, limit int) ([]domain.Event, error) {
	const visible = `chat_id = $1 AND type NOT IN ('edit', 'delete')`
	switch {
	case before > 0:
		evs, err := scanEvents(s.pool.Query(ctx, `SELECT `+eventCols+` FROM events WHERE `+visible+` AND seq < $2
			ORDER BY seq DESC LIMIT $3`, chatID, before, limit))
		reverse(evs)
		return evs, err
	case after >= 0:
		return scanEvents(s.pool.Query(ctx, `SELECT `+eventCols+` FROM events WHERE `+visible+` AND seq > $2
			ORDER BY seq LIMIT $3`, chatID, after, limit))
	default:
		evs, err := scanEvents(s.pool.Query(ctx, `SELECT `+eventCols+` FROM events WHERE `+visible+`
			ORDER BY seq DESC LIMIT $2`, chatID, limit))
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
	return collect(func(r rowScanner) (domain.Member, error) {
		var m domain.Member
		var role string
		var joined int64
		err := r.Scan(&m.ChatID, &m.UserID, &role, &m.ReadSeq, &joined, &m.LeftSeq, &m.LeftPos)
		m.Role, m.JoinedAt = domain.Role(role), fromMS(joined)
		return m, err
	})(s.pool.Query(ctx, `SELECT m.chat_id, m.user_id, m.role, m.read_seq, m.joined_at, m.left_seq, m.left_pos
		FROM members m JOIN chats c ON c.id = m.chat_id
		WHERE m.user_id = $1 AND c.last_pos > $2 AND (m.left_seq = 0 OR m.left_pos > $2)`, userID, pos))
}

func (s *Store) EventsAfter(ctx context.Context, chatID, after, upto int64, limit int) ([]domain.Event, error) {
	// Within a chat, seq and pos grow together. The inner query walks the
	// chat's index back from its newest entry to the last one at or before
	// `after` (the index carries pos): it costs as much as what follows.
	return scanEvents(s.pool.Query(ctx, `SELECT `+eventCols+` FROM events
		WHERE chat_id = $1 AND pos <= $3 AND seq > COALESCE(
			(SELECT seq FROM events WHERE chat_id = $1 AND pos <= $2 ORDER BY seq DESC LIMIT 1), 0)
		ORDER BY seq LIMIT $4`, chatID, after, upto, limit))
}

// readCols shape a member's newest read receipt as an event row.
const readCols = `chat_id, 0::bigint, read_pos, 'read', user_id, read_at, '', '', 0::bigint,
	0::bigint, 0::bigint, 0::bigint, read_seq, '', 0::bigint, false`

func (s *Store) ReadsAfter(ctx context.Context, userID, after, upto int64, limit int) ([]domain.Event, error) {
	return scanEvents(s.pool.Query(ctx, `SELECT o.chat_id, 0::bigint, o.read_pos, 'read', o.user_id, o.read_at, '', '', 0::bigint,
			0::bigint, 0::bigint, 0::bigint, o.read_seq, '', 0::bigint, false
		FROM members m JOIN members o ON o.chat_id = m.chat_id
		WHERE m.user_id = $1 AND m.left_seq = 0 AND o.read_pos > $2 AND o.read_pos <= $3
		ORDER BY o.read_pos LIMIT $4`, userID, after, upto, limit))
}

// EventsBetween lists every event with after < pos <= upto, of every chat,
// ascending by pos, at most limit: what a node missed on the cluster bus.
// A read receipt is kept only as each member's newest, so a receipt that a
// newer one from the same member replaced is not listed: its position is a
// hole in the result (the newer receipt carries everything it said).
func (s *Store) EventsBetween(ctx context.Context, after, upto int64, limit int) ([]domain.Event, error) {
	return scanEvents(s.pool.Query(ctx, `
		(SELECT `+eventCols+` FROM events WHERE pos > $1 AND pos <= $2 ORDER BY pos LIMIT $3)
		UNION ALL
		(SELECT `+readCols+` FROM members WHERE read_pos > 0 AND read_pos > $1 AND read_pos <= $2
			ORDER BY read_pos LIMIT $3)
		ORDER BY 3 LIMIT $3`, after, upto, limit))
}
