# chapar: run "make test" for every test (what CI runs).
GO ?= go

.PHONY: test run build vet bench bench-search fuzz tools

# The tests of the S3 storage run against a real S3 server, the Versity S3
# Gateway (Apache-2.0), built once from the Go module proxy into .tools/.
VERSITYGW := $(CURDIR)/.tools/versitygw
VERSITY_VERSION := v1.8.0

test: vet tools
	CHAPAR_VERSITYGW=$(VERSITYGW) $(GO) test -race -count=1 -timeout 15m ./...

tools: $(VERSITYGW)

$(VERSITYGW):
	GOBIN=$(CURDIR)/.tools $(GO) install github.com/versity/versitygw/cmd/versitygw@$(VERSITY_VERSION)

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...

run:
	$(GO) run ./cmd/chapar

build:
	$(GO) build -o bin/ ./cmd/...

bench:
	$(GO) test -run XXX -bench . -skip SearchMillion -benchtime 2s ./internal/...

# bench-search measures search over 1,000,000 messages in both stores; the
# first run builds the corpora (minutes; kept in $TMPDIR and PostgreSQL).
bench-search:
	$(GO) test -run XXX -bench SearchMillion -benchtime 200x -timeout 0 ./internal/store/sqlite ./internal/store/postgres

# fuzz runs each fuzz target for FUZZTIME (default 30s).
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list 'Fuzz.*' $$pkg | grep ^Fuzz); do \
	    echo "fuzz $$pkg $$f"; $(GO) test -run XXX -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done
