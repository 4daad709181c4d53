package postgres

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/store/storetest/corpus"
)

// BenchmarkSearchMillion measures message search over a million stored
// messages (see package corpus); it mirrors the SQLite store's benchmark
// of the same name. The corpus is loaded once, through the store's own
// AppendMessage, into the database chapar_search1m_<corpus version> on the
// test server (CHAPAR_TEST_POSTGRES_DSN, as for the other tests), and
// reused by later runs; drop the database to load it again. Loading takes
// minutes, so run it alone and without a test timeout:
//
//	go test -run '^$' -bench SearchMillion -benchtime 200x -timeout 0 ./internal/store/postgres
func BenchmarkSearchMillion(b *testing.B) {
	s := openStore(b, millionDB(b), nil)
	ctx := context.Background()
	c := corpus.New(corpus.Million)
	me, err := s.UserByUsername(ctx, corpus.Username(corpus.Searcher))
	if err != nil {
		b.Fatal(err)
	}
	chatID := chatTitled(b, s, me.ID, c.Chats[c.BusiestGroupOf(corpus.Searcher)].Title)
	for _, q := range corpus.Queries {
		terms := q.Terms()
		var search func() ([]domain.Event, error)
		var scope string
		args := []any{tsQuery(terms)}
		switch q.Scope {
		case corpus.Member:
			search = func() ([]domain.Event, error) { return s.SearchMessages(ctx, me.ID, 0, terms, corpus.Limit, q.Offset) }
			scope, args = `JOIN members m ON m.chat_id = e.chat_id AND m.user_id = $2 AND m.left_seq = 0`, append(args, me.ID)
		case corpus.OneChat:
			search = func() ([]domain.Event, error) {
				return s.SearchMessages(ctx, me.ID, chatID, terms, corpus.Limit, q.Offset)
			}
			scope = `JOIN members m ON m.chat_id = e.chat_id AND m.user_id = $2 AND m.left_seq = 0 AND e.chat_id = $3`
			args = append(args, me.ID, chatID)
		case corpus.Public:
			search = func() ([]domain.Event, error) { return s.SearchPublic(ctx, terms, corpus.Limit, q.Offset) }
			scope = `JOIN chats c ON c.id = e.chat_id AND c.type = 'channel' AND c.username_lc IS NOT NULL`
		}
		// How many messages in scope match at all (not timed).
		var matches int64
		err := s.pool.QueryRow(ctx, `SELECT count(*) FROM events e `+scope+`
			WHERE e.search @@ $1::tsquery AND e.type = 'message' AND NOT e.deleted`, args...).Scan(&matches)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(q.Name, func(b *testing.B) { corpus.Measure(b, matches, search) })
	}
}

// chatTitled finds the chat of user's with that title.
func chatTitled(b *testing.B, s *Store, user int64, title string) int64 {
	chats, err := s.ChatsOf(context.Background(), user)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range chats {
		if c.Title == title {
			return c.ID
		}
	}
	b.Fatalf("no chat %q", title)
	return 0
}

// millionDB returns the address of the cached corpus database, loading it
// first if there is none. A load writes to a database of its own and
// renames it into place when complete, so an interrupted load leaves
// nothing that looks usable; an advisory lock keeps two runs from loading
// at once.
func millionDB(b *testing.B) string {
	if os.Getenv("CHAPAR_TEST_POSTGRES") == "off" {
		b.Skip("CHAPAR_TEST_POSTGRES=off: skipping the PostgreSQL benchmarks")
	}
	ctx := context.Background()
	name := "chapar_search1m_" + corpus.Version
	admin, err := pgx.Connect(ctx, adminDSN())
	if err != nil {
		b.Fatalf("PostgreSQL is not reachable at %s (set CHAPAR_TEST_POSTGRES=off to skip): %v", adminDSN(), err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, `SELECT pg_advisory_lock(hashtext($1))`, name); err != nil {
		b.Fatal(err)
	}
	defer func() {
		var size int64
		var note string
		err := admin.QueryRow(ctx, `SELECT pg_database_size(oid), COALESCE(shobj_description(oid, 'pg_database'), '')
			FROM pg_database WHERE datname = $1`, name).Scan(&size, &note)
		if err == nil {
			fmt.Fprintf(os.Stderr, "corpus database %s: %.1f MB; %s\n", name, float64(size)/1e6, note)
		}
	}()
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		b.Fatal(err)
	}
	if exists {
		return withDatabase(b, adminDSN(), name)
	}
	build := name + "_build"
	for _, q := range []string{`DROP DATABASE IF EXISTS ` + build + ` WITH (FORCE)`, `CREATE DATABASE ` + build} {
		if _, err := admin.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	s, err := Open(ctx, withDatabase(b, adminDSN(), build), nil)
	if err != nil {
		b.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "corpus: loading %d messages into database %s\n", corpus.Million, build)
	st, err := corpus.Load(ctx, s, corpus.New(corpus.Million), 256, os.Stderr)
	s.Close()
	if err != nil {
		b.Fatalf("load corpus: %v", err)
	}
	// Autovacuum would soon do the same: merge the GIN index's pending
	// list and gather the planner's statistics. Doing it now makes every
	// run see the steady state.
	t := time.Now()
	conn, err := pgx.Connect(ctx, withDatabase(b, adminDSN(), build))
	if err != nil {
		b.Fatal(err)
	}
	_, err = conn.Exec(ctx, `VACUUM (ANALYZE)`)
	conn.Close(ctx)
	if err != nil {
		b.Fatalf("vacuum: %v", err)
	}
	vacuum := time.Since(t)
	note := fmt.Sprintf("loaded %s through AppendMessage (256 senders): %v; VACUUM (ANALYZE) %v",
		time.Now().Format(time.DateTime), st, vacuum.Round(time.Second))
	for _, q := range []string{`ALTER DATABASE ` + build + ` RENAME TO ` + name,
		`COMMENT ON DATABASE ` + name + ` IS '` + strings.ReplaceAll(note, "'", "''") + `'`} {
		if _, err := admin.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	return withDatabase(b, adminDSN(), name)
}
