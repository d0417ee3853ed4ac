/* rt_check.c — exercises the Hexagon runtime (kernels/harness/hexagon) through the C library
 * interface it implements: number formatting and parsing, the string and memory functions,
 * integer and floating-point division (on Hexagon: the runtime's __hexagon_* helpers),
 * frexp and round. It prints one line per result; test_hexagon_runtime.sh builds it for the
 * host (glibc, hardware division) and for hexagon-hvx (the runtime, under qemu-hexagon) and
 * requires the two outputs to be identical, so glibc is the oracle. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 0x9e3779b97f4a7c15u;

static uint64_t next(void) { /* xorshift64*: the same sequence on both builds */
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545f4914f6cdd1du;
}

/* next() shifted right by a random count below bits: arguments are evaluated in no fixed
 * order, so two next() calls never share an expression. */
static uint64_t shifted(unsigned bits) {
  uint64_t v = next();
  return v >> (next() % bits);
}

static int64_t signed_shifted(unsigned bits) { /* arithmetic shift: negatives stay negative */
  int64_t v = (int64_t)next();
  return v >> (next() % bits);
}

/* Division operands kept in volatile objects, so the compiler divides at run time. */
static volatile int64_t vs64[2];
static volatile uint64_t vu64[2];
static volatile int32_t vs32[2];
static volatile uint32_t vu32[2];
static volatile double vd[2];
static volatile float vf[2];

static uint64_t bits_d(double v) {
  uint64_t b;
  memcpy(&b, &v, 8);
  return v != v ? 0x7ff8000000000000u : b; /* NaNs alike: the sign of a new NaN varies */
}

static uint32_t bits_f(float v) {
  uint32_t b;
  memcpy(&b, &v, 4);
  return v != v ? 0x7fc00000u : b;
}

/* A double from random bits, often with the exponent pulled to interesting places. */
static double random_double(void) {
  uint64_t b = next();
  switch (next() % 8) {
  case 0: b &= ~((uint64_t)0x7ff << 52); break;                 /* subnormal or zero */
  case 1: b |= (uint64_t)0x7ff << 52; break;                    /* inf or NaN */
  case 2: b = (b & ~((uint64_t)0x7ff << 52)) | (uint64_t)(1 + next() % 60) << 52; break;
  case 3: b = (b & ~((uint64_t)0x7ff << 52)) | (uint64_t)(2000 + next() % 46) << 52; break;
  default: b = (b & ~((uint64_t)0x7ff << 52)) | (uint64_t)(1000 + next() % 48) << 52; break;
  }
  double v;
  memcpy(&v, &b, 8);
  return v;
}

static void check_format(void) {
  char buf[128];
  int n = snprintf(buf, sizeof buf, "[%d|%5d|%-5d|%05d|%i|%u|%x|%X|%08x|%c|%%|%s|%.3s|%8s|%-8s|]",
                   -42, 42, 42, -42, 7, 4000000000u, 0xbeefu, 0xbeefu, 0x1fu, 'q', "str",
                   "abcdef", "r", "l");
  printf("fmt1 %d %s\n", n, buf);
  n = snprintf(buf, sizeof buf, "[%lld|%llu|%016llx|%zu|%ld|%lu|%hhd|%hd|%*d|%.*s]",
               (long long)INT64_MIN, (unsigned long long)UINT64_MAX, 0xabcull, (size_t)123456,
               -9L, 9UL, 300, 70000, 6, -3, 2, "xyz");
  printf("fmt2 %d %s\n", n, buf);
  const char *volatile text = "truncated text"; /* volatile: no truncation warning */
  n = snprintf(buf, 6, "%s", text);
  printf("trunc %d %s\n", n, buf);
  n = snprintf(NULL, 0, "%d-%s", 12345, "abc");
  printf("measure %d\n", n);
  for (int i = 0; i < 200; i++) {
    uint64_t v = shifted(64);
    int64_t s = signed_shifted(64);
    n = snprintf(buf, sizeof buf, "%llu %lld %llx %016llx %20lld %-20llu|", (unsigned long long)v,
                 (long long)s, (unsigned long long)v, (unsigned long long)v, (long long)s,
                 (unsigned long long)v);
    printf("int %d %s\n", n, buf);
  }
  /* %f on binary fractions k / 1024 (exact in double, ties included), all precisions */
  for (int i = 0; i < 200; i++) {
    double v = (double)(int64_t)(shifted(40) >> 24) / 1024.0;
    if (next() & 1) v = -v;
    int p = (int)(next() % 7);
    n = snprintf(buf, sizeof buf, "%.*f %10.1f %f %-12.3f|", p, v, v, v, v);
    printf("f %d %s\n", n, buf);
  }
  char big[400];
  for (int i = 0; i < 3000; i++) { /* any magnitude; decimal near-ties like 2.675 */
    double v = i % 3 ? random_double() : (double)(int64_t)(shifted(64) >> 11) / 1000.0;
    int p = (int)(next() % 10);
    n = snprintf(big, sizeof big, "%.*f", p, v);
    printf("fany %d %s\n", n, v != v ? "nan" : big); /* glibc prints -nan for some */
  }
  n = snprintf(big, sizeof big, "%.1f %.0f %.2f %f", 1e300, 0.5, 2.675, -0.0);
  printf("fbig %d %s\n", n, big);
}

static void check_parse(void) {
  static const char *const in[] = {"0", "12", "  -12", "+7", "0x1F", "0X1f", "077", "09",
                                   "18446744073709551615", "18446744073709551616",
                                   "9223372036854775807", "9223372036854775808",
                                   "-9223372036854775808", "-9223372036854775809", "0x",
                                   "abc", "12abc", "-0", " \t\n5", "0xffffffffffffffff1"};
  for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
    char *end;
    errno = 0;
    unsigned long long u = strtoull(in[i], &end, 0);
    int eu = errno, cu = (int)(end - in[i]);
    errno = 0;
    long long s = strtoll(in[i], &end, 0);
    int es = errno, cs = (int)(end - in[i]);
    errno = 0;
    long long d = strtoll(in[i], &end, 10);
    printf("parse '%s' u=%llu e=%d c=%d s=%lld e=%d c=%d d=%lld c=%d atoi=%d\n", in[i], u,
           eu != 0, cu, s, es != 0, cs, d, (int)(end - in[i]), atoi(in[i]));
  }
}

static void check_memory(void) {
  unsigned char a[300], b[300];
  for (int i = 0; i < 300; i++) a[i] = (unsigned char)next();
  uint64_t sum = 0;
  for (int t = 0; t < 300; t++) {
    size_t off = next() % 64, len = next() % 200, dst = next() % 64;
    memset(b, (int)(next() & 0xff), sizeof b);
    memcpy(b + dst, a + off, len);
    memmove(b + off, b + dst, len); /* overlapping either way */
    size_t at = next() % 100, n = next() % 100;
    memset(b + at, 0x5a, n);
    for (int i = 0; i < 300; i++) sum = sum * 31 + b[i];
    int c = memcmp(a + off, b + off, len);
    sum = sum * 3 + (uint64_t)(c < 0 ? 0 : c == 0 ? 1 : 2);
  }
  printf("memory %016llx\n", (unsigned long long)sum);
  printf("str %d %d %d %d %d %zu %zu\n", strcmp("abc", "abd") < 0, strcmp("b", "a") > 0,
         strcmp("same", "same"), strncmp("abcx", "abcy", 3), strncmp("a\xff", "a\x01", 2) > 0,
         strlen(""), strlen("seven c"));
}

static void check_division(void) {
  uint64_t h = 0;
  for (int i = 0; i < 20000; i++) {
    vu64[0] = shifted(64);
    vu64[1] = shifted(64) | 1;
    vs64[0] = signed_shifted(64);
    vs64[1] = (signed_shifted(64)) | 1;
    if (vs64[0] == INT64_MIN && vs64[1] == -1) vs64[1] = 1; /* undefined in C */
    vu32[0] = (uint32_t)(shifted(64) >> 32);
    vu32[1] = ((uint32_t)(shifted(64) >> 32)) | 1;
    vs32[0] = (int32_t)(signed_shifted(64) >> 32);
    vs32[1] = ((int32_t)(signed_shifted(64) >> 32)) | 1;
    if (vs32[0] == INT32_MIN && vs32[1] == -1) vs32[1] = 1;
    uint64_t r[8] = {vu64[0] / vu64[1], vu64[0] % vu64[1], (uint64_t)(vs64[0] / vs64[1]),
                     (uint64_t)(vs64[0] % vs64[1]), vu32[0] / vu32[1], vu32[0] % vu32[1],
                     (uint32_t)(vs32[0] / vs32[1]), (uint32_t)(vs32[0] % vs32[1])};
    for (int k = 0; k < 8; k++) h = (h ^ r[k]) * 0x100000001b3u;
    if (i < 8)
      printf("div %llu/%llu %lld/%lld %u/%u %d/%d -> %llu %llu %lld %lld %u %u %d %d\n",
             (unsigned long long)vu64[0], (unsigned long long)vu64[1], (long long)vs64[0],
             (long long)vs64[1], vu32[0], vu32[1], vs32[0], vs32[1], (unsigned long long)r[0],
             (unsigned long long)r[1], (long long)r[2], (long long)r[3], (unsigned)r[4],
             (unsigned)r[5], (int)r[6], (int)r[7]);
  }
  printf("div hash %016llx\n", (unsigned long long)h);
  uint64_t hd = 0, hf = 0;
  for (int i = 0; i < 20000; i++) {
    vd[0] = random_double();
    vd[1] = random_double();
    double q = vd[0] / vd[1];
    hd = (hd ^ bits_d(q)) * 0x100000001b3u;
    vf[0] = (float)random_double();
    vf[1] = (float)random_double();
    if (next() & 1) vf[1] = (float)vd[1] * 0x1p-100f; /* small divisors, big quotients */
    float qf = vf[0] / vf[1];
    hf = (hf ^ bits_f(qf)) * 0x100000001b3u;
    if (i < 6)
      printf("fdiv %016llx / %016llx = %016llx\n", (unsigned long long)bits_d(vd[0]),
             (unsigned long long)bits_d(vd[1]), (unsigned long long)bits_d(q));
  }
  printf("fdiv hash %016llx %016llx\n", (unsigned long long)hd, (unsigned long long)hf);
}

static void check_math(void) {
  uint64_t h = 0;
  for (int i = 0; i < 20000; i++) {
    double v = random_double();
    if (i % 4 == 0) v = (double)(signed_shifted(64)) / 4.0; /* halves, quarters */
    int e;
    double m = frexp(v, &e);
    h = (h ^ bits_d(m) ^ (uint64_t)(uint32_t)e << 7) * 0x100000001b3u;
    h = (h ^ bits_d(round(v))) * 0x100000001b3u;
  }
  int e;
  double m = frexp(0x1p-1070, &e);
  printf("math %016llx frexp(2^-1070) %016llx %d round(2.5) %.1f round(-0.5) %.1f\n",
         (unsigned long long)h, (unsigned long long)bits_d(m), e, round(2.5), round(-0.5));
}

int main(void) {
  check_format();
  check_parse();
  check_memory();
  check_division();
  check_math();
  void *p = malloc(10), *q = aligned_alloc(64, 100);
  printf("alloc %d %d\n", p != NULL && ((uintptr_t)p & 7) == 0, q != NULL && ((uintptr_t)q & 63) == 0);
  free(q);
  free(p);
  fprintf(stderr, "stderr line\n");
  puts("done");
  return 3; /* the exit status travels too */
}
