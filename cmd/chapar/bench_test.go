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
		start := time.Now()
		s, err := bob.Connect(bg, &pos)
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
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms/resync")
		s.Close()
		if got != n {
			b.Fatalf("replayed %d events, want %d", got, n)
		}
	}
}
