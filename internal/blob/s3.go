package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config says where an S3 store is. Endpoint is "host:port", TLS per
// Secure; the bucket must exist unless CreateBucket is true; Prefix is
// prepended to every key (e.g. "chapar/"). ParseURL makes one from a
// configuration string.
type S3Config struct {
	Endpoint, Region, Bucket, AccessKey, SecretKey, Prefix string
	Secure, CreateBucket                                   bool
}

// String describes the config without the secret key, so that logging a
// config cannot leak it.
func (c S3Config) String() string {
	scheme := "http"
	if c.Secure {
		scheme = "https"
	}
	return fmt.Sprintf("s3 %s://%s/%s/%s (region %q, access key %q)", scheme, c.Endpoint, c.Bucket, c.Prefix,
		c.Region, c.AccessKey)
}

// S3 keeps objects in an S3-compatible bucket.
type S3 struct {
	core   minio.Core // Core, for a GetObject that fails at once on a missing key
	bucket string
	prefix string
}

const (
	// partSize is the part of a multipart upload, S3's minimum: a Put
	// holds one part in memory.
	partSize = 5 << 20
	// smallObject is how much Put reads before choosing how to upload:
	// an object that ends within it goes up in one request instead of the
	// three a multipart upload takes. Thumbnails and the empty object
	// (which some servers refuse as a multipart upload) take this path.
	smallObject = 1 << 20
)

// putOptions upload without streaming (aws-chunked) signatures, which
// minio-go uses by default over plain HTTP: some S3-compatible servers
// store the chunk framing in the object instead of decoding it (gofakes3
// v1.2.0 does, in multipart parts). Each request carries a Content-MD5
// instead, which the server checks. Over TLS minio-go never streams
// signatures anyway.
var putOptions = minio.PutObjectOptions{PartSize: partSize, DisableContentSha256: true, SendContentMd5: true}

// NewS3 connects to the bucket and checks it exists, creating it if
// cfg.CreateBucket, so a wrong endpoint, bucket or credentials fail here
// rather than at the first upload.
//
// Bucket lookup is minio-go's automatic one: path-style ("host/bucket/key")
// for every endpoint but AWS, Google and Aliyun, which take virtual-host
// style; self-hosted servers (MinIO, Garage, SeaweedFS, Ceph) all serve
// path-style.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		return nil, errors.New("blob: s3 needs an endpoint and a bucket")
	}
	if err := checkPrefix(cfg.Prefix); err != nil {
		return nil, fmt.Errorf("blob: s3: %w", err)
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:       cfg.Secure,
		Region:       cfg.Region,
		BucketLookup: minio.BucketLookupAuto,
	})
	if err != nil {
		return nil, fmt.Errorf("blob: %v: %w", cfg, err)
	}
	ok, err := client.BucketExists(ctx, cfg.Bucket)
	if minio.ToErrorResponse(err).StatusCode == http.StatusForbidden {
		// The check is a HEAD, whose answer has no body to say why.
		return nil, fmt.Errorf("blob: %v: wrong access or secret key, or no access to the bucket: %w", cfg, err)
	} else if err != nil {
		return nil, fmt.Errorf("blob: %v: %w", cfg, err)
	}
	if !ok && !cfg.CreateBucket {
		return nil, fmt.Errorf("blob: %v: bucket %q does not exist", cfg, cfg.Bucket)
	}
	if !ok {
		err := client.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region})
		if err != nil && minio.ToErrorResponse(err).Code != minio.BucketAlreadyOwnedByYou {
			return nil, fmt.Errorf("blob: %v: creating the bucket: %w", cfg, err)
		}
	}
	return &S3{core: minio.Core{Client: client}, bucket: cfg.Bucket, prefix: cfg.Prefix}, nil
}

// checkPrefix refuses a prefix that would make object names with empty,
// "." or ".." elements; a trailing '/' is the usual form.
func checkPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	for elem := range strings.SplitSeq(strings.TrimSuffix(prefix, "/"), "/") {
		if elem == "" || elem == "." || elem == ".." {
			return fmt.Errorf(`prefix %q has an empty, "." or ".." element`, prefix)
		}
	}
	return nil
}

// Put uploads r: in one request if it ends within smallObject bytes, else
// as a multipart upload of partSize parts, which minio-go aborts if r or
// the upload fails; S3 shows an object only once its upload completes.
func (s *S3) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	if err := CheckKey(key); err != nil {
		return 0, err
	}
	r = ctxReader{ctx, r}
	var head bytes.Buffer // grows with what r yields: a small object takes little memory
	n, err := io.CopyN(&head, r, smallObject)
	var info minio.UploadInfo
	switch err { // any other error is r's (or ctx's)
	case io.EOF:
		info, err = s.core.Client.PutObject(ctx, s.bucket, s.prefix+key, bytes.NewReader(head.Bytes()), n, putOptions)
	case nil:
		info, err = s.core.Client.PutObject(ctx, s.bucket, s.prefix+key, io.MultiReader(&head, r), -1, putOptions)
	}
	if err != nil {
		return 0, fmt.Errorf("blob: put %s: %w", key, err)
	}
	return info.Size, nil
}

// Open gets the range in one request. S3 refuses a range starting at the
// end ("not satisfiable"), which the Store contract allows, so on that
// answer Open asks for the size to tell "at the end" from "past it".
func (s *S3) Open(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	if offset < 0 || length == 0 {
		size, err := s.Size(ctx, key)
		if err != nil {
			return nil, err
		}
		if _, err := span(offset, length, size); err != nil {
			return nil, fmt.Errorf("blob: open %s: %w", key, err)
		}
		return io.NopCloser(strings.NewReader("")), nil
	}
	var opts minio.GetObjectOptions
	var err error
	switch {
	case length > 0 && length <= math.MaxInt64-offset: // else offset+length overflows: to the end
		err = opts.SetRange(offset, offset+length-1)
	case offset > 0:
		err = opts.SetRange(offset, 0) // "bytes=offset-"
	}
	if err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", key, err)
	}
	body, _, _, err := s.core.GetObject(ctx, s.bucket, s.prefix+key, opts)
	if err == nil {
		return body, nil
	}
	switch minio.ToErrorResponse(err).Code {
	case minio.NoSuchKey:
		return nil, fmt.Errorf("%w: %s", ErrNotFound, key)
	case minio.InvalidRange:
		size, serr := s.Size(ctx, key)
		if serr != nil {
			return nil, serr
		}
		if _, serr := span(offset, length, size); serr != nil {
			return nil, fmt.Errorf("blob: open %s: %w", key, serr)
		}
		if offset == size {
			return io.NopCloser(strings.NewReader("")), nil
		}
	}
	return nil, fmt.Errorf("blob: open %s: %w", key, err)
}

// Size asks for the object's metadata.
func (s *S3) Size(ctx context.Context, key string) (int64, error) {
	if err := CheckKey(key); err != nil {
		return 0, err
	}
	info, err := s.core.Client.StatObject(ctx, s.bucket, s.prefix+key, minio.StatObjectOptions{})
	if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
		return 0, fmt.Errorf("%w: %s", ErrNotFound, key)
	} else if err != nil {
		return 0, fmt.Errorf("blob: size %s: %w", key, err)
	}
	return info.Size, nil
}

// Delete removes the object; S3 answers success for a missing one.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	if err := s.core.Client.RemoveObject(ctx, s.bucket, s.prefix+key, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}
