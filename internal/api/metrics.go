package api

import (
	"time"

	"github.com/chapar/chapar/internal/ws"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the server's Prometheus instruments.
type Metrics struct {
	sent       prometheus.Counter
	sockets    prometheus.Gauge
	commitOps  prometheus.Histogram
	commitTime prometheus.Histogram

	// the cluster bus (natsbus.Metrics)
	backfills   prometheus.Counter
	backfilled  prometheus.Counter
	busBuffered prometheus.Gauge
	busDropped  prometheus.Counter
}

// NewMetrics registers chapar's instruments (and the Go and process
// collectors) with reg.
func NewMetrics(reg *prometheus.Registry) *Metrics {
	m := &Metrics{
		sent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chapar_messages_sent_total", Help: "Messages accepted (acked after commit).",
		}),
		sockets: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "chapar_websockets_authenticated", Help: "WebSockets that have said hello.",
		}),
		commitOps: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "chapar_store_commit_ops", Help: "Writes committed together in one transaction (group commit).",
			Buckets: prometheus.ExponentialBuckets(1, 2, 11),
		}),
		commitTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "chapar_store_commit_seconds", Help: "Time to run and commit one batch of writes.",
			Buckets: prometheus.ExponentialBuckets(0.0002, 2, 14),
		}),
		backfills: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chapar_bus_backfills_total", Help: "Gaps in the cluster bus filled from the database.",
		}),
		backfilled: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chapar_bus_backfilled_events_total", Help: "Events delivered from the database instead of NATS.",
		}),
		busBuffered: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "chapar_bus_buffered_events", Help: "Events held back waiting for an earlier position.",
		}),
		busDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chapar_bus_dropped_total", Help: "Events or signals not published or buffered (a bound was reached).",
		}),
	}
	reg.MustRegister(m.sent, m.sockets, m.commitOps, m.commitTime, m.backfills, m.backfilled, m.busBuffered, m.busDropped,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

func registerSocketGauge(reg *prometheus.Registry, wss *ws.Server) {
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "chapar_websockets_open", Help: "Open WebSocket connections.",
	}, func() float64 { return float64(wss.Count()) }))
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "chapar_websockets_slow_closed_total", Help: "WebSockets cut off (4008) because the client read too slowly.",
	}, func() float64 { return float64(wss.SlowClosed()) }))
}

// Commit records one store commit (sqlite.Metrics).
func (m *Metrics) Commit(ops int, d time.Duration) {
	m.commitOps.Observe(float64(ops))
	m.commitTime.Observe(d.Seconds())
}

// Backfilled, Buffered and Dropped implement natsbus.Metrics.
func (m *Metrics) Backfilled(events int) { m.backfills.Inc(); m.backfilled.Add(float64(events)) }
func (m *Metrics) Buffered(events int)   { m.busBuffered.Set(float64(events)) }
func (m *Metrics) Dropped(n int)         { m.busDropped.Add(float64(n)) }
