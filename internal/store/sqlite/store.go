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

var _ domain.Store = (*Store)(nil)

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
	if err := upgrade(wdb); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("create schema: %w", err)
	}
	if _, err := wdb.Exec(`INSERT OR IGNORE INTO meta(key, value) VALUES ('last_pos', 0)`); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("init meta: %w", err)
	}
	if err := indexNames(wdb); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("index names for search: %w", err)
	}
	if err := indexExisting(wdb); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("index messages for search: %w", err)
	}
	// Readers get a 32 MB page cache each (SQLite's default is 2 MB): a
	// search reads index and table pages all over the file.
	rdb, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)&_pragma=cache_size(-32768)")
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
		meta:      make(map[int64]chatMeta),
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

// webhookColumns came to the bots table with schema 6.
var webhookColumns = []string{`webhook_url TEXT NOT NULL DEFAULT ''`, `webhook_secret TEXT NOT NULL DEFAULT ''`,
	`webhook_max_conn INTEGER NOT NULL DEFAULT 40`, `webhook_error_at INTEGER NOT NULL DEFAULT 0`,
	`webhook_error TEXT NOT NULL DEFAULT ''`, `webhook_node TEXT NOT NULL DEFAULT ''`, `webhook_lease INTEGER NOT NULL DEFAULT 0`}

// schemaVersion is the schema's version (PRAGMA user_version).
const schemaVersion = 6

// columnsV1 are the columns version 1 added to tables that existed before
// (groups and channels).
var columnsV1 = []string{
	`chats ADD COLUMN username TEXT`,
	`chats ADD COLUMN username_lc TEXT`,
	`chats ADD COLUMN about TEXT NOT NULL DEFAULT ''`,
	`chats ADD COLUMN signatures INTEGER NOT NULL DEFAULT 0`,
	`chats ADD COLUMN slow_mode INTEGER NOT NULL DEFAULT 0`,
	`chats ADD COLUMN default_rights INTEGER NOT NULL DEFAULT 0`,
	`chats ADD COLUMN pinned_seq INTEGER NOT NULL DEFAULT 0`,
	`chats ADD COLUMN linked_chat INTEGER NOT NULL DEFAULT 0`,
	`members ADD COLUMN rights INTEGER NOT NULL DEFAULT 0`,
	`members ADD COLUMN denied INTEGER NOT NULL DEFAULT 0`,
	`members ADD COLUMN until INTEGER NOT NULL DEFAULT 0`,
	`members ADD COLUMN last_sent_at INTEGER NOT NULL DEFAULT 0`,
	`events ADD COLUMN views INTEGER NOT NULL DEFAULT 0`,
	`events ADD COLUMN anon INTEGER NOT NULL DEFAULT 0`,
}

// upgrade creates the schema, or brings an older one up to date: the
// columns added since are added first (schema.sql's CREATE … IF NOT EXISTS
// cannot add columns), then schema.sql makes whatever tables and indexes
// are missing, all in one transaction.
func upgrade(db *sql.DB) error {
	var version, tables int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil {
		return err
	}
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'events'`).Scan(&tables); err != nil {
		return err
	}
	if version > schemaVersion {
		return fmt.Errorf("the data was written by a newer chapar (schema %d, this one knows %d)", version, schemaVersion)
	}
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if tables > 0 && version < 1 {
		for _, c := range columnsV1 {
			if _, err := tx.Exec(`ALTER TABLE ` + c); err != nil {
				return fmt.Errorf("upgrade to schema 1: %w", err)
			}
		}
		// Groups made before rights existed keep what their members could do.
		if _, err := tx.Exec(`UPDATE chats SET default_rights = ? WHERE type = 'group'`, domain.GroupDefaultRights); err != nil {
			return err
		}
		if _, err := tx.Exec(`UPDATE members SET rights = ? WHERE role = 'admin'`, domain.AdminRights); err != nil {
			return err
		}
	}
	if tables > 0 && version < 2 {
		for _, c := range []string{`events ADD COLUMN rights INTEGER NOT NULL DEFAULT 0`, `events ADD COLUMN until INTEGER NOT NULL DEFAULT 0`} {
			if _, err := tx.Exec(`ALTER TABLE ` + c); err != nil {
				return fmt.Errorf("upgrade to schema 2: %w", err)
			}
		}
		// The search index gained the chat column: it is made again
		// (indexExisting fills it at start).
		if _, err := tx.Exec(`DROP TABLE IF EXISTS events_fts; DELETE FROM meta WHERE key = 'search_v1'`); err != nil {
			return fmt.Errorf("upgrade to schema 2: %w", err)
		}
	}
	if tables > 0 && version < 3 {
		if _, err := tx.Exec(`ALTER TABLE events ADD COLUMN media TEXT`); err != nil {
			return fmt.Errorf("upgrade to schema 3: %w", err)
		}
	}
	if tables > 0 && version < 5 {
		if _, err := tx.Exec(`ALTER TABLE users ADD COLUMN is_bot INTEGER NOT NULL DEFAULT 0`); err != nil {
			return fmt.Errorf("upgrade to schema 5: %w", err)
		}
	}
	if tables > 0 && version < 6 {
		if _, err := tx.Exec(`ALTER TABLE events ADD COLUMN rich TEXT`); err != nil {
			return fmt.Errorf("upgrade to schema 6: %w", err)
		}
		var private int // user_events came with schema 2
		if err := tx.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'user_events'`).Scan(&private); err != nil {
			return err
		}
		if private > 0 {
			if _, err := tx.Exec(`ALTER TABLE user_events ADD COLUMN text TEXT NOT NULL DEFAULT ''`); err != nil {
				return fmt.Errorf("upgrade to schema 6: %w", err)
			}
		}
		if version == 5 { // bots came with schema 5
			for _, c := range webhookColumns {
				if _, err := tx.Exec(`ALTER TABLE bots ADD COLUMN ` + c); err != nil {
					return fmt.Errorf("upgrade to schema 6: %w", err)
				}
			}
		}
	}
	if tables > 0 && version == 3 { // before 3 there was no uploads table
		if _, err := tx.Exec(`ALTER TABLE uploads ADD COLUMN waveform BLOB`); err != nil {
			return fmt.Errorf("upgrade to schema 4: %w", err)
		}
	}
	if _, err := tx.Exec(schema); err != nil {
		return err
	}
	if _, err := tx.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, schemaVersion)); err != nil {
		return err
	}
	return tx.Commit()
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
