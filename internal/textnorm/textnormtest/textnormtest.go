// Package textnormtest holds the spellings that chapar's search must treat
// as one: the same Persian, Arabic or English word as different keyboards,
// writers and web pages produce it. textnorm's tests check that every
// spelling folds the same; the search tests of the stores index one
// spelling and query with another.
//
// Escapes (\u…) stand for characters that cannot be told apart on screen.
package textnormtest

// A Group is one word or phrase in the spellings that must find each other.
type Group struct {
	Name   string   // what varies between the forms
	Forms  []string // the spellings, each written as someone would
	Folded string   // what textnorm.Fold makes of every form
}

// Groups is every kind of variant textnorm folds, with a common example.
var Groups = []Group{
	{"Arabic kaf", []string{"كتاب", "کتاب"}, "کتاب"},
	{"Arabic yeh", []string{"علي", "علی"}, "علی"},
	{"alef maksura", []string{"مصطفى", "مصطفی", "مصطفي"}, "مصطفی"},
	{"teh marbuta", []string{"مدرسة", "مدرسه"}, "مدرسه"},
	{"hamza on alef", []string{"أحمد", "احمد", "إحمد"}, "احمد"},
	{"madda and harakat", []string{"قُرآن", "قرآن", "قران"}, "قران"},
	{"harakat", []string{"مُحَمَّد", "مُحَمَّدٌ", "محمد"}, "محمد"},
	{"superscript alef", []string{"هٰذا", "هذا"}, "هذا"},
	{"alef wasla", []string{"ٱلله", "الله", "\uFDF2"}, "الله"},
	{"yeh with hamza", []string{"پائیز", "پاییز"}, "پاییز"},
	{"yeh with hamza, madda", []string{"آئین", "آیین", "ایین"}, "ایین"},
	{"waw with hamza", []string{"مسؤول", "مسوول"}, "مسوول"},
	{"heh with yeh", []string{"خانۀ", "خانه\u0654", "خانه"}, "خانه"},
	{"heh doachashmee", []string{"ھمه", "همه"}, "همه"},
	{"zero-width non-joiner", []string{"می\u200Cروم", "میروم"}, "میروم"},
	{"zero-width joiner", []string{"می\u200Dروم", "میروم"}, "میروم"},
	{"kashida", []string{"کـــتاب", "كـتاب", "کتاب"}, "کتاب"},
	{"presentation forms", []string{"\uFEDB\uFE98\uFE8E\uFE8F", "کتاب"}, "کتاب"},
	{"Persian presentation forms", []string{"\uFB90\uFB91\uFBFE\uFBFD", "ککیی"}, "ککیی"},
	{"lam-alef ligature", []string{"\uFEFB", "لا"}, "لا"},
	{"direction marks", []string{"\u200Fسلام\u200E", "\u061Cسلام", "\u202Bسلام\u202C", "سلام"}, "سلام"},
	{"direction isolates", []string{"\u2067سلام\u2069 \u2066Hello\u2069", "سلام hello"}, "سلام hello"},
	{"byte order mark", []string{"\uFEFFسلام", "سلام"}, "سلام"},
	{"Persian digits", []string{"۱۴۰۵", "١٤٠٥", "1405", "１４０５"}, "1405"},
	{"Arabic punctuation", []string{"سلام، خوبی؟", "سلام, خوبی?"}, "سلام, خوبی?"},
	{"decimal separator", []string{"۳٫۵", "3.5"}, "3.5"},
	{"Latin accents", []string{"Café", "cafe", "CAFÉ", "cafe\u0301"}, "cafe"},
	{"more Latin accents", []string{"São Paulo Ñandú naïve", "sao paulo nandu naive"}, "sao paulo nandu naive"},
	{"sharp s", []string{"Straße", "STRASSE", "strasse"}, "strasse"},
	{"fullwidth Latin", []string{"ＡＢＣ", "ABC", "abc"}, "abc"},
	{"Greek case and accents", []string{"Οδός", "ΟΔΟΣ", "οδος"}, "οδοσ"},
	{"whitespace", []string{"  سلام \t\n  دنیا  ", "سلام\u00A0دنیا", "سلام\u3000دنیا", "سلام دنیا"}, "سلام دنیا"},
	{"mixed", []string{"سلام Hello ۱۲۳", "سلام hello 123", "\u200Fسلام HELLO ١٢٣"}, "سلام hello 123"},
}

// A TermCase is a text and the search terms it holds.
type TermCase struct {
	Name  string
	Text  string
	Terms []string
}

// TermCases show how text splits into the terms a search index keeps.
var TermCases = []TermCase{
	{"empty", "", nil},
	{"only separators", "  ،؛؟! ... ", nil},
	{"mixed scripts", "سلام Hello ۱۲۳", []string{"سلام", "hello", "123"}},
	{"Arabic punctuation", "كتاب، قلم؟ دفتر؛", []string{"کتاب", "قلم", "دفتر"}},
	{"one word across a non-joiner", "می‌روم به مدرسة", []string{"میروم", "به", "مدرسه"}},
	{"duplicates kept", "Hello, World! hello", []string{"hello", "world", "hello"}},
	{"date", "۱۴۰۵/۰۱/۰۲", []string{"1405", "01", "02"}},
	{"address", "Ali.Rezaei@Example.com", []string{"ali", "rezaei", "example", "com"}},
	{"emoji", "😀سلام👍🏽", []string{"سلام"}},
	{"Quranic text", "بِسْمِ ٱللَّهِ ٱلرَّحْمَٰنِ ٱلرَّحِيمِ", []string{"بسم", "الله", "الرحمن", "الرحیم"}},
	{"marks inside a word", "हिंदी", []string{"हिंदी"}},
	{"bytes that are not UTF-8", "ab\xffcd", []string{"ab", "cd"}},
}
