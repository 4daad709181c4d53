package main

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/chapar/chapar/client"
)

// These tests make real calls between two Chromium browsers with fake
// cameras and microphones (micBrowser): the signalling through chapar's
// WebSocket, the media through its TURN relay (the pages are told to use
// relayed candidates only). Helpers are in browser_test.go,
// webclient_test.go, webclient_channels_test.go and webclient_media_test.go.

// callStats is what a page's RTCPeerConnection says of its call: the bytes
// received on inbound audio and video, and the candidate types of the
// selected pair.
type callStats struct {
	Audio  float64 `json:"audio"`
	Video  float64 `json:"video"`
	Local  string  `json:"local"`
	Remote string  `json:"remote"`
	Errors []string
}

// readCallStats reads the statistics of the page's call (the test-only
// window.__chaparCallForTests of calls.js).
func readCallStats(t *testing.T, ctx context.Context) callStats {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	st, err := chromedp.Run(tctx, chromedp.Evaluate[callStats](`(async () => {
		const call = window.__chaparCallForTests;
		const out = {audio: 0, video: 0, local: "", remote: "", errors: call ? call.iceErrors : []};
		if (!call || !call.pc) return out;
		const stats = await call.pc.getStats();
		stats.forEach((s) => {
			if (s.type === "inbound-rtp") out[s.kind] += s.bytesReceived || 0;
			if (s.type === "transport" && s.selectedCandidatePairId) {
				const pair = stats.get(s.selectedCandidatePairId);
				out.local = stats.get(pair.localCandidateId).candidateType;
				out.remote = stats.get(pair.remoteCandidateId).candidateType;
			}
		});
		return out;
	})()`, chromedp.EvalAwaitPromise))
	must(t, err)
	return st
}

// forceRelay makes the page's calls use relayed candidates only.
func forceRelay(t *testing.T, ctx context.Context) {
	eval[bool](t, ctx, `(localStorage.setItem("chapar.forceRelay", "1"), true)`)
}

// lastCall is the newest call record in a chat, as the user reads it
// through the API.
func lastCall(t *testing.T, base, token string, chatID int64) *client.CallRecord {
	t.Helper()
	c := client.New(base)
	c.SetToken(token)
	evs, err := c.History(bg, chatID, client.HistoryQuery{Limit: 20})
	must(t, err)
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Type == "call" && evs[i].Call != nil {
			return evs[i].Call
		}
	}
	t.Fatalf("no call event in chat %d: %+v", chatID, evs)
	return nil
}

// timerShows waits until the call screen's timer runs (mm:ss, in the
// digits given).
func timerShows(t *testing.T, ctx context.Context, digits string) {
	t.Helper()
	waitJS(t, ctx, fmt.Sprintf(`(() => { const e = document.querySelector(".call-screen .call-timer"); return !!e && /^[%s]{2}:[%s]{2}$/.test(e.textContent); })()`, digits, digits))
}

// historyCall is the text of the newest call record in the open chat.
const historyCall = `([...document.querySelectorAll("ol.messages li.call-record .text")].map(e => e.textContent).pop() || "")`

// TestWebClientCallVideoRelayed: alice video-calls bob from their chat's
// header; bob's page rings and he answers with video; both timers run;
// audio and video arrive on both sides through the TURN relay; a camera
// turned off and on again (renegotiation) shows on the other side; alice
// hangs up, both screens close, and both histories (and the server's)
// record the finished call.
func TestWebClientCallVideoRelayed(t *testing.T) {
	srv := startServer(t, t.TempDir())
	alice, bob := micBrowser(t), micBrowser(t)
	signUpInBrowser(t, alice, srv.URL, "alice_call")
	signUpInBrowser(t, bob, srv.URL, "bob_call")
	startChatAndSend(t, alice, bob, "@bob_call", "can we talk?")
	forceRelay(t, alice)
	forceRelay(t, bob)

	if !eval[bool](t, alice, `!!document.querySelector("main.conversation header button.call-voice[aria-label='Voice call']") && !!document.querySelector("main.conversation header button.call-video[aria-label='Video call']")`) {
		t.Fatal("no call buttons in a direct chat's header")
	}
	drive(t, alice, click(`main.conversation header button.call-video`))
	waitText(t, alice, `.call-screen .call-status`, "Ringing…")
	waitText(t, alice, `.call-screen .call-peer`, "bob_call")
	// The caller sees herself while it rings.
	waitJS(t, alice, `(() => { const v = document.querySelector(".call-screen .local-video"); return !v.hidden && v.videoWidth > 0; })()`)
	screenshot(t, alice, "calls-outgoing-en.png")

	waitJS(t, bob, `!!document.querySelector(".call-screen[data-phase=incoming]")`)
	waitText(t, bob, `.call-screen .call-peer`, "alice_call")
	waitText(t, bob, `.call-screen .call-status`, "Incoming video call")
	// It rings (a tone made with WebAudio).
	waitJS(t, bob, `window.__chaparCallForTests.tone === "running"`)
	if bad := unlabelled(t, bob); len(bad) > 0 {
		t.Fatalf("controls without a label: %q", bad)
	}
	screenshot(t, bob, "calls-incoming-en.png")
	drive(t, bob, click(`.call-screen button.call-accept-video`))
	start := time.Now()
	timerShows(t, bob, "0-9")
	timerShows(t, alice, "0-9")
	if tone := eval[string](t, bob, `window.__chaparCallForTests.tone`); tone != "" {
		t.Fatalf("still ringing after the answer: %q", tone)
	}

	// Media flows both ways, relayed.
	var sa, sb callStats
	deadline := time.Now().Add(15 * time.Second)
	for {
		sa, sb = readCallStats(t, alice), readCallStats(t, bob)
		if sa.Audio > 0 && sa.Video > 0 && sb.Audio > 0 && sb.Video > 0 && sa.Local != "" && sb.Local != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no media both ways: alice %+v, bob %+v", sa, sb)
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("alice received %.0f bytes of audio and %.0f of video (pair %s→%s); bob %.0f and %.0f (%s→%s)",
		sa.Audio, sa.Video, sa.Local, sa.Remote, sb.Audio, sb.Video, sb.Local, sb.Remote)
	if len(sa.Errors)+len(sb.Errors) > 0 {
		t.Logf("ICE candidate errors: alice %q, bob %q", sa.Errors, sb.Errors)
	}
	if sa.Local != "relay" || sb.Local != "relay" {
		t.Fatalf("not relayed: alice's local candidate %q, bob's %q (ICE errors: %q, %q)", sa.Local, sb.Local, sa.Errors, sb.Errors)
	}
	if n := turnRelayedBytes(t, srv.URL); n == 0 {
		t.Fatal("the TURN relay counted no bytes")
	}
	// Each sees the other's video, and the remote audio plays.
	for _, b := range []context.Context{alice, bob} {
		waitJS(t, b, `(() => { const v = document.querySelector(".call-screen .remote-video"); return !v.hidden && v.videoWidth > 0; })()`)
		waitJS(t, b, `(() => { const a = document.querySelector(".call-screen audio.remote-audio"); return !!a.srcObject && a.srcObject.getAudioTracks().length === 1 && !a.paused; })()`)
	}
	screenshot(t, bob, "calls-video-en.png")

	// The microphone mutes and unmutes.
	drive(t, alice, click(`.call-screen button.call-mute`))
	waitJS(t, alice, `document.querySelector(".call-screen button.call-mute").getAttribute("aria-pressed") === "true" && document.querySelector(".call-screen button.call-mute").getAttribute("aria-label") === "Unmute the microphone"`)
	drive(t, alice, click(`.call-screen button.call-mute`))
	waitJS(t, alice, `document.querySelector(".call-screen button.call-mute").getAttribute("aria-pressed") === "false"`)

	// The camera goes off (renegotiated): bob's screen shows no video from
	// alice; and on again.
	drive(t, alice, click(`.call-screen button.call-camera`))
	waitJS(t, alice, `document.querySelector(".call-screen .local-video").hidden`)
	waitJS(t, bob, `!document.querySelector(".call-screen").classList.contains("has-video")`)
	drive(t, alice, click(`.call-screen button.call-camera`))
	waitJS(t, bob, `document.querySelector(".call-screen").classList.contains("has-video")`)
	timerShows(t, alice, "0-9")

	time.Sleep(time.Until(start.Add(1500 * time.Millisecond))) // a call of a second at least
	// The timers run.
	for _, b := range []context.Context{alice, bob} {
		waitJS(t, b, `/^00:0[1-9]$/.test(document.querySelector(".call-screen .call-timer").textContent)`)
	}
	sa, sb = readCallStats(t, alice), readCallStats(t, bob)
	t.Logf("before hanging up: alice had received %.0f bytes of audio and %.0f of video, bob %.0f and %.0f; the relay %d bytes",
		sa.Audio, sa.Video, sb.Audio, sb.Video, turnRelayedBytes(t, srv.URL))
	drive(t, alice, click(`.call-screen button.call-hangup`))
	for _, b := range []context.Context{alice, bob} {
		waitJS(t, b, `!document.querySelector(".call-screen")`)
	}
	waitJS(t, alice, historyCall+`.startsWith("📹 Outgoing call · 0:0")`)
	waitJS(t, bob, historyCall+`.startsWith("📹 Incoming call · 0:0")`)
	waitText(t, alice, `nav.chats button.chat .last`, "📹 Outgoing call")
	waitText(t, bob, `nav.chats button.chat .last`, "📹 Incoming call")
	screenshot(t, alice, "calls-history-en.png")

	rec := lastCall(t, srv.URL, tokenOf(t, alice), openChatID(t, alice))
	t.Logf("the call's record: %+v (it lasted about %.1f s)", *rec, time.Since(start).Seconds())
	if rec.Outcome != "ended" || !rec.Video || rec.Duration < 1 {
		t.Fatalf("the call's record: %+v", *rec)
	}
}

// TestWebClientCallDeclineAndBusy: bob declines alice's call (she reads
// "Call declined"); alice calls while bob is in another call ("busy"); and
// when bob has no page open, "offline" — he then finds a missed call.
func TestWebClientCallDeclineAndBusy(t *testing.T) {
	srv := startServer(t, t.TempDir())
	// alice's browser asks before a page may use the microphone; the test
	// answers for her through the DevTools protocol.
	alice := browserSized(t, 1000, 700, chromedp.Flag("use-fake-device-for-media-stream", true))
	bob := micBrowser(t)
	signUpInBrowser(t, alice, srv.URL, "alice_decl")
	signUpInBrowser(t, bob, srv.URL, "bob_decl")
	startChatAndSend(t, alice, bob, "@bob_decl", "are you there?")
	forceRelay(t, alice)
	chatID := openChatID(t, alice)
	token := tokenOf(t, alice)

	// The microphone refused: the page says so, and nothing rings.
	_, err := chromedp.CallBrowser(alice, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
		Permission: &cdpbrowser.PermissionDescriptor{Name: "microphone"}, Setting: cdpbrowser.PermissionSettingDenied, Origin: srv.URL})
	must(t, err)
	drive(t, alice, click(`main.conversation header button.call-voice`))
	waitText(t, alice, `.call-screen .call-status`, "Chapar cannot use your microphone: permission was refused")
	screenshot(t, alice, "calls-no-mic-en.png")
	drive(t, alice, click(`.call-screen button.call-close`))
	for _, name := range []string{"microphone", "camera"} {
		_, err = chromedp.CallBrowser(alice, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
			Permission: &cdpbrowser.PermissionDescriptor{Name: name}, Setting: cdpbrowser.PermissionSettingGranted, Origin: srv.URL})
		must(t, err)
	}
	if eval[bool](t, bob, `!!document.querySelector(".call-screen")`) {
		t.Fatal("bob's page rings for a call that was not made")
	}

	// Declined: a voice call offers no "Accept with video".
	drive(t, alice, click(`main.conversation header button.call-voice`))
	waitJS(t, bob, `!!document.querySelector(".call-screen[data-phase=incoming]")`)
	waitText(t, bob, `.call-screen .call-status`, "Incoming voice call")
	if eval[bool](t, bob, `!!document.querySelector(".call-screen button.call-accept-video")`) {
		t.Fatal("a voice call offers to answer with video")
	}
	drive(t, bob, click(`.call-screen button.call-decline`))
	waitJS(t, bob, `!document.querySelector(".call-screen")`)
	waitText(t, alice, `.call-screen .call-status`, "Call declined")
	screenshot(t, alice, "calls-declined-en.png")
	waitJS(t, alice, `!document.querySelector(".call-screen")`) // it goes by itself
	waitJS(t, alice, historyCall+` === "📞 Declined call"`)
	waitJS(t, bob, historyCall+` === "📞 Declined call"`)
	if rec := lastCall(t, srv.URL, token, chatID); rec.Outcome != "declined" || rec.Video {
		t.Fatalf("declined call's record: %+v", *rec)
	}

	// Busy: bob is in a call (ringing carol, from another device).
	bc := client.New(srv.URL)
	_, err = bc.Login(bg, client.LoginRequest{Username: "bob_decl", Password: "password1"})
	must(t, err)
	_, carol := newUser(t, srv.URL, "carol_decl")
	dm, err := bc.CreateDirect(bg, carol.ID)
	must(t, err)
	cc := client.New(srv.URL)
	_, err = cc.Login(bg, client.LoginRequest{Username: "carol_decl", Password: "password1"})
	must(t, err)
	connect(t, cc, nil)
	bs, _ := connect(t, bc, nil)
	other, err := bs.Call(bg, dm.ID, false, "v=0\r\n")
	must(t, err)
	drive(t, alice, click(`main.conversation header button.call-video`))
	// (The name is isolated from the sentence's direction: U+2068 … U+2069.)
	waitText(t, alice, `.call-screen .call-status`, "bob_decl\u2069 is on another call.")
	drive(t, alice, click(`.call-screen button.call-close`))
	waitJS(t, alice, `!document.querySelector(".call-screen")`)
	waitJS(t, alice, historyCall+` === "📹 Busy"`)
	waitJS(t, bob, historyCall+` === "📹 Missed call"`)
	must(t, bs.HangUp(bg, other.ID))
	bs.Close()

	// Offline: bob's page goes; alice is told, and the chat keeps a missed call.
	drive(t, bob, chromedp.Navigate("about:blank"))
	waitJS(t, alice, `!document.querySelector("nav.chats button.chat .avatar .dot")`)
	drive(t, alice, click(`main.conversation header button.call-voice`))
	waitText(t, alice, `.call-screen .call-status`, "bob_decl\u2069 is offline; try later.")
	screenshot(t, alice, "calls-offline-en.png")
	waitJS(t, alice, historyCall+` === "📞 Cancelled call"`)
	if rec := lastCall(t, srv.URL, token, chatID); rec.Outcome != "missed" {
		t.Fatalf("offline call's record: %+v", *rec)
	}
	// bob comes back and sees it.
	drive(t, bob, chromedp.Navigate(srv.URL), chromedp.WaitVisible(chromedp.CSS(`nav.chats`)))
	waitText(t, bob, `nav.chats button.chat .last`, "📞 Missed call")
}

// TestWebClientCallPersian: a voice call between two people whose pages
// are in Persian, one on a phone-sized screen: the outgoing and incoming
// screens, the timer in Persian digits, the camera turned on during the
// call (renegotiated), and the call's record in the history, right to left.
func TestWebClientCallPersian(t *testing.T) {
	srv := startServer(t, t.TempDir())
	persianUser(t, srv.URL, "sara_call", "سارا")
	persianUser(t, srv.URL, "nima_call", "نیما")
	// nima answers on a phone-sized screen.
	sara := micBrowser(t)
	nima := browserSized(t, 360, 740, chromedp.Flag("use-fake-device-for-media-stream", true), chromedp.Flag("use-fake-ui-for-media-stream", true))
	for name, b := range map[string]context.Context{"sara_call": sara, "nima_call": nima} {
		drive(t, b, chromedp.Navigate(srv.URL), chromedp.WaitVisible(chromedp.CSS(`form.signin`)), click(`.signin-page button.lang`))
		signInBrowser(t, b, srv.URL, name)
		waitJS(t, b, `document.documentElement.dir === "rtl"`)
		forceRelay(t, b)
	}
	drive(t, sara, typeIn(`nav.chats input`, "@nima_call"+kb.Enter), chromedp.WaitVisible(chromedp.CSS(`form.composer textarea`)))
	sendText(t, sara, "سلام! یک لحظه زنگ می‌زنم.")
	openChat(t, nima, "سارا")
	if label := eval[string](t, sara, `document.querySelector("main.conversation header button.call-voice").getAttribute("aria-label")`); label != "تماس صوتی" {
		t.Fatalf("voice call button: %q", label)
	}
	drive(t, sara, click(`main.conversation header button.call-voice`))
	waitText(t, sara, `.call-screen .call-status`, "در حال زنگ خوردن…")
	waitText(t, sara, `.call-screen .call-peer`, "نیما")
	screenshot(t, sara, "calls-outgoing-fa.png")
	waitText(t, nima, `.call-screen .call-status`, "تماس صوتی ورودی")
	waitText(t, nima, `.call-screen .call-peer`, "سارا")
	if got := eval[string](t, nima, `document.querySelector(".call-screen button.call-accept").getAttribute("aria-label") + "|" + document.querySelector(".call-screen button.call-decline").getAttribute("aria-label")`); got != "پاسخ|رد تماس" {
		t.Fatalf("incoming call buttons: %q", got)
	}
	waitJS(t, nima, noOverflow)
	screenshot(t, nima, "calls-incoming-fa.png")
	drive(t, nima, click(`.call-screen button.call-accept`))
	start := time.Now()
	timerShows(t, nima, "۰-۹")
	timerShows(t, sara, "۰-۹")
	// A voice call: no video, and the camera button offers to turn it on.
	if got := eval[string](t, sara, `document.querySelector(".call-screen button.call-camera").getAttribute("aria-label")`); got != "روشن کردن دوربین" {
		t.Fatalf("camera button: %q", got)
	}
	screenshot(t, sara, "calls-active-fa.png")
	waitJS(t, nima, noOverflow)
	screenshot(t, nima, "calls-active-phone-fa.png")
	// sara turns her camera on: a new offer and answer go over call_signal,
	// and nima sees her.
	drive(t, sara, click(`.call-screen button.call-camera`))
	waitJS(t, sara, `(() => { const v = document.querySelector(".call-screen .local-video"); return !v.hidden && v.videoWidth > 0; })()`)
	waitJS(t, nima, `(() => { const v = document.querySelector(".call-screen .remote-video"); return document.querySelector(".call-screen").classList.contains("has-video") && !v.hidden && v.videoWidth > 0; })()`)
	if st := readCallStats(t, nima); st.Video == 0 || st.Local != "relay" {
		t.Fatalf("nima's call after the camera went on: %+v", st)
	}
	waitJS(t, nima, noOverflow)
	screenshot(t, nima, "calls-video-phone-fa.png")
	time.Sleep(time.Until(start.Add(1500 * time.Millisecond)))
	drive(t, sara, click(`.call-screen button.call-hangup`))
	for _, b := range []context.Context{sara, nima} {
		waitJS(t, b, `!document.querySelector(".call-screen")`)
	}
	persianCall := regexp.MustCompile(`^📞 تماس (خروجی|ورودی) · [۰-۹]:[۰-۹]{2}$`)
	for name, b := range map[string]context.Context{"sara": sara, "nima": nima} {
		waitJS(t, b, historyCall+` !== ""`)
		got := eval[string](t, b, historyCall)
		if !persianCall.MatchString(got) {
			t.Fatalf("%s's history says %q", name, got)
		}
	}
	waitJS(t, sara, historyCall+`.startsWith("📞 تماس خروجی")`)
	waitJS(t, nima, historyCall+`.startsWith("📞 تماس ورودی")`)
	screenshot(t, nima, "calls-history-phone-fa.png")
	screenshot(t, sara, "calls-history-fa.png")
	drive(t, nima, click(`button.back`))
	waitText(t, nima, `nav.chats button.chat .last`, "📞 تماس ورودی")
}
