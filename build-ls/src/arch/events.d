build-ls/src/arch/events.o: src/arch/events.c src/arch/be.h \
 src/arch/events.h
src/arch/be.h:
src/arch/events.h:
