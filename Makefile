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

.PHONY: all build test integration bench fmt tools clean lxd

all: build test

## build: compile everything, the charm's dispatch, bin/juju-local (+ its core,
## bin/juju-local-core, and its hook-tool client, bin/juju-local-hooktool) and
## bin/jujutest (jujutest wait, for scripts)
build:
	$(GO) build ./...
	cd charm && $(GO) build ./...
	# Static binaries: the hook-tool client is pushed into LXD machines,
	# whose base may have an older libc than this host's.
	CGO_ENABLED=0 $(GO) build -o $(BIN)/ ./cmd/juju-local ./cmd/juju-local-core ./cmd/juju-local-hooktool ./cmd/jujutest

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
	  export JUJUTEST_CLI="$(BIN)/juju-local" JUJU_LOCAL_DATA="$$data" JUJU_LOCAL_ALLOW_HOST=1 JUJU_LOCAL_IMAGE_BASE="$${JUJU_LOCAL_IMAGE_BASE-debian@12}"; \
	  echo "integration: local backend machines: $${JUJU_LOCAL_PROVIDER:-LXD containers if an LXD daemon answers (make lxd), else this host}"; \
	fi; \
	export JUJUTEST_BACKEND="$$backend"; \
	$(GO) test -tags integration -count=1 -v -timeout $(INTEGRATION_TIMEOUT) ./tests/integration

## lxd: prepare this machine for juju-local's LXD machines, idempotently:
## LXD from Debian's archive, the daemon, a storage pool, a bridge on a free
## subnet, and the Debian 12 image (debootstrap) aliased juju/debian@12/<arch>
lxd:
	.ci/lxd-setup

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

# Packing, tools and lint.

ACTIONLINT_VERSION ?= v1.7.11
# Keep in step with GOLANGCI_LINT_VERSION in .github/workflows/ci.yaml.
GOLANGCI_LINT_VERSION ?= v2.15.0
ACTIONLINT := $(BIN)/actionlint
# golangci-lint is optional here (GitHub Actions runs it): on PATH, else bin/.
GOLANGCI_LINT ?= $(shell ls $(BIN)/golangci-lint 2>/dev/null || command -v golangci-lint 2>/dev/null)
CHARMCRAFT_ARGS ?=

.PHONY: pack pack-charmcraft lint

## pack: tinyproxy_amd64.charm and tinyproxy_arm64.charm at the repository root,
## built with Go alone (no charmcraft): static dispatch + generated metadata
pack:
	$(GO) run ./cmd/charmpack -project charm -out . -arch amd64,arm64

## pack-charmcraft: pack with charmcraft in charm/ (needs charmcraft and LXD,
## e.g. from `sudo concierge prepare -p machine`); writes charm/tinyproxy_*.charm
pack-charmcraft:
	@command -v charmcraft >/dev/null 2>&1 || { \
	  echo "pack-charmcraft: charmcraft is not installed. Install it with 'sudo snap install charmcraft --classic'" >&2; \
	  echo "  (it builds in LXD: 'sudo concierge prepare -p machine' sets up both), or use 'make pack', which needs only Go." >&2; \
	  exit 1; }
	cd charm && charmcraft pack --verbose $(CHARMCRAFT_ARGS)
	@ls -1 charm/*.charm

## tools: install the Go tools that lint needs into bin/ (actionlint
## $(ACTIONLINT_VERSION), golangci-lint $(GOLANGCI_LINT_VERSION))
tools: $(BIN)/.actionlint-$(ACTIONLINT_VERSION) $(BIN)/.golangci-lint-$(GOLANGCI_LINT_VERSION)

$(BIN)/.golangci-lint-$(GOLANGCI_LINT_VERSION):
	GOBIN=$(BIN) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	@rm -f $(BIN)/.golangci-lint-* && touch $@

$(BIN)/.actionlint-$(ACTIONLINT_VERSION):
	GOBIN=$(BIN) $(GO) install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)
	@rm -f $(BIN)/.actionlint-* && touch $@

## lint: gofmt check, go vet with and without -tags integration in both modules,
## actionlint on .github/workflows, and golangci-lint when it is installed
lint: tools
	@files=$$(git ls-files --cached --others --exclude-standard '*.go'); \
	bad=$$(gofmt -l $$files); \
	if [ -n "$$bad" ]; then echo "lint: not gofmt-formatted (run 'make fmt'):" >&2; echo "$$bad" >&2; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags integration ./...
	cd charm && $(GO) vet ./... && $(GO) vet -tags integration ./...
	cd tests/integration/charms/upstream && $(GO) vet ./...
	$(ACTIONLINT)
	@if [ -n "$(GOLANGCI_LINT)" ]; then \
	  echo "$(GOLANGCI_LINT) run --build-tags integration ./... (root, charm/ and the upstream test charm)"; \
	  $(GOLANGCI_LINT) run --build-tags integration ./... && (cd charm && $(GOLANGCI_LINT) run --build-tags integration ./...) && \
	    (cd tests/integration/charms/upstream && $(GOLANGCI_LINT) run ./...); \
	else \
	  echo "lint: golangci-lint skipped: it is not installed (not on PATH nor in bin/). GitHub Actions runs it;"; \
	  echo "  to run it here: GOBIN=$(BIN) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0"; \
	fi
