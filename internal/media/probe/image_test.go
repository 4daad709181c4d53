package probe

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"runtime"
	"testing"
	"time"
)

func TestImage(t *testing.T) {
	imgs := imageFixtures(t)
	cases := []struct {
		name string
		file []byte
		w, h int
	}{
		{"png", imgs["png"], 40, 30},
		{"jpeg", imgs["jpeg"], 64, 32},
		{"gif", imgs["gif"], 20, 10},
		{"webp", imgs["webp"], 3, 2},
		{"at the side limit", pngHeader(MaxSide, 100), MaxSide, 100},
		{"at the pixel limit", pngHeader(10_000, 5_000), 10_000, 5_000},
		{"jpeg turned by EXIF 6", withEXIF(imgs["jpeg"], 6, false), 32, 64},
		{"jpeg turned by EXIF 8, big-endian", withEXIF(imgs["jpeg"], 8, true), 32, 64},
		{"jpeg mirrored by EXIF 2", withEXIF(imgs["jpeg"], 2, true), 64, 32},
	}
	for _, c := range cases {
		info, err := Image(bytes.NewReader(c.file))
		if err != nil || info != (Info{Width: c.w, Height: c.h}) {
			t.Errorf("%s: Image = %+v, %v; want %d×%d", c.name, info, err, c.w, c.h)
		}
	}
}

func TestImageRefuses(t *testing.T) {
	imgs := imageFixtures(t)
	cases := []struct {
		name string
		file []byte
		want error
	}{
		{"png wider than MaxSide", pngHeader(MaxSide+1, 1), ErrTooLarge},
		{"png over MaxPixels", pngHeader(10_000, 5_001), ErrTooLarge},
		{"jpeg of 60000×60000", jpegWithSize(t, imgs["jpeg"], 60000, 60000), ErrTooLarge},
		{"gif screen of 20000×1", gifScreen(20000, 1), ErrTooLarge},
		{"gif screen of 0×0", gifScreen(0, 0), ErrMalformed},
		{"truncated png", imgs["png"][:20], ErrMalformed},
		{"truncated webp", imgs["webp"][:22], ErrMalformed},
		{"text", []byte("just some text"), ErrUnsupported},
		{"pdf", []byte("%PDF-1.4"), ErrUnsupported},
		{"empty", nil, ErrUnsupported},
	}
	for _, c := range cases {
		_, err := Image(bytes.NewReader(c.file))
		if !errors.Is(err, c.want) {
			t.Errorf("%s: Image error %v, want %v", c.name, err, c.want)
		}
	}
}

// gifScreen returns a GIF header with a logical screen of w×h and no frame.
func gifScreen(w, h uint16) []byte {
	b := []byte("GIF89a")
	b = append(b, byte(w), byte(w>>8), byte(h), byte(h>>8), 0, 0, 0)
	return append(b, 0x3B)
}

// TestDecompressionBomb checks that a PNG whose header claims
// 100,000 × 100,000 pixels (40 GB as RGBA) is refused by its header, fast
// and without allocating its pixels.
func TestDecompressionBomb(t *testing.T) {
	bomb := pngHeader(100_000, 100_000)
	jbomb := jpegWithSize(t, encodeJPEG(t, quadrants(16, 16)), 65500, 65500)
	for name, f := range map[string]func([]byte) error{
		"Image": func(b []byte) error { _, err := Image(bytes.NewReader(b)); return err },
		"Thumbnails": func(b []byte) error {
			_, _, err := Thumbnails(bytes.NewReader(b), []int{320, 1280})
			return err
		},
	} {
		for _, file := range [][]byte{bomb, jbomb} {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			err := f(file)
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrTooLarge) {
				t.Errorf("%s: %v, want ErrTooLarge", name, err)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
				t.Errorf("%s allocated %d bytes to refuse a bomb", name, alloc)
			}
			if elapsed > time.Second {
				t.Errorf("%s took %v to refuse a bomb", name, elapsed)
			}
		}
	}
	allocs := testing.AllocsPerRun(10, func() { _, _ = Image(bytes.NewReader(bomb)) })
	if allocs > 50 {
		t.Errorf("Image made %v allocations to refuse a bomb", allocs)
	}
}

func TestExifOrientation(t *testing.T) {
	jpg := encodeJPEG(t, quadrants(16, 16))
	for o := uint16(1); o <= 8; o++ {
		for _, be := range []bool{false, true} {
			if got := exifOrientation(withEXIF(jpg, o, be)); got != int(o) {
				t.Errorf("orientation %d (big-endian %t): read %d", o, be, got)
			}
		}
	}
	bad := map[string][]byte{
		"no exif":            jpg,
		"orientation 9":      withEXIF(jpg, 9, false),
		"orientation 0":      withEXIF(jpg, 0, true),
		"not a jpeg":         []byte("hello"),
		"truncated segment":  withEXIF(jpg, 6, false)[:20],
		"only the start":     {0xFF, 0xD8},
		"bad byte order":     bytes.Replace(withEXIF(jpg, 6, false), []byte("II*\x00"), []byte("XX*\x00"), 1),
		"ifd offset too far": bytes.Replace(withEXIF(jpg, 6, false), []byte("II*\x00\x08\x00\x00\x00"), []byte("II*\x00\xFF\xFF\x00\x00"), 1),
		"too many entries":   bytes.Replace(withEXIF(jpg, 6, false), []byte("\x08\x00\x00\x00\x02\x00"), []byte("\x08\x00\x00\x00\xFF\xFF"), 1),
	}
	for name, b := range bad {
		// "too many entries" still finds the tag, which comes before the
		// end of the segment; the rest must fall back to 1.
		want := 1
		if name == "too many entries" {
			want = 6
		}
		if got := exifOrientation(b); got != want {
			t.Errorf("%s: orientation %d, want %d", name, got, want)
		}
	}
}

// TestThumbnails checks sizes: scaled down to each side, never up, in the
// order asked, each a JPEG of the size it says.
func TestThumbnails(t *testing.T) {
	file := encodeJPEG(t, quadrants(400, 300))
	full, thumbs, err := Thumbnails(bytes.NewReader(file), []int{100, 800, 200, 300})
	if err != nil {
		t.Fatal(err)
	}
	if full != (Info{Width: 400, Height: 300}) {
		t.Errorf("full = %+v", full)
	}
	want := []Thumb{{Side: 100, Width: 100, Height: 75}, {Side: 800, Width: 400, Height: 300}, {Side: 200, Width: 200, Height: 150}, {Side: 300, Width: 300, Height: 225}}
	if len(thumbs) != len(want) {
		t.Fatalf("%d thumbnails, want %d", len(thumbs), len(want))
	}
	for i, th := range thumbs {
		w := want[i]
		if th.Side != w.Side || th.Width != w.Width || th.Height != w.Height {
			t.Errorf("thumbnail %d: %d: %d×%d, want %d: %d×%d", i, th.Side, th.Width, th.Height, w.Side, w.Width, w.Height)
		}
		m, err := jpeg.Decode(bytes.NewReader(th.JPEG))
		if err != nil {
			t.Fatalf("thumbnail %d: %v", i, err)
		}
		if b := m.Bounds(); b.Dx() != th.Width || b.Dy() != th.Height {
			t.Errorf("thumbnail %d decodes to %v", i, b)
		}
		// The quadrants survive scaling.
		checkQuadrants(t, m, [2][2]color.RGBA{{red, green}, {blue, white}}, "thumbnail")
	}

	// Tall images fit by their height.
	full, thumbs, err = Thumbnails(bytes.NewReader(encodePNG(t, quadrants(30, 90))), []int{45})
	if err != nil || full != (Info{Width: 30, Height: 90}) || thumbs[0].Width != 15 || thumbs[0].Height != 45 {
		t.Errorf("tall: %+v %+v %v", full, thumbs, err)
	}

	// No sides: only the header is read.
	full, thumbs, err = Thumbnails(bytes.NewReader(file), nil)
	if err != nil || full != (Info{Width: 400, Height: 300}) || thumbs != nil {
		t.Errorf("no sides: %+v %v %v", full, thumbs, err)
	}
	if _, _, err := Thumbnails(bytes.NewReader(file), []int{100, 0}); err == nil {
		t.Error("a side of 0 was taken")
	}
}

// TestThumbnailFormats makes a thumbnail of each format and checks its
// colors, including the box reduction and the bilinear path for large
// sides.
func TestThumbnailFormats(t *testing.T) {
	imgs := imageFixtures(t)
	big := encodePNG(t, quadrants(1500, 1000))
	cases := []struct {
		name  string
		file  []byte
		side  int
		w, h  int
		check func(image.Image)
	}{
		{"png", imgs["png"], 20, 20, 15, func(image.Image) {}}, // too small for JPEG to keep the quadrants' colors
		{"gif", imgs["gif"], 100, 20, 10, func(image.Image) {}},
		{"webp", imgs["webp"], 100, 3, 2, func(m image.Image) { checkColor(t, "webp", m.At(1, 1), color.RGBA{10, 200, 30, 255}) }},
		{"large, box-reduced", big, 100, 100, 67, nil},
		{"large, bilinear", big, 1200, 1200, 800, nil},
	}
	for _, c := range cases {
		full, thumbs, err := Thumbnails(bytes.NewReader(c.file), []int{c.side})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if full.Width < c.w || full.Height < c.h {
			t.Errorf("%s: full %+v", c.name, full)
		}
		th := thumbs[0]
		m, err := jpeg.Decode(bytes.NewReader(th.JPEG))
		if err != nil || th.Width != c.w || th.Height != c.h || m.Bounds() != image.Rect(0, 0, c.w, c.h) {
			t.Errorf("%s: thumbnail %d×%d, decoded %v, %v; want %d×%d", c.name, th.Width, th.Height, m.Bounds(), err, c.w, c.h)
			continue
		}
		if c.check != nil {
			c.check(m)
		} else {
			checkQuadrants(t, m, [2][2]color.RGBA{{red, green}, {blue, white}}, c.name)
		}
	}
}

// TestThumbnailFlattensAlpha checks that transparency becomes white, and
// half-transparent red pink.
func TestThumbnailFlattensAlpha(t *testing.T) {
	for _, c := range []struct {
		fill color.NRGBA
		want color.RGBA
	}{
		{color.NRGBA{0, 0, 0, 0}, white},
		{color.NRGBA{255, 0, 0, 128}, color.RGBA{255, 127, 127, 255}},
	} {
		_, thumbs, err := Thumbnails(bytes.NewReader(encodePNG(t, uniform(64, 64, c.fill))), []int{32})
		if err != nil {
			t.Fatal(err)
		}
		m, err := jpeg.Decode(bytes.NewReader(thumbs[0].JPEG))
		if err != nil {
			t.Fatal(err)
		}
		checkColor(t, "flattened", m.At(16, 16), c.want)
	}
}

// TestThumbnailGIFFrame checks that a GIF whose first frame covers only
// part of its screen is drawn where it belongs, on white.
func TestThumbnailGIFFrame(t *testing.T) {
	pal := color.Palette{color.RGBA{0, 0, 255, 255}, color.Transparent}
	frame := image.NewPaletted(image.Rect(32, 0, 64, 32), pal) // right half, blue
	var b bytes.Buffer
	err := gif.EncodeAll(&b, &gif.GIF{
		Image: []*image.Paletted{frame}, Delay: []int{0},
		Config: image.Config{ColorModel: pal, Width: 64, Height: 32},
	})
	if err != nil {
		t.Fatal(err)
	}
	full, thumbs, err := Thumbnails(bytes.NewReader(b.Bytes()), []int{100})
	if err != nil {
		t.Fatal(err)
	}
	if full != (Info{Width: 64, Height: 32}) || thumbs[0].Width != 64 || thumbs[0].Height != 32 {
		t.Fatalf("%+v %+v", full, thumbs[0])
	}
	m, err := jpeg.Decode(bytes.NewReader(thumbs[0].JPEG))
	if err != nil {
		t.Fatal(err)
	}
	checkColor(t, "left", m.At(8, 16), white)
	checkColor(t, "right", m.At(56, 16), blue)
}

// TestThumbnailOrientation checks every EXIF orientation against the
// picture a viewer shows: the stored quadrants [[R G] [B W]] moved.
func TestThumbnailOrientation(t *testing.T) {
	jpg := encodeJPEG(t, quadrants(128, 64))
	R, G, B, W := red, green, blue, white
	want := map[uint16][2][2]color.RGBA{
		1: {{R, G}, {B, W}},
		2: {{G, R}, {W, B}}, // mirrored left-right
		3: {{W, B}, {G, R}}, // turned 180°
		4: {{B, W}, {R, G}}, // mirrored top-bottom
		5: {{R, B}, {G, W}}, // transposed
		6: {{B, R}, {W, G}}, // turned 90° clockwise
		7: {{W, G}, {B, R}}, // transversed
		8: {{G, W}, {R, B}}, // turned 90° counter-clockwise
	}
	for o := uint16(1); o <= 8; o++ {
		file := withEXIF(jpg, o, o%2 == 0)
		full, thumbs, err := Thumbnails(bytes.NewReader(file), []int{1000, 64})
		if err != nil {
			t.Fatalf("orientation %d: %v", o, err)
		}
		w, h := 128, 64
		if o >= 5 {
			w, h = 64, 128
		}
		if full != (Info{Width: w, Height: h}) {
			t.Errorf("orientation %d: full %+v, want %d×%d", o, full, w, h)
		}
		if th := thumbs[0]; th.Width != w || th.Height != h {
			t.Errorf("orientation %d: thumbnail %d×%d, want %d×%d", o, th.Width, th.Height, w, h)
		}
		if th := thumbs[1]; th.Width != w/2 || th.Height != h/2 {
			t.Errorf("orientation %d: small thumbnail %d×%d, want %d×%d", o, th.Width, th.Height, w/2, h/2)
		}
		info, err := Image(bytes.NewReader(file))
		if err != nil || info != full {
			t.Errorf("orientation %d: Image %+v, %v; Thumbnails %+v", o, info, err, full)
		}
		for _, th := range thumbs {
			m, err := jpeg.Decode(bytes.NewReader(th.JPEG))
			if err != nil {
				t.Fatal(err)
			}
			checkQuadrants(t, m, want[o], fmt.Sprintf("orientation %d, %d×%d", o, th.Width, th.Height))
		}
	}
}

func TestFit(t *testing.T) {
	cases := []struct{ w, h, side, ww, wh int }{
		{400, 300, 100, 100, 75},
		{300, 400, 100, 75, 100},
		{400, 300, 400, 400, 300},
		{400, 300, 1000, 400, 300},
		{10000, 1, 100, 100, 1},
		{1, 10000, 100, 1, 100},
		{16384, 3051, 320, 320, 60},
		{3, 2, 1, 1, 1},
	}
	for _, c := range cases {
		if w, h := fit(c.w, c.h, c.side); w != c.ww || h != c.wh {
			t.Errorf("fit(%d, %d, %d) = %d, %d; want %d, %d", c.w, c.h, c.side, w, h, c.ww, c.wh)
		}
	}
}

// checkQuadrants checks the colors at the centers of m's quarters.
func checkQuadrants(t *testing.T, m image.Image, want [2][2]color.RGBA, name string) {
	t.Helper()
	b := m.Bounds()
	for row := range 2 {
		for col := range 2 {
			x := b.Min.X + b.Dx()*(2*col+1)/4
			y := b.Min.Y + b.Dy()*(2*row+1)/4
			checkColor(t, name, m.At(x, y), want[row][col])
		}
	}
}

// checkColor checks c against want within JPEG's error.
func checkColor(t *testing.T, name string, c color.Color, want color.RGBA) {
	t.Helper()
	r, g, b, _ := c.RGBA()
	d := func(v uint32, w uint8) int { return max(int(v>>8)-int(w), int(w)-int(v>>8)) }
	if d(r, want.R) > 24 || d(g, want.G) > 24 || d(b, want.B) > 24 {
		t.Errorf("%s: color %d,%d,%d, want %d,%d,%d", name, r>>8, g>>8, b>>8, want.R, want.G, want.B)
	}
}
