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

const userCols = `id, COALESCE(username, ''), COALESCE(phone, ''), display_name, bio, password_hash, created_at, last_seen, is_bot`

func scanUser(r rowScanner) (domain.User, error) {
	var u domain.User
	var created, seen int64
	err := r.Scan(&u.ID, &u.Username, &u.Phone, &u.DisplayName, &u.Bio, &u.PasswordHash, &created, &seen, &u.IsBot)
	u.CreatedAt, u.LastSeen = fromMS(created), fromMS(seen)
	return u, err
}

func (s *Store) CreateUser(ctx context.Context, u domain.User) (domain.User, error) {
	_, err := s.w.do(ctx, 0, func(t *txn) error { return t.insertUser(&u) })
	return u, err
}

// insertUser inserts u, setting its ID and CreatedAt.
func (t *txn) insertUser(u *domain.User) error {
	u.CreatedAt = t.now
	// Usernames are unique across users and chats (usernameFree).
	if err := t.usernameFree(u.Username, 0, 0); err != nil {
		return err
	}
	// DO NOTHING rather than a unique violation, which would abort the
	// whole batch's transaction.
	err := t.insertRow(`INSERT INTO users(username, username_lc, phone, display_name, bio, password_hash, created_at, search, is_bot)
			VALUES ($1, $2, $3, $4, $5, $6, $7, `+searchVector("$8::text")+`, $9) ON CONFLICT DO NOTHING RETURNING id`,
		nullStr(u.Username), nullStr(strings.ToLower(u.Username)), nullStr(u.Phone),
		u.DisplayName, u.Bio, u.PasswordHash, ms(u.CreatedAt), indexedTerms(u.DisplayName), u.IsBot).Scan(&u.ID)
	if !errors.Is(err, pgx.ErrNoRows) {
		if err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		return nil
	}
	var phoneTaken bool
	if u.Phone != "" {
		if err := t.queryRow(`SELECT EXISTS(SELECT 1 FROM users WHERE phone = $1)`, u.Phone).Scan(&phoneTaken); err != nil {
			return err
		}
	}
	if phoneTaken {
		return domain.Errorf(domain.KindConflict, "phone number is already registered")
	}
	return domain.Errorf(domain.KindConflict, "username is taken")
}

func (s *Store) userWhere(ctx context.Context, where string, arg any) (domain.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE `+where, arg))
	return u, notFound(err, "user")
}

func (s *Store) UserByID(ctx context.Context, id int64) (domain.User, error) {
	return s.userWhere(ctx, "id = $1", id)
}

func (s *Store) UserByUsername(ctx context.Context, name string) (domain.User, error) {
	return s.userWhere(ctx, "username_lc = $1", strings.ToLower(name))
}

func (s *Store) UserByPhone(ctx context.Context, phone string) (domain.User, error) {
	return s.userWhere(ctx, "phone = $1", phone)
}

func (s *Store) UpdateUser(ctx context.Context, u domain.User) (domain.User, error) {
	_, err := s.w.do(ctx, 0, func(t *txn) error {
		// Checked first (by users and chats, under the name's lock) so that
		// the usual conflict does not abort the batch; should the UPDATE
		// below still fail on the unique index, the writer reruns the batch
		// with savepoints.
		if err := t.usernameFree(u.Username, u.ID, 0); err != nil {
			return err
		}
		ct, err := t.exec(`UPDATE users SET username = $1, username_lc = $2, display_name = $3, bio = $4,
				search = `+searchVector("$6::text")+` WHERE id = $5`,
			nullStr(u.Username), nullStr(strings.ToLower(u.Username)), u.DisplayName, u.Bio, u.ID, indexedTerms(u.DisplayName))
		if isUnique(err) {
			return &domain.Error{Kind: domain.KindConflict, Message: "username is taken", Cause: err}
		}
		if err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		if ct.RowsAffected() == 0 {
			return domain.Errorf(domain.KindNotFound, "user not found")
		}
		return nil
	})
	if err != nil {
		return domain.User{}, err
	}
	return s.UserByID(ctx, u.ID)
}

func (s *Store) SetLastSeen(ctx context.Context, userID int64, at time.Time) error {
	_, err := s.w.do(ctx, 0, func(t *txn) error {
		_, err := t.exec(`UPDATE users SET last_seen = $1 WHERE id = $2`, ms(at), userID)
		return err
	})
	return err
}

const sessionCols = `id, user_id, token_hash, device, created_at, last_seen_at`

func scanSession(r rowScanner) (domain.Session, error) {
	var x domain.Session
	var created, seen int64
	err := r.Scan(&x.ID, &x.UserID, &x.TokenHash, &x.Device, &created, &seen)
	x.CreatedAt, x.LastSeenAt = fromMS(created), fromMS(seen)
	return x, err
}

func (s *Store) CreateSession(ctx context.Context, x domain.Session) (domain.Session, error) {
	_, err := s.w.do(ctx, 0, func(t *txn) error {
		x.CreatedAt, x.LastSeenAt = t.now, t.now
		err := t.insertRow(`INSERT INTO sessions(user_id, token_hash, device, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			x.UserID, x.TokenHash, x.Device, ms(t.now), ms(t.now)).Scan(&x.ID)
		if err != nil {
			return fmt.Errorf("insert session: %w", err)
		}
		return nil
	})
	return x, err
}

func (s *Store) SessionByTokenHash(ctx context.Context, hash []byte) (domain.Session, error) {
	x, err := scanSession(s.pool.QueryRow(ctx, `SELECT `+sessionCols+` FROM sessions WHERE token_hash = $1`, hash))
	return x, notFound(err, "session")
}

func (s *Store) Sessions(ctx context.Context, userID int64) ([]domain.Session, error) {
	return collect(scanSession)(s.pool.Query(ctx, `SELECT `+sessionCols+` FROM sessions WHERE user_id = $1 ORDER BY id`, userID))
}

func (s *Store) DeleteSession(ctx context.Context, userID, sessionID int64) error {
	_, err := s.w.do(ctx, 0, func(t *txn) error {
		ct, err := t.exec(`DELETE FROM sessions WHERE id = $1 AND user_id = $2`, sessionID, userID)
		if err != nil {
			return err
		}
		if ct.RowsAffected() == 0 {
			return domain.Errorf(domain.KindNotFound, "session not found")
		}
		return nil
	})
	return err
}

func (s *Store) TouchSession(ctx context.Context, sessionID int64, at time.Time) error {
	_, err := s.w.do(ctx, 0, func(t *txn) error {
		_, err := t.exec(`UPDATE sessions SET last_seen_at = $1 WHERE id = $2`, ms(at), sessionID)
		return err
	})
	return err
}

func (s *Store) SetBlock(ctx context.Context, userID, targetID int64, blocked bool, directKey string) error {
	// The pair's direct chat, if any, so the batch locks it in order with
	// the others; the op looks again in case it appeared since.
	var chatID int64
	if directKey != "" {
		err := s.pool.QueryRow(ctx, `SELECT id FROM chats WHERE direct_key = $1`, directKey).Scan(&chatID)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
	}
	_, err := s.w.do(ctx, chatID, func(t *txn) error {
		var id int64
		if directKey != "" {
			err := t.queryRow(`SELECT id FROM chats WHERE direct_key = $1`, directKey).Scan(&id)
			if err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		// Holding the chat's lock first makes two blocks of one pair run
		// one after the other, so the flag below is computed from the
		// other's committed rows, never from a stale snapshot.
		if id != 0 {
			if _, err := t.head(id); err != nil {
				return err
			}
		}
		var err error
		if blocked {
			_, err = t.exec(`INSERT INTO blocks(user_id, target_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
				userID, targetID, ms(t.now))
		} else {
			_, err = t.exec(`DELETE FROM blocks WHERE user_id = $1 AND target_id = $2`, userID, targetID)
		}
		if err != nil || id == 0 {
			return err
		}
		// The direct chat is blocked while either side blocks the other.
		return t.writeMembers(id, `UPDATE members SET blocked = EXISTS(SELECT 1 FROM blocks
			WHERE (user_id = $1 AND target_id = $2) OR (user_id = $2 AND target_id = $1))
			WHERE chat_id = $3`, userID, targetID, id)
	})
	return err
}

func (s *Store) BlockedEither(ctx context.Context, a, b int64) (bool, error) {
	var blocked bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS(SELECT 1 FROM blocks
		WHERE (user_id = $1 AND target_id = $2) OR (user_id = $2 AND target_id = $1))`, a, b).Scan(&blocked)
	return blocked, err
}

func (s *Store) Blocks(ctx context.Context, userID int64) ([]int64, error) {
	return s.ids(ctx, `SELECT target_id FROM blocks WHERE user_id = $1 ORDER BY created_at, target_id`, userID)
}

func (s *Store) ids(ctx context.Context, query string, args ...any) ([]int64, error) {
	return collect(func(r rowScanner) (id int64, err error) { return id, r.Scan(&id) })(s.pool.Query(ctx, query, args...))
}

func (s *Store) SetPhoneCode(ctx context.Context, phone string, codeHash []byte, expires time.Time) error {
	_, err := s.w.do(ctx, 0, func(t *txn) error {
		_, err := t.exec(`INSERT INTO phone_codes(phone, code_hash, expires_at, attempts) VALUES ($1, $2, $3, 0)
			ON CONFLICT (phone) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at, attempts = 0`,
			phone, codeHash, ms(expires))
		return err
	})
	return err
}

func (s *Store) PhoneCode(ctx context.Context, phone string) ([]byte, time.Time, int, error) {
	var hash []byte
	var exp int64
	var attempts int
	err := s.pool.QueryRow(ctx, `SELECT code_hash, expires_at, attempts FROM phone_codes WHERE phone = $1`, phone).
		Scan(&hash, &exp, &attempts)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, time.Time{}, 0, domain.Errorf(domain.KindNotFound, "no code was sent to this number")
	}
	return hash, fromMS(exp), attempts, err
}

func (s *Store) PhoneCodeAttempt(ctx context.Context, phone string) error {
	_, err := s.w.do(ctx, 0, func(t *txn) error {
		_, err := t.exec(`UPDATE phone_codes SET attempts = attempts + 1 WHERE phone = $1`, phone)
		return err
	})
	return err
}

func (s *Store) DeletePhoneCode(ctx context.Context, phone string) error {
	_, err := s.w.do(ctx, 0, func(t *txn) error {
		_, err := t.exec(`DELETE FROM phone_codes WHERE phone = $1`, phone)
		return err
	})
	return err
}
