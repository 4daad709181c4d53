// Package textnorm folds text for full-text search, so that what a reader
// types finds what a writer wrote, whichever variant of a letter or digit
// either of them used.
//
// Persian and Arabic share one script, but their keyboards type different
// letters for what a reader sees as the same one: an Arabic keyboard writes
// ي and ك, a Persian one ی and ک. Text pasted from the web brings
// presentation forms (ﻛﺘﺎﺏ), Quranic vowel signs, the kashida that
// stretches a word (کـــتاب), the zero-width non-joiner inside Persian words
// (می‌روم, often left out: میروم) and invisible direction marks. Numbers
// come in Persian (۱۴۰۵), Arabic-Indic (١٤٠٥) or ASCII (1405) digits. Latin
// text comes with case, accents (Café) and fullwidth forms (ＡＢＣ). Fold
// maps all of these to one form, and the search index and the query are both
// folded, so either side may use any variant.
//
// What Fold does, in order:
//
//   - Bytes that are not UTF-8, and U+FFFD (which marks text already lost),
//     become a space: they separate words but are never searched for.
//   - Compatibility forms become their plain letters (Unicode NFKC):
//     Arabic presentation forms, fullwidth Latin and digits, ligatures
//     such as ﬁ and ﷲ, superscript digits.
//   - Invisible characters are deleted: the zero-width non-joiner and
//     joiner, direction marks and isolates (LRM, RLM, ALM, U+202A–U+202E,
//     U+2066–U+2069), the byte order mark, the soft hyphen, variation
//     selectors and every other format character. Deleting the non-joiner
//     keeps می‌روم one word, equal to میروم. The zero-width space alone
//     becomes a space, since it marks where a word ends.
//   - Arabic letters become the Persian ones: ي ى ئ → ی; ك → ک;
//     ة ۀ ۂ ہ ۃ ھ → ه; أ إ آ ٱ ٲ ٳ → ا; ؤ → و; ۓ → ے. Harakat and the
//     other optional Arabic marks (U+0610–U+061A, U+064B–U+065F, the
//     superscript alef U+0670, the Quranic marks U+06D6–U+06ED, U+08D3–
//     U+08FF), the high hamza ٴ and the kashida ـ are deleted, and so are
//     Hebrew points, which are optional the same way.
//   - Digits of every script become ASCII digits (۱۴۰۵ and ١٤٠٥ → 1405),
//     and Arabic punctuation becomes ASCII: ، → , ؛ → ; ؟ → ? ٫ → .
//     ٬ → , ٪ → % ۔ → .
//   - Letters are lower-cased, consistently with Unicode simple case
//     folding (ς, Σ and σ all become σ; K the Kelvin sign becomes k).
//   - Accents are removed from Latin and Greek letters (é → e, ü → u,
//     ά → α), and a few Latin letters that have no decomposition are
//     spelled out: ß → ss, æ → ae, œ → oe, ø → o, ł → l, đ → d. Marks in
//     other scripts (Cyrillic й, Devanagari vowel signs, Thai tones) are
//     part of the letter and stay.
//   - Whitespace and control characters become single ASCII spaces, and
//     the ends are trimmed.
//
// Two choices deserve their reasons. آ folds to ا because searchers type
// the plain alef far more often than the madda (اب for آب) and Arabic
// writers seldom write the madda at all; a word that differs from another
// only by its madda is rare. ئ folds to ی because both spellings of the
// same Persian words are in use (پائیز and پاییز, آئین and آیین, قائل and
// قایل: the Academy's spelling uses ی where older texts use ئ), while two
// different words told apart only by the hamza on the yeh are rare.
//
// Fold is idempotent (Fold(Fold(s)) == Fold(s)), its output is valid UTF-8
// in Unicode normalization form C and never holds a NUL, and it runs in
// time linear in its input. Terms splits folded text into the words that a
// search index keeps.
package textnorm

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Fold returns s folded for search: see the package documentation for what
// it maps. It accepts any string, valid UTF-8 or not.
//
// Most text is folded rune by rune from a table. A stretch between ASCII
// spaces that holds a rune the table cannot fold alone (one that Unicode
// normalization would change or join to its neighbour: an accented or
// presentation form, a combining mark) is folded by foldChunk instead.
// Normalization never joins anything across an ASCII space or control, so
// the two ways agree, and folding a stretch is as good as folding the whole.
func Fold(s string) string {
	b := make([]byte, 0, len(s))
	space := false      // a space is due before the next rune
	chunk := 0          // where in s the current stretch began
	chunkOut := 0       // len(b) when it began
	chunkSpace := false // space when it began
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if to := quick[c]; to == ' ' {
				space = len(b) > 0
				chunk, chunkOut, chunkSpace = i+1, len(b), space
			} else {
				if space {
					b = append(b, ' ')
					space = false
				}
				b = append(b, byte(to))
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch to := quickFold(r, n); to {
		case ' ':
			space = len(b) > 0
		case drop:
		case slow:
			end := i + strings.IndexFunc(s[i:], func(r rune) bool { return r < utf8.RuneSelf && quick[r] == ' ' })
			if end < i {
				end = len(s)
			}
			b, space = b[:chunkOut], chunkSpace
			if w := foldChunk(s[chunk:end]); w != "" {
				if space {
					b = append(b, ' ')
				}
				b = append(b, w...)
				space = false
			}
			n = end - i
		default:
			if space {
				b = append(b, ' ')
				space = false
			}
			b = utf8.AppendRune(b, to)
		}
		i += n
	}
	return string(b)
}

// foldChunk folds s the long way: its bytes that are not UTF-8 become
// spaces, it is normalized (NFKC), folded rune by rune (foldRunes) and, if
// need be, its marks are dealt with (foldMarks).
func foldChunk(s string) string {
	s = strings.ToValidUTF8(s, " ")
	s = norm.NFKC.String(s)
	s, settled := foldRunes(s)
	if settled {
		return s
	}
	return foldMarks(s)
}

// Terms returns the words of s, folded: the runs of letters and digits
// that Fold leaves, in order, duplicates kept. Anything else separates
// words; a combining mark that survived folding belongs to the word it
// follows (the vowel signs of Devanagari, for one). It returns nil when s
// has no words. The terms share one backing string.
func Terms(s string) []string {
	f := Fold(s)
	var terms []string
	start := -1
	for i, r := range f {
		k := kindOf(r)
		inWord := k == letter || (k == mark && start >= 0)
		switch {
		case inWord && start < 0:
			start = i
		case !inWord && start >= 0:
			terms = append(terms, f[start:i])
			start = -1
		}
	}
	if start >= 0 {
		terms = append(terms, f[start:])
	}
	return terms
}

// What a rune is to Terms.
const (
	separator = iota
	letter    // or digit
	mark
)

func kindOf(r rune) uint8 {
	if r < quickEnd {
		return kinds[r]
	}
	return classify(r)
}

func classify(r rune) uint8 {
	switch {
	case unicode.IsLetter(r), unicode.IsNumber(r):
		return letter
	case unicode.Is(unicode.M, r):
		return mark
	}
	return separator
}

// maxMarks caps a run of combining marks after one letter. No script puts
// more than a handful on a letter; longer runs are decoration ("Zalgo"
// text). The cap also keeps every run well below the 30 marks after which
// the normalizer inserts U+034F to keep its buffers bounded, an insertion
// that would make Fold differ on its own output.
const maxMarks = 10

// foldRunes does the letter-by-letter work on NFKC text: it deletes the
// invisible characters and optional marks, maps Arabic letters, digits and
// punctuation, lowers case, and turns whitespace and controls into single
// spaces, trimmed. It reports whether the result is settled: holds nothing
// that foldMarks would change, which is so of most Persian, Arabic and
// English text.
func foldRunes(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	settled := true
	marks := 0     // marks written since the last other rune
	space := false // a space is due before the next rune
	for _, r := range s {
		to := foldRune(r)
		settled = settled && isSettled(to)
		switch {
		case to == drop:
			continue
		case to == ' ':
			space = b.Len() > 0
			marks = 0
			continue
		case to >= utf8.RuneSelf && unicode.Is(unicode.M, to):
			if marks == maxMarks {
				continue
			}
			marks++
		default:
			marks = 0
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(to)
	}
	return b.String(), settled
}

// isSettled reports whether foldMarks leaves r alone wherever it stands:
// r is no mark, does not decompose, does not compose with what precedes it
// (as a Hangul vowel does) and is not spelled out.
func isSettled(r rune) bool {
	if r < utf8.RuneSelf || r == drop {
		return true
	}
	if unicode.Is(unicode.M, r) || spelledOut(r) != "" {
		return false
	}
	var buf [utf8.UTFMax]byte
	c := buf[:utf8.EncodeRune(buf[:], r)]
	return norm.NFD.Properties(c).Decomposition() == nil && norm.NFC.Properties(c).BoundaryBefore()
}

// foldRune is the fate of one rune of NFKC text: the rune to write in its
// place, or drop. Every result is itself left alone by foldRune and by
// NFKC, which keeps Fold idempotent.
func foldRune(r rune) rune {
	switch {
	case r == '\u200B': // zero-width space: a word boundary
		return ' '
	case r == utf8.RuneError, unicode.IsSpace(r), unicode.IsControl(r):
		return ' '
	case isInvisible(r), isOptionalMark(r):
		return drop
	}
	if to, ok := arabicLetter(r); ok {
		return to
	}
	if d, ok := digitValue(r); ok {
		return '0' + d
	}
	if unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r) {
		// ToLower alone leaves ς, ſ and ϑ apart from σ, s and θ, which
		// simple case folding joins; going through upper case joins
		// them too.
		return unicode.ToLower(unicode.ToUpper(r))
	}
	return r
}

// isInvisible reports whether r is a character with no glyph of its own
// that only steers rendering: format characters (joiners, direction
// controls, the BOM, the soft hyphen, tags), variation selectors and the
// other default-ignorable code points (the grapheme joiner, Hangul
// fillers).
func isInvisible(r rune) bool {
	return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r) ||
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r)
}

// isOptionalMark reports whether r is a mark that writers of its script
// mostly leave out: Arabic harakat and Quranic signs, the kashida and the
// high hamza, Hebrew points.
func isOptionalMark(r rune) bool {
	switch {
	case r == '\u0640', r == '\u0674': // tatweel (kashida); high hamza
		return true
	case r >= '\u06D6' && r <= '\u06ED':
		// Quranic annotation: marks and the small waw and yeh; the two
		// symbols ۞ and ۩ stand between words and stay.
		return r != '\u06DE' && r != '\u06E9'
	case !unicode.Is(unicode.Mn, r):
		return false
	}
	return (r >= '\u064B' && r <= '\u065F') || r == '\u0670' ||
		unicode.Is(unicode.Arabic, r) || unicode.Is(unicode.Hebrew, r)
}

// arabicLetter maps the Arabic letters that Persian writes differently,
// and Arabic punctuation. Only composed forms reach it (NFKC composes), so
// ئ is seen whole, not as ي plus a hamza.
func arabicLetter(r rune) (rune, bool) {
	switch r {
	case 'ي', 'ى', 'ئ': // U+064A, U+0649, U+0626 (ئ: پائیز = پاییز, see the package doc)
		return 'ی', true // U+06CC
	case 'ك': // U+0643
		return 'ک', true // U+06A9
	case 'ة', 'ۀ', 'ۂ', 'ہ', 'ۃ', 'ھ': // U+0629, U+06C0, U+06C2, U+06C1, U+06C3, U+06BE
		return 'ه', true // U+0647
	case 'أ', 'إ', 'آ', 'ٱ', 'ٲ', 'ٳ': // U+0623, U+0625, U+0622 (آب = اب), U+0671, U+0672, U+0673
		return 'ا', true // U+0627
	case 'ؤ': // U+0624
		return 'و', true // U+0648
	case 'ۓ': // U+06D3: yeh barree with hamza above
		return 'ے', true // U+06D2
	case '،': // U+060C
		return ',', true
	case '؛': // U+061B
		return ';', true
	case '؟': // U+061F
		return '?', true
	case '٫': // U+066B: decimal separator
		return '.', true
	case '٬': // U+066C: thousands separator
		return ',', true
	case '٪': // U+066A
		return '%', true
	case '۔': // U+06D4: full stop (Urdu)
		return '.', true
	}
	return 0, false
}

// digitValue returns the value of a decimal digit of any script. Unicode
// encodes every script's digits as a run of ten, zero first, and promises
// to keep doing so; unicode.Nd lists whole runs.
func digitValue(r rune) (rune, bool) {
	if r >= '\u06F0' && r <= '\u06F9' { // Persian, the common case
		return r - '\u06F0', true
	}
	if !unicode.Is(unicode.Nd, r) {
		return 0, false
	}
	nd := unicode.Nd
	for _, rg := range nd.R16 {
		if lo, hi := rune(rg.Lo), rune(rg.Hi); r >= lo && r <= hi {
			return (r - lo) % 10, true
		}
	}
	for _, rg := range nd.R32 {
		if lo, hi := rune(rg.Lo), rune(rg.Hi); r >= lo && r <= hi {
			return (r - lo) % 10, true
		}
	}
	return 0, false
}

// foldMarks finishes folding: on the decomposed text it drops the accents
// of Latin and Greek letters and spells out the Latin letters that have no
// decomposition, then composes again (NFC). Spaces are already collapsed,
// and nothing it drops stands alone between two of them: a mark after a
// space stays.
func foldMarks(s string) string {
	s = norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(s))
	accented := false // the last letter is one whose accents are dropped
	for _, r := range s {
		if r >= utf8.RuneSelf && unicode.Is(unicode.Mn, r) {
			if accented || isOptionalMark(r) {
				continue
			}
		} else {
			accented = hasOptionalAccents(r)
		}
		if o := spelledOut(r); o != "" {
			b.WriteString(o)
		} else {
			b.WriteRune(r)
		}
	}
	return norm.NFC.String(b.String())
}

// spelledOut returns how a Latin letter without a decomposition is
// written by those who type without it, or "".
func spelledOut(r rune) string {
	switch r {
	case 'ß':
		return "ss"
	case 'æ':
		return "ae"
	case 'œ':
		return "oe"
	case 'ø':
		return "o"
	case 'ł':
		return "l"
	case 'đ':
		return "d"
	}
	return ""
}

// hasOptionalAccents reports whether the accents on r may be dropped:
// those of Latin and Greek letters, which searchers often type without
// them.
func hasOptionalAccents(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	}
	return unicode.Is(unicode.Latin, r) || unicode.Is(unicode.Greek, r)
}

// Results of quickFold beyond a rune to write.
const (
	drop = -1 // write nothing
	slow = -2 // fold the stretch around it with foldChunk
)

// quickFold is what the table knows of r (n bytes long in the input): the
// rune it folds to, drop, or slow.
func quickFold(r rune, n int) rune {
	switch {
	case r == utf8.RuneError && n == 1: // a byte that is not UTF-8
		return ' '
	case r < quickEnd:
		return quick[r]
	case r >= punctFirst && r <= punctLast:
		return quickPunct[r-punctFirst]
	}
	return slow
}

// The table covers ASCII, Latin-1 and the scripts up to Arabic, and the
// general punctuation (where the non-joiner and direction marks are).
const (
	quickEnd   = 0x0700
	punctFirst = 0x2000
	punctLast  = 0x206F
)

var (
	quick      [quickEnd]rune
	quickPunct [punctLast - punctFirst + 1]rune
	kinds      [quickEnd]uint8
)

func init() {
	for r := range quick {
		quick[r] = quickFate(rune(r))
		kinds[r] = classify(rune(r))
	}
	for i := range quickPunct {
		quickPunct[i] = quickFate(punctFirst + rune(i))
	}
}

// quickFate works out a rune's table entry: what foldChunk makes of it,
// when that does not depend on its neighbours; otherwise slow.
func quickFate(r rune) rune {
	c := string(r)
	if !norm.NFKC.IsNormalString(c) {
		return slow // NFKC changes it
	}
	if !norm.NFKC.PropertiesString(c).BoundaryBefore() {
		// NFKC may join it to what precedes. The Arabic marks it joins
		// make letters that fold to the letter without the mark (ا with
		// madda is آ, folded to ا), so dropping them at once gives the
		// same, except for ە with hamza above: ۀ folds to ه, not ە.
		if isOptionalMark(r) && r != '\u0654' {
			return drop
		}
		return slow
	}
	to := foldRune(r)
	if to != drop && !isSettled(to) {
		return slow
	}
	return to
}
