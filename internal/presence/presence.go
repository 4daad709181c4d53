// Package presence tells whether a user is online anywhere in a cluster.
//
// On one node the hub knows: a user is online while they have a
// connection. In a cluster, their connections may be on several nodes, so
// each node records in the shared database which users it holds
// (chapar_presence) and says every few seconds that it is alive
// (chapar_nodes). A user is online if this node holds them, or a node that
// is alive does. When a node's last connection of a user closes, the user
// has gone offline only if no other live node holds them — only then are
// their contacts told. A node that dies stops saying it is alive, and its
// users count as offline after NodeTTL.
package presence

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// NodeTTL is how long a node that has stopped saying it is alive still
// counts; it says so every NodeTTL/3.
const NodeTTL = 30 * time.Second

// Local is what this node knows: the hub.
type Local interface {
	Online(userID int64) bool
}

// Cluster is presence across nodes, on PostgreSQL.
type Cluster struct {
	pool  *pgxpool.Pool
	node  string
	local Local
	log   *slog.Logger

	stop chan struct{}
	done sync.WaitGroup
}

// New connects to the cluster's database (the schema is the PostgreSQL
// store's) and starts saying this node is alive.
func New(ctx context.Context, dsn string, local Local, log *slog.Logger) (*Cluster, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = 4
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	var b [8]byte
	rand.Read(b[:])
	c := &Cluster{pool: pool, node: hex.EncodeToString(b[:]), local: local, log: log, stop: make(chan struct{})}
	if err := c.beat(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	c.done.Add(1)
	go c.heartbeat()
	return c, nil
}

// Node is this node's id in the presence tables.
func (c *Cluster) Node() string { return c.node }

func (c *Cluster) beat(ctx context.Context) error {
	_, err := c.pool.Exec(ctx, `INSERT INTO chapar_nodes(node_id, seen_at) VALUES ($1, now())
		ON CONFLICT (node_id) DO UPDATE SET seen_at = now()`, c.node)
	return err
}

// heartbeat says the node is alive and clears out nodes long gone.
func (c *Cluster) heartbeat() {
	defer c.done.Done()
	t := time.NewTicker(NodeTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), NodeTTL/3)
		if err := c.beat(ctx); err != nil {
			c.log.Warn("presence heartbeat", "err", err)
		}
		// Rows of nodes dead for a while are only clutter by now.
		if _, err := c.pool.Exec(ctx, `WITH gone AS (DELETE FROM chapar_nodes WHERE seen_at < now() - $1::interval RETURNING node_id)
			DELETE FROM chapar_presence WHERE node_id IN (SELECT node_id FROM gone)`, (10 * NodeTTL).String()); err != nil {
			c.log.Warn("presence cleanup", "err", err)
		}
		cancel()
	}
}

// Online reports whether the user has a connection on this node or on any
// live node.
func (c *Cluster) Online(userID int64) bool {
	if c.local.Online(userID) {
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	on, err := c.elsewhere(ctx, userID)
	if err != nil {
		c.log.Warn("presence lookup", "user", userID, "err", err)
	}
	return on
}

func (c *Cluster) elsewhere(ctx context.Context, userID int64) (bool, error) {
	var on bool
	err := c.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM chapar_presence p JOIN chapar_nodes n USING (node_id)
		WHERE p.user_id = $1 AND p.node_id <> $2 AND n.seen_at > now() - $3::interval)`, userID, c.node, NodeTTL.String()).Scan(&on)
	return on, err
}

// Changed records that the user's first connection on this node opened
// (online) or its last one closed, and reports whether their contacts
// should be told: always when they come online, and when they go offline
// only if no other live node holds them.
func (c *Cluster) Changed(ctx context.Context, userID int64, online bool) (announce bool, err error) {
	if online {
		_, err = c.pool.Exec(ctx, `INSERT INTO chapar_presence(user_id, node_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, userID, c.node)
		return true, err
	}
	if _, err = c.pool.Exec(ctx, `DELETE FROM chapar_presence WHERE user_id = $1 AND node_id = $2`, userID, c.node); err != nil {
		return true, err
	}
	on, err := c.elsewhere(ctx, userID)
	return !on, err
}

// Close stops the heartbeat and takes this node's users off the record.
func (c *Cluster) Close() {
	close(c.stop)
	c.done.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.pool.Exec(ctx, `DELETE FROM chapar_presence WHERE node_id = $1`, c.node)
	c.pool.Exec(ctx, `DELETE FROM chapar_nodes WHERE node_id = $1`, c.node)
	c.pool.Close()
}
