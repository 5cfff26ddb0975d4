# Guest images: freestanding s390x code built with the Debian cross compiler.
GUEST_OUT    := $(O)/guest
GUEST_CC     := $(CROSS)gcc
# -nostdinc: guest code sees only the compiler's own (freestanding) headers
# and the project's, so a host header can never leak into an image; the
# guest ABI it shares with the machine is include/zvfio/guest_abi.h.
GUEST_CC_INC  = $(eval GUEST_CC_INC := $(shell $(GUEST_CC) -print-file-name=include))$(GUEST_CC_INC)
GUEST_CFLAGS  = -march=z13 -O2 -g -ffreestanding -nostdlib -fno-pic -fno-pie -static \
	-msoft-float -fno-asynchronous-unwind-tables -fno-stack-protector -fno-builtin \
	-std=gnu11 -Wall -Wextra -Werror -nostdinc -isystem $(GUEST_CC_INC) \
	-Iguest/lib -Iinclude -Isrc
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,-T,guest/lib/guest.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments
GUEST_LIB_SRC := $(wildcard guest/lib/*.c guest/lib/*.S)
GUEST_LIB_OBJ := $(patsubst guest/%,$(GUEST_OUT)/%.o,$(GUEST_LIB_SRC))
GUEST_SCEN    := $(wildcard guest/scenarios/*.c)
GUEST_ELF     := $(patsubst guest/scenarios/%.c,$(GUEST_OUT)/%.elf,$(GUEST_SCEN))

guest: $(GUEST_ELF)

$(GUEST_OUT)/%.c.o: guest/%.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  S390CC  $@")
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@

$(GUEST_OUT)/%.S.o: guest/%.S
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  S390AS  $@")
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_OUT)/%.elf: $(GUEST_OUT)/scenarios/%.c.o $(GUEST_LIB_OBJ) guest/lib/guest.ld
	@$(if $(V),,echo "  S390LD  $@")
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) -o $@ $< $(GUEST_LIB_OBJ) -lgcc

-include $(GUEST_LIB_OBJ:.o=.d) $(GUEST_SCEN:guest/%.c=$(GUEST_OUT)/%.c.d)
