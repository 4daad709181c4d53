package api

import (
	"encoding/base64"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/media"
)

// Uploads speak the core of tus 1.0.0 (https://tus.io/protocols/resumable-upload)
// with its creation and termination extensions, so any tus client works;
// see docs/API.md "Media".

const tusVersion = "1.0.0"

// linkTTL is how long a download link works.
const linkTTL = time.Hour

func (s *Server) mediaRoutes(m *http.ServeMux) {
	m.HandleFunc("OPTIONS /v1/uploads", s.tusOptions)
	m.HandleFunc("POST /v1/uploads", s.authed(s.tus(s.createUpload)))
	m.HandleFunc("GET /v1/uploads/{id}", s.authed(s.tus(s.uploadStatus))) // and HEAD
	m.HandleFunc("PATCH /v1/uploads/{id}", s.authed(s.tus(s.writeUpload)))
	m.HandleFunc("DELETE /v1/uploads/{id}", s.authed(s.tus(s.cancelUpload)))
	m.HandleFunc("GET /v1/files/{id}", s.authed(s.fileInfo))
	m.HandleFunc("GET /files/{id}", s.download) // signed link; HEAD too
}

func (s *Server) tusOptions(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Tus-Resumable", tusVersion)
	h.Set("Tus-Version", tusVersion)
	h.Set("Tus-Extension", "creation,termination")
	if s.media != nil {
		h.Set("Tus-Max-Size", strconv.FormatInt(s.media.Config().MaxFileSize, 10))
	}
	w.WriteHeader(http.StatusNoContent)
}

// tus checks the protocol version a tus client names (browsers' own
// requests name none) and answers with ours.
func (s *Server) tus(h func(w http.ResponseWriter, r *http.Request, sess domain.Session)) func(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	return func(w http.ResponseWriter, r *http.Request, sess domain.Session) {
		w.Header().Set("Tus-Resumable", tusVersion)
		w.Header().Set("Cache-Control", "no-store")
		if v := r.Header.Get("Tus-Resumable"); v != "" && v != tusVersion {
			w.Header().Set("Tus-Version", tusVersion)
			writeErrorCode(w, http.StatusPreconditionFailed, "unsupported_version", "this server speaks tus "+tusVersion)
			return
		}
		if s.media == nil {
			writeErrorCode(w, http.StatusServiceUnavailable, string(domain.KindUnavailable), "media storage is not configured")
			return
		}
		h(w, r, sess)
	}
}

// parseMetadata reads tus's Upload-Metadata: comma-separated "key
// base64(value)" pairs.
func parseMetadata(v string) (map[string]string, error) {
	md := map[string]string{}
	if strings.TrimSpace(v) == "" {
		return md, nil
	}
	if len(v) > 4096 {
		return nil, domain.Invalid("Upload-Metadata", "too long")
	}
	for _, pair := range strings.Split(v, ",") {
		key, val, _ := strings.Cut(strings.TrimSpace(pair), " ")
		b, err := base64.StdEncoding.DecodeString(val)
		if key == "" || err != nil {
			return nil, domain.Invalid("Upload-Metadata", "each pair is a key and a base64 value")
		}
		md[key] = string(b)
	}
	return md, nil
}

func (s *Server) createUpload(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	if r.Header.Get("Upload-Defer-Length") != "" {
		writeErrorCode(w, http.StatusBadRequest, string(domain.KindInvalid), "Upload-Length is required (deferred length is not supported)")
		return
	}
	length, err := strconv.ParseInt(r.Header.Get("Upload-Length"), 10, 64)
	if err != nil {
		writeErrorCode(w, http.StatusBadRequest, string(domain.KindInvalid), "Upload-Length: a byte count is required")
		return
	}
	md, err := parseMetadata(r.Header.Get("Upload-Metadata"))
	var u domain.Upload
	if err == nil {
		kind := md["kind"]
		if kind == "" {
			kind = domain.MediaFile
		}
		u, err = s.media.Create(r.Context(), sess.UserID, media.NewUpload{Kind: kind, MIME: md["filetype"],
			Name: md["filename"], Length: length, Waveform: []byte(md["waveform"])})
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	w.Header().Set("Location", "/v1/uploads/"+u.ID)
	w.Header().Set("Upload-Offset", "0")
	writeJSON(w, http.StatusCreated, uploadView(u, nil))
}

// uploadJSON is an upload's state; File is set once it is finished.
type uploadJSON struct {
	ID     string    `json:"id"`
	Offset int64     `json:"offset"`
	Length int64     `json:"length"`
	File   *fileJSON `json:"file,omitempty"`
}

func uploadView(u domain.Upload, f *fileJSON) uploadJSON {
	return uploadJSON{ID: u.ID, Offset: u.Offset, Length: u.Length, File: f}
}

// uploadStatus answers HEAD (tus: where does the upload stand) and GET
// (the same as JSON, with the file once it is finished).
func (s *Server) uploadStatus(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	id := r.PathValue("id")
	u, err := s.media.Upload(r.Context(), sess.UserID, id)
	if domain.IsKind(err, domain.KindNotFound) {
		// Finished uploads live on as files under the same id.
		f, ferr := s.media.File(r.Context(), sess.UserID, id)
		if ferr == nil {
			fv, ferr := s.fileView(r, sess.UserID, f)
			if ferr == nil {
				u, err = domain.Upload{ID: f.ID, Offset: f.Size, Length: f.Size}, nil
				s.uploadHeaders(w, u)
				if r.Method == http.MethodHead {
					w.WriteHeader(http.StatusOK)
					return
				}
				writeJSON(w, http.StatusOK, uploadView(u, &fv))
				return
			}
			err = ferr
		}
	}
	if err != nil {
		if r.Method == http.MethodHead {
			status, _, _ := clientError(s.log, err)
			w.WriteHeader(status)
			return
		}
		s.writeError(w, err)
		return
	}
	s.uploadHeaders(w, u)
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	writeJSON(w, http.StatusOK, uploadView(u, nil))
}

func (s *Server) uploadHeaders(w http.ResponseWriter, u domain.Upload) {
	w.Header().Set("Upload-Offset", strconv.FormatInt(u.Offset, 10))
	w.Header().Set("Upload-Length", strconv.FormatInt(u.Length, 10))
}

func (s *Server) writeUpload(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/offset+octet-stream" {
		writeErrorCode(w, http.StatusUnsupportedMediaType, codeUnsupportedType, "send Content-Type: application/offset+octet-stream")
		return
	}
	offset, err := strconv.ParseInt(r.Header.Get("Upload-Offset"), 10, 64)
	if err != nil || offset < 0 {
		writeErrorCode(w, http.StatusBadRequest, string(domain.KindInvalid), "Upload-Offset: a byte offset is required")
		return
	}
	body := &idleReader{r: r.Body, rc: http.NewResponseController(w)}
	u, f, err := s.media.Write(r.Context(), sess.UserID, r.PathValue("id"), offset, body)
	if err != nil {
		s.writeError(w, err)
		return
	}
	w.Header().Set("Upload-Offset", strconv.FormatInt(u.Offset, 10))
	if f != nil {
		w.Header().Set("Chapar-File-Id", f.ID)
	}
	w.WriteHeader(http.StatusNoContent)
}

// uploadIdle is how long an upload's body may stall before the request is
// ended (what arrived is kept; the client resumes). The server has no
// overall read timeout, since a 2 GB body over a slow link takes hours.
const uploadIdle = 30 * time.Second

// idleReader moves the connection's read deadline on before every read.
type idleReader struct {
	r  io.Reader
	rc *http.ResponseController
}

func (b *idleReader) Read(p []byte) (int, error) {
	b.rc.SetReadDeadline(time.Now().Add(uploadIdle))
	return b.r.Read(p)
}

func (s *Server) cancelUpload(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	if err := s.media.Cancel(r.Context(), sess.UserID, r.PathValue("id")); err != nil {
		s.writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// fileJSON is a file as clients see it: what it is, and links (valid for
// an hour) to its bytes and thumbnails.
type fileJSON struct {
	ID       string      `json:"id"`
	Kind     string      `json:"kind"`
	MIME     string      `json:"mime"`
	Name     string      `json:"name,omitempty"`
	Size     int64       `json:"size"`
	Width    int         `json:"width,omitempty"`
	Height   int         `json:"height,omitempty"`
	Duration float64     `json:"duration,omitempty"`
	Waveform []int       `json:"waveform,omitempty"`
	URL      string      `json:"url"`
	Thumbs   []thumbJSON `json:"thumbs,omitempty"`
	Expires  time.Time   `json:"url_expires"`
}

type thumbJSON struct {
	Side   int    `json:"side"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	URL    string `json:"url"`
}

func (s *Server) fileView(r *http.Request, userID int64, f domain.File) (fileJSON, error) {
	exp := time.Now().Add(linkTTL).Truncate(time.Second)
	link, err := s.media.Link(r.Context(), userID, f.ID, exp)
	if err != nil {
		return fileJSON{}, err
	}
	v := fileJSON{ID: f.ID, Kind: f.Kind, MIME: f.MIME, Name: f.Name, Size: f.Size, Width: f.Width, Height: f.Height,
		Duration: f.Duration, Waveform: domain.WaveformInts(f.Waveform), URL: link, Expires: exp.UTC()}
	for _, t := range f.Thumbs {
		v.Thumbs = append(v.Thumbs, thumbJSON{Side: t.Side, Width: t.Width, Height: t.Height,
			URL: link + "&thumb=" + strconv.Itoa(t.Side)})
	}
	return v, nil
}

func (s *Server) fileInfo(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	if s.media == nil {
		writeErrorCode(w, http.StatusServiceUnavailable, string(domain.KindUnavailable), "media storage is not configured")
		return
	}
	f, err := s.media.File(r.Context(), sess.UserID, r.PathValue("id"))
	var v fileJSON
	if err == nil {
		v, err = s.fileView(r, sess.UserID, f)
	}
	s.reply(w, http.StatusOK, v, err)
}

// inlineTypes may be shown in the page (an <img>, <video> or <audio>);
// everything else is only ever downloaded.
var inlineTypes = map[string]bool{
	"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true,
	"video/mp4": true, "video/webm": true, "video/quicktime": true,
	"audio/ogg": true, "audio/webm": true, "audio/mpeg": true, "audio/mp4": true, "audio/wav": true,
}

// download serves a file's bytes by a signed link, with ranges and ETags
// (http.ServeContent). The reader's right to the file is checked again on
// every request; the bytes are never served as active content on the
// app's origin: a sandboxing CSP, nosniff, and anything but plain media
// as an attachment.
func (s *Server) download(w http.ResponseWriter, r *http.Request) {
	if s.media == nil {
		writeErrorCode(w, http.StatusServiceUnavailable, string(domain.KindUnavailable), "media storage is not configured")
		return
	}
	id := r.PathValue("id")
	q := r.URL.Query()
	userID, err := s.media.Verify(r.Context(), id, q, time.Now())
	var f domain.File
	if err == nil {
		f, err = s.media.File(r.Context(), userID, id)
	}
	thumb := 0
	if err == nil && q.Has("thumb") {
		if thumb, err = strconv.Atoi(q.Get("thumb")); err != nil || thumb <= 0 {
			err = domain.Invalid("thumb", "a thumbnail size")
		}
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	content, _, err := s.media.Content(f, thumb)
	if err != nil {
		s.writeError(w, err)
		return
	}
	defer content.Close()
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Cache-Control", "private, max-age=3600")
	etag := `"` + f.SHA256[:32] + `"`
	ctype := f.MIME
	if thumb > 0 {
		etag, ctype = `"`+f.SHA256[:32]+"-"+strconv.Itoa(thumb)+`"`, "image/jpeg"
	}
	h.Set("ETag", etag)
	disposition := "inline"
	if !inlineTypes[ctype] || q.Get("download") == "1" {
		disposition = "attachment"
		if !inlineTypes[ctype] {
			ctype = "application/octet-stream"
		}
	}
	params := map[string]string{}
	if f.Name != "" && thumb == 0 {
		params["filename"] = f.Name
	}
	if cd := mime.FormatMediaType(disposition, params); cd != "" {
		h.Set("Content-Disposition", cd)
	} else {
		h.Set("Content-Disposition", disposition)
	}
	h.Set("Content-Type", ctype)
	http.ServeContent(w, r, "", f.CreatedAt, content)
}
