package format

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Validate checks the entities a bot sent with text (the entities
// parameter) as Telegram does, and returns them fixed and sorted as Parse
// returns its own: fields that do not belong to a type are dropped, a
// text_link's URL is normalised, a text_link to tg://user?id=N becomes a
// text_mention, and entities that cannot nest are cut or dropped.
//
// Telegram drops the kinds it finds by itself (mention, url and so on) and
// finds them again; Validate keeps them, checked, since nothing here finds
// them. That a text_mention's user exists is for the caller to check
// (Telegram answers "Bad Request: user not found").
func Validate(text string, entities []Entity) ([]Entity, error) {
	if !utf8.ValidString(text) {
		return nil, badRequest("Strings must be encoded in UTF-8")
	}
	// The Bot API reads every entity first, then TDLib checks their
	// arguments, then their places in the text; the first error wins.
	out := make([]Entity, 0, len(entities))
	for _, e := range entities {
		clean, problem := readEntity(e)
		if problem != "" {
			return nil, badRequest("can't parse MessageEntity: " + problem)
		}
		out = append(out, clean)
	}
	for i, e := range out {
		switch e.Type {
		case "pre":
			if !utf8.ValidString(e.Language) {
				return nil, badRequest("MessageEntityPreCode.language must be encoded in UTF-8")
			}
		case "text_link":
			if !utf8.ValidString(e.URL) {
				return nil, badRequest("MessageEntityTextUrl.url must be encoded in UTF-8")
			}
			if id := linkUserID(e.URL); id != 0 {
				out[i] = Entity{Type: "text_mention", Offset: e.Offset, Length: e.Length, User: &User{ID: id}}
				continue
			}
			url, err := checkLink(e.URL)
			if err != nil {
				return nil, badRequest(fmt.Sprintf("Entity URL '%s' is invalid: %v", e.URL, err))
			}
			out[i].URL = url
		case "text_mention":
			if e.User.ID <= 0 {
				return nil, badRequest("user not found") // no user has such an id
			}
		case "custom_emoji":
			if e.CustomEmojiID == "0" {
				return nil, badRequest("Invalid custom emoji identifier specified")
			}
		}
	}
	const maxPosition = 1000000
	for _, e := range out {
		if e.Offset < 0 || e.Offset > maxPosition {
			return nil, badRequest(fmt.Sprintf("Receive an entity with incorrect offset %d", e.Offset))
		}
		if e.Length < 0 || e.Length > maxPosition {
			return nil, badRequest(fmt.Sprintf("Receive an entity with incorrect length %d", e.Length))
		}
	}
	out = fixEntities(out)
	if err := checkPlaces(text, out); err != nil {
		return nil, err
	}
	return out, nil
}

// readEntity is the Bot API's reading of a MessageEntity object: it knows
// the type and keeps only the fields the type has, or says what is wrong.
func readEntity(e Entity) (Entity, string) {
	clean := Entity{Type: e.Type, Offset: e.Offset, Length: e.Length}
	switch e.Type {
	case "":
		return clean, "Type is not specified"
	case "bold", "italic", "underline", "strikethrough", "spoiler", "code", "blockquote", "expandable_blockquote",
		"mention", "hashtag", "cashtag", "bot_command", "url", "email", "phone_number", "bank_card_number":
	case "pre":
		clean.Language = e.Language
	case "text_link":
		clean.URL = e.URL
	case "text_mention":
		if e.User == nil {
			return clean, `Can't find field "user"`
		}
		clean.User = &User{ID: e.User.ID}
	case "custom_emoji":
		if e.CustomEmojiID == "" {
			return clean, `Can't find field "custom_emoji_id"`
		}
		if _, ok := canonicalInt(e.CustomEmojiID); !ok {
			return clean, `Field "custom_emoji_id" must be a valid Number`
		}
		clean.CustomEmojiID = e.CustomEmojiID
	default:
		return clean, "Unsupported type specified"
	}
	return clean, ""
}

// checkPlaces is the check TDLib makes while it cleans the text: every
// entity lies within it and neither begins nor ends inside a surrogate
// pair. Entities must be fixed, so that they nest.
func checkPlaces(text string, es []Entity) error {
	var stack []Entity
	next, u := 0, 0
	for pos := 0; pos <= len(text); pos++ {
		c := byteAt(text, pos)
		if pos < len(text) && units(c) == 0 {
			continue // inside a character
		}
		for len(stack) > 0 && u >= end(stack[len(stack)-1]) {
			e := stack[len(stack)-1]
			if u != end(e) {
				return badRequest(fmt.Sprintf("Entity beginning at UTF-16 offset %d ends in a middle of a UTF-16 symbol at byte offset %d",
					e.Offset, pos))
			}
			stack = stack[:len(stack)-1]
		}
		for ; next < len(es) && u >= es[next].Offset; next++ {
			if u != es[next].Offset {
				return badRequest(fmt.Sprintf("Entity begins in a middle of a UTF-16 symbol at byte offset %d", pos))
			}
			stack = append(stack, es[next])
		}
		u += units(c)
	}
	if next < len(es) {
		return badRequest("Entity begins after the end of the text at UTF-16 offset " + strconv.Itoa(es[next].Offset))
	}
	if len(stack) > 0 {
		e := stack[len(stack)-1]
		return badRequest(fmt.Sprintf("Entity beginning at UTF-16 offset %d ends after the end of the text at UTF-16 offset %d",
			e.Offset, end(e)))
	}
	return nil
}
