package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/store/rowmap"
)

// Calls in progress (domain.CallStore).

const callCols = rowmap.CallCols

func scanCall(r rowScanner) (domain.Call, error) { return rowmap.ScanCall(r) }

func (s *Store) StartCall(ctx context.Context, c domain.Call) (int64, error) {
	var busy int64
	err := s.w.do(ctx, func(t *txn) error {
		// The caller first: "you are in a call" comes before "busy".
		err := t.queryRow(`SELECT user_id FROM call_parties WHERE user_id IN (?, ?) ORDER BY user_id <> ? LIMIT 1`,
			c.CallerID, c.CalleeID, c.CallerID).Scan(&busy)
		if !errors.Is(err, sql.ErrNoRows) {
			return err // nil: busy is set
		}
		busy = 0
		if _, err := t.exec(`INSERT INTO call_parties(user_id, call_id) VALUES (?, ?), (?, ?)`, c.CallerID, c.ID, c.CalleeID, c.ID); err != nil {
			return err
		}
		_, err = t.exec(`INSERT INTO calls(`+callCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, '', ?, 0, ?)`,
			c.ID, c.ChatID, c.CallerID, c.CalleeID, c.Video, c.State, c.CallerConn, ms(c.CreatedAt), ms(c.CreatedAt))
		return err
	})
	return busy, err
}

func (s *Store) AcceptCall(ctx context.Context, id string, userID int64, conn string, at time.Time) (domain.Call, error) {
	var c domain.Call
	err := s.w.do(ctx, func(t *txn) error {
		var err error
		c, err = scanCall(t.queryRow(`UPDATE calls SET state = ?, callee_conn = ?, answered_at = ?, seen_at = ?
			WHERE id = ? AND callee_id = ? AND state = ? RETURNING `+callCols,
			domain.CallActive, conn, ms(at), ms(at), id, userID, domain.CallRinging))
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var callee int64
		if t.queryRow(`SELECT callee_id FROM calls WHERE id = ?`, id).Scan(&callee) == nil && callee == userID {
			return domain.Errorf(domain.KindConflict, "the call was answered or ended already")
		}
		return domain.Errorf(domain.KindNotFound, "call not found")
	})
	return c, err
}

func (s *Store) EndCall(ctx context.Context, id string) (domain.Call, bool, error) {
	var c domain.Call
	var ended bool
	err := s.w.do(ctx, func(t *txn) error {
		var err error
		c, err = scanCall(t.queryRow(`DELETE FROM calls WHERE id = ? RETURNING `+callCols, id))
		if ended = err == nil; !ended {
			if errors.Is(err, sql.ErrNoRows) {
				return nil
			}
			return err
		}
		_, err = t.exec(`DELETE FROM call_parties WHERE call_id = ?`, id)
		return err
	})
	return c, ended, err
}

func (s *Store) Call(ctx context.Context, id string) (domain.Call, error) {
	c, err := scanCall(s.read.QueryRowContext(ctx, `SELECT `+callCols+` FROM calls WHERE id = ?`, id))
	return c, notFound(err, "call")
}

func (s *Store) CallsOfConn(ctx context.Context, conn string) ([]domain.Call, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+callCols+` FROM calls WHERE caller_conn = ? OR (callee_conn = ? AND callee_conn <> '')`,
		conn, conn)
	return scanAll(rows, err, scanCall)
}

func (s *Store) StaleCalls(ctx context.Context, ringing, seen time.Time, limit int) ([]domain.Call, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+callCols+` FROM calls
		WHERE (state = ? AND created_at < ?) OR (state = ? AND seen_at < ?) LIMIT ?`,
		domain.CallRinging, ms(ringing), domain.CallActive, ms(seen), limit)
	return scanAll(rows, err, scanCall)
}

func (s *Store) TouchCalls(ctx context.Context, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{ms(at)}
	for _, id := range ids {
		args = append(args, id)
	}
	return s.w.do(ctx, func(t *txn) error {
		_, err := t.exec(`UPDATE calls SET seen_at = ? WHERE id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
		return err
	})
}
