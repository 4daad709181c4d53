package corpus

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chapar/chapar/internal/domain"
)

// LoadStats says how long loading took, part by part.
type LoadStats struct {
	Users, Chats, Messages, Total time.Duration
}

func (s LoadStats) String() string {
	return fmt.Sprintf("users %v, chats %v, messages %v, total %v",
		s.Users.Round(time.Second), s.Chats.Round(time.Second), s.Messages.Round(time.Second), s.Total.Round(time.Second))
}

// Load writes c into s through the store's own API, as the server would:
// CreateUser for every user, CreateChat (with every member) for every chat,
// then AppendMessage for every message, each from workers goroutines at
// once so that the store's writer commits them in groups. Progress goes to
// log.
func Load(ctx context.Context, s domain.Store, c *Corpus, workers int, log io.Writer) (LoadStats, error) {
	var st LoadStats
	start := time.Now()
	users := make([]int64, c.Users)
	err := parallel(ctx, c.Users, 64, func(i int) error {
		u, err := s.CreateUser(ctx, domain.User{Username: Username(i), DisplayName: c.DisplayName(i)})
		users[i] = u.ID
		return err
	})
	if err != nil {
		return st, fmt.Errorf("create users: %w", err)
	}
	st.Users = time.Since(start)
	fmt.Fprintf(log, "corpus: %d users in %v\n", c.Users, st.Users.Round(time.Millisecond))

	t := time.Now()
	chats := make([]int64, len(c.Chats))
	err = parallel(ctx, len(c.Chats), 32, func(i int) error {
		ch := c.Chats[i]
		members := make([]int64, len(ch.Members))
		for k, u := range ch.Members {
			members[k] = users[u]
		}
		// As the domain makes them (CreateGroup, CreateChannel), but with
		// every member at once: what search reads is the same.
		info := domain.ChatInfo{Username: ch.Username}
		if ch.Type == domain.ChatGroup {
			info.DefaultRights = domain.GroupDefaultRights
		}
		made, _, _, err := s.CreateChat(ctx, domain.NewChat{Type: ch.Type, Title: ch.Title, CreatorID: users[ch.Owner],
			Members: members, Info: info})
		chats[i] = made.ID
		return err
	})
	if err != nil {
		return st, fmt.Errorf("create chats: %w", err)
	}
	st.Chats = time.Since(t)
	fmt.Fprintf(log, "corpus: %d chats in %v\n", len(c.Chats), st.Chats.Round(time.Millisecond))

	t = time.Now()
	var done atomic.Int64
	var mu sync.Mutex
	lastReport, lastDone := t, int64(0)
	err = parallel(ctx, c.Messages, workers, func(i int) error {
		m := c.Message(i)
		_, _, err := s.AppendMessage(ctx, domain.NewMessage{ChatID: chats[m.Chat], SenderID: users[m.Sender],
			ClientID: m.ClientID, Text: m.Text, Need: domain.RightPost})
		if n := done.Add(1); n%50_000 == 0 {
			mu.Lock()
			now := time.Now()
			fmt.Fprintf(log, "corpus: %d/%d messages, %v, %.0f/s lately\n", n, c.Messages,
				now.Sub(t).Round(time.Second), float64(n-lastDone)/now.Sub(lastReport).Seconds())
			lastReport, lastDone = now, n
			mu.Unlock()
		}
		return err
	})
	if err != nil {
		return st, fmt.Errorf("append messages: %w", err)
	}
	st.Messages = time.Since(t)
	st.Total = time.Since(start)
	fmt.Fprintf(log, "corpus: %d messages in %v (%.0f/s)\n", c.Messages, st.Messages.Round(time.Millisecond),
		float64(c.Messages)/st.Messages.Seconds())
	return st, nil
}

// parallel runs fn(0) … fn(n-1) on workers goroutines, stopping at the
// first error.
func parallel(ctx context.Context, n, workers int, fn func(i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					cancel(fmt.Errorf("item %d: %w", i, err))
					return
				}
			}
		}()
	}
	wg.Wait()
	return context.Cause(ctx)
}
