// Package web is chapar's web client: static files (HTML, an ES module app
// on vendored preact + htm, CSS) embedded into the binary and served with a
// strict Content-Security-Policy. There is no build step: what is in
// static/ is what the browser gets.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"time"
)

//go:embed static
var files embed.FS

// CSP allows only this origin's scripts, styles and connections (the API
// and its WebSocket), and no framing, plugins or inline scripts. Images,
// video and audio come from this origin (files by signed links) or from
// blob: URLs the page makes itself (previews of files about to be sent).
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob:; " +
	"media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; " +
	"frame-ancestors 'none'; form-action 'self'"

type file struct {
	body  []byte
	etag  string
	ctype string
}

// Handler serves the web client. Unknown paths get the app (index.html),
// so the client can route by path. embed.FS has no modification times, so
// caching uses an ETag of each file's content.
func Handler() http.Handler {
	static, _ := fs.Sub(files, "static")
	byPath := map[string]file{}
	fs.WalkDir(static, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(static, p)
		sum := sha256.Sum256(b)
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		byPath["/"+p] = file{body: b, etag: `"` + hex.EncodeToString(sum[:8]) + `"`, ctype: ct}
		return nil
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		f, ok := byPath[r.URL.Path]
		if !ok {
			f = byPath["/index.html"]
		}
		h := w.Header()
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Type", f.ctype)
		h.Set("ETag", f.etag)
		h.Set("Cache-Control", "no-cache") // revalidate: cheap with the ETag
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
	})
}
