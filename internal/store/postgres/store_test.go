package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/store/storetest"
	"github.com/jackc/pgx/v5"
)

// These tests need a real PostgreSQL: CHAPAR_TEST_POSTGRES_DSN, by default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable. Each test gets
// its own new database, dropped when it ends, so runs never collide. If the
// server cannot be reached the tests fail; set CHAPAR_TEST_POSTGRES=off to
// skip them instead.

const defaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func adminDSN() string {
	if dsn := os.Getenv("CHAPAR_TEST_POSTGRES_DSN"); dsn != "" {
		return dsn
	}
	return defaultDSN
}

// freshDB creates an empty database for the test and returns its address.
func freshDB(tb testing.TB) string {
	tb.Helper()
	if os.Getenv("CHAPAR_TEST_POSTGRES") == "off" {
		tb.Skip("CHAPAR_TEST_POSTGRES=off: skipping the PostgreSQL tests")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, adminDSN())
	if err != nil {
		tb.Fatalf("PostgreSQL is not reachable at %s (set CHAPAR_TEST_POSTGRES=off to skip these tests): %v", adminDSN(), err)
	}
	defer admin.Close(ctx)
	var b [8]byte
	rand.Read(b[:])
	name := "chapar_t_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin, err := pgx.Connect(ctx, adminDSN())
		if err != nil {
			tb.Errorf("drop test database %s: %v", name, err)
			return
		}
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("drop test database %s: %v", name, err)
		}
	})
	return withDatabase(tb, adminDSN(), name)
}

// withDatabase returns dsn pointing at database name instead.
func withDatabase(tb testing.TB, dsn, name string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			tb.Fatalf("parse %s: %v", dsn, err)
		}
		u.Path = "/" + name
		return u.String()
	}
	return dsn + " dbname=" + name // key=value form: the last value wins
}

// openStore opens a store on dsn, closed when the test ends.
func openStore(tb testing.TB, dsn string, pub domain.Publisher) *Store {
	tb.Helper()
	s, err := Open(context.Background(), dsn, pub)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, pub domain.Publisher) domain.Store {
		return openStore(t, freshDB(t), pub)
	})
}
