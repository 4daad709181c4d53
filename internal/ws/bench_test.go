package ws

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

// idleConns is how many connections a setup holds: 2 descriptors each
// (both ends are in one process), well inside a 20,000 open-file limit.
const idleConns = 5000

// setupEnv names the setup a child process measures.
const setupEnv = "CHAPAR_WS_IDLE_SETUP"

// BenchmarkIdleConnMemory measures what an idle WebSocket costs the server.
// Run it alone: go test -run XXX -bench IdleConnMemory -benchtime 1x
//
// Method: a process holds idleConns loopback connections, both ends, and
// the heap and stacks in use after GC (HeapInuse+StackInuse; the kernel's
// socket buffers are not counted) are compared with the process before.
// Four setups, whose client side is the same dialled net.Conn each time:
//
//	fds:        TCP conns accepted and held by the server, no goroutine
//	tcp:        the same with a goroutine per accepted conn blocked in Read:
//	            the least a goroutine-per-connection server can cost
//	ws:         WebSockets upgraded by this package, Serve on its own goroutine
//	ws-handler: the same with Serve on the HTTP handler's goroutine
//
// Each setup runs in a fresh child process (this test binary again):
// goroutine descriptors are never freed, only reused, so a setup run after
// another in the same process would get its goroutines for free.
//
// Reported per connection:
//
//	B/conn          ws − tcp: what this package adds to the leanest server
//	server-B/conn   ws − fds/2: the server's whole cost, counting half of
//	                fds as the client's socket
//	handler-B/conn  ws-handler − tcp: B/conn if Serve keeps the handler's goroutine
func BenchmarkIdleConnMemory(b *testing.B) {
	for b.Loop() {
		fds, tcp := measureSetup(b, "fds"), measureSetup(b, "tcp")
		wsGo, wsHandler := measureSetup(b, "ws"), measureSetup(b, "ws-handler")
		b.Logf("per connection: fds %.0f B, tcp %.0f B, ws %.0f B, ws-handler %.0f B", fds, tcp, wsGo, wsHandler)
		b.ReportMetric(wsGo-tcp, "B/conn")
		b.ReportMetric(wsGo-fds/2, "server-B/conn")
		b.ReportMetric(wsHandler-tcp, "handler-B/conn")
	}
}

// measureSetup runs TestIdleConnChild for one setup and returns the bytes
// per connection it printed.
func measureSetup(b *testing.B, setup string) float64 {
	cmd := exec.Command(os.Args[0], "-test.run=^TestIdleConnChild$", "-test.v")
	cmd.Env = append(os.Environ(), setupEnv+"="+setup)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("setup %s: %v\n%s", setup, err, out)
	}
	var per float64
	i := bytes.Index(out, []byte("per-conn-bytes "))
	if i < 0 {
		b.Fatalf("setup %s printed no figure:\n%s", setup, out)
	}
	fmt.Sscan(string(out[i+len("per-conn-bytes "):]), &per)
	return per
}

// TestIdleConnChild is one setup of BenchmarkIdleConnMemory, run in a
// child process.
func TestIdleConnChild(t *testing.T) {
	setup := os.Getenv(setupEnv)
	if setup == "" {
		t.Skip("run by BenchmarkIdleConnMemory")
	}
	hold := map[string]func(testing.TB){
		"fds":        func(t testing.TB) { holdTCP(t, false) },
		"tcp":        func(t testing.TB) { holdTCP(t, true) },
		"ws":         func(t testing.TB) { holdWS(t, false) },
		"ws-handler": func(t testing.TB) { holdWS(t, true) },
	}[setup]
	before := inUse()
	hold(t)
	fmt.Printf("per-conn-bytes %.1f\n", float64(int64(inUse())-int64(before))/idleConns)
}

// inUse is the memory in use once garbage is collected. Two GCs empty the
// sync.Pools too.
func inUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse + ms.StackInuse
}

// The hold functions return with idleConns connections open and settled,
// and leave them to the process's exit.

// holdTCP holds plain TCP connections, with or without a goroutine per
// accepted connection blocked in Read.
func holdTCP(t testing.TB, reader bool) {
	ln := listen(t)
	accepted := make(chan net.Conn, idleConns)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if reader {
				go func() {
					var p [1]byte
					c.Read(p[:])
				}()
			}
			accepted <- c
		}
	}()
	base := runtime.NumGoroutine()
	dialAll(t, func() (net.Conn, error) { return net.Dial("tcp", ln.Addr().String()) })
	for range idleConns {
		<-accepted
	}
	if reader {
		waitGoroutines(t, base+idleConns)
	}
}

// holdWS holds WebSockets served by this package.
func holdWS(t testing.TB, serveInHandler bool) {
	ln := listen(t)
	srv := NewServer(Config{})
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := srv.Upgrade(w, r)
		if err != nil {
			return
		}
		if serveInHandler {
			c.Serve(idleHandler{})
		} else {
			go c.Serve(idleHandler{})
		}
	})}
	go hs.Serve(ln)
	base := runtime.NumGoroutine()
	url := "ws://" + ln.Addr().String() + "/"
	dialAll(t, func() (net.Conn, error) {
		c, _, _, err := ws.Dial(context.Background(), url)
		return c, err
	})
	waitGoroutines(t, base+idleConns) // one per connection, no handshake in flight
}

type idleHandler struct{}

func (idleHandler) OnMessage(*Conn, []byte) {}
func (idleHandler) OnClose(*Conn, error)    {}

func listen(t testing.TB) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// dialAll opens idleConns client connections, a few at a time, and keeps
// them.
func dialAll(t testing.TB, dial func() (net.Conn, error)) []net.Conn {
	conns := make([]net.Conn, idleConns)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < len(conns); i += 8 {
				c, err := dial()
				if err != nil {
					t.Error(err)
					return
				}
				conns[i] = c
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return conns
}

// waitGoroutines waits until n goroutines exist.
func waitGoroutines(t testing.TB, n int) {
	deadline := time.Now().Add(30 * time.Second)
	for runtime.NumGoroutine() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines, want %d", runtime.NumGoroutine(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
