package format

import (
	"strings"
	"unicode/utf8"
)

var htmlTags = map[string]bool{
	"a": true, "b": true, "strong": true, "i": true, "em": true, "s": true, "strike": true,
	"del": true, "u": true, "ins": true, "tg-spoiler": true, "tg-emoji": true, "span": true,
	"pre": true, "code": true, "blockquote": true,
}

var htmlTypes = map[string]string{
	"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
	"ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
	"tg-spoiler": "spoiler", "span": "spoiler", "blockquote": "blockquote",
}

// parseHTML is TDLib's parse_html: a tag is read from '<' to '>', so a '<'
// that starts no supported tag is an error and must be written &lt;.
func parseHTML(text string) (string, []Entity, error) {
	type openTag struct {
		name     string
		argument string // href, language, spoiler class, emoji id or expandable
		offset   int    // in UTF-16 units
		start    int    // in bytes of out
	}
	var (
		out       []byte
		u         int // UTF-16 units written
		stack     []openTag
		entities  []Entity
		surrogate bool
	)
	at := func(i int) byte { return byteAt(text, i) }
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == '&' {
			if r, next := decodeHTMLEntity(text, i); r != 0 {
				i = next - 1
				u += utf16Units(r)
				if 0xD800 <= r && r <= 0xDFFF {
					surrogate = true // half a pair: reported once the rest parses
				} else {
					out = utf8.AppendRune(out, r)
				}
				continue
			}
		}
		if c != '<' {
			out = append(out, c)
			u += units(c)
			continue
		}

		begin := i
		i++
		if at(i) == '/' {
			if len(stack) == 0 {
				return "", nil, parseError("Unexpected end tag at byte offset %d", begin)
			}
			for !isSpace(at(i)) && at(i) != '>' {
				i++
			}
			name := asciiLower(text[begin+2 : i])
			for isSpace(at(i)) && at(i) != 0 {
				i++
			}
			if at(i) != '>' {
				return "", nil, parseError("Unclosed end tag at byte offset %d", begin)
			}
			tag := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if name != "" && name != tag.name { // "</>" closes any tag
				return "", nil, parseError("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"",
					begin, tag.name, name)
			}
			if u == tag.offset {
				continue // empty entities are dropped
			}
			e := Entity{Type: htmlTypes[tag.name], Offset: tag.offset, Length: u - tag.offset}
			last := len(entities) - 1
			sameRange := last >= 0 && entities[last].Offset == e.Offset && entities[last].Length == e.Length
			switch tag.name {
			case "tg-emoji":
				id, ok := canonicalInt(tag.argument)
				if !ok || id == 0 {
					return "", nil, parseError("Invalid custom emoji identifier specified")
				}
				e.Type, e.CustomEmojiID = "custom_emoji", tag.argument
			case "a":
				url := tag.argument
				if url == "" && u-tag.offset <= maxMessageLength {
					url = string(out[tag.start:])
				}
				if id := linkUserID(url); id != 0 {
					e.Type, e.User = "text_mention", &User{ID: id}
				} else if checked, err := checkLink(url); err == nil {
					e.Type, e.URL = "text_link", checked
				} else {
					continue // a bad link leaves plain text
				}
			case "pre":
				// <code class="language-x"> right inside <pre> gives the pre its language.
				if sameRange && entities[last].Type == "code" && entities[last].Language != "" {
					entities[last].Type = "pre"
					continue
				}
				e.Type = "pre"
			case "code":
				if sameRange && entities[last].Type == "pre" && entities[last].Language == "" && tag.argument != "" {
					entities[last].Language = tag.argument
					continue
				}
				e.Type, e.Language = "code", tag.argument // kept until the enclosing </pre>
			case "blockquote":
				if tag.argument != "" {
					e.Type = "expandable_blockquote"
				}
			}
			entities = append(entities, e)
			continue
		}

		for !isSpace(at(i)) && at(i) != '>' {
			i++
		}
		if at(i) == 0 {
			return "", nil, parseError("Unclosed start tag at byte offset %d", begin)
		}
		name := asciiLower(text[begin+1 : i])
		if !htmlTags[name] {
			return "", nil, parseError("Unsupported start tag \"%s\" at byte offset %d", name, begin)
		}
		argument := ""
		for at(i) != '>' {
			for at(i) != 0 && isSpace(at(i)) {
				i++
			}
			if at(i) == '>' {
				break
			}
			attrBegin := i
			for !isSpace(at(i)) && strings.IndexByte("=>/\"'", at(i)) < 0 {
				i++
			}
			attr := text[attrBegin:i]
			if attr == "" {
				return "", nil, parseError("Empty attribute name in the tag \"%s\" at byte offset %d", name, begin)
			}
			for at(i) != 0 && isSpace(at(i)) {
				i++
			}
			if at(i) != '=' { // an attribute without a value
				if at(i) == 0 {
					return "", nil, parseError("Unclosed start tag \"%s\" at byte offset %d", name, begin)
				}
				if name == "blockquote" && attr == "expandable" {
					argument = "1"
				}
				continue
			}
			i++
			for at(i) != 0 && isSpace(at(i)) {
				i++
			}
			if at(i) == 0 {
				return "", nil, parseError("Unclosed start tag \"%s\" at byte offset %d", name, begin)
			}
			var value string
			if quote := at(i); quote != '"' && quote != '\'' {
				// An unquoted value is an SGML name token: letters, digits, '.' and '-', in any case.
				tokenBegin := i
				for isAlnum(at(i)) || at(i) == '.' || at(i) == '-' {
					i++
				}
				value = asciiLower(text[tokenBegin:i])
				if !isSpace(at(i)) && at(i) != '>' {
					return "", nil, parseError("Unexpected end of name token at byte offset %d", tokenBegin)
				}
			} else {
				var b []byte
				for i++; at(i) != quote && at(i) != 0; {
					if at(i) == '&' {
						if r, next := decodeHTMLEntity(text, i); r != 0 {
							b = utf8.AppendRune(b, r)
							i = next
							continue
						}
					}
					b = append(b, text[i])
					i++
				}
				if at(i) == quote {
					i++
				}
				value = string(b)
			}
			if at(i) == 0 {
				return "", nil, parseError("Unclosed start tag at byte offset %d", begin)
			}
			switch {
			case name == "a" && attr == "href",
				name == "tg-emoji" && attr == "emoji-id":
				argument = value
			case name == "code" && attr == "class" && strings.HasPrefix(value, "language-"):
				argument = value[len("language-"):]
			case name == "span" && attr == "class" && strings.HasPrefix(value, "tg-"):
				argument = value[len("tg-"):]
			case name == "blockquote" && attr == "expandable":
				argument = "1"
			}
		}
		if name == "span" && argument != "spoiler" {
			return "", nil, parseError("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", begin)
		}
		stack = append(stack, openTag{name: name, argument: argument, offset: u, start: len(out)})
	}
	if len(stack) > 0 {
		return "", nil, parseError("Can't find end tag corresponding to start tag \"%s\"", stack[len(stack)-1].name)
	}
	for i := range entities {
		if entities[i].Type == "code" {
			entities[i].Language = "" // only <pre> keeps a language
		}
	}
	if surrogate {
		return "", nil, parseError("Text contains invalid Unicode characters after decoding HTML entities, " +
			"check for unmatched surrogate code units")
	}
	return string(out), entities, nil
}

// decodeHTMLEntity reads the character reference at text[pos] == '&' and
// returns its code point and where it ends, or 0 if it is none Telegram
// knows: numeric references and &lt; &gt; &amp; &quot;, the ';' optional.
// Any other '&' stays as written.
func decodeHTMLEntity(text string, pos int) (rune, int) {
	end := pos + 1
	var code uint64
	if byteAt(text, end) == '#' {
		end++
		if byteAt(text, end) == 'x' {
			end++
			for isHex(byteAt(text, end)) {
				code = code*16 + hexValue(byteAt(text, end))
				end++
			}
		} else {
			for isDigit(byteAt(text, end)) {
				code = code*10 + uint64(byteAt(text, end)-'0')
				end++
			}
		}
		// A reference of ten bytes or more is refused below, so code that
		// overflowed is never used.
		if code == 0 || code >= 0x10FFFF || end-pos >= 10 {
			return 0, pos
		}
	} else {
		for isAlpha(byteAt(text, end)) {
			end++
		}
		switch text[pos+1 : end] {
		case "lt":
			code = '<'
		case "gt":
			code = '>'
		case "amp":
			code = '&'
		case "quot":
			code = '"'
		default:
			return 0, pos
		}
	}
	if byteAt(text, end) == ';' {
		end++
	}
	return rune(code), end
}

func isHex(c byte) bool { return isDigit(c) || 'a' <= c|0x20 && c|0x20 <= 'f' }

func hexValue(c byte) uint64 {
	if isDigit(c) {
		return uint64(c - '0')
	}
	return uint64(c|0x20-'a') + 10
}
