package client

import (
	"context"
	"strconv"
)

// Bot is a bot as its owner sees it; Token is set only when it was made
// or renewed.
type Bot struct {
	ID               int64        `json:"id"`
	Username         string       `json:"username"`
	Name             string       `json:"name"`
	Description      string       `json:"description"`
	ShortDescription string       `json:"short_description"`
	Commands         []BotCommand `json:"commands"`
	Privacy          bool         `json:"privacy"`
	Token            string       `json:"token,omitempty"`
}

// BotCommand is one entry of a bot's command menu.
type BotCommand struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

// CreateBot makes a bot (its username must end in "bot") and returns it
// with its token, for the Bot API.
func (c *Client) CreateBot(ctx context.Context, username, name string) (*Bot, error) {
	var b Bot
	err := c.do(ctx, "POST", "/v1/bots", nil, map[string]string{"username": username, "name": name}, &b)
	return &b, err
}

// Bots lists the caller's bots.
func (c *Client) Bots(ctx context.Context) ([]Bot, error) {
	var r struct {
		Bots []Bot `json:"bots"`
	}
	err := c.do(ctx, "GET", "/v1/bots", nil, nil, &r)
	return r.Bots, err
}

// RenewBotToken gives a bot a new token; the old one stops working.
func (c *Client) RenewBotToken(ctx context.Context, botID int64) (*Bot, error) {
	var b Bot
	err := c.do(ctx, "POST", "/v1/bots/"+strconv.FormatInt(botID, 10)+"/token", nil, nil, &b)
	return &b, err
}

// PressButton presses an inline button of a bot's message: its callback
// data goes to the bot. The bot's answer comes on the stream as a
// callback_answer frame with this query id.
func (c *Client) PressButton(ctx context.Context, chatID, seq int64, data string) (string, error) {
	var r struct {
		QueryID string `json:"query_id"`
	}
	err := c.do(ctx, "POST", "/v1/chats/"+strconv.FormatInt(chatID, 10)+"/messages/"+strconv.FormatInt(seq, 10)+"/callback",
		nil, map[string]string{"data": data}, &r)
	return r.QueryID, err
}
