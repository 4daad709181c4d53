package probe

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
)

// Bounds on the walks over boxes and elements of the container parsers.
const (
	maxDepth    = 8      // levels of nesting below the top
	maxElements = 10_000 // boxes or elements looked at, in one walk
	window      = 64 << 10
)

// errShort is returned when a read goes past the end of the content: the
// file is truncated or a size field in it points beyond its end.
var errShort = fmt.Errorf("%w: truncated", ErrMalformed)

// source reads small pieces of a file through an io.ReaderAt. It keeps one
// window of at most 64 KB so that walking many small boxes or elements
// costs few ReadAt calls (the file may be in object storage, where each
// call is a request), and it never reads beyond the limit its caller gives,
// so that a parser can promise not to touch a payload it skips.
type source struct {
	r      io.ReaderAt
	size   int64
	buf    []byte // cached content at [bufOff, bufOff+len(buf))
	bufOff int64
	store  []byte // backing array of buf, allocated on first use
}

func newSource(r io.ReaderAt, size int64) *source {
	return &source{r: r, size: size}
}

// at returns the n bytes (n ≤ 64 KB) at off. To save later calls it may
// read ahead, but never past limit nor 64 KB. The slice is valid until the
// next call. Reading past the end of the content returns errShort; an error
// of the ReaderAt is returned as it is.
func (s *source) at(off int64, n int, limit int64) ([]byte, error) {
	if n < 0 || n > window {
		return nil, fmt.Errorf("%w: read of %d bytes", ErrTooLarge, n)
	}
	if off < 0 || off > s.size || int64(n) > s.size-off {
		return nil, errShort
	}
	if off >= s.bufOff && off+int64(n) <= s.bufOff+int64(len(s.buf)) {
		return s.buf[off-s.bufOff:][:n], nil
	}
	m := int64(n)
	limit = min(limit, s.size, off+window)
	if limit-off > m {
		m = limit - off
	}
	if s.store == nil {
		s.store = make([]byte, min(window, s.size))
	}
	b := s.store[:m]
	s.buf = nil // invalid until the read succeeds
	k, err := s.r.ReadAt(b, off)
	if k < n {
		if err == nil || errors.Is(err, io.EOF) {
			return nil, errShort
		}
		return nil, err
	}
	s.buf, s.bufOff = b[:k], off
	return b[:n], nil
}

// mulDiv returns a*b/c, or false when c is 0 or the quotient does not fit
// an int64. It computes in 128 bits, so that a 64-bit count of timescale
// units converts to nanoseconds without overflowing.
func mulDiv(a, b, c uint64) (int64, bool) {
	if c == 0 {
		return 0, false
	}
	hi, lo := bits.Mul64(a, b)
	if hi >= c {
		return 0, false
	}
	q, _ := bits.Div64(hi, lo, c)
	if q > math.MaxInt64 {
		return 0, false
	}
	return int64(q), true
}
