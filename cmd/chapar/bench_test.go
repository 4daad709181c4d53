package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/chapar/chapar/client"
)

// BenchmarkResync10k measures how long a device that was away while
// 10,000 messages arrived takes to catch up: connect with its old
// position, receive the replay, reach "synced". (TARGETS.md: ≤ 1 s.)
func BenchmarkResync10k(b *testing.B) {
	srv := startServer(b, b.TempDir())
	alice, _ := newUser(b, srv.URL, "alice")
	bob, bobU := newUser(b, srv.URL, "bobby")
	chat, err := alice.CreateDirect(bg, bobU.ID)
	if err != nil {
		b.Fatal(err)
	}
	s, err := bob.Connect(bg, nil)
	if err != nil {
		b.Fatal(err)
	}
	pos := s.Welcome().Pos
	s.Close()
	as, err := alice.Connect(bg, nil)
	if err != nil {
		b.Fatal(err)
	}
	go drain(as)
	const n = 10_000
	sem := make(chan struct{}, 64) // pipelined sends over one stream
	errs := make(chan error, n)
	for i := range n {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			_, err := as.Send(bg, chat.ID, client.SendRequest{ClientID: fmt.Sprint(i), Text: "a message while bob was away"})
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		resync(b, bob, pos, n)
	}
}

// resync connects c from pos, reads the replay to the synced frame, and
// reports how long that took; the replay must hold want events.
func resync(b *testing.B, c *client.Client, pos int64, want int) {
	start := time.Now()
	s, err := c.Connect(bg, &pos)
	if err != nil {
		b.Fatal(err)
	}
	got := 0
	for f := range s.Frames() {
		if f.Type == client.FrameEvent {
			got++
		}
		if f.Type == client.FrameSynced {
			break
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000, "ms/resync")
	s.Close()
	if got != want {
		b.Fatalf("replayed %d events, want %d", got, want)
	}
}

// BenchmarkResync500Channels: a user subscribed to 500 channels was away
// while 10 of them posted 20 times each; resyncing touches the 10 that
// moved, and replays their 200 posts.
func BenchmarkResync500Channels(b *testing.B) {
	srv := startServer(b, b.TempDir())
	owner, _ := newUser(b, srv.URL, "owner")
	reader, _ := newUser(b, srv.URL, "reader")
	const channels, active, posts = 500, 10, 20
	ids := make([]int64, channels)
	for i := range ids {
		ch, err := owner.CreateChannel(bg, client.ChannelRequest{Title: fmt.Sprint("channel ", i)})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = ch.ID
		inv, err := owner.CreateInvite(bg, ch.ID, client.InviteRequest{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := reader.JoinByInvite(bg, inv.Code); err != nil {
			b.Fatal(err)
		}
	}
	s, err := reader.Connect(bg, nil)
	if err != nil {
		b.Fatal(err)
	}
	pos := s.Welcome().Pos
	s.Close()
	for i := range active {
		for k := range posts {
			if _, err := owner.Send(bg, ids[i*channels/active], client.SendRequest{Text: fmt.Sprint("post ", k)}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ResetTimer()
	for range b.N {
		resync(b, reader, pos, active*posts)
	}
}
