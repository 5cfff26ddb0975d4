/* SPDX-License-Identifier: MIT */
/* Loading a static big-endian s390x ELF executable into guest RAM. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch/be.h"
#include "softcpu_int.h"

#define EM_S390 22

int elf_load(struct zv_softcpu *sc, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	uint8_t eh[64];
	int rc = -1;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fread(eh, 1, sizeof(eh), f) != sizeof(eh) || memcmp(eh, "\177ELF", 4)) {
		snprintf(err, errlen, "%s: not an ELF file", path);
		goto out;
	}
	if (eh[4] != 2 || eh[5] != 2 || be16_get(eh + 18) != EM_S390 || be16_get(eh + 16) != 2) {
		snprintf(err, errlen, "%s: not a 64-bit big-endian s390x executable (ET_EXEC)", path);
		goto out;
	}
	uint64_t phoff = be64_get(eh + 32);
	unsigned phentsize = be16_get(eh + 54), phnum = be16_get(eh + 56), nload = 0;

	sc->entry = be64_get(eh + 24);
	if (phentsize < 56 || phnum == 0 || phnum > 64) {
		snprintf(err, errlen, "%s: bad program header table", path);
		goto out;
	}
	for (unsigned i = 0; i < phnum; i++) {
		uint8_t ph[56];

		if (fseek(f, (long)(phoff + (uint64_t)i * phentsize), SEEK_SET) ||
		    fread(ph, 1, sizeof(ph), f) != sizeof(ph)) {
			snprintf(err, errlen, "%s: truncated program header", path);
			goto out;
		}
		if (be32_get(ph) != 1)	/* PT_LOAD */
			continue;
		uint64_t off = be64_get(ph + 8), vaddr = be64_get(ph + 16), paddr = be64_get(ph + 24);
		uint64_t filesz = be64_get(ph + 32), memsz = be64_get(ph + 40);
		uint64_t dst = paddr ? paddr : vaddr;

		/* the 8 KiB lowcore belongs to the machine */
		if (filesz > memsz || dst < LC_SIZE || dst >= sc->ram_size || memsz > sc->ram_size - dst) {
			snprintf(err, errlen, "%s: segment %u at %#llx+%#llx lies outside guest RAM "
				 "(above 0x2000 and below %#llx)", path, i, (unsigned long long)dst,
				 (unsigned long long)memsz, (unsigned long long)sc->ram_size);
			goto out;
		}
		if (fseek(f, (long)off, SEEK_SET) ||
		    fread(sc->ram + dst, 1, (size_t)filesz, f) != filesz) {
			snprintf(err, errlen, "%s: truncated segment %u", path, i);
			goto out;
		}
		memset(sc->ram + dst + filesz, 0, (size_t)(memsz - filesz));
		nload++;
	}
	if (!nload || sc->entry < LC_SIZE || sc->entry >= sc->ram_size) {
		snprintf(err, errlen, "%s: no loadable segment or entry point outside RAM", path);
		goto out;
	}
	rc = 0;
out:
	fclose(f);
	return rc;
}
