package probe

import (
	"bytes"
	"encoding/binary"
)

// Bounds of the EXIF reader: how many JPEG segments it passes over looking
// for APP1 (files have a handful before the frame header).
const maxJPEGSegments = 64

// exifOrientation returns the EXIF orientation (1-8) of the JPEG whose first
// bytes are b, or 1 when it has none or b ends before it. It reads only what
// it needs: the segments before the frame header, the APP1 "Exif" one, its
// TIFF header and IFD0's entries, looking for tag 0x0112. Each step is
// checked against len(b), and the number of steps is bounded.
//
// Orientation tells how the stored pixels must be turned to be seen upright:
// 1 as stored, 2 mirrored left-right, 3 turned 180°, 4 mirrored top-bottom,
// 5 transposed, 6 turned 90° clockwise, 7 transversed, 8 turned 90°
// counter-clockwise. Phones store portrait photos as landscape with 6 or 8.
func exifOrientation(b []byte) int {
	if len(b) < 2 || b[0] != 0xFF || b[1] != 0xD8 {
		return 1
	}
	p := 2
	for range maxJPEGSegments {
		if p+4 > len(b) || b[p] != 0xFF {
			return 1
		}
		marker := b[p+1]
		switch {
		case marker == 0xFF: // fill byte before a marker
			p++
			continue
		case marker == 0x01 || marker >= 0xD0 && marker <= 0xD7: // no length
			p += 2
			continue
		case marker == 0xDA || marker == 0xD9 || marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC:
			// Scan, end or a frame header: EXIF comes before these.
			return 1
		}
		n := int(binary.BigEndian.Uint16(b[p+2:]))
		if n < 2 || p+2+n > len(b) {
			return 1
		}
		if marker == 0xE1 {
			if o := tiffOrientation(b[p+4 : p+2+n]); o != 0 {
				return o
			}
		}
		p += 2 + n
	}
	return 1
}

// tiffOrientation returns the orientation tag of IFD0 in an APP1 segment's
// payload, or 0 if the payload is not EXIF or has no valid tag.
func tiffOrientation(seg []byte) int {
	t, ok := bytes.CutPrefix(seg, []byte("Exif\x00\x00"))
	if !ok || len(t) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	if bo.Uint16(t[2:]) != 42 {
		return 0
	}
	ifd := uint64(bo.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > uint64(len(t)) {
		return 0
	}
	count := int(bo.Uint16(t[ifd:]))
	for i := range count {
		e := int(ifd) + 2 + 12*i
		if e+12 > len(t) {
			return 0
		}
		if bo.Uint16(t[e:]) != 0x0112 {
			continue
		}
		// Type SHORT (3), count 1: the value is in the first two bytes of
		// the value field.
		if bo.Uint16(t[e+2:]) != 3 || bo.Uint32(t[e+4:]) != 1 {
			return 0
		}
		if o := int(bo.Uint16(t[e+8:])); o >= 1 && o <= 8 {
			return o
		}
		return 0
	}
	return 0
}
