package probe

import (
	"bytes"
	"errors"
	"image/jpeg"
	"testing"
)

// The fuzz targets check that no input makes a parser panic, hang or
// break its promises: errors wrap one of the sentinels, sizes and durations
// are not negative, and images are within the limits. The seeds are the
// test fixtures.

// checkError fails unless err is nil or wraps one of the sentinels (the
// inputs are in memory, so there are no read errors).
func checkError(t *testing.T, err error) {
	t.Helper()
	if err != nil && !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTooLarge) {
		t.Fatalf("error wraps no sentinel: %v", err)
	}
}

// checkInfo fails if info has a negative field, or any field set with err.
func checkInfo(t *testing.T, info Info, err error) {
	t.Helper()
	checkError(t, err)
	if err != nil && info != (Info{}) {
		t.Fatalf("%+v returned with %v", info, err)
	}
	if info.Width < 0 || info.Height < 0 || info.Duration < 0 {
		t.Fatalf("negative field in %+v", info)
	}
}

func containerSeeds(f *testing.F) {
	moovLast, _, _ := mp4MoovLast()
	for _, b := range [][]byte{
		mp4Fixture(), moovLast, webmFixture(), webmRecorder(false), webmRecorder(true),
		opusFixture(), vorbisFixture(), nil, []byte("OggS"), ebmlHeader("webm"), ftyp("isom"),
	} {
		f.Add(b)
	}
}

func imageSeeds(f *testing.F) {
	for _, b := range imageFixtures(f) {
		f.Add(b)
	}
	jpg := encodeJPEG(f, quadrants(32, 16))
	f.Add(withEXIF(jpg, 6, false))
	f.Add(withEXIF(jpg, 3, true))
	f.Add(encodePNG(f, uniform(8, 8, white)))
	f.Add(pngHeader(100_000, 100_000))
	f.Add(pngHeader(MaxSide, 1))
	f.Add(gifScreen(20000, 1))
}

func FuzzSniff(f *testing.F) {
	containerSeeds(f)
	imageSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		got := Sniff(b)
		if got == "" {
			t.Fatal("empty MIME type")
		}
		if len(b) > sniffLen {
			if head := Sniff(b[:sniffLen]); head != got {
				t.Fatalf("Sniff looked past %d bytes: %q, %q", sniffLen, got, head)
			}
		}
		// What Sniff says, Check and Probe take without panicking.
		for _, k := range []Kind{Photo, Video, Voice, Audio, File} {
			checkError(t, Check(k, got, got))
		}
		info, err := Probe(got, bytes.NewReader(b), int64(len(b)))
		checkInfo(t, info, err)
	})
}

func FuzzImage(f *testing.F) {
	imageSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := Image(bytes.NewReader(b))
		checkInfo(t, info, err)
		if err != nil {
			return
		}
		w, h := info.Width, info.Height
		if w <= 0 || h <= 0 || w > MaxSide || h > MaxSide || w*h > MaxPixels {
			t.Fatalf("Image took %d×%d", w, h)
		}
	})
}

func FuzzMP4(f *testing.F) {
	containerSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := MP4(bytes.NewReader(b), int64(len(b)))
		checkInfo(t, info, err)
	})
}

func FuzzWebM(f *testing.F) {
	containerSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := WebM(bytes.NewReader(b), int64(len(b)))
		checkInfo(t, info, err)
		// A short tail takes the other ways to the last cluster.
		info, err = webm(bytes.NewReader(b), int64(len(b)), 16)
		checkInfo(t, info, err)
	})
}

func FuzzOgg(f *testing.F) {
	containerSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := Ogg(bytes.NewReader(b), int64(len(b)))
		checkInfo(t, info, err)
		if err == nil && !info.HasAudio {
			t.Fatal("Ogg without HasAudio")
		}
	})
}

// fuzzPixels bounds the images FuzzThumbnails decodes: a header may ask for
// up to MaxPixels, which the decoders allocate before reading the data, and
// decoding those in every run would slow fuzzing down without finding
// more. Larger headers are still checked to be refused or accepted as
// Image does.
const fuzzPixels = 1 << 18

func FuzzThumbnails(f *testing.F) {
	imageSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		info, ierr := Image(bytes.NewReader(b))
		if ierr != nil {
			// Refused by its header: Thumbnails refuses it the same way
			// without decoding.
			_, thumbs, err := Thumbnails(bytes.NewReader(b), []int{16, 64})
			if err == nil || thumbs != nil || errors.Is(err, ErrTooLarge) != errors.Is(ierr, ErrTooLarge) {
				t.Fatalf("Image: %v; Thumbnails: %v", ierr, err)
			}
			return
		}
		if info.Width*info.Height > fuzzPixels {
			full, _, err := Thumbnails(bytes.NewReader(b), nil) // the header only
			if err != nil || full != info {
				t.Fatalf("Image: %+v; Thumbnails: %+v, %v", info, full, err)
			}
			return
		}
		sides := []int{64, 16}
		full, thumbs, err := Thumbnails(bytes.NewReader(b), sides)
		checkError(t, err)
		if err != nil {
			return
		}
		if full != info {
			t.Fatalf("Image: %+v; Thumbnails: %+v", info, full)
		}
		if len(thumbs) != len(sides) {
			t.Fatalf("%d thumbnails for %d sides", len(thumbs), len(sides))
		}
		for i, th := range thumbs {
			if th.Side != sides[i] || th.Width < 1 || th.Height < 1 || th.Width > full.Width || th.Height > full.Height ||
				max(th.Width, th.Height) > th.Side {
				t.Fatalf("thumbnail %d×%d for side %d of %+v", th.Width, th.Height, th.Side, full)
			}
			cfg, err := jpeg.DecodeConfig(bytes.NewReader(th.JPEG))
			if err != nil || cfg.Width != th.Width || cfg.Height != th.Height {
				t.Fatalf("thumbnail's JPEG: %+v, %v", cfg, err)
			}
		}
	})
}
