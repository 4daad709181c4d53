package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chapar/chapar/client"
)

// TestGracefulShutdown: SIGTERM closes sockets with 1001, the process exits
// 0, and the data is intact on the next start.
func TestGracefulShutdown(t *testing.T) {
	bin := buildBinary(t)
	p := &proc{bin: bin, data: t.TempDir(), addr: freeAddr(t)}
	p.start(t)
	t.Cleanup(p.kill)
	url := "http://" + p.addr
	a, _ := newUser(t, url, "alice")
	_, bU := newUser(t, url, "bobby")
	chat, _ := a.CreateDirect(bg, bU.ID)
	sent, err := a.Send(bg, chat.ID, client.SendRequest{ClientID: "1", Text: "kept"})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := connect(t, a, nil)
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.Done():
		if code := client.CloseCode(s.Err()); code != 1001 {
			t.Fatalf("close code %d (%v)", code, s.Err())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("socket not closed on SIGTERM")
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("exit: %v", err)
	}
	p.cmd = nil
	p.start(t)
	hist, err := a.History(bg, chat.ID, client.HistoryQuery{})
	if err != nil || hist[len(hist)-1].Seq != sent.Event.Seq {
		t.Fatalf("after restart: %+v %v", hist, err)
	}
}

// TestSlowClientIsCutOffAndResyncs: a client that stops reading is
// disconnected with 4008 while others carry on; it then resumes from its
// position and gets everything.
func TestSlowClientIsCutOffAndResyncs(t *testing.T) {
	srv := startServer(t, t.TempDir())
	testSlowClient(t, []string{srv.URL}, true)
}

// testSlowClient runs the slow-client check against the nodes at urls: the
// slow client on the first, the senders on the others, and the resync on
// the last.
//
// With exactCode, the cut-off must be the 4008 close frame. A cluster run
// under a loaded machine may instead see the connection dropped (1006): the
// node gives a silent client WriteTimeout (10 s) to take its close frame,
// and on two shared cores the test's own reader can be slower than that.
// Either way the resync must then bring everything.
func testSlowClient(t *testing.T, urls []string, exactCode bool) {
	node := func(i int) string { return urls[i%len(urls)] }
	a, _ := newUser(t, node(1), "alice")
	slow, slowU := newUser(t, node(0), "slowpoke")
	fast, fastU := newUser(t, node(2), "speedy")
	g, _ := a.CreateGroup(bg, "busy", []int64{slowU.ID, fastU.ID})
	ss, _ := connect(t, slow, nil)
	start := ss.Welcome().Pos
	fs, _ := connect(t, fast, nil)
	go drain(fs)
	// The slow client's frames pile up in its own buffer, then in the
	// kernel's, then in the server's queue (4 MiB), which overflows: 12 MB
	// is more than all of them hold. Two senders, each under the per-user
	// send limit.
	carol, carolU := newUser(t, node(2), "carol")
	if _, err := a.AddMembers(bg, g.ID, []int64{carolU.ID}); err != nil {
		t.Fatal(err)
	}
	// 4,000 Persian letters: 8 KB a message, the most one may carry, so
	// the queue overflows soon even when the senders are slowed down.
	text := strings.Repeat("ش", 4000)
	var mu sync.Mutex
	var last client.Event
	acked := 0
	var wg sync.WaitGroup
	for _, sender := range []*client.Client{a, carol} {
		st, _ := connect(t, sender, nil)
		go drain(st)
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 1500 / 8 {
					r, err := st.Send(bg, g.ID, client.SendRequest{ClientID: fmt.Sprint(w, "-", i), Text: text})
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					acked++
					if r.Event.Seq > last.Seq {
						last = r.Event
					}
					mu.Unlock()
				}
			}()
		}
	}
	// As soon as its node has cut the slow client off, it starts reading
	// (a client that stayed silent past the write timeout would be dropped
	// without the close frame): it finds the stream cut off with 4008.
	cut := make(chan struct{})
	go func() {
		defer close(cut)
		for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if metricValue(t, node(0), "chapar_websockets_slow_closed_total") >= 1 {
				return
			}
		}
	}()
	<-cut
	drained := make(chan struct{})
	go func() { drain(ss); close(drained) }()
	select {
	case <-drained:
	case <-time.After(30 * time.Second):
		t.Fatal("the slow client's stream was never closed")
	}
	if code := client.CloseCode(ss.Err()); code != 4008 && (exactCode || code != 1006) {
		t.Fatalf("close code %d (%v), want 4008", code, ss.Err())
	} else if code != 4008 {
		t.Logf("the slow client was dropped (%d) rather than sent 4008: the machine was too slow for the write timeout", code)
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	// Resuming from where it started, it gets every message once, in order.
	_, replay := connect(t, onNodes(slow, urls)[len(urls)-1], &start)
	n := 0
	for i, e := range replay {
		if i > 0 && e.Seq != replay[i-1].Seq+1 {
			t.Fatalf("gap in resync at %d", i)
		}
		if e.Type == client.EventMessage {
			n++
		}
	}
	if replay[len(replay)-1].Seq != last.Seq || n != acked {
		t.Fatalf("resync ended at %d (want %d), %d messages (want %d)", replay[len(replay)-1].Seq, last.Seq, n, acked)
	}
}

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "chapar.toml")
	os.WriteFile(file, []byte("addr = \":7000\"\ndata = \"/from/file\"\nmax_text_len = 100\nedit_window = \"1h\"\n"), 0o600)
	env := map[string]string{"CHAPAR_CONFIG": file, "CHAPAR_DATA": "/from/env"}
	cfg, err := loadServeConfig([]string{"-addr", ":9000"}, &bytes.Buffer{}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != ":9000" || cfg.Data != "/from/env" || cfg.MaxTextLen != 100 || cfg.EditWindow.Duration != time.Hour {
		t.Fatalf("merged config: %+v", cfg)
	}
	// The cluster settings: file, then environment, then flags.
	os.WriteFile(file, []byte("database = \"postgres://file/db\"\nnats = \"nats://file:4222\"\ncluster = \"fromfile\"\n"), 0o600)
	env["CHAPAR_NATS"] = "nats://env:4222"
	cfg, err = loadServeConfig([]string{"-cluster", "fromflag"}, &bytes.Buffer{}, func(k string) string { return env[k] })
	if err != nil || cfg.Database != "postgres://file/db" || cfg.NATS != "nats://env:4222" || cfg.Cluster != "fromflag" {
		t.Fatalf("cluster config: %+v %v", cfg, err)
	}
	delete(env, "CHAPAR_NATS")
	os.WriteFile(file, []byte("adress = \":7000\"\n"), 0o600)
	if _, err := loadServeConfig(nil, &bytes.Buffer{}, func(k string) string { return env[k] }); err == nil {
		t.Fatal("a misspelt setting was accepted")
	}
	for _, args := range [][]string{{"-max-text-len", "0"}, {"-edit-window", "-1s"}, {"stray"}, {"-nope"}, {"-log-level", "loud"},
		{"-nats", "nats://127.0.0.1:4222"}, {"-database", "mysql://x"}, {"-database", "postgres://x", "-cluster", "a.b"}} {
		cfg, err := loadServeConfig(args, &bytes.Buffer{}, func(string) string { return "" })
		if err == nil {
			_, err = newLogger(cfg, &bytes.Buffer{})
		}
		if err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

// TestFirstStart: the binary creates its data folder and answers /healthz.
func TestFirstStart(t *testing.T) {
	bin := buildBinary(t)
	data := filepath.Join(t.TempDir(), "fresh", "chapar-data")
	p := &proc{bin: bin, data: data, addr: freeAddr(t)}
	p.start(t)
	t.Cleanup(p.kill)
	if _, err := os.Stat(filepath.Join(data, "chapar.db")); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + p.addr + "/metrics")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("metrics: %v %v", resp, err)
	}
	resp.Body.Close()
	// "chapar help" and an unknown command.
	out, _ := exec.Command(bin, "help").CombinedOutput()
	if !strings.Contains(string(out), "serve") {
		t.Fatalf("help: %s", out)
	}
	if err := exec.Command(bin, "frobnicate").Run(); err == nil {
		t.Fatal("unknown command exited 0")
	}
}

// FuzzConfigFile feeds arbitrary config files to the loader: it must never
// panic, and whatever it accepts must pass its own checks.
func FuzzConfigFile(f *testing.F) {
	f.Add("addr = \":8080\"\ndata = \"./d\"\nmax_text_len = 100\nedit_window = \"2h\"\n")
	f.Add("log_level = \"debug\"\nlog_format = \"json\"\n")
	f.Add("max_group_size = -1\n")
	f.Add("edit_window = 5\n")
	f.Add("[x]\ny = 1\n")
	f.Fuzz(func(t *testing.T, content string) {
		file := filepath.Join(t.TempDir(), "c.toml")
		os.WriteFile(file, []byte(content), 0o600)
		cfg, err := loadServeConfig([]string{"-config", file}, &bytes.Buffer{}, func(string) string { return "" })
		if err != nil {
			return
		}
		if cfg.MaxTextLen < 1 || cfg.MaxGroupSize < 2 || cfg.EditWindow.Duration < 0 {
			t.Fatalf("accepted an invalid config: %+v", cfg)
		}
	})
}

// metricValue reads one unlabelled metric from a server's /metrics (0 if
// it is not there).
func metricValue(t *testing.T, url, name string) float64 {
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return f
		}
	}
	return 0
}
