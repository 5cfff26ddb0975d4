build-ls/src/util/u64map.o: src/util/u64map.c src/util/u64map.h
src/util/u64map.h:
