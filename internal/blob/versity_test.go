package blob_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/chapar/chapar/internal/blob"
	"github.com/chapar/chapar/internal/blob/blobtest"
)

// versityS3 starts a real S3 server (blobtest.Versity) for the test.
func versityS3(t *testing.T) string {
	t.Helper()
	addr, ok := blobtest.Versity(t, testAccess, testSecret)
	if !ok {
		t.Skip("versitygw is not installed: `make tools` installs it, `make test` runs these tests with it")
	}
	return addr
}

func TestS3Versity(t *testing.T) {
	t.Parallel()
	blobtest.Run(t, func(t *testing.T) blob.Store { return newS3(t, config(versityS3(t))) })
}

// TestS3VersityWrongSecretKey: a real S3 server refuses a request signed
// with the wrong secret key, and NewS3 says so without showing the key.
func TestS3VersityWrongSecretKey(t *testing.T) {
	t.Parallel()
	cfg := config(versityS3(t))
	newS3(t, cfg) // creates the bucket
	cfg.SecretKey = "wrong-secret-key"
	_, err := blob.NewS3(t.Context(), cfg)
	if err == nil {
		t.Fatal("NewS3 with a wrong secret key worked")
	}
	if strings.Contains(err.Error(), cfg.SecretKey) || strings.Contains(err.Error(), testSecret) {
		t.Errorf("the error shows a secret key: %v", err)
	}
	t.Logf("NewS3 with a wrong secret key: %v", err)
	cfg.SecretKey, cfg.AccessKey = testSecret, "nobody"
	if _, err := blob.NewS3(t.Context(), cfg); err == nil {
		t.Fatal("NewS3 with an unknown access key worked")
	}
}

// TestS3VersityLargeObject: an object larger than minio-go's single-PUT
// size goes up in parts (signed, not streamed) and reads back whole and
// in ranges.
func TestS3VersityLargeObject(t *testing.T) {
	t.Parallel()
	s := newS3(t, config(versityS3(t)))
	data := make([]byte, 20<<20)
	for i := range data {
		data[i] = byte(i * 7 / 13)
	}
	if n, err := s.Put(t.Context(), "big/one", bytes.NewReader(data)); err != nil || n != int64(len(data)) {
		t.Fatalf("Put: %d, %v", n, err)
	}
	for _, rg := range [][2]int64{{0, 1}, {5 << 20, 3 << 20}, {int64(len(data)) - 10, 10}} {
		r, err := s.Open(t.Context(), "big/one", rg[0], rg[1])
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		_, err = got.ReadFrom(r)
		r.Close()
		if err != nil || !bytes.Equal(got.Bytes(), data[rg[0]:rg[0]+rg[1]]) {
			t.Fatalf("range %v: %d bytes, %v", rg, got.Len(), err)
		}
	}
}
