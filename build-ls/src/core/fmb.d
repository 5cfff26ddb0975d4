build-ls/src/core/fmb.o: src/core/fmb.c src/arch/be.h src/arch/codes.h \
 src/core/core.h src/arch/events.h src/arch/insn.h include/zvfio/zvfio.h \
 src/dev/dev.h src/util/u64map.h
src/arch/be.h:
src/arch/codes.h:
src/core/core.h:
src/arch/events.h:
src/arch/insn.h:
include/zvfio/zvfio.h:
src/dev/dev.h:
src/util/u64map.h:
