package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/store/rowmap"
)

// Uploads and files (domain.FileStore).

const uploadCols = rowmap.UploadCols

func scanUpload(r rowScanner) (domain.Upload, error) { return rowmap.ScanUpload(r) }

func (s *Store) CreateUpload(ctx context.Context, u domain.Upload, maxOpen int, quota int64) (domain.Upload, error) {
	err := s.w.do(ctx, func(t *txn) error {
		var open int
		var pending, stored int64
		if err := t.queryRow(`SELECT count(*), coalesce(sum(length), 0) FROM uploads WHERE user_id = ?`, u.UserID).
			Scan(&open, &pending); err != nil {
			return err
		}
		if open >= maxOpen {
			return domain.Errorf(domain.KindRateLimited, "%d uploads are already in progress; finish or cancel one", open)
		}
		if err := t.queryRow(`SELECT coalesce(sum(size), 0) FROM files WHERE owner_id = ?`, u.UserID).Scan(&stored); err != nil {
			return err
		}
		if stored+pending+u.Length > quota {
			return domain.Errorf(domain.KindTooLarge, "this upload would pass your storage quota of %d bytes (%d used)", quota, stored+pending)
		}
		u.CreatedAt, u.Offset, u.Parts = t.now, 0, nil
		_, err := t.exec(`INSERT INTO uploads(`+uploadCols+`) VALUES (?, ?, ?, ?, ?, ?, 0, '[]', ?, ?, ?)`,
			u.ID, u.UserID, u.Kind, u.MIME, u.Name, u.Length, u.Hash, ms(t.now), u.Waveform)
		return err
	})
	return u, err
}

func (s *Store) Upload(ctx context.Context, id string) (domain.Upload, error) {
	u, err := scanUpload(s.read.QueryRowContext(ctx, `SELECT `+uploadCols+` FROM uploads WHERE id = ?`, id))
	return u, notFound(err, "upload")
}

func (s *Store) AdvanceUpload(ctx context.Context, u domain.Upload, from int64) (bool, error) {
	parts, err := json.Marshal(u.Parts)
	if err != nil {
		return false, err
	}
	var won bool
	err = s.w.do(ctx, func(t *txn) error {
		res, err := t.exec(`UPDATE uploads SET offset = ?, parts = ?, hash = ? WHERE id = ? AND offset = ?`,
			u.Offset, string(parts), u.Hash, u.ID, from)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		won = n == 1
		return err
	})
	return won, err
}

func (s *Store) DeleteUpload(ctx context.Context, id string) (domain.Upload, error) {
	var u domain.Upload
	err := s.w.do(ctx, func(t *txn) error {
		var err error
		u, err = scanUpload(t.queryRow(`SELECT `+uploadCols+` FROM uploads WHERE id = ?`, id))
		if err != nil {
			return notFound(err, "upload")
		}
		_, err = t.exec(`DELETE FROM uploads WHERE id = ?`, id)
		return err
	})
	return u, err
}

func (s *Store) StaleUploads(ctx context.Context, before time.Time, limit int) ([]domain.Upload, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+uploadCols+` FROM uploads WHERE created_at < ? ORDER BY created_at LIMIT ?`,
		ms(before), limit)
	return scanAll(rows, err, scanUpload)
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
	err = s.w.do(ctx, func(t *txn) error {
		res, err := t.exec(`DELETE FROM uploads WHERE id = ?`, uploadID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return cmpErr(err, domain.Errorf(domain.KindNotFound, "upload not found"))
		}
		f.CreatedAt = t.now
		_, err = t.exec(`INSERT INTO files(`+fileCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			f.ID, f.OwnerID, f.Kind, f.MIME, f.Name, f.Size, f.SHA256, f.Width, f.Height, f.Duration, f.Waveform,
			string(parts), string(thumbs), ms(t.now))
		return err
	})
	return f, err
}

// cmpErr is err if there is one, else alt.
func cmpErr(err, alt error) error {
	if err != nil {
		return err
	}
	return alt
}

func (s *Store) File(ctx context.Context, id string) (domain.File, error) {
	f, err := scanFile(s.read.QueryRowContext(ctx, `SELECT `+fileCols+` FROM files WHERE id = ?`, id))
	return f, notFound(err, "file")
}

func (s *Store) FileByContent(ctx context.Context, sha256 string, size int64) (domain.File, error) {
	f, err := scanFile(s.read.QueryRowContext(ctx,
		`SELECT `+fileCols+` FROM files WHERE sha256 = ? AND size = ? ORDER BY created_at LIMIT 1`, sha256, size))
	return f, notFound(err, "file")
}

func (s *Store) Secret(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	err := s.read.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v)
	if !errors.Is(err, sql.ErrNoRows) {
		return v, err
	}
	err = s.w.do(ctx, func(t *txn) error {
		fresh := make([]byte, 32)
		rand.Read(fresh)
		if _, err := t.exec(`INSERT INTO secrets(name, value) VALUES (?, ?) ON CONFLICT(name) DO NOTHING`, name, fresh); err != nil {
			return fmt.Errorf("insert secret: %w", err)
		}
		return t.queryRow(`SELECT value FROM secrets WHERE name = ?`, name).Scan(&v)
	})
	return v, err
}

func (s *Store) CanReadFile(ctx context.Context, userID int64, fileID string) (bool, error) {
	var may bool
	err := s.read.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM files WHERE id = ?1 AND owner_id = ?2)
		OR EXISTS(SELECT 1 FROM file_refs r JOIN chats c ON c.id = r.chat_id
			LEFT JOIN members m ON m.chat_id = r.chat_id AND m.user_id = ?2 AND m.left_seq = 0
			WHERE r.file_id = ?1 AND (m.user_id IS NOT NULL OR coalesce(c.username, '') <> ''))`, fileID, userID).Scan(&may)
	return may, err
}
