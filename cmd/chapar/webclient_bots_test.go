package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// These tests drive the web client's side of bots and formatted text: a
// person makes a bot in the settings, starts a chat with it, and uses its
// buttons, keyboards and commands, while the bot is driven from Go with
// raw Bot API calls, as a bot's program would. Helpers are in
// browser_test.go, webclient_test.go and bots_test.go.

// apiBot is a bot's program: raw calls to chapar's Bot API.
type apiBot struct {
	t      *testing.T
	base   string // srv.URL + "/bot" + token + "/"
	offset int64  // the next update to ask for
}

func newAPIBot(t *testing.T, url, token string) *apiBot {
	return &apiBot{t: t, base: url + "/bot" + token + "/"}
}

// call calls a method with JSON parameters and returns its result; an
// error answer fails the test.
func (b *apiBot) call(method string, params map[string]any) any {
	b.t.Helper()
	body, err := json.Marshal(params)
	must(b.t, err)
	status, out := botCall(b.t, "POST", b.base+method, "application/json", string(body))
	if status != 200 || out["ok"] != true {
		b.t.Fatalf("%s %s: %d %v", method, body, status, out)
	}
	return out["result"]
}

// update long-polls for the next update that has kind ("message",
// "callback_query"), confirming the ones before it, and returns what it
// holds.
func (b *apiBot) update(kind string) map[string]any {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		res, _ := b.call("getUpdates", map[string]any{"offset": b.offset, "timeout": 3}).([]any)
		for _, u := range res {
			m := u.(map[string]any)
			b.offset = int64(m["update_id"].(float64)) + 1
			if v, ok := m[kind].(map[string]any); ok {
				return v
			}
		}
	}
	b.t.Fatalf("no %s update in 15 s", kind)
	return nil
}

// send sends a message to a chat and returns its message_id.
func (b *apiBot) send(chatID any, params map[string]any) int64 {
	b.t.Helper()
	params["chat_id"] = chatID
	res := b.call("sendMessage", params).(map[string]any)
	return int64(res["message_id"].(float64))
}

// u16 is the length of s in UTF-16 code units, as entities count.
func u16(s string) int { return len(utf16.Encode([]rune(s))) }

// entity marks the first sub in text as an entity of kind, with extra
// fields (url, language…).
func entity(text, sub, kind string, extra ...string) map[string]any {
	i := strings.Index(text, sub)
	if i < 0 {
		panic(fmt.Sprintf("%q is not in %q", sub, text))
	}
	e := map[string]any{"type": kind, "offset": u16(text[:i]), "length": u16(sub)}
	for j := 0; j+1 < len(extra); j += 2 {
		e[extra[j]] = extra[j+1]
	}
	return e
}

// pageErrors fails the test at its end if the page threw: a mistake in
// the app's code would otherwise show only as a missing element.
func pageErrors(t *testing.T, ctx context.Context) {
	t.Helper()
	var mu sync.Mutex
	var errs []string
	must(t, chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*runtime.EventExceptionThrown); ok {
			msg := e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
			mu.Lock()
			errs = append(errs, msg)
			mu.Unlock()
		}
	}))
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		if len(errs) > 0 {
			t.Errorf("the page threw: %q", errs)
		}
	})
}

// botMsg finds the message li whose text contains text, for a script.
func botMsg(text string) string {
	return fmt.Sprintf(`[...document.querySelectorAll("ol.messages li.msg")].find(li => li.querySelector(".text") && li.querySelector(".text").textContent.includes(%q))`, text)
}

// buttonsOf lists the texts of a message's inline buttons, for a script.
func buttonsOf(msg string) string {
	return `[...((` + msg + `) || document).querySelectorAll(".inline-kb .kb-btn .kb-text")].map(e => e.textContent).join("|")`
}

// clickButton clicks the button (in sel) whose text (a keyboard button's
// label) is text.
func clickButton(t *testing.T, ctx context.Context, sel, text string) {
	t.Helper()
	waitJS(t, ctx, fmt.Sprintf(`(() => { const b = [...document.querySelectorAll(%q)].find(b => (b.querySelector(".kb-text") || b).textContent.trim() === %q); if (b) b.click(); return !!b; })()`, sel, text))
}

// createBotInSettings makes a bot from the settings panel and returns its
// token as the page shows it.
func createBotInSettings(t *testing.T, ctx context.Context, username, name string) string {
	t.Helper()
	drive(t, ctx, click(`button.settings`), chromedp.WaitVisible(chromedp.CSS(`.settings-panel .sessions li`)))
	waitJS(t, ctx, `!!document.querySelector(".my-bots button.new-bot-open")`)
	drive(t, ctx, click(`.my-bots button.new-bot-open`), chromedp.WaitVisible(chromedp.CSS(`.my-bots form.new-bot`)),
		typeIn(`.new-bot input[name=bot-username]`, username), typeIn(`.new-bot input[name=bot-name]`, name),
		click(`.new-bot button.create-bot`))
	waitJS(t, ctx, `/^\d+:[A-Za-z0-9_-]{35}$/.test((document.querySelector(".token-box input.bot-token") || {}).value || "")`)
	return eval[string](t, ctx, `document.querySelector(".token-box input.bot-token").value`)
}

// TestWebClientBotKeyboards: a person makes a bot in the settings (its
// token read from the page works with the Bot API), gives it commands, a
// description and privacy off, and starts a chat with it from there: the
// empty chat says what the bot does and has a Start button, which sends
// "/start" as a command. The bot answers with HTML-formatted text and
// inline buttons: the page shows the formatting and the buttons; a button
// spins until the bot answers, and its answer shows as a toast or an
// alert; a URL button asks before opening its link; the bot changes and
// then removes the buttons; a button the bot never answers gives up. "/"
// shows the commands; a command in a message sends itself; a one-time
// reply keyboard sends a key and hides, comes back with its toggle, and
// remove_keyboard takes a keyboard away. After a reload the formatting is
// still there.
func TestWebClientBotKeyboards(t *testing.T) {
	srv := startServer(t, t.TempDir())
	alice := browser(t)
	pageErrors(t, alice)
	signUpInBrowser(t, alice, srv.URL, "alice_bots")

	// The settings: a username without "bot" is refused by the page; then
	// the bot is made and its token shown once, with how to use it.
	drive(t, alice, click(`button.settings`), chromedp.WaitVisible(chromedp.CSS(`.settings-panel .sessions li`)))
	waitText(t, alice, `.my-bots`, "You have no bots yet.")
	waitText(t, alice, `.my-bots .bots-count`, "0 of 20 bots")
	drive(t, alice, click(`.my-bots button.new-bot-open`), chromedp.WaitVisible(chromedp.CSS(`.my-bots form.new-bot`)),
		typeIn(`.new-bot input[name=bot-username]`, "web_shop"), typeIn(`.new-bot input[name=bot-name]`, "Web Shop"),
		click(`.new-bot button.create-bot`))
	waitText(t, alice, `.my-bots .error`, "must end in “bot”")
	drive(t, alice, setValue(`.new-bot input[name=bot-username]`, "web_shop_bot"), click(`.new-bot button.create-bot`))
	waitJS(t, alice, `/^\d+:[A-Za-z0-9_-]{35}$/.test((document.querySelector(".token-box input.bot-token") || {}).value || "")`)
	token := eval[string](t, alice, `document.querySelector(".token-box input.bot-token").value`)
	if base := eval[string](t, alice, `document.querySelector(".token-box .bot-api-base").textContent`); base != srv.URL {
		t.Fatalf("the Bot API's address on the page is %q, want %q", base, srv.URL)
	}
	waitText(t, alice, `.token-box`, "/bot"+token+"/getMe")
	waitText(t, alice, `.my-bots .bots-count`, "1 of 20 bots")
	screenshot(t, alice, "bots-token-en.png")
	bot := newAPIBot(t, srv.URL, token)
	if me := bot.call("getMe", map[string]any{}).(map[string]any); me["username"] != "web_shop_bot" || me["is_bot"] != true {
		t.Fatalf("getMe with the page's token: %v", me)
	}

	// Description, two commands and privacy off, in the bot's editor.
	drive(t, alice, click(`.token-box button.token-done`), click(`.bots li[data-bot=web_shop_bot] button.edit-bot`),
		chromedp.WaitVisible(chromedp.CSS(`.bot-editor`)),
		setValue(`.bot-editor textarea[name=description]`, "Orders from the web shop, tracked."),
		click(`.bot-editor button.add-command`), click(`.bot-editor button.add-command`), click(`.bot-editor button.add-command`),
		setValue(`.bot-editor .command-row:nth-of-type(1) .command-name`, "/start"),
		setValue(`.bot-editor .command-row:nth-of-type(1) .command-desc`, "Start shopping"),
		setValue(`.bot-editor .command-row:nth-of-type(2) .command-name`, "help"),
		setValue(`.bot-editor .command-row:nth-of-type(2) .command-desc`, "How it works"),
		setValue(`.bot-editor .command-row:nth-of-type(3) .command-name`, "Bad Command"),
		setValue(`.bot-editor .command-row:nth-of-type(3) .command-desc`, "refused"),
		click(`.bot-editor input[name=privacy]`), click(`.bot-editor button.save-bot`))
	waitText(t, alice, `.bot-editor .error`, "/bad command: a command is 1–32 of a–z, 0–9 and _.")
	drive(t, alice, click(`.bot-editor .command-row:nth-of-type(3) button.remove-command`), click(`.bot-editor button.save-bot`))
	waitText(t, alice, `.bot-editor .ok`, "Saved.")
	cmds, _ := json.Marshal(bot.call("getMyCommands", map[string]any{}))
	if string(cmds) != `[{"command":"start","description":"Start shopping"},{"command":"help","description":"How it works"}]` {
		t.Fatalf("getMyCommands after the editor: %s", cmds)
	}
	if me := bot.call("getMe", map[string]any{}).(map[string]any); me["can_read_all_group_messages"] != true {
		t.Fatalf("privacy mode is still on: %v", me)
	}
	if d := bot.call("getMyDescription", map[string]any{}).(map[string]any); d["description"] != "Orders from the web shop, tracked." {
		t.Fatalf("getMyDescription: %v", d)
	}
	screenshot(t, alice, "bots-settings-en.png")
	if bad := unlabelled(t, alice); len(bad) > 0 {
		t.Fatalf("controls without a label in the settings: %q", bad)
	}

	// "Open chat": an empty chat with the bot says what it does and has a
	// big Start button instead of the composer; the bot is marked as one,
	// and cannot be called.
	drive(t, alice, click(`.bots li[data-bot=web_shop_bot] button.open-bot`))
	waitText(t, alice, `main.conversation header strong`, "Web Shop")
	waitText(t, alice, `main.conversation header .bot-badge`, "bot")
	waitText(t, alice, `nav.chats button.chat .bot-badge`, "bot")
	waitText(t, alice, `ol.messages .bot-intro`, "Orders from the web shop, tracked.")
	waitText(t, alice, `.start-bar button.start-bot`, "Start")
	if eval[bool](t, alice, `!!document.querySelector("form.composer, header .call-voice, header .call-video")`) {
		t.Fatal("an empty chat with a bot has a composer or call buttons")
	}
	screenshot(t, alice, "bots-start-en.png")
	drive(t, alice, click(`.start-bar button.start-bot`))
	start := bot.update("message")
	ents, _ := json.Marshal(start["entities"])
	if start["text"] != "/start" || string(ents) != `[{"length":6,"offset":0,"type":"bot_command"}]` {
		t.Fatalf("the bot got %v %s; want /start as a bot_command", start["text"], ents)
	}
	chatID := start["chat"].(map[string]any)["id"]
	waitJS(t, alice, `!!document.querySelector("form.composer textarea") && !document.querySelector(".start-bar")`)

	// HTML from the bot, with buttons under it.
	order := bot.send(chatID, map[string]any{
		"text":       `<b>Order #7</b> is ready: <a href="https://shop.example.com/o/7">track it</a>, pick-up code <code>A-7</code>`,
		"parse_mode": "HTML",
		"reply_markup": map[string]any{"inline_keyboard": [][]map[string]any{{
			{"text": "Confirm", "callback_data": "confirm:7"}, {"text": "Track", "url": "https://shop.example.com/t/7"},
		}}},
	})
	msg := botMsg("Order #7 is ready")
	waitJS(t, alice, `!!(`+msg+`)`)
	if got := eval[string](t, alice, `(() => { const li = `+msg+`, a = li.querySelector(".text a");
		return [li.querySelector(".text b, .text strong").textContent, a.getAttribute("href"), a.textContent, a.target, a.rel,
			li.querySelector(".text code").textContent, li.querySelector(".text").textContent].join("|"); })()`); got !=
		"Order #7|https://shop.example.com/o/7|track it|_blank|noopener noreferrer|A-7|Order #7 is ready: track it, pick-up code A-7" {
		t.Fatalf("the formatted message shows as %q", got)
	}
	waitJS(t, alice, buttonsOf(msg)+` === "Confirm|Track"`)
	if n := eval[int](t, alice, `document.querySelectorAll("ol.messages b, ol.messages a, ol.messages code").length`); n != 3 {
		t.Fatalf("%d formatting elements in the history, want 3", n)
	}
	screenshot(t, alice, "bots-message-en.png")

	// A callback button spins until the bot answers; the answer is a toast.
	clickButton(t, alice, `.inline-kb .kb-btn`, "Confirm")
	waitJS(t, alice, `!!document.querySelector(".kb-btn[aria-busy=true] .spinner")`)
	cq := bot.update("callback_query")
	if cq["data"] != "confirm:7" || int64(cq["message"].(map[string]any)["message_id"].(float64)) != order ||
		cq["from"].(map[string]any)["username"] != "alice_bots" {
		t.Fatalf("callback query: %v", cq)
	}
	if !eval[bool](t, alice, `!!document.querySelector(".kb-btn[aria-busy=true] .spinner")`) {
		t.Fatal("the spinner went before the bot answered")
	}
	bot.call("answerCallbackQuery", map[string]any{"callback_query_id": cq["id"], "text": "Order confirmed ✓"})
	waitText(t, alice, `.toasts`, "Order confirmed ✓")
	waitJS(t, alice, `!document.querySelector(".kb-btn[aria-busy=true]")`)
	screenshot(t, alice, "bots-toast-en.png")

	// A URL button asks first; Cancel opens nothing, Open opens a new tab
	// without an opener.
	eval[bool](t, alice, `(() => { window.__opened = []; window.open = (u, n, f) => { window.__opened.push([u, n, f].join(" ")); return null; }; return true; })()`)
	clickButton(t, alice, `.inline-kb .kb-btn`, "Track")
	waitText(t, alice, `.dialog .dialog-text`, "Open this link?")
	waitText(t, alice, `.dialog .dialog-detail`, "https://shop.example.com/t/7")
	screenshot(t, alice, "bots-link-en.png")
	drive(t, alice, click(`.dialog button.cancel`))
	waitJS(t, alice, `!document.querySelector(".dialog") && window.__opened.length === 0`)
	clickButton(t, alice, `.inline-kb .kb-btn`, "Track")
	drive(t, alice, chromedp.WaitVisible(chromedp.CSS(`.dialog button.dialog-ok`)), click(`.dialog button.dialog-ok`))
	waitJS(t, alice, `window.__opened.join() === "https://shop.example.com/t/7 _blank noopener,noreferrer"`)

	// The bot changes the buttons; an answer with show_alert is a dialog.
	bot.call("editMessageReplyMarkup", map[string]any{"chat_id": chatID, "message_id": order, "reply_markup": map[string]any{
		"inline_keyboard": [][]map[string]any{{{"text": "Done ✓", "callback_data": "done"}}, {{"text": "Rate us", "callback_data": "rate"}}}}})
	waitJS(t, alice, buttonsOf(msg)+` === "Done ✓|Rate us"`)
	clickButton(t, alice, `.inline-kb .kb-btn`, "Rate us")
	cq = bot.update("callback_query")
	bot.call("answerCallbackQuery", map[string]any{"callback_query_id": cq["id"], "text": "Thanks for rating us!", "show_alert": true})
	waitText(t, alice, `.dialog[role=alertdialog] .dialog-text`, "Thanks for rating us!")
	drive(t, alice, click(`.dialog button.dialog-ok`))
	waitJS(t, alice, `!document.querySelector(".dialog")`)

	// A button the bot does not answer stops spinning after about 10 s,
	// quietly.
	toasts := eval[string](t, alice, `document.querySelector(".toasts").textContent`)
	clickButton(t, alice, `.inline-kb .kb-btn`, "Done ✓")
	pressed := time.Now()
	waitJS(t, alice, `!!document.querySelector(".kb-btn[aria-busy=true]")`)
	if cq = bot.update("callback_query"); cq["data"] != "done" {
		t.Fatalf("callback query: %v", cq)
	}
	waitJSFor(t, alice, `!document.querySelector(".kb-btn[aria-busy=true]")`, 15*time.Second)
	if waited := time.Since(pressed); waited < 9*time.Second {
		t.Fatalf("the spinner gave up after %s", waited)
	}
	if now := eval[string](t, alice, `document.querySelector(".toasts").textContent`); now != "" && now != toasts {
		t.Fatalf("giving up said %q", now)
	}

	// An edit without reply_markup takes the buttons away.
	bot.call("editMessageText", map[string]any{"chat_id": chatID, "message_id": order, "text": "Order #7 is delivered.", "entities": []any{
		entity("Order #7 is delivered.", "delivered", "italic")}})
	waitJS(t, alice, `(() => { const li = `+botMsg("Order #7 is delivered.")+`; return !!li && !li.querySelector(".inline-kb") && li.querySelector(".text i").textContent === "delivered"; })()`)

	// "/" shows the bot's commands; typing narrows them; Enter sends one.
	drive(t, alice, typeIn(`form.composer textarea`, "/"))
	waitJS(t, alice, `[...document.querySelectorAll(".command-menu .command-item .cmd")].map(e => e.textContent).join() === "/start,/help"`)
	screenshot(t, alice, "bots-commands-en.png")
	drive(t, alice, typeIn(`form.composer textarea`, "h"))
	waitJS(t, alice, `[...document.querySelectorAll(".command-menu .command-item .cmd")].map(e => e.textContent).join() === "/help"`)
	drive(t, alice, typeIn(`form.composer textarea`, kb.Enter))
	if m := bot.update("message"); m["text"] != "/help" {
		t.Fatalf("the menu sent %v", m["text"])
	}
	// (chromedp types Enter's character after the key, which a browser
	// does not once the key is taken: hence trim.)
	waitJS(t, alice, `document.querySelector("form.composer textarea").value.trim() === "" && !document.querySelector(".command-menu")`)

	// A command in a message (typed, so without entities) is clickable in
	// a chat with a bot, and sends itself.
	bot.send(chatID, map[string]any{"text": "Send /cancel to stop."})
	waitJS(t, alice, `!!(`+botMsg("Send /cancel to stop.")+`)`)
	drive(t, alice, setValue(`form.composer textarea`, ""))
	clickButton(t, alice, `.text button.command`, "/cancel")
	if m := bot.update("message"); m["text"] != "/cancel" {
		t.Fatalf("clicking a command sent %v", m["text"])
	}

	// A one-time reply keyboard: a key sends its text, then it hides; the
	// toggle brings it back.
	bot.send(chatID, map[string]any{"text": "Tea or coffee?", "reply_markup": map[string]any{
		"keyboard":          [][]map[string]any{{{"text": "Tea"}, {"text": "Coffee"}}, {{"text": "Nothing, thanks"}}},
		"one_time_keyboard": true, "resize_keyboard": true, "input_field_placeholder": "Pick a drink"}})
	waitJS(t, alice, `[...document.querySelectorAll(".reply-kb .kb-btn")].map(e => e.textContent).join("|") === "Tea|Coffee|Nothing, thanks"`)
	if ph := eval[string](t, alice, `document.querySelector("form.composer textarea").placeholder`); ph != "Pick a drink" {
		t.Fatalf("placeholder %q", ph)
	}
	if bad := unlabelled(t, alice); len(bad) > 0 {
		t.Fatalf("controls without a label in a chat with a bot: %q", bad)
	}
	screenshot(t, alice, "bots-keyboard-en.png")
	clickButton(t, alice, `.reply-kb .kb-btn`, "Coffee")
	if m := bot.update("message"); m["text"] != "Coffee" {
		t.Fatalf("the key sent %v", m["text"])
	}
	waitJS(t, alice, `!document.querySelector(".reply-kb") && document.querySelector("form.composer .kb-toggle").getAttribute("aria-pressed") === "false"`)
	drive(t, alice, click(`form.composer .kb-toggle`))
	waitJS(t, alice, `!!document.querySelector(".reply-kb") && document.querySelector("form.composer .kb-toggle").getAttribute("aria-pressed") === "true"`)
	drive(t, alice, click(`form.composer .kb-toggle`))
	waitJS(t, alice, `!document.querySelector(".reply-kb")`)

	// A keyboard that stays, taken away by remove_keyboard.
	bot.send(chatID, map[string]any{"text": "Anything else?", "reply_markup": map[string]any{"keyboard": [][]string{{"Yes", "No"}}}})
	waitJS(t, alice, `[...document.querySelectorAll(".reply-kb .kb-btn")].map(e => e.textContent).join("|") === "Yes|No"`)
	clickButton(t, alice, `.reply-kb .kb-btn`, "No")
	if m := bot.update("message"); m["text"] != "No" {
		t.Fatalf("the key sent %v", m["text"])
	}
	waitJS(t, alice, `!!document.querySelector(".reply-kb")`) // not one-time: it stays
	bot.send(chatID, map[string]any{"text": "Bye!", "reply_markup": map[string]any{"remove_keyboard": true}})
	waitJS(t, alice, `!!(`+botMsg("Bye!")+`) && !document.querySelector(".reply-kb") && !document.querySelector(".kb-toggle")`)

	// After a reload, the history keeps the formatting.
	drive(t, alice, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`nav.chats`)))
	waitJS(t, alice, `(() => { const li = `+botMsg("Order #7 is delivered.")+`; return !!li && li.querySelector(".text i").textContent === "delivered"; })()`)
	if eval[bool](t, alice, `!!document.querySelector(".reply-kb")`) {
		t.Fatal("a removed keyboard came back after a reload")
	}
	screenshot(t, alice, "bots-chat-en.png")
}

// TestWebClientBotPersian: the same screens in Persian, right to left: the
// settings (the token, the editor, the bot count in Persian digits), the
// Start screen, a message whose entities fall on Persian text and emoji
// (offsets in UTF-16, overlapping), a Persian button and its Persian
// answer, a Persian reply keyboard, the command menu, the link question,
// and all of it on a 360 px phone.
func TestWebClientBotPersian(t *testing.T) {
	srv := startServer(t, t.TempDir())
	persianUser(t, srv.URL, "sara_bots", "سارا")
	b := browser(t)
	pageErrors(t, b)
	signInBrowser(t, b, srv.URL, "sara_bots")
	inPersian(t, b)

	token := createBotInSettings(t, b, "cafe_fa_bot", "کافه")
	waitText(t, b, `.my-bots .bots-count`, "۱ ربات از ۲۰")
	waitText(t, b, `.token-box`, "توکن @cafe_fa_bot")
	screenshot(t, b, "bots-token-fa.png")
	bot := newAPIBot(t, srv.URL, token)
	drive(t, b, click(`.token-box button.token-done`), click(`.bots li[data-bot=cafe_fa_bot] button.edit-bot`),
		chromedp.WaitVisible(chromedp.CSS(`.bot-editor`)),
		setValue(`.bot-editor textarea[name=description]`, "سفارش قهوه و چای، بی‌صف."),
		click(`.bot-editor button.add-command`), click(`.bot-editor button.add-command`),
		setValue(`.bot-editor .command-row:nth-of-type(1) .command-name`, "menu"),
		setValue(`.bot-editor .command-row:nth-of-type(1) .command-desc`, "منوی امروز"),
		setValue(`.bot-editor .command-row:nth-of-type(2) .command-name`, "order"),
		setValue(`.bot-editor .command-row:nth-of-type(2) .command-desc`, "پیگیری سفارش"),
		click(`.bot-editor button.save-bot`))
	waitText(t, b, `.bot-editor .ok`, "ذخیره شد.")
	screenshot(t, b, "bots-settings-fa.png")

	drive(t, b, click(`.bots li[data-bot=cafe_fa_bot] button.open-bot`))
	waitText(t, b, `main.conversation header .bot-badge`, "ربات")
	waitText(t, b, `ol.messages .bot-intro`, "این ربات چه کارهایی می‌کند؟")
	waitText(t, b, `.start-bar button.start-bot`, "شروع")
	screenshot(t, b, "bots-start-fa.png")
	drive(t, b, click(`.start-bar button.start-bot`))
	chatID := bot.update("message")["chat"].(map[string]any)["id"]

	// Entities over Persian text and emoji: ☕️ is two code points, 🎉 one
	// outside the BMP (two UTF-16 units); bold and underline overlap.
	text := "سفارش ☕️ شما آماده است! 🎉 کد پیگیری: ۴۲ — جزئیات در سایت"
	order := bot.send(chatID, map[string]any{"text": text, "entities": []any{
		entity(text, "سفارش ☕️ شما", "bold"),
		entity(text, "شما آماده", "underline"),
		entity(text, "🎉 کد پیگیری", "italic"),
		entity(text, "۴۲", "code"),
		entity(text, "سایت", "text_link", "url", "https://cafe.example.ir/o/42"),
	}, "reply_markup": map[string]any{"inline_keyboard": [][]map[string]any{
		{{"text": "تایید سفارش", "callback_data": "ok:42"}}, {{"text": "لغو", "callback_data": "cancel:42"}, {"text": "منو", "url": "https://cafe.example.ir/menu"}}}}})
	msg := botMsg("سفارش ☕️ شما آماده است!")
	waitJS(t, b, `!!(`+msg+`)`)
	// Which text is bold, underlined (the overlap "شما" both, however the
	// elements nest), italic, code, a link.
	got := eval[string](t, b, `(() => { const li = `+msg+`, q = (s) => [...li.querySelectorAll(".text " + s)].map(e => e.textContent).join("");
		const both = [...li.querySelectorAll(".text b, .text u")].filter(e => e.closest("b") && e.closest("u")).map(e => e.textContent).join("");
		return [q("b"), q("u"), both, q("i"), q("code"), q("a"), li.querySelector(".text a").href, li.querySelector(".text").textContent, getComputedStyle(li.querySelector(".text")).direction].join("|"); })()`)
	if want := "سفارش ☕️ شما|شما آماده|شما|🎉 کد پیگیری|۴۲|سایت|https://cafe.example.ir/o/42|" + text + "|rtl"; got != want {
		t.Fatalf("Persian entities show as\n%q\nwant\n%q", got, want)
	}
	waitJS(t, b, buttonsOf(msg)+` === "تایید سفارش|لغو|منو"`)

	// A Persian button, a Persian answer.
	clickButton(t, b, `.inline-kb .kb-btn`, "تایید سفارش")
	cq := bot.update("callback_query")
	if cq["data"] != "ok:42" || int64(cq["message"].(map[string]any)["message_id"].(float64)) != order {
		t.Fatalf("callback query: %v", cq)
	}
	bot.call("answerCallbackQuery", map[string]any{"callback_query_id": cq["id"], "text": "سفارش شما ثبت شد ✓"})
	waitText(t, b, `.toasts`, "سفارش شما ثبت شد ✓")
	screenshot(t, b, "bots-message-fa.png")

	// A text_link hides its address: clicking it asks first, in Persian.
	eval[bool](t, b, `(() => { window.__opened = []; window.open = (u) => { window.__opened.push(u); return null; }; return true; })()`)
	clickButton(t, b, `ol.messages .text a`, "سایت")
	waitText(t, b, `.dialog .dialog-text`, "این پیوند باز شود؟")
	waitText(t, b, `.dialog .dialog-detail`, "https://cafe.example.ir/o/42")
	screenshot(t, b, "bots-link-fa.png")
	drive(t, b, click(`.dialog button.cancel`))
	waitJS(t, b, `!document.querySelector(".dialog") && window.__opened.length === 0`)

	// A Persian reply keyboard, as tall as a phone's.
	bot.send(chatID, map[string]any{"text": "چه می‌نوشید؟", "reply_markup": map[string]any{
		"keyboard":                [][]string{{"☕️ قهوه", "🍵 چای"}, {"بازگشت"}},
		"input_field_placeholder": "نوشیدنی را انتخاب کنید"}})
	waitJS(t, b, `[...document.querySelectorAll(".reply-kb .kb-btn")].map(e => e.textContent).join("|") === "☕️ قهوه|🍵 چای|بازگشت"`)
	waitJS(t, b, `document.querySelector("form.composer textarea").placeholder === "نوشیدنی را انتخاب کنید"`)
	if l := eval[string](t, b, `document.querySelector("form.composer .kb-toggle").getAttribute("aria-label")`); l != "پنهان کردن صفحه‌کلید ربات" {
		t.Fatalf("the toggle's label %q", l)
	}
	screenshot(t, b, "bots-keyboard-fa.png")
	clickButton(t, b, `.reply-kb .kb-btn`, "🍵 چای")
	if m := bot.update("message"); m["text"] != "🍵 چای" {
		t.Fatalf("the key sent %v", m["text"])
	}

	// The command menu, in a right-to-left page.
	drive(t, b, typeIn(`form.composer textarea`, "/"))
	waitJS(t, b, `[...document.querySelectorAll(".command-menu .command-item")].map(e => e.textContent).join("|") === "/menuمنوی امروز|/orderپیگیری سفارش"`)
	screenshot(t, b, "bots-commands-fa.png")
	drive(t, b, typeIn(`form.composer textarea`, kb.Escape))
	waitJS(t, b, `!document.querySelector(".command-menu")`)
	drive(t, b, setValue(`form.composer textarea`, ""))

	// On a 360 px phone it all fits.
	drive(t, b, chromedp.EmulateViewport(360, 740))
	waitJS(t, b, noOverflow)
	waitJS(t, b, `!!document.querySelector(".reply-kb") && document.querySelector(".reply-kb").getBoundingClientRect().right <= window.innerWidth`)
	screenshot(t, b, "phone-bots-fa.png")
}

// TestWebClientBotRichText checks the client's own guards, with messages
// the server would refuse (it takes only http, https and tg links) put
// into a history page on its way to the page (DevTools' Fetch domain), so
// that they come through the app's own code: a text_link or url to
// javascript:, data: or vbscript: is never a link, and clicking it runs
// nothing; nested and overlapping entities nest properly; a pre block's
// language cannot add an attribute; a spoiler hides its text until
// clicked, and in the chat list.
func TestWebClientBotRichText(t *testing.T) {
	srv := startServer(t, t.TempDir())
	_, bob := newUser(t, srv.URL, "bob_rich")
	alice := browser(t)
	pageErrors(t, alice)
	signUpInBrowser(t, alice, srv.URL, "alice_rich")

	type msg struct {
		text     string
		entities []any
	}
	bold := "bold both italic"
	emoji := "👍🏽 great 🇮🇷 job"
	msgs := []msg{
		{"click me", []any{entity("click me", "click me", "text_link", "url", "javascript:window.__pwned=1")}},
		{"or me", []any{entity("or me", "or me", "text_link", "url", " JaVaScRiPt:window.__pwned=2")}},
		{"data too", []any{entity("data too", "data too", "text_link", "url", "data:text/html,<script>window.__pwned=3</script>")}},
		{"vb as well", []any{entity("vb as well", "vb as well", "text_link", "url", "vbscript:msgbox(1)")}},
		{"javascript:window.__pwned=4", []any{entity("javascript:window.__pwned=4", "javascript:window.__pwned=4", "url")}},
		{"tabbed", []any{entity("tabbed", "tabbed", "text_link", "url", "\tjava\nscript:window.__pwned=5")}},
		{"safe link", []any{entity("safe link", "safe link", "text_link", "url", "https://example.com/ok")}},
		{"see example.com/a", []any{entity("see example.com/a", "example.com/a", "url")}},
		{bold, []any{entity(bold, "bold both", "bold"), entity(bold, "both italic", "italic")}},
		{"quoted bold text", []any{entity("quoted bold text", "quoted bold text", "blockquote"), entity("quoted bold text", "bold", "bold")}},
		{"func main() {}", []any{entity("func main() {}", "func main() {}", "pre", "language", `go" onmouseover="window.__pwned=6`)}},
		{emoji, []any{entity(emoji, "great", "bold"), entity(emoji, "🇮🇷 job", "underline")}},
		{"the butler did it", []any{entity("the butler did it", "butler", "spoiler")}},
	}
	var evs []map[string]any
	for i, m := range msgs {
		evs = append(evs, map[string]any{"pos": 1000 + i, "chat_id": 0, "seq": i + 2, "type": "message", "actor_id": bob.ID,
			"date": time.Now().UTC().Format(time.RFC3339Nano), "text": m.text, "entities": m.entities})
	}

	// History pages of the chat are answered with these messages.
	paused := make(chan *fetch.EventRequestPaused, 16)
	must(t, chromedp.Listen(alice, func(ev any) {
		if e, ok := ev.(*fetch.EventRequestPaused); ok {
			select {
			case paused <- e:
			default:
			}
		}
	}))
	_, err := chromedp.Call(alice, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*/v1/chats/*/messages?*"}}})
	must(t, err)
	go func() {
		for {
			select {
			case e := <-paused:
				var chatID int64
				fmt.Sscanf(e.Request.URL[strings.Index(e.Request.URL, "/v1/chats/")+len("/v1/chats/"):], "%d", &chatID)
				for _, ev := range evs {
					ev["chat_id"] = chatID
				}
				body, _ := json.Marshal(map[string]any{"messages": evs})
				chromedp.Call(alice, fetch.FulfillRequest, fetch.FulfillRequestParams{RequestID: e.RequestID, ResponseCode: http.StatusOK,
					ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: "application/json"}}, Body: body})
			case <-alice.Done():
				return
			}
		}
	}()

	drive(t, alice, typeIn(`nav.chats input`, "@bob_rich"+kb.Enter))
	waitJS(t, alice, `document.querySelectorAll("ol.messages li.msg").length === 13`)

	// Only the https link, and example.com/a as http, are links.
	links := eval[string](t, alice, `[...document.querySelectorAll("ol.messages a")].map(a => a.getAttribute("href")).join(" ")`)
	if links != "https://example.com/ok http://example.com/a" {
		t.Fatalf("links in the history: %q", links)
	}
	if n := eval[int](t, alice, `[...document.querySelectorAll("[href], [src], [action], [formaction]")].filter(e => /^\s*(javascript|data|vbscript):/i.test(e.getAttribute("href") || e.getAttribute("src") || e.getAttribute("action") || e.getAttribute("formaction") || "")).length`); n != 0 {
		t.Fatalf("%d elements point at a script", n)
	}
	if n := eval[int](t, alice, `document.querySelectorAll("ol.messages .not-link").length`); n != 6 {
		t.Fatalf("%d refused links shown as text, want 6", n)
	}
	before := eval[string](t, alice, `location.href`)
	eval[bool](t, alice, `(() => { document.querySelectorAll("ol.messages .not-link, ol.messages .text").forEach(e => e.click()); return true; })()`)
	time.Sleep(300 * time.Millisecond)
	if pwned := eval[string](t, alice, `String(window.__pwned)`); pwned != "undefined" {
		t.Fatalf("a link ran a script: __pwned = %s", pwned)
	}
	if after := eval[string](t, alice, `location.href`); after != before {
		t.Fatalf("clicking went to %s", after)
	}
	if eval[bool](t, alice, `!!document.querySelector(".dialog")`) {
		t.Fatal("a refused link asked to be opened")
	}

	// Nesting, as the elements show it.
	html := func(text string) string {
		return eval[string](t, alice, botMsg(text)+`.querySelector(".text").innerHTML`)
	}
	for text, want := range map[string]string{
		bold:               `<b>bold <i>both</i></b><i> italic</i>`,
		"quoted bold text": `<blockquote>quoted <b>bold</b> text</blockquote>`,
		"func main() {}":   `<pre dir="ltr"><code class="language-goonmouseoverwindow.__pwned6">func main() {}</code></pre>`,
		emoji:              `👍🏽 <b>great</b> <u>🇮🇷 job</u>`,
	} {
		if got := html(text); got != want {
			t.Errorf("%q shows as %s, want %s", text, got, want)
		}
	}

	// A spoiler hides its text (here and in the chat list) until clicked.
	spoiler := botMsg("the butler did it") + `.querySelector(".spoiler")`
	if got := eval[string](t, alice, `getComputedStyle(`+spoiler+`).color`); got != "rgba(0, 0, 0, 0)" {
		t.Fatalf("a hidden spoiler's colour is %s", got)
	}
	msgAction(t, alice, "the butler did it", "reply")
	waitText(t, alice, `form.composer .context`, "the ▒▒▒▒▒▒ did it")
	screenshot(t, alice, "rich-text-en.png")
	drive(t, alice, click(`ol.messages .spoiler`))
	waitJS(t, alice, botMsg("the butler did it")+`.querySelector(".spoiler.revealed") && getComputedStyle(`+botMsg("the butler did it")+`.querySelector(".spoiler")).color !== "rgba(0, 0, 0, 0)"`)
}
