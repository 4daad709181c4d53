// Package postgres is chapar's shared store: PostgreSQL, so that several
// chapar nodes can serve one set of users from one database. It implements
// domain.Store with the same contract as the embedded SQLite store, and the
// same shape: one writer goroutine per node that commits waiting writes
// together (group commit), and a connection pool for reads.
//
// What differs is that other nodes write too. So nothing about a chat is
// cached between transactions, a chat's row is locked while it is written,
// and positions come from a one-row counter that a transaction moves just
// before it commits (see writer.go), so that position order is commit order
// across every node.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/store/rowmap"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Store is the PostgreSQL implementation of domain.Store.
type Store struct {
	pool      *pgxpool.Pool // reads
	w         *writer       // writes, on a pool of its own
	closeOnce sync.Once
}

var _ domain.Store = (*Store)(nil)

// Metrics is told about each commit; nil-safe. It has the same shape as
// sqlite.Metrics, so one implementation serves both stores.
type Metrics interface {
	Commit(ops int, d time.Duration)
}

// Option tunes a store.
type Option func(*options)

type options struct {
	metrics      Metrics
	batchTimeout time.Duration
}

// WithMetrics reports each commit to m.
func WithMetrics(m Metrics) Option { return func(o *options) { o.metrics = m } }

// WithBatchTimeout bounds how long one batch (one transaction, retries
// included) may take before its callers are told it failed; the default is
// 30 seconds. Without a bound, a database that stops answering would hold
// every writer forever.
func WithBatchTimeout(d time.Duration) Option { return func(o *options) { o.batchTimeout = d } }

// Open connects to the database at dsn (a libpq URL or key=value string;
// pool settings such as pool_max_conns go in it too), brings its schema up
// to date and starts the writer. Committed events go to pub in commit order.
func Open(ctx context.Context, dsn string, pub domain.Publisher, opts ...Option) (*Store, error) {
	o := options{batchTimeout: 30 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse database address: %w", err)
	}
	// pgx prepares every statement once per connection, and after a few
	// runs PostgreSQL may keep one generic plan for it. A plan made while
	// a table was empty (a new installation) is a sequential scan, and it
	// stays while the table grows: measured here, the writer's lookup of
	// resent client ids went from under 1 ms to 13 ms per batch by 90,000
	// messages, and throughput fell by half. Planning for each run's own
	// values costs far less than that.
	if _, ok := cfg.ConnConfig.RuntimeParams["plan_cache_mode"]; !ok {
		cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	// The writer gets a connection of its own, so that however many reads
	// are running, writes never wait for a connection.
	wcfg := cfg.Copy()
	wcfg.MaxConns, wcfg.MinConns = 1, 1
	wpool, err := pgxpool.NewWithConfig(ctx, wcfg)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	if err := migrate(ctx, wpool); err != nil {
		wpool.Close()
		return nil, fmt.Errorf("migrate database: %w", err)
	}
	if err := indexExisting(ctx, wpool); err != nil {
		wpool.Close()
		return nil, fmt.Errorf("index messages for search: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		wpool.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	if pub == nil {
		pub = nopPublisher{}
	}
	s := &Store{pool: pool}
	s.w = &writer{
		pool:    wpool,
		ops:     make(chan *op, maxBatch),
		pub:     pub,
		metrics: o.metrics,
		timeout: o.batchTimeout,
		stop:    make(chan struct{}),
		stopped: make(chan struct{}),
	}
	go s.w.run()
	return s, nil
}

type nopPublisher struct{}

func (nopPublisher) Publish([]domain.Event) {}

// Close stops the writer after the batch in flight and closes the pool.
// Calling it again does nothing.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.w.stop)
		<-s.w.stopped
		s.w.pool.Close()
		s.pool.Close()
	})
	return nil
}

// LastPos is the highest committed position. Every event at or below it is
// committed and visible: the counter only moves in the transaction that
// stores those events (see writer.go).
func (s *Store) LastPos(ctx context.Context) (int64, error) {
	var last int64
	err := s.pool.QueryRow(ctx, `SELECT last FROM chapar_pos WHERE id = 1`).Scan(&last)
	return last, err
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return rowmap.FromMS(v) }

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// SQLSTATE codes the store acts on.
const (
	codeUniqueViolation      = "23505"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// isUnique reports a unique constraint violation.
func isUnique(err error) bool { return pgCode(err) == codeUniqueViolation }

// isRetryable reports an error after which the whole transaction may simply
// run again: PostgreSQL chose it as a deadlock's victim or could not
// serialise it.
func isRetryable(err error) bool {
	c := pgCode(err)
	return c == codeSerializationFailure || c == codeDeadlockDetected
}

func notFound(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Errorf(domain.KindNotFound, "%s not found", what)
	}
	return err
}

type rowScanner interface{ Scan(dest ...any) error }

// collect reads every row of a query with scan. It returns a function that
// takes the query's two results as they come, so callers can write
// collect(scanX)(pool.Query(…)).
func collect[T any](scan func(rowScanner) (T, error)) func(pgx.Rows, error) ([]T, error) {
	return func(rows pgx.Rows, err error) ([]T, error) {
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []T
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, rows.Err()
	}
}
