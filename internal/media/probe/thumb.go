package probe

import (
	"bytes"
	"cmp"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"slices"

	"golang.org/x/image/draw"
)

// Thumb is one thumbnail: the side it was asked for, its size as displayed
// and its JPEG encoding.
type Thumb struct {
	Side, Width, Height int
	JPEG                []byte
}

// thumbQuality is the JPEG quality of thumbnails: small files without
// visible blocks at the sizes chat clients show.
const thumbQuality = 82

// fastSide is the side above which thumbnails are scaled bilinearly: the
// Catmull-Rom scaler of x/image/draw keeps a float buffer of the target's
// width × the source's height (32 bytes a pixel), which for large targets
// costs hundreds of megabytes. Bilinear needs none, and after the box
// reduction below it samples at most a 2× larger source, so it does not
// alias.
const fastSide = 1000

// Thumbnails decodes an image (JPEG, PNG, GIF or WebP; of a GIF the first
// frame) and returns one JPEG thumbnail for each of sides, in the same
// order: scaled so that its longer side is at most that side, never scaled
// up (an image smaller than the side is encoded at its own size), turned
// upright by the JPEG's EXIF orientation, and with any transparency
// flattened on white. full is the size of the whole image as displayed
// (after orientation).
//
// Like Image, Thumbnails reads the header first and refuses an image over
// MaxSide or MaxPixels with ErrTooLarge before decoding it. When sides is
// empty it stops there.
func Thumbnails(r io.Reader, sides []int) (full Info, thumbs []Thumb, err error) {
	for _, s := range sides {
		if s <= 0 {
			return Info{}, nil, fmt.Errorf("probe: thumbnail side %d is not positive", s)
		}
	}
	// The header is read through a copy, so that the decoder can then be
	// given the same bytes followed by the rest of r.
	er := &errReader{r: r}
	var head bytes.Buffer
	cfg, format, err := image.DecodeConfig(io.TeeReader(er, &head))
	if err != nil {
		return Info{}, nil, imageError(err, er)
	}
	if err := checkSize(cfg.Width, cfg.Height); err != nil {
		return Info{}, nil, err
	}
	orientation := 1
	if format == "jpeg" {
		orientation = exifOrientation(head.Bytes())
	}
	full = Info{Width: cfg.Width, Height: cfg.Height}
	if orientation >= 5 {
		full.Width, full.Height = full.Height, full.Width
	}
	if len(sides) == 0 {
		return full, nil, nil
	}

	img, _, err := image.Decode(io.MultiReader(bytes.NewReader(head.Bytes()), er))
	if err != nil {
		return Info{}, nil, imageError(err, er)
	}
	src, err := onCanvas(img, cfg.Width, cfg.Height)
	if err != nil {
		return Info{}, nil, err
	}

	// Make the largest thumbnail first and each smaller one from the one
	// before: a far smaller source makes the same picture much faster.
	order := make([]int, len(sides))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(sides[b], sides[a]) })
	thumbs = make([]Thumb, len(sides))
	var prev image.Image = src
	for _, i := range order {
		w, h := fit(cfg.Width, cfg.Height, sides[i])
		scaled := resize(prev, w, h, sides[i] > fastSide)
		prev = scaled
		out := orient(scaled, orientation)
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: thumbQuality}); err != nil {
			return Info{}, nil, fmt.Errorf("probe: encoding a thumbnail: %w", err)
		}
		b := out.Bounds()
		thumbs[i] = Thumb{Side: sides[i], Width: b.Dx(), Height: b.Dy(), JPEG: buf.Bytes()}
	}
	return full, thumbs, nil
}

// onCanvas returns img as an image of w×h pixels at the origin. A decoder
// may return a smaller picture placed inside the canvas its header declares
// (a GIF's first frame); it is drawn where it belongs on a transparent
// canvas, which is then flattened on white like any transparency.
func onCanvas(img image.Image, w, h int) (image.Image, error) {
	b := img.Bounds()
	if b == image.Rect(0, 0, w, h) {
		return img, nil
	}
	if err := checkSize(b.Dx(), b.Dy()); err != nil {
		return nil, err
	}
	c := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(c, b, img, b.Min, draw.Src)
	return c, nil
}

// fit returns the size of a w×h image scaled so that its longer side is at
// most side, keeping its aspect, never scaled up and never below 1 pixel.
func fit(w, h, side int) (int, int) {
	if w <= side && h <= side {
		return w, h
	}
	// Here side < max(w, h) ≤ MaxSide, so the products do not overflow.
	if w >= h {
		return side, max(1, (h*side+w/2)/w)
	}
	return max(1, (w*side+h/2)/h), side
}

// resize returns src scaled to w×h on an opaque white background. When src
// is at least twice as large as the target, it is first reduced by the
// largest whole factor with a box filter (the average of each k×k block),
// which is cheap and keeps the final scaling from aliasing.
func resize(src image.Image, w, h int, fast bool) *image.RGBA {
	b := src.Bounds()
	if k := min(b.Dx()/w, b.Dy()/h); k >= 2 {
		src = boxShrink(src, k)
		b = src.Bounds()
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	op := draw.Src
	if o, ok := src.(interface{ Opaque() bool }); !ok || !o.Opaque() {
		draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src)
		op = draw.Over
	}
	switch {
	case b.Dx() == w && b.Dy() == h:
		draw.Draw(dst, dst.Bounds(), src, b.Min, op)
	case fast:
		draw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, b, op, nil)
	default:
		draw.CatmullRom.Scale(dst, dst.Bounds(), src, b, op, nil)
	}
	return dst
}

// boxShrink returns src reduced k times on each side, each pixel the
// average of a k×k block (of fewer pixels at the right and bottom edges),
// averaged premultiplied so that transparent pixels do not darken edges.
func boxShrink(src image.Image, k int) *image.RGBA {
	b := src.Bounds()
	w, h := (b.Dx()+k-1)/k, (b.Dy()+k-1)/k
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	at := func(x, y int) color.RGBA64 {
		r, g, b, a := src.At(x, y).RGBA()
		return color.RGBA64{uint16(r), uint16(g), uint16(b), uint16(a)}
	}
	if m, ok := src.(image.RGBA64Image); ok {
		at = m.RGBA64At // no allocation per pixel
	}
	sum := make([]uint64, 4*w)
	for oy := range h {
		clear(sum)
		y0, y1 := b.Min.Y+oy*k, min(b.Min.Y+(oy+1)*k, b.Max.Y)
		for y := y0; y < y1; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				c := at(x, y)
				s := sum[4*((x-b.Min.X)/k):][:4]
				s[0] += uint64(c.R)
				s[1] += uint64(c.G)
				s[2] += uint64(c.B)
				s[3] += uint64(c.A)
			}
		}
		for ox := range w {
			n := uint64((y1 - y0) * min(k, b.Dx()-ox*k))
			s := sum[4*ox:][:4]
			p := dst.Pix[dst.PixOffset(ox, oy):][:4]
			for i := range 4 {
				p[i] = uint8(s[i] / n >> 8)
			}
		}
	}
	return dst
}

// orient returns m (whose bounds start at the origin) turned upright for
// EXIF orientation o; see exifOrientation.
func orient(m *image.RGBA, o int) *image.RGBA {
	if o <= 1 || o > 8 {
		return m
	}
	w, h := m.Rect.Dx(), m.Rect.Dy()
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
	out := image.NewRGBA(image.Rect(0, 0, ow, oh))
	for y := range oh {
		for x := range ow {
			// (sx, sy) is the stored pixel shown at (x, y).
			var sx, sy int
			switch o {
			case 2:
				sx, sy = w-1-x, y
			case 3:
				sx, sy = w-1-x, h-1-y
			case 4:
				sx, sy = x, h-1-y
			case 5:
				sx, sy = y, x
			case 6:
				sx, sy = y, h-1-x
			case 7:
				sx, sy = w-1-y, h-1-x
			case 8:
				sx, sy = w-1-y, x
			}
			copy(out.Pix[out.PixOffset(x, y):][:4], m.Pix[m.PixOffset(sx, sy):][:4])
		}
	}
	return out
}
