package blob

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// ParseURL reads an S3 store's configuration from one string, such as
//
//	s3://ACCESS:SECRET@host:9000/bucket/prefix?region=us-east-1&secure=false&create=true
//
// whose parts are:
//   - ACCESS and SECRET, the access and secret keys, both required.
//     Percent-encode the characters a URL reserves; AWS secrets often hold
//     '/' (%2F) and sometimes '+' (%2B).
//   - host:port, the endpoint; without a port, 443 or 80 per secure.
//   - bucket, required. The rest of the path, if any, is the key prefix,
//     used as a directory: "bucket/chapar" gives prefix "chapar/".
//   - region (optional), the bucket's region; without it minio-go asks
//     the server.
//   - secure (default true): TLS; secure=false is plain HTTP.
//   - create (default false): create the bucket if it is missing.
//
// Any other parameter is an error, so a misspelt one is not silently
// ignored. Errors never quote the string, since it holds the secret.
func ParseURL(s string) (S3Config, error) {
	bad := func(why string) (S3Config, error) { return S3Config{}, errors.New("blob: bad s3 url: " + why) }
	u, err := url.Parse(s)
	if err != nil {
		// url.Error quotes the URL and an EscapeError a piece of it, which
		// may be the secret's.
		var uerr *url.Error
		var eerr url.EscapeError
		switch {
		case errors.As(err, &eerr):
			return bad("a bad %-escape")
		case errors.As(err, &uerr):
			return bad(uerr.Err.Error())
		}
		return bad("it does not parse")
	}
	if u.Scheme != "s3" || u.Opaque != "" {
		return bad(`want "s3://ACCESS:SECRET@host:port/bucket[/prefix][?options]"`)
	}
	if u.Fragment != "" {
		return bad("it has a #fragment")
	}
	secret, ok := u.User.Password() // a nil User gives no password
	if !ok || u.User.Username() == "" || secret == "" {
		return bad("it needs ACCESS:SECRET@ before the host")
	}
	if u.Hostname() == "" {
		return bad("it has no host")
	}
	cfg := S3Config{Endpoint: u.Host, AccessKey: u.User.Username(), SecretKey: secret, Secure: true}
	bucket, prefix, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	if err := s3utils.CheckValidBucketName(bucket); err != nil {
		return bad(err.Error())
	}
	cfg.Bucket = bucket
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	if err := checkPrefix(prefix); err != nil {
		return bad(err.Error())
	}
	cfg.Prefix = prefix
	query, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return bad("query: " + err.Error())
	}
	for name, values := range query {
		if len(values) != 1 {
			return bad(fmt.Sprintf("%s given %d times", name, len(values)))
		}
		v := values[0]
		switch name {
		case "region":
			cfg.Region = v
		case "secure":
			cfg.Secure, err = strconv.ParseBool(v)
		case "create":
			cfg.CreateBucket, err = strconv.ParseBool(v)
		default:
			return bad(fmt.Sprintf("unknown parameter %q (want region, secure or create)", name))
		}
		if err != nil {
			return bad(fmt.Sprintf("%s=%q is not true or false", name, v))
		}
	}
	return cfg, nil
}
