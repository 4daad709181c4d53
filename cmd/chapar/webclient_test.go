package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chapar/chapar/client"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// These tests drive the web client through what people do with it: groups,
// message actions, scrolling back, phone sign-in, settings, a phone-sized
// screen. Helpers are in browser_test.go.

func click(sel string) chromedp.Action[chromedp.Void] { return chromedp.Click(chromedp.CSS(sel)) }

func typeIn(sel, text string) chromedp.Action[chromedp.Void] {
	return chromedp.SendKeys(chromedp.CSS(sel), text)
}

// eval runs a script in the page and returns its value.
func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(tctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("eval %s: %v", js, err)
	}
	return v
}

// waitJS waits until the script returns true.
func waitJS(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		tctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		ok, err := chromedp.Run(tctx, chromedp.Evaluate[bool](js))
		cancel()
		if err == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	failShot(t, ctx)
	t.Fatalf("still false after 15s: %s", js)
}

// openChat clicks the chat whose name contains name in the chat list.
func openChat(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	js := fmt.Sprintf(`(() => { const b = [...document.querySelectorAll("nav.chats button.chat")].find(b => b.querySelector(".name").textContent.includes(%q)); if (b) b.click(); return !!b; })()`, name)
	waitJS(t, ctx, js)
	waitJS(t, ctx, fmt.Sprintf(`!!document.querySelector("main.conversation header strong") && document.querySelector("main.conversation header strong").textContent.includes(%q)`, name))
}

// msgCount counts the messages on screen whose text is exactly text.
func msgCount(t *testing.T, ctx context.Context, text string) int {
	return eval[int](t, ctx, fmt.Sprintf(`[...document.querySelectorAll("ol.messages li.msg .text")].filter(e => e.textContent === %q).length`, text))
}

// msgAction opens the actions of the message with text and clicks one.
func msgAction(t *testing.T, ctx context.Context, text, action string) {
	t.Helper()
	js := fmt.Sprintf(`(() => { const li = [...document.querySelectorAll("ol.messages li.msg")].find(li => li.querySelector(".text").textContent === %q); if (!li) return false; li.querySelector("button.more").click(); return true; })()`, text)
	waitJS(t, ctx, js)
	drive(t, ctx, click(`li.msg.selected button.act-`+action))
}

// setValue replaces an input's value as if typed (preact listens to input
// events).
func setValue(sel, value string) chromedp.Action[chromedp.Void] {
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %q; e.dispatchEvent(new Event("input", {bubbles: true})); return true; })()`, sel, value)
	eval := chromedp.Evaluate[bool](js)
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := eval(ctx, tg)
		return chromedp.Void{}, err
	}
}

// unlabelled lists the controls on the page that have no name a screen
// reader could read (no label, aria-label, text or placeholder).
func unlabelled(t *testing.T, ctx context.Context) []string {
	return eval[[]string](t, ctx, `[...document.querySelectorAll("button, input, textarea")]
		.filter(e => !(e.labels && e.labels.length) && !e.getAttribute("aria-label") && !e.textContent.trim() && !e.placeholder)
		.map(e => e.outerHTML.slice(0, 80))`)
}

func sendText(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	drive(t, ctx, typeIn(`form.composer textarea`, text+kb.Enter))
}

// TestWebClientGroupOfThree: three people in three browsers; one makes a
// group with the other two, everybody sees everybody's messages live with
// the sender's name, typing shows who, and the owner manages roles and
// members from the group's info panel.
func TestWebClientGroupOfThree(t *testing.T) {
	srv := startServer(t, t.TempDir())
	ana, ben, cyd := browser(t), browser(t), browser(t)
	signUpInBrowser(t, ana, srv.URL, "anahita")
	signUpInBrowser(t, ben, srv.URL, "benjamin")
	signUpInBrowser(t, cyd, srv.URL, "cyrus")

	drive(t, ana, click(`button.newgroup`),
		typeIn(`.newgroup-panel input[name=title]`, "Trio"),
		typeIn(`.newgroup-panel input[name=members]`, "@benjamin, @cyrus"),
		click(`.newgroup-panel button[type=submit]`),
		chromedp.WaitVisible(chromedp.CSS(`form.composer textarea`)),
	)
	waitText(t, ana, `main.conversation header`, "3 members")
	sendText(t, ana, "hello both")
	for _, b := range []context.Context{ben, cyd} {
		waitText(t, b, `nav.chats`, "Trio")
		openChat(t, b, "Trio")
		waitText(t, b, `ol.messages`, "hello both")
	}
	// Typing: ana sees who is typing.
	drive(t, ben, typeIn(`form.composer textarea`, "hi from ben"))
	waitText(t, ana, `main.conversation header .subtitle`, "benjamin is typing")
	screenshot(t, ana, "group-typing-en.png")
	drive(t, ben, typeIn(`form.composer textarea`, kb.Enter))
	sendText(t, cyd, "hi from cyd")
	for name, b := range map[string]context.Context{"anahita": ana, "benjamin": ben, "cyrus": cyd} {
		waitText(t, b, `ol.messages`, "hi from cyd")
		for _, m := range []string{"hello both", "hi from ben", "hi from cyd"} {
			if n := msgCount(t, b, m); n != 1 {
				t.Fatalf("%s shows %q %d times", name, m, n)
			}
		}
	}
	// Others' messages carry the sender's name.
	waitJS(t, ana, `[...document.querySelectorAll("li.msg .sender")].map(e => e.textContent).join(",") === "benjamin,cyrus"`)
	screenshot(t, ana, "group-en.png")

	// Roles: ana (owner) makes ben an admin; everyone's history says so.
	drive(t, ana, click(`main.conversation header button.title`), chromedp.WaitVisible(chromedp.CSS(`.group-info .members`)))
	waitJS(t, ana, `!!document.querySelector('.members li[data-user=benjamin] button.make-admin')`)
	drive(t, ana, click(`.members li[data-user=benjamin] button.make-admin`))
	waitText(t, ana, `.members li[data-user=benjamin] .role`, "admin")
	waitText(t, cyd, `ol.messages`, "benjamin is now admin")
	screenshot(t, ana, "group-info-en.png")
	if bad := unlabelled(t, ana); len(bad) > 0 {
		t.Fatalf("controls without a label: %q", bad)
	}

	// ben, now an admin, may remove a member: he removes cyd.
	drive(t, ben, click(`main.conversation header button.title`))
	waitJS(t, ben, `!!document.querySelector('.members li[data-user=cyrus] button.remove')`)
	drive(t, ben, click(`.members li[data-user=cyrus] button.remove`))
	waitText(t, ana, `ol.messages`, "benjamin removed cyrus")
	waitText(t, ana, `main.conversation header`, "2 members")

	// cyrus is out: the group leaves his chat list, and ana's next message
	// reaches benjamin but not him.
	waitJS(t, cyd, `!document.querySelector("nav.chats").textContent.includes("Trio")`)
	sendText(t, ana, "after cyrus left")
	waitText(t, ben, `ol.messages`, "after cyrus left")
	time.Sleep(300 * time.Millisecond)
	if strings.Contains(eval[string](t, cyd, `document.body.textContent`), "after cyrus left") {
		t.Fatal("a removed member sees a later message")
	}
}

// TestWebClientMessageActions: reply, edit, delete and forward from the
// message's actions; Esc cancels a reply or an edit; a message shows one
// tick when sent and two when the other person has read it.
func TestWebClientMessageActions(t *testing.T) {
	srv := startServer(t, t.TempDir())
	alice, bob := browser(t), browser(t)
	signUpInBrowser(t, alice, srv.URL, "alice_act")
	signUpInBrowser(t, bob, srv.URL, "bob_act")
	startChatAndSend(t, alice, bob, "@bob_act", "first message")

	// bob has the chat open, so alice's message turns read.
	waitJS(t, alice, `!!document.querySelector("li.msg.mine .tick.read")`)
	// A message bob has not opened yet shows one tick.
	drive(t, bob, click(`button.settings`), chromedp.WaitVisible(chromedp.CSS(`.settings-panel`)))

	// Reply: bob quotes alice's message.
	drive(t, bob, click(`.panel button.close`))
	msgAction(t, bob, "first message", "reply")
	waitText(t, bob, `form.composer .context`, "Replying to alice_act")
	sendText(t, bob, "a reply")
	waitText(t, alice, `ol.messages`, "a reply")
	waitJS(t, alice, `[...document.querySelectorAll("li.msg")].some(li => li.querySelector(".quote") && li.querySelector(".quote-text").textContent === "first message" && li.querySelector(".text").textContent === "a reply")`)

	// Esc cancels a reply and an edit.
	msgAction(t, bob, "first message", "reply")
	drive(t, bob, chromedp.WaitVisible(chromedp.CSS(`form.composer .context`)), typeIn(`form.composer textarea`, kb.Escape))
	waitJS(t, bob, `!document.querySelector("form.composer .context")`)
	msgAction(t, bob, "a reply", "edit")
	drive(t, bob, chromedp.WaitVisible(chromedp.CSS(`form.composer .context`)), typeIn(`form.composer textarea`, kb.Escape))
	waitJS(t, bob, `!document.querySelector("form.composer .context") && document.querySelector("form.composer textarea").value === ""`)

	// Shift+Enter adds a line; Enter sends both lines as one message.
	drive(t, bob, click(`form.composer textarea`), typeIn(`form.composer textarea`, "line one"),
		chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(chromedp.ModifierShift)),
		typeIn(`form.composer textarea`, "line two"+kb.Enter))
	waitJS(t, alice, `[...document.querySelectorAll("li.msg .text")].some(e => e.textContent === "line one\nline two")`)

	// Edit: alice fixes her message; bob sees the new text, marked edited.
	msgAction(t, alice, "first message", "edit")
	drive(t, alice, setValue(`form.composer textarea`, "first message, fixed"), typeIn(`form.composer textarea`, kb.Enter))
	waitText(t, bob, `ol.messages`, "first message, fixed")
	waitJS(t, bob, `[...document.querySelectorAll("li.msg")].some(li => li.querySelector(".text").textContent === "first message, fixed" && li.querySelector(".edited"))`)

	// Delete for everyone.
	sendText(t, alice, "oops, wrong chat")
	waitText(t, bob, `ol.messages`, "oops, wrong chat")
	msgAction(t, alice, "oops, wrong chat", "delete")
	drive(t, alice, click(`li.msg.selected button.act-confirm`))
	waitJS(t, bob, `!document.querySelector("ol.messages").textContent.includes("oops, wrong chat") && !!document.querySelector("li.msg .text.deleted")`)

	// Forward: alice forwards bob's reply into a chat with carol.
	carol, _ := newUser(t, srv.URL, "carol_act")
	drive(t, alice, typeIn(`nav.chats input`, "@carol_act"+kb.Enter))
	waitText(t, alice, `main.conversation header`, "carol_act")
	openChat(t, alice, "bob_act")
	msgAction(t, alice, "a reply", "forward")
	drive(t, alice, chromedp.WaitVisible(chromedp.CSS(`.forward-panel`)))
	js := `(() => { const b = [...document.querySelectorAll(".forward-panel button.chat")].find(b => b.textContent.includes("carol_act")); if (b) b.click(); return !!b; })()`
	waitJS(t, alice, js)
	waitText(t, alice, `main.conversation header`, "carol_act")
	waitJS(t, alice, `[...document.querySelectorAll("li.msg")].some(li => li.querySelector(".text").textContent === "a reply" && li.querySelector(".fwd") && li.querySelector(".fwd").textContent.includes("bob_act"))`)
	screenshot(t, alice, "forwarded-en.png")

	// Two ticks only once read: carol has not read the forward.
	if n := eval[int](t, alice, `document.querySelectorAll("li.msg.mine .tick.read").length`); n != 0 {
		t.Fatalf("unread message shows read ticks (%d)", n)
	}
	if n := eval[int](t, alice, `document.querySelectorAll("li.msg.mine .tick.sent").length`); n != 1 {
		t.Fatalf("sent ticks: %d", n)
	}

	// Unread counts: carol writes twice while alice reads bob's chat; the
	// list counts them live, and opening the chat clears the count.
	openChat(t, alice, "bob_act")
	chats, err := carol.Chats(bg)
	if err != nil || len(chats) != 1 {
		t.Fatalf("carol's chats: %v %v", chats, err)
	}
	for i, text := range []string{"got it", "thanks!"} {
		if _, err := carol.Send(bg, chats[0].ID, client.SendRequest{ClientID: fmt.Sprint("u", i), Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	unread := `(() => { const b = [...document.querySelectorAll("nav.chats button.chat")].find(b => b.textContent.includes("carol_act")); const u = b && b.querySelector(".unread"); return u ? u.textContent : ""; })()`
	waitJS(t, alice, unread+` === "2"`)
	openChat(t, alice, "carol_act")
	waitJS(t, alice, unread+` === ""`)

	// Presence: bob is online (a dot on his avatar in alice's list) until
	// his page goes away; then his chat says when he was last seen.
	dot := `!!([...document.querySelectorAll("nav.chats button.chat")].find(b => b.textContent.includes("bob_act")) || document).querySelector(".avatar .dot")`
	waitJS(t, alice, dot)
	drive(t, bob, chromedp.Navigate("about:blank"))
	waitJS(t, alice, "!"+dot)
	openChat(t, alice, "bob_act")
	waitText(t, alice, `main.conversation header .subtitle`, "last seen")
}

// TestWebClientScrollBack: a long history loads page by page as the reader
// scrolls up, down to the first message, each message once.
func TestWebClientScrollBack(t *testing.T) {
	srv := startServer(t, t.TempDir())
	ca, _ := newUser(t, srv.URL, "dana_scroll")
	_, eli := newUser(t, srv.URL, "eli_scroll")
	chat, err := ca.CreateDirect(bg, eli.ID)
	if err != nil {
		t.Fatal(err)
	}
	const n = 230
	for i := 1; i <= n; i++ {
		if _, err := ca.Send(bg, chat.ID, client.SendRequest{ClientID: fmt.Sprint("c", i), Text: fmt.Sprint("line ", i)}); err != nil {
			t.Fatal(err)
		}
	}
	b := browser(t)
	drive(t, b, chromedp.Navigate(srv.URL), chromedp.WaitVisible(chromedp.CSS(`form.signin`)),
		typeIn(`input[name=username]`, "eli_scroll"), typeIn(`input[name=password]`, "password1"),
		click(`button[type=submit]`), chromedp.WaitVisible(chromedp.CSS(`nav.chats`)))
	openChat(t, b, "dana_scroll")
	waitText(t, b, `ol.messages`, fmt.Sprint("line ", n))
	for i := 0; i < 20 && !eval[bool](t, b, `!!document.querySelector("ol.messages li.beginning")`); i++ {
		eval[bool](t, b, `(() => { const ol = document.querySelector("ol.messages"); ol.scrollTop = 0; ol.dispatchEvent(new Event("scroll")); return true; })()`)
		time.Sleep(300 * time.Millisecond)
	}
	texts := eval[[]string](t, b, `[...document.querySelectorAll("ol.messages li.msg .text")].map(e => e.textContent)`)
	if len(texts) != n {
		t.Fatalf("%d messages on screen after scrolling back, want %d", len(texts), n)
	}
	for i, s := range texts {
		if s != fmt.Sprint("line ", i+1) {
			t.Fatalf("message %d is %q", i, s)
		}
	}
}

// TestWebClientPhoneSignIn: sign in with a phone number and the code the
// SMS sender delivers (the default sender logs it); the account is made on
// first use with the name given.
func TestWebClientPhoneSignIn(t *testing.T) {
	srv := startServer(t, t.TempDir())
	b := browser(t)
	const phone = "+989121234567"
	drive(t, b, chromedp.Navigate(srv.URL), chromedp.WaitVisible(chromedp.CSS(`form.signin`)),
		click(`button.way`), typeIn(`input[name=phone]`, phone), click(`form.phone button[type=submit]`),
		chromedp.WaitVisible(chromedp.CSS(`form.code`)))
	code := srv.smsCode(t, phone)
	// Persian digits are accepted as well.
	fa := strings.Map(func(r rune) rune { return r - '0' + '۰' }, code)
	drive(t, b, typeIn(`input[name=code]`, fa), typeIn(`input[name=display_name]`, "Parisa"),
		click(`form.code button[type=submit]`), chromedp.WaitVisible(chromedp.CSS(`nav.chats`)))
	drive(t, b, click(`button.settings`))
	waitJS(t, b, `document.querySelector(".settings-panel input[name=display_name]").value === "Parisa"`)

	// A wrong code is refused with a message.
	b2 := browser(t)
	drive(t, b2, chromedp.Navigate(srv.URL), chromedp.WaitVisible(chromedp.CSS(`form.signin`)),
		click(`button.way`), typeIn(`input[name=phone]`, "+989121234568"), click(`form.phone button[type=submit]`),
		chromedp.WaitVisible(chromedp.CSS(`form.code`)), typeIn(`input[name=code]`, "000000x"), click(`form.code button[type=submit]`))
	waitJS(t, b2, `!!document.querySelector("form.code .error")`)
}

// TestWebClientSettings: change the profile, see and revoke another device,
// block and unblock from a chat's info.
func TestWebClientSettings(t *testing.T) {
	srv := startServer(t, t.TempDir())
	alice, bob := browser(t), browser(t)
	signUpInBrowser(t, alice, srv.URL, "alice_set")
	signUpInBrowser(t, bob, srv.URL, "bob_set")
	startChatAndSend(t, alice, bob, "@bob_set", "hello")

	// Profile: a new display name shows in bob's chat list.
	drive(t, alice, click(`button.settings`),
		chromedp.WaitVisible(chromedp.CSS(`.settings-panel input[name=display_name]`)),
		setValue(`.settings-panel input[name=display_name]`, "Alice Ahmadi"),
		typeIn(`.settings-panel textarea[name=bio]`, "نویسنده"),
		click(`.settings-panel form.profile button[type=submit]`))
	waitText(t, alice, `.settings-panel .ok`, "Saved")
	drive(t, bob, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`nav.chats`)))
	waitText(t, bob, `nav.chats`, "Alice Ahmadi")
	// The open chat is in the address, so a reload keeps it open.
	waitText(t, bob, `main.conversation header`, "Alice Ahmadi")

	// Devices: a sign-in elsewhere is listed; revoking it ends that token.
	other := client.New(srv.URL)
	if _, err := other.Login(bg, client.LoginRequest{Username: "alice_set", Password: "password1", Device: "cli laptop"}); err != nil {
		t.Fatal(err)
	}
	drive(t, alice, click(`.panel button.close`), click(`button.settings`))
	waitText(t, alice, `.settings-panel .sessions`, "cli laptop")
	screenshot(t, alice, "settings-en.png")
	if bad := unlabelled(t, alice); len(bad) > 0 {
		t.Fatalf("controls without a label: %q", bad)
	}
	js := `(() => { const li = [...document.querySelectorAll(".sessions li")].find(li => li.textContent.includes("cli laptop")); if (li) li.querySelector("button.revoke").click(); return !!li; })()`
	waitJS(t, alice, js)
	waitJS(t, alice, `!document.querySelector(".settings-panel .sessions").textContent.includes("cli laptop")`)
	if _, err := other.Me(bg); err == nil {
		t.Fatal("a revoked session still works")
	} else if ae := (*client.APIError)(nil); !errors.As(err, &ae) || ae.Status != 401 {
		t.Fatalf("revoked session: %v", err)
	}

	// Block: bob blocks alice from the chat's info; her next message fails.
	drive(t, bob, click(`main.conversation header button.title`), click(`.info button.block`))
	waitJS(t, bob, `!!document.querySelector(".info button.unblock")`)
	sendText(t, alice, "are you there?")
	waitText(t, alice, `ol.messages li.failed`, "Not sent")
	// Unblock in bob's settings; alice can write again.
	drive(t, bob, click(`.panel button.close`), click(`button.settings`))
	waitText(t, bob, `.settings-panel .blocked`, "Alice Ahmadi")
	drive(t, bob, click(`.settings-panel .blocked button.unblock`))
	waitText(t, bob, `.settings-panel .blocked`, "None")
	drive(t, bob, click(`.panel button.close`))
	sendText(t, alice, "now?")
	waitText(t, bob, `ol.messages`, "now?")
}

// TestWebClientSmallScreen: at 360 px wide the app shows one pane at a time
// and nothing overflows sideways; screenshots in English and Persian.
func TestWebClientSmallScreen(t *testing.T) {
	srv := startServer(t, t.TempDir())
	newUser(t, srv.URL, "omid_phone")
	b := browserSized(t, 360, 740)
	signUpInBrowser(t, b, srv.URL, "mina_phone")
	noOverflow := `document.documentElement.scrollWidth <= 360`
	waitJS(t, b, noOverflow)
	screenshot(t, b, "phone-list-en.png")
	drive(t, b, typeIn(`nav.chats input`, "@omid_phone"+kb.Enter), chromedp.WaitVisible(chromedp.CSS(`form.composer textarea`)))
	sendText(t, b, "a long message that has to wrap on a narrow phone screen without pushing anything sideways, "+strings.Repeat("x", 80))
	waitText(t, b, `ol.messages`, "a long message")
	if eval[bool](t, b, `getComputedStyle(document.querySelector("nav.chats")).display !== "none"`) {
		t.Fatal("the chat list is still shown beside the conversation at 360 px")
	}
	waitJS(t, b, noOverflow)
	screenshot(t, b, "phone-conversation-en.png")
	drive(t, b, click(`button.back`), chromedp.WaitVisible(chromedp.CSS(`nav.chats`)))
	drive(t, b, click(`button.settings`), chromedp.WaitVisible(chromedp.CSS(`.settings-panel .sessions li`)),
		click(`.settings-panel button.lang`), click(`.panel button.close`))
	openChat(t, b, "omid_phone")
	waitJS(t, b, noOverflow)
	screenshot(t, b, "phone-conversation-fa.png")
}

// TestWebClientScreensPersian saves the main screens in Persian: the chat
// list and a group, its info, and settings.
func TestWebClientScreensPersian(t *testing.T) {
	srv := startServer(t, t.TempDir())
	ca, _ := newUser(t, srv.URL, "reza_fa")
	b := browser(t)
	drive(t, b, chromedp.Navigate(srv.URL), chromedp.WaitVisible(chromedp.CSS(`form.signin`)), click(`.signin-page button.lang`))
	signUpInBrowser(t, b, srv.URL, "sara_fa")
	drive(t, b, click(`button.newgroup`),
		typeIn(`.newgroup-panel input[name=title]`, "خانواده"),
		typeIn(`.newgroup-panel input[name=members]`, "@reza_fa"),
		click(`.newgroup-panel button[type=submit]`),
		chromedp.WaitVisible(chromedp.CSS(`form.composer textarea`)))
	sendText(t, b, "سلام به همه! جلسه ساعت ۸ است.")
	chats, err := ca.Chats(bg)
	if err != nil || len(chats) != 1 {
		t.Fatalf("reza's chats: %v %v", chats, err)
	}
	if _, err := ca.Send(bg, chats[0].ID, client.SendRequest{ClientID: "r1", Text: "سلام سارا، I'll be there 👍"}); err != nil {
		t.Fatal(err)
	}
	waitText(t, b, `ol.messages`, "I'll be there")
	waitText(t, b, `main.conversation header .subtitle`, "۲ عضو")
	screenshot(t, b, "group-fa.png")
	drive(t, b, click(`main.conversation header button.title`), chromedp.WaitVisible(chromedp.CSS(`.group-info .members li`)))
	waitText(t, b, `.group-info .members`, "مالک")
	screenshot(t, b, "group-info-fa.png")
	drive(t, b, click(`.panel button.close`), click(`button.settings`), chromedp.WaitVisible(chromedp.CSS(`.settings-panel .sessions li`)))
	screenshot(t, b, "settings-fa.png")
}

// TestWebClientSearch: searching finds a message whichever letter variants
// were typed, and choosing the result opens the chat at that message, even
// when it is older than the first page of history.
func TestWebClientSearch(t *testing.T) {
	srv := startServer(t, t.TempDir())
	ck, _ := newUser(t, srv.URL, "kamran_s")
	_, lena := newUser(t, srv.URL, "lena_s")
	chat, err := ck.CreateDirect(bg, lena.ID)
	must(t, err)
	// The message to find, written with Arabic letters, then 80 more on top.
	_, err = ck.Send(bg, chat.ID, client.SendRequest{ClientID: "old", Text: "كتاب قديمي را پيدا كردم"})
	must(t, err)
	for i := range 80 {
		_, err := ck.Send(bg, chat.ID, client.SendRequest{ClientID: fmt.Sprint("n", i), Text: fmt.Sprint("later ", i)})
		must(t, err)
	}
	b := browser(t)
	drive(t, b, chromedp.Navigate(srv.URL), chromedp.WaitVisible(chromedp.CSS(`form.signin`)),
		typeIn(`input[name=username]`, "lena_s"), typeIn(`input[name=password]`, "password1"),
		click(`button[type=submit]`), chromedp.WaitVisible(chromedp.CSS(`nav.chats`)))
	// Typed with Persian letters.
	drive(t, b, typeIn(`nav.chats form.search input`, "کتاب پیدا"))
	waitText(t, b, `nav.chats ul.results`, "پيدا كردم")
	screenshot(t, b, "search-fa-text-en.png")
	drive(t, b, click(`ul.results button.result`))
	waitJS(t, b, `(() => { const li = document.querySelector("li.msg.found"); if (!li) return false;
		const r = li.getBoundingClientRect(), box = document.querySelector("ol.messages").getBoundingClientRect();
		return li.querySelector(".text").textContent.includes("كتاب") && r.top >= box.top && r.bottom <= box.bottom; })()`)
	// Nothing found says so.
	drive(t, b, setValue(`nav.chats form.search input`, "zzzz"))
	waitText(t, b, `nav.chats`, "Nothing found")
}
