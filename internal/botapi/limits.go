package botapi

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Send limits like Telegram's, per bot on each node: about 30 messages a
// second in all, about one a second in one private chat (a short burst
// allowed), 20 a minute in one group or channel. Over them, a 429 with
// retry_after, which libraries honour.
type sendLimits struct {
	perBot rate.Limit // messages a second per bot; 0: no limits at all (-bot-send-rate 0)

	mu    sync.Mutex
	bots  map[int64]*rate.Limiter
	chats map[[2]int64]*rate.Limiter
	swept time.Time
}

var (
	privateRate = rate.Limit(1)
	groupRate   = rate.Every(3 * time.Second) // 20 a minute
)

// DefaultBotSendRate is Telegram's: about 30 messages a second per bot.
const DefaultBotSendRate = 30

const (
	botBurst     = 30
	privateBurst = 5
	groupBurst   = 20
)

// allow takes one send of bot into chat, or says how long to wait. undo
// gives the send back (it failed).
func (l *sendLimits) allow(bot, chat int64, group bool, now time.Time) (undo func(), retryAfter int) {
	if l.perBot == 0 {
		return func() {}, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.bots == nil {
		l.bots, l.chats = map[int64]*rate.Limiter{}, map[[2]int64]*rate.Limiter{}
	}
	if now.Sub(l.swept) > time.Minute { // forget limiters that are full again
		for k, v := range l.bots {
			if v.TokensAt(now) >= float64(v.Burst()) {
				delete(l.bots, k)
			}
		}
		for k, v := range l.chats {
			if v.TokensAt(now) >= float64(v.Burst()) {
				delete(l.chats, k)
			}
		}
		l.swept = now
	}
	b := l.bots[bot]
	if b == nil {
		b = rate.NewLimiter(l.perBot, max(botBurst, int(l.perBot)))
		l.bots[bot] = b
	}
	key := [2]int64{bot, chat}
	c := l.chats[key]
	if c == nil {
		c = rate.NewLimiter(privateRate, privateBurst)
		if group {
			c = rate.NewLimiter(groupRate, groupBurst)
		}
		l.chats[key] = c
	}
	rb, rc := b.ReserveN(now, 1), c.ReserveN(now, 1)
	wait := max(rb.DelayFrom(now), rc.DelayFrom(now))
	undo = func() {
		l.mu.Lock()
		rb.CancelAt(now)
		rc.CancelAt(now)
		l.mu.Unlock()
	}
	if wait == 0 {
		return undo, 0
	}
	rb.CancelAt(now) // l.mu is held here
	rc.CancelAt(now)
	return nil, int(math.Ceil(wait.Seconds()))
}
