package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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
