package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chapar/chapar/client"
)

// TestSearchAPI: search over HTTP on one node.
func TestSearchAPI(t *testing.T) {
	srv := startServer(t, t.TempDir())
	testSearchAPI(t, srv.URL)
}

// TestClusterSearchAPI: the same on a cluster node (PostgreSQL search).
func TestClusterSearchAPI(t *testing.T) {
	env := newClusterEnv(t)
	testSearchAPI(t, env.startNode(t).URL)
}

func testSearchAPI(t *testing.T, url string) {
	ca, _ := newUser(t, url, "find_alice")
	_, bob := newUser(t, url, "find_bob")
	cs, _ := newUser(t, url, "find_stranger")
	chat, err := ca.CreateDirect(bg, bob.ID)
	must(t, err)
	for i, text := range []string{"سلام، كتاب جدید رسید", "The new book arrived", "کتابخانه بسته است"} {
		_, err := ca.Send(bg, chat.ID, client.SendRequest{ClientID: "q" + string(rune('0'+i)), Text: text})
		must(t, err)
	}
	res, err := ca.SearchMessages(bg, client.SearchQuery{Query: "کتاب"})
	must(t, err)
	if len(res.Messages) != 2 { // "كتاب" (Arabic kaf) and, as a prefix, "کتابخانه"
		t.Fatalf("search کتاب: %+v", res.Messages)
	}
	res, err = ca.SearchMessages(bg, client.SearchQuery{Query: "BOOK", Limit: 1})
	must(t, err)
	if len(res.Messages) != 1 || res.Messages[0].Text != "The new book arrived" || res.NextOffset != 1 {
		t.Fatalf("search BOOK: %+v", res)
	}
	// A stranger finds nothing, and may not name the chat.
	res, err = cs.SearchMessages(bg, client.SearchQuery{Query: "book"})
	must(t, err)
	if len(res.Messages) != 0 {
		t.Fatalf("a stranger found %+v", res.Messages)
	}
	_, err = cs.SearchMessages(bg, client.SearchQuery{Query: "book", ChatID: chat.ID})
	wantCode(t, err, "not_found")
	// Bad input.
	for _, q := range []client.SearchQuery{{Query: ""}, {Query: "!!!"}, {Query: "a", Limit: 101}, {Query: "a", Offset: 1001},
		{Query: strings.Repeat("x", 257)}} {
		_, err := ca.SearchMessages(bg, q)
		wantCode(t, err, "invalid_argument")
	}
	// Invalid UTF-8 in the query string.
	req, _ := http.NewRequest("GET", url+"/v1/search/messages?q="+"%FF%FE", nil)
	req.Header.Set("Authorization", "Bearer "+ca.Token())
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("invalid UTF-8 query: %d", resp.StatusCode)
	}
}
