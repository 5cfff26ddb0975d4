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
# LDLIBS: extra libraries, linked last (a static cross build adds -lm)
LIBS    := -lunicorn -lpthread $(LDLIBS)

TOOL_SRC := $(wildcard tools/*.c)
TOOL_OBJ := $(TOOL_SRC:%.c=$(O)/%.o)

TEST_UNIT_SRC := $(wildcard tests/arch/*.c tests/core/*.c tests/dev/*.c tests/util/*.c tests/fuzz/*.c)
TEST_UNIT_BIN := $(TEST_UNIT_SRC:%.c=$(O)/%)
TEST_LIB_OBJ  := $(O)/tests/harness.o $(O)/tests/fakes.o

STATIC  := $(O)/libzvfio.a
SHARED  := $(O)/libzvfio.so
TOOL    := $(O)/zvfio

.PHONY: all lib tool guest demo check check-unit check-guest check-vm unit-bins bench clean fuzz deps

all: lib tool guest

lib: $(STATIC) $(SHARED)
tool: $(TOOL)

Q := $(if $(V),,@)

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(STATIC): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(SHARED): $(LIB_OBJ)
	@$(if $(V),,echo "  LD      $@")
	$(Q)$(CC) -shared -Wl,-soname,libzvfio.so.0 $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

$(TOOL): $(TOOL_OBJ) $(STATIC)
	@$(if $(V),,echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $(TOOL_OBJ) $(STATIC) $(LIBS)

# unit tests link the static library (internal symbols are visible there)
$(O)/tests/%: tests/%.c $(TEST_LIB_OBJ) $(STATIC)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  TEST    $@")
	$(Q)$(CC) $(CFLAGS_ALL) -Itests -MMD -MP -o $@ $< $(TEST_LIB_OBJ) $(STATIC) $(LIBS) $(LDFLAGS_ALL)

$(O)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS_ALL) -Itests -MMD -MP -c $< -o $@

include guest/guest.mk

-include $(LIB_OBJ:.o=.d) $(TOOL_OBJ:.o=.d) $(TEST_LIB_OBJ:.o=.d) $(TEST_UNIT_BIN:=.d)

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

# ---- demo and benchmarks ---------------------------------------------------
demo: deps
	@$(MAKE) --no-print-directory all
	@tests/demo.sh $(O) $(GUEST_OUT)

bench: deps
	@$(MAKE) --no-print-directory all
	@tests/bench.sh $(O) $(GUEST_OUT)

# libFuzzer on the intercept fuzz target (clang), FUZZ_SECONDS long.
FUZZ_SECONDS ?= 60
FUZZ_SAN := -fsanitize=fuzzer-no-link,address,undefined
fuzz: deps
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang CFLAGS="$(FUZZ_SAN)" \
		LDFLAGS="-fsanitize=address,undefined" lib
	clang $(CSTD) $(WARN) -O1 -g -fsanitize=fuzzer,address,undefined -DZV_LIBFUZZER \
		-Iinclude -Isrc -Itests -o build-fuzz/fuzz_intercept tests/fuzz/fuzz_intercept.c \
		tests/fakes.c build-fuzz/libzvfio.a $(LIBS)
	@mkdir -p build-fuzz/corpus
	build-fuzz/fuzz_intercept -max_total_time=$(FUZZ_SECONDS) -max_len=2048 build-fuzz/corpus

# Install the Debian packages the build needs (root, Debian 12).
deps:
	@scripts/install-deps.sh

clean:
	rm -rf build build-san build-clang
.SECONDARY:
