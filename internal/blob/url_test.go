package blob_test

import (
	"io"
	"strings"
	"testing"

	"github.com/chapar/chapar/internal/blob"
)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want blob.S3Config
	}{
		{"s3://ACCESS:SECRET@host:9000/bucket/prefix?region=us-east-1&secure=false&create=true",
			blob.S3Config{Endpoint: "host:9000", Region: "us-east-1", Bucket: "bucket", AccessKey: "ACCESS",
				SecretKey: "SECRET", Prefix: "prefix/", CreateBucket: true}},
		{"s3://a:b@minio.example.com/media",
			blob.S3Config{Endpoint: "minio.example.com", Bucket: "media", AccessKey: "a", SecretKey: "b", Secure: true}},
		{"s3://a:b@minio.example.com/media/",
			blob.S3Config{Endpoint: "minio.example.com", Bucket: "media", AccessKey: "a", SecretKey: "b", Secure: true}},
		{"s3://a:b@h:1/media/x/y.z/?secure=true&create=0",
			blob.S3Config{Endpoint: "h:1", Bucket: "media", AccessKey: "a", SecretKey: "b", Prefix: "x/y.z/", Secure: true}},
		{"s3://AKIA:wJal%2FrXU%2Bt%40x@h/b-1.2?secure=1",
			blob.S3Config{Endpoint: "h", Bucket: "b-1.2", AccessKey: "AKIA", SecretKey: "wJal/rXU+t@x", Secure: true}},
		{"s3://a:b@[::1]:9000/media?region=eu-west-3",
			blob.S3Config{Endpoint: "[::1]:9000", Region: "eu-west-3", Bucket: "media", AccessKey: "a", SecretKey: "b",
				Secure: true}},
	} {
		got, err := blob.ParseURL(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseURL(%q)\n = %#v, %v\nwant %#v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseURLBad(t *testing.T) {
	const secret = "S3CR3T"
	for _, in := range []string{
		"",
		"minio:9000/media",
		"http://a:S3CR3T@h/media",
		"s3:a:S3CR3T@h/media",
		"s3://h/media",
		"s3://a@h/media",
		"s3://:S3CR3T@h/media",
		"s3://a:@h/media",
		"s3://a:S3CR3T@/media",
		"s3://a:S3CR3T@:9000/media",
		"s3://a:S3CR3T@h",
		"s3://a:S3CR3T@h/",
		"s3://a:S3CR3T@h//media",
		"s3://a:S3CR3T@h/m",
		"s3://a:S3CR3T@h/bad..bucket",
		"s3://a:S3CR3T@h/media/x//y",
		"s3://a:S3CR3T@h/media/../x",
		"s3://a:S3CR3T@h/media/./x",
		"s3://a:S3CR3T@h:port/media",
		"s3://a:S3CR3T%zz@h/media",
		"s3://a:S3CR3T@h/media#x",
		"s3://a:S3CR3T@h/media?secure=maybe",
		"s3://a:S3CR3T@h/media?create=",
		"s3://a:S3CR3T@h/media?region=a&region=b",
		"s3://a:S3CR3T@h/media?regoin=us-east-1",
		"s3://a:S3CR3T@h/media?region=x;y",
	} {
		cfg, err := blob.ParseURL(in)
		if err == nil {
			t.Errorf("ParseURL(%q) = %+v; want an error", in, cfg)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("ParseURL(%q): the error shows the secret: %v", in, err)
		}
	}
}

// TestParseURLOpens goes from a URL to a working store.
func TestParseURLOpens(t *testing.T) {
	cfg, err := blob.ParseURL("s3://" + testAccess + ":" + testSecret + "@" + fakeS3(t) + "/" + testBucket +
		"/chapar?secure=false&create=true")
	if err != nil {
		t.Fatal(err)
	}
	s := newS3(t, cfg)
	if _, err := s.Put(t.Context(), "x", strings.NewReader("hello")); err != nil {
		t.Fatal(err)
	}
	rc, err := s.Open(t.Context(), "x", 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if b, err := io.ReadAll(rc); err != nil || string(b) != "ell" {
		t.Fatalf("read %q, %v", b, err)
	}
}
