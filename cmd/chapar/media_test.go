package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chapar/chapar/client"
	"github.com/chapar/chapar/internal/blob/blobtest"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// tusClient speaks the tus requests of docs/API.md "Media" as a user.
type tusClient struct {
	t     *testing.T
	base  string
	token string
}

func (c tusClient) req(method, path string, body io.Reader, hdr map[string]string) *http.Response {
	c.t.Helper()
	r, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		r.Header.Set("Authorization", "Bearer "+c.token)
	}
	r.Header.Set("Tus-Resumable", "1.0.0")
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	c.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func meta(kv ...string) string {
	var parts []string
	for i := 0; i < len(kv); i += 2 {
		parts = append(parts, kv[i]+" "+base64.StdEncoding.EncodeToString([]byte(kv[i+1])))
	}
	return strings.Join(parts, ",")
}

// create starts an upload and returns its path.
func (c tusClient) create(kind, name, mime string, length int) string {
	c.t.Helper()
	resp := c.req("POST", "/v1/uploads", nil, map[string]string{
		"Upload-Length": strconv.Itoa(length), "Upload-Metadata": meta("kind", kind, "filename", name, "filetype", mime)})
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("Location") == "" {
		b, _ := io.ReadAll(resp.Body)
		c.t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	return resp.Header.Get("Location")
}

func (c tusClient) patch(path string, offset int, body io.Reader) *http.Response {
	c.t.Helper()
	return c.req("PATCH", path, body, map[string]string{"Upload-Offset": strconv.Itoa(offset),
		"Content-Type": "application/offset+octet-stream"})
}

func (c tusClient) offset(path string) int {
	c.t.Helper()
	resp := c.req("HEAD", path, nil, nil)
	if resp.StatusCode != http.StatusOK {
		c.t.Fatalf("HEAD %s: %d", path, resp.StatusCode)
	}
	n, err := strconv.Atoi(resp.Header.Get("Upload-Offset"))
	if err != nil {
		c.t.Fatalf("Upload-Offset %q", resp.Header.Get("Upload-Offset"))
	}
	return n
}

type fileView struct {
	ID       string  `json:"id"`
	Kind     string  `json:"kind"`
	MIME     string  `json:"mime"`
	Name     string  `json:"name"`
	Size     int64   `json:"size"`
	Width    int     `json:"width"`
	Height   int     `json:"height"`
	Duration float64 `json:"duration"`
	Waveform []int   `json:"waveform"`
	URL      string  `json:"url"`
	Thumbs   []struct {
		Side, Width, Height int
		URL                 string
	} `json:"thumbs"`
}

func (c tusClient) file(id string) (fileView, int) {
	c.t.Helper()
	resp := c.req("GET", "/v1/files/"+id, nil, nil)
	var f fileView
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&f); err != nil {
			c.t.Fatal(err)
		}
	}
	return f, resp.StatusCode
}

// get fetches a download link (no bearer token: links carry their own
// signature).
func get(t *testing.T, url string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	r, _ := http.NewRequest("GET", url, nil)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// brokenBody yields n bytes of data and then fails, as a dropped
// connection does mid-upload.
type brokenBody struct {
	data []byte
}

func (b *brokenBody) Read(p []byte) (int, error) {
	if len(b.data) == 0 {
		return 0, errors.New("connection lost")
	}
	n := copy(p, b.data)
	b.data = b.data[n:]
	return n, nil
}

// TestMediaUploadResumeDownload: a 20 MB file is uploaded over tus, cut
// off halfway, resumed from where the server says it stands, and read
// back whole and by ranges; a second upload of the same bytes shares the
// first's storage; only its owner can fetch it.
func TestMediaUploadResumeDownload(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, dir)
	alice, _ := newUser(t, srv.URL, "media_alice")
	bob, _ := newUser(t, srv.URL, "media_bob")
	a := tusClient{t, srv.URL, alice.Token()}
	b := tusClient{t, srv.URL, bob.Token()}

	data := make([]byte, 20<<20+12345)
	rand.Read(data)
	path := a.create("file", "../../etc/report 2026.bin", "application/x-whatever", len(data))
	id := strings.TrimPrefix(path, "/v1/uploads/")

	// First request: the connection drops after 11 MB.
	r, err := http.NewRequest("PATCH", srv.URL+path, &brokenBody{data: data[:11<<20]})
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Authorization", "Bearer "+a.token)
	r.Header.Set("Content-Type", "application/offset+octet-stream")
	r.Header.Set("Upload-Offset", "0")
	r.ContentLength = int64(len(data)) // it promised everything
	if resp, err := http.DefaultClient.Do(r); err == nil {
		resp.Body.Close()
	}
	at := 0
	for range 100 { // the server stores what it got once it sees the body end
		if at = a.offset(path); at > 8<<20 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if at < 8<<20 || at > 11<<20 {
		t.Fatalf("after a drop at 11 MB the upload stands at %d\n%s", at, srv.logs())
	}
	// Someone else cannot see, write to or cancel it.
	if resp := b.req("HEAD", path, nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("bob's HEAD: %d", resp.StatusCode)
	}
	if resp := b.patch(path, at, bytes.NewReader(data[at:])); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("bob's PATCH: %d", resp.StatusCode)
	}
	// A PATCH from the wrong offset is refused and changes nothing.
	if resp := a.patch(path, at+1, bytes.NewReader(data[at+1:])); resp.StatusCode != http.StatusConflict {
		t.Fatalf("PATCH at a wrong offset: %d", resp.StatusCode)
	}
	// Resume.
	resp := a.patch(path, at, bytes.NewReader(data[at:]))
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Upload-Offset") != strconv.Itoa(len(data)) ||
		resp.Header.Get("Chapar-File-Id") != id {
		t.Fatalf("resume: %d offset %s file %q", resp.StatusCode, resp.Header.Get("Upload-Offset"), resp.Header.Get("Chapar-File-Id"))
	}
	if got := a.offset(path); got != len(data) {
		t.Fatalf("finished upload stands at %d", got)
	}

	f, status := a.file(id)
	if status != http.StatusOK || f.Size != int64(len(data)) || f.Kind != "file" || f.Name != "report 2026.bin" ||
		f.MIME != "application/x-whatever" {
		t.Fatalf("file: %d %+v", status, f)
	}
	if _, status := b.file(id); status != http.StatusNotFound {
		t.Fatalf("bob sees alice's file: %d", status)
	}

	// Whole, by range, and revalidated by ETag.
	resp, body := get(t, srv.URL+f.URL, nil)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, data) {
		t.Fatalf("download: %d, %d bytes, equal %v", resp.StatusCode, len(body), bytes.Equal(body, data))
	}
	h := resp.Header
	if h.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") ||
		!strings.Contains(h.Get("Content-Disposition"), "report 2026.bin") || h.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.Contains(h.Get("Content-Security-Policy"), "sandbox") || h.Get("Accept-Ranges") != "bytes" {
		t.Fatalf("download headers: %v", h)
	}
	etag := h.Get("ETag")
	for _, rg := range [][2]int{{0, 0}, {8<<20 - 5, 8<<20 + 5}, {len(data) - 100, len(data) - 1}, {3 << 20, 19 << 20}} {
		resp, body := get(t, srv.URL+f.URL, map[string]string{"Range": fmt.Sprintf("bytes=%d-%d", rg[0], rg[1])})
		if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, data[rg[0]:rg[1]+1]) {
			t.Fatalf("range %v: %d, %d bytes", rg, resp.StatusCode, len(body))
		}
	}
	if resp, _ := get(t, srv.URL+f.URL, map[string]string{"If-None-Match": etag}); resp.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match: %d", resp.StatusCode)
	}
	// A link is the user's: changed, it is refused.
	for _, bad := range []string{
		strings.Replace(f.URL, "&s=", "&s=x", 1),
		strings.Replace(f.URL, "&u=", "&u=9", 1),
		strings.Replace(f.URL, "/files/"+id, "/files/"+id[:len(id)-1]+"A", 1),
		"/files/" + id,
	} {
		if bad == f.URL {
			t.Fatalf("the link was not changed: %s", bad)
		}
		if resp, _ := get(t, srv.URL+bad, nil); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("tampered link %s: %d", bad, resp.StatusCode)
		}
	}

	// The same bytes again: a new file that shares the stored parts.
	before := countFiles(t, filepath.Join(dir, "media"))
	path2 := a.create("file", "copy.bin", "", len(data))
	if resp := a.patch(path2, 0, bytes.NewReader(data)); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("second upload: %d", resp.StatusCode)
	}
	if after := countFiles(t, filepath.Join(dir, "media")); after != before {
		t.Fatalf("a duplicate upload left %d stored objects, before %d", after, before)
	}
	f2, _ := a.file(strings.TrimPrefix(path2, "/v1/uploads/"))
	if _, body := get(t, srv.URL+f2.URL, nil); !bytes.Equal(body, data) {
		t.Fatal("the de-duplicated file reads differently")
	}
}

func countFiles(t *testing.T, dir string) int {
	n := 0
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestMediaPhotoAndRefusals: a photo gets its dimensions and thumbnails;
// content that is not what it claims, bad requests and limits are refused
// with the right status and leave nothing behind.
func TestMediaPhotoAndRefusals(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, dir)
	alice, _ := newUser(t, srv.URL, "photo_alice")
	a := tusClient{t, srv.URL, alice.Token()}

	img := image.NewNRGBA(image.Rect(0, 0, 1200, 900))
	for y := range 900 {
		for x := range 1200 {
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	path := a.create("photo", "sunset.png", "image/png", buf.Len())
	if resp := a.patch(path, 0, bytes.NewReader(buf.Bytes())); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("photo upload: %d\n%s", resp.StatusCode, srv.logs())
	}
	f, _ := a.file(strings.TrimPrefix(path, "/v1/uploads/"))
	if f.Kind != "photo" || f.MIME != "image/png" || f.Width != 1200 || f.Height != 900 || len(f.Thumbs) != 3 {
		t.Fatalf("photo: %+v", f)
	}
	for _, th := range f.Thumbs {
		resp, body := get(t, srv.URL+th.URL, nil)
		cfg, format, err := image.DecodeConfig(bytes.NewReader(body))
		if resp.StatusCode != http.StatusOK || err != nil || format != "jpeg" || max(cfg.Width, cfg.Height) != th.Side ||
			cfg.Width != th.Width || resp.Header.Get("Content-Disposition") != "inline" {
			t.Fatalf("thumb %d: %d %v %s %+v %v", th.Side, resp.StatusCode, err, format, cfg, resp.Header)
		}
	}
	if resp, _ := get(t, srv.URL+f.URL, nil); resp.Header.Get("Content-Type") != "image/png" ||
		resp.Header.Get("Content-Disposition") != `inline; filename=sunset.png` {
		t.Fatalf("photo served as %v", resp.Header)
	}

	// Claimed a photo, sent HTML: refused, and the upload is gone.
	page := []byte("<html><script>alert(1)</script></html>")
	path = a.create("photo", "x.png", "image/png", len(page))
	if resp := a.patch(path, 0, bytes.NewReader(page)); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("HTML as a photo: %d", resp.StatusCode)
	}
	if resp := a.req("HEAD", path, nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a refused upload still stands: %d", resp.StatusCode)
	}
	// HTML as a file is kept, but only ever served as an attachment.
	path = a.create("file", "page.html", "text/html", len(page))
	a.patch(path, 0, bytes.NewReader(page))
	hf, _ := a.file(strings.TrimPrefix(path, "/v1/uploads/"))
	if resp, _ := get(t, srv.URL+hf.URL, nil); resp.Header.Get("Content-Type") != "application/octet-stream" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("HTML served as %v", resp.Header)
	}

	for _, tc := range []struct {
		name   string
		method string
		path   string
		hdr    map[string]string
		token  string
		want   int
	}{
		{"no token", "POST", "/v1/uploads", map[string]string{"Upload-Length": "10"}, "-", 401},
		{"no length", "POST", "/v1/uploads", nil, "", 400},
		{"bad length", "POST", "/v1/uploads", map[string]string{"Upload-Length": "ten"}, "", 400},
		{"zero length", "POST", "/v1/uploads", map[string]string{"Upload-Length": "0"}, "", 400},
		{"over 2 GB", "POST", "/v1/uploads", map[string]string{"Upload-Length": strconv.Itoa(2<<30 + 1)}, "", 413},
		{"bad kind", "POST", "/v1/uploads", map[string]string{"Upload-Length": "10", "Upload-Metadata": meta("kind", "virus")}, "", 400},
		{"bad metadata", "POST", "/v1/uploads", map[string]string{"Upload-Length": "10", "Upload-Metadata": "kind !!!"}, "", 400},
		{"old tus", "POST", "/v1/uploads", map[string]string{"Upload-Length": "10", "Tus-Resumable": "0.2.2"}, "", 412},
		{"no such upload", "HEAD", "/v1/uploads/nope", nil, "", 404},
		{"patch no type", "PATCH", "/v1/uploads/nope", map[string]string{"Upload-Offset": "0"}, "", 415},
		{"patch no offset", "PATCH", "/v1/uploads/nope", map[string]string{"Content-Type": "application/offset+octet-stream"}, "", 400},
		{"no such file", "GET", "/v1/files/nope", nil, "", 404},
		{"waveform on a photo", "POST", "/v1/uploads", map[string]string{"Upload-Length": "10",
			"Upload-Metadata": meta("kind", "photo", "waveform", "\x01\x02")}, "", 400},
		{"waveform of 101", "POST", "/v1/uploads", map[string]string{"Upload-Length": "10",
			"Upload-Metadata": meta("kind", "voice", "waveform", strings.Repeat("\x01", 101))}, "", 400},
		{"waveform value 32", "POST", "/v1/uploads", map[string]string{"Upload-Length": "10",
			"Upload-Metadata": meta("kind", "voice", "waveform", "\x01\x20")}, "", 400},
	} {
		c := a
		if tc.token == "-" {
			c.token = ""
		}
		if resp := c.req(tc.method, tc.path, nil, tc.hdr); resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
	// tus discovery.
	if resp := a.req("OPTIONS", "/v1/uploads", nil, nil); resp.StatusCode != http.StatusNoContent ||
		resp.Header.Get("Tus-Version") != "1.0.0" || resp.Header.Get("Tus-Max-Size") != strconv.Itoa(2<<30) {
		t.Fatalf("OPTIONS: %d %v", resp.StatusCode, resp.Header)
	}
}

// TestMediaMessages: files sent in messages reach the chat's members, who
// may then fetch them; a forward shares the file with the new chat without
// copying it; nobody else may fetch it.
func TestMediaMessages(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, dir)
	alice, _ := newUser(t, srv.URL, "mm_alice")
	bob, bobU := newUser(t, srv.URL, "mm_bob")
	carol, carolU := newUser(t, srv.URL, "mm_carol")
	a := tusClient{t, srv.URL, alice.Token()}
	b := tusClient{t, srv.URL, bob.Token()}
	c := tusClient{t, srv.URL, carol.Token()}

	var ids []string
	for i := range 4 { // the fourth is never sent
		img := image.NewGray(image.Rect(0, 0, 400+i, 300))
		var buf bytes.Buffer
		png.Encode(&buf, img)
		path := a.create("photo", fmt.Sprintf("p%d.png", i), "image/png", buf.Len())
		if resp := a.patch(path, 0, &buf); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("upload %d: %d", i, resp.StatusCode)
		}
		ids = append(ids, strings.TrimPrefix(path, "/v1/uploads/"))
	}
	g, err := alice.CreateGroup(bg, "photos", []int64{bobU.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, status := b.file(ids[0]); status != http.StatusNotFound {
		t.Fatalf("bob fetches a file before it is sent: %d", status)
	}
	caption := "سفر به اصفهان"
	unsent := ids[3]
	ids = ids[:3]
	res, err := alice.Send(bg, g.ID, client.SendRequest{ClientID: "album-1", Text: caption, Media: ids})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Event.Media) != 3 || res.Event.Media[1].Width != 401 || res.Event.Text != caption || len(res.Event.Media[0].Thumbs) == 0 {
		t.Fatalf("sent: %+v", res.Event)
	}
	hist, err := bob.History(bg, g.ID, client.HistoryQuery{})
	if err != nil {
		t.Fatal(err)
	}
	last := hist[len(hist)-1]
	if len(last.Media) != 3 || last.Media[2].FileID != ids[2] || last.Media[0].Kind != "photo" {
		t.Fatalf("bob's history: %+v", last)
	}
	bf, status := b.file(ids[1])
	if status != http.StatusOK || bf.Width != 401 {
		t.Fatalf("bob's file: %d %+v", status, bf)
	}
	if resp, body := get(t, srv.URL+bf.URL, nil); resp.StatusCode != http.StatusOK || len(body) != int(bf.Size) {
		t.Fatalf("bob's download: %d, %d bytes", resp.StatusCode, len(body))
	}
	if _, status := c.file(ids[1]); status != http.StatusNotFound {
		t.Fatalf("carol, not in the group, fetches its file: %d", status)
	}
	// Bob forwards the album to carol: the same files, now hers to read.
	dm, err := bob.CreateDirect(bg, carolU.ID)
	if err != nil {
		t.Fatal(err)
	}
	stored := countFiles(t, filepath.Join(dir, "media"))
	fw, err := bob.Send(bg, dm.ID, client.SendRequest{ClientID: "fw-1", Forward: &client.Forward{ChatID: g.ID, Seq: last.Seq}})
	if err != nil {
		t.Fatal(err)
	}
	if len(fw.Event.Media) != 3 || fw.Event.Media[0].FileID != ids[0] || fw.Event.Text != caption {
		t.Fatalf("forward: %+v", fw.Event)
	}
	if _, status := c.file(ids[0]); status != http.StatusOK {
		t.Fatalf("carol cannot fetch a forwarded file: %d", status)
	}
	if n := countFiles(t, filepath.Join(dir, "media")); n != stored {
		t.Fatalf("forwarding stored %d more objects", n-stored)
	}
	// Bob may send a file he can read (shared, not uploaded again), here
	// over the WebSocket.
	st, err := bob.Connect(bg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if res, err := st.Send(bg, dm.ID, client.SendRequest{ClientID: "again", Text: "دوباره", Media: ids[:1]}); err != nil ||
		len(res.Event.Media) != 1 || res.Event.Media[0].FileID != ids[0] {
		t.Fatalf("re-sending a readable file over the socket: %v %+v", err, res)
	}
	// Refusals.
	long := strings.Repeat("ب", 1025)
	for _, tc := range []struct {
		name string
		who  *client.Client
		req  client.SendRequest
		want int
	}{
		{"caption too long", alice, client.SendRequest{ClientID: "x1", Text: long, Media: ids[:1]}, 400},
		{"unknown file", alice, client.SendRequest{ClientID: "x2", Media: []string{"nope"}}, 404},
		{"someone else's file", carol, client.SendRequest{ClientID: "x3", Media: []string{unsent}}, 404},
		{"the same file twice", alice, client.SendRequest{ClientID: "x4", Media: []string{ids[0], ids[0]}}, 400},
		{"eleven files", alice, client.SendRequest{ClientID: "x5", Media: append(append(ids, ids...), append(ids, ids...)...)[:11]}, 400},
		{"forward with media", alice, client.SendRequest{ClientID: "x6", Media: ids[:1], Forward: &client.Forward{ChatID: g.ID, Seq: last.Seq}}, 400},
	} {
		chat := g.ID
		if tc.who == carol {
			chat = dm.ID
		}
		_, err := tc.who.Send(bg, chat, tc.req)
		var apiErr *client.APIError
		if !errors.As(err, &apiErr) || apiErr.Status != tc.want {
			t.Errorf("%s: %v, want status %d", tc.name, err, tc.want)
		}
	}
}

// logs is what the server logged so far.
func (s *testServer) logs() string {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	return s.log.buf.String()
}

// pngBytes is a w×h PNG.
func pngBytes(t *testing.T, w, h int) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestClusterMediaS3: two cluster nodes keep media in one S3-compatible
// bucket (the Versity S3 Gateway under make test; see s3Server). An upload
// begun on one node is finished on the other, and its file is read back
// from either, whole and by range.
func TestClusterMediaS3(t *testing.T) {
	env := newClusterEnv(t)
	s3url := "s3://key:secret@" + s3Server(t, "key", "secret") + "/media/" + env.name + "?secure=false&create=true"
	withS3 := func(c *serveConfig) { c.S3 = s3url }
	n1, n2 := env.startNodeWith(t, withS3), env.startNodeWith(t, withS3)
	alice, _ := newUser(t, n1.URL, "s3_alice")
	a1, a2 := tusClient{t, n1.URL, alice.Token()}, tusClient{t, n2.URL, alice.Token()}

	data := make([]byte, 9<<20+7)
	rand.Read(data)
	path := a1.create("file", "big.bin", "", len(data))
	if resp := a1.patch(path, 0, bytes.NewReader(data[:5<<20])); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("first half on node 1: %d", resp.StatusCode)
	}
	at := a2.offset(path)
	if at != 5<<20 {
		t.Fatalf("node 2 sees the upload at %d", at)
	}
	if resp := a2.patch(path, at, bytes.NewReader(data[at:])); resp.StatusCode != http.StatusNoContent ||
		resp.Header.Get("Chapar-File-Id") == "" {
		t.Fatalf("second half on node 2: %d", resp.StatusCode)
	}
	id := strings.TrimPrefix(path, "/v1/uploads/")
	for _, c := range []tusClient{a1, a2} {
		f, status := c.file(id)
		if status != http.StatusOK || f.Size != int64(len(data)) {
			t.Fatalf("file on %s: %d %+v", c.base, status, f)
		}
		if resp, body := get(t, c.base+f.URL, nil); resp.StatusCode != http.StatusOK || !bytes.Equal(body, data) {
			t.Fatalf("download from %s: %d, %d bytes", c.base, resp.StatusCode, len(body))
		}
		rg := fmt.Sprintf("bytes=%d-%d", 5<<20-10, 5<<20+10)
		if resp, body := get(t, c.base+f.URL, map[string]string{"Range": rg}); resp.StatusCode != http.StatusPartialContent ||
			!bytes.Equal(body, data[5<<20-10:5<<20+11]) {
			t.Fatalf("range from %s: %d", c.base, resp.StatusCode)
		}
	}
	// A link signed by one node works on the other (one secret).
	f, _ := a1.file(id)
	if resp, _ := get(t, n2.URL+f.URL, map[string]string{"Range": "bytes=0-0"}); resp.StatusCode != http.StatusPartialContent {
		t.Fatalf("node 1's link on node 2: %d", resp.StatusCode)
	}
}

// TestMediaVoiceWaveform: a voice note's waveform, drawn by the recording
// client, is kept with the file and carried by the message to the other
// side, with the duration the server read from the Ogg pages.
func TestMediaVoiceWaveform(t *testing.T) {
	srv := startServer(t, t.TempDir())
	alice, _ := newUser(t, srv.URL, "wave_alice")
	bob, bobU := newUser(t, srv.URL, "wave_bob")
	a := tusClient{t, srv.URL, alice.Token()}
	wave := make([]byte, 64)
	for i := range wave {
		wave[i] = byte(i % 32)
	}
	voice := oggOpus(48000 * 3) // three seconds
	resp := a.req("POST", "/v1/uploads", nil, map[string]string{"Upload-Length": strconv.Itoa(len(voice)),
		"Upload-Metadata": meta("kind", "voice", "filename", "voice.ogg", "waveform", string(wave))})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	path := resp.Header.Get("Location")
	if resp := a.patch(path, 0, bytes.NewReader(voice)); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("upload: %d\n%s", resp.StatusCode, srv.logs())
	}
	id := strings.TrimPrefix(path, "/v1/uploads/")
	f, _ := a.file(id)
	if f.Kind != "voice" || f.MIME != "audio/ogg" || f.Duration != 3 || len(f.Waveform) != 64 || f.Waveform[31] != 31 {
		t.Fatalf("voice file: %+v", f)
	}
	dm, err := alice.CreateDirect(bg, bobU.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Send(bg, dm.ID, client.SendRequest{ClientID: "v1", Media: []string{id}}); err != nil {
		t.Fatal(err)
	}
	hist, err := bob.History(bg, dm.ID, client.HistoryQuery{})
	if err != nil {
		t.Fatal(err)
	}
	m := hist[len(hist)-1].Media
	if len(m) != 1 || m[0].Kind != "voice" || len(m[0].Waveform) != 64 || m[0].Waveform[5] != 5 || m[0].Duration != 3 {
		t.Fatalf("bob's voice message: %+v", m)
	}
}

// oggOpus is an Ogg Opus file of the given number of 48 kHz samples: the
// headers and one page of (meaningless) audio whose granule position ends
// the stream.
func oggOpus(samples uint64) []byte {
	head := []byte("OpusHead\x01\x01\x00\x00\x80\xbb\x00\x00\x00\x00\x00")
	out := oggPageOf(0x02, 0, 0, head)
	out = append(out, oggPageOf(0, 0, 1, []byte("OpusTags\x00\x00\x00\x00\x00\x00\x00\x00"))...)
	return append(out, oggPageOf(0x04, samples, 2, bytes.Repeat([]byte{0xfc, 0xff, 0xfe}, 20))...)
}

// oggPageOf is one Ogg page of one packet (under 255 bytes), stream 1.
func oggPageOf(flags byte, granule uint64, seq uint32, packet []byte) []byte {
	b := append([]byte("OggS\x00"), flags)
	b = binary.LittleEndian.AppendUint64(b, granule)
	b = binary.LittleEndian.AppendUint32(b, 1)
	b = binary.LittleEndian.AppendUint32(b, seq)
	b = append(b, 0, 0, 0, 0, 1, byte(len(packet)))
	b = append(b, packet...)
	var crc uint32 // Ogg's CRC-32: polynomial 0x04C11DB7, not reflected
	for _, c := range b {
		crc ^= uint32(c) << 24
		for range 8 {
			if crc&0x80000000 != 0 {
				crc = crc<<1 ^ 0x04C11DB7
			} else {
				crc <<= 1
			}
		}
	}
	binary.LittleEndian.PutUint32(b[22:], crc)
	return b
}

// s3Server starts an S3 server for a test and returns its "host:port": the
// Versity S3 Gateway where it is installed (make test), else gofakes3 in
// process (which does not check signatures).
func s3Server(t *testing.T, access, secret string) string {
	if addr, ok := blobtest.Versity(t, access, secret); ok {
		return addr
	}
	t.Log("versitygw is not installed (make tools): using gofakes3")
	fake := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(fake.Close)
	return strings.TrimPrefix(fake.URL, "http://")
}
