package domain

import (
	"context"
	"time"
)

// Media kinds: what a file is sent as. The kind decides which checks and
// metadata a file gets (docs/API.md "Media").
const (
	MediaPhoto = "photo"
	MediaVideo = "video"
	MediaVoice = "voice"
	MediaAudio = "audio"
	MediaFile  = "file"
)

// Media is a file as a message carries it: what clients need to show it
// before they fetch it (GET /v1/files/{id} gives links to its bytes).
type Media struct {
	FileID   string  `json:"file_id"`
	Kind     string  `json:"kind"`
	MIME     string  `json:"mime"`
	Name     string  `json:"name,omitempty"`
	Size     int64   `json:"size"`
	Width    int     `json:"width,omitempty"`
	Height   int     `json:"height,omitempty"`
	Duration float64 `json:"duration,omitempty"`
	Thumbs   []int   `json:"thumbs,omitempty"` // the thumbnails' sides
	// Waveform is a voice note's loudness, one value 0–31 per step, for
	// display (a JSON array of numbers).
	Waveform []int `json:"waveform,omitempty"`
}

// MediaOf is how a message carries f.
func MediaOf(f File) Media {
	m := Media{FileID: f.ID, Kind: f.Kind, MIME: f.MIME, Name: f.Name, Size: f.Size, Width: f.Width, Height: f.Height,
		Duration: f.Duration}
	for _, t := range f.Thumbs {
		m.Thumbs = append(m.Thumbs, t.Side)
	}
	m.Waveform = WaveformInts(f.Waveform)
	return m
}

// MaxWaveform is how many steps a voice note's waveform may have, and
// WaveformTop its highest value (five bits, as Telegram's clients keep it).
const (
	MaxWaveform = 100
	WaveformTop = 31
)

// WaveformInts is a stored waveform as clients see it.
func WaveformInts(w []byte) []int {
	if len(w) == 0 {
		return nil
	}
	out := make([]int, len(w))
	for i, v := range w {
		out[i] = int(v)
	}
	return out
}

// Part is one stored piece of a file's bytes, in order: a file is the
// concatenation of its parts. Parts are immutable objects in blob storage.
type Part struct {
	Key  string `json:"k"`
	Size int64  `json:"n"`
}

// Thumb is a JPEG preview of a photo (or a video's frame), at most Side
// pixels on its longer side.
type Thumb struct {
	Side   int    `json:"side"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Key    string `json:"key"` // storage's, never shown to clients
	Size   int64  `json:"size"`
}

// Upload is a file on its way in: Offset of Length bytes have arrived and
// are stored as Parts. Hash is the SHA-256 state after Offset bytes (so
// that any node can go on hashing where another stopped).
type Upload struct {
	ID        string
	UserID    int64
	Kind      string
	MIME      string // as the client claimed it
	Name      string
	Waveform  []byte // voice notes: as the client drew it (see File)
	Length    int64
	Offset    int64
	Parts     []Part
	Hash      []byte
	CreatedAt time.Time
}

// File is a finished upload. Files with the same content share their
// parts: an upload whose SHA-256 and size match a stored file's keeps
// none of its own.
type File struct {
	ID        string
	OwnerID   int64
	Kind      string
	MIME      string // as the content showed it
	Name      string
	Size      int64
	SHA256    string // hex
	Width     int
	Height    int
	Duration  float64 // seconds
	Waveform  []byte  // voice notes: one 0–31 value per step, from the client
	Parts     []Part
	Thumbs    []Thumb
	CreatedAt time.Time
}

// FileStore keeps uploads in progress and finished files.
type FileStore interface {
	// CreateUpload stores u (CreatedAt set by the store) if the user has
	// fewer than maxOpen uploads in progress and u.Length fits in quota
	// with their files and open uploads; else KindTooLarge / KindRateLimited.
	CreateUpload(ctx context.Context, u Upload, maxOpen int, quota int64) (Upload, error)
	// Upload returns an upload in progress, or KindNotFound.
	Upload(ctx context.Context, id string) (Upload, error)
	// AdvanceUpload records u's new Offset, Parts and Hash if its stored
	// offset is still from: two writers to one upload cannot both win.
	// It returns false if another got there first.
	AdvanceUpload(ctx context.Context, u Upload, from int64) (bool, error)
	// DeleteUpload removes an upload in progress and returns it (its parts
	// are the caller's to delete), or KindNotFound.
	DeleteUpload(ctx context.Context, id string) (Upload, error)
	// StaleUploads lists uploads created before t, oldest first.
	StaleUploads(ctx context.Context, before time.Time, limit int) ([]Upload, error)
	// FinishUpload stores f and removes the upload in one transaction.
	// KindNotFound if the upload is gone (cancelled, or finished by another).
	FinishUpload(ctx context.Context, uploadID string, f File) (File, error)
	// File returns a finished file, or KindNotFound.
	File(ctx context.Context, id string) (File, error)
	// FileByContent finds a stored file with this SHA-256 and size, to
	// share its parts, or KindNotFound.
	FileByContent(ctx context.Context, sha256 string, size int64) (File, error)
	// CanReadFile reports whether the user uploaded the file or may read a
	// message that carries it (an active member of its chat, or anyone for
	// a public chat).
	CanReadFile(ctx context.Context, userID int64, fileID string) (bool, error)
	// Secret returns the named random secret, made on first use and then
	// the same for every node (it signs download links).
	Secret(ctx context.Context, name string) ([]byte, error)
}
