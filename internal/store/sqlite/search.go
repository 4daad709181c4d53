package sqlite

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/chapar/chapar/internal/domain"
)

// indexedTerms is what the search index keeps for a message's text.
func indexedTerms(text string) string { return strings.Join(domain.SearchTerms(text), " ") }

// ftsQuery turns folded terms into an FTS5 query: every term must match,
// the last one as a prefix (people search as they type). Terms hold only
// letters and digits, so quoting them is enough.
func ftsQuery(terms []string) string {
	var b strings.Builder
	b.WriteString("terms : (")
	for i, t := range terms {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(`"` + t + `"`)
		if i == len(terms)-1 {
			b.WriteByte('*')
		}
	}
	b.WriteByte(')')
	return b.String()
}

// indexMessage adds a message to the search index (inside the writer's
// transaction).
func (t *txn) indexMessage(pos, chatID int64, text string) error {
	terms := indexedTerms(text)
	if terms == "" {
		return nil
	}
	_, err := t.exec(`INSERT INTO events_fts(rowid, terms, chat) VALUES (?, ?, ?)`, pos, terms, chatToken(chatID))
	return err
}

// chatToken is how the index names a message's chat (its "chat" column),
// so that a search in one chat is one index lookup, not a walk over every
// chat's matches.
func chatToken(chatID int64) string { return "c" + strconv.FormatInt(chatID, 10) }

func (t *txn) unindexMessage(pos int64) error {
	_, err := t.exec(`DELETE FROM events_fts WHERE rowid = ?`, pos)
	return err
}

// indexExisting fills the message search index with the messages stored
// before it existed (or before its last change), once.
func indexExisting(db *sql.DB) error {
	return fillIndex(db, "search_v2",
		`SELECT pos, chat_id, text FROM events WHERE type = 'message' AND NOT deleted AND text != ''`,
		`INSERT INTO events_fts(rowid, terms, chat) VALUES (?, ?, ?)`)
}

// indexNames fills the directory index with the users and chats made
// before it existed, once.
func indexNames(db *sql.DB) error {
	return fillIndex(db, "names_v1",
		`SELECT id, 0, display_name FROM users UNION ALL SELECT -id, 0, title FROM chats WHERE type <> 'direct'`,
		`INSERT INTO names_fts(rowid, terms) VALUES (?, ?)`)
}

// fillIndex indexes the rows of query (id, chat id, text) with insert
// (id, terms[, chat token]), in one transaction, unless meta says key is
// done.
func fillIndex(db *sql.DB, key, query, insert string) error {
	var done int
	if err := db.QueryRow(`SELECT count(*) FROM meta WHERE key = ?`, key).Scan(&done); err != nil || done > 0 {
		return err
	}
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	type row struct {
		id, chat int64
		text     string
	}
	rows, err := tx.Query(query)
	all, err := scanAll(rows, err, func(r rowScanner) (row, error) {
		var v row
		return v, r.Scan(&v.id, &v.chat, &v.text)
	})
	if err != nil {
		return err
	}
	withChat := strings.Count(insert, "?") == 3
	for _, r := range all {
		terms := indexedTerms(r.text)
		if terms == "" {
			continue
		}
		args := []any{r.id, terms}
		if withChat {
			args = append(args, chatToken(r.chat))
		}
		if _, err := tx.Exec(insert, args...); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(`INSERT INTO meta(key, value) VALUES (?, 1)`, key); err != nil {
		return err
	}
	return tx.Commit()
}

// SearchMessages finds live messages matching every term in the chats
// userID is an active member of (or in chatID only), best match first.
func (s *Store) SearchMessages(ctx context.Context, userID, chatID int64, terms []string, limit, offset int) ([]domain.Event, error) {
	if len(terms) == 0 {
		return nil, nil
	}
	scope := `JOIN members m ON m.chat_id = e.chat_id AND m.user_id = ? AND m.left_seq = 0`
	if chatID != 0 {
		match := ftsQuery(terms) + ` AND chat : "` + chatToken(chatID) + `"`
		return s.search(ctx, scope, []any{userID}, match, ` AND e.chat_id = ?`, []any{chatID}, limit, offset)
	}
	return s.search(ctx, scope, []any{userID}, ftsQuery(terms), "", nil, limit, offset)
}

// SearchPublic finds live posts of public channels matching every term.
func (s *Store) SearchPublic(ctx context.Context, terms []string, limit, offset int) ([]domain.Event, error) {
	if len(terms) == 0 {
		return nil, nil
	}
	return s.search(ctx, `JOIN chats c ON c.id = e.chat_id AND c.type = 'channel' AND c.username IS NOT NULL`, nil,
		ftsQuery(terms), "", nil, limit, offset)
}

// search runs a ranked message search for the FTS query match: scope
// joins events e with what limits the chats, where narrows further; each
// with its arguments.
func (s *Store) search(ctx context.Context, scope string, scopeArgs []any, match, where string, whereArgs []any,
	limit, offset int) ([]domain.Event, error) {
	// First the ranked positions, scoped; then the events themselves. The
	// index is walked newest first and stops after the newest
	// domain.SearchWindow matches the caller may read, which are then
	// ranked: a common word costs as much as a rare one, not one row
	// lookup per match in the whole server.
	q := `SELECT pos FROM (
		SELECT e.pos AS pos, bm25(events_fts) AS rank FROM events_fts f
		JOIN events e ON e.pos = f.rowid ` + scope + `
		WHERE events_fts MATCH ? AND e.type = 'message' AND NOT e.deleted` + where + `
		ORDER BY f.rowid DESC LIMIT ?)
		ORDER BY rank, pos DESC LIMIT ? OFFSET ?`
	window := max(domain.SearchWindow, offset+limit)
	args := append(append(append(scopeArgs, match), whereArgs...), window, limit, offset)
	rows, err := s.read.QueryContext(ctx, q, args...)
	positions, err := scanAll(rows, err, func(r rowScanner) (int64, error) {
		var p int64
		return p, r.Scan(&p)
	})
	if err != nil || len(positions) == 0 {
		return nil, err
	}
	in := strings.TrimSuffix(strings.Repeat("?,", len(positions)), ",")
	args = args[:0]
	for _, p := range positions {
		args = append(args, p)
	}
	rows, err = s.read.QueryContext(ctx, `SELECT `+eventCols+` FROM events WHERE pos IN (`+in+`)`, args...)
	evs, err := scanAll(rows, err, scanEvent)
	if err != nil {
		return nil, err
	}
	return inOrder(evs, positions), nil
}

// inOrder sorts events into the order of positions.
func inOrder(evs []domain.Event, positions []int64) []domain.Event {
	at := make(map[int64]int, len(positions))
	for i, p := range positions {
		at[p] = i
	}
	out := make([]domain.Event, len(positions))
	n := 0
	for _, e := range evs {
		if i, ok := at[e.Pos]; ok {
			out[i] = e
			n++
		}
	}
	if n != len(positions) { // a message deleted between the two reads
		kept := out[:0]
		for _, e := range out {
			if e.Pos != 0 {
				kept = append(kept, e)
			}
		}
		out = kept
	}
	return out
}
