/* qt_hexagon_rt.c — the freestanding runtime of Hexagon programs run under qemu-hexagon
 * (Linux user mode): the entry point, the system calls, and the few C library functions the
 * harness, the kernels and the compiler need, since there is no C library for Hexagon here.
 * Declared by the headers beside this file (stdio.h, stdlib.h, string.h, errno.h), which the
 * target's -nostdlibinc build finds first (kernels/harness/hexagon/README.md). Small on
 * purpose: it does what the harness asks and no more (no floating-point formatting, no
 * streams, an arena instead of a heap). */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qt_hexagon_rt.h"

enum { SYS_WRITE = 64, SYS_EXIT = 93, SYS_CLOCK_GETTIME = 113, CLOCK_MONOTONIC_ID = 1 };

int qt_hexagon_errno;

/* Linux syscall on Hexagon: number in r6, arguments in r0..r2, result in r0. */
static long syscall3(long nr, long a, long b, long c) {
  register long r0 __asm__("r0") = a;
  register long r1 __asm__("r1") = b;
  register long r2 __asm__("r2") = c;
  register long r6 __asm__("r6") = nr;
  __asm__ volatile("trap0(#1)" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r6) : "memory");
  return r0;
}

long qt_hexagon_write(int fd, const void *buf, size_t n) {
  const char *p = buf;
  size_t done = 0;
  while (done < n) {
    long w = syscall3(SYS_WRITE, fd, (long)(p + done), (long)(n - done));
    if (w <= 0) return done ? (long)done : w;
    done += (size_t)w;
  }
  return (long)done;
}

int64_t qt_hexagon_now_ns(void) {
  /* the 32-bit Linux timespec: clock_gettime 113 is the time32 call on this ABI */
  int32_t ts[2] = {0, 0};
  syscall3(SYS_CLOCK_GETTIME, CLOCK_MONOTONIC_ID, (long)ts, 0);
  return (int64_t)ts[0] * 1000000000 + ts[1];
}

_Noreturn void exit(int status) {
  for (;;) syscall3(SYS_EXIT, status, 0, 0);
}

_Noreturn void abort(void) { exit(134); }

int main(int argc, char **argv);

/* Called by _start with qemu's initial stack: argc, then argv's pointers. */
_Noreturn void qt_hexagon_start(int argc, char **argv);
_Noreturn void qt_hexagon_start(int argc, char **argv) { exit(main(argc, argv)); }

/* qemu-linux-user starts the program with r29 (sp) at argc, argv[] right above it; the ABI
 * wants an 8-byte aligned stack and a zero frame pointer to end backtraces. */
__asm__(".text\n"
        ".globl _start\n"
        ".type _start, @function\n"
        "_start:\n"
        "  r0 = memw(r29 + #0)\n"
        "  r1 = add(r29, #4)\n"
        "  r29 = and(r29, #-8)\n"
        "  r30 = #0\n"
        "  call qt_hexagon_start\n"
        ".size _start, . - _start\n");

/* ---- memory ---- */

void *memcpy(void *restrict dst, const void *restrict src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  if ((((uintptr_t)d | (uintptr_t)s) & 3) == 0)
    for (; n >= 4; n -= 4, d += 4, s += 4) *(uint32_t *)(void *)d = *(const uint32_t *)(const void *)s;
  while (n--) *d++ = *s++;
  return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  if (d == s || n == 0) return dst;
  if (d < s || d >= s + n) return memcpy(dst, src, n);
  while (n--) d[n] = s[n];
  return dst;
}

void *memset(void *dst, int c, size_t n) {
  unsigned char *d = dst;
  if (((uintptr_t)d & 3) == 0) {
    uint32_t w = (unsigned char)c * 0x01010101u;
    for (; n >= 4; n -= 4, d += 4) *(uint32_t *)(void *)d = w;
  }
  while (n--) *d++ = (unsigned char)c;
  return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
  const unsigned char *x = a, *y = b;
  for (; n; n--, x++, y++)
    if (*x != *y) return *x < *y ? -1 : 1;
  return 0;
}

size_t strlen(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

int strncmp(const char *a, const char *b, size_t n) {
  for (; n; n--, a++, b++) {
    if (*a != *b) return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
    if (!*a) return 0;
  }
  return 0;
}

int strcmp(const char *a, const char *b) { return strncmp(a, b, SIZE_MAX); }

int abs(int v) { return v < 0 ? -v : v; }

/* The heap: a static arena (in .bss, so it costs nothing in the image) handed out upwards in
 * 128-byte aligned blocks. Sized for MobileNetV2's largest layer with its reference output
 * and the harness's cache-flush buffer. */
#define ARENA_ALIGN 128
#define ARENA_BYTES (48u << 20)
static _Alignas(ARENA_ALIGN) unsigned char arena[ARENA_BYTES];
static size_t arena_top;  /* first free byte */
static size_t arena_last; /* start of the most recent block still allocated */

void *malloc(size_t size) {
  size_t need = (size + ARENA_ALIGN) / ARENA_ALIGN * ARENA_ALIGN; /* >= 1 block, even for 0 */
  if (size > ARENA_BYTES || need > ARENA_BYTES - arena_top) return NULL;
  void *p = arena + arena_top;
  arena_last = arena_top;
  arena_top += need;
  return p;
}

void *calloc(size_t n, size_t size) {
  if (size && n > SIZE_MAX / size) return NULL;
  void *p = malloc(n * size);
  return p ? memset(p, 0, n * size) : NULL;
}

/* Freeing the newest block gives its space back; other blocks stay until the program ends. */
void free(void *p) {
  if (p && (unsigned char *)p == arena + arena_last) {
    arena_top = arena_last;
  }
}

void *qt_hexagon_alloc(size_t size) { return malloc(size); }

/* ---- number parsing ---- */

static int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

/* ISO strtoull's parse: blanks, sign, 0x / 0 prefixes for base 0 or 16; *neg says '-' was
 * seen; the magnitude saturates at ULLONG_MAX with errno ERANGE. */
static unsigned long long parse_unsigned(const char *s, char **end, int base, int *neg) {
  const char *p = s;
  while (*p == ' ' || (*p >= '\t' && *p <= '\r')) p++;
  *neg = 0;
  if (*p == '+' || *p == '-') *neg = *p++ == '-';
  if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
      digit_value(p[2]) < 16) {
    p += 2;
    base = 16;
  } else if (base == 0) {
    base = *p == '0' ? 8 : 10;
  }
  unsigned long long v = 0;
  int any = 0, over = 0;
  for (; digit_value(*p) < base; p++, any = 1) {
    unsigned d = (unsigned)digit_value(*p);
    if (v > (ULLONG_MAX - d) / (unsigned)base) over = 1;
    else v = v * (unsigned)base + d;
  }
  if (end) *end = (char *)(any ? p : s);
  if (over) {
    errno = ERANGE;
    return ULLONG_MAX;
  }
  return v;
}

unsigned long long strtoull(const char *restrict s, char **restrict end, int base) {
  int neg;
  unsigned long long v = parse_unsigned(s, end, base, &neg);
  return neg ? 0 - v : v;
}

long long strtoll(const char *restrict s, char **restrict end, int base) {
  int neg;
  unsigned long long v = parse_unsigned(s, end, base, &neg);
  unsigned long long limit = neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
  if (v > limit) {
    errno = ERANGE;
    return neg ? LLONG_MIN : LLONG_MAX;
  }
  return neg ? (long long)(0 - v) : (long long)v;
}

/* ---- formatting ---- */

typedef struct out_buf {
  char *buf;
  size_t cap, len; /* len counts every byte produced, also those past cap */
} out_buf;

static void put(out_buf *o, char c) {
  if (o->len + 1 < o->cap) o->buf[o->len] = c;
  o->len++;
}

static void put_padded(out_buf *o, const char *s, size_t n, int width, int left, char pad) {
  size_t fill = width > 0 && (size_t)width > n ? (size_t)width - n : 0;
  if (!left && pad == '0' && n && (*s == '-')) { /* zero padding goes after the sign */
    put(o, *s++);
    n--;
  }
  for (size_t i = 0; !left && i < fill; i++) put(o, pad);
  for (size_t i = 0; i < n; i++) put(o, s[i]);
  for (size_t i = 0; left && i < fill; i++) put(o, ' ');
}

/* Digits of v in base (10 or 16) into the end of tmp; returns where they start. */
static char *format_unsigned(unsigned long long v, unsigned base, int upper, char *end) {
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  char *p = end;
  do {
    *--p = digits[v % base];
    v /= base;
  } while (v);
  return p;
}

int vsnprintf(char *restrict buf, size_t cap, const char *restrict fmt, va_list ap) {
  out_buf o = {buf, cap, 0};
  for (const char *f = fmt; *f; f++) {
    if (*f != '%') {
      put(&o, *f);
      continue;
    }
    f++;
    int left = 0, width = 0, prec = -1;
    char pad = ' ';
    for (;; f++) {
      if (*f == '-') left = 1;
      else if (*f == '0') pad = '0';
      else break;
    }
    if (*f == '*') {
      width = va_arg(ap, int);
      if (width < 0) left = 1, width = -width;
      f++;
    } else {
      while (*f >= '0' && *f <= '9') width = width * 10 + (*f++ - '0');
    }
    if (*f == '.') {
      f++;
      prec = 0;
      if (*f == '*') {
        prec = va_arg(ap, int);
        f++;
      } else {
        while (*f >= '0' && *f <= '9') prec = prec * 10 + (*f++ - '0');
      }
    }
    int lng = 0; /* 0 int, 1 long, 2 long long, 3 size_t/ptrdiff_t/intmax_t */
    for (;; f++) {
      if (*f == 'h') continue; /* promoted to int anyway; the value is narrowed below */
      if (*f == 'l') lng = lng ? 2 : 1;
      else if (*f == 'j') lng = 2;
      else if (*f == 'z' || *f == 't') lng = 3;
      else break;
    }
    char tmp[32], *end = tmp + sizeof tmp, *s;
    switch (*f) {
    case 'd':
    case 'i': {
      long long v = lng == 2 ? va_arg(ap, long long)
                    : lng == 1 ? va_arg(ap, long)
                    : lng == 3 ? (long long)va_arg(ap, ptrdiff_t)
                               : va_arg(ap, int);
      unsigned long long mag = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;
      s = format_unsigned(mag, 10, 0, end);
      if (v < 0) *--s = '-';
      put_padded(&o, s, (size_t)(end - s), width, left, pad);
      break;
    }
    case 'u':
    case 'x':
    case 'X':
    case 'p': {
      unsigned long long v = *f == 'p'   ? (uintptr_t)va_arg(ap, void *)
                             : lng == 2 ? va_arg(ap, unsigned long long)
                             : lng == 1 ? va_arg(ap, unsigned long)
                             : lng == 3 ? va_arg(ap, size_t)
                                        : va_arg(ap, unsigned);
      s = format_unsigned(v, *f == 'u' ? 10 : 16, *f == 'X', end);
      if (*f == 'p') {
        *--s = 'x';
        *--s = '0';
      }
      put_padded(&o, s, (size_t)(end - s), width, left, pad);
      break;
    }
    case 'c':
      tmp[0] = (char)va_arg(ap, int);
      put_padded(&o, tmp, 1, width, left, ' ');
      break;
    case 's': {
      const char *str = va_arg(ap, const char *);
      if (!str) str = "(null)";
      size_t n = 0;
      while ((prec < 0 || n < (size_t)prec) && str[n]) n++;
      put_padded(&o, str, n, width, left, ' ');
      break;
    }
    case '%':
      put(&o, '%');
      break;
    default: /* not supported here: show it rather than guess */
      put(&o, '%');
      if (!*f) f--;
      else put(&o, *f);
      break;
    }
  }
  if (cap) o.buf[o.len < cap ? o.len : cap - 1] = '\0';
  return o.len > INT_MAX ? -1 : (int)o.len;
}

int snprintf(char *restrict buf, size_t cap, const char *restrict fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, cap, fmt, ap);
  va_end(ap);
  return n;
}

int puts(const char *s) {
  size_t n = strlen(s);
  if (qt_hexagon_write(1, s, n) != (long)n || qt_hexagon_write(1, "\n", 1) != 1) return EOF;
  return 0;
}
