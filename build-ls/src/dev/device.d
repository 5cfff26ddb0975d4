build-ls/src/dev/device.o: src/dev/device.c src/dev/dev.h \
 include/zvfio/zvfio.h
src/dev/dev.h:
include/zvfio/zvfio.h:
