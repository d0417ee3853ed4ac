/* string.h — the part of <string.h> the harness and the kernels use, for the Hexagon runtime
 * (qt_hexagon_rt.c). */
#ifndef QT_HEXAGON_STRING_H
#define QT_HEXAGON_STRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

#endif
