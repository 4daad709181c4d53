// Package media takes files in and gives them out: resumable uploads
// stored as parts in blob storage, checked against their claimed type,
// de-duplicated by content, probed for dimensions and duration, with
// thumbnails for photos; and reads of finished files by range. See
// docs/ARCHITECTURE.md "Media".
package media

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"mime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chapar/chapar/internal/blob"
	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/media/probe"
)

// Config are the limits and sizes of the media service.
type Config struct {
	MaxFileSize    int64         // bytes per file (default 2 GiB)
	Quota          int64         // bytes per user, finished files and open uploads (default 20 GiB)
	MaxOpenUploads int           // uploads in progress per user (default 20)
	PartSize       int64         // bytes per stored part (default 8 MiB)
	UploadTTL      time.Duration // an unfinished upload is dropped after this (default 24 h)
	ThumbSides     []int         // thumbnail sizes (default 90, 320, 800)
}

func (c *Config) defaults() {
	if c.MaxFileSize <= 0 {
		c.MaxFileSize = 2 << 30
	}
	if c.Quota <= 0 {
		c.Quota = 20 << 30
	}
	if c.MaxOpenUploads <= 0 {
		c.MaxOpenUploads = 20
	}
	if c.PartSize <= 0 {
		c.PartSize = 8 << 20
	}
	if c.UploadTTL <= 0 {
		c.UploadTTL = 24 * time.Hour
	}
	if len(c.ThumbSides) == 0 {
		c.ThumbSides = []int{90, 320, 800}
	}
}

// Service is the media service.
type Service struct {
	cfg   Config
	files domain.FileStore
	blobs blob.Store
	log   *slog.Logger
	// decode bounds concurrent image decoding: a 50-megapixel photo takes
	// 200 MB while it is decoded.
	decode chan struct{}
	secret *linkKey
}

// New makes a Service.
func New(cfg Config, files domain.FileStore, blobs blob.Store, log *slog.Logger) *Service {
	cfg.defaults()
	if log == nil {
		log = slog.Default()
	}
	return &Service{cfg: cfg, files: files, blobs: blobs, log: log, decode: make(chan struct{}, 2), secret: &linkKey{}}
}

// Config returns the service's limits.
func (s *Service) Config() Config { return s.cfg }

// NewUpload is what a client says of a file it is about to send.
type NewUpload struct {
	Kind   string
	MIME   string
	Name   string
	Length int64
	// Waveform is a voice note's loudness as the client drew it: at most
	// domain.MaxWaveform values of 0–domain.WaveformTop (Telegram's
	// clients also compute it, from the decoded sound, when they record).
	Waveform []byte
}

var kinds = map[string]probe.Kind{
	domain.MediaPhoto: probe.Photo, domain.MediaVideo: probe.Video, domain.MediaVoice: probe.Voice,
	domain.MediaAudio: probe.Audio, domain.MediaFile: probe.File,
}

// Create starts an upload.
func (s *Service) Create(ctx context.Context, userID int64, n NewUpload) (domain.Upload, error) {
	if _, ok := kinds[n.Kind]; !ok {
		return domain.Upload{}, domain.Invalid("kind", "must be photo, video, voice, audio or file")
	}
	if n.Length <= 0 {
		return domain.Upload{}, domain.Invalid("length", "must be at least 1 byte")
	}
	if n.Length > s.cfg.MaxFileSize {
		return domain.Upload{}, domain.Errorf(domain.KindTooLarge, "a file may hold at most %d bytes", s.cfg.MaxFileSize)
	}
	name, err := cleanName(n.Name)
	if err != nil {
		return domain.Upload{}, err
	}
	if n.MIME != "" {
		if len(n.MIME) > 100 {
			return domain.Upload{}, domain.Invalid("type", "too long")
		}
		mt, _, err := mime.ParseMediaType(n.MIME)
		if err != nil || !strings.Contains(mt, "/") {
			return domain.Upload{}, domain.Invalid("type", "not a media type")
		}
		n.MIME = mt
	}
	if len(n.Waveform) > 0 {
		if n.Kind != domain.MediaVoice {
			return domain.Upload{}, domain.Invalid("waveform", "only voice notes have one")
		}
		if len(n.Waveform) > domain.MaxWaveform {
			return domain.Upload{}, domain.Invalid("waveform", "at most %d values", domain.MaxWaveform)
		}
		for _, v := range n.Waveform {
			if v > domain.WaveformTop {
				return domain.Upload{}, domain.Invalid("waveform", "values are 0 to %d", domain.WaveformTop)
			}
		}
	}
	state, err := sha256.New().(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return domain.Upload{}, err
	}
	u := domain.Upload{ID: NewID(), UserID: userID, Kind: n.Kind, MIME: n.MIME, Name: name, Length: n.Length, Hash: state,
		Waveform: n.Waveform}
	return s.files.CreateUpload(ctx, u, s.cfg.MaxOpenUploads, s.cfg.Quota)
}

// NewID is a random, unguessable id for an upload (and then its file).
func NewID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b) // lower case: blob keys are

}

// cleanName keeps a file name for display and for Content-Disposition:
// valid UTF-8, no control characters, no path (only what follows the last
// slash or backslash), at most 255 bytes.
func cleanName(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", domain.Invalid("name", "must be UTF-8")
	}
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", domain.Invalid("name", "has control characters")
	}
	if len(name) > 255 {
		return "", domain.Invalid("name", "at most 255 bytes")
	}
	if name == "." || name == ".." {
		name = ""
	}
	return name, nil
}

// Upload returns one of the user's uploads in progress.
func (s *Service) Upload(ctx context.Context, userID int64, id string) (domain.Upload, error) {
	u, err := s.files.Upload(ctx, id)
	if err == nil && u.UserID != userID {
		err = domain.Errorf(domain.KindNotFound, "upload not found")
	}
	return u, err
}

// Write appends body to the upload at offset, which must be where the
// upload stands. It stores what arrives in parts as it arrives, so a body
// cut off halfway keeps what came (the client asks where it stands and
// goes on from there). When the last byte is in, the file is finished:
// the returned File is set.
func (s *Service) Write(ctx context.Context, userID int64, id string, offset int64, body io.Reader) (domain.Upload, *domain.File, error) {
	u, err := s.Upload(ctx, userID, id)
	if err != nil {
		return u, nil, err
	}
	if offset != u.Offset {
		return u, nil, domain.Errorf(domain.KindConflict, "the upload stands at %d, not %d", u.Offset, offset)
	}
	h := sha256.New()
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(u.Hash); err != nil {
		return u, nil, fmt.Errorf("upload %s: hash state: %w", id, err)
	}
	src := &cutReader{r: body}
	for u.Offset < u.Length && src.err == nil && !src.eof {
		from := u.Offset
		key := fmt.Sprintf("f/%s/%012d", id, from)
		want := min(s.cfg.PartSize, u.Length-from)
		n, err := s.blobs.Put(ctx, key, io.TeeReader(io.LimitReader(src, want), h))
		if err != nil {
			return u, nil, fmt.Errorf("upload %s: store part: %w", id, err)
		}
		if n == 0 {
			s.blobs.Delete(context.WithoutCancel(ctx), key)
			break
		}
		state, err := h.(encoding.BinaryMarshaler).MarshalBinary()
		if err != nil {
			return u, nil, err
		}
		next := u
		next.Offset, next.Hash = from+n, state
		next.Parts = append(append([]domain.Part(nil), u.Parts...), domain.Part{Key: key, Size: n})
		won, err := s.files.AdvanceUpload(ctx, next, from)
		if err != nil || !won {
			s.blobs.Delete(context.WithoutCancel(ctx), key)
			if err == nil {
				err = domain.Errorf(domain.KindConflict, "another request wrote to this upload at the same time")
			}
			return u, nil, err
		}
		u = next
	}
	if u.Offset < u.Length {
		if src.err != nil {
			s.log.Debug("upload body cut off", "upload", id, "offset", u.Offset, "err", src.err)
		}
		return u, nil, nil
	}
	f, err := s.finish(ctx, u, h)
	if err != nil {
		return u, nil, err
	}
	return u, &f, nil
}

// cutReader ends at the first error of r, as if it were the end, and
// keeps the error: what arrived before a dropped connection is stored.
type cutReader struct {
	r   io.Reader
	err error
	eof bool
}

func (c *cutReader) Read(p []byte) (int, error) {
	if c.err != nil || c.eof {
		return 0, io.EOF
	}
	n, err := c.r.Read(p)
	switch {
	case err == io.EOF:
		c.eof = true
	case err != nil:
		c.err = err
		err = io.EOF
	}
	return n, err
}

// finish checks a complete upload's content against its kind, shares the
// parts of a stored file with the same content, probes it and makes its
// thumbnails, and stores the file under the upload's id.
func (s *Service) finish(ctx context.Context, u domain.Upload, h hash.Hash) (domain.File, error) {
	r := s.reader(u.Parts, u.Length)
	head := make([]byte, 512)
	n, err := r.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return domain.File{}, fmt.Errorf("upload %s: read head: %w", u.ID, err)
	}
	sniffed := probe.Sniff(head[:n])
	if err := probe.Check(kinds[u.Kind], u.MIME, sniffed); err != nil {
		s.drop(u)
		return domain.File{}, domain.Invalid("content", "%v", err)
	}
	f := domain.File{ID: u.ID, OwnerID: u.UserID, Kind: u.Kind, MIME: sniffed, Name: u.Name, Size: u.Length,
		SHA256: hex.EncodeToString(h.Sum(nil)), Parts: u.Parts, Waveform: u.Waveform}
	if u.Kind == domain.MediaFile && u.MIME != "" && sniffed == "application/octet-stream" {
		f.MIME = u.MIME // nothing better known; served as an attachment anyway
	}
	shared, err := s.files.FileByContent(ctx, f.SHA256, f.Size)
	switch {
	case err == nil:
		f.Parts = shared.Parts
		if shared.Kind == f.Kind {
			f.Width, f.Height, f.Duration, f.Thumbs = shared.Width, shared.Height, shared.Duration, shared.Thumbs
		} else if err := s.describe(ctx, &f, r); err != nil {
			s.drop(u)
			return f, err
		}
	case domain.KindOf(err) == domain.KindNotFound:
		if err := s.describe(ctx, &f, r); err != nil {
			s.drop(u)
			return f, err
		}
	default:
		return f, err
	}
	f, err = s.files.FinishUpload(ctx, u.ID, f)
	if err != nil {
		return f, err
	}
	if shared.ID != "" { // the content was stored already: ours goes
		s.deleteParts(u.Parts)
	}
	return f, nil
}

// describe probes f's content for its dimensions and duration, and makes
// a photo's thumbnails.
func (s *Service) describe(ctx context.Context, f *domain.File, r *partsReader) error {
	if f.Kind == domain.MediaFile {
		return nil
	}
	info, err := probe.Probe(f.MIME, r, f.Size)
	if err != nil {
		return probeError(err)
	}
	if err := probe.CheckInfo(kinds[f.Kind], info); err != nil {
		return probeError(err)
	}
	f.Width, f.Height, f.Duration = info.Width, info.Height, info.Duration.Seconds()
	if f.MIME == "video/webm" && !info.HasVideo {
		f.MIME = "audio/webm" // the head alone cannot tell them apart
	}
	if f.Kind != domain.MediaPhoto {
		return nil
	}
	select {
	case s.decode <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	full, thumbs, err := probe.Thumbnails(io.NewSectionReader(r, 0, f.Size), s.cfg.ThumbSides)
	<-s.decode
	if err != nil {
		return probeError(err)
	}
	f.Width, f.Height = full.Width, full.Height // after the EXIF orientation
	for _, t := range thumbs {
		key := fmt.Sprintf("t/%s/%d", f.ID, t.Side)
		n, err := s.blobs.Put(ctx, key, strings.NewReader(string(t.JPEG)))
		if err != nil {
			return fmt.Errorf("store thumbnail: %w", err)
		}
		f.Thumbs = append(f.Thumbs, domain.Thumb{Side: t.Side, Width: t.Width, Height: t.Height, Key: key, Size: n})
	}
	return nil
}

func probeError(err error) error {
	switch {
	case errors.Is(err, probe.ErrTooLarge):
		return domain.Errorf(domain.KindTooLarge, "%v", err)
	case errors.Is(err, probe.ErrMalformed), errors.Is(err, probe.ErrUnsupported):
		return domain.Invalid("content", "%v", err)
	}
	return err
}

// drop removes a refused upload and its parts.
func (s *Service) drop(u domain.Upload) {
	ctx := context.Background()
	if _, err := s.files.DeleteUpload(ctx, u.ID); err != nil && domain.KindOf(err) != domain.KindNotFound {
		s.log.Warn("drop upload", "upload", u.ID, "err", err)
	}
	s.deleteParts(u.Parts)
}

func (s *Service) deleteParts(parts []domain.Part) {
	for _, p := range parts {
		if err := s.blobs.Delete(context.Background(), p.Key); err != nil {
			s.log.Warn("delete part", "key", p.Key, "err", err)
		}
	}
}

// Cancel drops one of the user's uploads in progress.
func (s *Service) Cancel(ctx context.Context, userID int64, id string) error {
	if _, err := s.Upload(ctx, userID, id); err != nil {
		return err
	}
	u, err := s.files.DeleteUpload(ctx, id)
	if err != nil {
		return err
	}
	s.deleteParts(u.Parts)
	return nil
}

// Sweep drops uploads older than UploadTTL; it returns how many.
func (s *Service) Sweep(ctx context.Context, now time.Time) (int, error) {
	stale, err := s.files.StaleUploads(ctx, now.Add(-s.cfg.UploadTTL), 1000)
	n := 0
	for _, u := range stale {
		if _, err := s.files.DeleteUpload(ctx, u.ID); err == nil {
			s.deleteParts(u.Parts)
			n++
		}
	}
	return n, err
}

// File returns a finished file the user may read: one they uploaded, or
// one a message they can read carries.
func (s *Service) File(ctx context.Context, userID int64, id string) (domain.File, error) {
	may, err := s.files.CanReadFile(ctx, userID, id)
	if err != nil {
		return domain.File{}, err
	}
	if !may {
		return domain.File{}, domain.Errorf(domain.KindNotFound, "file not found")
	}
	return s.files.File(ctx, id)
}

// Content reads a file (thumb 0) or one of its thumbnails by range.
func (s *Service) Content(f domain.File, thumb int) (io.ReadSeekCloser, int64, error) {
	if thumb == 0 {
		return s.reader(f.Parts, f.Size), f.Size, nil
	}
	for _, t := range f.Thumbs {
		if t.Side == thumb {
			return s.reader([]domain.Part{{Key: t.Key, Size: t.Size}}, t.Size), t.Size, nil
		}
	}
	return nil, 0, domain.Errorf(domain.KindNotFound, "no thumbnail of %d pixels", thumb)
}
