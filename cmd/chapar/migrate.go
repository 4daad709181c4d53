package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"

	"github.com/chapar/chapar/internal/store/postgres"
)

// "chapar migrate" moves a single-node installation (its SQLite database)
// into an empty PostgreSQL database, so that it can grow into a cluster.
// Everything is copied as it is — ids, sequence numbers, positions,
// password hashes, sessions (so every device stays signed in and every
// client resumes from the position it has), blocks, read receipts — in one
// PostgreSQL transaction: the target either gets all of it or nothing.
//
// The server must be stopped while it runs: what it writes meanwhile would
// not be copied.

// migrateTables lists what is copied, parents first. The PostgreSQL
// schema mirrors the SQLite one column for column; the columns that SQLite
// keeps as 0/1 integers are booleans there.
var migrateTables = []struct {
	name    string
	columns []string
	bools   map[string]bool
}{
	{name: "users", columns: []string{"id", "username", "username_lc", "phone", "display_name", "bio", "password_hash", "created_at", "last_seen", "is_bot"},
		bools: map[string]bool{"is_bot": true}},
	{name: "sessions", columns: []string{"id", "user_id", "token_hash", "device", "created_at", "last_seen_at"}},
	{name: "blocks", columns: []string{"user_id", "target_id", "created_at"}},
	{name: "phone_codes", columns: []string{"phone", "code_hash", "expires_at", "attempts"}},
	{name: "chats", columns: []string{"id", "type", "title", "direct_key", "created_at", "last_seq", "last_pos", "members",
		"username", "username_lc", "about", "signatures", "slow_mode", "default_rights", "pinned_seq", "linked_chat"},
		bools: map[string]bool{"signatures": true}},
	{name: "members", columns: []string{"chat_id", "user_id", "role", "read_seq", "read_pos", "read_at", "joined_at", "left_seq", "left_pos", "blocked",
		"rights", "denied", "until", "last_sent_at"},
		bools: map[string]bool{"blocked": true}},
	{name: "events", columns: []string{"pos", "chat_id", "seq", "type", "actor_id", "date", "client_id", "text", "reply_to", "fwd_chat", "fwd_seq", "fwd_sender", "target", "role", "edited_at", "deleted",
		"views", "anon", "rights", "until", "media", "rich"},
		bools: map[string]bool{"deleted": true}},
	{name: "user_events", columns: []string{"pos", "user_id", "chat_id", "type", "actor_id", "target", "role", "rights", "until", "date", "text"}},
	{name: "views", columns: []string{"chat_id", "seq", "user_id"}},
	{name: "reactions", columns: []string{"chat_id", "seq", "user_id", "emoji"}},
	{name: "reaction_counts", columns: []string{"chat_id", "seq", "emoji", "n"}},
	{name: "invites", columns: []string{"code", "chat_id", "creator_id", "name", "created_at", "expires_at", "usage_limit", "uses", "needs_approval", "revoked"},
		bools: map[string]bool{"needs_approval": true, "revoked": true}},
	{name: "join_requests", columns: []string{"chat_id", "user_id", "code", "date"}},
	{name: "admin_log", columns: []string{"id", "chat_id", "actor_id", "action", "target", "detail", "date"}},
	{name: "uploads", columns: []string{"id", "user_id", "kind", "mime", "name", "length", "offset", "parts", "hash", "created_at", "waveform"}},
	{name: "files", columns: []string{"id", "owner_id", "kind", "mime", "name", "size", "sha256", "width", "height", "duration",
		"waveform", "parts", "thumbs", "created_at"}},
	{name: "file_refs", columns: []string{"file_id", "chat_id", "seq"}},
	{name: "secrets", columns: []string{"name", "value"}},
	{name: "bots", columns: []string{"user_id", "owner_id", "token_hash", "description", "short_description", "commands", "privacy",
		"update_offset", "allowed_updates", "created_at"},
		bools: map[string]bool{"privacy": true}},
}

func runMigrate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "./chapar-data", "the single-node data folder (the server must be stopped)")
	to := fs.String("to", "", "the PostgreSQL URL to move into (an empty database)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: chapar migrate -from ./chapar-data -to postgres://…\n\nMoves a single-node installation into an empty PostgreSQL database, keeping\nevery account, session, chat, message, sequence number and position.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *to == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Hour)
	defer cancel()
	counts, err := migrateToPostgres(ctx, filepath.Join(*from, "chapar.db"), *to)
	if err != nil {
		fmt.Fprintln(stderr, "chapar migrate:", err)
		return 1
	}
	var parts []string
	for _, t := range migrateTables {
		parts = append(parts, fmt.Sprintf("%s %d", t.name, counts[t.name]))
	}
	fmt.Fprintf(stdout, "moved %s; last position %d\n", strings.Join(parts, ", "), counts["last_pos"])
	return 0
}

// migrateToPostgres copies the SQLite database at dbPath into the empty
// PostgreSQL database at dsn and returns how many rows each table got (and
// "last_pos").
func migrateToPostgres(ctx context.Context, dbPath, dsn string) (map[string]int64, error) {
	if _, err := os.Stat(dbPath); err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	src, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)")
	if err != nil {
		return nil, err
	}
	defer src.Close()
	var lastPos int64
	if err := src.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'last_pos'`).Scan(&lastPos); err != nil {
		return nil, fmt.Errorf("source %s is not a chapar database: %w", dbPath, err)
	}

	// Opening the store once creates (or updates) the schema.
	st, err := postgres.Open(ctx, dsn, nil)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	st.Close()
	dst, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	defer dst.Close(context.Background())

	tx, err := dst.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(context.Background())
	// The whole target is locked, so that a node started by mistake cannot
	// write into it halfway; and it must be empty.
	if _, err := tx.Exec(ctx, `LOCK TABLE users, sessions, blocks, phone_codes, chats, members, events, user_events, views, reactions,
		reaction_counts, invites, join_requests, admin_log, uploads, files, file_refs, secrets, bots, chapar_pos IN EXCLUSIVE MODE`); err != nil {
		return nil, err
	}
	var used bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM events) OR (SELECT last FROM chapar_pos) > 0`).Scan(&used); err != nil {
		return nil, err
	}
	if used {
		return nil, errors.New("the target database is not empty; migrate into a new one")
	}

	counts := map[string]int64{"last_pos": lastPos}
	for _, t := range migrateTables {
		n, err := copyTable(ctx, src, tx, t.name, t.columns, t.bools)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.name, err)
		}
		counts[t.name] = n
	}
	// New rows continue after the copied ones.
	for _, table := range []string{"users", "sessions", "chats", "admin_log"} {
		if _, err := tx.Exec(ctx, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), GREATEST((SELECT max(id) FROM %s), 1), (SELECT max(id) IS NOT NULL FROM %s))`, table, table, table)); err != nil {
			return nil, fmt.Errorf("%s ids: %w", table, err)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE chapar_pos SET last = $1`, lastPos); err != nil {
		return nil, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, err
	}
	return counts, nil
}

// copyTable streams one table from SQLite into PostgreSQL with COPY.
func copyTable(ctx context.Context, src *sql.DB, tx pgx.Tx, table string, cols []string, bools map[string]bool) (int64, error) {
	rows, err := src.QueryContext(ctx, fmt.Sprintf("SELECT %s FROM %s", strings.Join(cols, ", "), table))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	return tx.CopyFrom(ctx, pgx.Identifier{table}, cols, &sqliteRows{rows: rows, cols: cols, bools: bools})
}

// sqliteRows adapts database/sql rows to pgx's CopyFromSource.
type sqliteRows struct {
	rows  *sql.Rows
	cols  []string
	bools map[string]bool
	err   error
}

func (r *sqliteRows) Next() bool { return r.rows.Next() }

func (r *sqliteRows) Values() ([]any, error) {
	vals := make([]any, len(r.cols))
	ptrs := make([]any, len(r.cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := r.rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	for i, c := range r.cols {
		if r.bools[c] {
			n, ok := vals[i].(int64)
			if !ok {
				return nil, fmt.Errorf("%s: %T is not 0/1", c, vals[i])
			}
			vals[i] = n != 0
		}
	}
	return vals, nil
}

func (r *sqliteRows) Err() error { return r.rows.Err() }
