package media

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/chapar/chapar/internal/blob"
	"github.com/chapar/chapar/internal/domain"
)

// TestPartsReader reads a file stored in parts of uneven sizes whole, by
// ReadAt across part boundaries, and after seeks, as ServeContent does.
func TestPartsReader(t *testing.T) {
	local, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{blobs: local}
	data := make([]byte, 1000)
	rng := rand.NewChaCha8([32]byte{7})
	rng.Read(data)
	var parts []domain.Part
	for i, cut := range [][2]int{{0, 1}, {1, 300}, {300, 301}, {301, 999}, {999, 1000}} {
		key := fmt.Sprintf("f/x/%d", i)
		if _, err := local.Put(context.Background(), key, bytes.NewReader(data[cut[0]:cut[1]])); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, domain.Part{Key: key, Size: int64(cut[1] - cut[0])})
	}
	r := s.reader(parts, int64(len(data)))
	defer r.Close()
	whole, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(whole, data) {
		t.Fatalf("ReadAll: %v, equal %v", err, bytes.Equal(whole, data))
	}
	for _, c := range [][2]int{{0, 1000}, {0, 1}, {299, 3}, {300, 1}, {500, 499}, {998, 2}, {990, 50}} {
		buf := make([]byte, c[1])
		n, err := r.ReadAt(buf, int64(c[0]))
		want := data[c[0]:min(c[0]+c[1], len(data))]
		if !bytes.Equal(buf[:n], want) || (n < c[1]) != (err == io.EOF) {
			t.Fatalf("ReadAt(%d, %d): %d %v", c[0], c[1], n, err)
		}
	}
	for _, at := range []int64{999, 0, 300, 301, 1} {
		if _, err := r.Seek(at, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		rest, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(rest, data[at:]) {
			t.Fatalf("after Seek(%d): %d bytes, %v", at, len(rest), err)
		}
	}
	// A part shorter than recorded is an error, not a short file.
	short := s.reader([]domain.Part{{Key: "f/x/1", Size: 400}}, 400)
	if _, err := io.ReadAll(short); err != io.ErrUnexpectedEOF {
		t.Fatalf("a short part: %v", err)
	}
}

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"photo.jpg": "photo.jpg", "../../etc/passwd": "passwd", `C:\Users\a\doc.pdf`: "doc.pdf", "..": "",
		"گزارش سال ۱۴۰۵.pdf": "گزارش سال ۱۴۰۵.pdf", "dir/": "",
	} {
		if got, err := cleanName(in); err != nil || got != want {
			t.Errorf("cleanName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"a\x00b", "line\nbreak", "\xff", string(bytes.Repeat([]byte("a"), 256))} {
		if _, err := cleanName(bad); err == nil {
			t.Errorf("cleanName(%q) took it", bad)
		}
	}
}
