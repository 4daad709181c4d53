package botapi

import (
	"context"
	"slices"
	"strconv"

	"github.com/chapar/chapar/internal/hub"
	"strings"
	"time"

	"github.com/chapar/chapar/internal/domain"
)

// Updates: a bot's updates are the events of its update stream (the
// chats it is in), each update_id being the event's position. So nothing
// is lost across restarts or nodes, and "confirmed" is one number kept per
// bot: getUpdates with offset N confirms every update below N.

// Update is Telegram's Update.
type Update struct {
	UpdateID          int64              `json:"update_id"`
	Message           *Message           `json:"message,omitempty"`
	EditedMessage     *Message           `json:"edited_message,omitempty"`
	ChannelPost       *Message           `json:"channel_post,omitempty"`
	EditedChannelPost *Message           `json:"edited_channel_post,omitempty"`
	CallbackQuery     *CallbackQuery     `json:"callback_query,omitempty"`
	MyChatMember      *ChatMemberUpdated `json:"my_chat_member,omitempty"`
	ChatMember        *ChatMemberUpdated `json:"chat_member,omitempty"`
}

// CallbackQuery is Telegram's CallbackQuery: a user pressed an inline
// button of the bot's message.
type CallbackQuery struct {
	ID           string   `json:"id"`
	From         User     `json:"from"`
	Message      *Message `json:"message,omitempty"`
	ChatInstance string   `json:"chat_instance"`
	Data         string   `json:"data,omitempty"`
}

// kind is the update's type, as allowed_updates names it.
func (u *Update) kind() string {
	switch {
	case u.Message != nil:
		return "message"
	case u.EditedMessage != nil:
		return "edited_message"
	case u.ChannelPost != nil:
		return "channel_post"
	case u.EditedChannelPost != nil:
		return "edited_channel_post"
	case u.CallbackQuery != nil:
		return "callback_query"
	case u.MyChatMember != nil:
		return "my_chat_member"
	case u.ChatMember != nil:
		return "chat_member"
	}
	return ""
}

// ChatMember is Telegram's ChatMember (its status and user).
type ChatMember struct {
	Status string `json:"status"` // creator, administrator, member, left or kicked
	User   User   `json:"user"`
}

// ChatMemberUpdated is Telegram's ChatMemberUpdated.
type ChatMemberUpdated struct {
	Chat          Chat       `json:"chat"`
	From          User       `json:"from"`
	Date          int64      `json:"date"`
	OldChatMember ChatMember `json:"old_chat_member"`
	NewChatMember ChatMember `json:"new_chat_member"`
}

// allowed reports whether a bot gets an update of this kind: with no
// allowed_updates, all but chat_member (as on Telegram, which needs it
// asked for).
func allowed(list []string, kind string) bool {
	if len(list) == 0 {
		return kind != "chat_member"
	}
	return slices.Contains(list, kind)
}

// update turns one event of the bot's stream into an update, or nil if
// the bot does not get it.
func (v *view) update(ev domain.Event, bot domain.Bot) (*Update, error) {
	u := &Update{UpdateID: ev.Pos}
	switch ev.Type {
	case domain.EvMessage:
		if ev.ActorID == bot.UserID || ev.Deleted {
			return nil, nil
		}
		m, err := v.message(ev, true)
		if err != nil {
			return nil, err
		}
		if m.Chat.Type == "channel" {
			u.ChannelPost = m
			return u, nil
		}
		if m.Chat.Type == "supergroup" && bot.Privacy {
			if ok, err := v.seesInPrivacy(ev, m, bot); err != nil || !ok {
				return nil, err
			}
		}
		u.Message = m
	case domain.EvEdit:
		if ev.ActorID == bot.UserID {
			return nil, nil
		}
		orig, err := v.s.svc.Message(v.ctx, v.botID, ev.ChatID, ev.Target)
		if err != nil {
			return nil, nil // deleted since
		}
		m, err := v.message(orig, false)
		if err != nil {
			return nil, err
		}
		m.Text, m.Entities, m.EditDate = ev.Text, v.entities(ev.Entities), ev.Date.Unix()
		if len(orig.Media) > 0 {
			m.Text, m.Caption, m.Entities, m.CaptionEntities = "", ev.Text, nil, m.Entities
		}
		if m.Chat.Type == "channel" {
			u.EditedChannelPost = m
		} else {
			if m.Chat.Type == "supergroup" && bot.Privacy {
				if ok, err := v.seesInPrivacy(orig, m, bot); err != nil || !ok {
					return nil, err
				}
			}
			u.EditedMessage = m
		}
	case domain.EvMemberAdded, domain.EvMemberLeft, domain.EvMemberRemoved, domain.EvRoleChanged:
		if v.direct(ev.ChatID) {
			return nil, nil // a private chat starts with its first message
		}
		cmu, err := v.memberUpdate(ev)
		if err != nil || cmu == nil {
			return nil, err
		}
		if ev.Target == bot.UserID {
			u.MyChatMember = cmu
		} else {
			u.ChatMember = cmu
		}
	case domain.EvCallback:
		from, err := v.user(ev.ActorID)
		if err != nil {
			return nil, err
		}
		cq := &CallbackQuery{ID: strconv.FormatInt(ev.Pos, 10), From: userOf(from),
			ChatInstance: strconv.FormatInt(ev.ChatID, 10), Data: ev.Text}
		if m, err := v.s.svc.Message(v.ctx, v.botID, ev.ChatID, ev.Target); err == nil {
			cq.Message, _ = v.message(m, false)
		}
		u.CallbackQuery = cq
	default:
		return nil, nil
	}
	return u, nil
}

// direct reports whether a chat is a private (direct) chat.
func (v *view) direct(chatID int64) bool {
	c, err := v.chatSummary(chatID)
	return err == nil && c.Type == domain.ChatDirect
}

// seesInPrivacy: in privacy mode a bot that is not an admin of a group
// sees only commands, replies to its own messages and mentions of it.
func (v *view) seesInPrivacy(ev domain.Event, m *Message, bot domain.Bot) (bool, error) {
	c, err := v.chatSummary(ev.ChatID)
	if err != nil {
		return false, err
	}
	if c.Role == domain.RoleAdmin || c.Role == domain.RoleOwner {
		return true, nil
	}
	me, err := v.user(bot.UserID)
	if err != nil {
		return false, err
	}
	text := ev.Text
	switch {
	case strings.HasPrefix(text, "/"):
		return true, nil
	case m.ReplyToMessage != nil && m.ReplyToMessage.From != nil && m.ReplyToMessage.From.ID == bot.UserID:
		return true, nil
	case me.Username != "" && strings.Contains(strings.ToLower(text), "@"+strings.ToLower(me.Username)):
		return true, nil
	}
	return false, nil
}

// memberUpdate is a membership change as ChatMemberUpdated.
func (v *view) memberUpdate(ev domain.Event) (*ChatMemberUpdated, error) {
	ch, err := v.chat(ev.ChatID)
	if err != nil {
		return nil, nil // the bot left, or was removed: it cannot read the chat any more
	}
	target, err := v.user(ev.Target)
	if err != nil {
		return nil, err
	}
	actorID := ev.ActorID
	if actorID == 0 {
		actorID = ev.Target
	}
	actor, err := v.user(actorID)
	if err != nil {
		return nil, err
	}
	old, now := "left", "member"
	switch ev.Type {
	case domain.EvMemberLeft:
		old, now = "member", "left"
	case domain.EvMemberRemoved:
		old, now = "member", "kicked"
		if ev.Until == nil {
			now = "left" // removed, not banned
		}
	case domain.EvRoleChanged:
		old, now = "member", statusOf(ev.Role)
		if now == "member" {
			old = "administrator"
		}
	}
	return &ChatMemberUpdated{Chat: ch, From: userOf(actor), Date: ev.Date.Unix(),
		OldChatMember: ChatMember{Status: old, User: userOf(target)},
		NewChatMember: ChatMember{Status: now, User: userOf(target)}}, nil
}

func statusOf(r domain.Role) string {
	switch r {
	case domain.RoleOwner:
		return "creator"
	case domain.RoleAdmin:
		return "administrator"
	}
	return "member"
}

// poll is one bot's getUpdates in progress; a newer one ends it (409, as
// on Telegram: "terminated by other getUpdates request").
type poll struct{ stop chan struct{} }

func (s *Server) startPoll(botID int64) (*poll, func()) {
	p := &poll{stop: make(chan struct{})}
	s.pollMu.Lock()
	if old := s.polls[botID]; old != nil {
		close(old.stop)
	}
	s.polls[botID] = p
	s.pollMu.Unlock()
	return p, func() {
		s.pollMu.Lock()
		if s.polls[botID] == p {
			delete(s.polls, botID)
		}
		s.pollMu.Unlock()
	}
}

// waker wakes a waiting getUpdates when an event reaches the bot.
type waker struct{ wake chan struct{} }

func (w *waker) Push(pos int64, _ []byte) {
	if pos == 0 {
		return
	}
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *waker) Kick(int, string) {}

func init() {
	register("getUpdates", (*Server).getUpdates)
}

// getUpdates: offset, limit (1–100), timeout (seconds of long polling),
// allowed_updates.
func (s *Server) getUpdates(ctx context.Context, bot domain.Bot, p params) (any, error) {
	if bot.Webhook.URL != "" {
		return nil, &apiError{409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
	}
	offset, err := p.int("offset", 0)
	if err != nil {
		return nil, err
	}
	limit, err := p.int("limit", 100)
	if err != nil {
		return nil, err
	}
	limit = min(max(limit, 1), 100)
	timeout, err := p.int("timeout", 0)
	if err != nil {
		return nil, err
	}
	timeout = min(max(timeout, 0), 50)
	var allowedNow []string
	if ok, err := p.object("allowed_updates", &allowedNow); err != nil {
		return nil, err
	} else if ok {
		if allowedNow == nil {
			allowedNow = []string{}
		}
		bot.AllowedUpdates = allowedNow
	}
	me, stop := s.startPoll(bot.UserID)
	defer stop()
	// The hub is told only when the call is about to wait: a poll that
	// finds updates costs no registration (see wait below).
	waiter := &waker{wake: make(chan struct{}, 1)}
	var hc *hub.Conn
	defer func() {
		if hc != nil {
			s.hub.Unregister(hc)
		}
	}()

	from := bot.UpdateOffset
	if offset > 0 {
		from = max(from, offset)
	}
	// Confirming is a write: made only when the offset moves.
	if from > bot.UpdateOffset || allowedNow != nil {
		if err := s.svc.ConfirmUpdates(ctx, bot.UserID, from, allowedNow); err != nil {
			return nil, err
		}
	}
	deadline := time.Now().Add(time.Duration(timeout) * time.Second)
	for {
		ups, next, err := s.readUpdates(ctx, bot, from, int(limit))
		if err != nil {
			return nil, err
		}
		if offset < 0 && len(ups) > int(-offset) { // the last -offset only; the others are forgotten
			ups = ups[len(ups)+int(offset):]
			if err := s.svc.ConfirmUpdates(ctx, bot.UserID, ups[0].UpdateID, nil); err != nil {
				return nil, err
			}
		}
		if len(ups) > 0 || timeout == 0 || !time.Now().Before(deadline) {
			return ups, nil
		}
		if hc == nil {
			// Registered now, then read once more: an event committed
			// between the read above and the registration is not missed.
			if hc, err = s.hub.RegisterUser(ctx, waiter, bot.UserID, 0, s.svc.ActiveChatIDs); err != nil {
				return nil, err
			}
			continue
		}
		from = next // nothing the bot gets up to here: no need to read it again
		t := time.NewTimer(time.Until(deadline))
		select {
		case <-waiter.wake:
			t.Stop()
		case <-t.C:
		case <-me.stop:
			t.Stop()
			return nil, &apiError{409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}
		case <-ctx.Done(): // the bot went away, or the server is stopping
			t.Stop()
			return []Update{}, nil
		}
	}
}

// readUpdates reads the bot's updates at positions ≥ from, at most limit,
// and returns where to read on from when none of them was for the bot.
func (s *Server) readUpdates(ctx context.Context, bot domain.Bot, from int64, limit int) ([]Update, int64, error) {
	upto, err := s.svc.LastPos(ctx)
	if err != nil {
		return nil, from, err
	}
	v := s.view(ctx, bot.UserID)
	ups := []Update{}
	r := s.svc.NewReplay(bot.UserID, max(from-1, 0), upto)
	for len(ups) < limit {
		evs, err := r.Next(ctx, 256)
		if err != nil {
			return nil, from, err
		}
		if len(evs) == 0 {
			break
		}
		for _, ev := range evs {
			u, err := v.update(ev, bot)
			if err != nil {
				return nil, from, err
			}
			if u != nil && allowed(bot.AllowedUpdates, u.kind()) {
				ups = append(ups, *u)
				if len(ups) == limit {
					break
				}
			}
		}
	}
	return ups, upto + 1, nil
}
