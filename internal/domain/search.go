package domain

import (
	"context"
	"unicode/utf8"

	"github.com/chapar/chapar/internal/textnorm"
)

// Search limits: a query is a few words; a page is at most 100 results, and
// paging stops at 1,000 (a search that needs more needs better words).
const (
	maxSearchQuery  = 256
	maxSearchTerms  = 16
	maxSearchLimit  = 100
	maxSearchOffset = 1000
)

// SearchMessages finds the messages matching every word of query in the
// chats the caller is a member of (or in chatID only), best match first.
// Words are folded the way messages were when indexed (textnorm), so ي
// finds ی, ك finds ک, ۱۲ finds 12 and "می‌روم" finds "میروم"; the last word
// also matches as a prefix.
func (s *Service) SearchMessages(ctx context.Context, userID int64, query string, chatID int64, limit, offset int) ([]Event, error) {
	if err := s.checkQuery(userID, query, limit, offset, maxSearchLimit); err != nil {
		return nil, err
	}
	terms := SearchTerms(query)
	if len(terms) == 0 {
		return nil, Invalid("q", "give at least one word")
	}
	if len(terms) > maxSearchTerms {
		terms = terms[:maxSearchTerms]
	}
	if chatID != 0 {
		if _, err := s.member(ctx, chatID, userID); err != nil {
			return nil, err
		}
	}
	return s.store.SearchMessages(ctx, userID, chatID, terms, limit, offset)
}

// SearchWindow is how many of the newest matches a search ranks: stores
// walk their index newest first and stop there, so that a common word
// costs no more than a rare one. Older matches are found with more words.
const SearchWindow = 1000

// maxTermRunes bounds a search term. Nobody searches for a longer word, and
// indexes have limits (PostgreSQL refuses lexemes over 2 KB): a longer word
// is indexed, and searched for, by its first maxTermRunes letters.
const maxTermRunes = 64

// SearchTerms is how text is split into search terms, for the index and
// for queries alike: folded (textnorm), each at most maxTermRunes long.
func SearchTerms(text string) []string {
	terms := textnorm.Terms(text)
	for i, t := range terms {
		if utf8.RuneCountInString(t) > maxTermRunes {
			terms[i] = string([]rune(t)[:maxTermRunes])
		}
	}
	return terms
}
