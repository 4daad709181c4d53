package botapi

import (
	"encoding/json"
	"strings"

	"github.com/chapar/chapar/internal/botapi/format"
	"github.com/chapar/chapar/internal/domain"
)

// Formatting and keyboards: parse_mode or entities, and reply_markup.

// richText reads a text parameter with its formatting: parse_mode (HTML,
// MarkdownV2, Markdown) or explicit entities (textKey+"entities" style:
// "entities" for text, "caption_entities" for a caption), and
// reply_markup.
func richText(p params, textKey, entitiesKey string) (string, domain.Rich, error) {
	var rich domain.Rich
	text, err := p.str(textKey)
	if err != nil {
		return "", rich, err
	}
	mode, err := p.str("parse_mode")
	if err != nil {
		return "", rich, err
	}
	var es []format.Entity
	if mode != "" {
		if text, es, err = format.Parse(text, mode); err != nil {
			return "", rich, &apiError{400, err.Error()}
		}
	} else if ok, err := p.object(entitiesKey, &es); err != nil {
		return "", rich, err
	} else if ok {
		if es, err = format.Validate(text, es); err != nil {
			return "", rich, &apiError{400, err.Error()}
		}
	}
	rich.Entities = toDomain(es)
	if rich.Markup, err = replyMarkup(p); err != nil {
		return "", rich, err
	}
	return text, rich, nil
}

func toDomain(es []format.Entity) []domain.Entity {
	var out []domain.Entity
	for _, e := range es {
		d := domain.Entity{Type: e.Type, Offset: e.Offset, Length: e.Length, URL: e.URL, Language: e.Language}
		if e.User != nil {
			d.UserID = e.User.ID
		}
		out = append(out, d)
	}
	return out
}

// entityJSON is a MessageEntity as a bot reads it.
type entityJSON struct {
	Type     string `json:"type"`
	Offset   int    `json:"offset"`
	Length   int    `json:"length"`
	URL      string `json:"url,omitempty"`
	User     *User  `json:"user,omitempty"`
	Language string `json:"language,omitempty"`
}

func (v *view) entities(es []domain.Entity) []entityJSON {
	var out []entityJSON
	for _, e := range es {
		j := entityJSON{Type: e.Type, Offset: e.Offset, Length: e.Length, URL: e.URL, Language: e.Language}
		if e.UserID != 0 {
			if u, err := v.user(e.UserID); err == nil {
				uj := userOf(u)
				j.User = &uj
			} else {
				j.User = &User{ID: e.UserID}
			}
		}
		out = append(out, j)
	}
	return out
}

// keyButton reads a KeyboardButton, which may also be a plain string.
type keyButton domain.KeyButton

func (k *keyButton) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		k.Text = s
		return nil
	}
	var o struct {
		Text string `json:"text"`
	}
	err := json.Unmarshal(b, &o)
	k.Text = o.Text
	return err
}

// replyMarkup reads reply_markup: InlineKeyboardMarkup,
// ReplyKeyboardMarkup, ReplyKeyboardRemove or ForceReply.
func replyMarkup(p params) (*domain.Markup, error) {
	var m struct {
		domain.Markup
		Keyboard [][]keyButton `json:"keyboard"`
	}
	ok, err := p.object("reply_markup", &m)
	if err != nil || !ok {
		return nil, err
	}
	out := m.Markup
	out.Keyboard = nil
	for _, row := range m.Keyboard {
		var r []domain.KeyButton
		for _, b := range row {
			r = append(r, domain.KeyButton(b))
		}
		out.Keyboard = append(out.Keyboard, r)
	}
	if out.InlineKeyboard == nil && out.Keyboard == nil && !out.RemoveKeyboard && !out.ForceReply {
		if strings.Contains(string(p["reply_markup"]), "inline_keyboard") {
			return nil, nil // an empty inline keyboard: none
		}
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	return &out, nil
}
