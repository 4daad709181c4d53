// Package probe reads the headers of uploaded media safely, to check what a
// file really is, fill in a message's media metadata (size, duration, which
// streams it has) and make photo thumbnails.
//
// Every byte it reads comes from a user and may be crafted to hurt the
// server, so the package is written to fail closed and cheaply:
//
//   - Images are judged by their header alone before any pixel is decoded:
//     a 100,000 × 100,000 PNG of a few hundred bytes is refused with
//     ErrTooLarge before its pixel buffer would be allocated (MaxSide,
//     MaxPixels).
//   - The container parsers (MP4, WebM, Ogg) read through an io.ReaderAt and
//     jump over payloads instead of reading them: an MP4's mdat or a WebM's
//     frames are never loaded. No buffer is ever sized from a length field in
//     the file; reads are small and fixed-size, or capped at 64 KB (the tail
//     of an Ogg file, a window of cached reads) or 1 MB (one window of the
//     search for a WebM's last cluster).
//   - Every walk over boxes or elements is bounded: at most 8 levels deep
//     and 10,000 boxes or elements, so no file makes a parser loop long.
//
// Errors wrap one of ErrUnsupported, ErrMalformed or ErrTooLarge so that the
// API can answer with the right error code; an error reading the underlying
// file is returned as it is, wrapping none of them.
package probe

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"time"
)

// Kind of a media file as the client claims it.
type Kind string

// The kinds of media a message can carry. Each comment lists the MIME types
// the kind is meant for.
const (
	Photo Kind = "photo" // image/jpeg, image/png, image/gif, image/webp
	Video Kind = "video" // video/mp4 (and quicktime .mov), video/webm
	Voice Kind = "voice" // audio/ogg (Opus), audio/webm (Opus) — what browsers' MediaRecorder produce
	Audio Kind = "audio" // audio/mpeg, audio/ogg, audio/webm, audio/mp4, audio/wav…
	File  Kind = "file"  // anything
)

// The errors this package returns wrap one of these, so that callers can
// tell a file of a type they do not take from a broken or hostile one and
// from one too large to process.
var (
	// ErrUnsupported: the content is not of a type this kind accepts, or a
	// variant of a format that this package does not read.
	ErrUnsupported = errors.New("probe: unsupported media")
	// ErrMalformed: the content claims to be of a format but breaks its rules
	// (truncated, inconsistent sizes, too many boxes or elements…).
	ErrMalformed = errors.New("probe: malformed media")
	// ErrTooLarge: the content is well-formed but too large to process, such
	// as an image over MaxSide or MaxPixels.
	ErrTooLarge = errors.New("probe: media too large")
)

// Info is what the headers of a media file say about it. Fields the
// container does not tell are left zero.
type Info struct {
	Width, Height      int           // pixels (photo, video), as displayed
	Duration           time.Duration // video, voice, audio where the container says
	HasVideo, HasAudio bool          // for video/webm/mp4 containers; HasAudio for Ogg
}

// Check tells whether content whose head sniffs as sniffed may be stored as
// kind with claimed MIME claimed. The sniffed type decides; claimed is
// compared only for photos, because browsers label containers loosely
// (audio/webm for what sniffs as video/webm, codecs parameters, .mov files
// sent as video/mp4) and the server stores the sniffed type anyway. MIME
// parameters and case are ignored, and common aliases (image/jpg,
// image/x-png) are taken as their standard names.
//
//   - Photo: sniffed is image/jpeg, image/png, image/gif or image/webp, and
//     claimed is the same type.
//   - Video: sniffed is video/mp4, video/quicktime or video/webm.
//   - Voice: sniffed is audio/ogg, video/webm or audio/webm; whether a webm
//     holds only audio is for CheckInfo to tell after probing.
//   - Audio: sniffed is any audio/* type, or video/webm or video/mp4 (the
//     containers can hold audio only, and the sniffer cannot tell).
//   - File: anything.
//
// The error wraps ErrUnsupported and says what was found.
func Check(kind Kind, claimed, sniffed string) error {
	s := baseType(sniffed)
	switch kind {
	case File:
		return nil
	case Photo:
		switch s {
		case "image/jpeg", "image/png", "image/gif", "image/webp":
		default:
			return fmt.Errorf("%w: a photo must be JPEG, PNG, GIF or WebP; the content is %s", ErrUnsupported, s)
		}
		if c := baseType(claimed); c != "" && c != s { // nothing claimed is no contradiction
			return fmt.Errorf("%w: the photo was sent as %q but the content is %s", ErrUnsupported, c, s)
		}
		return nil
	case Video:
		switch s {
		case "video/mp4", "video/quicktime", "video/webm":
			return nil
		}
		return fmt.Errorf("%w: a video must be MP4, QuickTime or WebM; the content is %s", ErrUnsupported, s)
	case Voice:
		switch s {
		case "audio/ogg", "video/webm", "audio/webm", "audio/mp4": // audio/mp4: Safari's MediaRecorder
			return nil
		}
		return fmt.Errorf("%w: a voice message must be Ogg, WebM or MP4 audio; the content is %s", ErrUnsupported, s)
	case Audio:
		if strings.HasPrefix(s, "audio/") {
			return nil
		}
		switch s {
		case "video/webm", "video/mp4":
			return nil
		}
		return fmt.Errorf("%w: audio must be an audio format; the content is %s", ErrUnsupported, s)
	}
	return fmt.Errorf("%w: unknown media kind %q", ErrUnsupported, string(kind))
}

// CheckInfo tells whether what Probe found fits kind, for the checks the
// head alone cannot make: a voice message must hold audio and no video (a
// webm recorded from a camera is a video), and a video must hold a video
// track. The other kinds pass. The error wraps ErrUnsupported.
func CheckInfo(kind Kind, info Info) error {
	switch kind {
	case Voice:
		if info.HasVideo || !info.HasAudio {
			return fmt.Errorf("%w: a voice message must hold audio only (video %t, audio %t)", ErrUnsupported, info.HasVideo, info.HasAudio)
		}
	case Video:
		if !info.HasVideo {
			return fmt.Errorf("%w: the video has no video track", ErrUnsupported)
		}
	}
	return nil
}

// Probe reads the metadata of content of MIME type mime (as Sniff gave it)
// held by r, size bytes long: images go to Image, MP4 and QuickTime to MP4,
// WebM to WebM and Ogg to Ogg. Other types have no metadata that this
// package reads; for them Probe returns Info{} and no error.
func Probe(mime string, r io.ReaderAt, size int64) (Info, error) {
	switch baseType(mime) {
	case "image/jpeg", "image/png", "image/gif", "image/webp":
		if size < 0 {
			return Info{}, fmt.Errorf("%w: negative size %d", ErrMalformed, size)
		}
		return Image(io.NewSectionReader(r, 0, size))
	case "video/mp4", "video/quicktime", "audio/mp4":
		return MP4(r, size)
	case "video/webm", "audio/webm":
		return WebM(r, size)
	case "audio/ogg":
		return Ogg(r, size)
	}
	return Info{}, nil
}

// baseType returns the MIME type t without parameters, in lower case, with
// the aliases that clients send for the standard names replaced.
func baseType(t string) string {
	if mt, _, err := mime.ParseMediaType(t); err == nil {
		t = mt
	} else {
		t, _, _ = strings.Cut(t, ";")
		t = strings.ToLower(strings.TrimSpace(t))
	}
	switch t {
	case "image/jpg", "image/pjpeg":
		return "image/jpeg"
	case "image/x-png":
		return "image/png"
	case "audio/x-wav", "audio/wave", "audio/vnd.wave":
		return "audio/wav"
	case "audio/mp3", "audio/x-mp3", "audio/mpeg3":
		return "audio/mpeg"
	case "audio/x-m4a", "audio/m4a":
		return "audio/mp4"
	}
	return t
}
