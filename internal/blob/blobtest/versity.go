package blobtest

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"
)

// Versity starts the Versity S3 Gateway (versitygw, Apache-2.0: a real S3
// server over a directory that checks SigV4 signatures) with one account,
// and returns its "host:port"; it stops when the test ends. ok is false if
// versitygw is not installed: `make test` installs it (make tools) and
// names it in CHAPAR_VERSITYGW, else it is looked for in PATH.
func Versity(t testing.TB, access, secret string) (addr string, ok bool) {
	t.Helper()
	bin := os.Getenv("CHAPAR_VERSITYGW")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("versitygw"); err != nil {
			return "", false
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = l.Addr().String()
	l.Close()
	var out bytes.Buffer
	cmd := exec.Command(bin, "--port", addr, "--access", access, "--secret", secret, "--quiet",
		"posix", "--sidecar", t.TempDir(), t.TempDir())
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start versitygw: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr, true
		}
		if time.Now().After(deadline) {
			t.Fatalf("versitygw did not listen on %s:\n%s", addr, out.String())
		}
	}
}
