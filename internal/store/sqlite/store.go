// Package sqlite is chapar's embedded store: SQLite in WAL mode, with one
// writer goroutine that commits waiting writes together (group commit) and
// a pool of readers. It implements domain.Store.
package sqlite

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/store/rowmap"
	_ "modernc.org/sqlite" // the driver
)

//go:embed schema.sql
var schema string

// Store is the SQLite implementation of domain.Store.
type Store struct {
	read    *sql.DB
	w       *writer
	lastPos atomic.Int64
}

// Options tune a store; the zero value is fine.
type Options struct {
	Metrics Metrics
}

// Open opens (creating if needed) the database at path and starts the
// writer. Committed events go to pub in commit order.
func Open(path string, pub domain.Publisher, opt Options) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	// synchronous(FULL): in WAL mode, NORMAL skips the fsync at commit, and an
	// ack must mean the message survives a power cut.
	dsn := "file:" + path + "?_txlock=immediate" +
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)" +
		"&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=cache_size(-65536)"
	wdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetConnMaxIdleTime(0)
	wdb.SetConnMaxLifetime(0)
	if _, err := wdb.Exec(schema); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("create schema: %w", err)
	}
	if _, err := wdb.Exec(`INSERT OR IGNORE INTO meta(key, value) VALUES ('last_pos', 0)`); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("init meta: %w", err)
	}
	if err := indexExisting(wdb); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("index messages for search: %w", err)
	}
	rdb, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)")
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("open readers: %w", err)
	}
	rdb.SetMaxOpenConns(max(4, 2*runtime.GOMAXPROCS(0)))
	rdb.SetMaxIdleConns(max(4, 2*runtime.GOMAXPROCS(0)))
	s := &Store{read: rdb}
	var last int64
	if err := wdb.QueryRow(`SELECT value FROM meta WHERE key = 'last_pos'`).Scan(&last); err != nil {
		rdb.Close()
		wdb.Close()
		return nil, fmt.Errorf("read position: %w", err)
	}
	s.lastPos.Store(last)
	if pub == nil {
		pub = nopPublisher{}
	}
	s.w = &writer{
		db:        wdb,
		heads:     make(map[int64]chatHead),
		ops:       make(chan *op, maxBatch),
		pub:       pub,
		nextPos:   last + 1,
		committed: s.lastPos.Store,
		metrics:   opt.Metrics,
		stop:      make(chan struct{}),
		stopped:   make(chan struct{}),
	}
	go s.w.run()
	return s, nil
}

type nopPublisher struct{}

func (nopPublisher) Publish([]domain.Event) {}

// Close stops the writer after the batch in flight and closes the database.
func (s *Store) Close() error {
	close(s.w.stop)
	<-s.w.stopped
	err1 := s.read.Close()
	err2 := s.w.db.Close()
	return errors.Join(err1, err2)
}

// LastPos is the highest committed position.
func (s *Store) LastPos(context.Context) (int64, error) { return s.lastPos.Load(), nil }

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return rowmap.FromMS(v) }

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// isUnique reports a UNIQUE constraint failure.
func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Errorf(domain.KindNotFound, "%s not found", what)
	}
	return err
}

// scanAll reads every row of a query with scan; it takes the query's two
// results as they come, so callers can write scanAll(db.Query(…), scanX).
func scanAll[T any](rows *sql.Rows, err error, scan func(rowScanner) (T, error)) ([]T, error) {
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
