package domain

import (
	"context"
	"net/url"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Rich text and keyboards: a message's formatting (entities, as
// Telegram's MessageEntity) and, from bots, a keyboard.

// Entity marks a part of a message's text: bold, a link, code… Offset and
// Length count UTF-16 code units, as Telegram's (and JavaScript's) do.
type Entity struct {
	Type     string `json:"type"`
	Offset   int    `json:"offset"`
	Length   int    `json:"length"`
	URL      string `json:"url,omitempty"`      // text_link
	UserID   int64  `json:"user_id,omitempty"`  // text_mention
	Language string `json:"language,omitempty"` // pre
}

// entityTypes are the entity types chapar keeps.
var entityTypes = map[string]bool{
	"mention": true, "hashtag": true, "cashtag": true, "bot_command": true, "url": true, "email": true,
	"phone_number": true, "bold": true, "italic": true, "underline": true, "strikethrough": true, "spoiler": true,
	"blockquote": true, "expandable_blockquote": true, "code": true, "pre": true, "text_link": true,
	"text_mention": true, "custom_emoji": true,
}

// Markup is a bot's keyboard: inline buttons under the message, or a
// keyboard that replaces the recipient's (or removes it, or asks for a
// reply), as Telegram's reply_markup.
type Markup struct {
	InlineKeyboard        [][]InlineButton `json:"inline_keyboard,omitempty"`
	Keyboard              [][]KeyButton    `json:"keyboard,omitempty"`
	ResizeKeyboard        bool             `json:"resize_keyboard,omitempty"`
	OneTimeKeyboard       bool             `json:"one_time_keyboard,omitempty"`
	IsPersistent          bool             `json:"is_persistent,omitempty"`
	InputFieldPlaceholder string           `json:"input_field_placeholder,omitempty"`
	Selective             bool             `json:"selective,omitempty"`
	RemoveKeyboard        bool             `json:"remove_keyboard,omitempty"`
	ForceReply            bool             `json:"force_reply,omitempty"`
}

// InlineButton is a button under a message: it sends its callback data
// to the bot, or opens its URL.
type InlineButton struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
	URL          string `json:"url,omitempty"`
}

// KeyButton is a button of a reply keyboard: pressing it sends its text.
type KeyButton struct {
	Text string `json:"text"`
}

// Rich is what a message carries besides its text and media.
type Rich struct {
	Entities []Entity `json:"entities,omitempty"`
	Markup   *Markup  `json:"markup,omitempty"`
}

// Empty reports whether there is nothing to keep.
func (r Rich) Empty() bool { return len(r.Entities) == 0 && r.Markup == nil }

// Limits, as Telegram's.
const (
	maxEntities     = 100
	maxButtons      = 100
	maxCallbackData = 64
	maxButtonText   = 128
)

// UTF16Len is the length of s in UTF-16 code units.
func UTF16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// checkEntities checks entities against their text.
func checkEntities(text string, es []Entity) error {
	if len(es) > maxEntities {
		return Invalid("entities", "at most %d", maxEntities)
	}
	n := UTF16Len(text)
	for _, e := range es {
		switch {
		case !entityTypes[e.Type]:
			return Invalid("entities", "unknown entity type %q", e.Type)
		case e.Offset < 0 || e.Length <= 0 || e.Offset+e.Length > n:
			return Invalid("entities", "an entity lies outside the text")
		case e.Type == "text_link" && !linkURL(e.URL):
			return Invalid("entities", "a text_link needs an http, https or tg URL")
		case e.Type == "text_mention" && e.UserID <= 0:
			return Invalid("entities", "a text_mention needs a user_id")
		case len(e.URL) > 2048 || len(e.Language) > 64:
			return Invalid("entities", "too long")
		}
	}
	return nil
}

// linkURL reports whether u is a link a client may open.
func linkURL(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	switch strings.ToLower(p.Scheme) {
	case "http", "https":
		return p.Host != ""
	case "tg":
		return true
	}
	return false
}

// checkMarkup checks a keyboard's size and buttons.
func checkMarkup(m *Markup) error {
	if m == nil {
		return nil
	}
	count := 0
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			count++
			if err := checkButtonText(b.Text); err != nil {
				return err
			}
			switch {
			case (b.CallbackData == "") == (b.URL == ""):
				return Invalid("reply_markup", "an inline button needs exactly one of callback_data and url")
			case len(b.CallbackData) > maxCallbackData:
				return Invalid("reply_markup", "callback_data is at most %d bytes", maxCallbackData)
			case b.URL != "" && !linkURL(b.URL):
				return Invalid("reply_markup", "a button's url must be http, https or tg")
			}
		}
	}
	for _, row := range m.Keyboard {
		for _, b := range row {
			count++
			if err := checkButtonText(b.Text); err != nil {
				return err
			}
		}
	}
	if count > maxButtons {
		return Invalid("reply_markup", "at most %d buttons", maxButtons)
	}
	if utf8.RuneCountInString(m.InputFieldPlaceholder) > 64 {
		return Invalid("reply_markup", "input_field_placeholder is at most 64 characters")
	}
	return nil
}

// checkRich checks a message's formatting against its text, and that only
// bots send keyboards.
func (s *Service) checkRich(ctx context.Context, userID int64, text string, r Rich) error {
	if err := checkEntities(text, r.Entities); err != nil {
		return err
	}
	if r.Markup == nil {
		return nil
	}
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if !u.IsBot {
		return Invalid("reply_markup", "only bots send keyboards")
	}
	return checkMarkup(r.Markup)
}

func checkButtonText(t string) error {
	if t == "" || utf8.RuneCountInString(t) > maxButtonText || !utf8.ValidString(t) {
		return Invalid("reply_markup", "a button's text is 1-%d characters", maxButtonText)
	}
	return nil
}
