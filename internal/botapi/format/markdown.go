package format

import "strings"

// mdEntity is an entity open in the MarkdownV2 parser. Its kind is TDLib's
// name for it, which the "Can't find end of …" errors quote.
type mdEntity struct {
	kind      string // Bold, Italic, Underline, Strikethrough, Spoiler, Code, Pre, PreCode, TextUrl, CustomEmoji, BlockQuote
	language  string // PreCode
	offset    int    // in UTF-16 units
	bytePos   int    // where its markup starts in the input
	textStart int    // where its text starts in the output
}

var mdTypes = map[string]string{
	"Bold": "bold", "Italic": "italic", "Underline": "underline", "Strikethrough": "strikethrough",
	"Spoiler": "spoiler", "Code": "code", "Pre": "pre", "PreCode": "pre", "BlockQuote": "blockquote",
	"ExpandableBlockQuote": "expandable_blockquote",
}

// parseMarkdownV2 is TDLib's parse_markdown_v2. Outside code, every
// character of "_*[]()~`>#+-=|{}.!" is markup or must be escaped with '\';
// inside code only '`' is. '>' opens a block quote at the start of a line,
// and a quote whose last line ends in "||" is expandable.
func parseMarkdownV2(text string) (string, []Entity, error) {
	var (
		out       []byte
		u         int
		stack     []mdEntity
		entities  []Entity
		inQuote   bool
		lineStart = true // a '>' here opens (or continues) a block quote
	)
	at := func(i int) byte { return byteAt(text, i) }
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == '\\' && at(i+1) > 0 && at(i+1) <= 126 {
			i++
			out = append(out, text[i])
			u++
			if text[i] != '\r' {
				lineStart = text[i] == '\n'
			}
			continue
		}
		reserved := "_*[]()~`>#+-=|{}.!\n"
		if len(stack) > 0 {
			switch stack[len(stack)-1].kind {
			case "Code", "Pre", "PreCode":
				reserved = "`"
			}
		}
		if strings.IndexByte(reserved, c) < 0 {
			out = append(out, c)
			if n := units(c); n > 0 {
				u += n
				if c != '\r' {
					lineStart = false
				}
			}
			continue
		}

		if !closesEntity(stack, text, i, inQuote) {
			e := mdEntity{offset: u, bytePos: i}
			switch c {
			case '_':
				e.kind = "Italic"
				if at(i+1) == '_' {
					e.kind = "Underline"
					i++
				}
			case '*':
				e.kind = "Bold"
			case '~':
				e.kind = "Strikethrough"
			case '|':
				if at(i+1) != '|' {
					return "", nil, reservedError(c)
				}
				e.kind = "Spoiler"
				i++
			case '[':
				e.kind = "TextUrl"
			case '`':
				if at(i+1) != '`' || at(i+2) != '`' {
					e.kind = "Code"
					break
				}
				// "```lang" names the language when something follows it on the line.
				i += 3
				e.kind = "Pre"
				end := i
				for !isSpace(at(end)) && at(end) != '`' {
					end++
				}
				if end != i && end < len(text) && text[end] != '`' {
					e.kind, e.language = "PreCode", text[i:end]
					i = end
				}
				i = skipNewline(text, i) - 1
			case '!':
				if at(i+1) != '[' {
					return "", nil, reservedError(c)
				}
				e.kind = "CustomEmoji"
				i++
			case '\n':
				out = append(out, '\n')
				u++
				lineStart = true
				continue
			case '>':
				if !lineStart {
					return "", nil, reservedError(c)
				}
				if inQuote {
					continue // the quote goes on
				}
				e.kind = "BlockQuote"
				inQuote = true
			default:
				return "", nil, reservedError(c)
			}
			e.textStart = len(out)
			stack = append(stack, e)
			continue
		}

		open := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		kind := open.kind
		if c == '\n' && kind != "BlockQuote" {
			// Only an empty "||" may end the last line of a quote: it makes the quote expandable.
			emptySpoiler := kind == "Spoiler" && (open.bytePos == i-2 ||
				open.bytePos == i-3 && len(out) > 0 && out[len(out)-1] == '\r')
			if !emptySpoiler {
				return "", nil, parseError("Can't find end of %s entity at byte offset %d", kind, open.bytePos)
			}
			open = stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if open.kind != "BlockQuote" {
				return "", nil, parseError("Can't find end of %s entity at byte offset %d", open.kind, open.bytePos)
			}
			kind = "ExpandableBlockQuote"
		}
		skip := u == open.offset // empty entities are dropped
		e := Entity{Type: mdTypes[kind], Language: open.language}
		switch kind {
		case "Underline", "Spoiler":
			i++
		case "Pre", "PreCode":
			i += 2
		case "TextUrl":
			url := "" // [text] alone links to itself
			if u-open.offset <= maxMessageLength {
				url = string(out[open.textStart:])
			}
			if at(i+1) == '(' {
				var err error
				if url, i, err = readURL(text, i+2, "a URL"); err != nil {
					return "", nil, err
				}
			}
			if id := linkUserID(url); id != 0 {
				e.Type, e.User = "text_mention", &User{ID: id}
			} else if checked, err := checkLink(url); err == nil {
				e.Type, e.URL = "text_link", checked
			} else {
				skip = true
			}
		case "CustomEmoji":
			if at(i+1) != '(' {
				return "", nil, parseError("Custom emoji entity must contain a tg://emoji URL")
			}
			url, end, err := readURL(text, i+2, "a custom emoji URL")
			if err != nil {
				return "", nil, err
			}
			i = end
			id, msg := customEmojiID(url)
			if msg != "" {
				return "", nil, parseError("%s", msg)
			}
			e.Type, e.CustomEmojiID = "custom_emoji", id
		case "BlockQuote", "ExpandableBlockQuote":
			// The newline that ends the quote belongs to it.
			inQuote = false
			out = append(out, text[i])
			u++
			lineStart = true
			skip = false
		}
		if !skip {
			e.Offset, e.Length = open.offset, u-open.offset
			entities = append(entities, e)
		}
	}
	if inQuote {
		kind := "blockquote"
		if open := stack[len(stack)-1]; open.kind == "Spoiler" && open.bytePos == len(text)-2 {
			stack = stack[:len(stack)-1]
			kind = "expandable_blockquote"
		}
		if open := stack[len(stack)-1]; open.kind == "BlockQuote" {
			stack = stack[:len(stack)-1]
			if u > open.offset {
				entities = append(entities, Entity{Type: kind, Offset: open.offset, Length: u - open.offset})
			}
		}
	}
	if len(stack) > 0 {
		open := stack[len(stack)-1]
		return "", nil, parseError("Can't find end of %s entity at byte offset %d", open.kind, open.bytePos)
	}
	return string(out), entities, nil
}

// closesEntity reports whether the markup character at text[i] ends the
// innermost open entity rather than starting a new one.
func closesEntity(stack []mdEntity, text string, i int, inQuote bool) bool {
	if len(stack) == 0 {
		return false
	}
	c, next := text[i], byteAt(text, i+1)
	if inQuote && c == '\n' && next != '>' {
		return true
	}
	switch stack[len(stack)-1].kind {
	case "Bold":
		return c == '*'
	case "Italic":
		return c == '_' && next != '_'
	case "Underline":
		return c == '_' && next == '_' // so "___" opens or closes underline first
	case "Strikethrough":
		return c == '~'
	case "Spoiler":
		return c == '|' && next == '|'
	case "Code":
		return c == '`'
	case "Pre", "PreCode":
		return c == '`' && next == '`' && byteAt(text, i+2) == '`'
	case "TextUrl", "CustomEmoji":
		return c == ']'
	}
	return false
}

// readURL reads the "(url)" part of a link from text[i], just after the
// '(': ')' and '\' are escaped with '\'. It returns the URL and the index of
// the ')'.
func readURL(text string, i int, what string) (string, int, error) {
	begin := i
	var url []byte
	for i < len(text) && text[i] != ')' {
		if text[i] == '\\' && byteAt(text, i+1) > 0 && byteAt(text, i+1) <= 126 {
			url = append(url, text[i+1])
			i += 2
			continue
		}
		url = append(url, text[i])
		i++
	}
	if byteAt(text, i) != ')' {
		return "", 0, parseError("Can't find end of %s at byte offset %d", what, begin)
	}
	return string(url), i, nil
}

// skipNewline skips the one line break ("\n", "\r", "\r\n" or "\n\r") that
// may follow the opening "```" of a pre block.
func skipNewline(text string, i int) int {
	c := byteAt(text, i)
	if c != '\n' && c != '\r' {
		return i
	}
	if next := byteAt(text, i+1); (next == '\n' || next == '\r') && next != c {
		return i + 2
	}
	return i + 1
}

// parseMarkdown is TDLib's parse_markdown, the legacy Markdown: *bold*,
// _italic_, `code`, ```pre``` and [text](url), not nested; only '_', '*',
// '`' and '[' can be escaped, and an unclosed one is an error.
func parseMarkdown(text string) (string, []Entity, error) {
	var (
		out      []byte
		u        int
		entities []Entity
	)
	at := func(i int) byte { return byteAt(text, i) }
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == '\\' && strings.IndexByte("_*`[", at(i+1)) >= 0 {
			i++
			out = append(out, text[i])
			u++
			continue
		}
		if strings.IndexByte("_*`[", c) < 0 {
			out = append(out, c)
			u += units(c)
			continue
		}

		begin := i
		end := c
		if c == '[' {
			end = ']'
		}
		i++
		pre, language := false, ""
		if c == '`' && at(i) == '`' && at(i+1) == '`' {
			i += 2
			pre = true
			langEnd := i
			for !isSpace(at(langEnd)) && at(langEnd) != '`' {
				langEnd++
			}
			if langEnd != i && langEnd < len(text) && text[langEnd] != '`' {
				language = text[i:langEnd]
				i = langEnd
			}
			i = skipNewline(text, i)
		}
		offset := u
		for i < len(text) && (text[i] != end || pre && (at(i+1) != '`' || at(i+2) != '`')) {
			out = append(out, text[i])
			u += units(text[i])
			i++
		}
		if i == len(text) {
			return "", nil, parseError("Can't find end of the entity starting at byte offset %d", begin)
		}
		if u > offset {
			e := Entity{Offset: offset, Length: u - offset}
			switch c {
			case '_':
				e.Type = "italic"
			case '*':
				e.Type = "bold"
			case '`':
				e.Type = "code"
				if pre {
					e.Type, e.Language = "pre", language
				}
			case '[':
				url := text[begin+1 : i] // [text] alone links to itself
				if at(i+1) == '(' {
					start := i + 2
					i = len(text) // an unclosed "(" takes the rest of the text
					if end := strings.IndexByte(text[start:], ')'); end >= 0 {
						i = start + end
					}
					url = text[start:i]
				}
				if id := linkUserID(url); id != 0 {
					e.Type, e.User = "text_mention", &User{ID: id}
				} else if checked, err := checkLink(url); err == nil {
					e.Type, e.URL = "text_link", checked
				}
			}
			if e.Type != "" {
				entities = append(entities, e)
			}
		}
		if pre {
			i += 2
		}
	}
	return string(out), entities, nil
}

func reservedError(c byte) error {
	return parseError("Character '%c' is reserved and must be escaped with the preceding '\\'", c)
}
