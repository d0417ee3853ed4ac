/* stdlib.h — the part of <stdlib.h> the harness uses, for the Hexagon runtime
 * (qt_hexagon_rt.c): number parsing, and malloc over a static arena. */
#ifndef QT_HEXAGON_STDLIB_H
#define QT_HEXAGON_STDLIB_H

#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

long long strtoll(const char *restrict s, char **restrict end, int base);
unsigned long long strtoull(const char *restrict s, char **restrict end, int base);
/* Blocks are 128-byte aligned (an HVX vector); free returns a block to the arena only when it
 * is the last one still allocated, enough for the harness's allocate-then-free-all pattern. */
void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void free(void *p);
/* align at most 128 (the arena's alignment); NULL otherwise. */
void *aligned_alloc(size_t align, size_t size);
int atoi(const char *s);
_Noreturn void exit(int status);
_Noreturn void abort(void);
int abs(int v);

#endif
