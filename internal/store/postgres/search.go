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
	q := `WITH hits AS (
			SELECT e.pos, ts_rank(e.search, $2::tsquery) AS rank FROM events e
			JOIN members m ON m.chat_id = e.chat_id AND m.user_id = $1 AND m.left_seq = 0
			WHERE e.search @@ $2::tsquery AND e.type = 'message' AND NOT e.deleted AND ($3 = 0 OR e.chat_id = $3)
			ORDER BY rank DESC, e.pos DESC LIMIT $4 OFFSET $5)
		SELECT ` + eventCols + ` FROM events JOIN hits USING (pos) ORDER BY hits.rank DESC, pos DESC`
	rows, err := s.pool.Query(ctx, q, userID, tsQuery(terms), chatID, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Event, error) { return scanEvent(r) })
}

// indexExisting fills the search column of messages stored before it
// existed (or copied in by "chapar migrate"), a thousand at a time.
func indexExisting(ctx context.Context, pool *pgxpool.Pool) error {
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
