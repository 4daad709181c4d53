package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/store/rowmap"
	"github.com/jackc/pgx/v5"
)

const eventCols = rowmap.EventCols

// scanEvent reads one row of eventCols.
func scanEvent(r rowScanner) (domain.Event, error) { return rowmap.ScanEvent(r) }

// scanEventFor reads one row of eventCols followed by for_user.
func scanEventFor(r rowScanner) (domain.Event, error) {
	var forUser int64
	e, err := scanEvent(suffixScanner{r, []any{&forUser}})
	e.ForUser = forUser
	return e, err
}

var (
	scanEvents    = collect(scanEvent)
	scanEventsFor = collect(scanEventFor)
)

// suffixScanner scans a row whose last columns go to extra.
type suffixScanner struct {
	r     rowScanner
	extra []any
}

func (s suffixScanner) Scan(dest ...any) error { return s.r.Scan(slices.Concat(dest, s.extra)...) }

// prefixScanner scans a row whose first columns go to pre.
type prefixScanner struct {
	r   rowScanner
	pre []any
}

func (s prefixScanner) Scan(dest ...any) error { return s.r.Scan(slices.Concat(s.pre, dest)...) }

// untilMS stores an event's Until (nil: 0, forever).
func untilMS(u *time.Time) int64 {
	if u == nil || u.IsZero() {
		return 0
	}
	return ms(*u)
}

// untilPtr is the Until an event carries for a stored time (0: none).
func untilPtr(v int64) *time.Time {
	if v == 0 {
		return nil
	}
	u := fromMS(v)
	return &u
}

// eventUntil is the Until an event carries for a ban or restriction that
// lasts until u, as it will read back (in milliseconds).
func eventUntil(u time.Time) *time.Time {
	if u.IsZero() {
		return nil
	}
	return untilPtr(ms(u))
}

// txMember is a membership as a transaction reads it.
type txMember struct {
	domain.Member
	lastSent int64 // Unix ms of the member's last message, kept for slow mode
}

// txMemberCols is what a transaction reads of a membership.
const txMemberCols = memberCols + `, blocked, last_sent_at`

func scanTxMember(r rowScanner) (txMember, error) {
	var m txMember
	var blocked bool
	var err error
	m.Member, err = scanMemberWith(r, &blocked, &m.lastSent)
	m.Blocked = blocked
	return m, err
}

// member reads a membership inside the transaction: from what the batch
// read when it began if that is still current, else from the table.
func (t *txn) member(chatID, userID int64) (txMember, error) {
	if m, ok := t.members[memberKey{chatID, userID}]; ok && !t.membersWritten[chatID] {
		if m == nil {
			return txMember{}, pgx.ErrNoRows
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
func (t *txn) activeMember(chatID, userID int64) (txMember, error) {
	if _, err := t.head(chatID); err != nil {
		return txMember{}, err
	}
	m, err := t.member(chatID, userID)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !m.Active()) {
		return m, domain.Errorf(domain.KindNotFound, "chat not found")
	}
	return m, err
}

// addMember makes userID an active member, with no rights or
// restrictions (a membership that ended, or a ban that did, starts over).
// It returns how many members the chat had before.
func (t *txn) addMember(chatID, userID int64, role domain.Role) (before int, err error) {
	h, err := t.head(chatID)
	if err != nil {
		return 0, err
	}
	err = t.writeMembers(chatID, `INSERT INTO members(chat_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (chat_id, user_id) DO UPDATE SET role = excluded.role, joined_at = excluded.joined_at, left_seq = 0, left_pos = 0,
			rights = 0, denied = 0, until = 0`,
		chatID, userID, string(role), ms(t.now))
	if err != nil {
		return 0, fmt.Errorf("insert member: %w", err)
	}
	t.change(h)
	h.members++
	return h.members - 1, nil
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
		info := nc.Info
		if err := t.usernameFree(info.Username, 0, 0); err != nil {
			return err
		}
		// DO NOTHING waits for another node creating the same pair's chat,
		// then yields to it if it committed.
		err := t.insertRow(`INSERT INTO chats(type, title, direct_key, created_at, username, username_lc, about, signatures,
				slow_mode, default_rights, linked_chat, search)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, `+searchVector("$12::text")+`)
			ON CONFLICT (direct_key) DO NOTHING RETURNING id`,
			string(nc.Type), nc.Title, nullStr(nc.DirectKey), ms(t.now), nullStr(info.Username), nullStr(strings.ToLower(info.Username)),
			info.About, info.Signatures, info.SlowMode, int64(info.DefaultRights), info.LinkedChatID, indexedTerms(nc.Title)).Scan(&chatID)
		if errors.Is(err, pgx.ErrNoRows) {
			return t.queryRow(`SELECT id FROM chats WHERE direct_key = $1`, nc.DirectKey).Scan(&chatID)
		}
		if err != nil {
			return fmt.Errorf("insert chat: %w", err)
		}
		// Nobody else can see the new row before we commit, so it needs
		// no lock.
		t.addHead(chatID, &chatHead{typ: nc.Type, defaultRights: int64(info.DefaultRights), signatures: info.Signatures,
			slowMode: info.SlowMode})
		created = true
		creatorRole, memberRole := domain.RoleOwner, domain.RoleMember
		if nc.Type == domain.ChatDirect {
			creatorRole = domain.RoleMember
		}
		if _, err := t.addMember(chatID, nc.CreatorID, creatorRole); err != nil {
			return err
		}
		if nc.Type == domain.ChatChannel {
			// A channel's events need not name its creator: the creator's
			// devices learn of it by a private event, first, which also
			// subscribes their live connections.
			own := domain.Event{ChatID: chatID, Type: domain.EvMemberAdded, ActorID: nc.CreatorID, Target: nc.CreatorID, Role: domain.RoleOwner}
			if err := t.memberEvent(&own, nc.CreatorID, 0); err != nil {
				return err
			}
		}
		ev := domain.Event{ChatID: chatID, Type: domain.EvChatCreated, ActorID: nc.CreatorID, Text: nc.Title}
		if err := t.appendEvent(&ev); err != nil {
			return err
		}
		for _, id := range nc.Members {
			before, err := t.addMember(chatID, id, memberRole)
			if err != nil {
				return err
			}
			ev := domain.Event{ChatID: chatID, Type: domain.EvMemberAdded, ActorID: nc.CreatorID, Target: id, Role: memberRole}
			if err := t.memberEvent(&ev, id, before); err != nil {
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

const chatCols = `id, type, title, created_at, last_seq, last_pos, members,
	COALESCE(username, ''), about, signatures, slow_mode, default_rights, pinned_seq, linked_chat`

func scanChat(r rowScanner) (domain.Chat, error) {
	var c domain.Chat
	var typ string
	var created, rights int64
	err := r.Scan(&c.ID, &typ, &c.Title, &created, &c.LastSeq, &c.LastPos, &c.Members,
		&c.Username, &c.About, &c.Signatures, &c.SlowMode, &rights, &c.PinnedSeq, &c.LinkedChatID)
	c.Type, c.CreatedAt, c.DefaultRights = domain.ChatType(typ), fromMS(created), domain.Rights(rights)
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

const memberCols = `chat_id, user_id, role, read_seq, joined_at, left_seq, left_pos, rights, denied, until`

func scanMember(r rowScanner) (domain.Member, error) { return scanMemberWith(r) }

// scanMemberWith reads memberCols and then extra columns into extra.
func scanMemberWith(r rowScanner, extra ...any) (domain.Member, error) {
	var m domain.Member
	var role string
	var joined, rights, denied, until int64
	err := r.Scan(slices.Concat([]any{&m.ChatID, &m.UserID, &role, &m.ReadSeq, &joined, &m.LeftSeq, &m.LeftPos,
		&rights, &denied, &until}, extra)...)
	m.Role, m.JoinedAt = domain.Role(role), fromMS(joined)
	m.Rights, m.Denied, m.Until = domain.Rights(rights), domain.Rights(denied), fromMS(until)
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
// different moments, as the SQLite store's separate reads may. Unread
// counts at most domain.UnreadCap messages; the peers' reads are not read
// at all where reads are private (a channel's could be O(subscribers)).
func (s *Store) ChatSummary(ctx context.Context, chatID, userID int64) (domain.ChatSummary, error) {
	var cs domain.ChatSummary
	var member domain.Member
	var chatErr, memberErr error
	var last domain.Event
	var hasLast bool
	b := &pgx.Batch{}
	b.Queue(`SELECT `+chatCols+` FROM chats WHERE id = $1`, chatID).QueryRow(func(r pgx.Row) error {
		cs.Chat, chatErr = scanChat(r)
		return ignoreNoRows(chatErr)
	})
	b.Queue(`SELECT `+memberCols+` FROM members WHERE chat_id = $1 AND user_id = $2`, chatID, userID).QueryRow(func(r pgx.Row) error {
		member, memberErr = scanMember(r)
		cs.Role, cs.ReadSeq = member.Role, member.ReadSeq
		return ignoreNoRows(memberErr)
	})
	b.Queue(`SELECT count(*) FROM (SELECT 1 FROM events
		WHERE chat_id = $1 AND seq > COALESCE((SELECT read_seq FROM members WHERE chat_id = $1 AND user_id = $2), 0)
			AND type = 'message' AND actor_id <> $2 AND NOT deleted LIMIT $3) u`, chatID, userID, domain.UnreadCap).QueryRow(func(r pgx.Row) error {
		return r.Scan(&cs.Unread)
	})
	// The condition on the chat is evaluated once, before any member is
	// read (keep it in step with domain.PrivateReads).
	b.Queue(`SELECT COALESCE(max(read_seq), 0) FROM members WHERE chat_id = $1 AND user_id <> $2 AND left_seq = 0
			AND (SELECT type <> 'channel' AND members <= $3 FROM chats WHERE id = $1)`,
		chatID, userID, domain.SharedReadsMax).QueryRow(func(r pgx.Row) error { return r.Scan(&cs.PeerReadSeq) })
	b.Queue(`SELECT m.user_id FROM members m JOIN chats c ON c.id = m.chat_id
		WHERE m.chat_id = $1 AND m.user_id <> $2 AND c.type = 'direct' LIMIT 1`, chatID, userID).QueryRow(func(r pgx.Row) error {
		return ignoreNoRows(r.Scan(&cs.PeerID))
	})
	b.Queue(`SELECT `+eventCols+` FROM events WHERE chat_id = $1 AND type NOT IN ('edit', 'delete', 'info_changed')
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
	if domain.PrivateReads(cs.Type, cs.Members) {
		cs.PeerReadSeq = 0
	}
	cs.Rights = domain.RightsIn(cs.Chat, member, time.Now())
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
		mem, err := t.activeMember(m.ChatID, m.SenderID)
		if err != nil {
			return err
		} else if mem.Blocked {
			return domain.Errorf(domain.KindBlocked, "this user cannot be messaged")
		}
		if m.ReplyTo > 0 {
			if _, err := t.liveMessage(m.ChatID, m.ReplyTo); err != nil {
				if errors.Is(err, pgx.ErrNoRows) || domain.IsKind(err, domain.KindNotFound) {
					return domain.Invalid("reply_to", "no such message in this chat")
				}
				return err
			}
		}
		// A resend is answered before rights and slow mode: it changes
		// nothing, and the first send passed them.
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
		}
		// The chat's head was read under its lock when the batch began (or
		// as changed by an earlier op of this batch).
		h, err := t.head(m.ChatID)
		if err != nil {
			return err
		}
		if m.Need != 0 {
			chat := domain.Chat{Type: h.typ, DefaultRights: domain.Rights(h.defaultRights)}
			if domain.RightsIn(chat, mem.Member, t.now)&m.Need != m.Need {
				return domain.Errorf(domain.KindForbidden, "you may not send this here")
			}
		}
		// Slow mode holds back a group's members, not its admins. When the
		// member last sent is read under the chat's lock (or was set by an
		// earlier op of this batch), so two sends cannot both pass.
		key := memberKey{m.ChatID, m.SenderID}
		slow := h.typ == domain.ChatGroup && h.slowMode > 0 && mem.Role != domain.RoleOwner && mem.Role != domain.RoleAdmin
		if slow {
			last := max(mem.lastSent, t.sentAt[key])
			if wait := time.UnixMilli(last).Add(time.Duration(h.slowMode) * time.Second).Sub(t.now); last > 0 && wait > 0 {
				return domain.SlowModeError(wait)
			}
		}
		if m.ClientID != "" {
			ck := clientKey{m.SenderID, m.ClientID}
			if t.sent[ck] {
				return errNextBatch
			}
			t.sent[ck] = true
			t.undo = append(t.undo, func() { delete(t.sent, ck) })
		}
		if slow {
			prev, had := t.sentAt[key]
			t.sentAt[key] = ms(t.now)
			t.undo = append(t.undo, func() {
				if had {
					t.sentAt[key] = prev
				} else {
					delete(t.sentAt, key)
				}
			})
		}
		// In a channel without signatures appendEvent hides the sender;
		// the row keeps it (for resends).
		ev := domain.Event{ChatID: m.ChatID, Type: domain.EvMessage, ActorID: m.SenderID, ClientID: m.ClientID,
			Text: m.Text, ReplyTo: m.ReplyTo, Forward: m.Forward, Media: m.Media, Call: m.Call,
			Entities: m.Rich.Entities, Markup: m.Rich.Markup}
		if m.Call != nil {
			ev.Type = domain.EvCall
		}
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

// liveMessage returns the sender of a live (not deleted) message, read
// inside the transaction: the stored sender, even of an anonymous post.
func (t *txn) liveMessage(chatID, seq int64) (sender int64, err error) {
	err = t.queryRow(`SELECT actor_id FROM events WHERE chat_id = $1 AND seq = $2 AND type = 'message' AND NOT deleted`, chatID, seq).Scan(&sender)
	return sender, notFound(err, "message")
}

func (s *Store) Message(ctx context.Context, chatID, seq int64) (domain.Event, error) {
	e, err := scanEvent(s.pool.QueryRow(ctx, `SELECT `+eventCols+` FROM events WHERE chat_id = $1 AND seq = $2 AND type = 'message'`, chatID, seq))
	return e, notFound(err, "message")
}

func (s *Store) EditMessage(ctx context.Context, chatID, seq, actorID int64, text string, rich domain.Rich) (domain.Event, error) {
	evs, err := s.w.do(ctx, chatID, func(t *txn) error {
		if _, err := t.activeMember(chatID, actorID); err != nil {
			return err
		}
		sender, err := t.liveMessage(chatID, seq)
		if err != nil {
			return err
		}
		if sender != actorID {
			if err := t.log(chatID, actorID, domain.LogEdit, seq, ""); err != nil {
				return err
			}
		}
		ev := domain.Event{ChatID: chatID, Type: domain.EvEdit, ActorID: actorID, Target: seq, Text: text,
			Entities: rich.Entities, Markup: rich.Markup}
		if _, err := t.exec(`UPDATE events SET text = $1, edited_at = $2, search = `+searchVector("$5::text")+`, rich = $6 WHERE chat_id = $3 AND seq = $4`,
			text, ms(t.now), chatID, seq, indexedTerms(text), rowmap.RichJSON(&ev)); err != nil {
			return err
		}
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
		sender, err := t.liveMessage(chatID, seq)
		if err != nil {
			return err
		}
		if sender != actorID {
			if err := t.log(chatID, actorID, domain.LogDelete, seq, ""); err != nil {
				return err
			}
		}
		// Deleting for everyone removes the words, including earlier
		// versions: those stored, and those still waiting in this batch;
		// and the files (the chat's members may no longer fetch them).
		if _, err := t.exec(`UPDATE events SET text = '', media = NULL, deleted = true, search = NULL WHERE chat_id = $1 AND seq = $2`, chatID, seq); err != nil {
			return err
		}
		if _, err := t.exec(`DELETE FROM file_refs WHERE chat_id = $1 AND seq = $2`, chatID, seq); err != nil {
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
			before, err := t.addMember(chatID, id, domain.RoleMember)
			if err != nil {
				return err
			}
			ev := domain.Event{ChatID: chatID, Type: domain.EvMemberAdded, ActorID: actorID, Target: id, Role: domain.RoleMember}
			if err := t.memberEvent(&ev, id, before); err != nil {
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
		} else if err := t.log(chatID, actorID, domain.LogRemove, userID, ""); err != nil {
			return err
		}
		if err := t.endMembership(&ev, userID, `UPDATE members SET left_seq = $1 WHERE chat_id = $2 AND user_id = $3`); err != nil {
			return err
		}
		if newOwner != 0 {
			if err := t.setRole(chatID, actorID, newOwner, domain.RoleOwner); err != nil {
				return err
			}
		}
		return nil
	})
}

// endMembership appends ev (member_left or member_removed) and ends
// userID's membership with update, which takes the left seq, the chat and
// the user as $1..$3 (and may take more from args). In a channel the event
// is private and the member leaves at the chat's last seq; elsewhere they
// leave at the event's seq. left_pos is the event's position, known at
// commit.
func (t *txn) endMembership(ev *domain.Event, userID int64, update string, args ...any) error {
	h, err := t.head(ev.ChatID)
	if err != nil {
		return err
	}
	if err := t.memberEvent(ev, userID, h.members); err != nil {
		return err
	}
	leftSeq := ev.Seq
	if ev.ForUser != 0 {
		leftSeq = h.seq
	}
	if err := t.writeMembers(ev.ChatID, update, append([]any{leftSeq, ev.ChatID, userID}, args...)...); err != nil {
		return err
	}
	t.lefts = append(t.lefts, leftMark{idx: len(t.events), chat: ev.ChatID, user: userID, seq: leftSeq})
	t.change(h)
	h.members--
	return nil
}

// setRole changes an active member's role: a new admin gets
// domain.AdminRights, an admin keeps theirs, a member holds none, the
// owner all.
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
	return t.writeRights(chatID, actorID, userID, role, rights)
}

// writeRights saves a member's role and rights (lifting any restriction),
// with a role_changed event carrying them (private in a channel) and an
// admin log entry.
func (t *txn) writeRights(chatID, actorID, userID int64, role domain.Role, rights domain.Rights) error {
	if err := t.writeMembers(chatID, `UPDATE members SET role = $1, rights = $2, denied = 0, until = 0 WHERE chat_id = $3 AND user_id = $4`,
		string(role), int64(rights), chatID, userID); err != nil {
		return err
	}
	if err := t.log(chatID, actorID, domain.LogRole, userID, string(role)+" "+rights.String()); err != nil {
		return err
	}
	h, err := t.head(chatID)
	if err != nil {
		return err
	}
	ev := domain.Event{ChatID: chatID, Type: domain.EvRoleChanged, ActorID: actorID, Target: userID, Role: role, Rights: rights}
	return t.memberEvent(&ev, userID, h.members)
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
		if _, err := t.exec(`UPDATE chats SET title = $1, search = `+searchVector("$3::text")+` WHERE id = $2`,
			title, chatID, indexedTerms(title)); err != nil {
			return err
		}
		if err := t.log(chatID, actorID, domain.LogTitle, 0, title); err != nil {
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
		if domain.PrivateReads(h.typ, h.members) {
			ev.ForUser = userID
		}
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
	const visible = `chat_id = $1 AND type NOT IN ('edit', 'delete', 'info_changed')`
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

// Reads and private events shaped as rows of eventCols followed by
// for_user (scanEventFor).
const (
	readCols = `m.chat_id, 0::bigint, m.read_pos, 'read', m.user_id, m.read_at, '', '', 0::bigint,
	0::bigint, 0::bigint, 0::bigint, m.read_seq, '', 0::bigint, false, 0, 0::bigint, 0::bigint, '', ''`
	userEventCols = `chat_id, 0::bigint, pos, type, actor_id, date, '', text, 0::bigint,
	0::bigint, 0::bigint, 0::bigint, target, role, 0::bigint, false, 0, rights, until, '', '', user_id`
)

// privateReadsSQL is domain.PrivateReads for the chat c.
var privateReadsSQL = `(c.type = 'channel' OR c.members > ` + strconv.Itoa(domain.SharedReadsMax) + `)`

// ReadsAfter lists the newest reads of the user's chats' members: the
// user's own everywhere, the others' only where reads are shared. A
// channel's other members are never touched, however many they are.
func (s *Store) ReadsAfter(ctx context.Context, userID, after, upto int64, limit int) ([]domain.Event, error) {
	return scanEventsFor(s.pool.Query(ctx, `
		(SELECT `+readCols+`, CASE WHEN `+privateReadsSQL+` THEN m.user_id ELSE 0 END
			FROM members m JOIN chats c ON c.id = m.chat_id
			WHERE m.user_id = $1 AND m.left_seq = 0 AND m.read_pos > $2 AND m.read_pos <= $3
			ORDER BY m.read_pos LIMIT $4)
		UNION ALL
		(SELECT `+readCols+`, 0::bigint
			FROM members me JOIN chats c ON c.id = me.chat_id AND NOT `+privateReadsSQL+`
			JOIN members m ON m.chat_id = me.chat_id AND m.user_id <> $1
			WHERE me.user_id = $1 AND me.left_seq = 0 AND m.read_pos > $2 AND m.read_pos <= $3
			ORDER BY m.read_pos LIMIT $4)
		ORDER BY 3 LIMIT $4`, userID, after, upto, limit))
}

// PrivateAfter lists the user's private events other than reads (those
// come with ReadsAfter).
func (s *Store) PrivateAfter(ctx context.Context, userID, after, upto int64, limit int) ([]domain.Event, error) {
	return scanEventsFor(s.pool.Query(ctx, `SELECT `+userEventCols+` FROM user_events
		WHERE user_id = $1 AND pos > $2 AND pos <= $3 ORDER BY pos LIMIT $4`, userID, after, upto, limit))
}

// EventsBetween lists every event with after < pos <= upto, of every chat,
// ascending by pos, at most limit: what a node missed on the cluster bus,
// as it was published (private events and private reads with ForUser: a
// read is private as it was when made, members.read_private).
// A read receipt is kept only as each member's newest, so a receipt that a
// newer one from the same member replaced is not listed: its position is a
// hole in the result (the newer receipt carries everything it said).
func (s *Store) EventsBetween(ctx context.Context, after, upto int64, limit int) ([]domain.Event, error) {
	return scanEventsFor(s.pool.Query(ctx, `
		(SELECT `+eventCols+`, 0::bigint FROM events WHERE pos > $1 AND pos <= $2 ORDER BY pos LIMIT $3)
		UNION ALL
		(SELECT `+readCols+`, CASE WHEN m.read_private THEN m.user_id ELSE 0 END
			FROM members m
			WHERE m.read_pos > 0 AND m.read_pos > $1 AND m.read_pos <= $2
			ORDER BY m.read_pos LIMIT $3)
		UNION ALL
		(SELECT `+userEventCols+` FROM user_events WHERE pos > $1 AND pos <= $2 ORDER BY pos LIMIT $3)
		ORDER BY 3 LIMIT $3`, after, upto, limit))
}
