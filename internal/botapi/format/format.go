// Package format owns the Bot API's text formatting: it turns text written
// in one of Telegram's markup languages (HTML, MarkdownV2 and the legacy
// Markdown) into plain text and message entities, and checks the entities a
// bot sends instead.
//
// Bots are written against Telegram, so the parsers follow the ones behind
// the official Bot API server (TDLib's MessageEntity.cpp) byte for byte: the
// same escapes, the same quirks, and the same error descriptions, because
// bot libraries match on them. After parsing, and in Validate, entities are
// fixed the way Telegram fixes every message's (TDLib's fix_entities):
// nothing stays inside code or pre, formatting of one type that overlaps or
// touches is merged, and formatting is cut where other entities begin and
// end, so the result is what a bot would read back from Telegram.
//
// Offsets and lengths count UTF-16 code units, as Telegram's do.
//
// Not done here, because Telegram does it to every message whatever its
// parse mode and it changes the text: dropping carriage returns and other
// control characters, trimming, and finding urls, mentions and hashtags.
package format

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Entity is a Telegram MessageEntity.
type Entity struct {
	// Type is one of bold, italic, underline, strikethrough, spoiler, code,
	// pre, text_link, text_mention, custom_emoji, blockquote,
	// expandable_blockquote, or one of the kinds Telegram finds by itself:
	// mention, hashtag, cashtag, bot_command, url, email, phone_number,
	// bank_card_number.
	Type   string `json:"type"`
	Offset int    `json:"offset"` // in UTF-16 code units
	Length int    `json:"length"` // in UTF-16 code units

	URL           string `json:"url,omitempty"`             // text_link
	User          *User  `json:"user,omitempty"`            // text_mention
	Language      string `json:"language,omitempty"`        // pre
	CustomEmojiID string `json:"custom_emoji_id,omitempty"` // custom_emoji
}

// User names the user a text_mention points at; the transport fills in the
// rest of the Bot API's User object.
type User struct {
	ID int64 `json:"id"`
}

// Parse applies parse_mode to text and returns the plain text and its
// entities, sorted as Telegram sorts them: by offset, the longer first, so
// an entity comes before those nested in it. The mode is "HTML",
// "MarkdownV2", "Markdown" (legacy) or "" (none), in any case.
//
// Every error is the client's: its message is the Bot API's description,
// such as `Bad Request: can't parse entities: Unsupported start tag "foo"
// at byte offset 0`.
func Parse(text, mode string) (string, []Entity, error) {
	if text == "" {
		return "", nil, nil // Telegram does not look at the mode then
	}
	var parse func(string) (string, []Entity, error)
	switch strings.ToLower(mode) {
	case "", "none":
		return text, nil, nil
	case "html":
		parse = parseHTML
	case "markdownv2":
		parse = parseMarkdownV2
	case "markdown":
		parse = parseMarkdown
	default:
		return "", nil, badRequest("unsupported parse_mode")
	}
	if !utf8.ValidString(text) {
		return "", nil, badRequest("Text must be encoded in UTF-8")
	}
	plain, entities, err := parse(text)
	if err != nil {
		return "", nil, err
	}
	return plain, fixEntities(entities), nil
}

// maxMessageLength is the most UTF-16 units a message's text may have. A
// link without a URL links to its text, but one longer than this cannot be
// sent anyway, so it is not tried: that keeps nested links from costing
// time quadratic in the input.
const maxMessageLength = 4096

// UTF16Len is the length of s in UTF-16 code units, the unit of entity
// offsets. A byte that is not UTF-8 counts as one unit, as U+FFFD would.
func UTF16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16Units(r)
	}
	return n
}

func utf16Units(r rune) int {
	if r > 0xFFFF {
		return 2
	}
	return 1
}

// units is how many UTF-16 code units the UTF-8 byte c starts: the parsers
// walk bytes, as TDLib's do, so that byte offsets in errors match.
func units(c byte) int {
	switch {
	case c&0xC0 == 0x80:
		return 0 // continuation byte
	case c >= 0xF0:
		return 2 // four-byte sequence: a surrogate pair
	default:
		return 1
	}
}

// badRequest words msg as the Bot API does: a TDLib message with its first
// letter lowered, after "Bad Request: ".
func badRequest(msg string) error {
	if msg != "" && 'A' <= msg[0] && msg[0] <= 'Z' {
		msg = string(msg[0]+'a'-'A') + msg[1:]
	}
	return errors.New("Bad Request: " + msg)
}

// parseError is a markup error: TDLib's words after "can't parse entities".
func parseError(format string, args ...any) error {
	return errors.New("Bad Request: can't parse entities: " + fmt.Sprintf(format, args...))
}

// byteAt reads like TDLib's NUL-terminated strings: past the end is 0.
func byteAt(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

// isSpace is TDLib's is_space, which counts NUL so scans stop at the end.
func isSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', 0, '\v', '\f':
		return true
	}
	return false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isAlpha(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }
func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }

// asciiLower lowers ASCII letters only, as TDLib does, so byte lengths and
// non-ASCII text stay as they were.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// canonicalInt parses s as TDLib's to_integer_safe does: only the form the
// number prints back as, so no sign, no leading zeros, no overflow.
func canonicalInt(s string) (int64, bool) {
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil && strconv.FormatInt(v, 10) == s
}
