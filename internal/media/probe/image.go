package probe

import (
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // registers GIF with image.DecodeConfig and image.Decode
	_ "image/jpeg" // registers JPEG
	_ "image/png"  // registers PNG
	"io"

	_ "golang.org/x/image/webp" // registers WebP (the package only decodes)
)

// Limits for images, checked from the header before any decoding: a
// decoder allocates the whole pixel buffer from the header's size, so a
// small file can ask for gigabytes (a decompression bomb). MaxPixels allows
// 50-megapixel camera photos (about 200 MB decoded as RGBA); MaxSide allows
// panoramas up to that area.
const (
	MaxSide   = 16384
	MaxPixels = 50_000_000
)

// exifHeadLen is how much of an image's head Image keeps to find the EXIF
// orientation: APP1, where EXIF lives, is at most 64 KB and follows the
// start of the file, after at most an APP0.
const exifHeadLen = 128 << 10

// Image reads only the header of an image (JPEG, PNG, GIF or WebP, through
// image.DecodeConfig) and refuses, with ErrTooLarge, one wider or taller
// than MaxSide or of more than MaxPixels pixels. Width and Height are as
// displayed: for a JPEG whose EXIF orientation turns it a quarter (5-8),
// they are the stored ones swapped, as Thumbnails reports them.
func Image(r io.Reader) (Info, error) {
	er := &errReader{r: r}
	hr := &headReader{r: er, max: exifHeadLen}
	cfg, format, err := image.DecodeConfig(hr)
	if err != nil {
		return Info{}, imageError(err, er)
	}
	if err := checkSize(cfg.Width, cfg.Height); err != nil {
		return Info{}, err
	}
	info := Info{Width: cfg.Width, Height: cfg.Height}
	if format == "jpeg" && exifOrientation(hr.head) >= 5 {
		info.Width, info.Height = info.Height, info.Width
	}
	return info, nil
}

// checkSize refuses an image size that is empty or over the limits.
func checkSize(w, h int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("%w: image of %d×%d pixels", ErrMalformed, w, h)
	}
	if w > MaxSide || h > MaxSide || int64(w)*int64(h) > MaxPixels {
		return fmt.Errorf("%w: image of %d×%d pixels (at most %d on a side and %d in all)", ErrTooLarge, w, h, MaxSide, MaxPixels)
	}
	return nil
}

// imageError classifies an error of the image decoders: an unknown format
// is unsupported, a failure to read is returned as it is, and the rest
// (truncated data, bad values) is malformed.
func imageError(err error, r *errReader) error {
	switch {
	case r.err != nil:
		return fmt.Errorf("probe: reading the image: %w", r.err)
	case errors.Is(err, image.ErrFormat):
		return fmt.Errorf("%w: not a JPEG, PNG, GIF or WebP image", ErrUnsupported)
	}
	return fmt.Errorf("%w: %v", ErrMalformed, err)
}

// errReader remembers the first error of r other than io.EOF, so that a
// failing disk or connection is not reported as a malformed file: the image
// decoders turn every error into their own.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

// headReader keeps a copy of the first max bytes read through it.
type headReader struct {
	r    io.Reader
	max  int
	head []byte
}

func (h *headReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if room := h.max - len(h.head); room > 0 {
		h.head = append(h.head, p[:min(n, room)]...)
	}
	return n, err
}
