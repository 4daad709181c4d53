package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/chapar/chapar/internal/domain"
)

// indexedTerms is what the search index keeps for a message's text: its
// folded terms, separated by spaces (terms never hold one).
func indexedTerms(text string) string { return strings.Join(domain.SearchTerms(text), " ") }

// searchVector is the SQL for the tsvector of a space-separated terms
// expression: built from the terms themselves, so no text-search parser
// (and no database locale) decides what a word is. A message without words
// gets an empty vector, not NULL: NULL marks a message not yet indexed.
func searchVector(expr string) string {
	return `CASE WHEN ` + expr + ` = '' THEN ''::tsvector ELSE array_to_tsvector(string_to_array(` + expr + `, ' ')) END`
}

// tsQuery turns folded terms into tsquery input: every term must match, the
// last as a prefix. Terms hold only letters and digits; quoting them keeps
// them lexemes whatever they are.
func tsQuery(terms []string) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = "'" + t + "'"
		if i == len(terms)-1 {
			parts[i] += ":*"
		}
	}
	return strings.Join(parts, " & ")
}

// SearchMessages finds live messages matching every term in the chats
// userID is an active member of (or in chatID only), best match first.
func (s *Store) SearchMessages(ctx context.Context, userID, chatID int64, terms []string, limit, offset int) ([]domain.Event, error) {
	if len(terms) == 0 {
		return nil, nil
	}
	// Only the newest domain.SearchWindow matches are ranked, so that a
	// common word costs about as much as a rare one.
	q := `WITH recent AS (
			SELECT e.pos, e.search FROM events e
			JOIN members m ON m.chat_id = e.chat_id AND m.user_id = $1 AND m.left_seq = 0
			WHERE e.search @@ $2::tsquery AND e.type = 'message' AND NOT e.deleted AND ($3 = 0 OR e.chat_id = $3)
			ORDER BY e.pos DESC LIMIT $6),
		hits AS (SELECT pos, ts_rank(search, $2::tsquery) AS rank FROM recent ORDER BY rank DESC, pos DESC LIMIT $4 OFFSET $5)
		SELECT ` + eventCols + ` FROM events JOIN hits USING (pos) ORDER BY hits.rank DESC, pos DESC`
	rows, err := s.pool.Query(ctx, q, userID, tsQuery(terms), chatID, limit, offset, max(domain.SearchWindow, offset+limit))
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Event, error) { return scanEvent(r) })
}

// indexExisting fills the search column of messages, users and chats
// stored before it existed (or copied in by "chapar migrate"), a thousand
// at a time.
func indexExisting(ctx context.Context, pool *pgxpool.Pool) error {
	if err := indexNames(ctx, pool, "users", "display_name"); err != nil {
		return err
	}
	if err := indexNames(ctx, pool, "chats", "title"); err != nil {
		return err
	}
	for {
		rows, err := pool.Query(ctx, `SELECT pos, text FROM events
			WHERE search IS NULL AND type = 'message' AND NOT deleted ORDER BY pos LIMIT 1000`)
		if err != nil {
			return err
		}
		var positions []int64
		var terms []string
		for rows.Next() {
			var pos int64
			var text string
			if err := rows.Scan(&pos, &text); err != nil {
				rows.Close()
				return err
			}
			positions = append(positions, pos)
			terms = append(terms, indexedTerms(text))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(positions) == 0 {
			return nil
		}
		if _, err := pool.Exec(ctx, `UPDATE events e SET search = `+searchVector("x.terms")+`
			FROM unnest($1::bigint[], $2::text[]) AS x(pos, terms) WHERE e.pos = x.pos`, positions, terms); err != nil {
			return err
		}
	}
}

// indexNames fills the directory's name vectors (table.search, from the
// name column) where they are missing.
func indexNames(ctx context.Context, pool *pgxpool.Pool, table, name string) error {
	for {
		rows, err := pool.Query(ctx, `SELECT id, `+name+` FROM `+table+` WHERE search IS NULL ORDER BY id LIMIT 1000`)
		if err != nil {
			return err
		}
		var ids []int64
		var terms []string
		for rows.Next() {
			var id int64
			var text string
			if err := rows.Scan(&id, &text); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
			terms = append(terms, indexedTerms(text))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		if _, err := pool.Exec(ctx, `UPDATE `+table+` t SET search = `+searchVector("x.terms")+`
			FROM unnest($1::bigint[], $2::text[]) AS x(id, terms) WHERE t.id = x.id`, ids, terms); err != nil {
			return err
		}
	}
}

// likePrefix is a LIKE pattern for strings starting with p.
func likePrefix(p string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(p) + "%"
}

// SearchDirectory finds users and public chats by @username prefix or by
// the words of their names.
func (s *Store) SearchDirectory(ctx context.Context, prefix string, terms []string, limit int) ([]domain.User, []domain.Chat, error) {
	prefix = strings.ToLower(strings.TrimPrefix(prefix, "@"))
	if prefix == "" && len(terms) == 0 {
		return nil, nil, nil
	}
	var query any // NULL matches nothing
	if len(terms) > 0 {
		query = tsQuery(terms)
	}
	var pattern any
	if prefix != "" {
		pattern = likePrefix(prefix)
	}
	var users []domain.User
	var chats []domain.Chat
	b := &pgx.Batch{}
	// Username matches first, by username; then name matches (chats with
	// the most members first).
	b.Queue(`SELECT `+userCols+` FROM users
		WHERE username_lc LIKE $1 OR search @@ $2::tsquery
		ORDER BY COALESCE(username_lc LIKE $1, false) DESC, CASE WHEN username_lc LIKE $1 THEN username_lc END, id
		LIMIT $3`, pattern, query, limit).
		Query(func(rows pgx.Rows) error {
			var err error
			users, err = collect(scanUser)(rows, nil)
			return err
		})
	b.Queue(`SELECT `+chatCols+` FROM chats
		WHERE username_lc IS NOT NULL AND type <> 'direct' AND (username_lc LIKE $1 OR search @@ $2::tsquery)
		ORDER BY COALESCE(username_lc LIKE $1, false) DESC, CASE WHEN username_lc LIKE $1 THEN username_lc END,
			members DESC, id
		LIMIT $3`, pattern, query, limit).
		Query(func(rows pgx.Rows) error {
			var err error
			chats, err = collect(scanChat)(rows, nil)
			return err
		})
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return nil, nil, fmt.Errorf("search directory: %w", err)
	}
	return users, chats, nil
}

// SearchPublic finds live posts of public channels matching every term,
// whoever asks, best match first.
func (s *Store) SearchPublic(ctx context.Context, terms []string, limit, offset int) ([]domain.Event, error) {
	if len(terms) == 0 {
		return nil, nil
	}
	// The public channels are read first, into an array: joined as a
	// table, PostgreSQL underestimates them (it takes type and username as
	// independent) and runs the index search once per channel, measured
	// here 20 times slower over a million messages.
	q := `WITH recent AS (
			SELECT e.pos, e.search FROM events e
			WHERE e.chat_id = ANY(ARRAY(SELECT id FROM chats WHERE type = 'channel' AND username_lc IS NOT NULL))
				AND e.search @@ $1::tsquery AND e.type = 'message' AND NOT e.deleted
			ORDER BY e.pos DESC LIMIT $4),
		hits AS (SELECT pos, ts_rank(search, $1::tsquery) AS rank FROM recent ORDER BY rank DESC, pos DESC LIMIT $2 OFFSET $3)
		SELECT ` + eventCols + ` FROM events JOIN hits USING (pos) ORDER BY hits.rank DESC, pos DESC`
	rows, err := s.pool.Query(ctx, q, tsQuery(terms), limit, offset, max(domain.SearchWindow, offset+limit))
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Event, error) { return scanEvent(r) })
}
