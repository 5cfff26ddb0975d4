build-ls/src/hv/softcpu.o: src/hv/softcpu.c src/arch/be.h \
 src/hv/softcpu_int.h src/util/u64map.h include/zvfio/softcpu.h \
 include/zvfio/zvfio.h
src/arch/be.h:
src/hv/softcpu_int.h:
src/util/u64map.h:
include/zvfio/softcpu.h:
include/zvfio/zvfio.h:
