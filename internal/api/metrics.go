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
	}
	reg.MustRegister(m.sent, m.sockets, m.commitOps, m.commitTime,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

func registerSocketGauge(reg *prometheus.Registry, wss *ws.Server) {
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "chapar_websockets_open", Help: "Open WebSocket connections.",
	}, func() float64 { return float64(wss.Count()) }))
}

// Commit records one store commit (sqlite.Metrics).
func (m *Metrics) Commit(ops int, d time.Duration) {
	m.commitOps.Observe(float64(ops))
	m.commitTime.Observe(d.Seconds())
}
