package probe

import (
	"bytes"
	"encoding/binary"
	"net/http"
)

// sniffLen is how much of the head Sniff looks at, as http.DetectContentType.
const sniffLen = 512

// Sniff returns the MIME type the content's first bytes show (at most 512
// bytes are looked at). It knows the media formats of this package more
// precisely than http.DetectContentType:
//
//   - image/jpeg, image/png, image/gif, image/webp by their signatures;
//   - ISO BMFF (an "ftyp" box) by its brands: video/quicktime for the "qt"
//     brand, audio/mp4 for the iTunes audio brands (M4A, M4B, M4P), and
//     video/mp4 for the MP4 brands (isom, iso2…, mp41, mp42, avc1, M4V, dash,
//     3gp…), and image/heic, image/heif or image/avif for HEIF and AVIF
//     images, which list MP4 brands too but are no videos;
//   - video/webm for any EBML file: a webm holding only audio cannot be told
//     from the head, and Matroska is read by the same parser;
//   - audio/ogg for Ogg, audio/wav for RIFF WAVE, audio/mpeg for ID3 tags or
//     an MPEG audio frame header (checked against the next frame when that
//     is within the head), audio/aac for ADTS frames, application/pdf;
//
// and otherwise it returns http.DetectContentType's answer.
func Sniff(head []byte) string {
	if len(head) > sniffLen {
		head = head[:sniffLen]
	}
	has := func(off int, sig string) bool {
		return len(head) >= off+len(sig) && string(head[off:off+len(sig)]) == sig
	}
	switch {
	case has(0, "\xFF\xD8\xFF"):
		return "image/jpeg"
	case has(0, "\x89PNG\r\n\x1A\n"):
		return "image/png"
	case has(0, "GIF87a"), has(0, "GIF89a"):
		return "image/gif"
	case has(0, "RIFF") && has(8, "WEBP"):
		return "image/webp"
	case has(0, "RIFF") && has(8, "WAVE"):
		return "audio/wav"
	case has(4, "ftyp"):
		if t := sniffFtyp(head); t != "" {
			return t
		}
	case has(0, "\x1A\x45\xDF\xA3"):
		return "video/webm"
	case has(0, "OggS"):
		return "audio/ogg"
	case has(0, "%PDF-"):
		return "application/pdf"
	case has(0, "ID3"):
		return "audio/mpeg"
	case mpegAudioFrames(head):
		return "audio/mpeg"
	case adtsFrames(head):
		return "audio/aac"
	}
	return http.DetectContentType(head)
}

// Brands of ISO BMFF files, as the ftyp box names them (four bytes, padded
// with spaces).
var (
	videoBrands = map[string]bool{
		"isom": true, "iso2": true, "iso3": true, "iso4": true, "iso5": true, "iso6": true,
		"iso7": true, "iso8": true, "iso9": true, "mp41": true, "mp42": true, "avc1": true,
		"M4V ": true, "M4VH": true, "M4VP": true, "dash": true, "cmfc": true, "msnv": true,
		"MSNV": true, "3gp4": true, "3gp5": true, "3gp6": true, "3g2a": true, "f4v ": true,
		"mmp4": true,
	}
	audioBrands = map[string]bool{"M4A ": true, "M4B ": true, "M4P ": true, "F4A ": true, "F4B ": true}
	// imageBrands are HEIF and AVIF stills and sequences, which often list
	// MP4 brands among their compatible ones but are not videos.
	imageBrands = map[string]string{
		"heic": "image/heic", "heix": "image/heic", "heim": "image/heic", "heis": "image/heic",
		"hevc": "image/heic-sequence", "hevx": "image/heic-sequence",
		"mif1": "image/heif", "msf1": "image/heif-sequence",
		"avif": "image/avif", "avis": "image/avif",
	}
)

// sniffFtyp returns the MIME type of an ISO BMFF file from the brands of its
// leading ftyp box, or "" when none of them is known.
func sniffFtyp(head []byte) string {
	if len(head) < 12 {
		return ""
	}
	end := len(head)
	if n := binary.BigEndian.Uint32(head); n >= 8 && int64(n) < int64(end) {
		end = int(n)
	}
	major := string(head[8:12])
	switch {
	case major == "qt  ":
		return "video/quicktime"
	case audioBrands[major]:
		return "audio/mp4"
	case videoBrands[major]:
		return "video/mp4"
	case imageBrands[major] != "":
		return imageBrands[major]
	}
	// After the major brand come the minor version (4 bytes) and the
	// compatible brands.
	for off := 16; off+4 <= end; off += 4 {
		b := string(head[off : off+4])
		if t := imageBrands[b]; t != "" {
			return t
		}
		if videoBrands[b] {
			return "video/mp4"
		}
	}
	return ""
}

// MPEG audio bit rates in kbit/s by bit-rate index (1-14), for MPEG-1
// layers I, II, III and MPEG-2/2.5 layer I and layers II/III.
var mpegBitrates = [5][15]int{
	{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448},
	{0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},
	{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},
	{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},
	{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
}

// mpegFrameLen returns the length in bytes of the MPEG audio frame whose
// header starts h, or 0 if h does not start a valid header. Free-format
// frames (bit-rate index 0) count as invalid: their length is not in the
// header, and taking them would let far more binary files pass for MP3.
func mpegFrameLen(h []byte) int {
	if len(h) < 3 || h[0] != 0xFF || h[1]&0xE0 != 0xE0 {
		return 0
	}
	version := h[1] >> 3 & 3 // 0: MPEG-2.5, 1: reserved, 2: MPEG-2, 3: MPEG-1
	layer := h[1] >> 1 & 3   // 1: III, 2: II, 3: I, 0: reserved
	brIndex := h[2] >> 4
	srIndex := h[2] >> 2 & 3
	if version == 1 || layer == 0 || brIndex == 0 || brIndex == 15 || srIndex == 3 {
		return 0
	}
	rate := [3]int{44100, 48000, 32000}[srIndex]
	switch version {
	case 2:
		rate /= 2
	case 0:
		rate /= 4
	}
	var table int
	switch {
	case version == 3:
		table = int(3 - layer) // layer I → 0, II → 1, III → 2
	case layer == 3:
		table = 3
	default:
		table = 4
	}
	bitrate := mpegBitrates[table][brIndex] * 1000
	pad := int(h[2] >> 1 & 1)
	switch {
	case layer == 3:
		return (12*bitrate/rate + pad) * 4
	case layer == 1 && version != 3:
		return 72*bitrate/rate + pad
	default:
		return 144*bitrate/rate + pad
	}
}

// mpegAudioFrames tells whether head starts with an MPEG audio frame and,
// when the next frame starts within head, with a second one after it. Two
// bytes 0xFF 0xFx start many binary files by chance (a UTF-16 byte order
// mark is one); a second header exactly one frame later does not.
func mpegAudioFrames(head []byte) bool {
	if bytes.HasPrefix(head, []byte{0xFF, 0xFE}) {
		return false
	}
	n := mpegFrameLen(head)
	if n == 0 {
		return false
	}
	if len(head) >= n+3 {
		return mpegFrameLen(head[n:]) != 0
	}
	return true
}

// adtsFrames tells, as mpegAudioFrames for MPEG audio, whether head starts
// with AAC ADTS frames.
func adtsFrames(head []byte) bool {
	frameLen := func(h []byte) int {
		// Sync word 0xFFF, layer 00, a sampling-frequency index below 13,
		// and a 13-bit frame length that covers at least the header.
		if len(h) < 7 || h[0] != 0xFF || h[1]&0xF6 != 0xF0 || h[2]>>2&0xF >= 13 {
			return 0
		}
		n := int(h[3]&3)<<11 | int(h[4])<<3 | int(h[5]>>5)
		if n < 7 {
			return 0
		}
		return n
	}
	n := frameLen(head)
	if n == 0 {
		return false
	}
	if len(head) >= n+7 {
		return frameLen(head[n:]) != 0
	}
	return true
}
