package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// browser starts a headless Debian Chromium with its own profile (so two
// browsers are two separate users) and returns a context driving one tab.
func browser(t *testing.T) context.Context {
	t.Helper()
	return browserSized(t, 1000, 700)
}

// browserSized is browser with a window of w×h pixels, and any more
// options Chromium is to start with.
func browserSized(t *testing.T, w, h int, more ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	path := os.Getenv("CHAPAR_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.WindowSize(w, h),
	)
	opts = append(opts, more...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// Headless windows are at least 500 px wide; a phone-sized viewport
	// needs the device metrics set directly.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(w), int64(h))); err != nil {
		t.Fatalf("start chromium (%s): %v", path, err)
	}
	return ctx
}

func drive(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, steps...); err != nil {
		failShot(t, ctx)
		t.Fatal(err)
	}
}

// waitText waits until the element's text contains want.
func waitText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var got string
	for time.Now().Before(deadline) {
		tctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		text, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS(sel)))
		cancel()
		got = text
		if err == nil && strings.Contains(got, want) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	failShot(t, ctx)
	t.Fatalf("%s: text %q does not contain %q", sel, got, want)
}

func signUpInBrowser(t *testing.T, ctx context.Context, url, name string) {
	t.Helper()
	drive(t, ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`form.signin`)),
		chromedp.Click(chromedp.CSS(`button.mode`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), name),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "password1"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.chats`)),
	)
}

// startChatAndSend: in the first browser, start a chat with peer and send
// text; the second browser's chat list shows it live, and its user opens it.
func startChatAndSend(t *testing.T, from, to context.Context, peer, text string) {
	t.Helper()
	drive(t, from,
		chromedp.SendKeys(chromedp.CSS(`nav.chats input`), peer+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(`main.conversation textarea`)),
		chromedp.SendKeys(chromedp.CSS(`main.conversation textarea`), text+kb.Enter),
	)
	waitText(t, to, `nav.chats`, text)
	drive(t, to, chromedp.Click(chromedp.CSS(`button.chat`)))
	waitText(t, to, `ol.messages`, text)
}

// TestWebClientTwoUsers: two people in two browsers sign up, one starts a
// chat and sends; the other sees it live; HTML in a message shows as text;
// a reload keeps the history.
func TestWebClientTwoUsers(t *testing.T) {
	srv := startServer(t, t.TempDir())
	alice, bob := browser(t), browser(t)
	drive(t, alice, chromedp.Navigate(srv.URL), chromedp.WaitVisible(chromedp.CSS(`form.signin`)))
	screenshot(t, alice, "signin-en.png")
	signUpInBrowser(t, alice, srv.URL, "alice_web")
	signUpInBrowser(t, bob, srv.URL, "bob_web")

	startChatAndSend(t, alice, bob, "@bob_web", "سلام bob")
	waitText(t, alice, `ol.messages`, "سلام bob")
	waitText(t, bob, `ol.messages`, "سلام bob")

	drive(t, bob, chromedp.SendKeys(chromedp.CSS(`main.conversation textarea`), "<b>bold?</b><script>alert(1)</script>"+kb.Enter))
	waitText(t, alice, `ol.messages`, "<b>bold?</b>")
	bolds, err := chromedp.Run(alice, chromedp.Evaluate[int](`document.querySelectorAll("ol.messages b, ol.messages script").length`))
	if err != nil {
		t.Fatal(err)
	}
	if bolds != 0 {
		t.Fatalf("message HTML was rendered: %d elements", bolds)
	}

	drive(t, alice, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`nav.chats`)), chromedp.Click(chromedp.CSS(`button.chat`)))
	waitText(t, alice, `ol.messages`, "سلام bob")
	screenshot(t, alice, "conversation-en.png")
	if day, err := chromedp.Run(alice, chromedp.Text(chromedp.CSS(`ol.messages li.day`))); err != nil || !strings.Contains(day, fmt.Sprint(time.Now().Year())) {
		t.Fatalf("English date %q (%v): want the Gregorian year", day, err)
	}

	// Signing out forgets the token: a reload shows the sign-in form.
	// (The panel's lists load after it opens and move the button down:
	// wait for them before clicking.)
	drive(t, alice, chromedp.Click(chromedp.CSS(`button.settings`)), chromedp.WaitVisible(chromedp.CSS(`.settings-panel .sessions li`)),
		chromedp.Click(chromedp.CSS(`.panel button.signout`)),
		chromedp.WaitVisible(chromedp.CSS(`form.signin`)),
		chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`form.signin`)))
	token, err := chromedp.Run(alice, chromedp.Evaluate[string](`localStorage.getItem("chapar.token") || ""`))
	if err != nil || token != "" {
		t.Fatalf("token after sign-out: %q %v", token, err)
	}
}

// screenshot saves the page as testout/<name> (the folder is ignored by
// git), for people to look at what the tests saw.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("..", "..", "testout")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestWebClientSurvivesRestart: the server restarts mid-conversation; a
// message typed while it is down is sent once when it is back, and the
// other page shows it once, with nothing lost.
func TestWebClientSurvivesRestart(t *testing.T) {
	dir, addr := t.TempDir(), freeAddr(t)
	srv := startServerAt(t, dir, addr)
	alice, bob := browser(t), browser(t)
	signUpInBrowser(t, alice, srv.URL, "alice_web")
	signUpInBrowser(t, bob, srv.URL, "bob_web")
	startChatAndSend(t, alice, bob, "@bob_web", "before the restart")

	srv.stop()
	waitText(t, alice, `p.status`, "Offline")
	drive(t, alice, chromedp.SendKeys(chromedp.CSS(`main.conversation textarea`), "typed while offline"+kb.Enter))
	startServerAt(t, dir, addr)

	waitText(t, bob, `ol.messages`, "typed while offline")
	waitText(t, alice, `ol.messages`, "typed while offline")
	time.Sleep(500 * time.Millisecond) // a second copy would show up by now
	for name, ctx := range map[string]context.Context{"alice": alice, "bob": bob} {
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](
			`[...document.querySelectorAll("ol.messages .text")].filter(e => e.textContent === "typed while offline").length`))
		if err != nil || n != 1 {
			t.Fatalf("%s shows the offline message %d times (%v)", name, n, err)
		}
	}
	screenshot(t, bob, "after-restart-en.png")
}

// TestWebClientPersian: the UI switches to Persian and lays out right to
// left; each message takes the direction of its own text.
func TestWebClientPersian(t *testing.T) {
	srv := startServer(t, t.TempDir())
	newUser(t, srv.URL, "nima_fa")
	b := browser(t)
	drive(t, b,
		chromedp.Navigate(srv.URL),
		chromedp.WaitVisible(chromedp.CSS(`form.signin`)),
		chromedp.Click(chromedp.CSS(`.signin-page button.lang`)),
	)
	waitText(t, b, `form.signin button[type=submit]`, "ورود")
	dir, err := chromedp.Run(b, chromedp.Evaluate[string](`document.documentElement.dir + " " + document.documentElement.lang`))
	if err != nil || dir != "rtl fa" {
		t.Fatalf("page direction %q (%v)", dir, err)
	}
	screenshot(t, b, "signin-fa.png")
	drive(t, b,
		chromedp.Click(chromedp.CSS(`button.mode`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), "sara_fa"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "password1"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.chats`)),
		chromedp.SendKeys(chromedp.CSS(`nav.chats input`), "@nima_fa"+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(`main.conversation textarea`)),
		chromedp.SendKeys(chromedp.CSS(`main.conversation textarea`), "سلام نیما، hello"+kb.Enter),
		chromedp.SendKeys(chromedp.CSS(`main.conversation textarea`), "hello نیما"+kb.Enter),
	)
	waitText(t, b, `ol.messages`, "hello نیما")
	dirs, err := chromedp.Run(b, chromedp.Evaluate[string](
		`[...document.querySelectorAll("ol.messages .text")].map(e => getComputedStyle(e).direction).join(",")`))
	if err != nil || dirs != "rtl,ltr" {
		t.Fatalf("message directions %q (%v)", dirs, err)
	}
	waitText(t, b, `form.composer button.send`, "بفرست")
	// Dates are in the Solar Hijri calendar, with Persian digits.
	y := time.Now().Year()
	day, err := chromedp.Run(b, chromedp.Text(chromedp.CSS(`ol.messages li.day`)))
	if err != nil || !(strings.Contains(day, persianDigits(y-621)) || strings.Contains(day, persianDigits(y-622))) {
		t.Fatalf("Persian date %q (%v): want the Solar Hijri year", day, err)
	}
	screenshot(t, b, "conversation-fa.png")
}

// failShot saves what the page looked like when a test failed, as
// testout/fail-<test>.png.
func failShot(t *testing.T, ctx context.Context) {
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.CaptureScreenshot())
	if err != nil {
		return
	}
	dir := filepath.Join("..", "..", "testout")
	if os.MkdirAll(dir, 0o755) == nil {
		os.WriteFile(filepath.Join(dir, "fail-"+strings.ReplaceAll(t.Name(), "/", "_")+".png"), png, 0o644)
	}
}

func persianDigits(n int) string {
	return strings.Map(func(r rune) rune { return r - '0' + '۰' }, fmt.Sprint(n))
}
