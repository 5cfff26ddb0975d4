build-ls/src/core/msix.o: src/core/msix.c src/arch/be.h src/arch/pci.h \
 src/core/core.h src/arch/events.h src/arch/insn.h include/zvfio/zvfio.h \
 src/dev/dev.h src/util/u64map.h
src/arch/be.h:
src/arch/pci.h:
src/core/core.h:
src/arch/events.h:
src/arch/insn.h:
include/zvfio/zvfio.h:
src/dev/dev.h:
src/util/u64map.h:
