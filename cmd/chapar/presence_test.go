package main

import (
	"testing"
	"time"

	"github.com/chapar/chapar/client"
)

// TestPresenceReachesDirectChats: when a user's first connection opens and
// their last one closes, the people they have direct chats with get a
// presence frame, and the profile then shows when they were last seen.
func TestPresenceReachesDirectChats(t *testing.T) {
	srv := startServer(t, t.TempDir())
	ca, _ := newUser(t, srv.URL, "pres_alice")
	cb, bob := newUser(t, srv.URL, "pres_bob")
	if _, err := ca.CreateDirect(bg, bob.ID); err != nil {
		t.Fatal(err)
	}
	sa, _ := connect(t, ca, nil)
	defer sa.Close()
	next := func() client.Frame {
		t.Helper()
		for {
			select {
			case f := <-sa.Frames():
				if f.Type == client.FramePresence {
					return f
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no presence frame in 10s")
			}
		}
	}
	sb, _ := connect(t, cb, nil)
	if f := next(); f.UserID != bob.ID || !f.Online {
		t.Fatalf("presence on connect: %+v", f)
	}
	sb.Close()
	if f := next(); f.UserID != bob.ID || f.Online {
		t.Fatalf("presence on close: %+v", f)
	}
	u, err := ca.User(bg, bob.ID)
	if err != nil || u.Online || u.LastSeen.IsZero() {
		t.Fatalf("bob after leaving: %+v %v", u, err)
	}
}
