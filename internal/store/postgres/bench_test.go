package postgres

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/chapar/chapar/internal/domain"
)

// BenchmarkAppendParallel measures durable message appends with many
// concurrent senders (each in its own direct chat), i.e. group commit. It
// mirrors the SQLite store's benchmark of the same name.
func BenchmarkAppendParallel(b *testing.B) {
	s, err := Open(context.Background(), freshDB(b), nil)
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
