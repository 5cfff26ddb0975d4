build-ls/src/arch/dmat.o: src/arch/dmat.c src/arch/codes.h \
 src/arch/dmat.h
src/arch/codes.h:
src/arch/dmat.h:
