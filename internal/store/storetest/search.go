package storetest

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/textnorm/textnormtest"
)

// testSearch: search finds what was written whichever variant of a letter
// or digit either side used, ranks and pages, follows edits and deletes,
// and never returns a message from a chat the caller is not in.
func testSearch(t *testing.T, open Opener) {
	s := open(t, &Recorder{})
	a, b, c := user(t, s, "search_a"), user(t, s, "search_b"), user(t, s, "search_c")
	g := group(t, s, a.ID, b.ID)
	d, _, _, err := s.CreateChat(ctx, domain.NewChat{Type: domain.ChatDirect, CreatorID: a.ID, Members: []int64{c.ID},
		DirectKey: "search-ac"})
	noErr(t, err)

	book := send(t, s, g.ID, a.ID, "s1", "كتاب خوبی بود") // Arabic kaf and yeh
	going := send(t, s, g.ID, b.ID, "s2", "فردا می‌روم خانه")
	cafe := send(t, s, g.ID, a.ID, "s3", "Café au lait?")
	year := send(t, s, g.ID, b.ID, "s4", "سال ۱۴۰۵ خوش")
	private := send(t, s, d.ID, c.ID, "s5", "این کتاب را بخوان")

	find := func(who domain.User, chat int64, query string, want ...domain.Event) {
		t.Helper()
		got, err := s.SearchMessages(ctx, who.ID, chat, domain.SearchTerms(query), 20, 0)
		noErr(t, err)
		if len(got) != len(want) {
			t.Fatalf("%s searching %q: %d results %v, want %d", who.Username, query, len(got), texts(got), len(want))
		}
		for _, w := range want {
			found := false
			for _, e := range got {
				found = found || (e.ChatID == w.ChatID && e.Seq == w.Seq)
			}
			if !found {
				t.Fatalf("%s searching %q: %v lacks %q", who.Username, query, texts(got), w.Text)
			}
		}
	}
	find(a, 0, "کتاب", book, private) // Persian kaf finds the Arabic one
	find(b, 0, "کتاب", book)          // b is not in a's chat with c
	find(c, 0, "كتاب", private)       // and c is not in the group
	find(a, d.ID, "کتاب", private)    // one chat only
	find(a, 0, "کتا", book, private)  // the last word as a prefix
	find(a, 0, "میروم", going)        // without the zero-width non-joiner
	find(a, 0, "CAFE", cafe)          // case and accents folded
	find(a, 0, "1405", year)          // Persian digits
	find(a, 0, "سال ١٤٠٥", year)      // Arabic digits in the query
	find(a, 0, "کتاب خانه")           // every word must match
	find(a, 0, "nothing")

	// A very long word is indexed (and found) by its first letters.
	long := send(t, s, g.ID, a.ID, "s6", strings.Repeat("ب", 3000)+" end")
	find(a, 0, strings.Repeat("ب", 3000), long)
	find(a, 0, strings.Repeat("ب", 10), long)

	// Paging: two results, one a page.
	p1 := ok(s.SearchMessages(ctx, a.ID, 0, domain.SearchTerms("کتاب"), 1, 0)).get(t)
	p2 := ok(s.SearchMessages(ctx, a.ID, 0, domain.SearchTerms("کتاب"), 1, 1)).get(t)
	if len(p1) != 1 || len(p2) != 1 || p1[0].Pos == p2[0].Pos {
		t.Fatalf("pages %v / %v", texts(p1), texts(p2))
	}

	// Edits change what is found; deletes remove it.
	ok(s.EditMessage(ctx, g.ID, cafe.Seq, a.ID, "چای", domain.Rich{})).get(t)
	find(a, 0, "cafe")
	cafe.Text = "چای"
	find(a, 0, "چای", cafe)
	ok(s.DeleteMessage(ctx, g.ID, year.Seq, b.ID)).get(t)
	find(a, 0, "1405")

	// A member who leaves no longer finds the chat's messages.
	ok(s.RemoveMember(ctx, g.ID, a.ID, b.ID, 0)).get(t)
	find(b, 0, "کتاب")
}

func texts(evs []domain.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Text
	}
	return out
}

// testSearchSpellings: for every group of spellings in textnormtest, a
// message written in one spelling is found by every other.
func testSearchSpellings(t *testing.T, open Opener) {
	s := open(t, &Recorder{})
	a, b := user(t, s, "spell_a"), user(t, s, "spell_b")
	g := group(t, s, a.ID, b.ID)
	for i, grp := range textnormtest.Groups {
		if len(domain.SearchTerms(grp.Forms[0])) == 0 {
			continue // punctuation-only groups have nothing to search for
		}
		m := send(t, s, g.ID, a.ID, "spell"+strconv.Itoa(i), grp.Forms[0])
		for _, form := range grp.Forms {
			got := ok(s.SearchMessages(ctx, b.ID, g.ID, domain.SearchTerms(form), 50, 0)).get(t)
			found := false
			for _, e := range got {
				found = found || e.Seq == m.Seq
			}
			if !found {
				t.Errorf("%s: %q written, %q searched: not found (%v)", grp.Name, grp.Forms[0], form, texts(got))
			}
		}
	}
}
