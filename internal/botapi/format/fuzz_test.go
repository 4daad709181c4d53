package format

import (
	"strings"
	"testing"
)

// The fuzz targets feed the parsers anything, seeded from the tables: they
// must never panic, and what they accept must be entities that fit the text
// and nest as Telegram lets them (checkEntities).
//
// Inputs are kept short: every new input the fuzzer finds is minimised, in
// time quadratic in its length, and meanwhile no fuzzing is done. The
// parsers keep no state that needs a long input to go wrong.
const maxInput = 512

func FuzzParseHTML(f *testing.F) {
	for _, tc := range rawHTMLCases {
		addSeed(f, tc.in)
	}
	fuzzParse(f, "HTML")
}

func FuzzParseMarkdownV2(f *testing.F) {
	for _, tc := range rawMarkdownV2Cases {
		addSeed(f, tc.in)
	}
	fuzzParse(f, "MarkdownV2")
}

func FuzzParseMarkdown(f *testing.F) {
	fuzzParse(f, "Markdown")
}

func addSeed(f *testing.F, in string) {
	if len(in) <= maxInput {
		f.Add(in)
	}
}

func fuzzParse(f *testing.F, mode string) {
	for _, tc := range parseCases {
		if tc.mode == mode {
			addSeed(f, tc.in)
		}
	}
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > maxInput {
			return
		}
		text, entities, err := Parse(in, mode)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "Bad Request: ") {
				t.Fatalf("%q: error %q is not worded as the Bot API's", in, err)
			}
			return
		}
		if len(text) > len(in) {
			t.Fatalf("%q: the text grew to %q", in, text)
		}
		checkEntities(t, text, entities)
	})
}

// FuzzValidate sends up to three entities, of any type and place, with a
// text; what Validate accepts must be fixed as Parse's output is.
func FuzzValidate(f *testing.F) {
	for _, tc := range validateCases {
		var b [3]Entity
		copy(b[:], tc.in)
		f.Add(tc.text, typeIndex(b[0].Type), b[0].Offset, b[0].Length, typeIndex(b[1].Type), b[1].Offset, b[1].Length,
			typeIndex(b[2].Type), b[2].Offset, b[2].Length)
	}
	f.Fuzz(func(t *testing.T, text string, t0 uint8, o0, l0 int, t1 uint8, o1, l1 int, t2 uint8, o2, l2 int) {
		if len(text) > maxInput {
			return
		}
		var in []Entity
		for _, x := range []struct {
			typ            uint8
			offset, length int
		}{{t0, o0, l0}, {t1, o1, l1}, {t2, o2, l2}} {
			e := Entity{Type: fuzzTypes[int(x.typ)%len(fuzzTypes)], Offset: x.offset, Length: x.length}
			switch e.Type {
			case "text_link":
				e.URL = "t.me"
			case "text_mention":
				e.User = &User{ID: 1}
			case "custom_emoji":
				e.CustomEmojiID = "1"
			case "pre":
				e.Language = "go"
			}
			in = append(in, e)
		}
		entities, err := Validate(text, in)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "Bad Request: ") {
				t.Fatalf("%q %v: error %q is not worded as the Bot API's", text, in, err)
			}
			return
		}
		checkEntities(t, text, entities)
	})
}

var fuzzTypes = []string{
	"bold", "italic", "underline", "strikethrough", "spoiler", "blockquote", "expandable_blockquote",
	"code", "pre", "text_link", "text_mention", "custom_emoji", "url", "mention", "unknown",
}

func typeIndex(typ string) uint8 {
	for i, t := range fuzzTypes {
		if t == typ {
			return uint8(i)
		}
	}
	return uint8(len(fuzzTypes) - 1)
}
