package blob

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"
	"syscall"
)

// Local keeps objects as files under a directory: key "a/b" is the file
// dir/a/b. Directories are 0700 and files 0600, as media are private.
//
// Every file access goes through an os.Root, which refuses paths that leave
// the directory, also through symlinks planted inside it. Directories are
// never removed, and a key cannot be both an object and a directory holding
// other keys ("a" and "a/b"); chapar's key layout never does that.
type Local struct {
	root *os.Root
	// synced holds directories whose entries in their parents are known to
	// be on disk, so a Put fsyncs parents only the first time it uses a
	// directory.
	synced sync.Map // string -> struct{}
}

// tmpPrefix starts the name of a file a Put is still writing.
const tmpPrefix = ".tmp-"

// NewLocal opens (and creates, 0700, if missing) the store in dir. Close
// releases it.
func NewLocal(dir string) (*Local, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("blob: local store: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("blob: local store: %w", err)
	}
	return &Local{root: root}, nil
}

// Close releases the directory; the store cannot be used afterwards.
func (l *Local) Close() error { return l.root.Close() }

// Put writes r to a temp file beside the key's file, fsyncs it, renames it
// into place and fsyncs the directory: once Put returns nil the object
// survives a crash, and until then readers see the earlier object, if any.
func (l *Local) Put(ctx context.Context, key string, r io.Reader) (n int64, err error) {
	if err := CheckKey(key); err != nil {
		return 0, err
	}
	dir := path.Dir(key)
	// rand.Text is upper case, which no key is: a temp name never collides
	// with an object.
	tmp := path.Join(dir, tmpPrefix+rand.Text())
	f, err := l.createTemp(dir, tmp)
	if err != nil {
		return 0, fmt.Errorf("blob: put %s: %w", key, err)
	}
	n, err = io.Copy(f, ctxReader{ctx, r})
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = l.root.Rename(tmp, key)
	}
	if err != nil {
		l.root.Remove(tmp) // best effort; the error that matters is err
		return 0, fmt.Errorf("blob: put %s: %w", key, err)
	}
	if err := l.syncDir(dir); err != nil {
		return 0, fmt.Errorf("blob: put %s: %w", key, err)
	}
	return n, nil
}

// Open returns a reader of the file's range. It reads the file as it was
// opened, even if a Put replaces it meanwhile.
func (l *Local) Open(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	f, size, err := l.open(key)
	if err != nil {
		return nil, err
	}
	n, err := span(offset, length, size)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("blob: open %s: %w", key, err)
	}
	return sectionFile{io.NewSectionReader(f, offset, n), f}, nil
}

// Size is the file's length.
func (l *Local) Size(ctx context.Context, key string) (int64, error) {
	f, size, err := l.open(key)
	if err != nil {
		return 0, err
	}
	f.Close()
	return size, nil
}

// Delete removes the file and fsyncs its directory, so that a deletion the
// caller was told about stays done.
func (l *Local) Delete(ctx context.Context, key string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	if fi, err := l.root.Lstat(key); isNotExist(err) || err == nil && fi.IsDir() {
		return nil // a directory is no object
	}
	if err := l.root.Remove(key); err != nil && !isNotExist(err) {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	if err := l.syncDir(path.Dir(key)); err != nil {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}

// open opens key's file and returns its size; a missing key, or one
// naming a directory, is ErrNotFound.
func (l *Local) open(key string) (*os.File, int64, error) {
	if err := CheckKey(key); err != nil {
		return nil, 0, err
	}
	f, err := l.root.Open(key)
	if isNotExist(err) {
		return nil, 0, fmt.Errorf("%w: %s", ErrNotFound, key)
	} else if err != nil {
		return nil, 0, fmt.Errorf("blob: open %s: %w", key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("blob: open %s: %w", key, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	return f, fi.Size(), nil
}

// createTemp creates the temp file tmp in dir, creating dir if needed.
func (l *Local) createTemp(dir, tmp string) (*os.File, error) {
	if err := l.mkdirs(dir); err != nil {
		return nil, err
	}
	f, err := l.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if isNotExist(err) {
		// dir was removed since it was synced (by hand: Local never
		// removes one): forget it and make it again.
		l.synced.Delete(dir)
		if err := l.mkdirs(dir); err != nil {
			return nil, err
		}
		f, err = l.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	}
	return f, err
}

// mkdirs creates dir and its parents (0700) and makes sure each one's
// entry is on disk before a Put into it can be acknowledged. That includes
// directories another Put has just created and not yet synced: a
// directory counts as synced only after this Put or an earlier one
// fsynced its parents.
func (l *Local) mkdirs(dir string) error {
	if dir == "." {
		return nil
	}
	if _, ok := l.synced.Load(dir); ok {
		return nil
	}
	elems := strings.Split(dir, "/")
	for i := range elems {
		d := path.Join(elems[:i+1]...)
		if err := l.root.Mkdir(d, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		if err := l.syncDir(path.Dir(d)); err != nil {
			return err
		}
	}
	l.synced.Store(dir, struct{}{})
	return nil
}

// syncDir fsyncs a directory, making renames and removals in it durable.
func (l *Local) syncDir(dir string) error {
	d, err := l.root.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// isNotExist reports whether err means there is no such file; ENOTDIR
// (a path through a file, "a/b" when "a" is a file) means that too.
func isNotExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// sectionFile reads a range of a file and closes the file.
type sectionFile struct {
	*io.SectionReader
	f *os.File
}

func (s sectionFile) Close() error { return s.f.Close() }
