build-ls/src/dev/emu/iommu.o: src/dev/emu/iommu.c src/dev/emu/iommu.h \
 src/util/u64map.h
src/dev/emu/iommu.h:
src/util/u64map.h:
