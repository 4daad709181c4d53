package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/chapar/chapar/internal/domain"
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
	err := s.w.do(ctx, func(t *txn) error { return t.insertUser(&u) })
	return u, err
}

// insertUser inserts u, setting its ID and CreatedAt.
func (t *txn) insertUser(u *domain.User) error {
	u.CreatedAt = t.now
	if err := t.usernameFree(u.Username, 0, 0); err != nil {
		return err
	}
	res, err := t.exec(`INSERT INTO users(username, username_lc, phone, display_name, bio, password_hash, created_at, is_bot)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		nullStr(u.Username), nullStr(strings.ToLower(u.Username)), nullStr(u.Phone),
		u.DisplayName, u.Bio, u.PasswordHash, ms(u.CreatedAt), u.IsBot)
	if isUnique(err) {
		if strings.Contains(err.Error(), "phone") {
			return domain.Errorf(domain.KindConflict, "phone number is already registered")
		}
		return domain.Errorf(domain.KindConflict, "username is taken")
	}
	if err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	if u.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	return t.indexName(u.ID, u.DisplayName)
}

func (s *Store) userWhere(ctx context.Context, where string, arg any) (domain.User, error) {
	u, err := scanUser(s.read.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE `+where, arg))
	return u, notFound(err, "user")
}

func (s *Store) UserByID(ctx context.Context, id int64) (domain.User, error) {
	return s.userWhere(ctx, "id = ?", id)
}

func (s *Store) UserByUsername(ctx context.Context, name string) (domain.User, error) {
	return s.userWhere(ctx, "username_lc = ?", strings.ToLower(name))
}

func (s *Store) UserByPhone(ctx context.Context, phone string) (domain.User, error) {
	return s.userWhere(ctx, "phone = ?", phone)
}

func (s *Store) UpdateUser(ctx context.Context, u domain.User) (domain.User, error) {
	err := s.w.do(ctx, func(t *txn) error {
		if err := t.usernameFree(u.Username, 0, u.ID); err != nil {
			return err
		}
		res, err := t.exec(`UPDATE users SET username = ?, username_lc = ?, display_name = ?, bio = ? WHERE id = ?`,
			nullStr(u.Username), nullStr(strings.ToLower(u.Username)), u.DisplayName, u.Bio, u.ID)
		if isUnique(err) {
			return domain.Errorf(domain.KindConflict, "username is taken")
		}
		if err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.Errorf(domain.KindNotFound, "user not found")
		}
		return t.indexName(u.ID, u.DisplayName)
	})
	if err != nil {
		return domain.User{}, err
	}
	return s.UserByID(ctx, u.ID)
}

func (s *Store) SetLastSeen(ctx context.Context, userID int64, at time.Time) error {
	return s.w.do(ctx, func(t *txn) error {
		_, err := t.exec(`UPDATE users SET last_seen = ? WHERE id = ?`, ms(at), userID)
		return err
	})
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
	err := s.w.do(ctx, func(t *txn) error {
		x.CreatedAt, x.LastSeenAt = t.now, t.now
		res, err := t.exec(`INSERT INTO sessions(user_id, token_hash, device, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)`,
			x.UserID, x.TokenHash, x.Device, ms(t.now), ms(t.now))
		if err != nil {
			return fmt.Errorf("insert session: %w", err)
		}
		x.ID, err = res.LastInsertId()
		return err
	})
	return x, err
}

func (s *Store) SessionByTokenHash(ctx context.Context, hash []byte) (domain.Session, error) {
	x, err := scanSession(s.read.QueryRowContext(ctx, `SELECT `+sessionCols+` FROM sessions WHERE token_hash = ?`, hash))
	return x, notFound(err, "session")
}

func (s *Store) Sessions(ctx context.Context, userID int64) ([]domain.Session, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+sessionCols+` FROM sessions WHERE user_id = ? ORDER BY id`, userID)
	return scanAll(rows, err, scanSession)
}

func (s *Store) DeleteSession(ctx context.Context, userID, sessionID int64) error {
	return s.w.do(ctx, func(t *txn) error {
		res, err := t.exec(`DELETE FROM sessions WHERE id = ? AND user_id = ?`, sessionID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.Errorf(domain.KindNotFound, "session not found")
		}
		return nil
	})
}

func (s *Store) TouchSession(ctx context.Context, sessionID int64, at time.Time) error {
	return s.w.do(ctx, func(t *txn) error {
		_, err := t.exec(`UPDATE sessions SET last_seen_at = ? WHERE id = ?`, ms(at), sessionID)
		return err
	})
}

func (s *Store) SetBlock(ctx context.Context, userID, targetID int64, blocked bool, directKey string) error {
	return s.w.do(ctx, func(t *txn) error {
		var err error
		if blocked {
			_, err = t.exec(`INSERT OR IGNORE INTO blocks(user_id, target_id, created_at) VALUES (?, ?, ?)`, userID, targetID, ms(t.now))
		} else {
			_, err = t.exec(`DELETE FROM blocks WHERE user_id = ? AND target_id = ?`, userID, targetID)
		}
		if err != nil {
			return err
		}
		// The direct chat is blocked while either side blocks the other.
		_, err = t.exec(`UPDATE members SET blocked = EXISTS(SELECT 1 FROM blocks
			WHERE (user_id = ?1 AND target_id = ?2) OR (user_id = ?2 AND target_id = ?1))
			WHERE chat_id = (SELECT id FROM chats WHERE direct_key = ?3)`, userID, targetID, directKey)
		return err
	})
}

func (s *Store) BlockedEither(ctx context.Context, a, b int64) (bool, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM blocks WHERE (user_id = ? AND target_id = ?) OR (user_id = ? AND target_id = ?)`,
		a, b, b, a).Scan(&n)
	return n > 0, err
}

func (s *Store) Blocks(ctx context.Context, userID int64) ([]int64, error) {
	return s.ids(ctx, `SELECT target_id FROM blocks WHERE user_id = ? ORDER BY created_at`, userID)
}

func (s *Store) ids(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := s.read.QueryContext(ctx, query, args...)
	return scanAll(rows, err, func(r rowScanner) (id int64, err error) { return id, r.Scan(&id) })
}

func (s *Store) SetPhoneCode(ctx context.Context, phone string, codeHash []byte, expires time.Time) error {
	return s.w.do(ctx, func(t *txn) error {
		_, err := t.exec(`INSERT INTO phone_codes(phone, code_hash, expires_at, attempts) VALUES (?, ?, ?, 0)
			ON CONFLICT(phone) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at, attempts = 0`,
			phone, codeHash, ms(expires))
		return err
	})
}

func (s *Store) PhoneCode(ctx context.Context, phone string) ([]byte, time.Time, int, error) {
	var hash []byte
	var exp int64
	var attempts int
	err := s.read.QueryRowContext(ctx, `SELECT code_hash, expires_at, attempts FROM phone_codes WHERE phone = ?`, phone).
		Scan(&hash, &exp, &attempts)
	if err == sql.ErrNoRows {
		return nil, time.Time{}, 0, domain.Errorf(domain.KindNotFound, "no code was sent to this number")
	}
	return hash, fromMS(exp), attempts, err
}

func (s *Store) PhoneCodeAttempt(ctx context.Context, phone string) error {
	return s.w.do(ctx, func(t *txn) error {
		_, err := t.exec(`UPDATE phone_codes SET attempts = attempts + 1 WHERE phone = ?`, phone)
		return err
	})
}

func (s *Store) DeletePhoneCode(ctx context.Context, phone string) error {
	return s.w.do(ctx, func(t *txn) error {
		_, err := t.exec(`DELETE FROM phone_codes WHERE phone = ?`, phone)
		return err
	})
}
