package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/store/rowmap"
)

// Calls in progress (domain.CallStore). They go straight to the pool, not
// through the writer: they are not events, and a user's call_parties row
// (its primary key) is what keeps two nodes from putting one user in two
// calls.

const callCols = rowmap.CallCols

func scanCall(r rowScanner) (domain.Call, error) { return rowmap.ScanCall(r) }

func (s *Store) StartCall(ctx context.Context, c domain.Call) (int64, error) {
	var busy int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		busy = 0
		for _, party := range []int64{c.CallerID, c.CalleeID} {
			tag, err := tx.Exec(ctx, `INSERT INTO call_parties(user_id, call_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, party, c.ID)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				busy = party
				return errBusy
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO calls(`+callCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, '', $8, 0, $8)`,
			c.ID, c.ChatID, c.CallerID, c.CalleeID, c.Video, c.State, c.CallerConn, ms(c.CreatedAt))
		return err
	})
	if errors.Is(err, errBusy) {
		err = nil
	}
	return busy, err
}

// errBusy rolls a StartCall back when a party is in a call already.
var errBusy = errors.New("in a call")

func (s *Store) AcceptCall(ctx context.Context, id string, userID int64, conn string, at time.Time) (domain.Call, error) {
	c, err := scanCall(s.pool.QueryRow(ctx, `UPDATE calls SET state = $1, callee_conn = $2, answered_at = $3, seen_at = $3
		WHERE id = $4 AND callee_id = $5 AND state = $6 RETURNING `+callCols,
		domain.CallActive, conn, ms(at), id, userID, domain.CallRinging))
	if !errors.Is(err, pgx.ErrNoRows) {
		return c, err
	}
	var callee int64
	if s.pool.QueryRow(ctx, `SELECT callee_id FROM calls WHERE id = $1`, id).Scan(&callee) == nil && callee == userID {
		return c, domain.Errorf(domain.KindConflict, "the call was answered or ended already")
	}
	return c, domain.Errorf(domain.KindNotFound, "call not found")
}

func (s *Store) EndCall(ctx context.Context, id string) (domain.Call, bool, error) {
	var c domain.Call
	var ended bool
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		c, err = scanCall(tx.QueryRow(ctx, `DELETE FROM calls WHERE id = $1 RETURNING `+callCols, id))
		if ended = err == nil; !ended {
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM call_parties WHERE call_id = $1`, id)
		return err
	})
	return c, ended, err
}

func (s *Store) Call(ctx context.Context, id string) (domain.Call, error) {
	c, err := scanCall(s.pool.QueryRow(ctx, `SELECT `+callCols+` FROM calls WHERE id = $1`, id))
	return c, notFound(err, "call")
}

func (s *Store) CallsOfConn(ctx context.Context, conn string) ([]domain.Call, error) {
	return collect(scanCall)(s.pool.Query(ctx,
		`SELECT `+callCols+` FROM calls WHERE caller_conn = $1 OR (callee_conn = $1 AND callee_conn <> '')`, conn))
}

func (s *Store) StaleCalls(ctx context.Context, ringing, seen time.Time, limit int) ([]domain.Call, error) {
	return collect(scanCall)(s.pool.Query(ctx, `SELECT `+callCols+` FROM calls
		WHERE (state = $1 AND created_at < $2) OR (state = $3 AND seen_at < $4) LIMIT $5`,
		domain.CallRinging, ms(ringing), domain.CallActive, ms(seen), limit))
}

func (s *Store) TouchCalls(ctx context.Context, ids []string, at time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE calls SET seen_at = $1 WHERE id = ANY($2)`, ms(at), ids)
	return err
}
