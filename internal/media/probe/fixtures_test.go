package probe

// Builders of test files. Every fixture is made here, byte by byte or with
// the standard library's encoders, so that the tests say exactly what each
// file holds.

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"testing"
)

// Colors of the quadrant test image.
var (
	red   = color.RGBA{255, 0, 0, 255}
	green = color.RGBA{0, 255, 0, 255}
	blue  = color.RGBA{0, 0, 255, 255}
	white = color.RGBA{255, 255, 255, 255}
)

// quadrants returns a w×h image whose top-left quarter is red, top-right
// green, bottom-left blue and bottom-right white.
func quadrants(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := [2][2]color.RGBA{{red, green}, {blue, white}}[2*y/h][2*x/w]
			m.SetRGBA(x, y, c)
		}
	}
	return m
}

// uniform returns a w×h image of one color.
func uniform(w, h int, c color.Color) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Set(x, y, c)
		}
	}
	return m
}

func encodePNG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeJPEG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeGIF(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gif.Encode(&b, m, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngHeader returns a PNG with an IHDR claiming w×h pixels and no image
// data: enough for DecodeConfig, which is all a bomb needs to be refused.
func pngHeader(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0) // 8-bit RGBA, no interlace
	b := []byte("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
		td := append([]byte(typ), data...)
		b = append(b, td...)
		b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(td))
	}
	chunk("IHDR", ihdr)
	chunk("IEND", nil)
	return b
}

// jpegWithSize returns jpg with the size in its frame header replaced.
func jpegWithSize(t testing.TB, jpg []byte, w, h uint16) []byte {
	t.Helper()
	i := bytes.Index(jpg, []byte{0xFF, 0xC0})
	if i < 0 {
		t.Fatal("no SOF0 in the JPEG")
	}
	out := bytes.Clone(jpg)
	binary.BigEndian.PutUint16(out[i+5:], h)
	binary.BigEndian.PutUint16(out[i+7:], w)
	return out
}

// withEXIF returns jpg with an APP1 EXIF segment holding orientation o
// inserted after its SOI, in big- or little-endian TIFF. IFD0 has another
// tag before the orientation, as cameras write.
func withEXIF(jpg []byte, o uint16, bigEndian bool) []byte {
	var bo binary.AppendByteOrder = binary.LittleEndian
	tiff := []byte("II*\x00")
	if bigEndian {
		bo, tiff = binary.BigEndian, []byte("MM\x00*")
	}
	tiff = bo.AppendUint32(tiff, 8) // IFD0 right after the header
	tiff = bo.AppendUint16(tiff, 2) // two entries
	// Make (0x010F), ASCII, 4 bytes in the value field: "Go\x00\x00".
	tiff = bo.AppendUint16(tiff, 0x010F)
	tiff = bo.AppendUint16(tiff, 2)
	tiff = bo.AppendUint32(tiff, 4)
	tiff = append(tiff, 'G', 'o', 0, 0)
	// Orientation (0x0112), SHORT, count 1.
	tiff = bo.AppendUint16(tiff, 0x0112)
	tiff = bo.AppendUint16(tiff, 3)
	tiff = bo.AppendUint32(tiff, 1)
	tiff = bo.AppendUint16(tiff, o)
	tiff = append(tiff, 0, 0)
	tiff = bo.AppendUint32(tiff, 0) // no IFD1
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1}
	seg = binary.BigEndian.AppendUint16(seg, uint16(len(payload)+2))
	seg = append(seg, payload...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// bitWriter writes bits least significant first, as VP8L reads them.
type bitWriter struct {
	b []byte
	n uint
}

func (w *bitWriter) write(v uint32, bits int) {
	for i := range bits {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		if v>>i&1 == 1 {
			w.b[len(w.b)-1] |= 1 << (w.n % 8)
		}
		w.n++
	}
}

// webpLossless returns a w×h lossless WebP of one color: a VP8L bitstream
// with no transform, no color cache and five "simple" prefix codes of one
// symbol each (green, red, blue, alpha, distance). A code of one symbol
// takes no bits, so the pixels take none: the file is its headers.
func webpLossless(w, h int, c color.NRGBA) []byte {
	var bw bitWriter
	bw.write(0x2F, 8)
	bw.write(uint32(w-1), 14)
	bw.write(uint32(h-1), 14)
	bw.write(1, 1) // alpha is used
	bw.write(0, 3) // version
	bw.write(0, 1) // no transform
	bw.write(0, 1) // no color cache
	bw.write(0, 1) // no meta prefix codes
	for _, sym := range []uint8{c.G, c.R, c.B, c.A} {
		bw.write(1, 1) // simple code
		bw.write(0, 1) // one symbol
		bw.write(1, 1) // of 8 bits
		bw.write(uint32(sym), 8)
	}
	bw.write(1, 1) // distance: simple, one symbol of 1 bit: 0
	bw.write(0, 1)
	bw.write(0, 1)
	bw.write(0, 1)
	data := bw.b
	chunk := binary.LittleEndian.AppendUint32([]byte("VP8L"), uint32(len(data)))
	chunk = append(chunk, data...)
	if len(data)%2 == 1 {
		chunk = append(chunk, 0)
	}
	file := binary.LittleEndian.AppendUint32([]byte("RIFF"), uint32(4+len(chunk)))
	file = append(file, "WEBP"...)
	return append(file, chunk...)
}

// ---- ISO BMFF ----

func be16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// mp4Box returns a box of the given type holding parts.
func mp4Box(typ string, parts ...[]byte) []byte {
	payload := bytes.Join(parts, nil)
	return append(append(be32(uint32(8+len(payload))), typ...), payload...)
}

// mp4Box64 returns a box with a 64-bit size (size field 1).
func mp4Box64(typ string, parts ...[]byte) []byte {
	payload := bytes.Join(parts, nil)
	b := append(be32(1), typ...)
	b = append(b, be64(uint64(16+len(payload)))...)
	return append(b, payload...)
}

// fullBox returns a box with a version and (zero) flags before parts.
func fullBox(typ string, version byte, parts ...[]byte) []byte {
	return mp4Box(typ, append([][]byte{{version, 0, 0, 0}}, parts...)...)
}

func ftyp(major string, compatible ...string) []byte {
	b := append([]byte(major), 0, 0, 2, 0)
	for _, c := range compatible {
		b = append(b, c...)
	}
	return mp4Box("ftyp", b)
}

// identity and quarterTurn are tkhd matrices: none and 90° clockwise.
var (
	identity    = []uint32{0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000}
	quarterTurn = []uint32{0, 0x10000, 0, 0xFFFF0000, 0, 0, 0, 0, 0x40000000}
)

func matrix(m []uint32) []byte {
	var b []byte
	for _, v := range m {
		b = append(b, be32(v)...)
	}
	return b
}

// mvhd returns a movie header of the given version.
func mvhd(version byte, timescale uint32, duration uint64) []byte {
	var times []byte
	if version == 0 {
		times = bytes.Join([][]byte{be32(1), be32(2), be32(timescale), be32(uint32(duration))}, nil)
	} else {
		times = bytes.Join([][]byte{be64(1), be64(2), be32(timescale), be64(duration)}, nil)
	}
	tail := bytes.Join([][]byte{be32(0x10000), be16(0x100), make([]byte, 10), matrix(identity), make([]byte, 24), be32(3)}, nil)
	return fullBox("mvhd", version, times, tail)
}

// tkhd returns a track header of the given version, size (in whole
// pixels) and matrix.
func tkhd(version byte, w, h uint32, m []uint32) []byte {
	var times []byte
	if version == 0 {
		times = bytes.Join([][]byte{be32(1), be32(2), be32(1), be32(0), be32(1000)}, nil)
	} else {
		times = bytes.Join([][]byte{be64(1), be64(2), be32(1), be32(0), be64(1000)}, nil)
	}
	tail := bytes.Join([][]byte{make([]byte, 8), be16(0), be16(0), be16(0), be16(0), matrix(m), be32(w << 16), be32(h << 16)}, nil)
	return fullBox("tkhd", version, times, tail)
}

func hdlr(handler string) []byte {
	return fullBox("hdlr", 0, be32(0), []byte(handler), make([]byte, 12), []byte("handler\x00"))
}

func trak(header []byte, handler string) []byte {
	return mp4Box("trak", header, mp4Box("mdia", fullBox("mdhd", 0, make([]byte, 20)), hdlr(handler), mp4Box("minf")))
}

// ---- EBML ----

// ebmlID returns an element ID in its shortest form (IDs carry their
// length marker, so this is their big-endian bytes).
func ebmlID(id uint32) []byte {
	switch {
	case id < 1<<8:
		return []byte{byte(id)}
	case id < 1<<16:
		return be16(uint16(id))
	case id < 1<<24:
		return be32(id)[1:]
	}
	return be32(id)
}

// ebmlSize returns size as the shortest variable-length integer.
func ebmlSize(size uint64) []byte {
	for l := 1; l <= 8; l++ {
		if size < 1<<(7*l)-1 {
			v := size | 1<<(7*l)
			return be64(v)[8-l:]
		}
	}
	panic("size too large")
}

// unknownSize is the 8-byte size "unknown" that MediaRecorder writes.
var unknownSize = []byte{0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}

func ebml(id uint32, parts ...[]byte) []byte {
	payload := bytes.Join(parts, nil)
	b := append(ebmlID(id), ebmlSize(uint64(len(payload)))...)
	return append(b, payload...)
}

func ebmlUnknown(id uint32, parts ...[]byte) []byte {
	b := append(ebmlID(id), unknownSize...)
	return append(b, bytes.Join(parts, nil)...)
}

func ebmlUint(id uint32, v uint64) []byte {
	b := be64(v)
	for len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	return ebml(id, b)
}

func ebmlString(id uint32, s string) []byte { return ebml(id, []byte(s)) }

func ebmlFloat64(id uint32, f float64) []byte { return ebml(id, be64(math.Float64bits(f))) }

func ebmlFloat32(id uint32, f float32) []byte { return ebml(id, be32(math.Float32bits(f))) }

func ebmlHeader(docType string) []byte {
	return ebml(idEBML,
		ebmlUint(0x4286, 1), ebmlUint(0x42F7, 1), ebmlUint(0x42F2, 4), ebmlUint(0x42F3, 8),
		ebmlString(idDocType, docType), ebmlUint(0x4287, 4), ebmlUint(0x4285, 2))
}

// simpleBlock returns a SimpleBlock of track 1 at relative timecode rel.
func simpleBlock(rel int16, payload []byte) []byte {
	return ebml(idSimpleBlock, []byte{0x81}, be16(uint16(rel)), []byte{0x80}, payload)
}

func videoTrack(w, h uint64) []byte {
	return ebml(idTrackEntry, ebmlUint(0xD7, 1), ebmlUint(idTrackType, 1), ebmlString(0x86, "V_VP8"),
		ebml(idVideo, ebmlUint(idPixelWidth, w), ebmlUint(idPixelHeight, h)))
}

func audioTrack() []byte {
	return ebml(idTrackEntry, ebmlUint(0xD7, 2), ebmlUint(idTrackType, 2), ebmlString(0x86, "A_OPUS"),
		ebml(0xE1, ebmlFloat64(0xB5, 48000), ebmlUint(0x9F, 1)))
}

// ---- Ogg ----

// refOggCRC is Ogg's CRC-32 computed bit by bit, to check the package's
// table-driven one against.
func refOggCRC(b []byte) uint32 {
	var crc uint32
	for _, c := range b {
		crc ^= uint32(c) << 24
		for range 8 {
			if crc&0x80000000 != 0 {
				crc = crc<<1 ^ 0x04C11DB7
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// oggPage returns an Ogg page holding packets, with a valid CRC.
func oggPage(headerType byte, granule uint64, serial, seq uint32, packets ...[]byte) []byte {
	var table, data []byte
	for _, p := range packets {
		n := len(p)
		for ; n >= 255; n -= 255 {
			table = append(table, 255)
		}
		table = append(table, byte(n))
		data = append(data, p...)
	}
	return oggRawPage(headerType, granule, serial, seq, table, data)
}

// oggRawPage returns an Ogg page of the given segment table and data, with
// a valid CRC.
func oggRawPage(headerType byte, granule uint64, serial, seq uint32, table, data []byte) []byte {
	b := []byte("OggS\x00")
	b = append(b, headerType)
	b = binary.LittleEndian.AppendUint64(b, granule)
	b = binary.LittleEndian.AppendUint32(b, serial)
	b = binary.LittleEndian.AppendUint32(b, seq)
	b = append(b, 0, 0, 0, 0, byte(len(table)))
	b = append(b, table...)
	b = append(b, data...)
	binary.LittleEndian.PutUint32(b[22:], refOggCRC(b))
	return b
}

func opusHead(preSkip uint16) []byte {
	b := []byte("OpusHead\x01\x01")
	b = binary.LittleEndian.AppendUint16(b, preSkip)
	b = binary.LittleEndian.AppendUint32(b, 48000)
	return append(b, 0, 0, 0)
}

func vorbisHead(rate uint32) []byte {
	b := []byte("\x01vorbis\x00\x00\x00\x00\x02")
	b = binary.LittleEndian.AppendUint32(b, rate)
	b = append(b, make([]byte, 12)...)
	return append(b, 0xB8, 0x01)
}
