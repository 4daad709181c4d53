package probe

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"time"
)

// Ogg page layout: "OggS", version, header type, granule position (8 bytes
// LE), serial number, page sequence number, CRC (4 bytes each, LE), the
// number of segments and the segment table, then the data.
const (
	oggHeaderLen = 27
	oggTail      = 64 << 10 // the last page is at most 65,307 bytes long
	oggBOS       = 0x02     // header type flag: first page of a stream
	oggContinued = 0x01     // header type flag: continues a packet
)

// opusRate is the rate of Opus granule positions, whatever the input rate.
const opusRate = 48000

// Ogg reads the metadata of an Ogg file of size bytes holding Opus or
// Vorbis audio. The first page must be the first of its stream, pass its
// CRC check and hold the codec's identification header: "OpusHead", with
// the pre-skip at bytes 10-11, or "\x01vorbis", with the sample rate at
// bytes 12-15 (both little-endian). The duration is then the granule
// position of the last page of that stream, minus the pre-skip, over 48,000
// for Opus, or over the sample rate for Vorbis. The last page is found by
// looking backwards in the last 64 KB for "OggS" and checking the header
// found there: version 0, the page within the file, the stream's serial
// number and a granule position set. Only the first page's CRC is checked:
// the rest of the file is not read. HasAudio is always true.
//
// If no last page is found (a file with trailing junk), the duration is left
// unknown (0).
func Ogg(r io.ReaderAt, size int64) (Info, error) {
	if size < 0 {
		return Info{}, fmt.Errorf("%w: negative size %d", ErrMalformed, size)
	}
	src := newSource(r, size)
	h, err := src.at(0, oggHeaderLen, size)
	if err != nil {
		return Info{}, err
	}
	if string(h[:4]) != "OggS" {
		return Info{}, fmt.Errorf("%w: not an Ogg file", ErrUnsupported)
	}
	if h[4] != 0 || h[5]&oggBOS == 0 || h[5]&oggContinued != 0 {
		return Info{}, fmt.Errorf("%w: the first Ogg page is not the start of a stream", ErrMalformed)
	}
	serial := binary.LittleEndian.Uint32(h[14:])
	nsegs := int(h[26])
	table, err := src.at(oggHeaderLen, nsegs, size)
	if err != nil {
		return Info{}, err
	}
	dataLen, first := 0, 0
	firstDone := false // whether the first packet ended in the table
	for _, l := range table {
		dataLen += int(l)
		if !firstDone {
			first += int(l)
			firstDone = l < 255
		}
	}
	page, err := src.at(0, oggHeaderLen+nsegs+dataLen, size) // at most 65,307 bytes
	if err != nil {
		return Info{}, err
	}
	if want, got := binary.LittleEndian.Uint32(page[22:]), oggPageCRC(page); want != got {
		return Info{}, fmt.Errorf("%w: Ogg page CRC %#08x, should be %#08x", ErrMalformed, want, got)
	}
	if !firstDone {
		return Info{}, fmt.Errorf("%w: the codec header does not fit the first Ogg page", ErrMalformed)
	}
	packet := page[oggHeaderLen+nsegs:][:first]

	var preSkip, rate uint64
	switch {
	case bytes.HasPrefix(packet, []byte("OpusHead")):
		if len(packet) < 19 {
			return Info{}, fmt.Errorf("%w: OpusHead of %d bytes", ErrMalformed, len(packet))
		}
		preSkip = uint64(binary.LittleEndian.Uint16(packet[10:]))
		rate = opusRate
	case bytes.HasPrefix(packet, []byte("\x01vorbis")):
		if len(packet) < 30 {
			return Info{}, fmt.Errorf("%w: Vorbis header of %d bytes", ErrMalformed, len(packet))
		}
		rate = uint64(binary.LittleEndian.Uint32(packet[12:]))
		if rate == 0 {
			return Info{}, fmt.Errorf("%w: Vorbis sample rate 0", ErrMalformed)
		}
	default:
		return Info{}, fmt.Errorf("%w: Ogg stream is neither Opus nor Vorbis", ErrUnsupported)
	}

	info := Info{HasAudio: true}
	granule, ok, err := oggLastGranule(src, size, serial)
	if err != nil {
		return Info{}, err
	}
	if ok && granule > preSkip {
		ns, ok := mulDiv(granule-preSkip, uint64(time.Second), rate)
		if !ok {
			return Info{}, fmt.Errorf("%w: granule position %d out of range", ErrMalformed, granule)
		}
		info.Duration = time.Duration(ns)
	}
	return info, nil
}

// oggLastGranule returns the granule position of the last page of stream
// serial that lies in the last 64 KB of the file.
func oggLastGranule(src *source, size int64, serial uint32) (uint64, bool, error) {
	n := min(size, oggTail)
	tail, err := src.at(size-n, int(n), size)
	if err != nil {
		return 0, false, err
	}
	for j := len(tail); ; {
		i := bytes.LastIndex(tail[:j], []byte("OggS"))
		if i < 0 {
			return 0, false, nil
		}
		j = i
		h := tail[i:]
		if len(h) < oggHeaderLen || h[4] != 0 || binary.LittleEndian.Uint32(h[14:]) != serial {
			continue
		}
		nsegs := int(h[26])
		if len(h) < oggHeaderLen+nsegs {
			continue
		}
		dataLen := 0
		for _, l := range h[oggHeaderLen : oggHeaderLen+nsegs] {
			dataLen += int(l)
		}
		if len(h) < oggHeaderLen+nsegs+dataLen {
			continue // runs past the end of the file
		}
		// A granule position of -1 marks a page on which no packet ends;
		// other negative values are invalid.
		g := binary.LittleEndian.Uint64(h[6:])
		if int64(g) < 0 {
			continue
		}
		return g, true, nil
	}
}

// oggCRCTable is the table of Ogg's CRC-32: polynomial 0x04C11DB7, most
// significant bit first, initial value 0, no final inversion (not the
// reflected CRC-32 of hash/crc32).
var oggCRCTable = func() (t [256]uint32) {
	for i := range t {
		c := uint32(i) << 24
		for range 8 {
			if c&0x80000000 != 0 {
				c = c<<1 ^ 0x04C11DB7
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

// oggCRC updates crc with b.
func oggCRC(crc uint32, b []byte) uint32 {
	for _, c := range b {
		crc = crc<<8 ^ oggCRCTable[byte(crc>>24)^c]
	}
	return crc
}

// oggPageCRC returns the CRC of a whole page, computed as its field were 0.
func oggPageCRC(page []byte) uint32 {
	crc := oggCRC(0, page[:22])
	crc = oggCRC(crc, []byte{0, 0, 0, 0})
	return oggCRC(crc, page[26:])
}
