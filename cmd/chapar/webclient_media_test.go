package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chapar/chapar/client"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// These tests drive the web client's media: attaching files (with
// progress, cancel and resume), albums and the viewer, file cards and
// downloads, voice notes recorded from a (fake) microphone, and the
// Persian screens. Helpers are in browser_test.go, webclient_test.go and
// webclient_channels_test.go.

// micBrowser is browser() with a fake microphone (a beep) that pages may
// use without asking.
func micBrowser(t *testing.T) context.Context {
	t.Helper()
	return browserSized(t, 1000, 700,
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true))
}

// writePNG writes a w×h PNG of one colour into dir and returns its path
// and bytes.
func writePNG(t *testing.T, dir, name string, w, h int, c color.RGBA) (string, []byte) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{c.R, c.G, uint8(x * 255 / w), 255})
		}
	}
	var buf bytes.Buffer
	must(t, png.Encode(&buf, img))
	path := filepath.Join(dir, name)
	must(t, os.WriteFile(path, buf.Bytes(), 0o644))
	return path, buf.Bytes()
}

// writeRandom writes n random bytes into dir.
func writeRandom(t *testing.T, dir, name string, n int) (string, []byte) {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	path := filepath.Join(dir, name)
	must(t, os.WriteFile(path, b, 0o644))
	return path, b
}

// tokenOf is the session token of the user signed in to the page.
func tokenOf(t *testing.T, ctx context.Context) string {
	return eval[string](t, ctx, `localStorage.getItem("chapar.token")`)
}

// asUser makes an API request with a user's token and returns the status
// and the body.
func asUser(t *testing.T, method, url, token string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	must(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Tus-Resumable", "1.0.0")
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// downloadFile fetches a finished file's bytes as its uploader or a
// reader: its info, then its signed link.
func downloadFile(t *testing.T, base, token, id string) (info map[string]any, body []byte) {
	t.Helper()
	status, b := asUser(t, "GET", base+"/v1/files/"+id, token)
	if status != 200 {
		t.Fatalf("GET /v1/files/%s: %d %s", id, status, b)
	}
	must(t, json.Unmarshal(b, &info))
	resp, err := http.Get(base + info["url"].(string))
	must(t, err)
	defer resp.Body.Close()
	body, err = io.ReadAll(resp.Body)
	must(t, err)
	return info, body
}

// lastMedia is the media of the newest message with media in a chat, as
// the user reads it through the API.
func lastMedia(t *testing.T, base, token string, chatID int64) []map[string]any {
	t.Helper()
	status, b := asUser(t, "GET", fmt.Sprintf("%s/v1/chats/%d/messages?limit=20", base, chatID), token)
	if status != 200 {
		t.Fatalf("history: %d %s", status, b)
	}
	var page struct {
		Messages []struct {
			Media []map[string]any `json:"media"`
		} `json:"messages"`
	}
	must(t, json.Unmarshal(b, &page))
	for i := len(page.Messages) - 1; i >= 0; i-- {
		if len(page.Messages[i].Media) > 0 {
			return page.Messages[i].Media
		}
	}
	return nil
}

// openChatID is the id of the chat open in the page.
func openChatID(t *testing.T, ctx context.Context) int64 {
	return int64(eval[float64](t, ctx, `Number(location.hash.replace("#/c/", ""))`))
}

// trayDone waits until the composer's tray holds n files, all uploaded.
func trayDone(t *testing.T, ctx context.Context, n int) {
	t.Helper()
	waitJS(t, ctx, fmt.Sprintf(`document.querySelectorAll(".tray-item").length === %d && document.querySelectorAll(".tray-item[data-state=done]").length === %d && !document.querySelector("form.composer button.send").disabled`, n, n))
}

// TestWebClientMediaPhotosAndFile: one person attaches two photos and a
// text file and sends them with a Persian caption; the other sees the
// photos as an album (loaded, sized before they load); a file dropped on
// the conversation and an image pasted in the text box go too; the viewer
// moves through the album with the arrow keys; the file downloads by its
// link, byte for byte; a ".png" that is not a picture goes as a file.
func TestWebClientMediaPhotosAndFile(t *testing.T) {
	srv := startServer(t, t.TempDir())
	alice, bob := browser(t), browser(t)
	signUpInBrowser(t, alice, srv.URL, "alice_media")
	signUpInBrowser(t, bob, srv.URL, "bob_media")
	startChatAndSend(t, alice, bob, "@bob_media", "photos coming")

	dir := t.TempDir()
	wide, _ := writePNG(t, dir, "wide.png", 640, 480, color.RGBA{200, 40, 0, 255})
	tall, _ := writePNG(t, dir, "tall.png", 300, 500, color.RGBA{0, 90, 200, 255})
	notes := filepath.Join(dir, "یادداشت سفر.txt")
	text := []byte("Packing list — فهرست وسایل سفر\n1. passport\n2. دوربین\n")
	must(t, os.WriteFile(notes, text, 0o644))

	if !eval[bool](t, alice, `!!document.querySelector("form.composer button.attach[aria-label='Attach files']")`) {
		t.Fatal("no attach button")
	}
	drive(t, alice, chromedp.SetUploadFiles(chromedp.CSS(`form.composer input.file-input`), []string{wide, tall, notes}))
	waitJS(t, alice, `document.querySelectorAll(".tray-item").length === 3`)
	waitText(t, alice, `.tray`, "یادداشت سفر.txt")
	waitText(t, alice, `.tray`, "KB")
	trayDone(t, alice, 3)
	// The photos show as previews in the tray (blob: URLs the CSP allows).
	waitJS(t, alice, `[...document.querySelectorAll(".tray img.tray-thumb")].filter(i => i.src.startsWith("blob:") && i.naturalWidth > 0).length === 2`)
	screenshot(t, alice, "media-tray-en.png")
	drive(t, alice, typeIn(`form.composer textarea`, "عکس سفر شمال"+kb.Enter))
	waitJS(t, alice, `document.querySelectorAll(".tray-item").length === 0`)

	// Bob gets an album of two photos with the caption, and a file card.
	album := `[...document.querySelectorAll("ol.messages li.msg")].find(li => li.querySelector(".album"))`
	waitJS(t, bob, album+` && `+album+`.querySelector(".text").textContent === "عکس سفر شمال"`)
	waitJS(t, bob, `[...`+album+`.querySelectorAll(".media-photo img")].filter(i => i.complete && i.naturalWidth > 0).length === 2`)
	waitText(t, bob, `li.msg .file-card .file-name`, "یادداشت سفر.txt")
	waitText(t, bob, `li.msg .file-card .file-size`, "B")
	// The list says what the last message is: the file.
	waitText(t, bob, `nav.chats button.chat .last`, "📎 یادداشت سفر.txt")
	screenshot(t, bob, "media-album-en.png")

	// A single photo shows at its proportions before and after it loads.
	drive(t, alice, chromedp.SetUploadFiles(chromedp.CSS(`form.composer input.file-input`), []string{wide}))
	trayDone(t, alice, 1)
	drive(t, alice, click(`form.composer button.send`))
	single := `[...document.querySelectorAll("ol.messages li.msg")].filter(li => li.querySelector(".media > .media-photo")).pop()`
	waitJS(t, bob, single+` && `+single+`.querySelector("img") && `+single+`.querySelector("img").naturalWidth > 0`)
	size := eval[[]float64](t, bob, `(() => { const r = `+single+`.querySelector(".media-photo").getBoundingClientRect(); return [r.width, r.height]; })()`)
	if size[0] != 320 || size[1] < 239 || size[1] > 241 {
		t.Fatalf("a 640×480 photo shows at %v, want 320×240", size)
	}
	waitText(t, bob, `nav.chats button.chat .last`, "📷 Photo")

	// Files dropped on the conversation and an image pasted in the text box
	// are attached too.
	waitJS(t, alice, `(() => {
		window.dropped = new DataTransfer();
		dropped.items.add(new File(["dropped on the page"], "dropped.txt", {type: "text/plain"}));
		document.querySelector("ol.messages").dispatchEvent(new DragEvent("dragover", {dataTransfer: dropped, bubbles: true, cancelable: true}));
		return true;
	})()`)
	waitText(t, alice, `.drop-hint`, "Drop files here")
	_, err := chromedp.Run(alice, chromedp.Evaluate[bool](`(async () => {
		document.querySelector("ol.messages").dispatchEvent(new DragEvent("drop", {dataTransfer: dropped, bubbles: true, cancelable: true}));
		const c = document.createElement("canvas");
		c.width = 200; c.height = 100;
		const g = c.getContext("2d");
		g.fillStyle = "#2a7"; g.fillRect(0, 0, 200, 100);
		const png = await new Promise((r) => c.toBlob(r, "image/png"));
		const pasted = new DataTransfer();
		pasted.items.add(new File([png], "image.png", {type: "image/png"}));
		document.querySelector("form.composer textarea").dispatchEvent(new ClipboardEvent("paste", {clipboardData: pasted, bubbles: true, cancelable: true}));
		return true;
	})()`, chromedp.EvalAwaitPromise))
	must(t, err)
	waitJS(t, alice, `!document.querySelector(".drop-hint")`)
	trayDone(t, alice, 2)
	waitText(t, alice, `.tray`, "dropped.txt")
	drive(t, alice, click(`form.composer button.send`))
	// A photo smaller than a thumbnail's side shows at its own size, sharp.
	waitJS(t, bob, `[...document.querySelectorAll("li.msg .media > .media-photo img")].some(i => i.naturalWidth === 200 && i.getBoundingClientRect().width === 200)`)
	waitJS(t, bob, `[...document.querySelectorAll("li.msg .file-card .file-name")].some(e => e.textContent === "dropped.txt")`)

	// The viewer: the full photo, the arrows go through the album, Esc closes.
	waitJS(t, bob, `(() => { `+album+`.querySelector(".media-photo").click(); return true; })()`)
	waitJS(t, bob, `!!document.querySelector(".viewer img") && document.querySelector(".viewer img").naturalWidth === 640`)
	waitText(t, bob, `.viewer .viewer-count`, "1 of 2")
	screenshot(t, bob, "media-viewer-en.png")
	drive(t, bob, chromedp.KeyEvent(kb.ArrowRight))
	waitJS(t, bob, `document.querySelector(".viewer img") && document.querySelector(".viewer img").naturalWidth === 300`)
	waitText(t, bob, `.viewer .viewer-count`, "2 of 2")
	drive(t, bob, chromedp.KeyEvent(kb.Escape))
	waitJS(t, bob, `!document.querySelector(".viewer")`)

	// The file downloads, as an attachment, byte for byte.
	got, err := chromedp.Run(bob, chromedp.Evaluate[[]string](`(async () => {
		const a = document.querySelector("li.msg .file-card a.download");
		const r = await fetch(a.href);
		const b = new Uint8Array(await r.arrayBuffer());
		let s = ""; for (const x of b) s += String.fromCharCode(x);
		return [btoa(s), r.headers.get("content-disposition") || "", a.getAttribute("download")];
	})()`, chromedp.EvalAwaitPromise))
	must(t, err)
	if got[0] != base64.StdEncoding.EncodeToString(text) {
		t.Fatalf("downloaded %q, want %q", got[0], base64.StdEncoding.EncodeToString(text))
	}
	if !strings.HasPrefix(got[1], "attachment") || got[2] != "یادداشت سفر.txt" {
		t.Fatalf("download: disposition %q, download attribute %q", got[1], got[2])
	}
	if bad := unlabelled(t, bob); len(bad) > 0 {
		t.Fatalf("controls without a label: %q", bad)
	}

	// A ".png" that is not a picture: the server refuses it as a photo,
	// and it goes again as a file.
	fake := filepath.Join(dir, "not-a-picture.png")
	must(t, os.WriteFile(fake, []byte("just text, whatever the name says"), 0o644))
	drive(t, alice, chromedp.SetUploadFiles(chromedp.CSS(`form.composer input.file-input`), []string{fake}))
	trayDone(t, alice, 1)
	drive(t, alice, click(`form.composer button.send`))
	waitJS(t, bob, `[...document.querySelectorAll("li.msg .file-card .file-name")].some(e => e.textContent === "not-a-picture.png")`)
}

// requestLog keeps the page's upload requests (tus), as the browser sent
// them: method, path, Upload-Offset, and the Location of created uploads.
type requestLog struct {
	mu   sync.Mutex
	reqs []string // "PATCH /v1/uploads/ID 4194304"
	locs []string // "/v1/uploads/ID"
}

// logUploads starts keeping the page's upload requests.
func logUploads(t *testing.T, ctx context.Context) *requestLog {
	t.Helper()
	l := &requestLog{}
	err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			if i := strings.Index(e.Request.URL, "/v1/uploads"); i >= 0 {
				off, _ := e.Request.Headers["Upload-Offset"].(string)
				l.mu.Lock()
				l.reqs = append(l.reqs, strings.TrimSpace(e.Request.Method+" "+e.Request.URL[i:]+" "+off))
				l.mu.Unlock()
			}
		case *network.EventResponseReceived:
			if strings.HasSuffix(e.Response.URL, "/v1/uploads") && e.Response.Status == 201 {
				for k, v := range e.Response.Headers {
					if strings.EqualFold(k, "Location") {
						l.mu.Lock()
						l.locs = append(l.locs, fmt.Sprint(v))
						l.mu.Unlock()
					}
				}
			}
		}
	})
	must(t, err)
	return l
}

func (l *requestLog) snapshot() (reqs, locs []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.reqs...), append([]string(nil), l.locs...)
}

// setNetwork sets the page's network: uploads limited to up bytes a second
// (-1: no limit), or cut off entirely. navigator.onLine stays true, as
// when a connection stalls or drops without the browser noticing.
func setNetwork(t *testing.T, ctx context.Context, offline bool, up float64) {
	t.Helper()
	_, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{Offline: offline, UploadThroughput: up, DownloadThroughput: -1}},
	})
	must(t, err)
}

// progressOf is how many bytes the tray's first item says are sent.
const progressOf = `(document.querySelector(".tray progress") || {value: -1}).value`

// TestWebClientMediaCancelAndResume: a large upload shows its progress and
// is cancelled (the server then has no such upload); another is cut off
// midway and goes on by itself from where the server says it stands when
// the network is back; a third fails for longer, waits for the user, and
// goes on with "Retry". The files arrive whole.
func TestWebClientMediaCancelAndResume(t *testing.T) {
	srv := startServer(t, t.TempDir())
	newUser(t, srv.URL, "bob_upload")
	alice := browser(t)
	signUpInBrowser(t, alice, srv.URL, "alice_upload")
	drive(t, alice, typeIn(`nav.chats input`, "@bob_upload"+kb.Enter), chromedp.WaitVisible(chromedp.CSS(`form.composer textarea`)))
	token := tokenOf(t, alice)
	uploads := logUploads(t, alice)
	dir := t.TempDir()

	// Cancel: 30 MB at 4 MB/s; ✕ once some of it is up.
	big, _ := writeRandom(t, dir, "big.bin", 30<<20)
	setNetwork(t, alice, false, 4<<20)
	drive(t, alice, chromedp.SetUploadFiles(chromedp.CSS(`form.composer input.file-input`), []string{big}))
	waitJS(t, alice, progressOf+` > 1e6`)
	waitText(t, alice, `.tray .tray-state`, "%")
	if !eval[bool](t, alice, `document.querySelector("form.composer button.send").disabled`) {
		t.Fatal("Send is enabled while a file is uploading")
	}
	screenshot(t, alice, "media-progress-en.png")
	drive(t, alice, click(`.tray button.remove`))
	waitJS(t, alice, `!document.querySelector(".tray")`)
	_, locs := uploads.snapshot()
	if len(locs) != 1 {
		t.Fatalf("uploads created: %v", locs)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		status, _ := asUser(t, "HEAD", srv.URL+locs[0], token)
		if status == http.StatusNotFound {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("HEAD %s after cancel: %d, want 404", locs[0], status)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Resume by itself: 12 MB, cut off after the first 4 MiB chunk, back 1 s later.
	mid, midBytes := writeRandom(t, dir, "backup.bin", 12<<20)
	drive(t, alice, chromedp.SetUploadFiles(chromedp.CSS(`form.composer input.file-input`), []string{mid}))
	waitJS(t, alice, progressOf+` > 5e6`)
	setNetwork(t, alice, true, -1)
	waitJS(t, alice, `!!document.querySelector(".tray-item[data-state=waiting]")`)
	waitText(t, alice, `.tray .tray-state`, "waiting for the connection")
	time.Sleep(time.Second)
	setNetwork(t, alice, false, 4<<20)
	trayDone(t, alice, 1)
	reqs, locs := uploads.snapshot()
	resumed := false
	for i, r := range reqs {
		// After the cut: HEAD asks where the upload stands, and the next
		// PATCH goes on from there, not from the start.
		if strings.HasPrefix(r, "HEAD "+locs[1]) && i+1 < len(reqs) && strings.HasPrefix(reqs[i+1], "PATCH "+locs[1]+" ") && !strings.HasSuffix(reqs[i+1], " 0") {
			resumed = true
		}
	}
	if !resumed {
		t.Fatalf("no HEAD then PATCH from the middle: %q", reqs)
	}

	// Retry by hand: cut off for longer, the upload gives up and waits for "Retry".
	last, lastBytes := writeRandom(t, dir, "archive.bin", 10<<20)
	drive(t, alice, chromedp.SetUploadFiles(chromedp.CSS(`form.composer input.file-input`), []string{last}))
	waitJS(t, alice, `[...document.querySelectorAll(".tray progress")].some(p => p.value > 1e6)`)
	setNetwork(t, alice, true, -1)
	waitJSFor(t, alice, `!!document.querySelector(".tray-item[data-state=failed] button.retry")`, 30*time.Second)
	waitText(t, alice, `.tray-item.failed`, "Not uploaded: the connection was lost")
	screenshot(t, alice, "media-retry-en.png")
	setNetwork(t, alice, false, -1)
	drive(t, alice, click(`.tray-item.failed button.retry`))
	trayDone(t, alice, 2)

	// Both go as one album of files; the server has them whole.
	drive(t, alice, click(`form.composer button.send`))
	waitJS(t, alice, `[...document.querySelectorAll("ol.messages li.msg:not(.pending) .file-card")].length === 2`)
	media := lastMedia(t, srv.URL, token, openChatID(t, alice))
	if len(media) != 2 {
		t.Fatalf("media of the message: %v", media)
	}
	for i, want := range [][]byte{midBytes, lastBytes} {
		info, body := downloadFile(t, srv.URL, token, media[i]["file_id"].(string))
		if !bytes.Equal(body, want) {
			t.Fatalf("%s: %d bytes back, want %d the same", info["name"], len(body), len(want))
		}
	}
}

// TestWebClientMediaVoiceNote: a voice note recorded from a fake
// microphone for about two seconds reaches the other person as a "voice"
// message that plays, about two seconds long.
func TestWebClientMediaVoiceNote(t *testing.T) {
	srv := startServer(t, t.TempDir())
	alice, bob := micBrowser(t), browser(t)
	signUpInBrowser(t, alice, srv.URL, "alice_voice")
	signUpInBrowser(t, bob, srv.URL, "bob_voice")
	startChatAndSend(t, alice, bob, "@bob_voice", "listen to this")

	// The microphone shows while there is nothing to send.
	waitJS(t, alice, `!!document.querySelector("form.composer button.mic[aria-label='Record a voice message']")`)
	drive(t, alice, click(`form.composer button.mic`), chromedp.WaitVisible(chromedp.CSS(`.record-bar`)))
	start := time.Now() // recording since just before
	waitJS(t, alice, `document.querySelector(".record-bar .rec-time").textContent === "0:01"`)
	screenshot(t, alice, "media-recording-en.png")
	time.Sleep(time.Until(start.Add(2 * time.Second)))
	drive(t, alice, click(`.record-bar button.rec-send`))
	took := time.Since(start).Seconds() // about how long it recorded
	waitJS(t, alice, `!document.querySelector(".record-bar") && !document.querySelector(".tray")`)

	voice := `document.querySelector("ol.messages li.msg .media-audio.voice audio")`
	waitJS(t, bob, voice+` && `+voice+`.readyState >= 1`)
	waitText(t, bob, `nav.chats button.chat .last`, "🎤 Voice message")
	screenshot(t, bob, "media-voice-en.png")
	media := lastMedia(t, srv.URL, tokenOf(t, bob), openChatID(t, bob))
	if len(media) != 1 || media[0]["kind"] != "voice" {
		t.Fatalf("media: %v", media)
	}
	d, _ := media[0]["duration"].(float64)
	t.Logf("voice note: %v, %v bytes, %.2f s (recorded for about %.2f s)", media[0]["mime"], media[0]["size"], d, took)
	if d < 1.7 || d > took+1 {
		t.Errorf("the voice note lasts %.2f s by the server, want about 2 s (recorded for about %.2f)", d, took)
	}
	// Its waveform, drawn by alice's browser from the decoded recording,
	// came with it: 64 steps, the loudest 31 (the fake microphone beeps).
	wave, _ := media[0]["waveform"].([]any)
	top := 0.0
	for _, v := range wave {
		top = max(top, v.(float64))
	}
	t.Logf("waveform: %v", wave)
	if len(wave) != 64 || top != 31 {
		t.Fatalf("waveform of %d steps, loudest %v: %v", len(wave), top, wave)
	}
	bars := `document.querySelectorAll("ol.messages li.msg .media-audio.voice svg.waveform rect")`
	waitJS(t, bob, bars+`.length === 64 && `+bars+`[0].parentNode.querySelectorAll(".played").length === 0`)
	// A click halfway along seeks there: half the bars show as played.
	drive(t, bob, click(`ol.messages li.msg .media-audio.voice svg.waveform`))
	waitJS(t, bob, `(() => { const n = document.querySelectorAll(".media-audio.voice svg.waveform rect.played").length; return n >= 24 && n <= 40; })()`)
}

// uploadAs uploads data over tus as a user (one PATCH) and returns the
// finished file's id.
func uploadAs(t *testing.T, base, token, kind, name, mime string, data []byte) string {
	t.Helper()
	b64 := base64.StdEncoding.EncodeToString
	req, _ := http.NewRequest("POST", base+"/v1/uploads", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Upload-Length", fmt.Sprint(len(data)))
	req.Header.Set("Upload-Metadata", "kind "+b64([]byte(kind))+",filename "+b64([]byte(name))+",filetype "+b64([]byte(mime)))
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create upload: %d", resp.StatusCode)
	}
	req, _ = http.NewRequest("PATCH", base+resp.Header.Get("Location"), bytes.NewReader(data))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Upload-Offset", "0")
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	resp, err = http.DefaultClient.Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Chapar-File-Id") == "" {
		t.Fatalf("upload %s: %d", name, resp.StatusCode)
	}
	return resp.Header.Get("Chapar-File-Id")
}

// TestWebClientMediaPersian: in Persian, right to left, the attach button
// is labelled in Persian and sizes are in Persian digits and units, in the
// tray and on file cards; what a message carries is said in Persian in the
// chat list; an album and a file from the other side show, and the viewer.
func TestWebClientMediaPersian(t *testing.T) {
	srv := startServer(t, t.TempDir())
	nc, _ := persianUser(t, srv.URL, "nima_media", "نیما")
	dir := t.TempDir()
	_, p1 := writePNG(t, dir, "p1.png", 800, 600, color.RGBA{30, 120, 60, 255})
	_, p2 := writePNG(t, dir, "p2.png", 600, 800, color.RGBA{160, 90, 20, 255})
	_, p3 := writePNG(t, dir, "p3.png", 640, 640, color.RGBA{20, 60, 160, 255})
	menu, _ := writeRandom(t, dir, "menu.pdf", 1536<<10)

	sara := browser(t)
	drive(t, sara, chromedp.Navigate(srv.URL), chromedp.WaitVisible(chromedp.CSS(`form.signin`)), click(`.signin-page button.lang`))
	waitText(t, sara, `form.signin button[type=submit]`, "ورود")
	signUpInBrowser(t, sara, srv.URL, "sara_media")
	waitJS(t, sara, `document.documentElement.dir === "rtl"`)
	drive(t, sara, typeIn(`nav.chats input`, "@nima_media"+kb.Enter), chromedp.WaitVisible(chromedp.CSS(`form.composer textarea`)))
	chatID := openChatID(t, sara)

	// Nima sends an album with a caption and a voice-less file.
	var ids []string
	for i, b := range [][]byte{p1, p2, p3} {
		ids = append(ids, uploadAs(t, srv.URL, nc.Token(), "photo", fmt.Sprintf("عکس %d.png", i+1), "image/png", b))
	}
	_, err := nc.Send(bg, chatID, client.SendRequest{Media: ids, Text: "عکس‌های باغ ارم، شیراز"})
	must(t, err)
	waitJS(t, sara, `[...document.querySelectorAll("li.msg .album .media-photo img")].filter(i => i.complete && i.naturalWidth > 0).length === 3`)
	waitText(t, sara, `nav.chats button.chat .last`, "📷 عکس‌های باغ ارم، شیراز")

	// Sara attaches a PDF: the button and the size are in Persian.
	if label := eval[string](t, sara, `document.querySelector("form.composer button.attach").getAttribute("aria-label")`); label != "پیوست پرونده" {
		t.Fatalf("attach button: %q", label)
	}
	drive(t, sara, chromedp.SetUploadFiles(chromedp.CSS(`form.composer input.file-input`), []string{menu}))
	trayDone(t, sara, 1)
	waitText(t, sara, `.tray .file-size`, "۱٫۵ مگابایت")
	waitText(t, sara, `.tray .tray-state`, "آماده")
	if bad := unlabelled(t, sara); len(bad) > 0 {
		t.Fatalf("controls without a label: %q", bad)
	}
	screenshot(t, sara, "media-tray-fa.png")
	drive(t, sara, typeIn(`form.composer textarea`, "منوی رستوران"+kb.Enter))
	waitJS(t, sara, `!!document.querySelector("li.msg:not(.pending) .file-card")`)
	waitText(t, sara, `li.msg .file-card .file-size`, "۱٫۵ مگابایت")
	waitText(t, sara, `li.msg .file-card a.download`, "دریافت")
	waitText(t, sara, `nav.chats button.chat .last`, "📎 منوی رستوران")
	screenshot(t, sara, "media-fa.png")

	// A file alone, without a caption, is named in the list.
	_, err = nc.Send(bg, chatID, client.SendRequest{Media: []string{uploadAs(t, srv.URL, nc.Token(), "file", "فهرست.pdf", "application/pdf", []byte("%PDF-1.4 …"))}})
	must(t, err)
	waitText(t, sara, `nav.chats button.chat .last`, "📎 فهرست.pdf")

	// The viewer, right to left: the next photo is to the left.
	waitJS(t, sara, `(() => { document.querySelector("li.msg .album .media-photo").click(); return true; })()`)
	waitJS(t, sara, `!!document.querySelector(".viewer img") && document.querySelector(".viewer img").naturalWidth === 800`)
	waitText(t, sara, `.viewer .viewer-count`, "۱ از ۳")
	drive(t, sara, chromedp.KeyEvent(kb.ArrowLeft))
	waitText(t, sara, `.viewer .viewer-count`, "۲ از ۳")
	waitJS(t, sara, `document.querySelector(".viewer img").naturalWidth === 600`)
	screenshot(t, sara, "media-viewer-fa.png")
	drive(t, sara, click(`.viewer button.close`))
	waitJS(t, sara, `!document.querySelector(".viewer")`)

	// On a 360 px phone, the album, the file cards and a tray fit the screen.
	phone := browserSized(t, 360, 740)
	drive(t, phone, chromedp.Navigate(srv.URL), chromedp.WaitVisible(chromedp.CSS(`form.signin`)), click(`.signin-page button.lang`))
	signInBrowser(t, phone, srv.URL, "sara_media")
	openChat(t, phone, "نیما")
	waitJS(t, phone, `[...document.querySelectorAll("li.msg .album .media-photo img")].filter(i => i.complete && i.naturalWidth > 0).length === 3`)
	drive(t, phone, chromedp.SetUploadFiles(chromedp.CSS(`form.composer input.file-input`), []string{menu}))
	trayDone(t, phone, 1)
	waitJS(t, phone, noOverflow)
	screenshot(t, phone, "phone-media-fa.png")
}
