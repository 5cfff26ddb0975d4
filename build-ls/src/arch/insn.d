build-ls/src/arch/insn.o: src/arch/insn.c src/arch/insn.h \
 include/zvfio/zvfio.h
src/arch/insn.h:
include/zvfio/zvfio.h:
