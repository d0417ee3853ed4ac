/* requant_hvx.c — qt_ukernel_requant_fixedpoint__hvx against the oracle qt_requant_fixedpoint
 * on Hexagon under qemu-hexagon (built by sweep_hvx.sh with the hexagon-hvx flags): 200000
 * groups of 32 lanes, each lane's accumulator an edge value, a full-range or a shifted random
 * word, its multiplier in [0, 2^31) with 0, 2^30 and INT32_MAX often, its shift in [-31, 30],
 * the output zero point and the clamp random within the quant checks' domain. Prints the first
 * mismatches and a summary; exits 0 only if every lane matched. */
#include <stdint.h>
#include <stdio.h>

#include "qt_requant.h"
#include "../../../kernels/ukernels/qt_ukernel_requant_fixedpoint__hvx.h"

#if !(defined(__hexagon__) && defined(__HVX__) && __HVX_LENGTH__ == 128)
#error "requant_hvx.c checks the HVX code: build it for hexagon with -mhvx -mhvx-length=128b"
#endif

static uint64_t state = 88172645463325252u;
static uint32_t rnd(void) { /* xorshift64 */
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return (uint32_t)state;
}

static const int32_t edges[] = {0, 1, -1, 2, -2, 1 << 30, -(1 << 30), INT32_MAX, INT32_MIN,
                                INT32_MAX - 1, INT32_MIN + 1, 12345, -12345, 1 << 15,
                                -(1 << 15), 255, -256};
enum { N_EDGES = (int)(sizeof edges / sizeof edges[0]) };

int main(void) {
  long bad = 0, lanes = 0;
  int32_t acc[32], mul[32], sh[32];
  uint8_t out[32];
  char line[200];
  for (int it = 0; it < 200000; it++) {
    const int32_t zp = (int32_t)(rnd() % 384) - 128;
    int32_t lo = -128, hi = 255;
    if (it & 1) { /* a narrower clamp window within [-128, 255] */
      lo = (int32_t)(rnd() % 384) - 128;
      hi = lo + (int32_t)(rnd() % (uint32_t)(256 - lo));
    }
    for (int i = 0; i < 32; i++) {
      const uint32_t kind = rnd() & 3;
      acc[i] = kind == 0   ? edges[rnd() % N_EDGES]
               : kind == 1 ? (int32_t)rnd()
                           : (int32_t)rnd() >> (rnd() % 31);
      const uint32_t mk = rnd() & 15;
      mul[i] = mk == 0 ? INT32_MAX : mk == 1 ? 0 : mk == 2 ? 1 << 30 : (int32_t)(rnd() >> 1);
      sh[i] = (int32_t)(rnd() % 62) - 31;
    }
    qt_ukernel_requant_fixedpoint__hvx(acc, mul, sh, out, zp, lo, hi);
    for (int i = 0; i < 32; i++, lanes++) {
      const uint8_t want = (uint8_t)qt_requant_fixedpoint(acc[i], mul[i], sh[i], zp, lo, hi);
      if (out[i] == want) continue;
      if (bad++ < 5) {
        snprintf(line, sizeof line, "FAIL acc=%ld mul=%ld shift=%ld zp=%ld [%ld, %ld]: %d, oracle %d",
                 (long)acc[i], (long)mul[i], (long)sh[i], (long)zp, (long)lo, (long)hi, out[i], want);
        puts(line);
      }
    }
  }
  snprintf(line, sizeof line, "requant_hvx: %ld lanes, %ld differ from the oracle", lanes, bad);
  puts(line);
  return lanes > 0 && bad == 0 ? 0 : 1;
}
