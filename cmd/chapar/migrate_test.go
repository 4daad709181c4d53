package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chapar/chapar/client"
)

// TestMigrateToPostgres moves a single-node installation into PostgreSQL
// with "chapar migrate" and starts a cluster node on it: every device is
// still signed in, every stream resumes from the position it had, history,
// sequence numbers, positions, reads, blocks and idempotency are as they
// were, and new messages continue after the old ones.
func TestMigrateToPostgres(t *testing.T) {
	env := newClusterEnv(t)
	dir := t.TempDir()
	one := startServer(t, dir)

	ca, alice := newUser(t, one.URL, "mig_alice")
	cb, bob := newUser(t, one.URL, "mig_bob")
	cc, carol := newUser(t, one.URL, "mig_carol")
	direct, err := ca.CreateDirect(bg, bob.ID)
	must(t, err)
	group, err := ca.CreateGroup(bg, "گروه", []int64{bob.ID, carol.ID})
	must(t, err)
	var first, last *client.SendResult
	for i, text := range []string{"سلام", "hello", "third", "to edit", "to delete"} {
		last, err = ca.Send(bg, direct.ID, client.SendRequest{ClientID: "d" + string(rune('a'+i)), Text: text})
		must(t, err)
		if first == nil {
			first = last
		}
	}
	_, err = ca.Edit(bg, direct.ID, last.Event.Seq-1, "edited")
	must(t, err)
	_, err = ca.Delete(bg, direct.ID, last.Event.Seq)
	must(t, err)
	_, err = cb.Send(bg, direct.ID, client.SendRequest{ClientID: "b1", Text: "reply", ReplyTo: first.Event.Seq})
	must(t, err)
	g, err := cc.Send(bg, group.ID, client.SendRequest{ClientID: "g1", Text: "in the group"})
	must(t, err)
	_, err = cb.MarkRead(bg, group.ID, g.Event.Seq)
	must(t, err)
	// A photo in the group: its file moves with the database (the bytes
	// stay in the media folder, which the cluster node is pointed at).
	img := pngBytes(t, 64, 48)
	up := tusClient{t, one.URL, ca.Token()}
	path := up.create("photo", "م.png", "image/png", len(img))
	if resp := up.patch(path, 0, bytes.NewReader(img)); resp.StatusCode != 204 {
		t.Fatalf("upload: %d", resp.StatusCode)
	}
	fileID := strings.TrimPrefix(path, "/v1/uploads/")
	_, err = ca.Send(bg, group.ID, client.SendRequest{ClientID: "photo", Media: []string{fileID}})
	must(t, err)
	must(t, cc.Block(bg, alice.ID))
	_, err = cc.RemoveMember(bg, group.ID, carol.ID) // carol leaves
	must(t, err)

	before := snapshot(t, []*client.Client{ca, cb, cc}, []int64{direct.ID, group.ID})
	one.stop()

	var out, errb bytes.Buffer
	if code := run([]string{"migrate", "-from", dir, "-to", env.dsn}, &out, &errb); code != 0 {
		t.Fatalf("migrate: exit %d: %s", code, errb.String())
	}
	t.Log(strings.TrimSpace(out.String()))
	if !strings.Contains(out.String(), "users 3") || !strings.Contains(out.String(), "sessions 3") {
		t.Fatalf("migrate said %q", out.String())
	}
	// Only into an empty database.
	errb.Reset()
	if code := run([]string{"migrate", "-from", dir, "-to", env.dsn}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "not empty") {
		t.Fatalf("second migrate: exit %d: %s", code, errb.String())
	}

	node := env.startNodeWith(t, func(c *serveConfig) { c.MediaDir = filepath.Join(dir, "media") })
	var moved []*client.Client
	for _, c := range []*client.Client{ca, cb, cc} {
		moved = append(moved, client.New(node.URL, client.WithToken(c.Token())))
	}
	after := snapshot(t, moved, []int64{direct.ID, group.ID})
	for k, v := range before {
		if after[k] != v {
			t.Fatalf("%s differs after the move:\nbefore %s\nafter  %s", k, v, after[k])
		}
	}

	// Bob still gets the photo, from the same bytes.
	f, status := tusClient{t, node.URL, cb.Token()}.file(fileID)
	if status != 200 || f.Width != 64 {
		t.Fatalf("the photo after the move: %d %+v", status, f)
	}
	if resp, body := get(t, node.URL+f.URL, nil); resp.StatusCode != 200 || !bytes.Equal(body, img) {
		t.Fatalf("the photo's bytes after the move: %d, %d bytes", resp.StatusCode, len(body))
	}

	// Idempotency survives: an old client id gives back the old message.
	res, err := moved[0].Send(bg, direct.ID, client.SendRequest{ClientID: "da", Text: "سلام"})
	must(t, err)
	if !res.Duplicate || res.Event.Seq != first.Event.Seq {
		t.Fatalf("resend after the move: %+v", res)
	}
	// New messages continue the chat's sequence and the positions.
	lastPos := lastPosition(t, moved[0])
	res, err = moved[1].Send(bg, direct.ID, client.SendRequest{ClientID: "new", Text: "after the move"})
	must(t, err)
	if res.Duplicate || res.Event.Seq != last.Event.Seq+4 || res.Event.Pos <= lastPos {
		t.Fatalf("first message after the move: %+v (last pos %d)", res.Event, lastPos)
	}
	// A new account gets a new id.
	_, dave := newUser(t, node.URL, "mig_dave")
	if dave.ID <= carol.ID {
		t.Fatalf("new user id %d after %d", dave.ID, carol.ID)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func lastPosition(t *testing.T, c *client.Client) int64 {
	t.Helper()
	r, err := c.Updates(bg, nil, 0, 1)
	must(t, err)
	return r.Pos
}

// snapshot is what each user sees: their profile, devices, blocks, chats,
// the chats' histories and their whole update stream from the start.
func snapshot(t *testing.T, cs []*client.Client, chats []int64) map[string]string {
	t.Helper()
	out := map[string]string{}
	put := func(key string, v any, err error) {
		t.Helper()
		must(t, err)
		b, _ := json.Marshal(v)
		out[key] = string(b)
	}
	for i, c := range cs {
		who := string(rune('a' + i))
		me, err := c.Me(bg)
		if me != nil {
			me.LastSeen = time.Time{} // set by the long poll below
		}
		put(who+" me", me, err)
		sessions, err := c.Sessions(bg)
		for k := range sessions {
			sessions[k].LastSeenAt = sessions[k].CreatedAt // touched by use
		}
		put(who+" sessions", sessions, err)
		blocks, err := c.Blocks(bg)
		for k := range blocks {
			blocks[k].LastSeen = time.Time{}
		}
		put(who+" blocks", blocks, err)
		list, err := c.Chats(bg)
		put(who+" chats", list, err)
		var zero int64
		upd, err := c.Updates(bg, &zero, 0, 1000)
		put(who+" updates", upd, err)
		for _, id := range chats {
			h, err := c.History(bg, id, client.HistoryQuery{FromStart: true, Limit: 200})
			if err != nil && strings.Contains(err.Error(), "not_found") {
				out[who+" history "+string(rune('0'+id))] = "not a member"
				continue
			}
			put(who+" history "+string(rune('0'+id)), h, err)
		}
	}
	return out
}
