/* qt_hexagon_builtins.c — the helper functions clang calls for operations Hexagon has no
 * instruction for, normally in compiler-rt's Hexagon builtins, which Debian does not ship:
 * integer division (32- and 64-bit), IEEE division (float, double; correctly rounded to
 * nearest even), and the memcpy the backend calls for large aligned copies. Written with
 * shifts, compares and subtractions only, so the compiler cannot turn them back into calls to
 * themselves. */
#include <stdint.h>
#include <string.h>

/* Unsigned 64-bit division by shift and subtract; the remainder into *rem. d != 0 (division
 * by zero is undefined in C; it gives an all-ones quotient here rather than a trap). */
static uint64_t udivmod64(uint64_t n, uint64_t d, uint64_t *rem) {
  if (d == 0) {
    *rem = n;
    return UINT64_MAX;
  }
  uint64_t q = 0;
  if (n >= d) {
    int shift = __builtin_clzll(d) - __builtin_clzll(n);
    d <<= shift;
    for (; shift >= 0; shift--, d >>= 1) {
      q <<= 1;
      if (n >= d) {
        n -= d;
        q |= 1;
      }
    }
  }
  *rem = n;
  return q;
}

static uint64_t magnitude(int64_t v) { return v < 0 ? 0 - (uint64_t)v : (uint64_t)v; }

uint64_t __hexagon_udivdi3(uint64_t n, uint64_t d);
uint64_t __hexagon_umoddi3(uint64_t n, uint64_t d);
int64_t __hexagon_divdi3(int64_t n, int64_t d);
int64_t __hexagon_moddi3(int64_t n, int64_t d);
uint32_t __hexagon_udivsi3(uint32_t n, uint32_t d);
uint32_t __hexagon_umodsi3(uint32_t n, uint32_t d);
int32_t __hexagon_divsi3(int32_t n, int32_t d);
int32_t __hexagon_modsi3(int32_t n, int32_t d);
double __hexagon_divdf3(double a, double b);
float __hexagon_divsf3(float a, float b);
void *__hexagon_memcpy_likely_aligned_min32bytes_mult8bytes(void *dst, const void *src,
                                                            uint32_t n);

uint64_t __hexagon_udivdi3(uint64_t n, uint64_t d) {
  uint64_t r;
  return udivmod64(n, d, &r);
}

uint64_t __hexagon_umoddi3(uint64_t n, uint64_t d) {
  uint64_t r;
  udivmod64(n, d, &r);
  return r;
}

/* C division truncates toward zero: the quotient's sign is the operands' sign product, the
 * remainder's the dividend's. */
int64_t __hexagon_divdi3(int64_t n, int64_t d) {
  uint64_t r, q = udivmod64(magnitude(n), magnitude(d), &r);
  return (int64_t)((n < 0) != (d < 0) ? 0 - q : q);
}

int64_t __hexagon_moddi3(int64_t n, int64_t d) {
  uint64_t r;
  udivmod64(magnitude(n), magnitude(d), &r);
  return (int64_t)(n < 0 ? 0 - r : r);
}

uint32_t __hexagon_udivsi3(uint32_t n, uint32_t d) { return (uint32_t)__hexagon_udivdi3(n, d); }
uint32_t __hexagon_umodsi3(uint32_t n, uint32_t d) { return (uint32_t)__hexagon_umoddi3(n, d); }
int32_t __hexagon_divsi3(int32_t n, int32_t d) { return (int32_t)__hexagon_divdi3(n, d); }
int32_t __hexagon_modsi3(int32_t n, int32_t d) { return (int32_t)__hexagon_moddi3(n, d); }

/* IEEE binary division of two values given as bit patterns of a format with mbits mantissa
 * bits and ebits exponent bits (double: 52, 11; float: 23, 8), rounded to nearest even. */
static uint64_t ieee_div(uint64_t a, uint64_t b, int mbits, int ebits) {
  const uint64_t mmask = ((uint64_t)1 << mbits) - 1, hidden = (uint64_t)1 << mbits;
  const int emax = (1 << ebits) - 1, bias = emax >> 1;
  const uint64_t sign = ((a ^ b) >> (mbits + ebits)) << (mbits + ebits);
  const uint64_t inf = (uint64_t)emax << mbits, qnan = inf | (hidden >> 1);
  int ea = (int)((a >> mbits) & (uint64_t)emax), eb = (int)((b >> mbits) & (uint64_t)emax);
  uint64_t ma = a & mmask, mb = b & mmask;
  if (ea == emax && ma) return a | (hidden >> 1); /* NaN in, quiet NaN out */
  if (eb == emax && mb) return b | (hidden >> 1);
  if (ea == emax) return eb == emax ? qnan : sign | inf; /* inf / x */
  if (eb == emax) return sign;                          /* x / inf = 0 */
  if (!ea && !ma) return !eb && !mb ? qnan : sign;     /* 0 / x */
  if (!eb && !mb) return sign | inf;                    /* x / 0 */
  /* normalize: the hidden bit set, subnormals scaled up */
  if (ea) ma |= hidden;
  else for (ea = 1; !(ma & hidden); ea--) ma <<= 1;
  if (eb) mb |= hidden;
  else for (eb = 1; !(mb & hidden); eb--) mb <<= 1;
  int e = ea - eb + bias;
  if (ma < mb) {
    ma <<= 1;
    e--;
  }
  /* ma / mb is in [1, 2): mbits + 3 quotient bits (hidden, mantissa, guard, round, sticky
   * position) by long division, the rest only as the sticky bit */
  uint64_t q = 0, r = ma;
  for (int i = 0; i < mbits + 3; i++) {
    q <<= 1;
    if (r >= mb) {
      r -= mb;
      q |= 1;
    }
    r <<= 1;
  }
  q = q << 1 | (r != 0); /* hidden bit now at mbits + 3 */
  if (e <= 0) {          /* subnormal result: shift right, keeping what falls off as sticky */
    int sh = 1 - e;
    q = sh > mbits + 4 ? (q != 0) : q >> sh | ((q & (((uint64_t)1 << sh) - 1)) != 0);
    e = 0;
  }
  uint64_t low = q & 7, m = q >> 3;
  if (low > 4 || (low == 4 && (m & 1))) m++; /* a carry into the exponent field is right */
  /* e counts from 1 for normals, with the hidden bit in m; subnormals have e 0 and no hidden
   * bit, unless rounding made one (then the sum is the smallest normal, as it should be) */
  uint64_t mag = ((uint64_t)(e ? e - 1 : 0) << mbits) + m;
  return sign | (e >= emax || mag >= inf ? inf : mag);
}

double __hexagon_divdf3(double a, double b) {
  uint64_t x, y;
  memcpy(&x, &a, 8);
  memcpy(&y, &b, 8);
  x = ieee_div(x, y, 52, 11);
  memcpy(&a, &x, 8);
  return a;
}

float __hexagon_divsf3(float a, float b) {
  uint32_t x, y;
  memcpy(&x, &a, 4);
  memcpy(&y, &b, 4);
  x = (uint32_t)ieee_div(x, y, 23, 8);
  memcpy(&a, &x, 4);
  return a;
}

void *__hexagon_memcpy_likely_aligned_min32bytes_mult8bytes(void *dst, const void *src,
                                                            uint32_t n) {
  return memcpy(dst, src, n);
}
