package sqlite

import (
	"context"
	"database/sql"
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
	for i, t := range terms {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(`"` + t + `"`)
		if i == len(terms)-1 {
			b.WriteByte('*')
		}
	}
	return b.String()
}

// indexMessage adds a message to the search index (inside the writer's
// transaction).
func (t *txn) indexMessage(pos int64, text string) error {
	terms := indexedTerms(text)
	if terms == "" {
		return nil
	}
	_, err := t.exec(`INSERT INTO events_fts(rowid, terms) VALUES (?, ?)`, pos, terms)
	return err
}

func (t *txn) unindexMessage(pos int64) error {
	_, err := t.exec(`DELETE FROM events_fts WHERE rowid = ?`, pos)
	return err
}

// indexExisting fills the search index with the messages stored before it
// existed, once.
func indexExisting(db *sql.DB) error {
	var done int
	if err := db.QueryRow(`SELECT count(*) FROM meta WHERE key = 'search_v1'`).Scan(&done); err != nil || done > 0 {
		return err
	}
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	rows, err := tx.Query(`SELECT pos, text FROM events WHERE type = 'message' AND NOT deleted AND text != ''`)
	if err != nil {
		return err
	}
	type row struct {
		pos  int64
		text string
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.pos, &r.text); err != nil {
			rows.Close()
			return err
		}
		all = append(all, r)
	}
	rows.Close()
	for _, r := range all {
		if terms := indexedTerms(r.text); terms != "" {
			if _, err := tx.Exec(`INSERT INTO events_fts(rowid, terms) VALUES (?, ?)`, r.pos, terms); err != nil {
				return err
			}
		}
	}
	if _, err := tx.Exec(`INSERT INTO meta(key, value) VALUES ('search_v1', 1)`); err != nil {
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
	// First the ranked positions, scoped to the caller's chats; then the
	// events themselves.
	q := `SELECT e.pos FROM events_fts f
		JOIN events e ON e.pos = f.rowid
		JOIN members m ON m.chat_id = e.chat_id AND m.user_id = ? AND m.left_seq = 0
		WHERE events_fts MATCH ? AND e.type = 'message' AND NOT e.deleted`
	args := []any{userID, ftsQuery(terms)}
	if chatID != 0 {
		q += ` AND e.chat_id = ?`
		args = append(args, chatID)
	}
	q += ` ORDER BY bm25(events_fts), e.pos DESC LIMIT ? OFFSET ?`
	args = append(args, limit, offset)
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
