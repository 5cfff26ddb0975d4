build-ls/src/core/dma.o: src/core/dma.c src/arch/be.h src/arch/codes.h \
 src/arch/dmat.h src/core/core.h src/arch/events.h src/arch/insn.h \
 include/zvfio/zvfio.h src/dev/dev.h src/util/u64map.h
src/arch/be.h:
src/arch/codes.h:
src/arch/dmat.h:
src/core/core.h:
src/arch/events.h:
src/arch/insn.h:
include/zvfio/zvfio.h:
src/dev/dev.h:
src/util/u64map.h:
