package probe

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSniff(t *testing.T) {
	imgs := imageFixtures(t)
	mp3Frame := append([]byte{0xFF, 0xFB, 0x90, 0x00}, make([]byte, 413)...)                   // MPEG-1 layer III, 128 kbit/s, 44.1 kHz: 417 bytes
	adtsFrame := append([]byte{0xFF, 0xF1, 0x50, 0x80, 0x0C, 0x9F, 0xFC}, make([]byte, 93)...) // 100 bytes
	moovLast, _, _ := mp4MoovLast()
	cases := []struct {
		name string
		head []byte
		want string
	}{
		{"jpeg", imgs["jpeg"], "image/jpeg"},
		{"png", imgs["png"], "image/png"},
		{"gif", imgs["gif"], "image/gif"},
		{"webp", imgs["webp"], "image/webp"},
		{"wav", []byte("RIFF\x24\x00\x00\x00WAVEfmt "), "audio/wav"},
		{"mp4 isom", mp4Fixture(), "video/mp4"},
		{"mp4 mp42", moovLast, "video/mp4"},
		{"mp4 by a compatible brand", ftyp("abcd", "abcd", "mp41"), "video/mp4"},
		{"m4v", ftyp("M4V ", "M4V ", "M4A "), "video/mp4"},
		{"quicktime", ftyp("qt  ", "qt  "), "video/quicktime"},
		{"m4a", ftyp("M4A ", "M4A ", "mp42", "isom"), "audio/mp4"},
		{"heic is no video", ftyp("heic", "mif1", "heic"), "image/heic"},
		{"avif with mp4 brands is no video", ftyp("avif", "avif", "mif1", "miaf", "mp41"), "image/avif"},
		{"heif by a compatible brand", ftyp("abcd", "mif1", "mp41"), "image/heif"},
		{"unknown brands", ftyp("abcd", "abcd"), "application/octet-stream"},
		{"webm", webmFixture(), "video/webm"},
		{"audio-only webm", webmRecorder(false), "video/webm"},
		{"matroska", ebmlHeader("matroska"), "video/webm"},
		{"ogg", opusFixture(), "audio/ogg"},
		{"pdf", []byte("%PDF-1.7\n%âãÏÓ\n"), "application/pdf"},
		{"id3", []byte("ID3\x04\x00\x00\x00\x00\x00\x00"), "audio/mpeg"},
		{"mpeg frames", append(bytes.Clone(mp3Frame), mp3Frame...), "audio/mpeg"},
		{"one mpeg frame header", mp3Frame[:100], "audio/mpeg"},
		{"mpeg header with no second frame", append(bytes.Clone(mp3Frame), "not a frame"...), "application/octet-stream"},
		{"adts", append(bytes.Clone(adtsFrame), adtsFrame...), "audio/aac"},
		{"utf-16 text is no mp3", []byte("\xFF\xFEh\x00i\x00"), "text/plain; charset=utf-16le"},
		{"text", []byte("hello, world"), "text/plain; charset=utf-8"},
		{"html", []byte("<!DOCTYPE html><html>"), "text/html; charset=utf-8"},
		{"empty", nil, "text/plain; charset=utf-8"},
		{"zip", []byte("PK\x03\x04\x14\x00"), "application/zip"},
		{"truncated riff", []byte("RIFF\x00\x00"), "application/octet-stream"},
		{"signature after 512 bytes is not seen", append(make([]byte, 512), "%PDF-"...), "application/octet-stream"},
	}
	for _, c := range cases {
		if got := Sniff(c.head); got != c.want {
			t.Errorf("%s: Sniff = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestMPEGFrameLen(t *testing.T) {
	cases := []struct {
		h    []byte
		want int
	}{
		{[]byte{0xFF, 0xFB, 0x90, 0x00}, 417},                     // MPEG-1 L3 128k 44.1k
		{[]byte{0xFF, 0xFB, 0x92, 0x00}, 418},                     // padded
		{[]byte{0xFF, 0xFD, 0x84, 0x00}, 384},                     // MPEG-1 L2 128k 48k: 144×128000/48000
		{[]byte{0xFF, 0xFF, 0x44, 0x00}, 4 * 12 * 128000 / 48000}, // MPEG-1 L1 128k 48k
		{[]byte{0xFF, 0xF3, 0x80, 0x00}, 72 * 64000 / 22050},      // MPEG-2 L3 64k 22.05k
		{[]byte{0xFF, 0xE3, 0x80, 0x00}, 72 * 64000 / 11025},      // MPEG-2.5 L3 64k 11.025k
		{[]byte{0xFF, 0xFB, 0x00, 0x00}, 0},                       // free format
		{[]byte{0xFF, 0xFB, 0xF0, 0x00}, 0},                       // bad bit rate
		{[]byte{0xFF, 0xFB, 0x9C, 0x00}, 0},                       // reserved sample rate
		{[]byte{0xFF, 0xEB, 0x90, 0x00}, 0},                       // reserved version
		{[]byte{0xFF, 0xF9, 0x90, 0x00}, 0},                       // reserved layer
		{[]byte{0xFF, 0xFB}, 0},                                   // short
	}
	for _, c := range cases {
		if got := mpegFrameLen(c.h); got != c.want {
			t.Errorf("mpegFrameLen(% x) = %d, want %d", c.h, got, c.want)
		}
	}
}

func TestCheck(t *testing.T) {
	cases := []struct {
		kind             Kind
		claimed, sniffed string
		ok               bool
	}{
		{Photo, "image/jpeg", "image/jpeg", true},
		{Photo, "image/jpg", "image/jpeg", true},
		{Photo, "IMAGE/PNG", "image/png", true},
		{Photo, "image/webp", "image/webp", true},
		{Photo, "image/gif", "image/gif", true},
		{Photo, "image/png", "image/jpeg", false},
		{Photo, "", "image/jpeg", true}, // nothing claimed (a bot's upload): the kind alone is checked
		{Photo, "image/svg+xml", "text/xml; charset=utf-8", false},
		{Photo, "application/pdf", "application/pdf", false},
		{Video, "video/mp4", "video/mp4", true},
		{Video, "video/mp4", "video/quicktime", true},
		{Video, "video/webm;codecs=vp8,opus", "video/webm", true},
		{Video, "video/mp4", "audio/mp4", false},
		{Video, "video/x-msvideo", "video/avi", false},
		{Voice, "audio/ogg; codecs=opus", "audio/ogg", true},
		{Voice, "audio/webm;codecs=opus", "video/webm", true},
		{Voice, "audio/webm", "audio/webm", true},
		{Voice, "audio/mpeg", "audio/mpeg", false},
		{Voice, "video/mp4", "video/mp4", false},
		{Audio, "audio/mpeg", "audio/mpeg", true},
		{Audio, "audio/wav", "audio/wav", true},
		{Audio, "audio/x-m4a", "audio/mp4", true},
		{Audio, "audio/mp4", "video/mp4", true},
		{Audio, "audio/webm", "video/webm", true},
		{Audio, "audio/ogg", "audio/ogg", true},
		{Audio, "audio/mpeg", "image/png", false},
		{Audio, "video/quicktime", "video/quicktime", false},
		{File, "application/x-anything", "application/octet-stream", true},
		{File, "", "image/png", true},
		{Kind("sticker"), "image/png", "image/png", false},
	}
	for _, c := range cases {
		err := Check(c.kind, c.claimed, c.sniffed)
		if (err == nil) != c.ok {
			t.Errorf("Check(%s, %q, %q) = %v, want ok %t", c.kind, c.claimed, c.sniffed, err, c.ok)
		}
		if err != nil && !errors.Is(err, ErrUnsupported) {
			t.Errorf("Check(%s, %q, %q) = %v, not ErrUnsupported", c.kind, c.claimed, c.sniffed, err)
		}
	}
	// The error says what was found.
	if err := Check(Photo, "image/png", "application/pdf"); err == nil || !strings.Contains(err.Error(), "application/pdf") {
		t.Errorf("Check's error %v does not name the content's type", err)
	}
}

func TestCheckInfo(t *testing.T) {
	cases := []struct {
		kind Kind
		info Info
		ok   bool
	}{
		{Voice, Info{HasAudio: true}, true},
		{Voice, Info{HasAudio: true, HasVideo: true}, false},
		{Voice, Info{}, false},
		{Video, Info{HasVideo: true}, true},
		{Video, Info{HasAudio: true}, false},
		{Audio, Info{}, true},
		{Photo, Info{Width: 1, Height: 1}, true},
		{File, Info{}, true},
	}
	for _, c := range cases {
		err := CheckInfo(c.kind, c.info)
		if (err == nil) != c.ok || err != nil && !errors.Is(err, ErrUnsupported) {
			t.Errorf("CheckInfo(%s, %+v) = %v, want ok %t", c.kind, c.info, err, c.ok)
		}
	}
}

func TestProbe(t *testing.T) {
	moovLast, _, _ := mp4MoovLast()
	cases := []struct {
		mime string
		file []byte
		want Info
	}{
		{"image/png", imageFixtures(t)["png"], Info{Width: 40, Height: 30}},
		{"image/webp", imageFixtures(t)["webp"], Info{Width: 3, Height: 2}},
		{"video/mp4", mp4Fixture(), Info{Width: 640, Height: 360, Duration: 12345 * time.Millisecond, HasVideo: true, HasAudio: true}},
		{"video/quicktime", moovLast, Info{Width: 1080, Height: 1920, Duration: 5*time.Hour + 500*time.Millisecond, HasVideo: true, HasAudio: true}},
		{"video/webm", webmFixture(), Info{Width: 1280, Height: 720, Duration: 12345 * time.Millisecond, HasVideo: true, HasAudio: true}},
		{"audio/webm; codecs=opus", webmRecorder(false), Info{Duration: 34 * time.Second, HasAudio: true}},
		{"audio/ogg", opusFixture(), Info{Duration: 7500 * time.Millisecond, HasAudio: true}},
		{"audio/mpeg", []byte("ID3"), Info{}},
		{"application/pdf", []byte("%PDF-"), Info{}},
	}
	for _, c := range cases {
		got, err := Probe(c.mime, bytes.NewReader(c.file), int64(len(c.file)))
		if err != nil || got != c.want {
			t.Errorf("Probe(%s) = %+v, %v; want %+v", c.mime, got, err, c.want)
		}
	}
	if _, err := Probe("video/mp4", bytes.NewReader([]byte("not an mp4 at all")), 17); !errors.Is(err, ErrMalformed) {
		t.Errorf("Probe of junk as MP4: %v, want ErrMalformed", err)
	}
}

func TestMulDiv(t *testing.T) {
	cases := []struct {
		a, b, c uint64
		want    int64
		ok      bool
	}{
		{12345, 1e9, 1000, 12_345_000_000, true},
		{1 << 62, 1e9, 1 << 40, (1 << 22) * 1e9, true},
		{1 << 63, 1e9, 1, 0, false},
		{5, 1e9, 0, 0, false},
		{1<<63 + 1, 1, 1, 0, false},
	}
	for _, c := range cases {
		got, ok := mulDiv(c.a, c.b, c.c)
		if got != c.want || ok != c.ok {
			t.Errorf("mulDiv(%d, %d, %d) = %d, %t; want %d, %t", c.a, c.b, c.c, got, ok, c.want, c.ok)
		}
	}
}

// failingReaderAt fails every read with err.
type failingReaderAt struct{ err error }

func (f failingReaderAt) ReadAt([]byte, int64) (int, error) { return 0, f.err }

// TestReadErrorsPassThrough checks that a failing disk is not reported as
// a malformed file: the read error is returned, wrapping no sentinel.
func TestReadErrorsPassThrough(t *testing.T) {
	disk := errors.New("disk on fire")
	for name, f := range map[string]func(r failingReaderAt) error{
		"MP4":  func(r failingReaderAt) error { _, err := MP4(r, 1000); return err },
		"WebM": func(r failingReaderAt) error { _, err := WebM(r, 1000); return err },
		"Ogg":  func(r failingReaderAt) error { _, err := Ogg(r, 1000); return err },
		"Image": func(r failingReaderAt) error {
			_, err := Image(iotestReader{disk})
			return err
		},
		"Thumbnails": func(r failingReaderAt) error {
			_, _, err := Thumbnails(iotestReader{disk}, []int{100})
			return err
		},
	} {
		err := f(failingReaderAt{disk})
		if !errors.Is(err, disk) || errors.Is(err, ErrMalformed) || errors.Is(err, ErrUnsupported) || errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: %v, want the read error only", name, err)
		}
	}
}

// iotestReader fails every read with err.
type iotestReader struct{ err error }

func (r iotestReader) Read([]byte) (int, error) { return 0, r.err }
