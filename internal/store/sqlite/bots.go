package sqlite

import (
	"context"

	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/store/rowmap"
)

// Bots (domain.BotStore).

const botCols = rowmap.BotCols

func scanBot(r rowScanner) (domain.Bot, error) { return rowmap.ScanBot(r) }

func (s *Store) CreateBot(ctx context.Context, u domain.User, b domain.Bot, tokenHash []byte) (domain.User, error) {
	err := s.w.do(ctx, func(t *txn) error {
		if err := t.insertUser(&u); err != nil {
			return err
		}
		_, err := t.exec(`INSERT INTO bots(user_id, owner_id, token_hash, description, short_description, commands, privacy, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, u.ID, b.OwnerID, tokenHash, b.Description, b.ShortDescription,
			rowmap.JSON(rowmap.Commands(b.Commands)), b.Privacy, ms(t.now))
		return err
	})
	return u, err
}

func (s *Store) Bot(ctx context.Context, userID int64) (domain.Bot, error) {
	b, err := scanBot(s.read.QueryRowContext(ctx, `SELECT `+botCols+` FROM bots WHERE user_id = ?`, userID))
	return b, notFound(err, "bot")
}

func (s *Store) BotByTokenHash(ctx context.Context, h []byte) (domain.Bot, error) {
	b, err := scanBot(s.read.QueryRowContext(ctx, `SELECT `+botCols+` FROM bots WHERE token_hash = ?`, h))
	return b, notFound(err, "bot")
}

func (s *Store) BotsOf(ctx context.Context, ownerID int64) ([]domain.Bot, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+botCols+` FROM bots WHERE owner_id = ? ORDER BY user_id`, ownerID)
	return scanAll(rows, err, scanBot)
}

func (s *Store) SetBotToken(ctx context.Context, botID int64, tokenHash []byte) error {
	return s.w.do(ctx, func(t *txn) error {
		_, err := t.exec(`UPDATE bots SET token_hash = ? WHERE user_id = ?`, tokenHash, botID)
		return err
	})
}

func (s *Store) UpdateBot(ctx context.Context, b domain.Bot) error {
	return s.w.do(ctx, func(t *txn) error {
		_, err := t.exec(`UPDATE bots SET description = ?, short_description = ?, commands = ?, privacy = ? WHERE user_id = ?`,
			b.Description, b.ShortDescription, rowmap.JSON(rowmap.Commands(b.Commands)), b.Privacy, b.UserID)
		return err
	})
}

func (s *Store) ConfirmUpdates(ctx context.Context, botID, offset int64, allowed []string) error {
	return s.w.do(ctx, func(t *txn) error {
		if allowed != nil {
			if _, err := t.exec(`UPDATE bots SET allowed_updates = ? WHERE user_id = ?`, rowmap.JSON(allowed), botID); err != nil {
				return err
			}
		}
		_, err := t.exec(`UPDATE bots SET update_offset = ? WHERE user_id = ? AND update_offset < ?`, offset, botID, offset)
		return err
	})
}
