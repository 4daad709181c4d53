package archtest

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

type pkg struct {
	ImportPath string
	Doc        string
	Name       string
	Imports    []string
	Deps       []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", "github.com/chapar/chapar/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func TestEveryPackageHasADocComment(t *testing.T) {
	for _, p := range listPackages(t) {
		if strings.TrimSpace(p.Doc) == "" {
			t.Errorf("%s has no package doc comment", p.ImportPath)
		}
	}
}

func TestDomainImportsNoDriverOrTransport(t *testing.T) {
	forbidden := []string{"net/http", "database/sql", "modernc.org/", "github.com/jackc/", "github.com/nats-io/",
		"github.com/gobwas/", "github.com/chapar/chapar/internal/api", "github.com/chapar/chapar/internal/store/"}
	for _, p := range listPackages(t) {
		if p.ImportPath != "github.com/chapar/chapar/internal/domain" {
			continue
		}
		for _, d := range p.Deps {
			for _, f := range forbidden {
				if strings.HasPrefix(d, f) {
					t.Errorf("the domain depends on %s", d)
				}
			}
		}
		return
	}
	t.Fatal("internal/domain not found")
}
