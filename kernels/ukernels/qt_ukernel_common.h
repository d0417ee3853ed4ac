/* qt_ukernel_common.h — what several micro-kernel headers need alike: stringizing for the
 * unroll pragmas that take a parameter, and the little-endian word of up to 4 input bytes
 * that the k4 micro-kernels (VPDPBUSD, SDOT) broadcast. Plain C11. */
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

#endif /* QT_UKERNEL_COMMON_H */
