package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/chapar/chapar/client"
)

// newBot makes a bot owned by a new user and returns the owner's client
// and the bot as its owner sees it (with its token).
func newBot(t *testing.T, base, owner, username string) (*client.Client, *client.Bot) {
	t.Helper()
	c, _ := newUser(t, base, owner)
	b, err := c.CreateBot(bg, username, "Echo")
	if err != nil {
		t.Fatal(err)
	}
	return c, b
}

// botLib is the go-telegram-bot-api library (unmodified, from the module
// proxy) pointed at chapar by its endpoint option.
func botLib(t *testing.T, base, token string) *tgbotapi.BotAPI {
	t.Helper()
	api, err := tgbotapi.NewBotAPIWithAPIEndpoint(token, base+"/bot%s/%s")
	if err != nil {
		t.Fatalf("the library's getMe: %v", err)
	}
	return api
}

// TestBotLibraryEcho: a bot written with go-telegram-bot-api echoes what a
// user writes to it, by long polling; updates it has not confirmed are
// given again, also after a server restart; confirmed ones are not.
func TestBotLibraryEcho(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, dir)
	_, b := newBot(t, srv.URL, "echo_owner", "echo_bot")
	if !strings.Contains(b.Token, ":") || len(b.Token[strings.Index(b.Token, ":")+1:]) != 35 {
		t.Fatalf("token %q is not of Telegram's form", b.Token)
	}
	bot := botLib(t, srv.URL, b.Token)
	if bot.Self.UserName != "echo_bot" || !bot.Self.IsBot || bot.Self.ID != b.ID {
		t.Fatalf("getMe: %+v", bot.Self)
	}
	alice, _ := newUser(t, srv.URL, "echo_alice")
	dm, err := alice.CreateDirect(bg, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	as, _ := connect(t, alice, nil)
	if _, err := alice.Send(bg, dm.ID, client.SendRequest{ClientID: "h1", Text: "سلام ربات"}); err != nil {
		t.Fatal(err)
	}
	updates := bot.GetUpdatesChan(tgbotapi.UpdateConfig{Timeout: 1})
	var u tgbotapi.Update
	select {
	case u = <-updates:
	case <-time.After(10 * time.Second):
		t.Fatal("no update in 10 s")
	}
	if u.Message == nil || u.Message.Text != "سلام ربات" || u.Message.From.UserName != "echo_alice" || u.Message.Chat.Type != "private" ||
		u.Message.Chat.ID != u.Message.From.ID {
		t.Fatalf("update: %+v", u.Message)
	}
	reply := tgbotapi.NewMessage(u.Message.Chat.ID, "echo: "+u.Message.Text)
	reply.ReplyToMessageID = u.Message.MessageID
	sent, err := bot.Send(reply)
	if err != nil || sent.Text != "echo: سلام ربات" || sent.ReplyToMessage == nil || sent.ReplyToMessage.MessageID != u.Message.MessageID {
		t.Fatalf("send: %+v %v", sent, err)
	}
	ev := nextEvent(t, as, isMessage("echo: سلام ربات"))
	if ev.ActorID != b.ID || ev.ReplyTo != int64(u.Message.MessageID) {
		t.Fatalf("alice got %+v", ev)
	}
	// The library confirms by asking with offset = last + 1; then it stops.
	time.Sleep(1500 * time.Millisecond)
	bot.StopReceivingUpdates()
	time.Sleep(1500 * time.Millisecond) // its last long poll ends
	for _, text := range []string{"second", "third"} {
		if _, err := alice.Send(bg, dm.ID, client.SendRequest{ClientID: text, Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	srv.stop()
	srv = startServerAt(t, dir, strings.TrimPrefix(srv.URL, "http://"))
	bot = botLib(t, srv.URL, b.Token)
	texts := func(ups []tgbotapi.Update) string {
		var out []string
		for _, u := range ups {
			out = append(out, u.Message.Text)
		}
		return strings.Join(out, ",")
	}
	ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || texts(ups) != "second,third" {
		t.Fatalf("after a restart: %q %v", texts(ups), err)
	}
	again, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || texts(again) != "second,third" {
		t.Fatalf("unconfirmed, asked again: %q %v", texts(again), err)
	}
	last := ups[len(ups)-1].UpdateID
	if ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: last + 1}); err != nil || len(ups) != 0 {
		t.Fatalf("after confirming: %q %v", texts(ups), err)
	}
	if ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{}); err != nil || len(ups) != 0 {
		t.Fatalf("confirmed updates came back: %q %v", texts(ups), err)
	}
}

// botCall calls a Bot API method with raw HTTP and returns the status and
// the decoded answer.
func botCall(t *testing.T, method, rawURL, contentType, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, rawURL, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s %s: %d %s", method, rawURL, resp.StatusCode, b)
	}
	return resp.StatusCode, out
}

// TestBotAPITransportAndErrors: parameters as a query string, a form, JSON
// and multipart; Telegram's error shape and codes.
func TestBotAPITransportAndErrors(t *testing.T) {
	srv := startServer(t, t.TempDir())
	owner, b := newBot(t, srv.URL, "tr_owner", "transport_bot")
	alice, aliceU := newUser(t, srv.URL, "tr_alice")
	_, strangerU := newUser(t, srv.URL, "tr_stranger")
	if _, err := alice.CreateDirect(bg, b.ID); err != nil {
		t.Fatal(err)
	}
	base := srv.URL + "/bot" + b.Token + "/"
	chat := url.Values{"chat_id": {itoa(aliceU.ID)}, "text": {"hi from a form"}}
	for _, tc := range []struct {
		name, method, path, ctype, body string
	}{
		{"query string", "GET", "sendMessage?" + url.Values{"chat_id": {itoa(aliceU.ID)}, "text": {"hi from a query"}}.Encode(), "", ""},
		{"form", "POST", "sendMessage", "application/x-www-form-urlencoded", chat.Encode()},
		{"json", "POST", "sendMessage", "application/json", `{"chat_id":` + itoa(aliceU.ID) + `,"text":"hi from JSON"}`},
		{"multipart", "POST", "sendMessage", "multipart/form-data; boundary=XX",
			"--XX\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n" + itoa(aliceU.ID) +
				"\r\n--XX\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nhi from multipart\r\n--XX--\r\n"},
		{"case-insensitive method", "POST", "SENDMESSAGE", "application/json", `{"chat_id":"` + itoa(aliceU.ID) + `","text":"hi again"}`},
	} {
		status, out := botCall(t, tc.method, base+tc.path, tc.ctype, tc.body)
		res, _ := out["result"].(map[string]any)
		if status != 200 || out["ok"] != true || res == nil || res["message_id"] == nil {
			t.Errorf("%s: %d %v", tc.name, status, out)
		}
	}
	time.Sleep(1100 * time.Millisecond) // five sends used the private chat's burst (TestBotSendLimits)
	for _, tc := range []struct {
		name, path, body string
		code             int
		description      string
	}{
		{"unknown method", "frobnicate", `{}`, 404, "Not Found: method not found"},
		{"no text", "sendMessage", `{"chat_id":` + itoa(aliceU.ID) + `}`, 400, "Bad Request: message text is empty"},
		{"no chat", "sendMessage", `{"text":"x"}`, 400, "Bad Request: chat_id is empty"},
		{"unknown chat", "sendMessage", `{"chat_id":-1000000099999,"text":"x"}`, 400, "Bad Request: chat not found"},
		{"user who never wrote", "sendMessage", `{"chat_id":` + itoa(strangerU.ID) + `,"text":"x"}`, 403,
			"Forbidden: bot can't initiate conversation with a user"},
		{"bad JSON", "sendMessage", `{"chat_id":`, 400, "Bad Request: can't parse JSON object"},
		{"reply to nothing", "sendMessage", `{"chat_id":` + itoa(aliceU.ID) + `,"text":"x","reply_to_message_id":999}`, 400,
			"Bad Request: message to be replied not found"},
		{"edit nothing", "editMessageText", `{"chat_id":` + itoa(aliceU.ID) + `,"message_id":999,"text":"x"}`, 400,
			"Bad Request: message to edit not found"},
		{"delete nothing", "deleteMessage", `{"chat_id":` + itoa(aliceU.ID) + `,"message_id":999}`, 400,
			"Bad Request: message to delete not found"},
		{"bad action", "sendChatAction", `{"chat_id":` + itoa(aliceU.ID) + `,"action":"dancing"}`, 400,
			"Bad Request: wrong parameter action in request"},
		{"bad commands", "setMyCommands", `{"commands":[{"command":"Bad Command","description":"x"}]}`, 400, ""},
	} {
		status, out := botCall(t, "POST", base+tc.path, "application/json", tc.body)
		if status != tc.code || out["ok"] != false || out["error_code"] != float64(tc.code) ||
			(tc.description != "" && out["description"] != tc.description) {
			t.Errorf("%s: %d %v; want %d %q", tc.name, status, out, tc.code, tc.description)
		}
	}
	// Its name, by the Bot API.
	if status, out := botCall(t, "POST", base+"setMyName", "application/json", `{"name":"ربات آزمایش"}`); status != 200 || out["result"] != true {
		t.Fatalf("setMyName: %d %v", status, out)
	}
	if status, out := botCall(t, "GET", base+"getMe", "", ""); status != 200 || out["result"].(map[string]any)["first_name"] != "ربات آزمایش" {
		t.Fatalf("getMe after setMyName: %d %v", status, out)
	}
	// Anyone may read a bot's menu and description.
	if status, out := botCall(t, "POST", base+"setMyCommands", "application/json",
		`{"commands":[{"command":"menu","description":"فهرست"}]}`); status != 200 || out["result"] != true {
		t.Fatalf("setMyCommands: %d %v", status, out)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/v1/users/"+itoa(b.ID), nil)
	req.Header.Set("Authorization", "Bearer "+alice.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var seen struct {
		IsBot bool `json:"is_bot"`
		Bot   struct {
			Commands []client.BotCommand `json:"commands"`
		} `json:"bot"`
	}
	json.NewDecoder(resp.Body).Decode(&seen)
	resp.Body.Close()
	if !seen.IsBot || len(seen.Bot.Commands) != 1 || seen.Bot.Commands[0].Description != "فهرست" {
		t.Fatalf("the bot as alice sees it: %+v", seen)
	}
	// A wrong token: 401, the same shape.
	bad := srv.URL + "/bot" + itoa(b.ID) + ":AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/getMe"
	if status, out := botCall(t, "GET", bad, "", ""); status != 401 || out["description"] != "Unauthorized" {
		t.Errorf("wrong token: %d %v", status, out)
	}
	// A renewed token works; the old one no longer.
	renewed, err := owner.RenewBotToken(bg, b.ID)
	if err != nil || renewed.Token == b.Token {
		t.Fatalf("renew: %+v %v", renewed, err)
	}
	if status, _ := botCall(t, "GET", base+"getMe", "", ""); status != 401 {
		t.Errorf("the old token after renewal: %d", status)
	}
	if status, out := botCall(t, "GET", srv.URL+"/bot"+renewed.Token+"/getMe", "", ""); status != 200 || out["ok"] != true {
		t.Errorf("the new token: %d %v", status, out)
	}
	// Only the owner renews; bots' usernames end in "bot".
	if _, err := alice.RenewBotToken(bg, b.ID); !client.IsCode(err, "not_found") {
		t.Errorf("someone else renews: %v", err)
	}
	if _, err := alice.CreateBot(bg, "helper", "x"); !client.IsCode(err, "invalid_argument") {
		t.Errorf("a bot named without \"bot\": %v", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestBotGroupPrivacy: a bot added to a group hears of it (my_chat_member);
// in privacy mode it gets only commands, mentions and replies to it; as
// an admin, everything; it writes to the group by its -100… id;
// allowed_updates filters, and is kept for later calls.
func TestBotGroupPrivacy(t *testing.T) {
	srv := startServer(t, t.TempDir())
	_, b := newBot(t, srv.URL, "gp_owner", "privacy_bot")
	bot := botLib(t, srv.URL, b.Token)
	alice, _ := newUser(t, srv.URL, "gp_alice")
	g, err := alice.CreateGroup(bg, "Book club", []int64{b.ID})
	if err != nil {
		t.Fatal(err)
	}
	next := func() []tgbotapi.Update { // reads and confirms
		t.Helper()
		ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
		if err != nil {
			t.Fatal(err)
		}
		if len(ups) > 0 {
			if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: ups[len(ups)-1].UpdateID + 1, Limit: 1}); err != nil {
				t.Fatal(err)
			}
		}
		return ups
	}
	ups := next()
	if len(ups) != 1 || ups[0].MyChatMember == nil || ups[0].MyChatMember.NewChatMember.Status != "member" ||
		ups[0].MyChatMember.Chat.Type != "supergroup" || ups[0].MyChatMember.Chat.Title != "Book club" {
		t.Fatalf("added to the group: %+v", ups)
	}
	groupID := ups[0].MyChatMember.Chat.ID
	if groupID > -1_000_000_000_000 {
		t.Fatalf("group id %d is not a -100… id", groupID)
	}
	for i, text := range []string{"just talking", "/start@privacy_bot", "what does @Privacy_Bot think?", "more talk"} {
		if _, err := alice.Send(bg, g.ID, client.SendRequest{ClientID: "p" + itoa(int64(i)), Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	got := func(ups []tgbotapi.Update) string {
		var out []string
		for _, u := range ups {
			if u.Message != nil {
				out = append(out, u.Message.Text)
			}
		}
		return strings.Join(out, "|")
	}
	if s := got(next()); s != "/start@privacy_bot|what does @Privacy_Bot think?" {
		t.Fatalf("in privacy mode the bot got %q", s)
	}
	sent, err := bot.Send(tgbotapi.NewMessage(groupID, "I read books too"))
	if err != nil || sent.Chat.ID != groupID {
		t.Fatalf("the bot writes to the group: %+v %v", sent, err)
	}
	if _, err := alice.Send(bg, g.ID, client.SendRequest{ClientID: "r1", Text: "do you?", ReplyTo: int64(sent.MessageID)}); err != nil {
		t.Fatal(err)
	}
	if s := got(next()); s != "do you?" {
		t.Fatalf("a reply to the bot: %q", s)
	}
	// As an admin it gets everything, and hears of its promotion.
	if _, err := alice.SetRole(bg, g.ID, b.ID, "admin"); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Send(bg, g.ID, client.SendRequest{ClientID: "a1", Text: "now all of it"}); err != nil {
		t.Fatal(err)
	}
	ups = next()
	if len(ups) != 2 || ups[0].MyChatMember == nil || ups[0].MyChatMember.NewChatMember.Status != "administrator" || got(ups) != "now all of it" {
		t.Fatalf("as an admin: %+v", ups)
	}
	// allowed_updates: messages only, remembered for the next calls.
	if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{AllowedUpdates: []string{"message"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.SetRole(bg, g.ID, b.ID, "member"); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Send(bg, g.ID, client.SendRequest{ClientID: "a2", Text: "/help"}); err != nil {
		t.Fatal(err)
	}
	if ups := next(); len(ups) != 1 || got(ups) != "/help" {
		t.Fatalf("with allowed_updates [message]: %+v", ups)
	}
	// Removed from the group, it can no longer write there.
	if _, err := alice.RemoveMember(bg, g.ID, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := bot.Send(tgbotapi.NewMessage(groupID, "still here?")); err == nil {
		t.Fatal("a removed bot wrote to the group")
	}
}

// TestBotFormattingAndKeyboards: parse_mode HTML and MarkdownV2 become
// entities the user's client gets; an inline keyboard and a reply
// keyboard travel with the message; editMessageReplyMarkup changes the
// buttons; bad markup is refused with Telegram's wording.
func TestBotFormattingAndKeyboards(t *testing.T) {
	srv := startServer(t, t.TempDir())
	_, b := newBot(t, srv.URL, "fk_owner", "format_bot")
	bot := botLib(t, srv.URL, b.Token)
	alice, aliceU := newUser(t, srv.URL, "fk_alice")
	dm, err := alice.CreateDirect(bg, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	as, _ := connect(t, alice, nil)
	if _, err := alice.Send(bg, dm.ID, client.SendRequest{ClientID: "s", Text: "/start"}); err != nil {
		t.Fatal(err)
	}
	msg := tgbotapi.NewMessage(aliceU.ID, `<b>سفارش</b> شما <a href="https://shop.example.ir/o/7">#7</a> 📦 <code>ok</code>`)
	msg.ParseMode = tgbotapi.ModeHTML
	msg.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData("تایید", "confirm:7"),
		tgbotapi.NewInlineKeyboardButtonURL("Track", "https://shop.example.ir/t/7")))
	sent, err := bot.Send(msg)
	if err != nil {
		t.Fatal(err)
	}
	if sent.Text != "سفارش شما #7 📦 ok" || len(sent.Entities) != 3 || sent.Entities[1].Type != "text_link" ||
		sent.Entities[1].Offset != 10 || sent.Entities[2].Offset != 16 || sent.ReplyMarkup == nil ||
		sent.ReplyMarkup.InlineKeyboard[0][0].CallbackData == nil || *sent.ReplyMarkup.InlineKeyboard[0][0].CallbackData != "confirm:7" {
		t.Fatalf("sent: %q %+v %+v", sent.Text, sent.Entities, sent.ReplyMarkup)
	}
	ev := nextEvent(t, as, isMessage("سفارش شما #7 📦 ok"))
	if len(ev.Entities) != 3 || ev.Entities[0].Type != "bold" || ev.Entities[0].Length != 5 || ev.Markup == nil ||
		len(ev.Markup.InlineKeyboard[0]) != 2 || ev.Markup.InlineKeyboard[0][1].URL != "https://shop.example.ir/t/7" {
		t.Fatalf("alice's event: %+v %+v", ev.Entities, ev.Markup)
	}
	// MarkdownV2, and a reply keyboard.
	md := tgbotapi.NewMessage(aliceU.ID, `*bold* _italic_ and \.`)
	md.ParseMode = tgbotapi.ModeMarkdownV2
	md.ReplyMarkup = tgbotapi.NewReplyKeyboard(tgbotapi.NewKeyboardButtonRow(tgbotapi.NewKeyboardButton("منو")))
	sent2, err := bot.Send(md)
	if err != nil || sent2.Text != "bold italic and ." || len(sent2.Entities) != 2 || sent2.ReplyMarkup != nil {
		t.Fatalf("markdown: %+v %v", sent2, err)
	}
	ev = nextEvent(t, as, isMessage("bold italic and ."))
	if ev.Markup == nil || len(ev.Markup.Keyboard) != 1 || ev.Markup.Keyboard[0][0].Text != "منو" {
		t.Fatalf("reply keyboard: %+v", ev.Markup)
	}
	// New buttons for the first message.
	edit := tgbotapi.NewEditMessageReplyMarkup(aliceU.ID, sent.MessageID, tgbotapi.NewInlineKeyboardMarkup(
		tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("Done ✓", "done"))))
	edited, err := bot.Send(edit)
	if err != nil || edited.Text != sent.Text || len(edited.Entities) != 3 || *edited.ReplyMarkup.InlineKeyboard[0][0].CallbackData != "done" {
		t.Fatalf("edit markup: %+v %v", edited, err)
	}
	ed := nextEvent(t, as, func(e client.Event) bool { return e.Type == "edit" })
	if ed.Markup == nil || ed.Markup.InlineKeyboard[0][0].Text != "Done ✓" || len(ed.Entities) != 3 {
		t.Fatalf("alice's edit: %+v", ed)
	}
	if _, err := bot.Send(edit); err == nil || !strings.Contains(err.Error(), "message is not modified") {
		t.Fatalf("the same markup again: %v", err)
	}
	// Refusals, as Telegram words them.
	bad := tgbotapi.NewMessage(aliceU.ID, "<b>open")
	bad.ParseMode = tgbotapi.ModeHTML
	if _, err := bot.Send(bad); err == nil || !strings.Contains(err.Error(), "can't parse entities") {
		t.Fatalf("unclosed tag: %v", err)
	}
	esc := tgbotapi.NewMessage(aliceU.ID, "1.5")
	esc.ParseMode = tgbotapi.ModeMarkdownV2
	if _, err := bot.Send(esc); err == nil || !strings.Contains(err.Error(), "must be escaped") {
		t.Fatalf("unescaped dot: %v", err)
	}
	long := tgbotapi.NewMessage(aliceU.ID, "x")
	long.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData("x", strings.Repeat("d", 65))))
	if _, err := bot.Send(long); err == nil {
		t.Fatal("65 bytes of callback_data were taken")
	}
}

// TestBotCallbackButton: a user presses an inline button; the bot (the
// library, long polling) gets the callback_query with the message and the
// data, answers it, and edits the message; the user's device gets the
// answer. Buttons the message does not have, and answers to queries that
// are not the bot's, are refused.
func TestBotCallbackButton(t *testing.T) {
	srv := startServer(t, t.TempDir())
	_, b := newBot(t, srv.URL, "cb_owner", "vote_bot")
	bot := botLib(t, srv.URL, b.Token)
	_, other := newBot(t, srv.URL, "cb_owner2", "other_bot")
	otherBot := botLib(t, srv.URL, other.Token)
	alice, aliceU := newUser(t, srv.URL, "cb_alice")
	dm, err := alice.CreateDirect(bg, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	as, _ := connect(t, alice, nil)
	if _, err := alice.Send(bg, dm.ID, client.SendRequest{ClientID: "s", Text: "/vote"}); err != nil {
		t.Fatal(err)
	}
	updates := bot.GetUpdatesChan(tgbotapi.UpdateConfig{Timeout: 1})
	defer bot.StopReceivingUpdates()
	wait := func() tgbotapi.Update {
		t.Helper()
		select {
		case u := <-updates:
			return u
		case <-time.After(10 * time.Second):
			t.Fatal("no update in 10 s")
		}
		return tgbotapi.Update{}
	}
	if u := wait(); u.Message == nil || u.Message.Text != "/vote" {
		t.Fatalf("first update: %+v", u)
	}
	q := tgbotapi.NewMessage(aliceU.ID, "Tea or coffee?")
	q.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData("چای", "tea"), tgbotapi.NewInlineKeyboardButtonData("Coffee", "coffee")))
	sent, err := bot.Send(q)
	if err != nil {
		t.Fatal(err)
	}
	nextEvent(t, as, isMessage("Tea or coffee?"))
	if _, err := alice.PressButton(bg, dm.ID, int64(sent.MessageID), "water"); !client.IsCode(err, "invalid_argument") {
		t.Fatalf("a button the message does not have: %v", err)
	}
	query, err := alice.PressButton(bg, dm.ID, int64(sent.MessageID), "tea")
	if err != nil {
		t.Fatal(err)
	}
	u := wait()
	cq := u.CallbackQuery
	if cq == nil || cq.ID != query || cq.Data != "tea" || cq.From.ID != aliceU.ID || cq.Message == nil || cq.Message.MessageID != sent.MessageID {
		t.Fatalf("callback query: %+v", u)
	}
	if _, err := otherBot.Request(tgbotapi.NewCallback(cq.ID, "not mine")); err == nil {
		t.Fatal("another bot answered the query")
	}
	if _, err := bot.Request(tgbotapi.NewCallbackWithAlert(cq.ID, "چای ثبت شد")); err != nil {
		t.Fatal(err)
	}
	ans := nextFrame(t, as, "callback_answer")
	if ans.QueryID != query || ans.Text != "چای ثبت شد" || !ans.ShowAlert || ans.Seq != int64(sent.MessageID) || ans.ChatID != dm.ID {
		t.Fatalf("alice's answer: %+v", ans)
	}
	edit := tgbotapi.NewEditMessageText(cq.Message.Chat.ID, cq.Message.MessageID, "You chose tea")
	if _, err := bot.Send(edit); err != nil {
		t.Fatal(err)
	}
	if ed := nextEvent(t, as, func(e client.Event) bool { return e.Type == "edit" }); ed.Text != "You chose tea" || ed.Markup != nil {
		t.Fatalf("edited: %+v", ed)
	}
	// The keyboard went with the edit: the button no longer works.
	if _, err := alice.PressButton(bg, dm.ID, int64(sent.MessageID), "tea"); !client.IsCode(err, "invalid_argument") {
		t.Fatalf("a button of a removed keyboard: %v", err)
	}
}

// TestBotWebhook: updates are POSTed to the bot's webhook with its secret
// token; a failing webhook gets them again, with a growing delay, and
// getWebhookInfo says why it failed; nothing is given twice once taken;
// getUpdates is refused while a webhook is set; a webhook to an address
// the operator has not allowed (here 127.0.0.2) is never dialled.
func TestBotWebhook(t *testing.T) {
	srv := startServer(t, t.TempDir())
	_, b := newBot(t, srv.URL, "wh_owner", "hook_bot")
	bot := botLib(t, srv.URL, b.Token)
	var fails atomic.Int32
	fails.Store(2)
	got := make(chan string, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Telegram-Bot-Api-Secret-Token") != "s3cret_token-1" {
			http.Error(w, "wrong secret", http.StatusForbidden)
			return
		}
		if fails.Add(-1) >= 0 {
			http.Error(w, "busy", http.StatusInternalServerError)
			return
		}
		u, err := bot.HandleUpdate(r)
		if err != nil || u.Message == nil {
			http.Error(w, "bad update", http.StatusBadRequest)
			return
		}
		got <- u.Message.Text
	}))
	defer hook.Close()
	if _, err := bot.MakeRequest("setWebhook", tgbotapi.Params{"url": hook.URL + "/hook", "secret_token": "s3cret_token-1",
		"max_connections": "5"}); err != nil {
		t.Fatal(err)
	}
	if _, err := bot.GetUpdates(tgbotapi.UpdateConfig{}); err == nil || !strings.Contains(err.Error(), "webhook is active") {
		t.Fatalf("getUpdates with a webhook: %v", err)
	}
	alice, _ := newUser(t, srv.URL, "wh_alice")
	dm, err := alice.CreateDirect(bg, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Send(bg, dm.ID, client.SendRequest{ClientID: "w1", Text: "via webhook"}); err != nil {
		t.Fatal(err)
	}
	select {
	case text := <-got:
		if text != "via webhook" {
			t.Fatalf("webhook got %q", text)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no webhook delivery in 30 s")
	}
	info, err := bot.GetWebhookInfo()
	if err != nil || info.URL != hook.URL+"/hook" || info.MaxConnections != 5 || !strings.Contains(info.LastErrorMessage, "500") {
		t.Fatalf("webhook info: %+v %v", info, err)
	}
	for _, text := range []string{"two", "three"} {
		if _, err := alice.Send(bg, dm.ID, client.SendRequest{ClientID: text, Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]int{}
	for len(seen) < 2 {
		select {
		case text := <-got:
			seen[text]++
		case <-time.After(20 * time.Second):
			t.Fatalf("webhook got %v", seen)
		}
	}
	select {
	case text := <-got:
		t.Fatalf("delivered again: %q", text)
	case <-time.After(1500 * time.Millisecond):
	}
	if seen["two"] != 1 || seen["three"] != 1 {
		t.Fatalf("webhook got %v", seen)
	}
	if info, err := bot.GetWebhookInfo(); err != nil || info.PendingUpdateCount != 0 {
		t.Fatalf("pending after delivery: %+v %v", info, err)
	}
	// An address that is not allowed.
	_, port, _ := strings.Cut(strings.TrimPrefix(hook.URL, "http://"), ":")
	if _, err := bot.MakeRequest("setWebhook", tgbotapi.Params{"url": "http://127.0.0.2:" + port + "/hook"}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Send(bg, dm.ID, client.SendRequest{ClientID: "w4", Text: "internal?"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		info, err := bot.GetWebhookInfo()
		if err == nil && strings.Contains(info.LastErrorMessage, "not allowed") && info.PendingUpdateCount == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhook to 127.0.0.2: %+v %v", info, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Back to polling: the undelivered update is there.
	if _, err := bot.Request(tgbotapi.DeleteWebhookConfig{}); err != nil {
		t.Fatal(err)
	}
	ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(ups) != 1 || ups[0].Message.Text != "internal?" {
		t.Fatalf("after deleteWebhook: %+v %v", ups, err)
	}
	// Bad webhooks.
	for _, url := range []string{"ftp://example.ir/x", "not a url", "http://user:pw@example.ir/"} {
		if _, err := bot.MakeRequest("setWebhook", tgbotapi.Params{"url": url}); err == nil {
			t.Errorf("setWebhook %q was taken", url)
		}
	}
	if _, err := bot.MakeRequest("setWebhook", tgbotapi.Params{"url": hook.URL, "secret_token": "bad token!"}); err == nil {
		t.Error("a secret token with a space was taken")
	}
}

// TestBotSendLimits: like Telegram, a bot may send about one message a
// second into a private chat (after a short burst): more gets 429 with
// retry_after, as libraries expect.
func TestBotSendLimits(t *testing.T) {
	srv := startServer(t, t.TempDir())
	_, b := newBot(t, srv.URL, "rl_owner", "limit_bot")
	alice, aliceU := newUser(t, srv.URL, "rl_alice")
	if _, err := alice.CreateDirect(bg, b.ID); err != nil {
		t.Fatal(err)
	}
	base := srv.URL + "/bot" + b.Token + "/sendMessage"
	body := `{"chat_id":` + itoa(aliceU.ID) + `,"text":"spam"}`
	for i := range 5 {
		if status, out := botCall(t, "POST", base, "application/json", body); status != 200 {
			t.Fatalf("send %d: %d %v", i, status, out)
		}
	}
	status, out := botCall(t, "POST", base, "application/json", body)
	params, _ := out["parameters"].(map[string]any)
	if status != 429 || out["error_code"] != float64(429) || params == nil || params["retry_after"].(float64) < 1 ||
		!strings.HasPrefix(out["description"].(string), "Too Many Requests: retry after ") {
		t.Fatalf("the sixth at once: %d %v", status, out)
	}
	// A failed send is not counted: a bad request does not use up the limit.
	time.Sleep(1100 * time.Millisecond)
	for range 3 {
		botCall(t, "POST", base, "application/json", `{"chat_id":`+itoa(aliceU.ID)+`,"text":"x","reply_to_message_id":999}`)
	}
	if status, out := botCall(t, "POST", base, "application/json", body); status != 200 {
		t.Fatalf("after a second, with failed sends between: %d %v", status, out)
	}
}

// TestBotFiles: with go-telegram-bot-api the bot sends an uploaded photo
// (the user fetches it, the bot gets its sizes), gets a document a user
// sent and downloads it by getFile and /file/bot<token>/<file_path>, and
// sends that document on by file_id without uploading it again; others'
// files, bad ids and wrong content are refused.
func TestBotFiles(t *testing.T) {
	srv := startServer(t, t.TempDir())
	_, b := newBot(t, srv.URL, "file_owner", "file_bot")
	bot := botLib(t, srv.URL, b.Token)
	alice, aliceU := newUser(t, srv.URL, "file_alice")
	dm, err := alice.CreateDirect(bg, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	as, _ := connect(t, alice, nil)
	img := image.NewNRGBA(image.Rect(0, 0, 640, 480))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	photo := tgbotapi.NewPhoto(aliceU.ID, tgbotapi.FileBytes{Name: "chart.png", Bytes: buf.Bytes()})
	photo.Caption = "<b>نمودار</b> فروش"
	photo.ParseMode = tgbotapi.ModeHTML
	sent, err := bot.Send(photo)
	if err != nil {
		t.Fatal(err)
	}
	last := sent.Photo[len(sent.Photo)-1]
	if len(sent.Photo) < 2 || last.Width != 640 || last.Height != 480 || sent.Caption != "نمودار فروش" || len(sent.CaptionEntities) != 1 {
		t.Fatalf("sent photo: %+v caption %q %+v", sent.Photo, sent.Caption, sent.CaptionEntities)
	}
	ev := nextEvent(t, as, func(e client.Event) bool { return len(e.Media) > 0 })
	if ev.Media[0].Kind != "photo" || ev.Media[0].FileID != last.FileID || ev.Text != "نمودار فروش" {
		t.Fatalf("alice's photo: %+v", ev)
	}
	if f, err := alice.File(bg, last.FileID); err != nil || f.Width != 640 {
		t.Fatalf("alice fetches the photo: %+v %v", f, err)
	}
	// A document from alice: the bot downloads it.
	doc := bytes.Repeat([]byte("chapar bot file\n"), 70_000) // 1.1 MB: over the form's memory
	docID := uploadAs(t, srv.URL, alice.Token(), "file", "report.txt", "text/plain", doc)
	if _, err := alice.Send(bg, dm.ID, client.SendRequest{ClientID: "d1", Text: "the report", Media: []string{docID}}); err != nil {
		t.Fatal(err)
	}
	ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(ups) != 1 || ups[0].Message.Document == nil || ups[0].Message.Caption != "the report" {
		t.Fatalf("the bot's update: %+v %v", ups, err)
	}
	d := ups[0].Message.Document
	if d.FileName != "report.txt" || d.FileSize != len(doc) {
		t.Fatalf("document: %+v", d)
	}
	file, err := bot.GetFile(tgbotapi.FileConfig{FileID: d.FileID})
	if err != nil || file.FilePath == "" || file.FileSize != len(doc) {
		t.Fatalf("getFile: %+v %v", file, err)
	}
	resp, body := get(t, srv.URL+"/file/bot"+b.Token+"/"+file.FilePath, nil)
	if resp.StatusCode != 200 || !bytes.Equal(body, doc) || resp.Header.Get("Content-Disposition") != "attachment" {
		t.Fatalf("download: %d, %d bytes, %v", resp.StatusCode, len(body), resp.Header)
	}
	if resp, _ := get(t, srv.URL+"/file/bot"+b.Token+"/"+file.FilePath, map[string]string{"Range": "bytes=0-5"}); resp.StatusCode != 206 {
		t.Fatalf("range: %d", resp.StatusCode)
	}
	// On by file_id: the same file, not a copy.
	again, err := bot.Send(tgbotapi.NewDocument(aliceU.ID, tgbotapi.FileID(d.FileID)))
	if err != nil || again.Document == nil || again.Document.FileID != d.FileID {
		t.Fatalf("resend by file_id: %+v %v", again, err)
	}
	// Refusals.
	_, other := newBot(t, srv.URL, "file_owner2", "stranger_bot")
	otherBot := botLib(t, srv.URL, other.Token)
	if _, err := otherBot.GetFile(tgbotapi.FileConfig{FileID: d.FileID}); err == nil {
		t.Fatal("another bot got the file")
	}
	if resp, _ := get(t, srv.URL+"/file/bot"+other.Token+"/"+file.FilePath, nil); resp.StatusCode != 404 {
		t.Fatalf("another bot's download: %d", resp.StatusCode)
	}
	if _, err := bot.Send(tgbotapi.NewDocument(aliceU.ID, tgbotapi.FileID("nope"))); err == nil {
		t.Fatal("a bad file_id was taken")
	}
	if _, err := bot.Send(tgbotapi.NewPhoto(aliceU.ID, tgbotapi.FileBytes{Name: "x.png", Bytes: []byte("<html>not a photo</html>")})); err == nil {
		t.Fatal("HTML sent as a photo was taken")
	}
}

// TestBotChatAdmin: a bot made admin of a group reads members, pins,
// reacts, bans and unbans with the Bot API's methods; without the rights
// (as a plain member) it may not ban.
func TestBotChatAdmin(t *testing.T) {
	srv := startServer(t, t.TempDir())
	_, b := newBot(t, srv.URL, "adm_owner", "admin_bot")
	bot := botLib(t, srv.URL, b.Token)
	alice, aliceU := newUser(t, srv.URL, "adm_alice")
	_, carolU := newUser(t, srv.URL, "adm_carol")
	g, err := alice.CreateGroup(bg, "Moderated", []int64{b.ID, carolU.ID})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := alice.Send(bg, g.ID, client.SendRequest{ClientID: "m1", Text: "rules: be kind"})
	if err != nil {
		t.Fatal(err)
	}
	groupID := -1_000_000_000_000 - g.ID
	member := func(userID int64) string {
		t.Helper()
		m, err := bot.GetChatMember(tgbotapi.GetChatMemberConfig{ChatConfigWithUser: tgbotapi.ChatConfigWithUser{ChatID: groupID, UserID: userID}})
		if err != nil {
			t.Fatal(err)
		}
		return m.Status
	}
	if s := member(aliceU.ID); s != "creator" {
		t.Fatalf("alice: %s", s)
	}
	if s := member(carolU.ID); s != "member" {
		t.Fatalf("carol: %s", s)
	}
	if _, err := bot.Request(tgbotapi.BanChatMemberConfig{ChatMemberConfig: tgbotapi.ChatMemberConfig{ChatID: groupID, UserID: carolU.ID}}); err == nil {
		t.Fatal("a plain member banned someone")
	}
	if _, err := alice.SetRole(bg, g.ID, b.ID, "admin"); err != nil {
		t.Fatal(err)
	}
	if _, err := bot.Request(tgbotapi.PinChatMessageConfig{ChatID: groupID, MessageID: int(msg.Event.Seq)}); err != nil {
		t.Fatal(err)
	}
	if _, err := bot.MakeRequest("setMessageReaction", tgbotapi.Params{"chat_id": itoa(groupID), "message_id": itoa(msg.Event.Seq),
		"reaction": `[{"type":"emoji","emoji":"👍"}]`}); err != nil {
		t.Fatal(err)
	}
	if _, err := bot.MakeRequest("setMessageReaction", tgbotapi.Params{"chat_id": itoa(groupID), "message_id": itoa(msg.Event.Seq),
		"reaction": `[{"type":"emoji","emoji":"🦄"}]`}); err == nil || !strings.Contains(err.Error(), "REACTION_INVALID") {
		t.Fatalf("an emoji not in the list: %v", err)
	}
	if _, err := bot.Request(tgbotapi.BanChatMemberConfig{ChatMemberConfig: tgbotapi.ChatMemberConfig{ChatID: groupID, UserID: carolU.ID}}); err != nil {
		t.Fatal(err)
	}
	if s := member(carolU.ID); s != "kicked" {
		t.Fatalf("carol after the ban: %s", s)
	}
	if _, err := bot.Request(tgbotapi.UnbanChatMemberConfig{ChatMemberConfig: tgbotapi.ChatMemberConfig{ChatID: groupID, UserID: carolU.ID}}); err != nil {
		t.Fatal(err)
	}
	if s := member(carolU.ID); s != "left" {
		t.Fatalf("carol after the unban: %s", s)
	}
	if _, err := bot.Request(tgbotapi.UnpinChatMessageConfig{ChatID: groupID}); err != nil {
		t.Fatal(err)
	}
	if n, err := bot.GetChatMembersCount(tgbotapi.ChatMemberCountConfig{ChatConfig: tgbotapi.ChatConfig{ChatID: groupID}}); err != nil || n != 2 {
		t.Fatalf("member count: %d %v", n, err)
	}
}

// TestBotChannelAndEdits: a bot made admin of a channel gets its posts
// (channel_post, from the channel itself, and edited_channel_post) and
// posts there by its -100… id or @username; in a group it gets people's
// edits (edited_message) and, when it asks, others' membership changes
// (chat_member).
func TestBotChannelAndEdits(t *testing.T) {
	srv := startServer(t, t.TempDir())
	_, b := newBot(t, srv.URL, "ch_owner", "news_bot")
	bot := botLib(t, srv.URL, b.Token)
	alice, _ := newUser(t, srv.URL, "ch_alice")
	_, carolU := newUser(t, srv.URL, "ch_carol")
	ch, err := alice.CreateChannel(bg, client.ChannelRequest{Title: "اخبار", Username: "akhbar_news"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.AddMembers(bg, ch.ID, []int64{b.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.SetAdmin(bg, ch.ID, b.ID, []string{"post", "edit"}); err != nil {
		t.Fatal(err)
	}
	post, err := alice.Send(bg, ch.ID, client.SendRequest{ClientID: "p1", Text: "خبر اول"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Edit(bg, ch.ID, post.Event.Seq, "خبر اول (ویرایش)"); err != nil {
		t.Fatal(err)
	}
	next := func(cfg tgbotapi.UpdateConfig) []tgbotapi.Update {
		t.Helper()
		ups, err := bot.GetUpdates(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if len(ups) > 0 {
			cfg.Offset, cfg.Limit = ups[len(ups)-1].UpdateID+1, 1
			if _, err := bot.GetUpdates(cfg); err != nil {
				t.Fatal(err)
			}
		}
		return ups
	}
	var posts, edits int
	for _, u := range next(tgbotapi.UpdateConfig{}) {
		switch {
		case u.ChannelPost != nil:
			posts++
			// Read after the edit, the post carries its current text
			// (docs/BOTS.md "Differences from Telegram").
			if u.ChannelPost.Text != "خبر اول (ویرایش)" || u.ChannelPost.SenderChat == nil || u.ChannelPost.SenderChat.UserName != "akhbar_news" ||
				u.ChannelPost.Chat.Type != "channel" {
				t.Fatalf("channel post: %+v", u.ChannelPost)
			}
		case u.EditedChannelPost != nil:
			edits++
			if u.EditedChannelPost.Text != "خبر اول (ویرایش)" || u.EditedChannelPost.EditDate == 0 {
				t.Fatalf("edited post: %+v", u.EditedChannelPost)
			}
		}
	}
	if posts != 1 || edits != 1 {
		t.Fatalf("%d posts, %d edits", posts, edits)
	}
	for _, to := range []tgbotapi.Chattable{tgbotapi.NewMessage(-1_000_000_000_000-ch.ID, "from the bot"),
		tgbotapi.NewMessageToChannel("@akhbar_news", "by username")} {
		if m, err := bot.Send(to); err != nil || m.Chat.Type != "channel" {
			t.Fatalf("posting: %+v %v", m, err)
		}
	}
	// A group: edits, and others' membership when asked for.
	g, err := alice.CreateGroup(bg, "g", []int64{b.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.SetRole(bg, g.ID, b.ID, "admin"); err != nil {
		t.Fatal(err)
	}
	m, err := alice.Send(bg, g.ID, client.SendRequest{ClientID: "g1", Text: "draft"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Edit(bg, g.ID, m.Event.Seq, "final"); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.AddMembers(bg, g.ID, []int64{carolU.ID}); err != nil {
		t.Fatal(err)
	}
	var edited, joined bool
	for _, u := range next(tgbotapi.UpdateConfig{AllowedUpdates: []string{"message", "edited_message", "chat_member"}}) {
		if u.EditedMessage != nil && u.EditedMessage.Text == "final" && u.EditedMessage.MessageID == int(m.Event.Seq) {
			edited = true
		}
		if u.ChatMember != nil && u.ChatMember.NewChatMember.User.ID == carolU.ID && u.ChatMember.NewChatMember.Status == "member" {
			joined = true
		}
		if u.MyChatMember != nil {
			t.Fatalf("my_chat_member came though not asked for: %+v", u.MyChatMember)
		}
	}
	if !edited || !joined {
		t.Fatalf("edited %v, carol joined %v", edited, joined)
	}
}

// TestBotMethodErrors: every method refuses a call without its required
// parameters with a 400 in Telegram's words, and changes nothing.
func TestBotMethodErrors(t *testing.T) {
	srv := startServer(t, t.TempDir())
	_, b := newBot(t, srv.URL, "me_owner", "errors_bot")
	base := srv.URL + "/bot" + b.Token + "/"
	alice, aliceU := newUser(t, srv.URL, "me_alice")
	if _, err := alice.CreateDirect(bg, b.ID); err != nil {
		t.Fatal(err)
	}
	alicesChat := itoa(aliceU.ID)
	chatMethods := []string{"sendMessage", "forwardMessage", "copyMessage", "editMessageText", "editMessageReplyMarkup",
		"deleteMessage", "sendChatAction", "getChat", "getChatMemberCount", "leaveChat", "getChatMember", "banChatMember",
		"unbanChatMember", "pinChatMessage", "unpinChatMessage", "setMessageReaction", "sendPhoto", "sendDocument",
		"sendVoice", "sendVideo", "sendAudio"}
	for _, m := range chatMethods {
		status, out := botCall(t, "POST", base+m, "application/json", `{}`)
		if status != 400 || out["description"] != "Bad Request: chat_id is empty" {
			t.Errorf("%s without chat_id: %d %v", m, status, out)
		}
		status, out = botCall(t, "POST", base+m, "application/json", `{"chat_id":"not a chat"}`)
		if status != 400 || out["description"] != "Bad Request: chat not found" {
			t.Errorf("%s with a bad chat_id: %d %v", m, status, out)
		}
	}
	for _, tc := range []struct{ method, body, want string }{
		{"getFile", `{}`, "Bad Request: file_id is empty"},
		{"getFile", `{"file_id":"nope"}`, "Bad Request: invalid file_id"},
		{"answerCallbackQuery", `{}`, "Bad Request: callback_query_id is empty"},
		{"answerCallbackQuery", `{"callback_query_id":"12345"}`, ""},
		{"setWebhook", `{"url":"gopher://x"}`, "Bad Request: bad webhook: an HTTP URL is required"},
		{"setMyCommands", `{"commands":"not a list"}`, "Bad Request: can't parse commands JSON object"},
		{"getUpdates", `{"offset":"x"}`, "Bad Request: parameter \"offset\" must be an integer"},
		{"sendMessage", `{"chat_id":` + alicesChat + `,"text":"x","reply_markup":{"inline_keyboard":[[{"text":"x"}]]}}`, ""},
		{"sendMessage", `{"chat_id":` + alicesChat + `,"text":"x","parse_mode":"Klingon"}`, "Bad Request: unsupported parse_mode"},
		{"sendMessage", `{"chat_id":` + alicesChat + `}`, "Bad Request: message text is empty"},
		{"sendPhoto", `{"chat_id":` + alicesChat + `}`, "Bad Request: there is no photo in the request"},
		{"forwardMessage", `{"chat_id":` + alicesChat + `}`, "Bad Request: from_chat_id is empty"},
	} {
		status, out := botCall(t, "POST", base+tc.method, "application/json", tc.body)
		if status != 400 || out["ok"] != false || (tc.want != "" && out["description"] != tc.want) {
			t.Errorf("%s %s: %d %v; want 400 %q", tc.method, tc.body, status, out, tc.want)
		}
	}
	// GET works for reads, other methods are 405, and no body limit is lifted.
	if status, _ := botCall(t, "PUT", base+"getMe", "", ""); status != 405 {
		t.Errorf("PUT: %d", status)
	}
	if status, _ := botCall(t, "POST", base+"sendMessage", "application/json", `{"chat_id":1,"text":"`+strings.Repeat("x", 2<<20)+`"}`); status != 400 {
		t.Errorf("a 2 MB body: %d", status)
	}
}
