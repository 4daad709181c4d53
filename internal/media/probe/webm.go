package probe

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strings"
	"time"
)

// EBML and Matroska element IDs that WebM reads (with their length markers,
// as they are written).
const (
	idEBML          = 0x1A45DFA3
	idDocType       = 0x4282
	idVoid          = 0xEC
	idCRC32         = 0xBF
	idSegment       = 0x18538067
	idInfo          = 0x1549A966
	idTimecodeScale = 0x2AD7B1
	idDuration      = 0x4489
	idTracks        = 0x1654AE6B
	idTrackEntry    = 0xAE
	idTrackType     = 0x83
	idVideo         = 0xE0
	idPixelWidth    = 0xB0
	idPixelHeight   = 0xBA
	idCluster       = 0x1F43B675
	idTimecode      = 0xE7
	idSimpleBlock   = 0xA3
	idBlockGroup    = 0xA0
	idBlock         = 0xA1
)

// Bounds of the search for the last cluster of a webm without a Duration.
const (
	webmTail       = 16 << 20 // how far from the end a last cluster is looked for
	webmBackWindow = 1 << 20  // how much of that is read at a time
	maxCandidates  = 1000     // places that look like a cluster, checked
	blockReadAhead = 4 << 10  // read-ahead while walking frames, to skip large ones
)

// defaultTimecodeScale is Matroska's default: timecodes in milliseconds.
const defaultTimecodeScale = 1_000_000

// element is the header of an EBML element.
type element struct {
	id        uint32
	off, data int64 // header and payload start
	size      int64 // payload size, or -1 when unknown (live streams)
}

func (e element) end() int64 { return e.data + e.size }

// ebmlParser walks the elements of one file.
type ebmlParser struct {
	src      *source
	elements int // elements looked at in the current walk
}

// WebM reads the metadata of a WebM or Matroska file of size bytes:
// Segment > Info > TimecodeScale (1,000,000 ns when absent) and Duration (a
// 4- or 8-byte float), and Tracks > TrackEntry > TrackType (1 video, 2
// audio) and, for the first video track, Video > PixelWidth/PixelHeight.
//
// Browsers' MediaRecorder writes a live stream: a Segment and Clusters of
// unknown size and no Duration. The duration is then the last Cluster's
// Timecode plus the largest relative timecode of its blocks. The last
// cluster is looked for backwards from the end (in the last 16 MB, each
// place that looks like a cluster checked by parsing it), and its children
// are parsed on to the end of the file, into any later cluster. If no
// cluster is found there, the clusters are walked from the first, as far as
// 10,000 elements allow; beyond that the duration is left unknown (0).
//
// Like MP4, it reads through r a little at a time, at most 8 levels deep and
// 10,000 elements in each walk, and never sizes a buffer from a size field.
func WebM(r io.ReaderAt, size int64) (Info, error) {
	return webm(r, size, webmTail)
}

// webm is WebM looking for the last cluster in the last tail bytes.
func webm(r io.ReaderAt, size, tail int64) (Info, error) {
	if size < 0 {
		return Info{}, fmt.Errorf("%w: negative size %d", ErrMalformed, size)
	}
	p := &ebmlParser{src: newSource(r, size)}
	hdr, err := p.next(0, size)
	if err != nil {
		return Info{}, err
	}
	if hdr.id != idEBML {
		return Info{}, fmt.Errorf("%w: not an EBML file", ErrUnsupported)
	}
	if err := p.within(hdr, size); err != nil {
		return Info{}, err
	}
	docType := "matroska" // EBML's default for Matroska files
	err = p.children(hdr, 1, func(e element) error {
		if e.id != idDocType {
			return nil
		}
		if e.size > 64 {
			return fmt.Errorf("%w: DocType of %d bytes", ErrMalformed, e.size)
		}
		b, err := p.src.at(e.data, int(e.size), e.end())
		docType = strings.TrimRight(string(b), "\x00")
		return err
	})
	if err != nil {
		return Info{}, err
	}
	if docType != "webm" && docType != "matroska" {
		return Info{}, fmt.Errorf("%w: EBML document type %q", ErrUnsupported, docType)
	}

	// The Segment follows, maybe after padding.
	off := hdr.end()
	var seg element
	for {
		seg, err = p.next(off, size)
		if err != nil {
			return Info{}, err
		}
		if seg.id == idSegment {
			break
		}
		if seg.id != idVoid && seg.id != idCRC32 {
			return Info{}, fmt.Errorf("%w: element %#x where the Segment should be", ErrMalformed, seg.id)
		}
		if err := p.within(seg, size); err != nil {
			return Info{}, err
		}
		off = seg.end()
	}
	segEnd := size
	if seg.size >= 0 && seg.end() < size {
		segEnd = seg.end()
	}

	var info Info
	var m movieInfo
	m.scale = defaultTimecodeScale
	var haveInfo, haveTracks bool
	firstCluster := int64(-1)
	for off := seg.data; off < segEnd; {
		e, err := p.next(off, segEnd)
		if isShort(err) {
			break // a truncated file: keep what was read
		}
		if err != nil {
			return Info{}, err
		}
		if e.id == idCluster {
			if firstCluster < 0 {
				firstCluster = e.off
			}
			// Info and Tracks come before the clusters in all but odd
			// files; for those, known-size clusters are passed over.
			if haveInfo && haveTracks {
				break
			}
		}
		if e.size < 0 {
			break // an unknown size can only be passed by parsing it
		}
		if e.end() > segEnd {
			if e.id == idInfo || e.id == idTracks {
				return Info{}, errShort
			}
			break
		}
		switch e.id {
		case idInfo:
			haveInfo = true
			if err := p.info(e, &m); err != nil {
				return Info{}, err
			}
		case idTracks:
			haveTracks = true
			if err := p.tracks(e, &info); err != nil {
				return Info{}, err
			}
		}
		off = e.end()
	}
	if !haveInfo && !haveTracks {
		return Info{}, fmt.Errorf("%w: no Info or Tracks in the Segment", ErrMalformed)
	}

	switch {
	case m.duration > 0:
		ns := math.Round(m.duration * float64(m.scale))
		if ns >= math.MaxInt64 {
			return Info{}, fmt.Errorf("%w: duration %g × %d ns out of range", ErrMalformed, m.duration, m.scale)
		}
		info.Duration = time.Duration(ns)
	case firstCluster >= 0:
		last, ok, err := p.lastTimecode(firstCluster, segEnd, tail)
		if err != nil {
			return Info{}, err
		}
		if ok && last > 0 {
			ns, ok := mulDiv(uint64(last), m.scale, 1)
			if !ok {
				return Info{}, fmt.Errorf("%w: timecode %d × %d ns out of range", ErrMalformed, last, m.scale)
			}
			info.Duration = time.Duration(ns)
		}
	}
	return info, nil
}

// movieInfo is what Segment > Info says: the timecode unit in nanoseconds
// and the duration in those units (0 when absent).
type movieInfo struct {
	scale    uint64
	duration float64
}

func (p *ebmlParser) info(e element, m *movieInfo) error {
	return p.children(e, 2, func(c element) error {
		switch c.id {
		case idTimecodeScale:
			v, err := p.uint(c)
			if err != nil {
				return err
			}
			if v != 0 {
				m.scale = v
			}
		case idDuration:
			f, err := p.float(c)
			if err != nil {
				return err
			}
			if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
				return fmt.Errorf("%w: duration %g", ErrMalformed, f)
			}
			m.duration = f
		}
		return nil
	})
}

func (p *ebmlParser) tracks(e element, info *Info) error {
	return p.children(e, 2, func(t element) error {
		if t.id != idTrackEntry {
			return nil
		}
		var typ, w, h uint64
		err := p.children(t, 3, func(c element) error {
			var err error
			switch c.id {
			case idTrackType:
				typ, err = p.uint(c)
			case idVideo:
				err = p.children(c, 4, func(v element) error {
					var err error
					switch v.id {
					case idPixelWidth:
						w, err = p.uint(v)
					case idPixelHeight:
						h, err = p.uint(v)
					}
					return err
				})
			}
			return err
		})
		if err != nil {
			return err
		}
		switch typ {
		case 1:
			info.HasVideo = true
			if w > math.MaxInt32 || h > math.MaxInt32 {
				return fmt.Errorf("%w: video of %d×%d pixels", ErrMalformed, w, h)
			}
			if info.Width == 0 && info.Height == 0 {
				info.Width, info.Height = int(w), int(h)
			}
		case 2:
			info.HasAudio = true
		}
		return nil
	})
}

// next reads the header of the element at off, reading ahead no further
// than limit.
func (p *ebmlParser) next(off, limit int64) (element, error) {
	if p.elements++; p.elements > maxElements {
		return element{}, errTooManyElements
	}
	// An ID is 1-4 bytes, the length of which is told by the leading zeros
	// of its first byte; the size is a variable-length integer of 1-8 bytes
	// coded the same way, all ones meaning unknown.
	b, err := p.src.at(off, 1, limit)
	if err != nil {
		return element{}, err
	}
	n := bits.LeadingZeros8(b[0]) + 1
	if n > 4 {
		return element{}, fmt.Errorf("%w: bad element ID at %d", ErrMalformed, off)
	}
	if b, err = p.src.at(off, n, limit); err != nil {
		return element{}, err
	}
	var id uint32
	for _, c := range b {
		id = id<<8 | uint32(c)
	}
	if b, err = p.src.at(off+int64(n), 1, limit); err != nil {
		return element{}, err
	}
	l := bits.LeadingZeros8(b[0]) + 1
	if l > 8 {
		return element{}, fmt.Errorf("%w: bad element size at %d", ErrMalformed, off)
	}
	if b, err = p.src.at(off+int64(n), l, limit); err != nil {
		return element{}, err
	}
	v := uint64(b[0]) & (0xFF >> l)
	for _, c := range b[1:] {
		v = v<<8 | uint64(c)
	}
	e := element{id: id, off: off, data: off + int64(n+l), size: int64(v)} // v < 2^56
	if v == 1<<(7*l)-1 {
		e.size = -1
	}
	return e, nil
}

// errTooManyElements ends a walk that reached maxElements.
var errTooManyElements = fmt.Errorf("%w: more than %d elements", ErrMalformed, maxElements)

// within checks that e has a known size and ends by end.
func (p *ebmlParser) within(e element, end int64) error {
	if e.size < 0 {
		return fmt.Errorf("%w: element %#x of unknown size", ErrMalformed, e.id)
	}
	if e.size > end-e.data {
		return fmt.Errorf("%w: element %#x at %d overruns its parent", ErrMalformed, e.id, e.off)
	}
	return nil
}

// children calls fn for each child of the master element parent (whose
// size is known and within the file), which is at the given depth.
func (p *ebmlParser) children(parent element, depth int, fn func(element) error) error {
	if depth >= maxDepth {
		return fmt.Errorf("%w: elements nested more than %d deep", ErrMalformed, maxDepth)
	}
	for off := parent.data; off < parent.end(); {
		e, err := p.next(off, parent.end())
		if err != nil {
			return err
		}
		if err := p.within(e, parent.end()); err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
		off = e.end()
	}
	return nil
}

// uint reads an unsigned integer element (0-8 bytes, big-endian).
func (p *ebmlParser) uint(e element) (uint64, error) {
	if e.size > 8 {
		return 0, fmt.Errorf("%w: integer element %#x of %d bytes", ErrMalformed, e.id, e.size)
	}
	b, err := p.src.at(e.data, int(e.size), e.data)
	if err != nil {
		return 0, err
	}
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v, nil
}

// float reads a float element: 0 (zero), 4 or 8 bytes.
func (p *ebmlParser) float(e element) (float64, error) {
	switch e.size {
	case 0:
		return 0, nil
	case 4, 8:
	default:
		return 0, fmt.Errorf("%w: float element %#x of %d bytes", ErrMalformed, e.id, e.size)
	}
	b, err := p.src.at(e.data, int(e.size), e.data)
	if err != nil {
		return 0, err
	}
	if e.size == 4 {
		return float64(math.Float32frombits(binary.BigEndian.Uint32(b))), nil
	}
	return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
}

// lastTimecode returns the largest absolute timecode of a block in the
// clusters from first to end (in TimecodeScale units), or false when it
// cannot be found within the bounds.
func (p *ebmlParser) lastTimecode(first, end, tail int64) (int64, bool, error) {
	p.elements = 0
	last, ok, err := p.lastClusterFromEnd(first, end, tail)
	if ok || err != nil {
		return last, ok, err
	}
	p.elements = 0
	return p.scanClusters(first, end)
}

// lastClusterFromEnd looks backwards from end, no further than tail bytes
// or first, for the ID of a Cluster that parses as one, and returns the
// last timecode of the clusters from there on. A cluster without blocks
// (or a false one) sends the search further back.
func (p *ebmlParser) lastClusterFromEnd(first, end, tail int64) (int64, bool, error) {
	lo := max(first, end-tail)
	if end-lo < 4 {
		return 0, false, nil
	}
	id := []byte{0x1F, 0x43, 0xB6, 0x75}
	buf := make([]byte, min(webmBackWindow, end-lo))
	candidates := 0
	for hi := end; ; {
		start := max(lo, hi-int64(len(buf)))
		chunk := buf[:hi-start]
		if n, err := p.src.r.ReadAt(chunk, start); n < len(chunk) {
			if err == nil || errors.Is(err, io.EOF) {
				return 0, false, errShort
			}
			return 0, false, err
		}
		for j := len(chunk); ; {
			i := bytes.LastIndex(chunk[:j], id)
			if i < 0 {
				break
			}
			if candidates++; candidates > maxCandidates {
				return 0, false, nil
			}
			// The candidates share one budget of elements, so that many
			// places that look like clusters cannot multiply the work.
			if p.isCluster(start+int64(i), end) {
				last, ok, err := p.scanClusters(start+int64(i), end)
				if ok || err != nil {
					return last, ok, err
				}
			}
			j = i
		}
		if start == lo {
			return 0, false, nil
		}
		hi = start + 3 // so that an ID across the boundary is found
	}
}

// isCluster tells whether a Cluster starts at off: its header parses, it
// ends by end, and its first child (after any CRC-32 or Void) is its
// Timecode, as muxers write it. Frame data that happens to hold the four
// bytes of the ID almost never passes.
func (p *ebmlParser) isCluster(off, end int64) bool {
	c, err := p.next(off, end)
	if err != nil || c.id != idCluster || c.size >= 0 && c.size > end-c.data {
		return false
	}
	for off, i := c.data, 0; i < 3; i++ {
		e, err := p.next(off, end)
		if err != nil || e.size < 0 || e.size > end-e.data {
			return false
		}
		switch e.id {
		case idTimecode:
			return e.size >= 1 && e.size <= 8
		case idCRC32, idVoid:
			off = e.end()
		default:
			return false
		}
	}
	return false
}

// maxTimecode bounds cluster timecodes so that adding a block's relative
// timecode cannot overflow.
const maxTimecode = 1 << 62

// scanClusters walks the elements from off to end as one flat list,
// entering Clusters and BlockGroups instead of passing over them: unknown-
// size clusters from a live stream end only where the next top-level
// element begins, and a flat walk needs no sizes to find it. It returns the
// largest cluster Timecode + block relative timecode seen, or false if no
// block was seen or the walk ran out of elements. A malformed element ends
// the walk with what was seen before it, as a truncated recording does.
func (p *ebmlParser) scanClusters(off, end int64) (int64, bool, error) {
	var cluster, last int64
	var haveCluster, found bool
	for off < end {
		limit := min(end, off+blockReadAhead)
		e, err := p.next(off, limit)
		switch {
		case errors.Is(err, errTooManyElements):
			return 0, false, nil
		case errors.Is(err, ErrMalformed):
			return last, found, nil
		case err != nil:
			return 0, false, err
		}
		switch e.id {
		case idCluster:
			haveCluster = false // until its Timecode
			off = e.data
			continue
		case idBlockGroup:
			if e.size < 0 {
				return last, found, nil
			}
			off = e.data
			continue
		case idTimecode:
			v, err := p.uint(e)
			if err != nil || v > maxTimecode {
				return last, found, nil
			}
			cluster, haveCluster = int64(v), true
		case idSimpleBlock, idBlock:
			if rel, ok := p.blockTime(e, limit); ok && haveCluster {
				if t := cluster + rel; !found || t > last {
					last, found = t, true
				}
			}
		}
		if e.size < 0 {
			return last, found, nil
		}
		off = e.end()
	}
	return last, found, nil
}

// blockTime returns the relative timecode of a (Simple)Block: after the
// track number (a variable-length integer), a signed 16-bit count of
// TimecodeScale units from the cluster's Timecode.
func (p *ebmlParser) blockTime(e element, limit int64) (int64, bool) {
	if e.size < 3 {
		return 0, false
	}
	b, err := p.src.at(e.data, 1, limit)
	if err != nil {
		return 0, false
	}
	n := bits.LeadingZeros8(b[0]) + 1
	if n > 8 || int64(n)+2 > e.size {
		return 0, false
	}
	if b, err = p.src.at(e.data+int64(n), 2, limit); err != nil {
		return 0, false
	}
	return int64(int16(binary.BigEndian.Uint16(b))), true
}
