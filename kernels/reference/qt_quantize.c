/* qt_quantize.c — a real scale as TFLite's fixed-point (multiplier, shift) pair. */
#include <math.h>

#include "qt_requant.h"

int qt_quantize_multiplier(double scale, int32_t *multiplier, int32_t *shift) {
  /* NaN fails every comparison, so it is refused with the negative and infinite scales. */
  if (!(scale >= 0.0) || isinf(scale)) return -1;
  if (scale == 0.0) {
    *multiplier = 0;
    *shift = 0;
    return 0;
  }
  int e;
  const double q = frexp(scale, &e); /* scale = q * 2^e, q in [0.5, 1) */
  /* round() is half away from zero, as TfLiteRound; q * 2^31 is exact (a power-of-two
   * product), so the only rounding is this one. */
  int64_t m = (int64_t)round(q * 2147483648.0);
  if (m == INT64_C(1) << 31) { /* q rounded up to 1.0: renormalise */
    m /= 2;
    e++;
  }
  if (e < -31) { /* every bit would be shifted out: TFLite stores it as zero */
    m = 0;
    e = 0;
  }
  if (e > 30) { /* beyond the single-rounding shift range: TFLite saturates */
    m = INT32_MAX;
    e = 30;
  }
  *multiplier = (int32_t)m;
  *shift = e;
  return 0;
}
