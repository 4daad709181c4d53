package postgres

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
	_, err := s.w.do(ctx, 0, func(t *txn) error {
		if err := t.insertUser(&u); err != nil {
			return err
		}
		_, err := t.exec(`INSERT INTO bots(user_id, owner_id, token_hash, description, short_description, commands, privacy, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, u.ID, b.OwnerID, tokenHash, b.Description, b.ShortDescription,
			rowmap.JSON(rowmap.Commands(b.Commands)), b.Privacy, ms(t.now))
		return err
	})
	return u, err
}

func (s *Store) Bot(ctx context.Context, userID int64) (domain.Bot, error) {
	b, err := scanBot(s.pool.QueryRow(ctx, `SELECT `+botCols+` FROM bots WHERE user_id = $1`, userID))
	return b, notFound(err, "bot")
}

func (s *Store) BotByTokenHash(ctx context.Context, h []byte) (domain.Bot, error) {
	b, err := scanBot(s.pool.QueryRow(ctx, `SELECT `+botCols+` FROM bots WHERE token_hash = $1`, h))
	return b, notFound(err, "bot")
}

func (s *Store) BotsOf(ctx context.Context, ownerID int64) ([]domain.Bot, error) {
	return collect(scanBot)(s.pool.Query(ctx, `SELECT `+botCols+` FROM bots WHERE owner_id = $1 ORDER BY user_id`, ownerID))
}

func (s *Store) SetBotToken(ctx context.Context, botID int64, tokenHash []byte) error {
	_, err := s.pool.Exec(ctx, `UPDATE bots SET token_hash = $1 WHERE user_id = $2`, tokenHash, botID)
	return err
}

func (s *Store) UpdateBot(ctx context.Context, b domain.Bot) error {
	_, err := s.pool.Exec(ctx, `UPDATE bots SET description = $1, short_description = $2, commands = $3, privacy = $4 WHERE user_id = $5`,
		b.Description, b.ShortDescription, rowmap.JSON(rowmap.Commands(b.Commands)), b.Privacy, b.UserID)
	return err
}

func (s *Store) ConfirmUpdates(ctx context.Context, botID, offset int64, allowed []string) error {
	if allowed != nil {
		if _, err := s.pool.Exec(ctx, `UPDATE bots SET allowed_updates = $1 WHERE user_id = $2`, rowmap.JSON(allowed), botID); err != nil {
			return err
		}
	}
	_, err := s.pool.Exec(ctx, `UPDATE bots SET update_offset = $1 WHERE user_id = $2 AND update_offset < $1`, offset, botID)
	return err
}

func (s *Store) AppendPrivate(ctx context.Context, ev domain.Event) (domain.Event, error) {
	evs, err := s.w.do(ctx, ev.ChatID, func(t *txn) error { return t.appendPrivate(&ev) })
	if err != nil {
		return domain.Event{}, err
	}
	return evs[0], nil
}

func (s *Store) PrivateEvent(ctx context.Context, userID, pos int64) (domain.Event, error) {
	e, err := scanEventFor(s.pool.QueryRow(ctx, `SELECT `+userEventCols+` FROM user_events WHERE user_id = $1 AND pos = $2`, userID, pos))
	return e, notFound(err, "event")
}

func (s *Store) SetWebhook(ctx context.Context, botID int64, w domain.Webhook, allowed []string) error {
	if allowed != nil {
		if _, err := s.pool.Exec(ctx, `UPDATE bots SET allowed_updates = $1 WHERE user_id = $2`, rowmap.JSON(allowed), botID); err != nil {
			return err
		}
	}
	_, err := s.pool.Exec(ctx, `UPDATE bots SET webhook_url = $1, webhook_secret = $2, webhook_max_conn = $3, webhook_error_at = 0,
		webhook_error = '' WHERE user_id = $4`, w.URL, w.SecretToken, max(w.MaxConnections, 1), botID)
	return err
}

func (s *Store) WebhookFailed(ctx context.Context, botID int64, at time.Time, msg string) error {
	_, err := s.pool.Exec(ctx, `UPDATE bots SET webhook_error_at = $1, webhook_error = $2 WHERE user_id = $3`, ms(at), msg, botID)
	return err
}

func (s *Store) WebhookBots(ctx context.Context) ([]domain.Bot, error) {
	return collect(scanBot)(s.pool.Query(ctx, `SELECT `+botCols+` FROM bots WHERE webhook_url <> '' ORDER BY user_id`))
}

func (s *Store) LeaseWebhook(ctx context.Context, botID int64, node string, until, now time.Time) (bool, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE bots SET webhook_node = $1, webhook_lease = $2 WHERE user_id = $3 AND webhook_url <> ''
		AND (webhook_node = $1 OR webhook_lease < $4)`, node, ms(until), botID, ms(now))
	return tag.RowsAffected() == 1, err
}
