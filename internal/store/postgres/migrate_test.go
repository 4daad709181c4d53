package postgres

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestMigrateConcurrently starts several nodes at once on an empty
// database: every one opens, and each migration is applied once.
func TestMigrateConcurrently(t *testing.T) {
	dsn := freshDB(t)
	const nodes = 4
	var wg sync.WaitGroup
	errs := make([]error, nodes)
	for i := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(context.Background(), dsn, nil)
			if err == nil {
				s.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
	}

	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	var want []int
	for _, m := range ms {
		want = append(want, m.version)
	}
	applied := func() (versions []int) {
		t.Helper()
		conn, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		rows, err := conn.Query(context.Background(), `SELECT version FROM chapar_schema_migrations ORDER BY version`)
		if err != nil {
			t.Fatal(err)
		}
		versions, err = pgx.CollectRows(rows, pgx.RowTo[int])
		if err != nil {
			t.Fatal(err)
		}
		var counters int
		if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM chapar_pos`).Scan(&counters); err != nil {
			t.Fatal(err)
		}
		if counters != 1 {
			t.Fatalf("%d position counters", counters)
		}
		return versions
	}
	// The primary key would refuse a second row for a version; the list
	// must also be complete.
	if got := applied(); !slices.Equal(got, want) {
		t.Fatalf("applied versions %v, want %v", got, want)
	}
	// Opening again applies nothing.
	s := openStore(t, dsn, nil)
	s.Close()
	if got := applied(); !slices.Equal(got, want) {
		t.Fatalf("after reopening: applied versions %v, want %v", got, want)
	}
}

func TestMigrationFiles(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || ms[0].version != 1 {
		t.Fatalf("migrations: %+v", ms)
	}
	for i, m := range ms {
		if m.version != i+1 {
			t.Errorf("migration %s: version %d, want %d (numbers run 1, 2, 3, … with no gap)", m.name, m.version, i+1)
		}
	}
}
