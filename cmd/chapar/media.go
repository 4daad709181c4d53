package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/chapar/chapar/internal/blob"
	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/media"
)

// openMedia opens the media service over the node's store and its blob
// storage (a folder, or an S3 bucket), and starts the sweeper that drops
// uploads left unfinished for a day.
func openMedia(ctx context.Context, cfg serveConfig, st domain.Store, log *slog.Logger) (*media.Service, error) {
	files, ok := st.(domain.FileStore)
	if !ok {
		return nil, errors.New("this store keeps no files")
	}
	var blobs blob.Store
	if cfg.S3 != "" {
		s3cfg, err := blob.ParseURL(cfg.S3)
		if err != nil {
			return nil, fmt.Errorf("s3: %w", err)
		}
		if blobs, err = blob.NewS3(ctx, s3cfg); err != nil {
			return nil, fmt.Errorf("s3: %w", err) // the URL holds a secret: not logged
		}
	} else {
		dir := cfg.MediaDir
		if dir == "" {
			dir = filepath.Join(cfg.Data, "media")
		}
		if cfg.Database != "" && cfg.MediaDir == "" {
			log.Warn("media are kept in this node's own folder: in a cluster, set -s3 (or -media-dir to a folder every node shares)", "dir", dir)
		}
		local, err := blob.NewLocal(dir)
		if err != nil {
			return nil, fmt.Errorf("media folder: %w", err)
		}
		blobs = local
	}
	ms := media.New(media.Config{MaxFileSize: cfg.MaxFileSize, Quota: cfg.UploadQuota}, files, blobs, log)
	go func() {
		t := time.NewTicker(10 * time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				if n, err := ms.Sweep(ctx, now); err != nil || n > 0 {
					log.Info("dropped unfinished uploads", "count", n, "err", err)
				}
			}
		}
	}()
	return ms, nil
}
