package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/chapar/chapar/internal/api"
	"github.com/chapar/chapar/internal/bus"
	"github.com/chapar/chapar/internal/bus/natsbus"
	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/store/postgres"
	"github.com/chapar/chapar/internal/store/sqlite"
)

// backends are where a node keeps its data and how it hears about events:
// embedded SQLite and the in-process bus on one machine, or PostgreSQL and
// NATS when several nodes share the work.
type backends struct {
	store domain.Store
	bus   bus.Bus
	mode  string // "embedded", "postgres" or "cluster", for the log
	close func() // closes the bus, then the store, then the NATS connection
}

// forwarder is the store's publisher. The store must exist before a
// cluster bus (which reads missed events from it), and the bus before
// anything is published, so the store publishes through this, pointed at
// the bus once it exists. Nothing is published before: no request is
// served until both are open.
type forwarder struct{ to atomic.Pointer[bus.Bus] }

func (f *forwarder) Publish(evs []domain.Event) {
	if b := f.to.Load(); b != nil {
		(*b).Publish(evs)
	}
}

func openBackends(ctx context.Context, cfg serveConfig, log *slog.Logger, metrics *api.Metrics) (*backends, error) {
	if cfg.NATS != "" && cfg.Database == "" {
		return nil, errors.New("nats needs a shared database: give -database postgres://… too")
	}
	fwd := &forwarder{}
	be := &backends{}
	var pg *postgres.Store
	switch {
	case cfg.Database != "":
		var err error
		if pg, err = postgres.Open(ctx, cfg.Database, fwd, postgres.WithMetrics(metrics)); err != nil {
			return nil, fmt.Errorf("database: %w", err)
		}
		be.store, be.mode = pg, "postgres"
	default:
		if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
			return nil, fmt.Errorf("data folder: %w", err)
		}
		st, err := sqlite.Open(filepath.Join(cfg.Data, "chapar.db"), fwd, sqlite.Options{Metrics: metrics})
		if err != nil {
			return nil, err
		}
		be.store, be.mode = st, "embedded"
	}

	if cfg.NATS == "" {
		local := bus.NewLocal()
		be.bus = local
		be.close = func() {
			if err := be.store.Close(); err != nil {
				log.Warn("store close", "err", err)
			}
		}
	} else {
		nc, err := nats.Connect(cfg.NATS,
			nats.Name("chapar"),
			nats.MaxReconnects(-1),
			nats.ReconnectWait(500*time.Millisecond),
			// A stalled server must not hold a node's shutdown for a minute.
			nats.FlusherTimeout(5*time.Second),
			nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { log.Warn("nats disconnected", "err", err) }),
			nats.ReconnectHandler(func(c *nats.Conn) { log.Info("nats reconnected", "url", c.ConnectedUrlRedacted()) }),
		)
		if err != nil {
			be.store.Close()
			return nil, fmt.Errorf("nats: %w", err)
		}
		start, err := pg.LastPos(ctx)
		if err != nil {
			nc.Close()
			be.store.Close()
			return nil, err
		}
		backfill := func(ctx context.Context, after, upto int64) ([]domain.Event, error) {
			return pg.EventsBetween(ctx, after, upto, 1000)
		}
		nb, err := natsbus.New(nc, "chapar."+cfg.Cluster, backfill, pg.LastPos, start, natsbus.WithLogger(log), natsbus.WithMetrics(metrics))
		if err != nil {
			nc.Close()
			be.store.Close()
			return nil, err
		}
		be.bus, be.mode = nb, "cluster"
		be.close = func() {
			if err := nb.Close(); err != nil {
				log.Warn("bus close", "err", err)
			}
			if err := be.store.Close(); err != nil {
				log.Warn("store close", "err", err)
			}
			nc.Close()
		}
	}
	fwd.to.Store(&be.bus)
	return be, nil
}
