package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// serverStats are the figures read from one server's GET /metrics.
// A metric the server does not expose is NaN.
type serverStats struct {
	rss, cpu, heapInuse, stackInuse, wsOpen float64
}

// metricNames are the unlabelled metrics scrape looks for.
var metricNames = map[string]func(*serverStats) *float64{
	"process_resident_memory_bytes":   func(s *serverStats) *float64 { return &s.rss },
	"process_cpu_seconds_total":       func(s *serverStats) *float64 { return &s.cpu },
	"go_memstats_heap_inuse_bytes":    func(s *serverStats) *float64 { return &s.heapInuse },
	"go_memstats_stack_inuse_bytes":   func(s *serverStats) *float64 { return &s.stackInuse },
	"chapar_websockets_open":          func(s *serverStats) *float64 { return &s.wsOpen },
	"chapar_websockets_authenticated": nil, // known, not used
}

var metricsClient = &http.Client{Timeout: 10 * time.Second}

// scrape reads one server's metrics.
func scrape(ctx context.Context, base string) (serverStats, error) {
	nan := math.NaN()
	st := serverStats{nan, nan, nan, nan, nan}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/metrics", nil)
	if err != nil {
		return st, err
	}
	resp, err := metricsClient.Do(req)
	if err != nil {
		return st, fmt.Errorf("metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("metrics: %s answered %s", base, resp.Status)
	}
	return parseMetrics(resp.Body, st)
}

// parseMetrics reads the metrics it knows from Prometheus text format.
func parseMetrics(r io.Reader, st serverStats) (serverStats, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		field := metricNames[f[0]]
		if field == nil {
			continue
		}
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			return st, fmt.Errorf("metrics: %s: %w", f[0], err)
		}
		*field(&st) = v
	}
	return st, sc.Err()
}

// scrapeAll reads every server's metrics; a server that fails is NaN.
func (b *bench) scrapeAll(ctx context.Context) []serverStats {
	out := make([]serverStats, len(b.servers))
	for i, s := range b.servers {
		st, err := scrape(ctx, s)
		if err != nil {
			b.errs.add(err)
		}
		out[i] = st
	}
	return out
}

// sum adds one field over the servers (NaN if any is missing).
func sum(sts []serverStats, field func(serverStats) float64) float64 {
	var t float64
	for _, s := range sts {
		t += field(s)
	}
	return t
}

func rssOf(s serverStats) float64 { return s.rss }
func cpuOf(s serverStats) float64 { return s.cpu }

// mb converts bytes to MiB, to a tenth; NaN stays NaN.
func mb(bytes float64) float64 { return math.Round(bytes/(1<<20)*10) / 10 }

// rssEach is each server's RSS in MiB.
func rssEach(sts []serverStats) []float64 {
	out := make([]float64, len(sts))
	for i, s := range sts {
		out[i] = mb(s.rss)
	}
	return out
}

// settleRSS waits (at most max) until the servers' total RSS stops
// moving — after registrations, argon2's memory is being handed back — and
// returns the last reading.
func (b *bench) settleRSS(ctx context.Context, most time.Duration) []serverStats {
	deadline := time.Now().Add(most)
	prev := b.scrapeAll(ctx)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(time.Second)
		cur := b.scrapeAll(ctx)
		if d := math.Abs(sum(cur, rssOf) - sum(prev, rssOf)); d < 512<<10 || math.IsNaN(d) {
			return cur
		}
		prev = cur
	}
	return prev
}

// cpuTime is this process's CPU time so far (user + system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
