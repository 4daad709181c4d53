package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// mediaScenario: one user uploads a file of -file-mb MiB over tus in one
// PATCH, then downloads it, and the server's RSS is sampled while it does
// (what a 1 GB file costs it in memory). The bytes are made as they are
// sent and checked by SHA-256 as they come back: the generator holds
// neither copy either.
type mediaScenario struct {
	fileMB int
}

func (s *mediaScenario) flags(fs *flag.FlagSet) {
	fs.IntVar(&s.fileMB, "file-mb", 1024, "the file's size in MiB")
}

func (s *mediaScenario) check(opt options) error {
	if s.fileMB < 1 || s.fileMB > 2048 {
		return errors.New("-file-mb: 1 to 2048")
	}
	return nil
}

// pattern is a reader of n pseudo-random bytes (the same for a seed).
type pattern struct {
	rng *rand.ChaCha8
	n   int64
}

func (p *pattern) Read(b []byte) (int, error) {
	if p.n <= 0 {
		return 0, io.EOF
	}
	b = b[:min(int64(len(b)), p.n)]
	p.rng.Read(b)
	p.n -= int64(len(b))
	return len(b), nil
}

// rssPeak samples the servers' RSS until stopped and keeps the highest.
func rssPeak(b *bench) (stop func() float64) {
	var mu sync.Mutex
	peak := 0.0
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			v := sum(b.scrapeAll(context.Background()), rssOf)
			mu.Lock()
			peak = max(peak, v)
			mu.Unlock()
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return func() float64 {
		close(done)
		<-finished
		mu.Lock()
		defer mu.Unlock()
		return mb(peak)
	}
}

func (s *mediaScenario) run(ctx context.Context, b *bench) (*result, error) {
	setupStart := time.Now()
	us, err := b.register(ctx, 1, func(int) int { return 0 })
	if err != nil {
		return nil, err
	}
	u := us[0]
	base := b.servers[0]
	size := int64(s.fileMB) << 20
	before := b.settleRSS(ctx, 10*time.Second)
	res := &result{Clients: 1, Users: 1, FileMB: s.fileMB}
	res.SetupS = round3(time.Since(setupStart).Seconds())
	req := func(method, path string, body io.Reader, hdr ...string) (*http.Response, error) {
		r, err := http.NewRequestWithContext(ctx, method, base+path, body)
		if err != nil {
			return nil, err
		}
		r.Header.Set("Authorization", "Bearer "+u.c.Token())
		r.Header.Set("Tus-Resumable", "1.0.0")
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		if body != nil {
			r.ContentLength = size
		}
		return http.DefaultClient.Do(r)
	}
	cpu0 := cpuTime()
	resp, err := req("POST", "/v1/uploads", nil, "Upload-Length", strconv.FormatInt(size, 10),
		"Upload-Metadata", "kind "+base64.StdEncoding.EncodeToString([]byte("file")))
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusCreated || loc == "" {
		return nil, fmt.Errorf("create upload: %s", resp.Status)
	}
	b.logf("uploading %d MiB", s.fileMB)
	sent := sha256.New()
	peak := rssPeak(b)
	start := time.Now()
	resp, err = req("PATCH", loc, io.TeeReader(&pattern{rng: rand.NewChaCha8([32]byte{1}), n: size}, sent),
		"Upload-Offset", "0", "Content-Type", "application/offset+octet-stream")
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	up := time.Since(start)
	res.UploadPeakMB = num(peak())
	fileID := resp.Header.Get("Chapar-File-Id")
	if resp.StatusCode != http.StatusNoContent || fileID == "" {
		return nil, fmt.Errorf("upload: %s", resp.Status)
	}
	res.UploadMBps = round3(float64(s.fileMB) / up.Seconds())

	f, err := u.c.File(ctx, fileID)
	if err != nil {
		return nil, err
	}
	b.logf("downloading")
	peak = rssPeak(b)
	start = time.Now()
	dl, err := http.Get(base + f.URL)
	if err != nil {
		return nil, err
	}
	got := sha256.New()
	n, err := io.Copy(got, dl.Body)
	dl.Body.Close()
	down := time.Since(start)
	res.DownloadPeakMB = num(peak())
	if err != nil || n != size {
		return nil, fmt.Errorf("download: %d of %d bytes: %v", n, size, err)
	}
	if string(got.Sum(nil)) != string(sent.Sum(nil)) {
		return nil, errors.New("the downloaded bytes differ from the uploaded ones")
	}
	res.DownloadMBps = round3(float64(s.fileMB) / down.Seconds())
	res.DurationS = round3((up + down).Seconds())
	res.GenCPUs = round3((cpuTime() - cpu0).Seconds())
	res.RSSBeforeMB = ptrNum(mb(sum(before, rssOf)))
	res.setServer(before, b.scrapeAll(context.Background()))
	b.logf("upload %.0f MiB/s (server RSS peak %s MB), download %.0f MiB/s (peak %s MB), from %s MB at rest",
		res.UploadMBps, fmtNum(&res.UploadPeakMB), res.DownloadMBps, fmtNum(&res.DownloadPeakMB), fmtNum(res.RSSBeforeMB))
	return res, nil
}

func ptrNum(v float64) *num { n := num(v); return &n }
