package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/store/storetest/corpus"
)

// BenchmarkSearchMillion measures message search over a million stored
// messages (see package corpus). The corpus is loaded once, through the
// store's own AppendMessage, into a file under os.TempDir() named after
// the corpus version and the schema version, and reused by later runs;
// delete the file to load it again. Loading takes minutes, so run it
// alone and without a test timeout:
//
//	go test -run '^$' -bench SearchMillion -benchtime 200x -timeout 0 ./internal/store/sqlite
func BenchmarkSearchMillion(b *testing.B) {
	path := millionDB(b)
	s, err := Open(path, nil, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
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
		var args []any
		switch q.Scope {
		case corpus.Member:
			search = func() ([]domain.Event, error) { return s.SearchMessages(ctx, me.ID, 0, terms, corpus.Limit, q.Offset) }
			scope, args = `JOIN members m ON m.chat_id = e.chat_id AND m.user_id = ? AND m.left_seq = 0`, []any{me.ID}
		case corpus.OneChat:
			search = func() ([]domain.Event, error) {
				return s.SearchMessages(ctx, me.ID, chatID, terms, corpus.Limit, q.Offset)
			}
			scope, args = `JOIN members m ON m.chat_id = e.chat_id AND m.user_id = ? AND m.left_seq = 0 AND e.chat_id = ?`,
				[]any{me.ID, chatID}
		case corpus.Public:
			search = func() ([]domain.Event, error) { return s.SearchPublic(ctx, terms, corpus.Limit, q.Offset) }
			scope = `JOIN chats c ON c.id = e.chat_id AND c.type = 'channel' AND c.username IS NOT NULL`
		}
		// How many messages in scope match at all (not timed).
		var matches int64
		err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM events_fts f JOIN events e ON e.pos = f.rowid `+scope+`
			WHERE events_fts MATCH ? AND e.type = 'message' AND NOT e.deleted`, append(args, ftsQuery(terms))...).Scan(&matches)
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

// millionDB returns the cached corpus database, loading it first if there
// is none. A load writes to a file of its own and renames it into place
// when complete, so an interrupted load leaves nothing that looks usable.
func millionDB(b *testing.B) string {
	path := filepath.Join(os.TempDir(), fmt.Sprintf("chapar-search1m-%s-schema%d.db", corpus.Version, schemaVersion))
	defer func() {
		if fi, err := os.Stat(path); err == nil {
			note, _ := os.ReadFile(path + ".txt")
			fmt.Fprintf(os.Stderr, "corpus %s: %.1f MB; %s\n", path, float64(fi.Size())/1e6, note)
		}
	}()
	if _, err := os.Stat(path); err == nil {
		return path
	}
	build := fmt.Sprintf("%s.build-%d", path, os.Getpid())
	defer func() {
		for _, f := range []string{build, build + "-wal", build + "-shm"} {
			os.Remove(f)
		}
	}()
	s, err := Open(build, nil, Options{})
	if err != nil {
		b.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "corpus: loading %d messages into %s\n", corpus.Million, build)
	st, err := corpus.Load(context.Background(), s, corpus.New(corpus.Million), 256, os.Stderr)
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		b.Fatalf("load corpus: %v", err)
	}
	// Fold the write-ahead log into the file, so that the file alone is
	// the database.
	db, err := sql.Open("sqlite", "file:"+build)
	if err == nil {
		_, err = db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		db.Close()
	}
	if err != nil {
		b.Fatalf("checkpoint: %v", err)
	}
	note := fmt.Sprintf("loaded %s through AppendMessage (256 senders): %v", time.Now().Format(time.DateTime), st)
	if err := os.WriteFile(path+".txt", []byte(note), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(build, path); err != nil {
		b.Fatal(err)
	}
	return path
}
