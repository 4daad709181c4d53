package probe

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// box is the header of an ISO BMFF box: its type and where its payload
// starts and ends.
type box struct {
	typ       string
	off       int64 // start of the header
	data, end int64 // payload
}

// mp4Parser walks the boxes of one file.
type mp4Parser struct {
	src   *source
	boxes int // boxes looked at so far
}

// MP4 reads the metadata of an ISO BMFF file (MP4, M4A, QuickTime .mov) of
// size bytes: the duration from moov/mvhd (or, in a fragmented file whose
// mvhd has none, from mvex/mehd), and from each moov/trak its kind from
// mdia/hdlr ('vide' sets HasVideo, 'soun' HasAudio) and, for the first video
// track, the size from tkhd (16.16 fixed point, swapped when the track's
// matrix turns it a quarter, as phones record portrait video).
//
// It reads box headers and these few small boxes only, through r: moov may
// come after mdat (the top level is walked by jumping from header to
// header), and no media data is read. It follows 64-bit box sizes (size 1)
// and size 0 (to the end of the file), walks at most 8 levels deep and at
// most 10,000 boxes, and never sizes a buffer from a size field.
func MP4(r io.ReaderAt, size int64) (Info, error) {
	if size < 0 {
		return Info{}, fmt.Errorf("%w: negative size %d", ErrMalformed, size)
	}
	p := &mp4Parser{src: newSource(r, size)}
	var moov *box
	for off := int64(0); off < size; {
		b, err := p.header(off, size, off)
		if err != nil {
			return Info{}, err
		}
		if b.typ == "moov" {
			moov = &b
			break
		}
		off = b.end
	}
	if moov == nil {
		return Info{}, fmt.Errorf("%w: no moov box", ErrMalformed)
	}
	return p.moov(*moov)
}

// header reads the header of the box at off, inside a parent ending at end.
// It reads ahead no further than limit: at the top level that is the
// header itself, so that the payload of a box passed over (mdat) is never
// read.
func (p *mp4Parser) header(off, end, limit int64) (box, error) {
	if p.boxes++; p.boxes > maxElements {
		return box{}, fmt.Errorf("%w: more than %d boxes", ErrMalformed, maxElements)
	}
	h, err := p.src.at(off, 8, max(limit, off+8))
	if err != nil {
		return box{}, err
	}
	size := uint64(binary.BigEndian.Uint32(h))
	b := box{typ: string(h[4:8]), off: off, data: off + 8}
	switch size {
	case 0: // the box runs to the end of its parent (the file at the top)
		b.end = end
		return b, nil
	case 1: // a 64-bit size follows the type
		h, err := p.src.at(off+8, 8, max(limit, off+16))
		if err != nil {
			return box{}, err
		}
		size = binary.BigEndian.Uint64(h)
		b.data = off + 16
	}
	if size < uint64(b.data-off) || size > uint64(end-off) {
		return box{}, fmt.Errorf("%w: box %q at %d has size %d, outside its parent", ErrMalformed, b.typ, off, size)
	}
	b.end = off + int64(size)
	return b, nil
}

// walk calls fn for each box inside parent, which is at the given depth.
func (p *mp4Parser) walk(parent box, depth int, fn func(b box) error) error {
	if depth >= maxDepth {
		return fmt.Errorf("%w: boxes nested more than %d deep", ErrMalformed, maxDepth)
	}
	for off := parent.data; off < parent.end; {
		if parent.end-off < 8 {
			// QuickTime ends some lists with a 4-byte zero terminator.
			break
		}
		b, err := p.header(off, parent.end, parent.end)
		if err != nil {
			return err
		}
		if err := fn(b); err != nil {
			return err
		}
		off = b.end
	}
	return nil
}

// payload returns the first n bytes of b's payload, or ErrMalformed if the
// box is shorter.
func (p *mp4Parser) payload(b box, n int) ([]byte, error) {
	if b.end-b.data < int64(n) {
		return nil, fmt.Errorf("%w: box %q of %d bytes, too short", ErrMalformed, b.typ, b.end-b.data)
	}
	return p.src.at(b.data, n, b.end)
}

// movieHeader holds what mvhd and mehd say about a movie's length, in units
// of timescale per second.
type movieHeader struct {
	timescale, duration, fragmented uint64
	seen                            bool
}

func (p *mp4Parser) moov(moov box) (Info, error) {
	var info Info
	var mh movieHeader
	err := p.walk(moov, 1, func(b box) error {
		switch b.typ {
		case "mvhd":
			return p.mvhd(b, &mh)
		case "mvex":
			return p.walk(b, 2, func(c box) error {
				if c.typ == "mehd" {
					return p.mehd(c, &mh)
				}
				return nil
			})
		case "trak":
			return p.trak(b, &info)
		}
		return nil
	})
	if err != nil {
		return Info{}, err
	}
	if !mh.seen {
		return Info{}, fmt.Errorf("%w: no mvhd box", ErrMalformed)
	}
	d := mh.duration
	if d == 0 {
		d = mh.fragmented
	}
	// A timescale of 0 leaves the duration unknown rather than failing a
	// file that players may still play.
	if d != 0 && mh.timescale != 0 {
		ns, ok := mulDiv(d, uint64(time.Second), mh.timescale)
		if !ok {
			return Info{}, fmt.Errorf("%w: duration %d/%d s out of range", ErrMalformed, d, mh.timescale)
		}
		info.Duration = time.Duration(ns)
	}
	return info, nil
}

// mvhd reads the movie header: version 0 has 32-bit times, version 1
// 64-bit ones; a duration of all ones means unknown.
func (p *mp4Parser) mvhd(b box, mh *movieHeader) error {
	v, err := p.payload(b, 1)
	if err != nil {
		return err
	}
	switch v[0] {
	case 0:
		h, err := p.payload(b, 20)
		if err != nil {
			return err
		}
		mh.timescale = uint64(binary.BigEndian.Uint32(h[12:]))
		if d := binary.BigEndian.Uint32(h[16:]); d != 0xFFFFFFFF {
			mh.duration = uint64(d)
		}
	case 1:
		h, err := p.payload(b, 32)
		if err != nil {
			return err
		}
		mh.timescale = uint64(binary.BigEndian.Uint32(h[20:]))
		if d := binary.BigEndian.Uint64(h[24:]); d != 0xFFFFFFFFFFFFFFFF {
			mh.duration = d
		}
	default:
		return fmt.Errorf("%w: mvhd version %d", ErrUnsupported, v[0])
	}
	mh.seen = true
	return nil
}

// mehd reads the movie extends header of a fragmented file, whose mvhd
// usually has a duration of 0: the duration of the whole movie.
func (p *mp4Parser) mehd(b box, mh *movieHeader) error {
	v, err := p.payload(b, 1)
	if err != nil {
		return err
	}
	switch v[0] {
	case 0:
		h, err := p.payload(b, 8)
		if err != nil {
			return err
		}
		mh.fragmented = uint64(binary.BigEndian.Uint32(h[4:]))
	case 1:
		h, err := p.payload(b, 12)
		if err != nil {
			return err
		}
		mh.fragmented = binary.BigEndian.Uint64(h[4:])
	}
	return nil
}

// trak reads one track: its size from tkhd and its kind from mdia/hdlr.
func (p *mp4Parser) trak(trak box, info *Info) error {
	var w, h int
	var handler string
	err := p.walk(trak, 2, func(b box) error {
		switch b.typ {
		case "tkhd":
			var err error
			w, h, err = p.tkhd(b)
			return err
		case "mdia":
			return p.walk(b, 3, func(c box) error {
				if c.typ != "hdlr" {
					return nil
				}
				// Version and flags, pre_defined (QuickTime: the component
				// type), then the handler type.
				hd, err := p.payload(c, 12)
				if err != nil {
					return err
				}
				handler = string(hd[8:12])
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return err
	}
	switch handler {
	case "vide":
		info.HasVideo = true
		if info.Width == 0 && info.Height == 0 {
			info.Width, info.Height = w, h
		}
	case "soun":
		info.HasAudio = true
	}
	return nil
}

// tkhd returns the size of a track from its header, turned by its matrix.
func (p *mp4Parser) tkhd(b box) (w, h int, err error) {
	v, err := p.payload(b, 1)
	if err != nil {
		return 0, 0, err
	}
	// The times and ids before the common tail are 20 bytes in version 0
	// and 32 in version 1; then come reserved (8), layer, alternate group,
	// volume, reserved (2 each), the matrix (9 × 4) and width and height.
	var n int
	switch v[0] {
	case 0:
		n = 4 + 20 + 52 + 8
	case 1:
		n = 4 + 32 + 52 + 8
	default:
		return 0, 0, fmt.Errorf("%w: tkhd version %d", ErrUnsupported, v[0])
	}
	t, err := p.payload(b, n)
	if err != nil {
		return 0, 0, err
	}
	fixed := func(off int) int { return int((uint64(binary.BigEndian.Uint32(t[off:])) + 0x8000) >> 16) }
	w, h = fixed(n-8), fixed(n-4)
	// The matrix is {a b u, c d v, x y w}; a quarter turn has a = d = 0.
	m := t[n-44:]
	a, bb := binary.BigEndian.Uint32(m), binary.BigEndian.Uint32(m[4:])
	c, d := binary.BigEndian.Uint32(m[12:]), binary.BigEndian.Uint32(m[16:])
	if a == 0 && d == 0 && bb != 0 && c != 0 {
		w, h = h, w
	}
	return w, h, nil
}

// isShort tells whether err says the content ended early.
func isShort(err error) bool { return errors.Is(err, errShort) }
