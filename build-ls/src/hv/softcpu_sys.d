build-ls/src/hv/softcpu_sys.o: src/hv/softcpu_sys.c src/arch/be.h \
 src/hv/softcpu_int.h src/util/u64map.h include/zvfio/softcpu.h \
 include/zvfio/zvfio.h
src/arch/be.h:
src/hv/softcpu_int.h:
src/util/u64map.h:
include/zvfio/softcpu.h:
include/zvfio/zvfio.h:
