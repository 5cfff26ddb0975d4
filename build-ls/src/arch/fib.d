build-ls/src/arch/fib.o: src/arch/fib.c src/arch/be.h src/arch/fib.h
src/arch/be.h:
src/arch/fib.h:
