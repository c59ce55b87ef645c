# feature-server: non-recursive build. Objects go under $(BUILD), never
# into the source tree. `make help` lists the targets.

VARIANT ?=
BUILD   ?= build$(if $(VARIANT),/$(VARIANT))
Q       := $(if $(V),,@)

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

PKGS    := libre json-c libcurl libmicrohttpd speexdsp \
	hiredis
# espeak-ng, libsndfile and the MariaDB client are dlopen()ed on first
# use (core/audio/tts_espeak.c, audio_buf.c, core/dir/mysql_dl.c): their
# headers only; the unit tests write their audio files with libsndfile,
# linked
HDR_PKGS := espeak-ng sndfile libmariadb
CC      ?= cc
CFLAGS_BASE := -std=gnu11 -g -O2 -Wall -Wextra -Werror -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes -fno-strict-aliasing
ifeq ($(VARIANT),asan)
CFLAGS_BASE += -O1 -fsanitize=address,undefined,float-cast-overflow \
	-fno-omit-frame-pointer \
	-fno-sanitize-recover=all
LDFLAGS_SAN := -fsanitize=address,undefined,float-cast-overflow
endif
# libFuzzer build (tests/fuzz/README.md): the core and the plugins with
# coverage and ASan+UBSan, compiled by clang
ifeq ($(VARIANT),fuzz)
CC := $(or $(FUZZ_CC),clang)
CFLAGS_BASE += -O1 -fno-omit-frame-pointer -fno-sanitize-recover=all \
	-fsanitize=fuzzer-no-link,address,undefined
LDFLAGS_SAN := -fsanitize=address,undefined
endif
DEP_CFLAGS  := $(shell pkg-config --cflags $(PKGS) $(HDR_PKGS) 2>/dev/null)
# flite (which ships no pkg-config file), espeak-ng and libsndfile are
# dlopen()ed by their first use (core/audio/), so none is linked
DEP_LIBS    := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lrem \
	-lssl -lcrypto -lpthread -ldl -lm
# libre 1.1.0 headers need the feature macros its own build defines
RE_DEFS     := -DHAVE_INTTYPES_H -DHAVE_STDBOOL_H -DHAVE_INET6
CPPFLAGS    := -Iinclude -Icore -DFS_VERSION=\"$(VERSION)\" $(RE_DEFS) \
	$(DEP_CFLAGS)
ALL_CFLAGS   = $(CFLAGS_BASE) $(CPPFLAGS) $(CFLAGS) -MMD -MP
# Plugins see the public headers only (docs/abi.md), and of the
# libraries only the two they share with the core
PLUGIN_DEPS := libre json-c
PLUGIN_CPPFLAGS := -Iinclude $(RE_DEFS) \
	$(shell pkg-config --cflags $(PLUGIN_DEPS) 2>/dev/null)
PLUGIN_CFLAGS    = $(CFLAGS_BASE) $(PLUGIN_CPPFLAGS) $(CFLAGS) -MMD -MP
PLUGIN_LIBS := $(shell pkg-config --libs $(PLUGIN_DEPS) 2>/dev/null)
# The plugin API the binary exports, from the declarations in include/fs/,
# and the libre timer functions it overrides (core/base/timer.c)
SYMS        := $(BUILD)/fs.syms
OVR_SYMS    := $(sort $(wildcard core/*/*.syms))
EXPORTS     := -Wl,--dynamic-list=$(SYMS)

CORE_SRC  := $(filter-out core/main.c,$(wildcard core/*.c core/*/*.c))
CORE_OBJ  := $(CORE_SRC:%.c=$(BUILD)/obj/%.o)
MAIN_OBJ  := $(BUILD)/obj/core/main.o
CORE_LIB  := $(BUILD)/libfscore.a
BIN       := $(BUILD)/feature-server

PLUGINS     := $(notdir $(wildcard plugins/*))
# stream is jambonz's alias of listen: the same code under the second
# name (LISTEN_VERB), its own objects and shared object
ALIAS_SOS   := $(BUILD)/plugins/stream.so
PLUGIN_SOS  := $(PLUGINS:%=$(BUILD)/plugins/%.so) $(ALIAS_SOS)
TPLUGINS    := $(notdir $(wildcard tests/plugins/*))
TPLUGIN_SOS := $(TPLUGINS:%=$(BUILD)/tests/plugins/%.so)

UNIT_SRC  := $(wildcard tests/unit/*.c)
UNIT_OBJ  := $(UNIT_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_BIN  := $(BUILD)/tests/check_all
SUITES_H  := $(BUILD)/tests/suites.h
CHECK_LIBS := $(shell pkg-config --libs check sndfile 2>/dev/null)

FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_GLUE := $(filter-out $(FUZZ_SRC),$(wildcard tests/fuzz/*.c))
FUZZ_BINS := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/%)
FUZZ_SECS ?= 60

.PHONY: all run test test-build unit e2e asan valgrind deps format check-format \
	clean help bench fuzz fuzz-build fuzz-smoke depgraph install deb FORCE
all: $(BIN) $(PLUGIN_SOS)

help:
	@echo "make            build $(BIN) and $(BUILD)/plugins/*.so"
	@echo "make run        install deps, build, run on the embedded defaults"
	@echo "make test       install deps, build, depgraph, unit, fuzz-smoke, e2e"
	@echo "make asan       the same tests on an ASan+UBSan build"
	@echo "make valgrind   unit tests under valgrind"
	@echo "make bench      benchmarks (bench/README.md)"
	@echo "make fuzz       libFuzzer targets, FUZZ_SECS (60) each"
	@echo "make format     clang-format the sources"
	@echo "make depgraph   folder dependencies of core/, fails on a cycle"
	@echo "make install    binary, plugins, include/fs/, feature-server-plugin.pc"
	@echo "                under PREFIX ($(PREFIX)), the config under"
	@echo "                SYSCONFDIR ($(SYSCONFDIR)), the unit; staged in DESTDIR"
	@echo "make deb        the Debian package, into $(BUILD)/deb/"

deps:
	$(Q)scripts/install-deps

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/pobj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(PLUGIN_CFLAGS) -fPIC -fvisibility=hidden -c $< -o $@

# The in-tree plugins ship with the server and carry its version as their
# own; the loader checks the ABI numbers, never this string
$(BUILD)/pobj/plugins/%.o: PLUGIN_CPPFLAGS += \
	-DPLUGIN_VERSION=\"$(VERSION)\"

$(SYMS): $(wildcard include/fs/*.h) $(OVR_SYMS) scripts/gen-syms
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)scripts/gen-syms -c "$(CC)" $(addprefix -x ,$(OVR_SYMS)) \
		$(wildcard include/fs/*.h) > $@.tmp && \
		mv $@.tmp $@

$(CORE_LIB): $(CORE_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(MAIN_OBJ) $(CORE_LIB) $(SYMS) scripts/check-syms
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_SAN) $(LDFLAGS) $(EXPORTS) -o $@ $(MAIN_OBJ) \
		-Wl,--whole-archive $(CORE_LIB) -Wl,--no-whole-archive \
		$(DEP_LIBS)
	$(Q)scripts/check-syms $(SYMS) $@ || { rm -f $@; exit 1; }

# One shared object per plugin folder; fs_* symbols resolve against the
# binary that loads it, libre and json-c are shared with the core.
define plugin_rule
$(BUILD)/$(2)/$(1).so: $$(patsubst %.c,$(BUILD)/pobj/%.o,$$(wildcard $(3)/$(1)/*.c))
	@mkdir -p $$(dir $$@)
	@echo "  SO      $$@"
	$(Q)$(CC) $(LDFLAGS_SAN) $(LDFLAGS) -shared -o $$@ $$^ $(PLUGIN_LIBS)
endef
$(foreach p,$(PLUGINS),$(eval $(call plugin_rule,$(p),plugins,plugins)))

STREAM_OBJ := $(patsubst plugins/listen/%.c,$(BUILD)/pobj/stream/%.o,\
	$(wildcard plugins/listen/*.c))
$(BUILD)/pobj/stream/%.o: plugins/listen/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (stream)"
	$(Q)$(CC) $(PLUGIN_CFLAGS) -DPLUGIN_VERSION=\"$(VERSION)\" \
		-DLISTEN_VERB=\"stream\" -fPIC -fvisibility=hidden -c $< -o $@
$(BUILD)/plugins/stream.so: $(STREAM_OBJ)
	@mkdir -p $(dir $@)
	@echo "  SO      $@"
	$(Q)$(CC) $(LDFLAGS_SAN) $(LDFLAGS) -shared -o $@ $^ $(PLUGIN_LIBS)
$(foreach p,$(TPLUGINS),$(eval $(call plugin_rule,$(p),tests/plugins,tests/plugins)))

$(SUITES_H): $(UNIT_SRC)
	@mkdir -p $(dir $@)
	$(Q)grep -ho '^Suite \*[a-z0-9_]*_suite(void)' $(UNIT_SRC) | \
		sed 's/^Suite \*\(.*\)(void)/X(\1)/' | sort -u > $@.tmp && \
		mv $@.tmp $@

$(BUILD)/obj/tests/unit/check_main.o: $(SUITES_H)
$(BUILD)/obj/tests/unit/check_main.o: CPPFLAGS += -I$(BUILD)/tests

$(UNIT_BIN): $(UNIT_OBJ) $(CORE_LIB) $(SYMS) scripts/check-syms
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_SAN) $(LDFLAGS) $(EXPORTS) -o $@ $(UNIT_OBJ) \
		-Wl,--whole-archive $(CORE_LIB) -Wl,--no-whole-archive \
		$(CHECK_LIBS) $(DEP_LIBS)
	$(Q)scripts/check-syms $(SYMS) $@ || { rm -f $@; exit 1; }

# One libFuzzer binary per tests/fuzz/fuzz_<name>.c, with the glue
$(BUILD)/fuzz_%: $(BUILD)/obj/tests/fuzz/fuzz_%.o \
		$(FUZZ_GLUE:%.c=$(BUILD)/obj/%.o) $(CORE_LIB) $(SYMS) \
		scripts/check-syms
	@echo "  LD      $@"
	$(Q)$(CC) -fsanitize=fuzzer,address,undefined $(LDFLAGS) $(EXPORTS) \
		-o $@ $< $(FUZZ_GLUE:%.c=$(BUILD)/obj/%.o) \
		-Wl,--whole-archive $(CORE_LIB) -Wl,--no-whole-archive \
		$(DEP_LIBS)
	$(Q)scripts/check-syms $(SYMS) $@ || { rm -f $@; exit 1; }

# not intermediate: kept for the next build
.SECONDARY: $(FUZZ_SRC:%.c=$(BUILD)/obj/%.o) $(FUZZ_GLUE:%.c=$(BUILD)/obj/%.o)

fuzz-build: $(FUZZ_BINS) $(PLUGIN_SOS)

# Replays tests/fuzz/regress/, then fuzzes each target FUZZ_SECS seconds
fuzz:
	$(Q)$(MAKE) --no-print-directory VARIANT=fuzz fuzz-build
	$(Q)FUZZ_SECS=$(FUZZ_SECS) tests/fuzz/run.sh build/fuzz

fuzz-smoke:
	$(Q)$(MAKE) --no-print-directory FUZZ_SECS=4 fuzz

run: deps
	$(Q)$(MAKE) --no-print-directory all
	./$(BIN) -c etc/feature-server.conf

# Environment for tests: where the binary, plugins and test plugins are.
TEST_ENV := FS_BUILD=$(BUILD) FS_BIN=$(BIN) FS_PLUGIN_DIR=$(BUILD)/plugins \
	FS_TEST_PLUGIN_DIR=$(BUILD)/tests/plugins

# Build in parallel, then run the suites one after the other
test-build: all $(UNIT_BIN) $(TPLUGIN_SOS)

test: deps
	$(Q)$(MAKE) --no-print-directory test-build
	$(Q)$(MAKE) --no-print-directory depgraph
	$(Q)$(MAKE) --no-print-directory -j1 unit
	$(Q)$(MAKE) --no-print-directory fuzz-smoke
	$(Q)$(MAKE) --no-print-directory -j1 e2e

unit: all $(UNIT_BIN) $(TPLUGIN_SOS)
	$(Q)$(TEST_ENV) CK_FORK=yes ./$(UNIT_BIN)

e2e: all
	$(Q)$(TEST_ENV) tests/e2e/run.sh

asan: deps
	$(Q)$(MAKE) --no-print-directory VARIANT=asan test-build
	$(Q)$(MAKE) --no-print-directory -j1 VARIANT=asan unit
	$(Q)$(MAKE) --no-print-directory -j1 VARIANT=asan e2e

valgrind: deps
	$(Q)$(MAKE) --no-print-directory test-build
	$(Q)$(TEST_ENV) CK_FORK=no FS_VALGRIND=1 valgrind -q --error-exitcode=1 \
		--leak-check=full --errors-for-leak-kinds=definite \
		--suppressions=tests/valgrind.supp ./$(UNIT_BIN)

# Folder-level dependency graph of core/ (headers and symbols)
depgraph: $(CORE_OBJ) $(MAIN_OBJ)
	$(Q)scripts/depgraph --objs $(BUILD)/obj/core

# The binary and its plugins share one folder, so the default PLUGIN_DIR
# ("plugins" beside the binary, symlinks resolved) finds them; BINDIR gets
# a symlink. Without -c the server reads $(CONFIG_FILE) when it exists
# (core/base/cfg.c), so the installed binary finds both by default.
# Out-of-tree plugins build with the installed headers and
# `pkg-config --cflags feature-server-plugin` (docs/abi.md);
# feature-server.pc is the same file under its first name.
PREFIX       ?= /usr/local
BINDIR       ?= $(PREFIX)/bin
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
SYSCONFDIR   ?= /etc
PKGLIBDIR    ?= $(LIBDIR)/feature-server
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
UNITDIR      ?= $(LIBDIR)/systemd/system
PLUGINDIR    := $(PKGLIBDIR)/plugins
CONFDIR      := $(SYSCONFDIR)/feature-server
CONFIG_FILE  := $(CONFDIR)/feature-server.conf
PC           := $(BUILD)/feature-server-plugin.pc
UNIT         := $(BUILD)/feature-server.service

$(BUILD)/obj/core/base/cfg.o: CPPFLAGS += \
	-DFS_CONFIG_FILE=\"$(CONFIG_FILE)\"
# the default path is compiled in: rebuilt when it changes
CFG_STAMP := $(BUILD)/config-file.stamp
$(CFG_STAMP): FORCE
	@mkdir -p $(dir $@)
	$(Q)echo '$(CONFIG_FILE)' > $@.tmp
	$(Q)cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(BUILD)/obj/core/base/cfg.o: $(CFG_STAMP)

# Relative to ${prefix} where possible, so that
# pkg-config --define-variable=prefix=... can relocate a staged install
pc_rel = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))

# Rewritten only when the text changes: PREFIX is not a file to depend on
$(PC): FORCE
	@mkdir -p $(dir $@)
	$(Q){ \
	echo 'prefix=$(PREFIX)'; \
	echo 'includedir=$(call pc_rel,$(INCLUDEDIR))'; \
	echo 'plugindir=$(call pc_rel,$(PLUGINDIR))'; \
	echo; \
	echo 'Name: feature-server-plugin'; \
	echo 'Description: verb plugin API of feature-server'; \
	echo 'Version: $(VERSION)'; \
	echo 'Cflags: -I$${includedir} $(RE_DEFS) $(strip $(shell \
		pkg-config --cflags $(PLUGIN_DEPS) 2>/dev/null))'; \
	echo '# nothing to link: a plugin resolves fs_* against the server'; \
	echo '# binary, and libre and json-c come with the binary too'; \
	echo 'Libs:'; \
	} > $@.tmp
	$(Q)cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

# The unit names the installed paths
$(UNIT): etc/feature-server.service FORCE
	@mkdir -p $(dir $@)
	$(Q)sed -e 's|/usr/local/bin/feature-server|$(BINDIR)/feature-server|' \
		-e 's|/etc/feature-server/feature-server.conf|$(CONFIG_FILE)|' \
		$< > $@.tmp
	$(Q)cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

# An existing configuration is kept (the package's is a conffile)
install: $(BIN) $(PLUGIN_SOS) $(PC) $(UNIT)
	$(Q)install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(PLUGINDIR) \
		$(DESTDIR)$(INCLUDEDIR)/fs $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(CONFDIR) $(DESTDIR)$(UNITDIR)
	$(Q)install -m 755 $(BIN) $(DESTDIR)$(PKGLIBDIR)/feature-server
	$(Q)ln -sfn $(PKGLIBDIR)/feature-server $(DESTDIR)$(BINDIR)/feature-server
	$(Q)install -m 644 $(PLUGIN_SOS) $(DESTDIR)$(PLUGINDIR)/
	$(Q)install -m 644 include/fs/*.h $(DESTDIR)$(INCLUDEDIR)/fs/
	$(Q)install -m 644 $(PC) $(DESTDIR)$(PKGCONFIGDIR)/feature-server-plugin.pc
	$(Q)install -m 644 $(PC) $(DESTDIR)$(PKGCONFIGDIR)/feature-server.pc
	$(Q)install -m 644 $(UNIT) $(DESTDIR)$(UNITDIR)/feature-server.service
	$(Q)[ -e $(DESTDIR)$(CONFIG_FILE) ] || \
		install -m 644 etc/feature-server.conf $(DESTDIR)$(CONFIG_FILE)
	@echo "  INSTALL $(DESTDIR)$(PREFIX)"

# The Debian package, built from a copy of the tracked files so that
# dpkg-buildpackage writes nothing beside the source tree; the .deb
# lands in $(DEB_DIR)
DEB_DIR := $(BUILD)/deb
deb:
	$(Q)rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/feature-server-$(VERSION)
	$(Q)git ls-files -z --cached --others --exclude-standard | \
		xargs -0 cp --parents -t $(DEB_DIR)/feature-server-$(VERSION)
	$(Q)cd $(DEB_DIR)/feature-server-$(VERSION) && \
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		dpkg-buildpackage -us -uc -b -j2 >../build.log 2>&1 || \
		{ tail -n 40 ../build.log; exit 1; }
	$(Q)ls $(DEB_DIR)/*.deb

bench: all
	$(Q)bench/run

format:
	$(Q)clang-format -i $$(git ls-files '*.c' '*.h')

check-format:
	$(Q)clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
