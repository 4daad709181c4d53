package sqlite

import (
	"context"
	"time"

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

func (s *Store) AppendPrivate(ctx context.Context, ev domain.Event) (domain.Event, error) {
	err := s.w.do(ctx, func(t *txn) error { return t.appendPrivate(&ev) })
	return ev, err
}

func (s *Store) PrivateEvent(ctx context.Context, userID, pos int64) (domain.Event, error) {
	e, err := scanPrivate(s.read.QueryRowContext(ctx, `SELECT `+privateCols+` FROM user_events WHERE user_id = ? AND pos = ?`, userID, pos))
	return e, notFound(err, "event")
}

func (s *Store) SetWebhook(ctx context.Context, botID int64, w domain.Webhook, allowed []string) error {
	return s.w.do(ctx, func(t *txn) error {
		if allowed != nil {
			if _, err := t.exec(`UPDATE bots SET allowed_updates = ? WHERE user_id = ?`, rowmap.JSON(allowed), botID); err != nil {
				return err
			}
		}
		_, err := t.exec(`UPDATE bots SET webhook_url = ?, webhook_secret = ?, webhook_max_conn = ?, webhook_error_at = 0,
			webhook_error = '' WHERE user_id = ?`, w.URL, w.SecretToken, max(w.MaxConnections, 1), botID)
		return err
	})
}

func (s *Store) WebhookFailed(ctx context.Context, botID int64, at time.Time, msg string) error {
	return s.w.do(ctx, func(t *txn) error {
		_, err := t.exec(`UPDATE bots SET webhook_error_at = ?, webhook_error = ? WHERE user_id = ?`, ms(at), msg, botID)
		return err
	})
}

func (s *Store) WebhookBots(ctx context.Context) ([]domain.Bot, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+botCols+` FROM bots WHERE webhook_url <> '' ORDER BY user_id`)
	return scanAll(rows, err, scanBot)
}

func (s *Store) LeaseWebhook(ctx context.Context, botID int64, node string, until, now time.Time) (bool, error) {
	var won bool
	err := s.w.do(ctx, func(t *txn) error {
		res, err := t.exec(`UPDATE bots SET webhook_node = ?, webhook_lease = ? WHERE user_id = ? AND webhook_url <> ''
			AND (webhook_node = ? OR webhook_lease < ?)`, node, ms(until), botID, node, ms(now))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		won = n == 1
		return err
	})
	return won, err
}
