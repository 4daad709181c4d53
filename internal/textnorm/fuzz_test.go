package textnorm

import (
	"testing"

	"github.com/chapar/chapar/internal/textnorm/textnormtest"
)

// FuzzFold checks that Fold never panics, returns UTF-8 in NFC with its
// spaces collapsed, is idempotent, and that folding before Terms changes
// nothing. The seeds are the test fixtures and the inputs that probe the
// seams between Fold's steps.
func FuzzFold(f *testing.F) {
	for _, g := range textnormtest.Groups {
		for _, form := range g.Forms {
			f.Add(form)
		}
	}
	for _, tc := range textnormtest.TermCases {
		f.Add(tc.Text)
	}
	for _, s := range []string{
		"ab\xff\xfecd", "\xd8", "\u0301", "a \u0301b", "и\u200C\u0306", "ي\u200C\u0654",
		"ǿ", "\u06C2", "\uFDFA", "\uFC60", "ᾼ", "İ", "ß", "\u0344\u0344\u0344",
		message[:300],
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkFold(t, s)
	})
}
