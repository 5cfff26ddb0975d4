build-ls/src/core/events.o: src/core/events.c src/core/core.h \
 src/arch/events.h src/arch/insn.h include/zvfio/zvfio.h src/dev/dev.h \
 src/util/u64map.h
src/core/core.h:
src/arch/events.h:
src/arch/insn.h:
include/zvfio/zvfio.h:
src/dev/dev.h:
src/util/u64map.h:
