package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestServesTheAppWithACSP(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	cases := []struct {
		path, ctype, contains string
	}{
		{"/", "text/html", `<script type="module" src="/app.js">`},
		{"/app.js", "text/javascript", `from "./net.js"`},
		{"/net.js", "text/javascript", "new WebSocket"},
		{"/style.css", "text/css", ".messages"},
		{"/vendor/preact.module.js", "text/javascript", ""},
		{"/some/client/route", "text/html", `<div id="app">`},
	}
	for _, c := range cases {
		resp, err := http.Get(srv.URL + c.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), c.ctype) {
			t.Errorf("%s: %d %s", c.path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
			t.Errorf("%s: CSP %q", c.path, csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("ETag") == "" {
			t.Errorf("%s: headers %v", c.path, resp.Header)
		}
		if !strings.Contains(string(body), c.contains) {
			t.Errorf("%s: body lacks %q", c.path, c.contains)
		}
	}
	// A revalidation with the ETag costs no body.
	resp, _ := http.Get(srv.URL + "/app.js")
	req, _ := http.NewRequest("GET", srv.URL+"/app.js", nil)
	req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
	resp.Body.Close()
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusNotModified {
		t.Fatalf("revalidation: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	req, _ = http.NewRequest("POST", srv.URL+"/", nil)
	if resp, _ := http.DefaultClient.Do(req); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST /: %d", resp.StatusCode)
	}
}

// The CSP lets the page show images, video and audio from its own origin
// (files by signed links) and from blob: URLs it makes (previews of files
// about to be sent), and from nowhere else.
func TestCSPAllowsOwnMediaOnly(t *testing.T) {
	for _, want := range []string{"img-src 'self' blob:;", "media-src 'self' blob:;", "default-src 'self';", "object-src 'none'"} {
		if !strings.Contains(CSP, want) {
			t.Errorf("CSP %q lacks %q", CSP, want)
		}
	}
	for _, bad := range []string{"data:", "*", "http:", "https:", "unsafe"} {
		if strings.Contains(CSP, bad) {
			t.Errorf("CSP %q allows %q", CSP, bad)
		}
	}
}
