package corpus

import (
	"slices"
	"testing"
	"time"

	"github.com/chapar/chapar/internal/domain"
)

// Scope is where a benchmark query searches.
type Scope int

const (
	Member  Scope = iota // every chat the searcher is a member of
	OneChat              // the searcher's busiest group only
	Public               // public channels' posts (SearchPublic)
)

// Query is one benchmark query, typed as a user would type it.
type Query struct {
	Name   string
	Text   string
	Scope  Scope
	Offset int
}

// Limit is the page size the benchmarks ask for (the API's default).
const Limit = 20

// common is a common word: about 2.5% of the messages hold it.
const common = "سلام"

// Queries are the benchmark's queries.
var Queries = []Query{
	{Name: "rare", Text: RareWord},
	{Name: "common", Text: common},
	{Name: "two-words", Text: "جلسه فردا"},
	// Arabic yeh and the non-joiner: folds to میخواهم, which senders wrote
	// as می‌خواهم, میخواهم or مي‌خواهم (and, with a space, misses).
	{Name: "persian-variants", Text: "مي" + zwnj + "خواهم"},
	// The last word matches as a prefix: خواب, خواست, خواهر, خواند, ...
	{Name: "prefix3", Text: "خوا"},
	{Name: "one-chat", Text: common, Scope: OneChat},
	{Name: "offset500", Text: common, Offset: 500},
	{Name: "public", Text: common, Scope: Public},
}

// Terms are q's search terms, as the domain makes them.
func (q Query) Terms() []string { return domain.SearchTerms(q.Text) }

// Measure runs search b.N times and reports, besides ns/op, the median
// and 99th percentile latency (nearest rank) and how many results the
// last search returned; matches (if not negative) is how many messages in
// the query's scope match it at all.
func Measure(b *testing.B, matches int64, search func() ([]domain.Event, error)) {
	durs := make([]time.Duration, 0, b.N)
	results := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := time.Now()
		evs, err := search()
		durs = append(durs, time.Since(t))
		if err != nil {
			b.Fatal(err)
		}
		results = len(evs)
	}
	b.StopTimer()
	slices.Sort(durs)
	b.ReportMetric(ms(Percentile(durs, 50)), "p50-ms")
	b.ReportMetric(ms(Percentile(durs, 99)), "p99-ms")
	b.ReportMetric(float64(results), "results")
	if matches >= 0 {
		b.ReportMetric(float64(matches), "matches")
	}
}

// Percentile is the p-th percentile of sorted durations, by nearest rank.
func Percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100 // ceil(n·p/100)
	return sorted[max(0, i-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
