package blob_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chapar/chapar/internal/blob"
	"github.com/chapar/chapar/internal/blob/blobtest"
)

func newLocal(t *testing.T, dir string) *blob.Local {
	t.Helper()
	l, err := blob.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func TestLocal(t *testing.T) {
	t.Parallel()
	blobtest.Run(t, func(t *testing.T) blob.Store { return newLocal(t, t.TempDir()) })
}

func TestLocalPermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "store")
	l := newLocal(t, dir)
	if _, err := l.Put(t.Context(), "m/0a/part-1", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]fs.FileMode{
		dir:                                     fs.ModeDir | 0o700,
		filepath.Join(dir, "m"):                 fs.ModeDir | 0o700,
		filepath.Join(dir, "m/0a"):              fs.ModeDir | 0o700,
		filepath.Join(dir, "m", "0a", "part-1"): 0o600,
	} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", name, fi.Mode(), want)
		}
	}
}

// tmpFiles lists the temp files under dir.
func tmpFiles(t *testing.T, dir string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if strings.HasPrefix(d.Name(), ".tmp-") {
			found = append(found, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

var errBroken = errors.New("broken")

type brokenReader struct{ n int }

func (b *brokenReader) Read(p []byte) (int, error) {
	if b.n <= 0 {
		return 0, errBroken
	}
	n := min(len(p), b.n)
	b.n -= n
	return n, nil
}

func TestLocalFailedPutLeavesNoTempFile(t *testing.T) {
	dir := t.TempDir()
	l := newLocal(t, dir)
	for _, key := range []string{"top", "a/b/c"} {
		if _, err := l.Put(t.Context(), key, &brokenReader{n: 100_000}); !errors.Is(err, errBroken) {
			t.Fatalf("Put(%q): %v; want the reader's error", key, err)
		}
	}
	if found := tmpFiles(t, dir); len(found) > 0 {
		t.Fatalf("temp files left: %v", found)
	}
	// A successful Put leaves none either.
	if _, err := l.Put(t.Context(), "a/b/c", strings.NewReader("ok")); err != nil {
		t.Fatal(err)
	}
	if found := tmpFiles(t, dir); len(found) > 0 {
		t.Fatalf("temp files left: %v", found)
	}
}

// TestLocalStaysInDir plants symlinks to outside the store; os.Root must
// refuse to follow them for every method.
func TestLocalStaysInDir(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	secret := filepath.Join(outside, "secret")
	if err := os.WriteFile(secret, []byte("outside"), 0o600); err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(dir) != filepath.Dir(outside) {
		t.Fatal("t.TempDir gave directories in different parents")
	}
	for name, target := range map[string]string{
		"abs":     outside,                        // a directory, absolute
		"rel":     "../" + filepath.Base(outside), // a directory, relative
		"absfile": secret,
		"relfile": "../" + filepath.Base(outside) + "/secret",
	} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	l := newLocal(t, dir)
	ctx := t.Context()
	for _, key := range []string{"abs/x", "rel/x", "abs/secret", "rel/secret", "abs/new/x"} {
		if _, err := l.Put(ctx, key, strings.NewReader("escaped")); err == nil {
			t.Errorf("Put(%q) wrote through a symlink", key)
		}
	}
	for _, key := range []string{"abs/secret", "rel/secret", "absfile", "relfile"} {
		if _, err := l.Open(ctx, key, 0, -1); err == nil {
			t.Errorf("Open(%q) read through a symlink", key)
		}
		if _, err := l.Size(ctx, key); err == nil {
			t.Errorf("Size(%q) read through a symlink", key)
		}
	}
	entries, err := os.ReadDir(outside)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "secret" {
		t.Errorf("outside the store now holds %v", entries)
	}
	if b, _ := os.ReadFile(secret); string(b) != "outside" {
		t.Errorf("the file outside now holds %q", b)
	}
	// Deleting a symlink removes the link itself, never what it points to.
	if err := l.Delete(ctx, "absfile"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(secret); err != nil {
		t.Errorf("Delete reached outside: %v", err)
	}
}

// TestLocalKeyIsPath checks the layout others may rely on (backups,
// migrations): key "a/b" is the file dir/a/b.
func TestLocalKeyIsPath(t *testing.T) {
	dir := t.TempDir()
	l := newLocal(t, dir)
	if _, err := l.Put(t.Context(), "a/b", strings.NewReader("hello")); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "a", "b")); err != nil || string(b) != "hello" {
		t.Fatalf("dir/a/b = %q, %v", b, err)
	}
}

// TestLocalDirectoryIsNoObject: "a" is a directory once "a/b" exists;
// it is neither found nor deleted as an object.
func TestLocalDirectoryIsNoObject(t *testing.T) {
	dir := t.TempDir()
	l := newLocal(t, dir)
	if _, err := l.Put(t.Context(), "a/b", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Size(t.Context(), "a"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Size(dir): %v; want ErrNotFound", err)
	}
	if _, err := l.Open(t.Context(), "a", 0, -1); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Open(dir): %v; want ErrNotFound", err)
	}
	if err := l.Delete(t.Context(), "a"); err != nil {
		t.Errorf("Delete(dir): %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "a", "b")); err != nil {
		t.Errorf("Delete(dir) removed what was in it: %v", err)
	}
}

// TestLocalDirRemovedByHand: a Put recreates a directory removed behind
// the store's back, though the store remembers having made it.
func TestLocalDirRemovedByHand(t *testing.T) {
	dir := t.TempDir()
	l := newLocal(t, dir)
	if _, err := l.Put(t.Context(), "a/b/c", strings.NewReader("1")); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "a")); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Put(t.Context(), "a/b/d", strings.NewReader("2")); err != nil {
		t.Fatalf("Put after the directory was removed: %v", err)
	}
}
