build-ls/src/dev/emu/emu_dma.o: src/dev/emu/emu_dma.c src/arch/be.h \
 src/arch/pci.h src/dev/dev.h include/zvfio/zvfio.h src/dev/emu/emu_dma.h \
 src/dev/emu/iommu.h src/util/u64map.h
src/arch/be.h:
src/arch/pci.h:
src/dev/dev.h:
include/zvfio/zvfio.h:
src/dev/emu/emu_dma.h:
src/dev/emu/iommu.h:
src/util/u64map.h:
