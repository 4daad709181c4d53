// Package blobtest is the contract every blob.Store backend must pass. A
// backend's test calls Run with a function that opens a fresh, empty store;
// the same tests then run against every backend.
package blobtest

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chapar/chapar/internal/blob"
)

// Run runs the contract against stores made by open, a fresh one for each
// subtest. The subtests run in parallel, so open is called concurrently;
// it registers any cleanup with t.
func Run(t *testing.T, open func(t *testing.T) blob.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s blob.Store)
	}{
		{"RoundTripAndRanges", testRanges},
		{"Empty", testEmpty},
		{"Replace", testReplace},
		{"Delete", testDelete},
		{"NotFound", testNotFound},
		{"BadKeys", testBadKeys},
		{"GoodKeys", testGoodKeys},
		{"FailingReader", testFailingReader},
		{"Large", testLarge},
		{"Concurrent", testConcurrent},
		{"Cancel", testCancel},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

// pattern is deterministic content that can be made from any offset
// without holding it: the AES-CTR key stream of a key made from seed. (AES
// rather than a hash loop in Go, which is slow under the race detector.)
type pattern struct {
	seed      uint64
	off, size int64
	chunk     int // most bytes a Read yields; 0: no limit
}

// at returns the n bytes of content from offset off.
func (p pattern) at(off, n int64) []byte {
	q := p
	q.off, q.size, q.chunk = off, off+n, 0
	b := make([]byte, n)
	q.Read(b)
	return b
}

func (p *pattern) Read(b []byte) (int, error) {
	if p.off >= p.size {
		return 0, io.EOF
	}
	n := int(min(int64(len(b)), p.size-p.off))
	if p.chunk > 0 {
		n = min(n, p.chunk)
	}
	var key, iv, skip [16]byte
	binary.LittleEndian.PutUint64(key[:], p.seed)
	block, err := aes.NewCipher(key[:])
	if err != nil {
		panic(err)
	}
	binary.BigEndian.PutUint64(iv[8:], uint64(p.off/16))
	stream := cipher.NewCTR(block, iv[:])
	stream.XORKeyStream(skip[:p.off%16], skip[:p.off%16])
	clear(b[:n])
	stream.XORKeyStream(b[:n], b[:n])
	p.off += int64(n)
	return n, nil
}

// content returns n bytes of pattern seeded with seed.
func content(seed uint64, n int64) []byte { return pattern{seed: seed}.at(0, n) }

// put stores b under key and checks the count.
func put(t *testing.T, s blob.Store, key string, b []byte) {
	t.Helper()
	n, err := s.Put(t.Context(), key, bytes.NewReader(b))
	if err != nil || n != int64(len(b)) {
		t.Fatalf("Put(%q, %d bytes) = %d, %v", key, len(b), n, err)
	}
}

// read returns what Open(key, offset, length) yields.
func read(t *testing.T, s blob.Store, key string, offset, length int64) ([]byte, error) {
	t.Helper()
	rc, err := s.Open(t.Context(), key, offset, length)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading %q [%d, %+d): %v", key, offset, length, err)
	}
	return b, nil
}

// check fails unless key holds exactly want, by Size and by Open.
func check(t *testing.T, s blob.Store, key string, want []byte) {
	t.Helper()
	if n, err := s.Size(t.Context(), key); err != nil || n != int64(len(want)) {
		t.Fatalf("Size(%q) = %d, %v; want %d", key, n, err, len(want))
	}
	got, err := read(t, s, key, 0, -1)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("Open(%q) = %d bytes, %v; want %d bytes (equal: %v)", key, len(got), err, len(want),
			bytes.Equal(got, want))
	}
}

// checkGone fails unless key holds nothing, for Open and Size alike.
func checkGone(t *testing.T, s blob.Store, key string) {
	t.Helper()
	if _, err := s.Open(t.Context(), key, 0, -1); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Open(%q): %v; want ErrNotFound", key, err)
	}
	if _, err := s.Size(t.Context(), key); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Size(%q): %v; want ErrNotFound", key, err)
	}
}

func testRanges(t *testing.T, s blob.Store) {
	const size = 10_000
	data := content(1, size)
	put(t, s, "media/r/one", data)
	check(t, s, "media/r/one", data)
	for _, r := range []struct{ off, length, from, to int64 }{
		{0, -1, 0, size},
		{0, size, 0, size},
		{0, 1, 0, 1},
		{10, 20, 10, 30},
		{4096, 4096, 4096, 8192},
		{size - 1, -1, size - 1, size},
		{size - 1, 1, size - 1, size},
		{7, 0, 7, 7},
		{0, 0, 0, 0},
		{size, -1, size, size}, // at the end: empty, not an error
		{size, 0, size, size},
		{size, 10, size, size},
		{size - 5, 100, size - 5, size}, // cut at the end
		{100, size, 100, size},
		{0, math.MaxInt64, 0, size},
		{10, math.MaxInt64, 10, size}, // offset+length overflows
	} {
		got, err := read(t, s, "media/r/one", r.off, r.length)
		if err != nil || !bytes.Equal(got, data[r.from:r.to]) {
			t.Errorf("Open(offset %d, length %d) = %d bytes, %v; want bytes [%d, %d)", r.off, r.length,
				len(got), err, r.from, r.to)
		}
	}
	for _, r := range []struct{ off, length int64 }{{size + 1, -1}, {size + 1, 0}, {size + 1, 1}, {1 << 40, -1}, {-1, -1}, {-1, 0}} {
		if _, err := read(t, s, "media/r/one", r.off, r.length); !errors.Is(err, blob.ErrRange) {
			t.Errorf("Open(offset %d, length %d): %v; want ErrRange", r.off, r.length, err)
		}
	}
}

func testEmpty(t *testing.T, s blob.Store) {
	put(t, s, "empty", nil)
	check(t, s, "empty", nil)
	for _, r := range [][2]int64{{0, 0}, {0, 1}, {0, -1}} {
		if got, err := read(t, s, "empty", r[0], r[1]); err != nil || len(got) != 0 {
			t.Errorf("Open(offset %d, length %d) = %q, %v; want nothing", r[0], r[1], got, err)
		}
	}
	if _, err := read(t, s, "empty", 1, -1); !errors.Is(err, blob.ErrRange) {
		t.Errorf("Open(offset 1): %v; want ErrRange", err)
	}
}

func testReplace(t *testing.T, s blob.Store) {
	put(t, s, "a/b", content(2, 3000))
	put(t, s, "a/b", []byte("shorter"))
	check(t, s, "a/b", []byte("shorter"))
	put(t, s, "a/b", content(3, 5000))
	check(t, s, "a/b", content(3, 5000))
}

func testDelete(t *testing.T, s blob.Store) {
	put(t, s, "d/one", []byte("one"))
	put(t, s, "d/two", []byte("two"))
	if err := s.Delete(t.Context(), "d/one"); err != nil {
		t.Fatal(err)
	}
	checkGone(t, s, "d/one")
	check(t, s, "d/two", []byte("two"))
	if err := s.Delete(t.Context(), "d/one"); err != nil {
		t.Fatalf("deleting it again: %v", err)
	}
	if err := s.Delete(t.Context(), "never/was"); err != nil {
		t.Fatalf("deleting a key never put: %v", err)
	}
	put(t, s, "d/one", []byte("back")) // a deleted key can be put again
	check(t, s, "d/one", []byte("back"))
}

func testNotFound(t *testing.T, s blob.Store) {
	checkGone(t, s, "missing")
	checkGone(t, s, "no/such/key")
	put(t, s, "dir/file", []byte("x"))
	checkGone(t, s, "dir/file/below") // under an object
	checkGone(t, s, "dir/fil")
	for _, length := range []int64{0, 5} {
		if _, err := s.Open(t.Context(), "missing", 0, length); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Open(missing, length %d): %v; want ErrNotFound", length, err)
		}
	}
}

// badKeys are keys every method must refuse.
var badKeys = []string{"", "/a", "a/../b", "a//b", "A", "a b", strings.Repeat("a", 201), "..", "a/.", ".", "./a",
	"a/", "a/..", "a..b", "a\\b", "a\x00", "ä", "a?b", "a:b", "a+b"}

func testBadKeys(t *testing.T, s blob.Store) {
	ctx := t.Context()
	for _, key := range badKeys {
		if _, err := s.Put(ctx, key, strings.NewReader("x")); !errors.Is(err, blob.ErrBadKey) {
			t.Errorf("Put(%q): %v; want ErrBadKey", key, err)
		}
		if _, err := s.Open(ctx, key, 0, -1); !errors.Is(err, blob.ErrBadKey) {
			t.Errorf("Open(%q): %v; want ErrBadKey", key, err)
		}
		if _, err := s.Size(ctx, key); !errors.Is(err, blob.ErrBadKey) {
			t.Errorf("Size(%q): %v; want ErrBadKey", key, err)
		}
		if err := s.Delete(ctx, key); !errors.Is(err, blob.ErrBadKey) {
			t.Errorf("Delete(%q): %v; want ErrBadKey", key, err)
		}
	}
}

func testGoodKeys(t *testing.T, s blob.Store) {
	for i, key := range []string{"a", "0", "a.b", ".a", "a-b_c.d", "x/y/z/w", "f/0f/9a/part-00001.bin",
		"t/thumb_320.webp", strings.Repeat("k", 200), strings.Repeat("n/", 99) + "nn"} {
		want := fmt.Appendf(nil, "key %d", i)
		put(t, s, key, want)
		check(t, s, key, want)
	}
}

// failingReader yields what r yields, then fails with errBroken instead
// of ending.
type failingReader struct {
	r io.Reader
}

var errBroken = errors.New("blobtest: reader broke")

func (f failingReader) Read(b []byte) (int, error) {
	n, err := f.r.Read(b)
	if err == io.EOF {
		return n, errBroken
	}
	return n, err
}

func testFailingReader(t *testing.T, s blob.Store) {
	// Fail at once, within the first megabyte, and after 5 MiB (the S3
	// store's part size: a multipart upload is under way by then).
	for _, n := range []int64{0, 100_000, 6_000_000} {
		key := fmt.Sprintf("fail/%d", n)
		r := failingReader{&pattern{seed: 4, size: n, chunk: 64 << 10}}
		if _, err := s.Put(t.Context(), key, r); !errors.Is(err, errBroken) {
			t.Fatalf("Put of %d bytes then a failure: %v; want the reader's error", n, err)
		}
		checkGone(t, s, key)
	}
	// A failed replacement leaves the object it would have replaced.
	put(t, s, "fail/old", []byte("old"))
	if _, err := s.Put(t.Context(), "fail/old", failingReader{&pattern{seed: 5, size: 1000}}); !errors.Is(err, errBroken) {
		t.Fatalf("Put then a failure: %v; want the reader's error", err)
	}
	check(t, s, "fail/old", []byte("old"))
}

func testLarge(t *testing.T, s blob.Store) {
	const size = 20_000_000
	ctx := t.Context()
	// Small, uneven reads, as from a network connection.
	n, err := s.Put(ctx, "big", &pattern{seed: 6, size: size, chunk: 1999})
	if err != nil || n != size {
		t.Fatalf("Put = %d, %v; want %d", n, err, size)
	}
	if got, err := s.Size(ctx, "big"); err != nil || got != size {
		t.Fatalf("Size = %d, %v; want %d", got, err, size)
	}
	want := sha256.New()
	io.Copy(want, &pattern{seed: 6, size: size})
	rc, err := s.Open(ctx, "big", 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	got := sha256.New()
	_, err = io.Copy(got, rc)
	rc.Close()
	if err != nil || !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Fatalf("SHA-256 of what Open reads differs from what was put (read error %v)", err)
	}
	p := pattern{seed: 6, size: size}
	for _, r := range [][2]int64{{0, 100}, {5<<20 - 10, 20}, {size / 2, 1 << 20}, {size - 7, -1}, {size - 3_000_000, 3_000_000}} {
		n := r[1]
		if n < 0 {
			n = size - r[0]
		}
		want := p.at(r[0], n)
		b, err := read(t, s, "big", r[0], r[1])
		if err != nil || !bytes.Equal(b, want) {
			t.Errorf("Open(offset %d, length %d) = %d bytes, %v; want %d other bytes", r[0], r[1], len(b), err, len(want))
		}
	}
}

func testConcurrent(t *testing.T, s blob.Store) {
	const writers = 16
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() {
			key := fmt.Sprintf("conc/%02d/part", i)
			r := &pattern{seed: uint64(100 + i), size: int64(50_000 + 10_000*i), chunk: 4096}
			n, err := s.Put(t.Context(), key, r)
			if err == nil && n != r.size {
				err = fmt.Errorf("Put counted %d of %d bytes", n, r.size)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v", i, err)
		}
		check(t, s, fmt.Sprintf("conc/%02d/part", i), content(uint64(100+i), int64(50_000+10_000*i)))
	}
}

// cancelReader cancels its context once it has yielded after bytes, and
// goes on yielding: the store, not the reader, must notice.
type cancelReader struct {
	pattern
	after  int64
	cancel context.CancelFunc
}

func (c *cancelReader) Read(b []byte) (int, error) {
	if c.off >= c.after {
		c.cancel()
	}
	return c.pattern.Read(b)
}

func testCancel(t *testing.T, s blob.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	// 64 MB would be put in full by a store that ignores ctx; the test
	// then fails rather than hangs.
	r := &cancelReader{pattern: pattern{seed: 7, size: 64 << 20, chunk: 32 << 10}, after: 2 << 20, cancel: cancel}
	start := time.Now()
	n, err := s.Put(ctx, "cancelled", r)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Put cancelled after %d bytes = %d, %v; want context.Canceled", r.after, n, err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Put took %v to notice the cancellation", d)
	}
	checkGone(t, s, "cancelled")
}
