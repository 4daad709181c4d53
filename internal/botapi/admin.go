package botapi

import (
	"context"
	"time"

	"github.com/chapar/chapar/internal/domain"
)

// Members, bans, pins and reactions, as the bot (its rights in the chat
// apply: banning takes an admin with the ban right, and so on).

func init() {
	register("getChatMember", (*Server).getChatMember)
	register("banChatMember", (*Server).banChatMember)
	register("kickChatMember", (*Server).banChatMember) // its old name, which older libraries use
	register("unbanChatMember", (*Server).unbanChatMember)
	register("pinChatMessage", (*Server).pinChatMessage)
	register("unpinChatMessage", (*Server).unpinChatMessage)
	register("setMessageReaction", (*Server).setMessageReaction)
}

// chatAndUser reads chat_id and user_id.
func (s *Server) chatAndUser(ctx context.Context, bot domain.Bot, p params) (*view, int64, int64, error) {
	v, chatID, err := s.chatParam(ctx, bot, p)
	if err != nil {
		return nil, 0, 0, err
	}
	userID, err := p.int("user_id", 0)
	if err == nil && userID <= 0 {
		err = badRequest("user_id is empty")
	}
	return v, chatID, userID, err
}

func (s *Server) getChatMember(ctx context.Context, bot domain.Bot, p params) (any, error) {
	v, chatID, userID, err := s.chatAndUser(ctx, bot, p)
	if err != nil {
		return nil, err
	}
	u, err := v.user(userID)
	if err != nil {
		return nil, badRequest("user not found")
	}
	m, err := s.svc.MemberOf(ctx, bot.UserID, chatID, userID)
	status := "left"
	switch {
	case domain.IsKind(err, domain.KindNotFound):
	case err != nil:
		return nil, err
	case m.Role == domain.RoleBanned:
		status = "kicked"
	case m.LeftSeq == 0:
		status = statusOf(m.Role)
	}
	return ChatMember{Status: status, User: userOf(u)}, nil
}

func (s *Server) banChatMember(ctx context.Context, bot domain.Bot, p params) (any, error) {
	_, chatID, userID, err := s.chatAndUser(ctx, bot, p)
	if err != nil {
		return nil, err
	}
	until, err := p.int("until_date", 0)
	if err != nil {
		return nil, err
	}
	var end time.Time
	// As on Telegram, less than 30 seconds or more than 366 days from now
	// is forever.
	if d := time.Until(time.Unix(until, 0)); until > 0 && d >= 30*time.Second && d <= 366*24*time.Hour {
		end = time.Unix(until, 0)
	}
	if _, err := s.svc.Ban(ctx, bot.UserID, chatID, userID, end); err != nil {
		return nil, err
	}
	return true, nil
}

func (s *Server) unbanChatMember(ctx context.Context, bot domain.Bot, p params) (any, error) {
	_, chatID, userID, err := s.chatAndUser(ctx, bot, p)
	if err != nil {
		return nil, err
	}
	if err := s.svc.Unban(ctx, bot.UserID, chatID, userID); err != nil && !domain.IsKind(err, domain.KindNotFound) {
		return nil, err // unbanning someone not banned is fine, as on Telegram
	}
	return true, nil
}

func (s *Server) pinChatMessage(ctx context.Context, bot domain.Bot, p params) (any, error) {
	_, chatID, seq, err := s.target(ctx, bot, p)
	if err != nil {
		return nil, err
	}
	if _, err := s.svc.Pin(ctx, bot.UserID, chatID, seq); err != nil {
		return nil, err
	}
	return true, nil
}

// unpinChatMessage unpins the pinned message (chapar keeps one).
func (s *Server) unpinChatMessage(ctx context.Context, bot domain.Bot, p params) (any, error) {
	_, chatID, err := s.chatParam(ctx, bot, p)
	if err != nil {
		return nil, err
	}
	if _, err := s.svc.Pin(ctx, bot.UserID, chatID, 0); err != nil {
		return nil, err
	}
	return true, nil
}

// setMessageReaction takes reaction: [{"type":"emoji","emoji":"👍"}], or
// [] to take the bot's reaction back.
func (s *Server) setMessageReaction(ctx context.Context, bot domain.Bot, p params) (any, error) {
	_, chatID, seq, err := s.target(ctx, bot, p)
	if err != nil {
		return nil, err
	}
	var rs []struct {
		Type  string `json:"type"`
		Emoji string `json:"emoji"`
	}
	if _, err := p.object("reaction", &rs); err != nil {
		return nil, err
	}
	emoji := ""
	if len(rs) > 0 {
		if rs[0].Type != "emoji" {
			return nil, badRequest("REACTION_INVALID")
		}
		emoji = rs[0].Emoji
	}
	if err := s.svc.React(ctx, bot.UserID, chatID, seq, emoji); err != nil {
		if domain.IsKind(err, domain.KindInvalid) {
			return nil, badRequest("REACTION_INVALID")
		}
		return nil, err
	}
	return true, nil
}
