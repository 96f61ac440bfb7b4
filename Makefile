# The same commands for people, GitHub Actions and CI: see README.md.
#
#   make test         every test that needs no Juju controller
#   make integration  the integration suite (real controller if one is current, else the local backend)

SHELL := /bin/bash
GO ?= go
GOARCH := $(shell $(GO) env GOARCH)
BIN := $(CURDIR)/bin
CHARM_AMD64 := tinyproxy_amd64.charm
CHARM_LOCAL := $(CURDIR)/tinyproxy_$(GOARCH).charm
TEST_TIMEOUT ?= 15m
INTEGRATION_TIMEOUT ?= 40m

.PHONY: all build test integration bench fmt tools clean

all: build test

## build: compile everything, the charm's dispatch and bin/juju-local
build:
	$(GO) build ./...
	cd charm && $(GO) build ./...
	$(GO) build -o $(BIN)/juju-local ./cmd/juju-local

## test: unit tests of the charm, jujutest, the packer and the local backend
## (the workload test needs root and apt; it skips with a reason otherwise)
test:
	cd charm && $(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./...
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./...

## integration: the integration suite. JUJUTEST_BACKEND=local|juju forces the
## backend; by default a real juju with a current controller is preferred.
integration: build
	@set -euo pipefail; \
	backend="$${JUJUTEST_BACKEND:-}"; \
	if [ -z "$$backend" ]; then \
	  if command -v juju >/dev/null 2>&1 && juju show-controller >/dev/null 2>&1; then backend=juju; else backend=local; fi; \
	fi; \
	case "$$backend" in \
	  juju) echo "integration: running against the real juju controller ($$(juju whoami 2>/dev/null | head -1))";; \
	  local) echo "integration: no real controller configured (or JUJUTEST_BACKEND=local): using the local backend bin/juju-local";; \
	  *) echo "integration: JUJUTEST_BACKEND must be 'local' or 'juju', not '$$backend'" >&2; exit 2;; \
	esac; \
	if [ -z "$${CHARM_PATH:-}" ]; then $(MAKE) --no-print-directory pack-local; export CHARM_PATH="$(CHARM_LOCAL)"; fi; \
	if [ "$$backend" = local ]; then \
	  data=$$(mktemp -d -t juju-local-XXXXXX); trap 'rm -rf "$$data"' EXIT; \
	  export JUJUTEST_CLI="$(BIN)/juju-local" JUJU_LOCAL_DATA="$$data" JUJU_LOCAL_ALLOW_HOST=1; \
	fi; \
	export JUJUTEST_BACKEND="$$backend"; \
	$(GO) test -tags integration -count=1 -v -timeout $(INTEGRATION_TIMEOUT) ./tests/integration

## bench: every Go benchmark (speed targets are checked here)
bench:
	cd charm && $(GO) test -run '^$$' -bench . -benchmem ./...
	$(GO) test -run '^$$' -bench . -benchmem ./...

## fmt: format all Go code
fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf $(BIN) build tinyproxy_*.charm

## pack-local: pack the charm for this machine's architecture only
pack-local:
	$(GO) run ./cmd/charmpack -project charm -out . -arch $(GOARCH)

# Targets owned by the packing/lint work: pack, pack-charmcraft, lint, tools.
