/* stdio.h — the part of <stdio.h> the harness, the board check program and the firmware
 * example use, for the Hexagon runtime (qt_hexagon_rt.c): formatting into a buffer and
 * writing to stdout or stderr (unbuffered: each call is one write). Conversions: d i u x X c
 * s p f %, flags - 0, width and precision (numbers or *), lengths hh h l ll z j t. %f is
 * exact, as glibc's (round to nearest even on the exact binary value), for precisions up to
 * 9 (a larger one prints 9 decimals). */
#ifndef QT_HEXAGON_STDIO_H
#define QT_HEXAGON_STDIO_H

#include <stdarg.h>
#include <stddef.h>

#define EOF (-1)

int vsnprintf(char *restrict buf, size_t cap, const char *restrict fmt, va_list ap);
int snprintf(char *restrict buf, size_t cap, const char *restrict fmt, ...);
int puts(const char *s);
int printf(const char *restrict fmt, ...);

/* Only stdout and stderr exist: a FILE is the file descriptor behind them. */
typedef struct qt_hexagon_file FILE;
extern FILE *const stdout;
extern FILE *const stderr;
int fprintf(FILE *restrict f, const char *restrict fmt, ...);

#endif
