package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/chapar/chapar/internal/domain"
)

// BenchmarkAppendParallel measures durable message appends with many
// concurrent senders (each in its own direct chat), i.e. group commit.
func BenchmarkAppendParallel(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"), nil, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	const chats = 64
	type pair struct{ chat, user int64 }
	pairs := make([]pair, chats)
	for i := range pairs {
		u1, _ := s.CreateUser(ctx, domain.User{Username: fmt.Sprintf("a%d", i)})
		u2, _ := s.CreateUser(ctx, domain.User{Username: fmt.Sprintf("b%d", i)})
		c, _, _, err := s.CreateChat(ctx, domain.NewChat{Type: domain.ChatDirect, CreatorID: u1.ID, Members: []int64{u2.ID}, DirectKey: fmt.Sprint(i)})
		if err != nil {
			b.Fatal(err)
		}
		pairs[i] = pair{c.ID, u1.ID}
	}
	var next, id atomic.Int64
	b.SetParallelism(32) // many senders per core, as a server has
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		p := pairs[next.Add(1)%chats]
		for pb.Next() {
			_, _, err := s.AppendMessage(ctx, domain.NewMessage{ChatID: p.chat, SenderID: p.user,
				ClientID: fmt.Sprint(id.Add(1)), Text: "hello there, this is a message of ordinary length"})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkSendLargeGroup measures one member's sends to a group of 10
// members and to one of 200,000: a message is one row however many members
// the group has (their reads and unread counts are not written per message),
// so the two should cost the same.
func BenchmarkSendLargeGroup(b *testing.B) {
	for _, members := range []int{10, 200_000} {
		b.Run(fmt.Sprint(members), func(b *testing.B) {
			s, err := Open(filepath.Join(b.TempDir(), "bench.db"), nil, Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			ids := make([]int64, members)
			var next atomic.Int64
			errs := make(chan error, 64)
			for range 64 { // concurrent, so that the writer commits in batches
				go func() {
					for i := int(next.Add(1) - 1); i < members; i = int(next.Add(1) - 1) {
						u, err := s.CreateUser(ctx, domain.User{Username: fmt.Sprintf("m%06d", i), PasswordHash: "x"})
						if err != nil {
							errs <- err
							return
						}
						ids[i] = u.ID
					}
					errs <- nil
				}()
			}
			for range 64 {
				if err := <-errs; err != nil {
					b.Fatal(err)
				}
			}
			g, _, _, err := s.CreateChat(ctx, domain.NewChat{Type: domain.ChatGroup, CreatorID: ids[0], Title: "big",
				Info: domain.ChatInfo{DefaultRights: domain.GroupDefaultRights}})
			if err != nil {
				b.Fatal(err)
			}
			for i := 1; i < members; i += 1000 {
				if _, err := s.AddMembers(ctx, g.ID, ids[0], ids[i:min(i+1000, members)], 0); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := range b.N {
				_, _, err := s.AppendMessage(ctx, domain.NewMessage{ChatID: g.ID, SenderID: ids[1], ClientID: fmt.Sprint(i),
					Text: "hello everyone, this is a message of ordinary length"})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
