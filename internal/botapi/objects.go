package botapi

import (
	"context"
	"strings"

	"github.com/chapar/chapar/internal/domain"
)

// Telegram's objects (core.telegram.org/bots/api#available-types), as far
// as chapar has them.

// User is Telegram's User.
type User struct {
	ID        int64  `json:"id"`
	IsBot     bool   `json:"is_bot"`
	FirstName string `json:"first_name"`
	Username  string `json:"username,omitempty"`
	// getMe only:
	CanJoinGroups           *bool `json:"can_join_groups,omitempty"`
	CanReadAllGroupMessages *bool `json:"can_read_all_group_messages,omitempty"`
	SupportsInlineQueries   *bool `json:"supports_inline_queries,omitempty"`
}

func userOf(u domain.User) User {
	name := u.DisplayName
	if name == "" {
		name = u.Username
	}
	return User{ID: u.ID, IsBot: u.IsBot, FirstName: name, Username: u.Username}
}

// Chat is Telegram's Chat (and the ChatFullInfo of getChat).
type Chat struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"` // private, supergroup or channel
	Title     string `json:"title,omitempty"`
	Username  string `json:"username,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	// getChat only:
	Description string `json:"description,omitempty"`
	Bio         string `json:"bio,omitempty"`
}

// Chat ids as bots see them, as on Telegram: a private chat's id is the
// other person's user id; a group's (a supergroup, as chapar's groups are)
// and a channel's are -100 followed by chapar's chat id.
const bigChatBase = 1_000_000_000_000

func publicChatID(chatID int64) int64 { return -bigChatBase - chatID }

// Message is Telegram's Message.
type Message struct {
	MessageID       int64         `json:"message_id"`
	From            *User         `json:"from,omitempty"`
	SenderChat      *Chat         `json:"sender_chat,omitempty"`
	Date            int64         `json:"date"`
	Chat            Chat          `json:"chat"`
	ReplyToMessage  *Message      `json:"reply_to_message,omitempty"`
	EditDate        int64         `json:"edit_date,omitempty"`
	Text            string        `json:"text,omitempty"`
	Entities        []entityJSON  `json:"entities,omitempty"`
	Caption         string        `json:"caption,omitempty"`
	CaptionEntities []entityJSON  `json:"caption_entities,omitempty"`
	ReplyMarkup     *inlineMarkup `json:"reply_markup,omitempty"`
	Photo           []PhotoSize   `json:"photo,omitempty"`
	Document        *fileJSON     `json:"document,omitempty"`
	Voice           *fileJSON     `json:"voice,omitempty"`
	Video           *fileJSON     `json:"video,omitempty"`
	Audio           *fileJSON     `json:"audio,omitempty"`
	NewChatMembers  []User        `json:"new_chat_members,omitempty"`
	LeftChatMember  *User         `json:"left_chat_member,omitempty"`
}

// inlineMarkup is a message's inline keyboard, as Message.reply_markup
// shows it (other keyboards are not part of the message).
type inlineMarkup struct {
	InlineKeyboard [][]domain.InlineButton `json:"inline_keyboard"`
}

// view turns chapar's chats, users and events into Telegram's objects for
// one bot, reading what it needs once per request.
type view struct {
	s     *Server
	ctx   context.Context
	botID int64
	users map[int64]domain.User
	chats map[int64]domain.ChatSummary
}

func (s *Server) view(ctx context.Context, botID int64) *view {
	return &view{s: s, ctx: ctx, botID: botID, users: map[int64]domain.User{}, chats: map[int64]domain.ChatSummary{}}
}

func (v *view) user(id int64) (domain.User, error) {
	if u, ok := v.users[id]; ok {
		return u, nil
	}
	u, err := v.s.svc.User(v.ctx, id)
	if err == nil {
		v.users[id] = u
	}
	return u, err
}

func (v *view) chatSummary(chatID int64) (domain.ChatSummary, error) {
	if c, ok := v.chats[chatID]; ok {
		return c, nil
	}
	c, err := v.s.svc.ChatBrief(v.ctx, v.botID, chatID)
	if err == nil {
		v.chats[chatID] = c
	}
	return c, err
}

// chat is a chat as Telegram shows it.
func (v *view) chat(chatID int64) (Chat, error) {
	c, err := v.chatSummary(chatID)
	if err != nil {
		return Chat{}, err
	}
	switch c.Type {
	case domain.ChatDirect:
		peer, err := v.user(c.PeerID)
		if err != nil {
			return Chat{}, err
		}
		u := userOf(peer)
		return Chat{ID: peer.ID, Type: "private", FirstName: u.FirstName, Username: u.Username}, nil
	case domain.ChatChannel:
		return Chat{ID: publicChatID(c.ID), Type: "channel", Title: c.Title, Username: c.Username}, nil
	}
	return Chat{ID: publicChatID(c.ID), Type: "supergroup", Title: c.Title, Username: c.Username}, nil
}

// message is an event as Telegram's Message. Channel posts without
// signatures come from the channel (sender_chat).
func (v *view) message(ev domain.Event, withReply bool) (*Message, error) {
	ch, err := v.chat(ev.ChatID)
	if err != nil {
		return nil, err
	}
	m := &Message{MessageID: ev.Seq, Date: ev.Date.Unix(), Chat: ch, Text: ev.Text, Entities: v.entities(ev.Entities)}
	if ev.Markup != nil && len(ev.Markup.InlineKeyboard) > 0 {
		m.ReplyMarkup = &inlineMarkup{InlineKeyboard: ev.Markup.InlineKeyboard}
	}
	if ev.EditedAt != nil {
		m.EditDate = ev.EditedAt.Unix()
	}
	if len(ev.Media) > 0 {
		m.Text, m.Caption = "", ev.Text
		m.Entities, m.CaptionEntities = nil, m.Entities
		m.attach(ev.Media)
	}
	if ev.ActorID != 0 {
		u, err := v.user(ev.ActorID)
		if err != nil {
			return nil, err
		}
		from := userOf(u)
		m.From = &from
	} else if ch.Type == "channel" {
		m.SenderChat = &ch
	}
	switch ev.Type {
	case domain.EvMemberAdded:
		if u, err := v.user(ev.Target); err == nil {
			m.NewChatMembers = []User{userOf(u)}
		}
	case domain.EvMemberLeft, domain.EvMemberRemoved:
		if u, err := v.user(ev.Target); err == nil {
			left := userOf(u)
			m.LeftChatMember = &left
		}
	}
	if withReply && ev.ReplyTo > 0 {
		if r, err := v.s.svc.Message(v.ctx, v.botID, ev.ChatID, ev.ReplyTo); err == nil {
			m.ReplyToMessage, _ = v.message(r, false)
		}
	}
	return m, nil
}

// chatID resolves a chat_id parameter: a private chat's user id, a
// -100… id, or "@username" of a public group or channel.
func (v *view) chatID(p params) (int64, error) {
	s, err := p.str("chat_id")
	if err != nil {
		return 0, err
	}
	if s == "" {
		return 0, badRequest("chat_id is empty")
	}
	if strings.HasPrefix(s, "@") {
		c, _, err := v.s.svc.ResolveChat(v.ctx, v.botID, s[1:])
		if err != nil {
			return 0, badRequest("chat not found")
		}
		return c.ID, nil
	}
	id, err := p.int("chat_id", 0)
	switch {
	case err != nil:
		return 0, badRequest("chat not found")
	case id > 0:
		c, err := v.s.svc.BotChatWith(v.ctx, v.botID, id)
		if err != nil {
			if domain.IsKind(err, domain.KindForbidden) {
				return 0, err
			}
			return 0, badRequest("chat not found")
		}
		v.chats[c.ID] = c // read once per request
		return c.ID, nil
	case id < -bigChatBase:
		return -id - bigChatBase, nil
	}
	return 0, badRequest("chat not found")
}
