package botapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/chapar/chapar/internal/domain"
)

// The methods of core.telegram.org/bots/api that chapar has (docs/BOTS.md
// lists them and how they differ).

func init() {
	register("getMe", (*Server).getMe)
	register("logOut", (*Server).ok)
	register("close", (*Server).ok)
	register("sendMessage", (*Server).sendMessage)
	register("forwardMessage", (*Server).forwardMessage)
	register("copyMessage", (*Server).copyMessage)
	register("editMessageText", (*Server).editMessageText)
	register("editMessageReplyMarkup", (*Server).editMessageReplyMarkup)
	register("deleteMessage", (*Server).deleteMessage)
	register("sendChatAction", (*Server).sendChatAction)
	register("getChat", (*Server).getChat)
	register("getChatMemberCount", (*Server).getChatMemberCount)
	register("getChatMembersCount", (*Server).getChatMemberCount) // its old name, which older libraries use
	register("leaveChat", (*Server).leaveChat)
	register("setMyCommands", (*Server).setMyCommands)
	register("getMyCommands", (*Server).getMyCommands)
	register("deleteMyCommands", (*Server).deleteMyCommands)
	register("setMyName", (*Server).setMyName)
	register("getMyName", (*Server).getMyName)
	register("setMyDescription", (*Server).setMyDescription)
	register("getMyDescription", (*Server).getMyDescription)
	register("setMyShortDescription", (*Server).setMyShortDescription)
	register("getMyShortDescription", (*Server).getMyShortDescription)
	register("answerCallbackQuery", (*Server).answerCallbackQuery)
	register("getWebhookInfo", (*Server).getWebhookInfo)
	register("deleteWebhook", (*Server).deleteWebhook)
}

func (s *Server) ok(context.Context, domain.Bot, params) (any, error) { return true, nil }

func (s *Server) getMe(ctx context.Context, bot domain.Bot, _ params) (any, error) {
	u, err := s.svc.User(ctx, bot.UserID)
	if err != nil {
		return nil, err
	}
	me := userOf(u)
	yes, no, privacy := true, false, !bot.Privacy
	me.CanJoinGroups, me.CanReadAllGroupMessages, me.SupportsInlineQueries = &yes, &privacy, &no
	return me, nil
}

// clientID is a random client id for a bot's send (the Bot API has no
// idempotency key).
func clientID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "bot-" + hex.EncodeToString(b)
}

// replyTo reads reply_parameters.message_id or reply_to_message_id.
func replyTo(p params) (int64, error) {
	var rp struct {
		MessageID int64 `json:"message_id"`
	}
	if ok, err := p.object("reply_parameters", &rp); err != nil || ok {
		return rp.MessageID, err
	}
	return p.int("reply_to_message_id", 0)
}

// send sends a message as the bot into chatID (read first with
// chatParam, as Telegram checks chat_id first) and returns it as
// Telegram's Message.
func (s *Server) send(ctx context.Context, bot domain.Bot, p params, v *view, chatID int64, r domain.SendRequest) (any, error) {
	var err error
	if r.ReplyTo, err = replyTo(p); err != nil {
		return nil, err
	}
	cs, err := v.chatSummary(chatID)
	if err != nil {
		return nil, badRequest("chat not found")
	}
	undo, wait := s.limits.allow(bot.UserID, chatID, cs.Type != domain.ChatDirect, time.Now())
	if undo == nil {
		return nil, &rateLimited{apiError{429, fmt.Sprintf("Too Many Requests: retry after %d", wait)}, wait}
	}
	r.ChatID, r.ClientID = chatID, clientID()
	ev, _, err := s.svc.Send(ctx, bot.UserID, r)
	if err != nil {
		undo()
	}
	if domain.IsKind(err, domain.KindInvalid) && r.ReplyTo > 0 {
		if _, merr := s.svc.Message(ctx, bot.UserID, chatID, r.ReplyTo); merr != nil {
			return nil, badRequest("message to be replied not found")
		}
	}
	if err != nil {
		return nil, err
	}
	return v.message(ev, true)
}

func (s *Server) sendMessage(ctx context.Context, bot domain.Bot, p params) (any, error) {
	v, chatID, err := s.chatParam(ctx, bot, p)
	if err != nil {
		return nil, err
	}
	text, rich, err := richText(p, "text", "entities")
	if err != nil {
		return nil, err
	}
	if text == "" {
		return nil, badRequest("message text is empty")
	}
	return s.send(ctx, bot, p, v, chatID, domain.SendRequest{Text: text, Rich: rich})
}

// fromMessage reads from_chat_id and message_id.
func (s *Server) fromMessage(ctx context.Context, bot domain.Bot, p params) (*domain.Forward, error) {
	v := s.view(ctx, bot.UserID)
	from := params{"chat_id": p["from_chat_id"]}
	if !p.has("from_chat_id") {
		return nil, badRequest("from_chat_id is empty")
	}
	chatID, err := v.chatID(from)
	if err != nil {
		return nil, err
	}
	seq, err := p.int("message_id", 0)
	if err != nil {
		return nil, err
	}
	if _, err := s.svc.Message(ctx, bot.UserID, chatID, seq); err != nil {
		return nil, badRequest("message to forward not found")
	}
	return &domain.Forward{ChatID: chatID, Seq: seq}, nil
}

func (s *Server) forwardMessage(ctx context.Context, bot domain.Bot, p params) (any, error) {
	v, chatID, err := s.chatParam(ctx, bot, p)
	if err != nil {
		return nil, err
	}
	f, err := s.fromMessage(ctx, bot, p)
	if err != nil {
		return nil, err
	}
	return s.send(ctx, bot, p, v, chatID, domain.SendRequest{Forward: f})
}

// copyMessage sends the message's text and files again as the bot's own
// (no "forwarded from"), and answers with the new message's id.
func (s *Server) copyMessage(ctx context.Context, bot domain.Bot, p params) (any, error) {
	v, chatID, err := s.chatParam(ctx, bot, p)
	if err != nil {
		return nil, err
	}
	f, err := s.fromMessage(ctx, bot, p)
	if err != nil {
		return nil, err
	}
	orig, err := s.svc.Message(ctx, bot.UserID, f.ChatID, f.Seq)
	if err != nil {
		return nil, err
	}
	r := domain.SendRequest{Text: orig.Text}
	for _, m := range orig.Media {
		r.Media = append(r.Media, m.FileID)
	}
	if p.has("caption") {
		if r.Text, err = p.str("caption"); err != nil {
			return nil, err
		}
	}
	m, err := s.send(ctx, bot, p, v, chatID, r)
	if err != nil {
		return nil, err
	}
	return struct {
		MessageID int64 `json:"message_id"`
	}{m.(*Message).MessageID}, nil
}

// chatParam reads chat_id, with a view for the bot.
func (s *Server) chatParam(ctx context.Context, bot domain.Bot, p params) (*view, int64, error) {
	v := s.view(ctx, bot.UserID)
	chatID, err := v.chatID(p)
	return v, chatID, err
}

// target reads chat_id and message_id.
func (s *Server) target(ctx context.Context, bot domain.Bot, p params) (*view, int64, int64, error) {
	v := s.view(ctx, bot.UserID)
	chatID, err := v.chatID(p)
	if err != nil {
		return nil, 0, 0, err
	}
	seq, err := p.int("message_id", 0)
	if err == nil && seq <= 0 {
		err = badRequest("message_id is empty")
	}
	return v, chatID, seq, err
}

func (s *Server) editMessageText(ctx context.Context, bot domain.Bot, p params) (any, error) {
	if p.has("inline_message_id") {
		return nil, badRequest("inline messages are not supported")
	}
	v, chatID, seq, err := s.target(ctx, bot, p)
	if err != nil {
		return nil, err
	}
	text, rich, err := richText(p, "text", "entities")
	if err != nil {
		return nil, err
	}
	if text == "" {
		return nil, badRequest("message text is empty")
	}
	return s.edit(ctx, v, bot, chatID, seq, func(domain.Event) (string, domain.Rich) { return text, rich })
}

// editMessageReplyMarkup changes only a message's inline keyboard.
func (s *Server) editMessageReplyMarkup(ctx context.Context, bot domain.Bot, p params) (any, error) {
	if p.has("inline_message_id") {
		return nil, badRequest("inline messages are not supported")
	}
	v, chatID, seq, err := s.target(ctx, bot, p)
	if err != nil {
		return nil, err
	}
	markup, err := replyMarkup(p)
	if err != nil {
		return nil, err
	}
	if markup != nil && markup.InlineKeyboard == nil {
		return nil, badRequest("reply markup must be an inline keyboard")
	}
	return s.edit(ctx, v, bot, chatID, seq, func(orig domain.Event) (string, domain.Rich) {
		return orig.Text, domain.Rich{Entities: orig.Entities, Markup: markup}
	})
}

// edit changes one of the bot's messages to what change makes of it.
func (s *Server) edit(ctx context.Context, v *view, bot domain.Bot, chatID, seq int64,
	change func(orig domain.Event) (string, domain.Rich)) (any, error) {
	orig, err := s.svc.Message(ctx, bot.UserID, chatID, seq)
	if err != nil {
		return nil, badRequest("message to edit not found")
	}
	text, rich := change(orig)
	if orig.Text == text && jsonEqual(orig.Entities, rich.Entities) && jsonEqual(orig.Markup, rich.Markup) {
		return nil, badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	}
	if _, err := s.svc.Edit(ctx, bot.UserID, chatID, seq, text, rich); err != nil {
		if domain.IsKind(err, domain.KindForbidden) {
			return nil, badRequest("message can't be edited")
		}
		return nil, err
	}
	ev, err := s.svc.Message(ctx, bot.UserID, chatID, seq)
	if err != nil {
		return nil, err
	}
	return v.message(ev, true)
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func (s *Server) deleteMessage(ctx context.Context, bot domain.Bot, p params) (any, error) {
	_, chatID, seq, err := s.target(ctx, bot, p)
	if err != nil {
		return nil, err
	}
	if _, err := s.svc.Delete(ctx, bot.UserID, chatID, seq); err != nil {
		if domain.IsKind(err, domain.KindNotFound) {
			return nil, badRequest("message to delete not found")
		}
		if domain.IsKind(err, domain.KindForbidden) {
			return nil, badRequest("message can't be deleted")
		}
		return nil, err
	}
	return true, nil
}

// sendChatAction: "typing" shows as typing; the other actions (uploading a
// photo, recording a voice note…) too, as chapar has one indicator.
func (s *Server) sendChatAction(ctx context.Context, bot domain.Bot, p params) (any, error) {
	_, chatID, err := s.chatParam(ctx, bot, p)
	if err != nil {
		return nil, err
	}
	action, err := p.str("action")
	if err != nil {
		return nil, err
	}
	switch action {
	case "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice", "upload_document",
		"choose_sticker", "find_location", "record_video_note", "upload_video_note":
	case "":
		return nil, badRequest("action is empty")
	default:
		return nil, badRequest("wrong parameter action in request")
	}
	return true, s.svc.Typing(ctx, bot.UserID, chatID)
}

func (s *Server) getChat(ctx context.Context, bot domain.Bot, p params) (any, error) {
	v, chatID, err := s.chatParam(ctx, bot, p)
	if err != nil {
		return nil, err
	}
	c, err := v.chat(chatID)
	if err != nil {
		return nil, badRequest("chat not found")
	}
	cs, _ := v.chatSummary(chatID)
	if c.Type == "private" {
		if u, err := v.user(cs.PeerID); err == nil {
			c.Bio = u.Bio
		}
	} else {
		c.Description = cs.About
	}
	return c, nil
}

func (s *Server) getChatMemberCount(ctx context.Context, bot domain.Bot, p params) (any, error) {
	v, chatID, err := s.chatParam(ctx, bot, p)
	if err != nil {
		return nil, err
	}
	cs, err := v.chatSummary(chatID)
	if err != nil {
		return nil, badRequest("chat not found")
	}
	return cs.Members, nil
}

func (s *Server) leaveChat(ctx context.Context, bot domain.Bot, p params) (any, error) {
	_, chatID, err := s.chatParam(ctx, bot, p)
	if err != nil {
		return nil, err
	}
	if _, err := s.svc.Leave(ctx, bot.UserID, chatID); err != nil {
		return nil, err
	}
	return true, nil
}

func (s *Server) setMyCommands(ctx context.Context, bot domain.Bot, p params) (any, error) {
	var cs []domain.BotCommand
	if _, err := p.object("commands", &cs); err != nil {
		return nil, err
	}
	if cs == nil {
		cs = []domain.BotCommand{}
	}
	return s.setBot(ctx, bot, domain.BotSettings{Commands: &cs})
}

func (s *Server) getMyCommands(_ context.Context, bot domain.Bot, _ params) (any, error) {
	if bot.Commands == nil {
		return []domain.BotCommand{}, nil
	}
	return bot.Commands, nil
}

func (s *Server) deleteMyCommands(ctx context.Context, bot domain.Bot, _ params) (any, error) {
	none := []domain.BotCommand{}
	return s.setBot(ctx, bot, domain.BotSettings{Commands: &none})
}

// setBot changes the bot's own settings; Telegram answers true.
func (s *Server) setBot(ctx context.Context, bot domain.Bot, set domain.BotSettings) (any, error) {
	if _, err := s.svc.SetBot(ctx, bot.UserID, bot.UserID, set); err != nil {
		return nil, err
	}
	return true, nil
}

func (s *Server) setMyDescription(ctx context.Context, bot domain.Bot, p params) (any, error) {
	d, err := p.str("description")
	if err != nil {
		return nil, err
	}
	return s.setBot(ctx, bot, domain.BotSettings{Description: &d})
}

func (s *Server) getMyDescription(_ context.Context, bot domain.Bot, _ params) (any, error) {
	return map[string]string{"description": bot.Description}, nil
}

func (s *Server) setMyShortDescription(ctx context.Context, bot domain.Bot, p params) (any, error) {
	d, err := p.str("short_description")
	if err != nil {
		return nil, err
	}
	return s.setBot(ctx, bot, domain.BotSettings{ShortDescription: &d})
}

func (s *Server) getMyShortDescription(_ context.Context, bot domain.Bot, _ params) (any, error) {
	return map[string]string{"short_description": bot.ShortDescription}, nil
}

func (s *Server) answerCallbackQuery(ctx context.Context, bot domain.Bot, p params) (any, error) {
	var a domain.CallbackAnswer
	var err error
	if a.QueryID, err = p.need("callback_query_id"); err != nil {
		return nil, err
	}
	if a.Text, err = p.str("text"); err != nil {
		return nil, err
	}
	if a.ShowAlert, err = p.bool("show_alert"); err != nil {
		return nil, err
	}
	if a.URL, err = p.str("url"); err != nil {
		return nil, err
	}
	if err := s.svc.AnswerCallback(ctx, bot.UserID, a); err != nil {
		return nil, err
	}
	return true, nil
}

func (s *Server) setMyName(ctx context.Context, bot domain.Bot, p params) (any, error) {
	name, err := p.str("name")
	if err != nil {
		return nil, err
	}
	if name == "" { // Telegram: an empty name removes it; a chapar user always has one
		u, err := s.svc.User(ctx, bot.UserID)
		if err != nil {
			return nil, err
		}
		name = u.Username
	}
	return s.setBot(ctx, bot, domain.BotSettings{Name: &name})
}

func (s *Server) getMyName(ctx context.Context, bot domain.Bot, _ params) (any, error) {
	u, err := s.svc.User(ctx, bot.UserID)
	if err != nil {
		return nil, err
	}
	return map[string]string{"name": u.DisplayName}, nil
}
