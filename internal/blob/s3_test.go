package blob_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/chapar/chapar/internal/blob"
	"github.com/chapar/chapar/internal/blob/blobtest"
)

const (
	testBucket = "media"
	testAccess = "chapar-test"
	testSecret = "chapar-test-secret"
)

// fakeS3 starts gofakes3 in process and returns its "host:port". It does
// not check signatures (versity_test.go runs the same contract against a
// server that does); it checks the requests' shape instead. Every
// request must be path-style and must not use streaming (aws-chunked)
// signatures: gofakes3 keeps the chunk framing inside a multipart upload's
// parts instead of decoding it.
func fakeS3(t *testing.T) string {
	t.Helper()
	fake := gofakes3.New(s3mem.New()).Server()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" && r.URL.Path != "/"+testBucket && !strings.HasPrefix(r.URL.Path, "/"+testBucket+"/") {
			t.Errorf("%s %s: not a path-style request for bucket %q", r.Method, r.URL, testBucket)
		}
		if sha := r.Header.Get("X-Amz-Content-Sha256"); strings.HasPrefix(sha, "STREAMING-") {
			t.Errorf("%s %s: streaming signature %s", r.Method, r.URL, sha)
		}
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// config is a config for the fake at endpoint.
func config(endpoint string) blob.S3Config {
	return blob.S3Config{Endpoint: endpoint, Region: "us-east-1", Bucket: testBucket, AccessKey: testAccess,
		SecretKey: testSecret, Prefix: "chapar/", CreateBucket: true}
}

func newS3(t *testing.T, cfg blob.S3Config) *blob.S3 {
	t.Helper()
	s, err := blob.NewS3(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestS3(t *testing.T) {
	t.Parallel()
	blobtest.Run(t, func(t *testing.T) blob.Store { return newS3(t, config(fakeS3(t))) })
}

// TestS3Prefix checks where objects land, with a plain minio-go client.
func TestS3Prefix(t *testing.T) {
	endpoint := fakeS3(t)
	raw, err := minio.New(endpoint, &minio.Options{Creds: credentials.NewStaticV4(testAccess, testSecret, ""),
		Region: "us-east-1", BucketLookup: minio.BucketLookupPath})
	if err != nil {
		t.Fatal(err)
	}
	for _, prefix := range []string{"chapar/", ""} {
		cfg := config(endpoint)
		cfg.Prefix = prefix
		s := newS3(t, cfg)
		if _, err := s.Put(t.Context(), "a/b", strings.NewReader("prefixed "+prefix)); err != nil {
			t.Fatal(err)
		}
		obj, err := raw.GetObject(t.Context(), testBucket, prefix+"a/b", minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(obj)
		obj.Close()
		if err != nil || string(b) != "prefixed "+prefix {
			t.Errorf("object %q = %q, %v", prefix+"a/b", b, err)
		}
	}
}

func TestS3Bucket(t *testing.T) {
	cfg := config(fakeS3(t))
	cfg.CreateBucket = false
	if _, err := blob.NewS3(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("NewS3 without the bucket: %v; want an error", err)
	}
	cfg.CreateBucket = true
	newS3(t, cfg) // creates it
	newS3(t, cfg) // finds it
	cfg.CreateBucket = false
	newS3(t, cfg)
}

func TestS3BadConfig(t *testing.T) {
	endpoint := fakeS3(t)
	for _, change := range []func(*blob.S3Config){
		func(c *blob.S3Config) { c.Endpoint = "" },
		func(c *blob.S3Config) { c.Bucket = "" },
		func(c *blob.S3Config) { c.Bucket = "x" },
		func(c *blob.S3Config) { c.Prefix = "/chapar/" },
		func(c *blob.S3Config) { c.Prefix = "a//b/" },
		func(c *blob.S3Config) { c.Prefix = "../" },
	} {
		cfg := config(endpoint)
		change(&cfg)
		if _, err := blob.NewS3(t.Context(), cfg); err == nil {
			t.Errorf("NewS3(%+v) worked", cfg)
		}
	}
}

// TestS3RefusedCredentials: a server that refuses the signature (as S3
// does for a wrong secret key) makes NewS3 fail, without the secret in
// the error. The server is a stub that refuses every request.
func TestS3RefusedCredentials(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code>`+
			`<Message>The request signature we calculated does not match the signature you provided.</Message></Error>`)
	}))
	defer srv.Close()
	cfg := config(strings.TrimPrefix(srv.URL, "http://"))
	_, err := blob.NewS3(t.Context(), cfg)
	if err == nil {
		t.Fatal("NewS3 worked against a server refusing every request")
	}
	if strings.Contains(err.Error(), testSecret) {
		t.Errorf("the error shows the secret key: %v", err)
	}
	if requests.Load() == 0 {
		t.Error("NewS3 sent no request")
	}
	t.Logf("NewS3: %v", err)
}

func TestS3ConfigStringHidesSecret(t *testing.T) {
	cfg := config("example.com:9000")
	for _, s := range []string{cfg.String(), fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprint(&cfg)} {
		if strings.Contains(s, testSecret) {
			t.Errorf("%q shows the secret key", s)
		}
	}
}

func TestS3OpenNotFoundIsNotRange(t *testing.T) {
	s := newS3(t, config(fakeS3(t)))
	if _, err := s.Open(t.Context(), "missing", 10, 5); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Open(missing, range): %v; want ErrNotFound", err)
	}
}
