package sqlite

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/chapar/chapar/internal/domain"
)

// TestUpgradeFromSchema0: a data folder written before groups had rights
// and channels existed (testdata/schema_v0.sql is the schema of that time)
// opens, is brought up to date, and keeps working: the old group's members
// may still post, its admin keeps admin rights, and its messages are found
// by search, also within the chat.
func TestUpgradeFromSchema0(t *testing.T) {
	s := openOld(t, "testdata/schema_v0.sql",
		`INSERT INTO meta(key, value) VALUES ('last_pos', 4), ('search_v1', 1)`,
		`INSERT INTO users(id, username, username_lc, display_name, created_at) VALUES
			(1, 'Owner', 'owner', 'Owner', 1), (2, 'Admin', 'admin', 'Admin', 1), (3, 'Member', 'member', 'Member', 1)`,
		`INSERT INTO chats(id, type, title, created_at, last_seq, last_pos, members) VALUES (1, 'group', 'Old group', 1, 4, 4, 3)`,
		`INSERT INTO members(chat_id, user_id, role, joined_at) VALUES (1, 1, 'owner', 1), (1, 2, 'admin', 1), (1, 3, 'member', 1)`,
		`INSERT INTO events(pos, chat_id, seq, type, actor_id, date, text) VALUES
			(1, 1, 1, 'chat_created', 1, 1, 'Old group'), (2, 1, 2, 'member_added', 1, 1, ''),
			(3, 1, 3, 'member_added', 1, 1, ''), (4, 1, 4, 'message', 3, 1, 'کتاب قدیمی')`,
		`INSERT INTO events_fts(rowid, terms) VALUES (4, 'کتاب قدیمی')`)
	ctx := context.Background()
	c, err := s.Chat(ctx, 1)
	if err != nil || c.DefaultRights != domain.GroupDefaultRights {
		t.Fatalf("old group: %+v %v", c, err)
	}
	if m, err := s.Member(ctx, 1, 2); err != nil || m.Rights != domain.AdminRights {
		t.Fatalf("old admin: %+v %v", m, err)
	}
	if _, _, err := s.AppendMessage(ctx, domain.NewMessage{ChatID: 1, SenderID: 3, ClientID: "new", Text: "still here",
		Need: domain.RightPost}); err != nil {
		t.Fatalf("a member of an old group sends: %v", err)
	}
	for _, chat := range []int64{0, 1} {
		found, err := s.SearchMessages(ctx, 1, chat, domain.SearchTerms("کتاب"), 10, 0)
		if err != nil || len(found) != 1 || found[0].Seq != 4 {
			t.Fatalf("search in chat %d after the upgrade: %+v %v", chat, found, err)
		}
	}
	var version int
	if err := s.w.db.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil || version != schemaVersion {
		t.Fatalf("user_version %d %v", version, err)
	}
}

// TestUpgradeFromSchema3: an upload in progress when chapar was updated
// (schema 3 had no waveform column) is still there, and a voice note's
// waveform is kept from then on.
func TestUpgradeFromSchema3(t *testing.T) {
	s := openOld(t, "testdata/schema_v3.sql",
		`PRAGMA user_version = 3`,
		`INSERT INTO users(id, username, username_lc, display_name, created_at) VALUES (1, 'Owner', 'owner', 'Owner', 1)`,
		`INSERT INTO uploads(id, user_id, kind, length, created_at) VALUES ('u1', 1, 'file', 10, 1)`)
	ctx := context.Background()
	if u, err := s.Upload(ctx, "u1"); err != nil || u.Length != 10 || u.Waveform != nil {
		t.Fatalf("old upload: %+v %v", u, err)
	}
	w := []byte{0, 31, 7}
	if _, err := s.CreateUpload(ctx, domain.Upload{ID: "u2", UserID: 1, Kind: domain.MediaVoice, Length: 5, Waveform: w}, 20, 1<<30); err != nil {
		t.Fatal(err)
	}
	if u, err := s.Upload(ctx, "u2"); err != nil || string(u.Waveform) != string(w) {
		t.Fatalf("new upload: %+v %v", u, err)
	}
}

// openOld writes a data folder with an old schema and the given rows, then
// opens it with this chapar (which upgrades it).
func openOld(t *testing.T, schemaFile string, rows ...string) *Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "chapar.db")
	old, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range append([]string{string(old)}, rows...) {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	s, err := Open(path, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
