# gtrace: bpftrace-compatible tracing in pure Go.
GO        ?= go
BIN       := bin/gtrace
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
export CGO_ENABLED := 0

.PHONY: all build test unit conformance conformance-diff bench fuzz lint clean

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/gtrace

# test is what CI runs: vet, unit and kernel tests, a short fuzz pass and the
# conformance suite.
test: build
	$(GO) vet ./...
	$(GO) test -count=1 ./...
	$(MAKE) fuzz FUZZTIME=10s
	$(MAKE) conformance

unit:
	$(GO) test ./...

conformance: build
	$(GO) run ./conformance -bin $(BIN) -suite conformance/cases

# The differential lane also runs every case with the system bpftrace,
# installing Debian's package when it is absent.
conformance-diff: build
	@command -v bpftrace >/dev/null || (apt-get update -qq && apt-get install -y -qq bpftrace)
	$(GO) run ./conformance -bin $(BIN) -suite conformance/cases -diff

bench: build
	$(GO) run ./cmd/gtrace-bench -bin $(BIN)

# Fuzz targets as package:FuzzName.
FUZZ_TARGETS := ./lang/lexer:FuzzLex ./lang/parser:FuzzParse ./stdlib:FuzzCheck ./runtime/kernel:FuzzParseFormat ./runtime/kernel:FuzzParseCPUList ./stdlib/format:FuzzParse ./stdlib/format:FuzzStrftime ./stdlib/format:FuzzJSONString
FUZZTIME ?= 30s
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$pkg $$name"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	done

lint:
	gofmt -l . | (! grep .)
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

clean:
	rm -rf bin
