package probe

import (
	"bytes"
	"testing"
)

// BenchmarkThumbnails makes the thumbnails of a 12-megapixel photo, as a
// phone takes it.
func BenchmarkThumbnails(b *testing.B) {
	file := encodeJPEG(b, quadrants(4000, 3000))
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Thumbnails(bytes.NewReader(file), []int{90, 320, 1280}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWebMRecorder probes a live recording's duration.
func BenchmarkWebMRecorder(b *testing.B) {
	file := webmRecorder(true)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := WebM(bytes.NewReader(file), int64(len(file))); err != nil {
			b.Fatal(err)
		}
	}
}
