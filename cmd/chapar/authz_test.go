package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chapar/chapar/client"
)

type endpoint struct {
	method, path, body string
}

// chatEndpoints are every endpoint that acts on one chat or its messages.
func chatEndpoints(chatID, seq, memberID int64) []endpoint {
	c := fmt.Sprintf("/v1/chats/%d", chatID)
	return []endpoint{
		{"GET", c, ""},
		{"PATCH", c, `{"title":"taken over"}`},
		{"GET", c + "/members", ""},
		{"POST", c + "/members", fmt.Sprintf(`{"user_ids":[%d]}`, memberID)},
		{"DELETE", fmt.Sprintf("%s/members/%d", c, memberID), ""},
		{"PUT", fmt.Sprintf("%s/members/%d/role", c, memberID), `{"role":"admin"}`},
		{"POST", c + "/leave", ""},
		{"POST", c + "/messages", `{"client_id":"intruder","text":"hi"}`},
		{"GET", c + "/messages", ""},
		{"PATCH", fmt.Sprintf("%s/messages/%d", c, seq), `{"text":"changed"}`},
		{"DELETE", fmt.Sprintf("%s/messages/%d", c, seq), ""},
		{"POST", c + "/read", `{"seq":1}`},
		{"POST", c + "/typing", ""},
		{"POST", "/v1/chats", `{"type":"group","title":"x","members":[]}`},
	}
}

// call makes a raw request and returns the status and decoded error code.
func call(t *testing.T, base, token string, e endpoint) (int, string) {
	t.Helper()
	var body io.Reader
	if e.body != "" {
		body = strings.NewReader(e.body)
	}
	req, _ := http.NewRequest(e.method, base+e.path, body)
	if e.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var eb struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if resp.StatusCode >= 400 {
		if err := json.Unmarshal(raw, &eb); err != nil || eb.Error.Code == "" {
			t.Fatalf("%s %s: status %d without the error shape: %q", e.method, e.path, resp.StatusCode, raw)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("%s %s: error content type %q", e.method, e.path, ct)
		}
	}
	return resp.StatusCode, eb.Error.Code
}

func TestAuthorizationMatrix(t *testing.T) {
	srv := startServer(t, t.TempDir())
	owner, _ := newUser(t, srv.URL, "owner")
	member, memberU := newUser(t, srv.URL, "member")
	removed, removedU := newUser(t, srv.URL, "removed")
	stranger, _ := newUser(t, srv.URL, "stranger")
	g, err := owner.CreateGroup(bg, "private", []int64{memberU.ID, removedU.ID})
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := owner.Send(bg, g.ID, client.SendRequest{ClientID: "secret", Text: "secret words"})
	if _, err := owner.RemoveMember(bg, g.ID, removedU.ID); err != nil {
		t.Fatal(err)
	}
	before, _ := owner.Chat(bg, g.ID)

	for _, who := range []struct {
		name  string
		token string
	}{{"stranger", stranger.Token()}, {"removed member", removed.Token()}} {
		for _, e := range chatEndpoints(g.ID, msg.Event.Seq, memberU.ID) {
			if e.method == "POST" && e.path == "/v1/chats" {
				continue // anyone may create their own chat
			}
			status, code := call(t, srv.URL, who.token, e)
			if status != http.StatusNotFound || code != "not_found" {
				t.Errorf("%s: %s %s = %d %s, want 404 not_found", who.name, e.method, e.path, status, code)
			}
		}
	}
	// Nothing changed.
	after, _ := owner.Chat(bg, g.ID)
	if after.LastSeq != before.LastSeq || after.Title != "private" || after.MembersCount != 2 {
		t.Fatalf("chat changed by outsiders: %+v", after)
	}
	hist, _ := member.History(bg, g.ID, client.HistoryQuery{})
	if last := hist[len(hist)-1]; last.Type != client.EventMemberRemoved {
		t.Fatalf("history changed: %+v", last)
	}

	// Without a token (or with a forged one) every endpoint but sign-in refuses.
	all := append(chatEndpoints(g.ID, msg.Event.Seq, memberU.ID),
		endpoint{"POST", "/v1/auth/logout", ""},
		endpoint{"GET", "/v1/sessions", ""},
		endpoint{"DELETE", "/v1/sessions/1", ""},
		endpoint{"GET", "/v1/me", ""},
		endpoint{"PATCH", "/v1/me", `{"bio":"x"}`},
		endpoint{"GET", fmt.Sprintf("/v1/users/%d", memberU.ID), ""},
		endpoint{"GET", "/v1/users/by-username/member", ""},
		endpoint{"GET", "/v1/blocks", ""},
		endpoint{"PUT", fmt.Sprintf("/v1/blocks/%d", memberU.ID), ""},
		endpoint{"DELETE", fmt.Sprintf("/v1/blocks/%d", memberU.ID), ""},
		endpoint{"GET", "/v1/chats", ""},
		endpoint{"GET", "/v1/updates?pos=0", ""},
	)
	for _, token := range []string{"", "chp_" + strings.Repeat("x", 43), "garbage", owner.Token() + "x"} {
		for _, e := range all {
			if status, code := call(t, srv.URL, token, e); status != http.StatusUnauthorized || code != "unauthorized" {
				t.Errorf("token %q: %s %s = %d %s, want 401", token, e.method, e.path, status, code)
			}
		}
	}

	// Another user's session cannot be revoked.
	sessions, _ := owner.Sessions(bg)
	if status, code := call(t, srv.URL, stranger.Token(), endpoint{"DELETE", fmt.Sprintf("/v1/sessions/%d", sessions[0].ID), ""}); status != 404 {
		t.Errorf("revoke another's session: %d %s", status, code)
	}
	if _, err := owner.Me(bg); err != nil {
		t.Fatalf("owner's session was revoked by a stranger: %v", err)
	}

	// Over the WebSocket too: the stranger's send is refused, and its
	// stream never carries the group's events.
	ss, _ := connect(t, stranger, nil)
	_, err = ss.Send(bg, g.ID, client.SendRequest{ClientID: "ws-intruder", Text: "hi"})
	wantCode(t, err, "not_found")
	owner.Send(bg, g.ID, client.SendRequest{ClientID: "later", Text: "later"})
	zero := int64(0)
	_, replay := connect(t, stranger, &zero)
	for _, e := range replay {
		if e.ChatID == g.ID {
			t.Fatalf("stranger's replay holds %+v", e)
		}
	}
	_, replay = connect(t, removed, &zero)
	for _, e := range replay {
		if e.ChatID == g.ID && e.Seq > after.LastSeq {
			t.Fatalf("removed member's replay holds %+v", e)
		}
	}
}

func TestBadInput(t *testing.T) {
	srv := startServer(t, t.TempDir())
	a, aU := newUser(t, srv.URL, "alice")
	_, bU := newUser(t, srv.URL, "bobby")
	chat, _ := a.CreateDirect(bg, bU.ID)
	msgs := fmt.Sprintf("/v1/chats/%d/messages", chat.ID)
	cases := []struct {
		name   string
		e      endpoint
		status int
		code   string
	}{
		{"malformed json", endpoint{"POST", msgs, `{"client_id":`}, 400, "bad_request"},
		{"not an object", endpoint{"POST", msgs, `[1,2]`}, 400, "bad_request"},
		{"unknown field", endpoint{"POST", msgs, `{"client_id":"a","text":"x","admin":true}`}, 400, "bad_request"},
		{"wrong type", endpoint{"POST", msgs, `{"client_id":5,"text":"x"}`}, 400, "bad_request"},
		{"trailing data", endpoint{"POST", msgs, `{"client_id":"a","text":"x"} {}`}, 400, "bad_request"},
		{"invalid utf-8", endpoint{"POST", msgs, "{\"client_id\":\"a\",\"text\":\"\xff\"}"}, 400, "bad_request"},
		{"empty text", endpoint{"POST", msgs, `{"client_id":"a","text":""}`}, 400, "invalid_argument"},
		{"too long text", endpoint{"POST", msgs, `{"client_id":"a","text":"` + strings.Repeat("x", 4097) + `"}`}, 400, "invalid_argument"},
		{"huge body", endpoint{"POST", msgs, `{"client_id":"a","text":"` + strings.Repeat("x", 70000) + `"}`}, 413, "too_large"},
		{"bad chat id", endpoint{"GET", "/v1/chats/abc/messages", ""}, 404, "not_found"},
		{"negative chat id", endpoint{"GET", "/v1/chats/-1", ""}, 404, "not_found"},
		{"unknown chat", endpoint{"GET", "/v1/chats/999999", ""}, 404, "not_found"},
		{"bad limit", endpoint{"GET", msgs + "?limit=0", ""}, 400, "invalid_argument"},
		{"non-numeric before", endpoint{"GET", msgs + "?before=x", ""}, 400, "invalid_argument"},
		{"unknown message", endpoint{"PATCH", msgs + "/999", `{"text":"x"}`}, 404, "not_found"},
		{"bad chat type", endpoint{"POST", "/v1/chats", `{"type":"channel"}`}, 400, "invalid_argument"},
		{"direct with self", endpoint{"POST", "/v1/chats", fmt.Sprintf(`{"type":"direct","user_id":%d}`, aU.ID)}, 400, "invalid_argument"},
		{"direct with nobody", endpoint{"POST", "/v1/chats", `{"type":"direct","user_id":987654}`}, 404, "not_found"},
		{"unknown path", endpoint{"GET", "/v1/nothing", ""}, 404, "not_found"},
		{"wrong method", endpoint{"PUT", "/v1/chats", ""}, 405, "method_not_allowed"},
		{"bad role", endpoint{"PUT", fmt.Sprintf("/v1/chats/%d/members/%d/role", chat.ID, bU.ID), `{"role":"god"}`}, 400, "invalid_argument"},
		{"bad pos", endpoint{"GET", "/v1/updates?pos=-5", ""}, 400, "invalid_argument"},
		{"pos ahead", endpoint{"GET", "/v1/updates?pos=99999999", ""}, 400, "invalid_argument"},
		{"bad timeout", endpoint{"GET", "/v1/updates?pos=0&timeout=999", ""}, 400, "invalid_argument"},
	}
	before, _ := a.Chat(bg, chat.ID)
	for _, c := range cases {
		status, code := call(t, srv.URL, a.Token(), c.e)
		if status != c.status || code != c.code {
			t.Errorf("%s: got %d %s, want %d %s", c.name, status, code, c.status, c.code)
		}
	}
	// Wrong content type.
	req, _ := http.NewRequest("POST", srv.URL+msgs, bytes.NewReader([]byte(`{"client_id":"a","text":"x"}`)))
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("Authorization", "Bearer "+a.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Fatalf("text/plain body: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	after, _ := a.Chat(bg, chat.ID)
	if after.LastSeq != before.LastSeq {
		t.Fatalf("bad requests changed the chat: seq %d → %d", before.LastSeq, after.LastSeq)
	}
	// Registration and sign-in errors.
	for _, c := range []struct {
		body   string
		status int
		code   string
	}{
		{`{"username":"alice","password":"password1"}`, 409, "conflict"},
		{`{"username":"x","password":"password1"}`, 400, "invalid_argument"},
		{`{"username":"valid_name","password":"short"}`, 400, "invalid_argument"},
		{`{"username":"valid_name"`, 400, "bad_request"},
	} {
		if status, code := call(t, srv.URL, "", endpoint{"POST", "/v1/auth/register", c.body}); status != c.status || code != c.code {
			t.Errorf("register %s: %d %s", c.body, status, code)
		}
	}
	if status, code := call(t, srv.URL, "", endpoint{"POST", "/v1/auth/login", `{"username":"alice","password":"wrong-one"}`}); status != 401 || code != "unauthorized" {
		t.Errorf("bad login: %d %s", status, code)
	}
}
