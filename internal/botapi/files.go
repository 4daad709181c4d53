package botapi

import (
	"context"
	"mime/multipart"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/media"
)

// Files: sendPhoto, sendDocument, sendVoice, sendVideo and sendAudio take
// a file_id (any file the bot may read: sending it again shares it) or an
// upload in a multipart form; getFile gives a file_path, whose bytes are at
// /file/bot<token>/<file_path>. A photo's sizes are its thumbnails and the
// original: the id of a thumbnail is "<file id>_<side>".

// maxBotUpload is the most a bot uploads in one request, as on Telegram.
const maxBotUpload = 50 << 20

// fileID is a photo size's or a file's id: a chapar file id, and the side
// of one of its thumbnails.
var fileID = regexp.MustCompile(`^([0-9a-f]{32})(?:_([0-9]{2,5}))?$`)

func splitFileID(id string) (string, int, bool) {
	m := fileID.FindStringSubmatch(id)
	if m == nil {
		return "", 0, false
	}
	side, _ := strconv.Atoi(m[2])
	return m[1], side, true
}

// PhotoSize, Document, Voice, Video and Audio are Telegram's.
type PhotoSize struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
	FileSize     int64  `json:"file_size,omitempty"`
}

type fileJSON struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	FileName     string `json:"file_name,omitempty"`
	MIMEType     string `json:"mime_type,omitempty"`
	FileSize     int64  `json:"file_size,omitempty"`
	Width        int    `json:"width,omitempty"`
	Height       int    `json:"height,omitempty"`
	Duration     int    `json:"duration,omitempty"`
}

// attach puts a message's media into Telegram's fields (the first file:
// Telegram's messages carry one; an album is several messages there).
func (m *Message) attach(media []domain.Media) {
	if len(media) == 0 {
		return
	}
	f := media[0]
	j := &fileJSON{FileID: f.FileID, FileUniqueID: f.FileID, FileName: f.Name, MIMEType: f.MIME, FileSize: f.Size,
		Width: f.Width, Height: f.Height, Duration: int(f.Duration + 0.5)}
	switch f.Kind {
	case domain.MediaPhoto:
		for _, side := range f.Thumbs {
			w, h := fit(f.Width, f.Height, side)
			id := f.FileID + "_" + strconv.Itoa(side)
			m.Photo = append(m.Photo, PhotoSize{FileID: id, FileUniqueID: id, Width: w, Height: h})
		}
		m.Photo = append(m.Photo, PhotoSize{FileID: f.FileID, FileUniqueID: f.FileID, Width: f.Width, Height: f.Height, FileSize: f.Size})
	case domain.MediaVoice:
		j.FileName, j.Width, j.Height = "", 0, 0
		m.Voice = j
	case domain.MediaVideo:
		m.Video = j
	case domain.MediaAudio:
		j.Width, j.Height = 0, 0
		m.Audio = j
	default:
		j.Width, j.Height, j.Duration = 0, 0, 0
		m.Document = j
	}
}

// fit is a thumbnail's size: the photo scaled so its longer side is side.
func fit(w, h, side int) (int, int) {
	if w <= 0 || h <= 0 {
		return side, side
	}
	if w >= h {
		return side, max(1, h*side/w)
	}
	return max(1, w*side/h), side
}

func init() {
	register("sendPhoto", sendFile("photo", domain.MediaPhoto))
	register("sendDocument", sendFile("document", domain.MediaFile))
	register("sendVoice", sendFile("voice", domain.MediaVoice))
	register("sendVideo", sendFile("video", domain.MediaVideo))
	register("sendAudio", sendFile("audio", domain.MediaAudio))
	register("getFile", (*Server).getFile)
}

// sendFile is a sendPhoto-like method: the file is the param parameter.
func sendFile(param, kind string) method {
	return func(s *Server, ctx context.Context, bot domain.Bot, p params) (any, error) {
		v, chatID, err := s.chatParam(ctx, bot, p)
		if err != nil {
			return nil, err
		}
		caption, rich, err := richText(p, "caption", "caption_entities")
		if err != nil {
			return nil, err
		}
		id, err := s.fileParam(ctx, bot, p, param, kind)
		if err != nil {
			return nil, err
		}
		return s.send(ctx, bot, p, v, chatID, domain.SendRequest{Text: caption, Rich: rich, Media: []string{id}})
	}
}

// fileParam is the file a send names: an upload in the request, or a
// file_id the bot may read.
func (s *Server) fileParam(ctx context.Context, bot domain.Bot, p params, param, kind string) (string, error) {
	if fh := uploaded(ctx, param); fh != nil {
		return s.upload(ctx, bot, fh, kind)
	}
	ref, err := p.str(param)
	if err != nil {
		return "", err
	}
	if ref == "" {
		return "", badRequest("there is no %s in the request", param)
	}
	if name, ok := strings.CutPrefix(ref, "attach://"); ok {
		if fh := uploaded(ctx, name); fh != nil {
			return s.upload(ctx, bot, fh, kind)
		}
		return "", badRequest("there is no %s in the request", param)
	}
	if strings.Contains(ref, "://") {
		return "", badRequest("sending files by URL is not supported; upload the file or use a file_id")
	}
	id, _, ok := splitFileID(ref)
	if !ok || s.media == nil {
		return "", badRequest("wrong file identifier/HTTP URL specified")
	}
	if _, err := s.media.File(ctx, bot.UserID, id); err != nil {
		return "", badRequest("wrong file identifier/HTTP URL specified")
	}
	return id, nil
}

// upload stores an uploaded file as the bot's, through the media service
// (checks, thumbnails, de-duplication), and returns its id.
func (s *Server) upload(ctx context.Context, bot domain.Bot, fh *multipart.FileHeader, kind string) (string, error) {
	if s.media == nil {
		return "", &apiError{503, "Service Unavailable: files are not set up on this server"}
	}
	if fh.Size > maxBotUpload {
		return "", &apiError{413, "Request Entity Too Large"}
	}
	f, err := fh.Open()
	if err != nil {
		return "", badRequest("can't read the file")
	}
	defer f.Close()
	claimed := fh.Header.Get("Content-Type")
	if strings.HasPrefix(claimed, "application/octet-stream") { // libraries' default: says nothing
		claimed = ""
	}
	u, err := s.media.Create(ctx, bot.UserID, media.NewUpload{Kind: kind, MIME: claimed, Name: fh.Filename, Length: fh.Size})
	if err != nil {
		return "", err
	}
	_, file, err := s.media.Write(ctx, bot.UserID, u.ID, 0, f)
	if err != nil {
		if domain.IsKind(err, domain.KindInvalid) {
			return "", badRequest("wrong type of the web page content") // Telegram's words for content that is not what it claims
		}
		return "", err
	}
	if file == nil {
		s.media.Cancel(context.WithoutCancel(ctx), bot.UserID, u.ID)
		return "", badRequest("the file was cut off")
	}
	return file.ID, nil
}

// getFile gives a file's path for /file/bot<token>/<file_path>.
func (s *Server) getFile(ctx context.Context, bot domain.Bot, p params) (any, error) {
	ref, err := p.need("file_id")
	if err != nil {
		return nil, err
	}
	id, side, ok := splitFileID(ref)
	if !ok || s.media == nil {
		return nil, badRequest("invalid file_id")
	}
	f, err := s.media.File(ctx, bot.UserID, id)
	if err != nil {
		return nil, badRequest("invalid file_id")
	}
	size := f.Size
	if side != 0 {
		size = -1
		for _, t := range f.Thumbs {
			if t.Side == side {
				size = t.Size
			}
		}
		if size < 0 {
			return nil, badRequest("invalid file_id")
		}
	}
	return map[string]any{"file_id": ref, "file_unique_id": ref, "file_size": size, "file_path": "files/" + ref}, nil
}

// filePath is /file/bot<token>/files/<file id>.
var filePath = regexp.MustCompile(`^/file/bot([0-9]+:[A-Za-z0-9_-]+)/files/([0-9a-f_]+)$`)

// HandlesFile reports whether a path is a bot's file download.
func HandlesFile(path string) bool { return strings.HasPrefix(path, "/file/bot") }

// ServeFile serves /file/bot<token>/<file_path> (Range, ETag; as an
// attachment, never as a page of chapar's origin).
func (s *Server) ServeFile(w http.ResponseWriter, r *http.Request) {
	m := filePath.FindStringSubmatch(r.URL.Path)
	if m == nil || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		fail(w, &apiError{404, "Not Found"})
		return
	}
	bot, err := s.svc.AuthenticateBot(r.Context(), m[1])
	if err != nil {
		fail(w, s.telegramError(err))
		return
	}
	id, side, ok := splitFileID(m[2])
	if !ok || s.media == nil {
		fail(w, &apiError{404, "Not Found"})
		return
	}
	f, err := s.media.File(r.Context(), bot.UserID, id)
	if err != nil {
		fail(w, &apiError{404, "Not Found"})
		return
	}
	content, _, err := s.media.Content(f, side)
	if err != nil {
		fail(w, &apiError{404, "Not Found"})
		return
	}
	defer content.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", "attachment")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Header().Set("ETag", `"`+f.SHA256+`-`+strconv.Itoa(side)+`"`)
	http.ServeContent(w, r, "", f.CreatedAt, content)
}
