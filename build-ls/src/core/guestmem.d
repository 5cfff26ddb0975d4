build-ls/src/core/guestmem.o: src/core/guestmem.c src/arch/insn.h \
 include/zvfio/zvfio.h src/core/core.h src/arch/events.h src/dev/dev.h \
 src/util/u64map.h
src/arch/insn.h:
include/zvfio/zvfio.h:
src/core/core.h:
src/arch/events.h:
src/dev/dev.h:
src/util/u64map.h:
