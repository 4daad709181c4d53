package postgres

import (
	"context"

	"github.com/chapar/chapar/internal/domain"
)

func (s *Store) Bans(ctx context.Context, chatID int64, limit int) ([]domain.Member, error) {
	return collect(scanMember)(s.pool.Query(ctx, `SELECT `+memberCols+` FROM members
		WHERE chat_id = $1 AND role = 'banned' ORDER BY user_id LIMIT $2`, chatID, limit))
}
