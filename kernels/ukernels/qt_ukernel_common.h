/* qt_ukernel_common.h — what several micro-kernel headers need alike: stringizing for the
 * unroll pragmas that take a parameter, the little-endian word of up to 4 input bytes
 * that the k4 micro-kernels (VPDPBUSD, SDOT) broadcast, and (with AVX-512) the 4x4 transpose
 * of 128-bit lanes. Plain C11. */
#ifndef QT_UKERNEL_COMMON_H
#define QT_UKERNEL_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define QT_UK_STR_(x) #x
#define QT_UK_STR(x) QT_UK_STR_(x)

/* Bytes p[0 .. n - 1] (n <= 4) as one little-endian word, zero above: a k-step's inputs,
 * the last one of a row read without touching a byte past it. */
static inline uint32_t qt_uk_word(const uint8_t *p, size_t n) {
  uint32_t v = 0;
  memcpy(&v, p, n);
  return v;
}

#if defined(__AVX512F__)
#include <immintrin.h>

/* The 4x4 transpose of 128-bit lanes: lane n of r[k] = lane k of a[n] (r may be a). The
 * dwconv avx512vnni kernel's channel order to natural order and back, and the requant's
 * scales into that order (qt_tpl_requant_block_raw64). */
static inline void qt_uk_transpose4x128(__m512i r[4], const __m512i a[4]) {
  const __m512i t0 = _mm512_shuffle_i64x2(a[0], a[1], 0x44),
                t1 = _mm512_shuffle_i64x2(a[2], a[3], 0x44);
  const __m512i t2 = _mm512_shuffle_i64x2(a[0], a[1], 0xEE),
                t3 = _mm512_shuffle_i64x2(a[2], a[3], 0xEE);
  r[0] = _mm512_shuffle_i64x2(t0, t1, 0x88);
  r[1] = _mm512_shuffle_i64x2(t0, t1, 0xDD);
  r[2] = _mm512_shuffle_i64x2(t2, t3, 0x88);
  r[3] = _mm512_shuffle_i64x2(t2, t3, 0xDD);
}
#endif

#endif /* QT_UKERNEL_COMMON_H */
