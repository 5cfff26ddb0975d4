# zvfio — top-level build. `make` builds the library (static and shared),
# the zvfio tool and the guest images; `make demo`, `make check`,
# `make bench`. Variants: `make SAN=1` (ASan+UBSan, into build-san/),
# `make CC=clang`.

CC      ?= gcc
ifeq ($(origin CC),default)
CC      := gcc
endif
CROSS   ?= s390x-linux-gnu-
SAN     ?=
O       := $(or $(BUILD),$(if $(SAN),build-san,build))

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CSTD    := -std=c11 -D_GNU_SOURCE
SAN_ON  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SANFLAGS := $(if $(SAN),$(SAN_ON))
OPT     ?= -O2 -g
CFLAGS_ALL := $(CSTD) $(WARN) $(OPT) $(SANFLAGS) -fPIC -fvisibility=hidden -Iinclude -Isrc $(CFLAGS)
LDFLAGS_ALL := $(SANFLAGS) $(LDFLAGS)

LIB_SRC := $(wildcard src/arch/*.c src/core/*.c src/dev/*.c src/dev/emu/*.c src/dev/vfio/*.c src/util/*.c src/hv/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(O)/%.o)

# The KVM binding (src/hv/kvm_s390.c) speaks s390's KVM uAPI. An s390x
# compiler has it in its own headers; elsewhere it comes from Debian's
# linux-libc-dev-s390x-cross, staged so that <linux/kvm.h>, <asm/kvm.h> and
# what they include are s390x's for the binding and its test alone.
KVM_UAPI_SRC ?= /usr/s390x-linux-gnu/include
ifeq ($(findstring s390x,$(shell $(CC) -dumpmachine 2>/dev/null)),)
KVM_UAPI := $(O)/kvm-uapi
KVM_USERS := $(O)/src/hv/kvm_s390.o $(O)/src/hv/kvm_guest.o $(O)/tests/hv/test_kvm_s390 \
	$(O)/tests/fuzz/fuzz_kvm \
	$(O)/examples/kvm-vmm $(O)/tools/run_kvm.o $(O)/tests/hv/test_run_kvm build-fuzz/fuzz_kvm \
	build-fuzz/cov/fuzz_kvm
$(KVM_USERS): KVM_INC := -I$(KVM_UAPI)
$(KVM_USERS): | $(KVM_UAPI)/linux/kvm.h
$(KVM_UAPI)/linux/kvm.h:
	@test -f $(KVM_UAPI_SRC)/linux/kvm.h || { echo "no s390x KVM headers in $(KVM_UAPI_SRC):" \
		"install linux-libc-dev-s390x-cross (scripts/install-deps.sh does)"; exit 1; }
	@mkdir -p $(KVM_UAPI)
	$(Q)for d in linux asm asm-generic; do ln -sfn $(KVM_UAPI_SRC)/$$d $(KVM_UAPI)/$$d; done
endif
# LDLIBS: extra libraries, linked last (a static cross build adds -lm)
LIBS    := -lunicorn -llzma -lzstd -lpthread $(LDLIBS)
# a fully static link takes libunicorn.a, whose definitions would clash:
# stores then stay on Unicorn's own path
ifneq ($(filter -static,$(LDFLAGS)),)
CFLAGS_ALL += -DZV_UNICORN_STATIC
endif

EXAMPLE_SRC := $(wildcard examples/*.c)
EXAMPLE_BIN := $(EXAMPLE_SRC:%.c=$(O)/%)

TOOL_SRC := $(wildcard tools/*.c)
TOOL_OBJ := $(TOOL_SRC:%.c=$(O)/%.o)

TEST_UNIT_SRC := $(wildcard tests/arch/*.c tests/core/*.c tests/dev/*.c tests/hv/*.c tests/util/*.c \
	tests/fuzz/*.c)
TEST_UNIT_BIN := $(TEST_UNIT_SRC:%.c=$(O)/%)
TEST_LIB_OBJ  := $(O)/tests/harness.o $(O)/tests/fakes.o

# The version has one source, include/zvfio/zvfio.h; the SONAME carries
# the major number, the file name all three.
vpart = $(shell sed -n 's/^\#define ZV_VERSION_$(1) \([0-9]*\).*/\1/p' include/zvfio/zvfio.h)
VERSION_MAJOR := $(call vpart,MAJOR)
VERSION := $(VERSION_MAJOR).$(call vpart,MINOR).$(call vpart,PATCH)
SONAME  := libzvfio.so.$(VERSION_MAJOR)

STATIC  := $(O)/libzvfio.a
SHARED_REAL := $(O)/libzvfio.so.$(VERSION)
SHARED  := $(O)/libzvfio.so
TOOL    := $(O)/zvfio

.PHONY: all lib tool examples guest demo demo-linux check check-vm-linux cross-s390x check-unit check-guest check-vm check-fresh check-install \
	unit-bins bench clean fuzz fuzz-bins deps install uninstall

all: lib tool guest examples

lib: $(STATIC) $(SHARED)
tool: $(TOOL)
examples: $(EXAMPLE_BIN)

Q := $(if $(V),,@)

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS_ALL) $(KVM_INC) -MMD -MP -c $< -o $@

$(STATIC): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

# nodelete: libunicorn's redirected calls (src/hv/ucstore.c) point into it
$(SHARED_REAL): $(LIB_OBJ)
	@$(if $(V),,echo "  LD      $@")
	$(Q)$(CC) -shared -Wl,-soname,$(SONAME) $(if $(SAN),,-Wl,-z,defs) -Wl,-z,nodelete $(LDFLAGS_ALL) \
		-o $@ $^ $(LIBS)

# the links an installed library has, so that -L$(O) works as -L$(LIBDIR)
$(SHARED): $(SHARED_REAL)
	$(Q)ln -sf $(notdir $<) $(O)/$(SONAME) && ln -sf $(SONAME) $@

$(TOOL): $(TOOL_OBJ) $(STATIC)
	@$(if $(V),,echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $(TOOL_OBJ) $(STATIC) $(LIBS)

# the examples see only the public headers, as an installed copy would
# (tests/install builds them again against an installed library)
$(O)/examples/%: examples/%.c $(STATIC)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  EXAMPLE $@")
	$(Q)$(CC) -std=c11 $(WARN) $(OPT) $(SANFLAGS) -Iinclude $(KVM_INC) $(CFLAGS) -MMD -MP -o $@ $< \
		$(STATIC) $(LIBS) $(LDFLAGS_ALL)

# unit tests link the static library (internal symbols are visible there)
$(O)/tests/%: tests/%.c $(TEST_LIB_OBJ) $(STATIC)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  TEST    $@")
	$(Q)$(CC) $(CFLAGS_ALL) $(KVM_INC) -Itests -MMD -MP -o $@ $< $(TEST_LIB_OBJ) $(STATIC) $(LIBS) $(LDFLAGS_ALL)

$(O)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS_ALL) -Itests -MMD -MP -c $< -o $@

include guest/guest.mk

-include $(LIB_OBJ:.o=.d) $(TOOL_OBJ:.o=.d) $(TEST_LIB_OBJ:.o=.d) $(TEST_UNIT_BIN:=.d) \
	$(EXAMPLE_BIN:=.d)

# ---- tests ---------------------------------------------------------------
# `make check` is the one command that runs every test: unit and guest
# tests, then the same under ASan+UBSan, valgrind, a clang build, and the
# VM suites (tests/vm: the VFIO backend on real kernels under QEMU).
check: deps
	@tests/run-all.sh

unit-bins: $(TEST_UNIT_BIN)

check-unit: $(TEST_UNIT_BIN)
	@tests/run-unit.sh $(O) $(TEST_UNIT_BIN)

check-guest: $(TOOL) guest
	@tests/guest/run.sh $(O) $(GUEST_OUT)

# the VM suites alone: real kernels under QEMU (root; installs what they need)
check-vm:
	@tests/vm/run.sh

# Debian's s390x Linux on the software machine inside the x86 VM, its nvme
# driver on QEMU's NVMe through VFIO: nested under TCG, slow (root; not in
# make check; docs/TESTING.md)
check-vm-linux:
	@BOOTS=linux bash tests/vm/x86/run.sh

# `make demo` (FRESH_FULL=1: and `make check`) in a new minimal Debian 12
# chroot with only make and git added: the README's promise, tested (root)
check-fresh:
	@tests/fresh/run.sh

# make install into a temporary DESTDIR, the example built and run against
# the installed copy with pkg-config, exports and headers checked
check-install: all
	@tests/install/run.sh $(O)

# ---- demo and benchmarks ---------------------------------------------------
demo: deps
	@$(MAKE) --no-print-directory all
	@tests/demo.sh $(O) $(GUEST_OUT)

# Debian's s390x Linux on the software machine, its stock virtio_blk driver
# doing I/O through emu:virtio-blk (root: fetches the kernel package)
demo-linux: deps
	@$(MAKE) --no-print-directory tool
	@tests/demo-linux.sh $(O)

bench: deps
	@$(MAKE) --no-print-directory all
	@tests/bench.sh $(O) $(GUEST_OUT)

# ---- fuzzing ----------------------------------------------------------------
# `make fuzz` builds every tests/fuzz/fuzz_*.c as a libFuzzer target
# (clang, -fsanitize=fuzzer,address,undefined) into build-fuzz/, writes
# each one's seeds (TARGET --write-seeds) into build-fuzz/corpus-NAME and
# fuzzes it FUZZ_SECONDS there; then builds the same targets for clang's
# source-based coverage (build-fuzz/cov/), runs each once over its corpus
# (libFuzzer's -runs=0) and prints the per-file coverage of src/
# (llvm-cov-14 report), one line per target (executions, crashes, corpus)
# and whether the line coverage of FUZZ_GOAL_FILES reaches FUZZ_GOAL %.
# Fails on a crash, an invariant broken, or a missed goal: the crashing
# inputs are in build-fuzz/artifacts-NAME/. FUZZ_TARGETS="fuzz_spec ..."
# picks targets (the goal then counts what they cover). Needs clang,
# libclang-rt-14-dev and llvm-14 (llvm-cov-14, llvm-profdata-14).
FUZZ_SECONDS ?= 60
FUZZ_GOAL ?= 80
FUZZ_GOAL_FILES ?= src/core/dma.c src/arch/dmat.c src/core/msix.c
FUZZ_TARGETS ?= $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FZ := build-fuzz
FUZZ_SAN := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_COV := -fprofile-instr-generate -fcoverage-mapping
FUZZ_CC = clang $(CSTD) $(WARN) -O1 -g -DZV_LIBFUZZER -Iinclude -Isrc -Itests
FUZZ_DEPS := $(wildcard tests/fuzz/*.h) tests/fakes.c tests/fakes.h tests/harness.h

fuzz: deps
	@scripts/install-deps.sh clang libclang-rt-14-dev llvm-14
	@$(MAKE) --no-print-directory BUILD=$(FZ) CC=clang CFLAGS="$(FUZZ_SAN)" \
		LDFLAGS="-fsanitize=address,undefined" $(FZ)/libzvfio.a
	@$(MAKE) --no-print-directory BUILD=$(FZ)/cov CC=clang CFLAGS="$(FUZZ_COV)" \
		LDFLAGS="$(FUZZ_COV)" $(FZ)/cov/libzvfio.a
	@$(MAKE) --no-print-directory fuzz-bins
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_GOAL=$(FUZZ_GOAL) FUZZ_GOAL_FILES="$(FUZZ_GOAL_FILES)" \
		tests/fuzz/run.sh $(FZ) $(FUZZ_TARGETS)

fuzz-bins: $(FUZZ_TARGETS:%=$(FZ)/%) $(FUZZ_TARGETS:%=$(FZ)/cov/%)

$(FZ)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_DEPS) $(FZ)/libzvfio.a
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-fno-omit-frame-pointer $(KVM_INC) -o $@ $< tests/fakes.c $(FZ)/libzvfio.a $(LIBS)

$(FZ)/cov/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_DEPS) $(FZ)/cov/libzvfio.a
	@echo "  FUZZCOV $@"
	$(Q)$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_COV) $(KVM_INC) -o $@ $< tests/fakes.c $(FZ)/cov/libzvfio.a $(LIBS)

# ---- install ----------------------------------------------------------------
# `make install` / `make uninstall`, honouring PREFIX, DESTDIR, LIBDIR (and
# BINDIR, INCLUDEDIR, MANDIR, PKGCONFIGDIR). Run ldconfig afterwards when
# installing into a system library directory.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR     ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
HEADERS    := $(wildcard include/zvfio/*.h)
MAN1       := $(wildcard man/*.1)
MAN3       := $(wildcard man/*.3)
D          := $(DESTDIR)

# rewritten on every make: PREFIX, LIBDIR and INCLUDEDIR may differ from the last time
$(O)/libzvfio.pc: libzvfio.pc.in include/zvfio/zvfio.h Makefile FORCE
	@mkdir -p $(dir $@)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

install: lib tool $(O)/libzvfio.pc
	install -d $(D)$(BINDIR) $(D)$(LIBDIR) $(D)$(INCLUDEDIR)/zvfio $(D)$(PKGCONFIGDIR) \
		$(D)$(MANDIR)/man1 $(D)$(MANDIR)/man3
	install -m 0755 $(TOOL) $(D)$(BINDIR)/zvfio
	install -m 0755 $(SHARED_REAL) $(D)$(LIBDIR)/
	ln -sf libzvfio.so.$(VERSION) $(D)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(D)$(LIBDIR)/libzvfio.so
	install -m 0644 $(STATIC) $(D)$(LIBDIR)/
	install -m 0644 $(HEADERS) $(D)$(INCLUDEDIR)/zvfio/
	install -m 0644 $(O)/libzvfio.pc $(D)$(PKGCONFIGDIR)/
	$(if $(MAN1),install -m 0644 $(MAN1) $(D)$(MANDIR)/man1/)
	$(if $(MAN3),install -m 0644 $(MAN3) $(D)$(MANDIR)/man3/)

uninstall:
	rm -f $(D)$(BINDIR)/zvfio $(D)$(LIBDIR)/libzvfio.so.$(VERSION) $(D)$(LIBDIR)/$(SONAME) \
		$(D)$(LIBDIR)/libzvfio.so $(D)$(LIBDIR)/libzvfio.a $(D)$(PKGCONFIGDIR)/libzvfio.pc \
		$(addprefix $(D)$(INCLUDEDIR)/zvfio/,$(notdir $(HEADERS))) \
		$(addprefix $(D)$(MANDIR)/man1/,$(notdir $(MAN1))) \
		$(addprefix $(D)$(MANDIR)/man3/,$(notdir $(MAN3)))
	-rmdir $(D)$(INCLUDEDIR)/zvfio 2>/dev/null

.PHONY: FORCE
FORCE:

# Install the Debian packages the build needs (root, Debian 12).
deps:
	@scripts/install-deps.sh

# the library (with the KVM binding), the tool and the examples for s390x
# (static, into build-s390x/), as a VMM on IBM Z would link them
cross-s390x:
	@scripts/cross-s390x.sh

clean:
	rm -rf build build-san build-clang build-s390x
.SECONDARY:
