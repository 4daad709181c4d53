package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chapar/chapar/internal/domain"
	"github.com/jackc/pgx/v5"
)

// What groups and channels add (domain.ChannelStore). Every change runs in
// the writer's transaction under the chat's row lock, so checks made here
// (a ban in force, an invite's uses, the chat's size) hold at commit on
// every node. Private events and admin log entries are queued in the
// transaction and written with its commit (writer.go).

// usernameLock is the first key of the pg_advisory_xact_lock taken on a
// username before checking that users and chats leave it free ("chap").
const usernameLock int32 = 0x63686170

// usernameFree fails with KindConflict if name (non-empty) is taken by a
// user other than userID or a chat other than chatID. It first takes a
// transaction lock on the lower-cased name, which every path that claims a
// username takes, so two nodes cannot both find a name free and both take
// it, one for a user and one for a chat (the unique indexes cover each
// table alone). The check is a statement of its own, after the lock, so it
// sees what the lock's previous holder committed.
func (t *txn) usernameFree(name string, userID, chatID int64) error {
	if name == "" {
		return nil
	}
	lc := strings.ToLower(name)
	var taken bool
	b := &pgx.Batch{}
	b.Queue(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, usernameLock, lc)
	b.Queue(`SELECT EXISTS(SELECT 1 FROM users WHERE username_lc = $1 AND id <> $2)
		OR EXISTS(SELECT 1 FROM chats WHERE username_lc = $1 AND id <> $3)`, lc, userID, chatID).
		QueryRow(func(r pgx.Row) error { return r.Scan(&taken) })
	if err := t.sendBatch(b); err != nil {
		return err
	}
	if taken {
		return domain.Errorf(domain.KindConflict, "username is taken")
	}
	return nil
}

func (s *Store) ChatByUsername(ctx context.Context, username string) (domain.Chat, error) {
	c, err := scanChat(s.pool.QueryRow(ctx, `SELECT `+chatCols+` FROM chats WHERE username_lc = $1`, strings.ToLower(username)))
	return c, notFound(err, "chat")
}

func (s *Store) SetChatInfo(ctx context.Context, chatID, actorID int64, info domain.ChatInfo) (domain.Event, error) {
	evs, err := s.w.do(ctx, chatID, func(t *txn) error {
		if _, err := t.activeMember(chatID, actorID); err != nil {
			return err
		}
		if err := t.usernameFree(info.Username, 0, chatID); err != nil {
			return err
		}
		_, err := t.exec(`UPDATE chats SET username = $1, username_lc = $2, about = $3, signatures = $4, slow_mode = $5,
				default_rights = $6, linked_chat = $7 WHERE id = $8`,
			nullStr(info.Username), nullStr(strings.ToLower(info.Username)), info.About, info.Signatures, info.SlowMode,
			int64(info.DefaultRights), info.LinkedChatID, chatID)
		if isUnique(err) {
			return &domain.Error{Kind: domain.KindConflict, Message: "username is taken", Cause: err}
		}
		if err != nil {
			return fmt.Errorf("update chat: %w", err)
		}
		// Later ops of this batch (sends) see the new settings.
		h, err := t.head(chatID)
		if err != nil {
			return err
		}
		t.change(h)
		h.signatures, h.defaultRights, h.slowMode = info.Signatures, int64(info.DefaultRights), info.SlowMode
		if err := t.log(chatID, actorID, domain.LogInfo, 0, infoDetail(info)); err != nil {
			return err
		}
		ev := domain.Event{ChatID: chatID, Type: domain.EvInfoChanged, ActorID: actorID}
		return t.appendEvent(&ev)
	})
	if err != nil {
		return domain.Event{}, err
	}
	return evs[0], nil
}

// infoDetail describes settings for the admin log.
func infoDetail(i domain.ChatInfo) string {
	return fmt.Sprintf("username=%s signatures=%t slow_mode=%d default_rights=%s linked_chat=%d",
		i.Username, i.Signatures, i.SlowMode, i.DefaultRights, i.LinkedChatID)
}

// banInForce reports whether m (if found) keeps its user out at now.
func banInForce(m txMember, err error, now time.Time) bool {
	return err == nil && m.Role == domain.RoleBanned && domain.InForce(m.Until, now)
}

// join makes userID a member of a group or channel, as JoinChat does
// (without a code): nothing if they already are (joined=false),
// KindForbidden if banned or if the chat is full. A pending join request
// of theirs is settled by it.
func (t *txn) join(chatID, userID int64, maxMembers int) (joined bool, err error) {
	h, err := t.head(chatID)
	if err != nil {
		return false, err
	}
	if h.typ == domain.ChatDirect {
		return false, domain.Errorf(domain.KindForbidden, "direct chats cannot be joined")
	}
	m, err := t.member(chatID, userID)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return false, err
	}
	if err == nil && m.Active() {
		return false, nil
	}
	if banInForce(m, err, t.now) {
		return false, domain.Errorf(domain.KindForbidden, "you are banned from this chat")
	}
	if errors.Is(err, pgx.ErrNoRows) {
		if err := t.userExists(userID); err != nil {
			return false, err
		}
	}
	if maxMembers > 0 && h.members >= maxMembers {
		return false, domain.Errorf(domain.KindForbidden, "the chat is full (%d members)", maxMembers)
	}
	before, err := t.addMember(chatID, userID, domain.RoleMember)
	if err != nil {
		return false, err
	}
	if _, err := t.exec(`DELETE FROM join_requests WHERE chat_id = $1 AND user_id = $2`, chatID, userID); err != nil {
		return false, err
	}
	ev := domain.Event{ChatID: chatID, Type: domain.EvMemberAdded, ActorID: userID, Target: userID, Role: domain.RoleMember}
	return true, t.memberEvent(&ev, userID, before)
}

func (s *Store) JoinChat(ctx context.Context, chatID, userID int64, code string, maxMembers int) ([]domain.Event, error) {
	o := &op{ctx: ctx, chat: chatID, member: memberKey{chatID, userID}}
	o.fn = func(t *txn) error {
		if code != "" {
			if _, err := t.head(chatID); err != nil {
				return err
			}
			// Uses of a link are counted only by joins of its chat, which
			// hold the chat's lock (taken above, if the batch had not): the
			// row read here stays as it is until this transaction commits,
			// on every node. FOR UPDATE guards the row all the same.
			inv, err := scanInvite(t.queryRow(`SELECT `+inviteCols+` FROM invites WHERE code = $1 AND chat_id = $2 FOR UPDATE`, code, chatID))
			if errors.Is(err, pgx.ErrNoRows) || (err == nil && !inv.Usable(t.now)) {
				return domain.Errorf(domain.KindNotFound, "this invite link is not valid")
			}
			if err != nil {
				return err
			}
		}
		joined, err := t.join(chatID, userID, maxMembers)
		if err != nil || !joined || code == "" {
			return err
		}
		_, err = t.exec(`UPDATE invites SET uses = uses + 1 WHERE code = $1`, code)
		return err
	}
	return s.w.submit(o)
}

func (s *Store) BanMember(ctx context.Context, chatID, actorID, userID int64, until time.Time) ([]domain.Event, error) {
	return s.w.do(ctx, chatID, func(t *txn) error {
		h, err := t.head(chatID)
		if err != nil {
			return err
		}
		if _, err := t.activeMember(chatID, actorID); err != nil {
			return err
		}
		if err := t.userExists(userID); err != nil {
			return err
		}
		m, err := t.member(chatID, userID)
		switch {
		case err == nil && m.Active() && m.Role == domain.RoleOwner:
			return domain.Errorf(domain.KindForbidden, "the owner cannot be banned")
		case err == nil && m.Active():
			ev := domain.Event{ChatID: chatID, Type: domain.EvMemberRemoved, ActorID: actorID, Target: userID, Until: eventUntil(until)}
			if err := t.endMembership(&ev, userID, `UPDATE members SET left_seq = $1, role = 'banned', until = $4, rights = 0, denied = 0
				WHERE chat_id = $2 AND user_id = $3`, untilMS(ev.Until)); err != nil {
				return err
			}
		case err == nil:
			if err := t.writeMembers(chatID, `UPDATE members SET role = 'banned', until = $1, rights = 0, denied = 0
				WHERE chat_id = $2 AND user_id = $3`, ms0(until), chatID, userID); err != nil {
				return err
			}
		case errors.Is(err, pgx.ErrNoRows):
			// A membership that never was: ended at the chat's last seq,
			// at no position (so no resync ever lists it).
			if err := t.writeMembers(chatID, `INSERT INTO members(chat_id, user_id, role, joined_at, left_seq, until)
				VALUES ($1, $2, 'banned', $3, $4, $5)`, chatID, userID, ms(t.now), max(h.seq, 1), ms0(until)); err != nil {
				return err
			}
		default:
			return err
		}
		if _, err := t.exec(`DELETE FROM join_requests WHERE chat_id = $1 AND user_id = $2`, chatID, userID); err != nil {
			return err
		}
		detail := "forever"
		if !until.IsZero() {
			detail = "until " + timeDetail(until)
		}
		return t.log(chatID, actorID, domain.LogBan, userID, detail)
	})
}

// ms0 is ms, with the zero time (forever) as 0.
func ms0(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return ms(t)
}

// timeDetail writes an end time for the admin log.
func timeDetail(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func (s *Store) UnbanMember(ctx context.Context, chatID, actorID, userID int64) error {
	_, err := s.w.do(ctx, chatID, func(t *txn) error {
		if _, err := t.activeMember(chatID, actorID); err != nil {
			return err
		}
		m, err := t.member(chatID, userID)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && m.Role != domain.RoleBanned) {
			return domain.Errorf(domain.KindNotFound, "this user is not banned")
		}
		if err != nil {
			return err
		}
		if err := t.writeMembers(chatID, `UPDATE members SET role = 'member', until = 0 WHERE chat_id = $1 AND user_id = $2`,
			chatID, userID); err != nil {
			return err
		}
		return t.log(chatID, actorID, domain.LogUnban, userID, "")
	})
	return err
}

func (s *Store) RestrictMember(ctx context.Context, chatID, actorID, userID int64, denied domain.Rights, until time.Time) (domain.Event, error) {
	evs, err := s.w.do(ctx, chatID, func(t *txn) error {
		if _, err := t.activeMember(chatID, actorID); err != nil {
			return err
		}
		if _, err := t.activeMember(chatID, userID); err != nil {
			return domain.Errorf(domain.KindNotFound, "not a member of this chat")
		}
		if err := t.writeMembers(chatID, `UPDATE members SET denied = $1, until = $2 WHERE chat_id = $3 AND user_id = $4`,
			int64(denied), ms0(until), chatID, userID); err != nil {
			return err
		}
		detail := denied.String()
		if !until.IsZero() {
			detail += " until " + timeDetail(until)
		}
		if err := t.log(chatID, actorID, domain.LogRestrict, userID, detail); err != nil {
			return err
		}
		ev := domain.Event{ChatID: chatID, Type: domain.EvRestricted, ActorID: actorID, Target: userID,
			Rights: denied, Until: eventUntil(until), ForUser: userID}
		return t.appendPrivate(&ev)
	})
	if err != nil {
		return domain.Event{}, err
	}
	return evs[0], nil
}

func (s *Store) SetAdminRights(ctx context.Context, chatID, actorID, userID int64, rights domain.Rights) (domain.Event, error) {
	evs, err := s.w.do(ctx, chatID, func(t *txn) error {
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
		// Rights make an admin; none make a member.
		role := domain.RoleAdmin
		if rights == 0 {
			role = domain.RoleMember
		}
		return t.writeRights(chatID, actorID, userID, role, rights)
	})
	if err != nil {
		return domain.Event{}, err
	}
	return evs[0], nil
}

func (s *Store) PinMessage(ctx context.Context, chatID, actorID, seq int64) (domain.Event, error) {
	evs, err := s.w.do(ctx, chatID, func(t *txn) error {
		if _, err := t.activeMember(chatID, actorID); err != nil {
			return err
		}
		if seq != 0 {
			if _, err := t.liveMessage(chatID, seq); err != nil {
				return err
			}
		}
		if _, err := t.exec(`UPDATE chats SET pinned_seq = $1 WHERE id = $2`, seq, chatID); err != nil {
			return err
		}
		if err := t.log(chatID, actorID, domain.LogPin, seq, ""); err != nil {
			return err
		}
		ev := domain.Event{ChatID: chatID, Type: domain.EvPinned, ActorID: actorID, Target: seq}
		return t.appendEvent(&ev)
	})
	if err != nil {
		return domain.Event{}, err
	}
	return evs[0], nil
}

// ViewMessages queues the views for the batch's commit, where one
// statement counts all of them (queueViews): a view costs no round trip of
// its own and takes no chat lock.
func (s *Store) ViewMessages(ctx context.Context, chatID, userID int64, seqs []int64) error {
	if len(seqs) == 0 {
		return nil
	}
	_, err := s.w.do(ctx, 0, func(t *txn) error {
		for _, seq := range seqs {
			t.views = append(t.views, viewMark{chatID, seq, userID})
		}
		return nil
	})
	return err
}

func (s *Store) SetReaction(ctx context.Context, chatID, seq, userID int64, emoji string) error {
	_, err := s.w.do(ctx, chatID, func(t *txn) error {
		// Under the chat's lock: one reaction change of the chat at a time,
		// on every node.
		var old string
		err := t.queryRow(`SELECT COALESCE((SELECT emoji FROM reactions WHERE chat_id = $1 AND seq = $2 AND user_id = $3), '')
			FROM events WHERE chat_id = $1 AND seq = $2 AND type = 'message' AND NOT deleted`, chatID, seq, userID).Scan(&old)
		if err != nil {
			return notFound(err, "message")
		}
		if old == emoji {
			return nil
		}
		b := &pgx.Batch{}
		if old != "" {
			b.Queue(`DELETE FROM reactions WHERE chat_id = $1 AND seq = $2 AND user_id = $3`, chatID, seq, userID)
			b.Queue(`UPDATE reaction_counts SET n = n - 1 WHERE chat_id = $1 AND seq = $2 AND emoji = $3`, chatID, seq, old)
			b.Queue(`DELETE FROM reaction_counts WHERE chat_id = $1 AND seq = $2 AND emoji = $3 AND n <= 0`, chatID, seq, old)
		}
		if emoji != "" {
			b.Queue(`INSERT INTO reactions(chat_id, seq, user_id, emoji) VALUES ($1, $2, $3, $4)`, chatID, seq, userID, emoji)
			b.Queue(`INSERT INTO reaction_counts(chat_id, seq, emoji, n) VALUES ($1, $2, $3, 1)
				ON CONFLICT (chat_id, seq, emoji) DO UPDATE SET n = reaction_counts.n + 1`, chatID, seq, emoji)
		}
		t.wrote = true
		return t.sendBatch(b)
	})
	return err
}

func (s *Store) MessageStats(ctx context.Context, chatID, userID int64, seqs []int64) ([]domain.MessageStats, error) {
	out := make([]domain.MessageStats, 0, len(seqs))
	if len(seqs) == 0 {
		return out, nil
	}
	views := make(map[int64]int)
	counts := make(map[int64][]domain.ReactionCount)
	mine := make(map[int64]string)
	b := &pgx.Batch{}
	b.Queue(`SELECT seq, views FROM events WHERE chat_id = $1 AND seq = ANY($2) AND type = 'message'`, chatID, seqs).
		Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var seq int64
				var n int
				if err := rows.Scan(&seq, &n); err != nil {
					return err
				}
				views[seq] = n
			}
			return rows.Err()
		})
	// Byte order for emoji, as SQLite compares them.
	b.Queue(`SELECT seq, emoji, n FROM reaction_counts WHERE chat_id = $1 AND seq = ANY($2) AND n > 0
		ORDER BY seq, n DESC, emoji COLLATE "C"`, chatID, seqs).
		Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var seq int64
				var rc domain.ReactionCount
				if err := rows.Scan(&seq, &rc.Emoji, &rc.Count); err != nil {
					return err
				}
				counts[seq] = append(counts[seq], rc)
			}
			return rows.Err()
		})
	b.Queue(`SELECT seq, emoji FROM reactions WHERE chat_id = $1 AND seq = ANY($2) AND user_id = $3`, chatID, seqs, userID).
		Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var seq int64
				var emoji string
				if err := rows.Scan(&seq, &emoji); err != nil {
					return err
				}
				mine[seq] = emoji
			}
			return rows.Err()
		})
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return nil, err
	}
	for _, seq := range seqs {
		n, ok := views[seq]
		if !ok {
			continue
		}
		st := domain.MessageStats{Seq: seq, Views: n, Reactions: []domain.ReactionCount{}}
		for _, rc := range counts[seq] {
			rc.Mine = rc.Emoji == mine[seq]
			st.Reactions = append(st.Reactions, rc)
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

func (s *Store) CreateInvite(ctx context.Context, inv domain.Invite) (domain.Invite, error) {
	_, err := s.w.do(ctx, inv.ChatID, func(t *txn) error {
		if _, err := t.activeMember(inv.ChatID, inv.CreatorID); err != nil {
			return err
		}
		inv.CreatedAt, inv.Uses, inv.Revoked = t.now, 0, false
		var code string
		err := t.insertRow(`INSERT INTO invites(code, chat_id, creator_id, name, created_at, expires_at, usage_limit, needs_approval)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING code`,
			inv.Code, inv.ChatID, inv.CreatorID, inv.Name, ms(t.now), ms0(inv.ExpiresAt), inv.UsageLimit, inv.NeedsApproval).Scan(&code)
		if errors.Is(err, pgx.ErrNoRows) {
			return domain.Errorf(domain.KindConflict, "this invite code is taken")
		}
		if err != nil {
			return fmt.Errorf("insert invite: %w", err)
		}
		return t.log(inv.ChatID, inv.CreatorID, domain.LogInvite, 0, inv.Name)
	})
	if err != nil {
		return domain.Invite{}, err
	}
	if !inv.ExpiresAt.IsZero() {
		inv.ExpiresAt = fromMS(ms(inv.ExpiresAt))
	}
	return inv, nil
}

func (s *Store) Invite(ctx context.Context, code string) (domain.Invite, error) {
	i, err := scanInvite(s.pool.QueryRow(ctx, `SELECT `+inviteCols+` FROM invites WHERE code = $1`, code))
	return i, notFound(err, "invite")
}

func (s *Store) Invites(ctx context.Context, chatID int64) ([]domain.Invite, error) {
	return collect(scanInvite)(s.pool.Query(ctx, `SELECT `+inviteCols+` FROM invites WHERE chat_id = $1
		ORDER BY created_at DESC, code DESC`, chatID))
}

func (s *Store) RevokeInvite(ctx context.Context, chatID, actorID int64, code string) error {
	_, err := s.w.do(ctx, chatID, func(t *txn) error {
		if _, err := t.activeMember(chatID, actorID); err != nil {
			return err
		}
		var name string
		err := t.queryRow(`SELECT name FROM invites WHERE code = $1 AND chat_id = $2`, code, chatID).Scan(&name)
		if err != nil {
			return notFound(err, "invite")
		}
		if _, err := t.exec(`UPDATE invites SET revoked = true WHERE code = $1`, code); err != nil {
			return err
		}
		return t.log(chatID, actorID, domain.LogRevoke, 0, name)
	})
	return err
}

func (s *Store) AddJoinRequest(ctx context.Context, chatID, userID int64, code string) error {
	_, err := s.w.submit(&op{ctx: ctx, chat: chatID, member: memberKey{chatID, userID}, fn: func(t *txn) error {
		if _, err := t.head(chatID); err != nil {
			return err
		}
		m, err := t.member(chatID, userID)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if err == nil && m.Active() {
			return nil // nothing to ask for
		}
		if banInForce(m, err, t.now) {
			return domain.Errorf(domain.KindForbidden, "you are banned from this chat")
		}
		_, err = t.exec(`INSERT INTO join_requests(chat_id, user_id, code, date) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
			chatID, userID, code, ms(t.now))
		return err
	}})
	return err
}

func (s *Store) JoinRequests(ctx context.Context, chatID int64, limit int) ([]domain.JoinRequest, error) {
	return collect(func(r rowScanner) (domain.JoinRequest, error) {
		var j domain.JoinRequest
		var date int64
		err := r.Scan(&j.ChatID, &j.UserID, &j.Code, &date)
		j.Date = fromMS(date)
		return j, err
	})(s.pool.Query(ctx, `SELECT chat_id, user_id, code, date FROM join_requests WHERE chat_id = $1
		ORDER BY date, user_id LIMIT $2`, chatID, limit))
}

func (s *Store) DecideJoinRequest(ctx context.Context, chatID, actorID, userID int64, approve bool, maxMembers int) ([]domain.Event, error) {
	return s.w.submit(&op{ctx: ctx, chat: chatID, member: memberKey{chatID, userID}, fn: func(t *txn) error {
		if _, err := t.activeMember(chatID, actorID); err != nil {
			return err
		}
		var one int
		err := t.queryRow(`SELECT 1 FROM join_requests WHERE chat_id = $1 AND user_id = $2`, chatID, userID).Scan(&one)
		if err != nil {
			return notFound(err, "join request")
		}
		action := domain.LogDecline
		if approve {
			action = domain.LogApprove
			if _, err := t.join(chatID, userID, maxMembers); err != nil {
				return err
			}
		}
		if _, err := t.exec(`DELETE FROM join_requests WHERE chat_id = $1 AND user_id = $2`, chatID, userID); err != nil {
			return err
		}
		return t.log(chatID, actorID, action, userID, "")
	}})
}

func (s *Store) AdminLog(ctx context.Context, chatID, before int64, limit int) ([]domain.LogEntry, error) {
	return collect(func(r rowScanner) (domain.LogEntry, error) {
		var l domain.LogEntry
		var date int64
		err := r.Scan(&l.ID, &l.ChatID, &l.ActorID, &l.Action, &l.Target, &l.Detail, &date)
		l.Date = fromMS(date)
		return l, err
	})(s.pool.Query(ctx, `SELECT id, chat_id, actor_id, action, target, detail, date FROM admin_log
		WHERE chat_id = $1 AND ($2 = 0 OR id < $2) ORDER BY id DESC LIMIT $3`, chatID, before, limit))
}
