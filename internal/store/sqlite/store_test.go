package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, pub domain.Publisher) domain.Store {
		s, err := Open(filepath.Join(t.TempDir(), "chapar.db"), pub, Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
