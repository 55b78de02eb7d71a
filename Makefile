# Dockyard's build. Seccomp needs cgo, Debian's libseccomp-dev and the
# "seccomp" build tag (see docs/design.md). netgo and osusergo take Go's own
# DNS resolver (the one Go picks on Debian anyway) and /etc/passwd and
# /etc/group reader instead of libc's: net, os/user and the ~80 packages
# above them then need no C compiler, so .ci/setup compiles them while apt
# installs gcc (docs/classroom.md). .ci/setup, .ci/fuzz and the tests that
# build the binary read or repeat these tags.
GO        ?= go
TAGS      ?= seccomp,netgo,osusergo
BIN       := bin/dockyard
BINDIR    ?= /usr/local/bin
# The docker symlink goes beside the binary's private bin directory unless
# asked for elsewhere (make install DOCKER_LINK_DIR=/usr/local/bin), so it
# never shadows a real Docker client by surprise.
DOCKER_LINK_DIR ?= /usr/local/lib/dockyard/bin
VERSION   ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
# Linked statically (glibc's and libseccomp's archives, from libc6-dev and
# libseccomp-dev), as runc's releases are: a process of a static binary
# starts without the dynamic loader, ~1 ms less of every start of dockyard,
# of a container's monitor and of its init (docs/design.md). netgo and
# osusergo keep libc's resolver and user database, which need dlopen, out.
LDFLAGS   := -X main.version=$(VERSION) -extldflags=-static
# Integration tests share host resources (bridges, ports); run packages one
# at a time and tests inside a package as they declare.
TESTFLAGS ?= -p 1 -count=1 -timeout 60m

export CGO_ENABLED=1

# A file just written stays in the page cache as large folios, and the kernel
# maps a whole folio into every process that touches a byte of it: every
# monitor then holds all of its binary's code (RSS 12.5 MB instead of 6 MB).
# Written back and dropped, the binary is read in again as monitors use it,
# as after a reboot (docs/design.md).
drop-page-cache = sync $(1) && dd if=$(1) iflag=nocache count=0 status=none

# Docker Compose, the real one, pinned in tools/compose/go.mod; `docker
# compose` runs it as a Docker CLI plugin beside dockyard.
COMPOSE_VERSION := $(shell sed -n 's|^\s*github.com/docker/compose/v5 \(v[^ ]*\).*|\1|p' tools/compose/go.mod)
COMPOSE_PLUGIN_DIR ?= /usr/local/lib/dockyard/cli-plugins

.PHONY: build compose compose-install install-compose-plugin test bench fuzz install learn lint clean

# One go build for both binaries: their packages compile once, and the
# two links run side by side instead of one after the other.
build:
	$(GO) build -tags '$(TAGS)' -ldflags '$(LDFLAGS)' -o bin/ ./cmd/dockyard ./cmd/dockyard-monitor
	$(call drop-page-cache,bin/dockyard-monitor)

compose:
	cd tools/compose && $(GO) build -trimpath -ldflags '-s -w -X github.com/docker/compose/v5/internal.Version=$(COMPOSE_VERSION)' -o ../../bin/cli-plugins/docker-compose github.com/docker/compose/v5/cmd

# The end-to-end tests run the real Docker Compose (e2e/compose_test.go).
# deploy/ is a module of its own (the classroom manifest's check decodes it
# into the Kubernetes API types; the engine's build never loads them).
test: build compose
	bash .ci/third-party
	$(GO) vet -tags '$(TAGS)' ./...
	$(GO) test -tags '$(TAGS)' $(TESTFLAGS) ./...
	cd deploy && $(GO) vet ./... && $(GO) test $(TESTFLAGS) ./...

bench: build
	$(GO) test -tags '$(TAGS)' -run '^$$' -bench . -benchmem -count=1 ./...
	bash .ci/bench/run

# Every Go fuzz target for FUZZTIME each (default 20s); crashers land in
# the package's testdata/fuzz/ as regression seeds.
fuzz:
	bash .ci/fuzz

install: build
	install -d $(BINDIR) $(DOCKER_LINK_DIR)
	install -m 0755 $(BIN) $(BINDIR)/dockyard
	install -m 0755 bin/dockyard-monitor $(BINDIR)/dockyard-monitor
	$(call drop-page-cache,$(BINDIR)/dockyard-monitor)
	ln -sf $(BINDIR)/dockyard $(DOCKER_LINK_DIR)/docker
	ln -sf $(BINDIR)/dockyard $(DOCKER_LINK_DIR)/docker-compose
	if [ -x bin/cli-plugins/docker-compose ]; then $(MAKE) -s install-compose-plugin; fi

# The plugin appears under its name only whole (a build in the background
# may race a student's first docker compose).
install-compose-plugin:
	install -D -m 0755 bin/cli-plugins/docker-compose $(COMPOSE_PLUGIN_DIR)/.docker-compose.new
	mv -f $(COMPOSE_PLUGIN_DIR)/.docker-compose.new $(COMPOSE_PLUGIN_DIR)/docker-compose

compose-install: compose
	$(MAKE) -s install-compose-plugin

# The lesson images bake in the background (once; later runs find them up
# to date) while the first lesson, whose first steps need no image, is on
# screen; a step that needs one waits for it with a progress bar.
# Docker Compose (the compose lesson's) builds in the background too, niced,
# its log in $(COMPOSE_LOG) ending in done or failed; `docker compose`
# says so while it runs.
COMPOSE_LOG ?= /var/log/dockyard-compose.log
# Without DWARF and the symbol table the link before the first lesson takes
# a third less (panics still name their functions and lines); `make build`
# keeps them for debuggers and profiles.
learn: LDFLAGS += -s -w
learn: install
	$(BINDIR)/dockyard images prepare --background
	if [ ! -x $(COMPOSE_PLUGIN_DIR)/docker-compose ]; then \
		(nohup nice $(MAKE) -s compose-install >$(COMPOSE_LOG) 2>&1 && echo done >>$(COMPOSE_LOG) || echo failed >>$(COMPOSE_LOG)) & fi
	$(BINDIR)/dockyard learn

clean:
	rm -rf bin
