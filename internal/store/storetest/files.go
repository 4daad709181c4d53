package storetest

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/chapar/chapar/internal/domain"
)

// testFiles: uploads in progress and finished files (domain.FileStore).
func testFiles(t *testing.T, open Opener) {
	s := open(t, &Recorder{})
	fs, isFS := s.(domain.FileStore)
	if !isFS {
		t.Fatal("the store does not keep files (domain.FileStore)")
	}
	a, b := user(t, s, "fl_a"), user(t, s, "fl_b")
	up := func(id string, uid int64, n int64) domain.Upload {
		return domain.Upload{ID: id, UserID: uid, Kind: domain.MediaPhoto, MIME: "image/png", Name: "p.png", Length: n, Hash: []byte("h0")}
	}
	first := up("u1", a.ID, 100)
	first.Waveform = []byte{0, 12, 31}
	u := ok(fs.CreateUpload(ctx, first, 3, 1000)).get(t)
	if u.Offset != 0 || u.CreatedAt.IsZero() {
		t.Fatalf("created: %+v", u)
	}
	// Quota: stored files and open uploads count.
	if _, err := fs.CreateUpload(ctx, up("u2", a.ID, 901), 3, 1000); domain.KindOf(err) != domain.KindTooLarge {
		t.Fatalf("over quota: %v", err)
	}
	ok(fs.CreateUpload(ctx, up("u2", a.ID, 900), 3, 1000)).get(t)
	ok(fs.CreateUpload(ctx, up("b1", b.ID, 900), 3, 1000)).get(t) // b's own quota
	ok(fs.DeleteUpload(ctx, "u2")).get(t)
	ok(fs.CreateUpload(ctx, up("u3", a.ID, 1), 3, 1000)).get(t)
	ok(fs.CreateUpload(ctx, up("u4", a.ID, 1), 3, 1000)).get(t)
	if _, err := fs.CreateUpload(ctx, up("u5", a.ID, 1), 3, 1000); domain.KindOf(err) != domain.KindRateLimited {
		t.Fatalf("a fourth open upload: %v", err)
	}
	// Advancing: only from where it stands.
	next := u
	next.Offset, next.Hash, next.Parts = 60, []byte("h60"), []domain.Part{{Key: "f/u1/0", Size: 60}}
	if won := ok(fs.AdvanceUpload(ctx, next, 0)).get(t); !won {
		t.Fatal("advance from 0 lost")
	}
	stale := next
	stale.Offset = 70
	if won := ok(fs.AdvanceUpload(ctx, stale, 0)).get(t); won {
		t.Fatal("a second advance from 0 won")
	}
	got := ok(fs.Upload(ctx, "u1")).get(t)
	if got.Offset != 60 || !bytes.Equal(got.Hash, []byte("h60")) || !bytes.Equal(got.Waveform, first.Waveform) || len(got.Parts) != 1 || got.Parts[0] != next.Parts[0] {
		t.Fatalf("after advancing: %+v", got)
	}
	// Finishing: the file replaces the upload, once.
	f := domain.File{ID: "u1", OwnerID: a.ID, Kind: domain.MediaPhoto, MIME: "image/png", Name: "p.png", Size: 100,
		SHA256: "ab12", Width: 640, Height: 480, Duration: 1.5, Waveform: got.Waveform, Parts: next.Parts,
		Thumbs: []domain.Thumb{{Side: 90, Width: 90, Height: 68, Key: "t/u1/90", Size: 1234}}}
	ok(fs.FinishUpload(ctx, "u1", f)).get(t)
	if _, err := fs.FinishUpload(ctx, "u1", f); domain.KindOf(err) != domain.KindNotFound {
		t.Fatalf("finishing twice: %v", err)
	}
	if _, err := fs.Upload(ctx, "u1"); domain.KindOf(err) != domain.KindNotFound {
		t.Fatalf("a finished upload is still in progress: %v", err)
	}
	stored := ok(fs.File(ctx, "u1")).get(t)
	stored.CreatedAt = time.Time{}
	if fmt.Sprint(stored) != fmt.Sprint(f) {
		t.Fatalf("file:\n got %+v\nwant %+v", stored, f)
	}
	if same := ok(fs.FileByContent(ctx, "ab12", 100)).get(t); same.ID != "u1" {
		t.Fatalf("by content: %+v", same)
	}
	if _, err := fs.FileByContent(ctx, "ab12", 101); domain.KindOf(err) != domain.KindNotFound {
		t.Fatalf("by content, other size: %v", err)
	}
	// The finished file counts against the quota: 100 stored + 1 + 1 open.
	if _, err := fs.CreateUpload(ctx, up("u6", a.ID, 899), 10, 1000); domain.KindOf(err) != domain.KindTooLarge {
		t.Fatalf("a file did not count against the quota: %v", err)
	}
	// Stale uploads, oldest first.
	old := ok(fs.StaleUploads(ctx, time.Now().Add(time.Minute), 10)).get(t)
	if len(old) != 3 || old[0].ID != "b1" {
		t.Fatalf("stale: %d, first %+v", len(old), old)
	}
	if none := ok(fs.StaleUploads(ctx, time.Now().Add(-time.Hour), 10)).get(t); len(none) != 0 {
		t.Fatalf("stale an hour ago: %+v", none)
	}
	// A secret is made once and then the same.
	s1 := ok(fs.Secret(ctx, "links")).get(t)
	s2 := ok(fs.Secret(ctx, "links")).get(t)
	s3 := ok(fs.Secret(ctx, "other")).get(t)
	if len(s1) != 32 || !bytes.Equal(s1, s2) || bytes.Equal(s1, s3) {
		t.Fatalf("secrets: %x %x %x", s1, s2, s3)
	}
}

// testMessageMedia: a message's files are stored with it and read back,
// and who may fetch a file follows who may read a message carrying it.
func testMessageMedia(t *testing.T, open Opener) {
	s := open(t, &Recorder{})
	a, b, c, d := user(t, s, "mm_a"), user(t, s, "mm_b"), user(t, s, "mm_c"), user(t, s, "mm_d")
	for _, id := range []string{"f1", "f2", "f3"} {
		ok(s.CreateUpload(ctx, domain.Upload{ID: id, UserID: a.ID, Kind: domain.MediaPhoto, Length: 10}, 10, 1000)).get(t)
		ok(s.FinishUpload(ctx, id, domain.File{ID: id, OwnerID: a.ID, Kind: domain.MediaPhoto, MIME: "image/png", Size: 10,
			SHA256: id, Parts: []domain.Part{{Key: "f/" + id, Size: 10}}})).get(t)
	}
	may := func(u domain.User, id string) bool { return ok(s.CanReadFile(ctx, u.ID, id)).get(t) }
	if !may(a, "f1") || may(b, "f1") {
		t.Fatal("before sending: only the uploader may read a file")
	}
	g := groupWith(t, s, a.ID, domain.ChatInfo{DefaultRights: domain.GroupDefaultRights}, b.ID)
	media := []domain.Media{{FileID: "f1", Kind: domain.MediaPhoto, MIME: "image/png", Size: 10, Width: 4, Height: 3, Thumbs: []int{90}},
		{FileID: "f2", Kind: domain.MediaPhoto, MIME: "image/png", Size: 10}}
	ev, _, err := s.AppendMessage(ctx, domain.NewMessage{ChatID: g.ID, SenderID: a.ID, ClientID: "album", Text: "caption",
		Media: media, Need: domain.RightPost | domain.RightSendMedia})
	noErr(t, err)
	if fmt.Sprint(ev.Media) != fmt.Sprint(media) {
		t.Fatalf("sent media %+v", ev.Media)
	}
	hist := ok(s.History(ctx, g.ID, 0, 0, 10)).get(t)
	if last := hist[len(hist)-1]; fmt.Sprint(last.Media) != fmt.Sprint(media) || last.Text != "caption" {
		t.Fatalf("history media %+v", last)
	}
	if !may(b, "f1") || !may(b, "f2") || may(b, "f3") || may(c, "f1") {
		t.Fatal("a member may read the files of the chat's messages, and only those")
	}
	// A resend is the same message, still with its media.
	again, dup, err := s.AppendMessage(ctx, domain.NewMessage{ChatID: g.ID, SenderID: a.ID, ClientID: "album", Text: "caption",
		Media: media, Need: domain.RightPost | domain.RightSendMedia})
	noErr(t, err)
	if !dup || len(again.Media) != 2 {
		t.Fatalf("resend: dup %v %+v", dup, again.Media)
	}
	// Leaving ends the right.
	ok(s.RemoveMember(ctx, g.ID, b.ID, b.ID, 0)).get(t)
	if may(b, "f1") {
		t.Fatal("a member who left may still read the chat's files")
	}
	// In a public channel, anyone may.
	ch := channel(t, s, a.ID, "mm_public", false)
	_, _, err = s.AppendMessage(ctx, domain.NewMessage{ChatID: ch.ID, SenderID: a.ID, ClientID: "p1", Media: media[1:],
		Need: domain.RightPost | domain.RightSendMedia})
	noErr(t, err)
	if !may(d, "f2") || may(d, "f1") {
		t.Fatal("a public channel's files are anyone's to read, and only those")
	}
	// Deleted for everyone, the post no longer carries its file, nor lets
	// anyone fetch it.
	posts := ok(s.History(ctx, ch.ID, 0, 0, 10)).get(t)
	p := posts[len(posts)-1]
	ok(s.DeleteMessage(ctx, ch.ID, p.Seq, a.ID)).get(t)
	if may(d, "f2") {
		t.Fatal("a deleted post's file is still anyone's to read")
	}
	posts = ok(s.History(ctx, ch.ID, 0, 0, 10)).get(t)
	if p = posts[len(posts)-1]; !p.Deleted || len(p.Media) != 0 {
		t.Fatalf("a deleted post: %+v", p)
	}
	if !may(a, "f2") {
		t.Fatal("the uploader lost their own file")
	}
}
