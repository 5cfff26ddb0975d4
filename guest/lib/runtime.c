/* SPDX-License-Identifier: MIT */
#include "guest.h"

unsigned test_failures;

void zv_exit(int status)
{
	for (;;)
		hcall(ZV_HC_EXIT, (uint64_t)status, 0);
}

size_t zv_getargs(char *buf, size_t size)
{
	return hcall(ZV_HC_GETARGS, (uintptr_t)buf, size);
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

bool arg_str(const char *key, char *out, size_t size)
{
	static char args[512];
	size_t kl = strlen(key);

	zv_getargs(args, sizeof(args));
	for (const char *p = args; *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			size_t n = 0;

			for (p += kl + 1; *p && *p != ' ' && *p != ',' && n + 1 < size; p++)
				out[n++] = *p;
			out[n] = 0;
			return true;
		}
		while (*p && *p != ' ' && *p != ',')
			p++;
	}
	return false;
}

uint64_t arg_u64(const char *key, uint64_t def)
{
	char val[32];
	uint64_t v = 0;

	if (!arg_str(key, val, sizeof(val)))
		return def;
	for (const char *p = val; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	return v;
}

void *memset(void *s, int c, size_t n)
{
	uint8_t *p = s;

	while (n--)
		*p++ = (uint8_t)c;
	return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *dp = d;
	const uint8_t *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

extern char _end[];
static uintptr_t heap;

void *galloc(size_t size, size_t align)
{
	uintptr_t p;

	if (!heap)
		heap = (uintptr_t)_end;
	p = (heap + align - 1) & ~(uintptr_t)(align - 1);
	/* keep 1 MiB below the top of RAM for the stack */
	if (p + size > guest_ram_size - (1u << 20))
		panic("out of guest memory: %lu bytes wanted", (unsigned long)size);
	heap = p + size;
	memset((void *)p, 0, size);
	return (void *)p;
}

/* ---- printf ---- */
struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_num(struct out *o, unsigned long long v, unsigned base, int width, char pad,
		    bool neg)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	while (width-- > n)
		put(o, pad);
	while (n)
		put(o, tmp[--n]);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		int width = 0, longs = 0;
		char pad = ' ';
		bool alt = false, left = false;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '-') {
			left = true;
			fmt++;
		}
		if (*fmt == '#') {
			alt = true;
			fmt++;
		}
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l') {
			longs++;
			fmt++;
		}
		if (*fmt == 'z') {
			longs = 2;
			fmt++;
		}
		switch (*fmt) {
		case 'd': {
			long long v = longs ? va_arg(ap, long long) : va_arg(ap, int);

			put_num(&o, v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v, 10,
				width, pad, v < 0);
			break;
		}
		case 'u':
		case 'x': {
			unsigned long long v = longs ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);

			if (alt && *fmt == 'x') {
				put(&o, '0');
				put(&o, 'x');
			}
			put_num(&o, v, *fmt == 'x' ? 16 : 10, width, pad, false);
			break;
		}
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_num(&o, (uintptr_t)va_arg(ap, void *), 16, width, pad, false);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			int n = (int)strlen(s ? s : "(null)");

			while (!left && width-- > n)
				put(&o, ' ');
			for (s = s ? s : "(null)"; *s; s++)
				put(&o, *s);
			while (left && width-- > n)
				put(&o, ' ');
			break;
		}
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case '%':
			put(&o, '%');
			break;
		default:
			put(&o, '?');
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	zv_write(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	return n;
}

void panic(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("PANIC: %s\n", buf);
	zv_exit(99);
}
