# kq: Kafka as a Unix pipe. Plain GNU make; see README.md.

VERSION = 0.1.0

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/vendor-completions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d

CC ?= cc
PKG_CONFIG ?= pkg-config
CFLAGS ?= -O2 -g
# Objects and programs; `make asan` builds a second tree under build/asan.
O ?= build
BIN ?= bin

WARN = -Wall -Wextra
ifeq ($(WERROR),1)
WARN += -Werror
endif
ifeq ($(SANITIZE),1)
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer
endif

KQ_CFLAGS = -std=c11 -D_GNU_SOURCE -DKQ_VERSION='"$(VERSION)"' -Icommon \
	    $(shell $(PKG_CONFIG) --cflags rdkafka) $(WARN) $(SANFLAGS) -MMD -MP
RDKAFKA_LIBS = $(shell $(PKG_CONFIG) --libs rdkafka)
# libjq ships no .pc file in Debian.
JQ_LIBS = -ljq
# The codecs of record batches, which kq-broker recompresses.
ZIP_LIBS = -lz -llz4 -lzstd -lsnappy
CMOCKA_CFLAGS = $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)

PROGS = $(patsubst cmd/%.c,%,$(wildcard cmd/kq-*.c))
MANS = $(wildcard cmd/*.1) $(wildcard doc/*.7)
COMMON_SRC = $(wildcard common/*.c)
COMMON_OBJ = $(COMMON_SRC:%.c=$(O)/%.o)
# The broker's modules (protocol, storage, groups) serve kq-broker only.
BROKER_SRC = $(wildcard broker/*.c)
BROKER_OBJ = $(BROKER_SRC:%.c=$(O)/%.o)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(O)/tests/%)
FIXTURE_SRC = $(wildcard tests/fixture/*.c)
FIXTURE_BIN = $(FIXTURE_SRC:tests/fixture/%.c=$(O)/tests/%)
COMPLETIONS = completions/kq.bash completions/_kq completions/kq.fish

.PHONY: all test unit e2e asan bench demo install uninstall clean \
	completions check-completions fuzz style style-check

all: $(PROGS:%=$(BIN)/%)

# Keep objects that pattern rules make on the way.
.SECONDARY:

$(O)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(KQ_CFLAGS) $(INC_$(*D)) $(INC_$*) $(CPPFLAGS) $(CFLAGS) \
		-c -o $@ $<

# Only the broker's modules, its program and its tests see broker/: the
# other programs are made of common/ alone.
INC_broker = -Ibroker
INC_cmd/kq-broker = -Ibroker

$(O)/libkq.a: $(COMMON_OBJ)
	$(AR) rcs $@ $^

$(O)/libkqbroker.a: $(BROKER_OBJ)
	$(AR) rcs $@ $^

ifneq ($(BROKER_SRC),)
$(BIN)/kq-broker: $(O)/libkqbroker.a
LIBS_broker = $(O)/libkqbroker.a $(O)/libkq.a $(ZIP_LIBS)
endif

$(BIN)/kq-%: $(O)/cmd/kq-%.o $(O)/libkq.a
	@mkdir -p $(@D)
	$(CC) $(SANFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS_$*) \
		$(RDKAFKA_LIBS) -lm

LIBS_sub = $(JQ_LIBS)
LIBS_jsonsplit = $(JQ_LIBS)

$(O)/tests/test_broker_%: tests/unit/test_broker_%.c $(O)/libkqbroker.a \
		$(O)/libkq.a
	@mkdir -p $(@D)
	$(CC) $(KQ_CFLAGS) -Ibroker $(CMOCKA_CFLAGS) $(CPPFLAGS) $(CFLAGS) \
		$(LDFLAGS) -o $@ $< $(O)/libkqbroker.a $(O)/libkq.a $(CMOCKA_LIBS) \
		$(ZIP_LIBS) $(RDKAFKA_LIBS) -lm

$(O)/tests/test_%: tests/unit/test_%.c $(O)/libkq.a
	@mkdir -p $(@D)
	$(CC) $(KQ_CFLAGS) $(CMOCKA_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) \
		-o $@ $< $(O)/libkq.a $(CMOCKA_LIBS) $(JQ_LIBS) \
		$(RDKAFKA_LIBS) -lm

$(O)/tests/%: tests/fixture/%.c $(O)/libkq.a
	@mkdir -p $(@D)
	$(CC) $(KQ_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< \
		$(O)/libkq.a $(RDKAFKA_LIBS) -lm

# libFuzzer targets for the parsers of common/ and broker/ (clang): each runs for
# FUZZ_TIME seconds, starting from a corpus seeded with tests/data.
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=$(O)/fuzz/%)
FUZZ_CC ?= clang
FUZZ_TIME ?= 60
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined \
	     -fno-sanitize-recover=all

$(O)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(COMMON_SRC) $(wildcard common/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -Icommon $(FUZZ_FLAGS) -o $@ $< \
		$(COMMON_SRC) $(JQ_LIBS) $(shell $(PKG_CONFIG) --libs rdkafka) -lm

# The broker's request decoder: its modules are linked in too.
$(O)/fuzz/fuzz_broker_%: tests/fuzz/fuzz_broker_%.c $(COMMON_SRC) $(BROKER_SRC) \
		$(wildcard common/*.h broker/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -Icommon -Ibroker $(FUZZ_FLAGS) -o $@ $< \
		$(BROKER_SRC) $(COMMON_SRC) $(JQ_LIBS) $(ZIP_LIBS) \
		$(shell $(PKG_CONFIG) --libs rdkafka) -lm

fuzz: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do \
		mkdir -p $$f.corpus && \
		echo "fuzz: $$(basename $$f) for $(FUZZ_TIME)s" && \
		$$f -max_total_time=$(FUZZ_TIME) -max_len=8192 \
			-artifact_prefix=$$f. \
			$$f.corpus tests/data tests/fuzz/seeds 2>$$f.log || \
			{ tail -n 40 $$f.log; exit 1; }; \
	done

# The whole suite: unit tests, then the programs end to end.
test: all $(UNIT_BIN) $(FIXTURE_BIN)
	@KQ_BIN=$(abspath $(BIN)) KQ_O=$(abspath $(O)) KQ_TESTBIN=$(abspath $(O)/tests) \
		sh tests/run.sh

unit: $(UNIT_BIN)
	@KQ_TESTBIN=$(abspath $(O)/tests) sh tests/run.sh unit

e2e: all $(FIXTURE_BIN)
	@KQ_BIN=$(abspath $(BIN)) KQ_O=$(abspath $(O)) KQ_TESTBIN=$(abspath $(O)/tests) \
		sh tests/run.sh e2e

# The same suite, built with AddressSanitizer and UBSan in build/asan.
asan:
	$(MAKE) O=build/asan BIN=build/asan/bin SANITIZE=1 test

bench: all $(FIXTURE_BIN)
	KQ_BIN=$(abspath $(BIN)) KQ_TESTBIN=$(abspath $(O)/tests) bash bench/run.sh
	KQ_BIN=$(abspath $(BIN)) KQ_TESTBIN=$(abspath $(O)/tests) bash bench/broker.sh

demo: all
	sh scripts/demo.sh

# The layout of every C file is .clang-format's, as Debian's clang-format
# (14) reads it: `make style` applies it, `make style-check` (CI) fails on
# any line it would change.
CLANG_FORMAT ?= clang-format
STYLE_SRC = $(wildcard cmd/*.c common/*.[ch] broker/*.[ch] tests/unit/*.[ch] \
	    tests/fixture/*.c tests/fuzz/*.c)

style:
	$(CLANG_FORMAT) -i --style=file $(STYLE_SRC)

style-check:
	$(CLANG_FORMAT) --dry-run --Werror --style=file $(STYLE_SRC)

# The completions are made from the programs' own option tables.
completions: all
	sh scripts/completions.sh $(BIN) completions

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 755 $(PROGS:%=$(BIN)/%) $(DESTDIR)$(BINDIR)
	install -m 644 $(wildcard cmd/*.1) $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(wildcard doc/*.7) $(DESTDIR)$(MANDIR)/man7
	install -m 644 completions/kq.bash $(DESTDIR)$(BASHCOMPDIR)/kq
	for p in $(PROGS); do \
		ln -sf kq $(DESTDIR)$(BASHCOMPDIR)/$$p; done
	install -m 644 completions/_kq $(DESTDIR)$(ZSHCOMPDIR)/_kq
	for p in $(PROGS); do \
		install -m 644 completions/kq.fish \
			$(DESTDIR)$(FISHCOMPDIR)/$$p.fish; done

uninstall:
	rm -f $(PROGS:%=$(DESTDIR)$(BINDIR)/%)
	rm -f $(patsubst cmd/%,$(DESTDIR)$(MANDIR)/man1/%,$(wildcard cmd/*.1))
	rm -f $(patsubst doc/%,$(DESTDIR)$(MANDIR)/man7/%,$(wildcard doc/*.7))
	rm -f $(DESTDIR)$(BASHCOMPDIR)/kq $(PROGS:%=$(DESTDIR)$(BASHCOMPDIR)/%)
	rm -f $(DESTDIR)$(ZSHCOMPDIR)/_kq
	rm -f $(PROGS:%=$(DESTDIR)$(FISHCOMPDIR)/%.fish)

clean:
	rm -rf build bin

-include $(COMMON_OBJ:.o=.d) $(BROKER_OBJ:.o=.d) $(PROGS:%=$(O)/cmd/%.d)
