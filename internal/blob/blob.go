// Package blob keeps media as immutable objects (file parts and
// thumbnails) in a Store: files in a local directory (Local) or an
// S3-compatible bucket (S3). Package blobtest is the contract both pass.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Store keeps immutable objects by key. Keys are made by chapar, never by
// users, but are still validated (see CheckKey). Put to an existing key
// replaces it. A Store is safe for concurrent use.
type Store interface {
	// Put stores everything r yields until io.EOF under key and returns the
	// byte count. It streams: it never holds the whole object in memory.
	// If r fails or ctx ends, nothing new is stored under key (an earlier
	// object under key stays as it was) and the error is returned wrapped.
	Put(ctx context.Context, key string, r io.Reader) (int64, error)
	// Open reads length bytes from offset (length < 0: to the end). A range
	// running past the end is cut at the end, so offset == size gives an
	// empty reader. A missing key gives ErrNotFound; a negative offset or
	// one past the end gives ErrRange.
	Open(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error)
	// Size is the object's length, or ErrNotFound.
	Size(ctx context.Context, key string) (int64, error)
	// Delete removes key; a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// Both backends are Stores.
var (
	_ Store = (*Local)(nil)
	_ Store = (*S3)(nil)
)

// ErrNotFound is returned (wrapped) for a key that holds no object.
var ErrNotFound = errors.New("blob: not found")

// ErrBadKey is returned (wrapped) by every method for a key CheckKey refuses.
var ErrBadKey = errors.New("blob: bad key")

// ErrRange is returned (wrapped) by Open for a negative offset or one past
// the end, so a caller can answer "range not satisfiable".
var ErrRange = errors.New("blob: range out of bounds")

// MaxKeyLen is the longest key CheckKey accepts.
const MaxKeyLen = 200

// CheckKey returns nil for a valid key, else an error wrapping ErrBadKey.
// A key has 1–MaxKeyLen characters of [a-z0-9/._-] and is a relative,
// clean slash-separated path: no leading or trailing '/', no "//", no ".."
// anywhere and no "." element. Both backends rely on this: on disk a key is
// a path under the store's directory, and in S3 every such key is a plain,
// portable object name.
func CheckKey(key string) error {
	if key == "" || len(key) > MaxKeyLen || strings.Contains(key, "..") {
		return fmt.Errorf("%w %q", ErrBadKey, key)
	}
	for _, c := range []byte(key) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '/' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("%w %q", ErrBadKey, key)
		}
	}
	for elem := range strings.SplitSeq(key, "/") {
		if elem == "" || elem == "." {
			return fmt.Errorf("%w %q", ErrBadKey, key)
		}
	}
	return nil
}

// span checks a requested range against an object of size bytes and
// returns how many bytes it covers.
func span(offset, length, size int64) (int64, error) {
	if offset < 0 || offset > size {
		return 0, fmt.Errorf("%w: offset %d, size %d", ErrRange, offset, size)
	}
	if length < 0 || length > size-offset {
		return size - offset, nil
	}
	return length, nil
}

// ctxReader stops yielding once ctx is done, so a Put fed by a slow or
// endless reader ends soon after its caller gives up. (A Read that blocks
// forever still blocks: only the reader's owner can end that.)
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
