package textnorm

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/chapar/chapar/internal/textnorm/textnormtest"
)

func TestGroupsFoldAlike(t *testing.T) {
	for _, g := range textnormtest.Groups {
		t.Run(g.Name, func(t *testing.T) {
			want := Terms(g.Folded)
			for _, form := range g.Forms {
				if got := Fold(form); got != g.Folded {
					t.Errorf("Fold(%+q) = %+q, want %+q", form, got, g.Folded)
				}
				if got := Terms(form); !slices.Equal(got, want) {
					t.Errorf("Terms(%+q) = %+q, want %+q", form, got, want)
				}
			}
		})
	}
}

func TestFold(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"only spaces", " \t\n\u00A0\u2028 ", ""},
		{"ASCII", "  Hello,\tWORLD!\r\n", "hello, world!"},
		{"ASCII already folded", "hello world", "hello world"},
		{"ASCII controls separate", "a\x00b\x1bc\x7fd", "a b c d"},
		{"C1 controls separate", "a\u0085b\u009Bc", "a b c"},
		{"invalid UTF-8 separates", "ab\xff\xfecd", "ab cd"},
		{"truncated UTF-8", "سلام\xd8", "سلام"},
		{"replacement character separates", "ab\uFFFDcd", "ab cd"},
		{"zero-width space separates", "foo\u200Bbar", "foo bar"},
		{"soft hyphen", "Ver\u00ADtrag", "vertrag"},
		{"word joiner", "a\u2060b", "ab"},
		{"variation selector", "\u2764\uFE0F", "\u2764"},
		{"grapheme joiner", "a\u034Fb", "ab"},
		{"Arabic number sign", "\u0600۱۲", "12"},
		{"yeh with hamza → yeh", "رئيس", "رییس"},
		{"madda dropped", "آب", "اب"},
		{"standalone hamza kept", "جزء", "جزء"},
		{"keheh and gaf kept", "کاگ", "کاگ"},
		{"heh goal", "کوہ", "کوه"},
		{"heh goal with hamza", "\u06C2", "ه"},
		{"yeh barree kept, its hamza dropped", "ۓے", "ےے"},
		{"high hamza", "\u0675", "ا"},
		{"Quranic marks", "ذَٰلِكَ ٱلْكِتَٰبُ لَا رَيْبَ ۛ فِيهِ ۛ", "ذلک الکتب لا ریب فیه"},
		{"Quranic symbols stay", "۞ آية ۩", "۞ ایه ۩"},
		{"Arabic extended marks", "ب\u08F0", "ب"},
		{"Arabic punctuation", "،؛؟٪٬٫۔", ",;?%,.."},
		{"Persian ezafe", "کتابِ من", "کتاب من"},
		{"Persian name", "حسينِي", "حسینی"},
		{"Arabic-Indic and Persian digits", "٠١٢٣٤٥٦٧٨٩ ۰۱۲۳۴۵۶۷۸۹", "0123456789 0123456789"},
		{"Devanagari digits", "१२३", "123"},
		{"superscript and circled digits", "x² ①", "x2 1"},
		{"mathematical digits", "\U0001D7D9", "1"},
		{"ligature", "ﬁne", "fine"},
		{"Kelvin sign", "\u212A", "k"},
		{"long s", "ſ", "s"},
		{"dotted capital I", "İstanbul", "istanbul"},
		{"dotless i", "ılık", "ilik"},
		{"Latin letters with strokes", "Øre Łódź Đakovo Ærø Œuvre", "ore lodz dakovo aero oeuvre"},
		{"capital sharp s", "\u1E9E", "ss"},
		{"ø with acute", "ǾǿØ", "ooo"},
		{"Vietnamese", "Tiếng Việt", "tieng viet"},
		{"Greek final sigma", "ς", "σ"},
		{"Greek iota subscript", "ᾼ", "α"},
		{"Cyrillic breve kept", "Йод ё", "йод ё"},
		{"Cyrillic mark rejoined", "и\u200C\u0306", "й"},
		{"Hebrew points", "שָׁלוֹם", "שלום"},
		{"Hebrew presentation form", "\uFB2E", "א"},
		{"Devanagari marks kept", "हिंदी", "हिंदी"},
		{"Hangul", "한국어", "한국어"},
		{"Hangul jamo compose", "\u1112\u1161\u11AB", "한"},
		{"mark after space kept", "a \u0301b", "a \u0301b"},
		{"leading mark kept", "\u0301", "\u0301"},
		{"Zalgo capped", "и" + strings.Repeat("\u0306\u0308", 40), "й" + strings.Repeat("\u0308\u0306", 5)},
		{"Zalgo on Latin gone", "a" + strings.Repeat("\u0301\u0323", 50), "a"},
		{"emoji kept", "سلام 👋🏽", "سلام 👋🏽"},
		{"NFKC spaces inside ligature", "\uFDFA", "صلی الله علیه وسلم"},
		{"shadda ligature", "a\uFC60b", "a b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Fold(tt.in)
			if got != tt.want {
				t.Errorf("Fold(%+q) = %+q, want %+q", tt.in, got, tt.want)
			}
			if again := Fold(got); again != got {
				t.Errorf("Fold(Fold(%+q)) = %+q, not %+q", tt.in, again, got)
			}
		})
	}
}

func TestTerms(t *testing.T) {
	for _, tc := range textnormtest.TermCases {
		t.Run(tc.Name, func(t *testing.T) {
			got := Terms(tc.Text)
			if !slices.Equal(got, tc.Terms) {
				t.Errorf("Terms(%+q) = %+q, want %+q", tc.Text, got, tc.Terms)
			}
			if tc.Terms == nil && got != nil {
				t.Errorf("Terms(%+q) = %#v, want nil", tc.Text, got)
			}
			for _, term := range got {
				if strings.ContainsFunc(term, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) }) {
					t.Errorf("term %+q holds a space or punctuation", term)
				}
			}
		})
	}
}

// TestEveryRune checks, for every code point alone and in the company that
// tests the seams between Fold's steps (a mark after it, an invisible
// between it and a mark, a letter before it), what FuzzFold checks.
func TestEveryRune(t *testing.T) {
	if testing.Short() {
		t.Skip("1.1 million code points")
	}
	// Unassigned and private-use code points behave alike, and so do the
	// CJK, Hangul, Yi and other letters above U+3000 that have no
	// decomposition: those are sampled.
	sample := rune(31)
	if raceEnabled {
		sample = 997 // the race detector slows Fold down tenfold
	}
	for r := rune(0); r <= unicode.MaxRune; r++ {
		c := string(r)
		assigned := unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z, unicode.Cc, unicode.Cf)
		bulk := !assigned || (r > 0x3000 && unicode.Is(unicode.Lo, r) && norm.NFKD.IsNormalString(c))
		if utf8.ValidRune(r) && (!bulk || r%sample == 0) {
			for _, s := range []string{c, c + "\u0301", c + "\u0654", c + "\u200C\u0306", "И" + c, "a" + c + "b"} {
				checkFold(t, s)
			}
		}
	}
}

func TestHugeInput(t *testing.T) {
	tests := []struct {
		name, in string
	}{
		{"marks", "a" + strings.Repeat("\u0301", 1<<16)},
		{"Cyrillic marks", "и" + strings.Repeat("\u0306", 1<<16)},
		{"invalid", strings.Repeat("\xff", 1<<20)},
		{"invisible", strings.Repeat("\u200C", 1<<18)},
		{"text", strings.Repeat(message[:200], 5000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkFold(t, tt.in)
		})
	}
}

// TestDigitRuns checks what digitValue relies on: Go's table of decimal
// digits lists whole runs of ten.
func TestDigitRuns(t *testing.T) {
	for _, rg := range unicode.Nd.R16 {
		if rg.Stride != 1 || (rg.Hi-rg.Lo+1)%10 != 0 {
			t.Errorf("digits %U–%U stride %d: not runs of ten", rg.Lo, rg.Hi, rg.Stride)
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if rg.Stride != 1 || (rg.Hi-rg.Lo+1)%10 != 0 {
			t.Errorf("digits %U–%U stride %d: not runs of ten", rg.Lo, rg.Hi, rg.Stride)
		}
	}
}

// TestQuickTable checks the table Fold reads against the long way: every
// rune it folds alone, foldChunk folds the same; none becomes a mark (the
// marks after a letter are counted only the long way); ASCII is never slow.
func TestQuickTable(t *testing.T) {
	check := func(r rune) {
		to := quickFold(r, utf8.RuneLen(r))
		var want string
		switch {
		case to == slow:
			if r < utf8.RuneSelf {
				t.Errorf("%U: slow", r)
			}
			return
		case to >= 0 && to != ' ':
			want = string(to)
		}
		if got := foldChunk(string(r)); got != want {
			t.Errorf("%U: table %+q, foldChunk %+q", r, want, got)
		}
		if to >= 0 && unicode.Is(unicode.M, to) {
			t.Errorf("%U: table gives the mark %U", r, to)
		}
	}
	var quickRunes, quickMarks []rune
	for r := rune(0); r < quickEnd; r++ {
		quickRunes = append(quickRunes, r)
	}
	for r := rune(punctFirst); r <= punctLast; r++ {
		quickRunes = append(quickRunes, r)
	}
	for _, r := range quickRunes {
		check(r)
		if quickFold(r, utf8.RuneLen(r)) == drop && !norm.NFKC.PropertiesString(string(r)).BoundaryBefore() {
			quickMarks = append(quickMarks, r)
		}
	}
	// The marks the table drops although NFKC could join them to the
	// rune before: the result must be the same as the long way's.
	for _, r := range quickRunes {
		for _, m := range quickMarks {
			for _, s := range []string{string(r) + string(m), string(r) + string(m) + "\u0653", string(r) + "\u064E" + string(m)} {
				if got, want := Fold(s), foldChunk(s); got != want {
					t.Errorf("Fold(%+q) = %+q, the long way %+q", s, got, want)
				}
			}
		}
	}
}

// checkFold checks Fold's promises on s.
func checkFold(t *testing.T, s string) {
	t.Helper()
	f := Fold(s)
	switch {
	case !utf8.ValidString(f):
		t.Fatalf("Fold(%+q) = %+q, not UTF-8", s, f)
	case foldChunk(s) != f:
		t.Fatalf("Fold(%+q) = %+q, but folded whole it is %+q", s, f, foldChunk(s))
	case Fold(f) != f:
		t.Fatalf("Fold(%+q) = %+q, but Fold of that is %+q", s, f, Fold(f))
	case !norm.NFC.IsNormalString(f):
		t.Fatalf("Fold(%+q) = %+q, not NFC", s, f)
	case strings.HasPrefix(f, " ") || strings.HasSuffix(f, " ") || strings.Contains(f, "  "):
		t.Fatalf("Fold(%+q) = %+q: spaces not collapsed", s, f)
	case strings.ContainsRune(f, 0) || strings.ContainsRune(f, '\u200C') || strings.ContainsRune(f, utf8.RuneError):
		t.Fatalf("Fold(%+q) = %+q holds NUL, ZWNJ or U+FFFD", s, f)
	}
	if a, b := Terms(f), Terms(s); !slices.Equal(a, b) {
		t.Fatalf("Terms(Fold(%+q)) = %+q, Terms = %+q", s, a, b)
	}
}

// message is a chat message of 4,000 characters, Persian with English, the
// way people write: Arabic and Persian letters mixed, non-joiners, Persian
// digits, punctuation of both.
var message = func() string {
	parts := []string{
		"سلام علي جان، امروز به کتاب‌خانه رفتم و کتاب «مدرسة» را گرفتم. ",
		"The meeting is at ۱۰:۳۰ tomorrow, don't be late! ",
		"می‌خواهم بدانم آیا فايل‌ها را فرستادي؟ ",
		"Café prices went up by ۱۵٪ this year — crazy. ",
		"ساعت ١٢ ظهر جلسه داريم؛ لطفاً دير نکن. ",
		"See https://example.com/docs for the API. ",
	}
	var b strings.Builder
	for i := 0; utf8.RuneCountInString(b.String()) < 4000; i++ {
		b.WriteString(parts[i%len(parts)])
	}
	r := []rune(b.String())
	return string(r[:4000])
}()

func BenchmarkFold(b *testing.B) {
	b.SetBytes(int64(len(message)))
	for b.Loop() {
		Fold(message)
	}
}

func BenchmarkTerms(b *testing.B) {
	b.SetBytes(int64(len(message)))
	for b.Loop() {
		Terms(message)
	}
}

func BenchmarkFoldASCII(b *testing.B) {
	s := strings.Repeat("The meeting is at 10:30 tomorrow, Don't be late! ", 80)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		Fold(s)
	}
}
