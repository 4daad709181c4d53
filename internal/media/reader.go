package media

import (
	"context"
	"errors"
	"io"
	"sort"

	"github.com/chapar/chapar/internal/domain"
)

// partsReader reads a file stored as parts, by range: an io.ReadSeeker
// for http.ServeContent (which reads sequentially after one seek, so Read
// keeps one part's stream open) and an io.ReaderAt for the probes.
type partsReader struct {
	s     *Service
	parts []domain.Part
	ends  []int64 // ends[i]: the offset just past part i
	size  int64

	pos    int64
	cur    io.ReadCloser // open at pos, or nil
	curEnd int64         // where cur's part ends
}

func (s *Service) reader(parts []domain.Part, size int64) *partsReader {
	r := &partsReader{s: s, parts: parts, size: size, ends: make([]int64, len(parts))}
	var end int64
	for i, p := range parts {
		end += p.Size
		r.ends[i] = end
	}
	return r
}

// part finds the part holding offset off and where in it off is.
func (r *partsReader) part(off int64) (int, int64) {
	i := sort.Search(len(r.ends), func(i int) bool { return r.ends[i] > off })
	start := int64(0)
	if i > 0 {
		start = r.ends[i-1]
	}
	return i, off - start
}

func (r *partsReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("media: negative offset")
	}
	n := 0
	for n < len(p) {
		if off >= r.size {
			return n, io.EOF
		}
		i, in := r.part(off)
		if i >= len(r.parts) {
			return n, io.EOF
		}
		want := min(int64(len(p)-n), r.parts[i].Size-in)
		rc, err := r.s.blobs.Open(context.Background(), r.parts[i].Key, in, want)
		if err != nil {
			return n, err
		}
		m, err := io.ReadFull(rc, p[n:n+int(want)])
		rc.Close()
		n += m
		off += int64(m)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func (r *partsReader) Read(p []byte) (int, error) {
	if r.pos >= r.size {
		return 0, io.EOF
	}
	if r.cur == nil {
		i, in := r.part(r.pos)
		if i >= len(r.parts) {
			return 0, io.ErrUnexpectedEOF // the parts hold less than the size
		}
		rc, err := r.s.blobs.Open(context.Background(), r.parts[i].Key, in, -1)
		if err != nil {
			return 0, err
		}
		r.cur, r.curEnd = rc, r.ends[i]
	}
	n, err := r.cur.Read(p)
	r.pos += int64(n)
	if err == io.EOF {
		r.cur.Close()
		r.cur = nil
		if r.pos < r.curEnd {
			return n, io.ErrUnexpectedEOF // a part shorter than recorded
		}
		err = nil // the next Read goes on in the next part
		if n == 0 && r.pos >= r.size {
			err = io.EOF
		}
	}
	return n, err
}

func (r *partsReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += r.pos
	case io.SeekEnd:
		offset += r.size
	}
	if offset < 0 {
		return 0, errors.New("media: seek before the start")
	}
	if offset != r.pos && r.cur != nil {
		r.cur.Close()
		r.cur = nil
	}
	r.pos = offset
	return offset, nil
}

// Close releases the open part, if any.
func (r *partsReader) Close() error {
	if r.cur != nil {
		r.cur.Close()
		r.cur = nil
	}
	return nil
}
