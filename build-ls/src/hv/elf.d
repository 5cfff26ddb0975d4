build-ls/src/hv/elf.o: src/hv/elf.c src/arch/be.h src/hv/softcpu_int.h \
 src/util/u64map.h include/zvfio/softcpu.h include/zvfio/zvfio.h
src/arch/be.h:
src/hv/softcpu_int.h:
src/util/u64map.h:
include/zvfio/softcpu.h:
include/zvfio/zvfio.h:
