/* qt_hexagon_rt.c — the freestanding runtime of Hexagon programs run under qemu-hexagon
 * (Linux user mode): the entry point, the system calls, and the few C library functions the
 * harness, the kernels and the compiler need, since there is no C library for Hexagon here.
 * Declared by the headers beside this file (stdio.h, stdlib.h, string.h, errno.h), which the
 * target's -nostdlibinc build finds first (kernels/harness/hexagon/README.md). Small on
 * purpose: it does what the harness asks and no more (no floating-point formatting, no
 * streams, an arena instead of a heap). */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qt_hexagon_rt.h"

/* product_error() is exact only if a * b - p is not fused into one rounding. */
#pragma STDC FP_CONTRACT OFF

enum { SYS_WRITE = 64, SYS_EXIT = 93, SYS_CLOCK_GETTIME = 113 };

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

/* struct timespec is the 32-bit Linux one: clock_gettime 113 is the time32 call here. */
int clock_gettime(clockid_t clock, struct timespec *ts) {
  long rc = syscall3(SYS_CLOCK_GETTIME, clock, (long)ts, 0);
  if (rc < 0) {
    errno = (int)-rc;
    return -1;
  }
  return 0;
}

int64_t qt_hexagon_now_ns(void) {
  struct timespec ts = {0, 0};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
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

void *aligned_alloc(size_t align, size_t size) {
  return align && align <= ARENA_ALIGN && (align & (align - 1)) == 0 ? malloc(size) : NULL;
}

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

int atoi(const char *s) { return (int)strtoll(s, NULL, 10); }

/* ---- math: what qt_quantize.c needs, exact on the bits ---- */

static uint64_t bits_of(double v) {
  uint64_t b;
  memcpy(&b, &v, sizeof b);
  return b;
}

static double double_of(uint64_t b) {
  double v;
  memcpy(&v, &b, sizeof v);
  return v;
}

double frexp(double v, int *exp) {
  uint64_t b = bits_of(v);
  int e = (int)(b >> 52 & 0x7ff);
  *exp = 0;
  if (e == 0x7ff || v == 0) return v; /* inf, NaN, zeros: as they are, exponent 0 */
  if (e == 0) {                       /* subnormal: scale into the normal range first */
    v *= 0x1p64;
    b = bits_of(v);
    e = (int)(b >> 52 & 0x7ff) - 64;
  }
  *exp = e - 1022;
  return double_of((b & ~((uint64_t)0x7ff << 52)) | (uint64_t)1022 << 52);
}

double round(double v) {
  uint64_t b = bits_of(v);
  int e = (int)(b >> 52 & 0x7ff) - 1023;
  if (e >= 52) return v; /* already an integer, or inf / NaN */
  uint64_t sign = b & (uint64_t)1 << 63;
  if (e < -1) return double_of(sign); /* |v| < 0.5 */
  if (e == -1) return double_of(sign | (uint64_t)1023 << 52); /* 0.5 <= |v| < 1: +-1 */
  uint64_t frac = ((uint64_t)1 << (52 - e)) - 1, half = (uint64_t)1 << (51 - e);
  b += half; /* half away from zero: add half an integer's worth to the magnitude, truncate */
  return double_of(b & ~frac);
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

/* The rounding error of the product p = a * b (a * b = p + error exactly, barring underflow):
 * Dekker's two-product with Veltkamp's split, which needs no fused multiply-add (and the file
 * forbids contracting into one, below). */
static double product_error(double a, double b, double p) {
  double ca = 134217729.0 * a, cb = 134217729.0 * b; /* 2^27 + 1 */
  double ah = ca - (ca - a), al = a - ah, bh = cb - (cb - b), bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

/* Decimal digits of the integer-valued double v >= 0 into the end of a buffer ending at end
 * (330 bytes suffice: DBL_MAX has 309 digits); returns where they start. Exact: v = m * 2^k,
 * m's digits doubled k times. */
static char *format_integer(double v, char *end) {
  uint64_t b = bits_of(v);
  if (v < 0x1p64) return format_unsigned((uint64_t)v, 10, 0, end);
  int k = (int)(b >> 52 & 0x7ff) - 1075, len = 0;
  uint64_t m = (b & (((uint64_t)1 << 52) - 1)) | (uint64_t)1 << 52;
  unsigned char d[320]; /* least significant first */
  for (; m; m /= 10) d[len++] = (unsigned char)(m % 10);
  for (; k > 0; k--) {
    int carry = 0;
    for (int i = 0; i < len; i++) {
      int x = d[i] * 2 + carry;
      d[i] = (unsigned char)(x % 10);
      carry = x / 10;
    }
    if (carry) d[len++] = (unsigned char)carry;
  }
  char *p = end;
  for (int i = 0; i < len; i++) *--p = (char)('0' + d[i]);
  return p;
}

/* v with prec (0..9) decimals into buf (cap >= 320 + prec); the length. Exact, as glibc: the
 * integer part's digits exactly, the fraction f times 10^prec with its product error, so
 * the round-to-nearest-even decision sees the exact value. */
static size_t format_fixed(double v, int prec, char *buf, size_t cap) {
  size_t n = 0;
  uint64_t b = bits_of(v);
  if (b >> 63) buf[n++] = '-';
  v = double_of(b & ~((uint64_t)1 << 63));
  if (prec > 9) prec = 9;
  if (v != v || v > 0x1.fffffffffffffp1023) {
    memcpy(buf + n, v != v ? "nan" : "inf", 3);
    return n + 3;
  }
  int e = (int)(bits_of(v) >> 52 & 0x7ff) - 1023;
  double ip = e < 0 ? 0 : e >= 52 ? v : double_of(bits_of(v) & ~((((uint64_t)1 << (52 - e)) - 1)));
  double fp = v - ip; /* exact */
  uint64_t scale = 1;
  for (int i = 0; i < prec; i++) scale *= 10;
  double r = fp * (double)scale; /* < 10^9: its integer part is exact */
  double err = product_error(fp, (double)scale, r);
  uint64_t q = (uint64_t)r;
  double above_half = ((r - (double)q) - 0.5) + err; /* its sign is the exact one */
  int odd = prec ? (int)(q & 1) : ip < 0x1p53 && ((uint64_t)ip & 1);
  if (above_half > 0 || (above_half == 0 && odd)) q++;
  if (q == scale && (prec || q)) { /* the fraction rounded up to a whole unit */
    q = 0;
    ip += 1; /* exact: ip < 2^52 whenever there is a fraction */
  }
  char digits[340], *end = digits + sizeof digits, *p = end;
  for (int i = 0; i < prec; i++, q /= 10) *--p = (char)('0' + q % 10);
  if (prec) *--p = '.';
  p = format_integer(ip, p);
  size_t len = (size_t)(end - p);
  if (len > cap - n) len = cap - n;
  memcpy(buf + n, p, len);
  return n + len;
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
    int shrt = 0; /* h: short, hh: char (passed as int, narrowed here) */
    for (;; f++) {
      if (*f == 'h') shrt++;
      else if (*f == 'l') lng = lng ? 2 : 1;
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
      if (shrt) v = shrt > 1 ? (long long)(signed char)v : (long long)(short)v;
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
      if (shrt && *f != 'p') v = shrt > 1 ? (unsigned char)v : (unsigned short)v;
      s = format_unsigned(v, *f == 'u' ? 10 : 16, *f == 'X', end);
      if (*f == 'p') {
        *--s = 'x';
        *--s = '0';
      }
      put_padded(&o, s, (size_t)(end - s), width, left, pad);
      break;
    }
    case 'f':
    case 'F': {
      char big[352]; /* DBL_MAX has 309 integer digits */
      size_t n = format_fixed(va_arg(ap, double), prec < 0 ? 6 : prec, big, sizeof big);
      put_padded(&o, big, n, width, left, pad);
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

struct qt_hexagon_file {
  int fd;
};
static struct qt_hexagon_file out_file = {1}, err_file = {2};
FILE *const stdout = &out_file;
FILE *const stderr = &err_file;

/* Formats into a stack buffer and writes it: output past 1023 bytes is cut (the programs
 * here print short lines). */
static int vfprint(int fd, const char *fmt, va_list ap) {
  char line[1024];
  int n = vsnprintf(line, sizeof line, fmt, ap);
  if (n < 0) return n;
  size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
  return qt_hexagon_write(fd, line, len) == (long)len ? n : -1;
}

int printf(const char *restrict fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vfprint(1, fmt, ap);
  va_end(ap);
  return n;
}

int fprintf(FILE *restrict f, const char *restrict fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vfprint(f->fd, fmt, ap);
  va_end(ap);
  return n;
}

int puts(const char *s) {
  size_t n = strlen(s);
  if (qt_hexagon_write(1, s, n) != (long)n || qt_hexagon_write(1, "\n", 1) != 1) return EOF;
  return 0;
}
