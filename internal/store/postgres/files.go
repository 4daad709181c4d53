package postgres

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"time"

	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/store/rowmap"
	"github.com/jackc/pgx/v5"
)

// Uploads and files (domain.FileStore). They take no positions, so they
// are written straight through the pool rather than the event writer.

const uploadCols = rowmap.UploadCols

func scanUpload(r rowScanner) (domain.Upload, error) { return rowmap.ScanUpload(r) }

func (s *Store) CreateUpload(ctx context.Context, u domain.Upload, maxOpen int, quota int64) (domain.Upload, error) {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// One user's creations run one at a time, so two cannot both fit
		// in what is left of the quota.
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, u.UserID).Scan(&one); err != nil {
			return notFound(err, "user")
		}
		var open int
		var pending, stored int64
		if err := tx.QueryRow(ctx, `SELECT count(*), coalesce(sum(length), 0) FROM uploads WHERE user_id = $1`, u.UserID).
			Scan(&open, &pending); err != nil {
			return err
		}
		if open >= maxOpen {
			return domain.Errorf(domain.KindRateLimited, "%d uploads are already in progress; finish or cancel one", open)
		}
		if err := tx.QueryRow(ctx, `SELECT coalesce(sum(size), 0) FROM files WHERE owner_id = $1`, u.UserID).Scan(&stored); err != nil {
			return err
		}
		if stored+pending+u.Length > quota {
			return domain.Errorf(domain.KindTooLarge, "this upload would pass your storage quota of %d bytes (%d used)", quota, stored+pending)
		}
		u.CreatedAt, u.Offset, u.Parts = time.Now().UTC().Truncate(time.Millisecond), 0, nil
		_, err := tx.Exec(ctx, `INSERT INTO uploads(`+uploadCols+`) VALUES ($1, $2, $3, $4, $5, $6, 0, '[]', $7, $8, $9)`,
			u.ID, u.UserID, u.Kind, u.MIME, u.Name, u.Length, u.Hash, ms(u.CreatedAt), u.Waveform)
		return err
	})
	return u, err
}

func (s *Store) Upload(ctx context.Context, id string) (domain.Upload, error) {
	u, err := scanUpload(s.pool.QueryRow(ctx, `SELECT `+uploadCols+` FROM uploads WHERE id = $1`, id))
	return u, notFound(err, "upload")
}

func (s *Store) AdvanceUpload(ctx context.Context, u domain.Upload, from int64) (bool, error) {
	parts, err := json.Marshal(u.Parts)
	if err != nil {
		return false, err
	}
	tag, err := s.pool.Exec(ctx, `UPDATE uploads SET "offset" = $1, parts = $2, hash = $3 WHERE id = $4 AND "offset" = $5`,
		u.Offset, string(parts), u.Hash, u.ID, from)
	return tag.RowsAffected() == 1, err
}

func (s *Store) DeleteUpload(ctx context.Context, id string) (domain.Upload, error) {
	u, err := scanUpload(s.pool.QueryRow(ctx, `DELETE FROM uploads WHERE id = $1 RETURNING `+uploadCols, id))
	return u, notFound(err, "upload")
}

func (s *Store) StaleUploads(ctx context.Context, before time.Time, limit int) ([]domain.Upload, error) {
	return collect(scanUpload)(s.pool.Query(ctx,
		`SELECT `+uploadCols+` FROM uploads WHERE created_at < $1 ORDER BY created_at LIMIT $2`, ms(before), limit))
}

const fileCols = rowmap.FileCols

func scanFile(r rowScanner) (domain.File, error) { return rowmap.ScanFile(r) }

func (s *Store) FinishUpload(ctx context.Context, uploadID string, f domain.File) (domain.File, error) {
	parts, err := json.Marshal(f.Parts)
	if err != nil {
		return f, err
	}
	thumbs, err := json.Marshal(f.Thumbs)
	if err != nil {
		return f, err
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM uploads WHERE id = $1`, uploadID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return domain.Errorf(domain.KindNotFound, "upload not found")
		}
		f.CreatedAt = time.Now().UTC().Truncate(time.Millisecond)
		_, err = tx.Exec(ctx, `INSERT INTO files(`+fileCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
			f.ID, f.OwnerID, f.Kind, f.MIME, f.Name, f.Size, f.SHA256, f.Width, f.Height, f.Duration, f.Waveform,
			string(parts), string(thumbs), ms(f.CreatedAt))
		return err
	})
	return f, err
}

func (s *Store) File(ctx context.Context, id string) (domain.File, error) {
	f, err := scanFile(s.pool.QueryRow(ctx, `SELECT `+fileCols+` FROM files WHERE id = $1`, id))
	return f, notFound(err, "file")
}

func (s *Store) FileByContent(ctx context.Context, sha256 string, size int64) (domain.File, error) {
	f, err := scanFile(s.pool.QueryRow(ctx,
		`SELECT `+fileCols+` FROM files WHERE sha256 = $1 AND size = $2 ORDER BY created_at LIMIT 1`, sha256, size))
	return f, notFound(err, "file")
}

func (s *Store) Secret(ctx context.Context, name string) ([]byte, error) {
	fresh := make([]byte, 32)
	rand.Read(fresh)
	if _, err := s.pool.Exec(ctx, `INSERT INTO secrets(name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, fresh); err != nil {
		return nil, fmt.Errorf("insert secret: %w", err)
	}
	var v []byte
	err := s.pool.QueryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&v)
	return v, err
}

func (s *Store) CanReadFile(ctx context.Context, userID int64, fileID string) (bool, error) {
	var may bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS(SELECT 1 FROM files WHERE id = $1 AND owner_id = $2)
		OR EXISTS(SELECT 1 FROM file_refs r JOIN chats c ON c.id = r.chat_id
			LEFT JOIN members m ON m.chat_id = r.chat_id AND m.user_id = $2 AND m.left_seq = 0
			WHERE r.file_id = $1 AND (m.user_id IS NOT NULL OR coalesce(c.username, '') <> ''))`, fileID, userID).Scan(&may)
	return may, err
}
