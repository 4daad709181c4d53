package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chapar/chapar/internal/api"
	"github.com/chapar/chapar/internal/botapi"
	"github.com/chapar/chapar/internal/bus"
	"github.com/chapar/chapar/internal/domain"
	"github.com/chapar/chapar/internal/hub"
	"github.com/chapar/chapar/internal/store/sqlite"
)

// startChapar runs the real server in-process — SQLite store, local bus,
// hub, domain, API and Bot API, wired as "chapar serve" wires them — on
// a loopback port: the relay speaks no Bot API.
func startChapar(t *testing.T) string {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	b := bus.NewLocal()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "chapar.db"), b, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var svc *domain.Service
	h := hub.New(func(userID int64, online bool) { svc.SetOnline(context.Background(), userID, online) })
	b.Subscribe(h)
	svc = domain.NewService(domain.DefaultConfig(), domain.Deps{Store: st, Notifier: b, Presence: h, Log: log})
	srv := api.New(svc, h, api.Options{Log: log, Bots: botapi.New(svc, h, nil, log)})
	srv.SetReady(true)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		srv.CloseSockets()
		ts.CloseClientConnections() // the bot's long poll
		ts.Close()
		st.Close()
	})
	return ts.URL
}

func TestBotsAgainstChapar(t *testing.T) {
	url := startChapar(t)
	for _, s := range []*botsScenario{
		// At most 5 messages per chat: a bot's burst in a private chat,
		// beyond which the server answers 429 (retried after retry_after).
		{users: 8, messages: 40, mode: "both", window: 1, inflight: 8, senders: 3, pollTimeout: 5, encoding: "json", poll: true},
		{users: 6, messages: 30, mode: "both", window: 2, inflight: 8, senders: 2, pollTimeout: 5, encoding: "form", poll: false, rate: 400},
	} {
		b := testBench(t, url)
		res, err := s.run(testContext(t), b)
		if err != nil {
			t.Fatal(err)
		}
		for name, p := range map[string]*botPhase{"updates": res.BotUpdates, "send": res.BotSends} {
			if p == nil {
				t.Fatalf("%s: no figures", name)
			}
			if p.Sent != s.messages || p.Expected != s.messages || p.Delivered != s.messages || p.Lost != 0 ||
				p.Duplicated != 0 || p.Misrouted != 0 || p.SendErrors != 0 || p.Samples != s.messages {
				t.Errorf("%s, encoding %s: %+v", name, s.encoding, p)
			}
			if p.PerS <= 0 || p.P99ms <= 0 || p.P50ms > p.P99ms || p.P99ms > p.MaxMs || p.AckP99ms <= 0 {
				t.Errorf("%s figures: %+v", name, p)
			}
			if float64(p.ServerCPUs) <= 0 || float64(p.ServerCPUPerMsg) <= 0 {
				t.Errorf("%s: no server CPU: %+v", name, p)
			}
		}
		if res.BotUpdates.GetUpdatesCalls < 1 || res.BotUpdates.UpdatesPerCall < 1 {
			t.Errorf("getUpdates calls %d, %.1f updates each", res.BotUpdates.GetUpdatesCalls, res.BotUpdates.UpdatesPerCall)
		}
		if res.Sent != 2*s.messages || res.Delivered != 2*s.messages || res.Lost != 0 || res.Duplicated != 0 {
			t.Errorf("totals: %+v", res)
		}
	}
}

// One mode at a time, through the command: one JSON line, the phase's
// figures also in the shared fields, the summary on stderr.
func TestRunBots(t *testing.T) {
	url := startChapar(t)
	for _, mode := range []string{"updates", "send"} {
		var out, errOut bytes.Buffer
		code := run([]string{"bots", "-server", url, "-users", "6", "-messages", "30", "-mode", mode, "-poll-timeout", "5", "-json"}, &out, &errOut)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", mode, code, errOut.String())
		}
		var r result
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		phase, other := r.BotUpdates, r.BotSends
		if mode == "send" {
			phase, other = other, phase
		}
		if phase == nil || other != nil || r.BotMode != mode {
			t.Fatalf("%s: phases %+v %+v", mode, r.BotUpdates, r.BotSends)
		}
		if r.Delivered != 30 || r.Lost != 0 || r.MsgsPerS != phase.PerS || r.P99ms != phase.P99ms {
			t.Errorf("%s: %+v", mode, r)
		}
		if want := map[string]string{"updates": "updates/s", "send": "sendMessage→deliver"}[mode]; !strings.Contains(errOut.String(), want) {
			t.Errorf("%s: summary %q", mode, errOut.String())
		}
	}
	if code := run([]string{"bots", "-server", url, "-mode", "webhook"}, io.Discard, io.Discard); code != 2 {
		t.Errorf("-mode webhook: exit %d, want 2", code)
	}
}
