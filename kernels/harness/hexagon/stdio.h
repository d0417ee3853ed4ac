/* stdio.h — the part of <stdio.h> the harness and the board check program use, for the
 * Hexagon runtime (qt_hexagon_rt.c): formatting into a buffer and writing a line to stdout.
 * Conversions: d i u x X c s p %, flags - 0, width and precision (numbers or *), lengths hh h
 * l ll z j t; no floating point (the harness prints none). */
#ifndef QT_HEXAGON_STDIO_H
#define QT_HEXAGON_STDIO_H

#include <stdarg.h>
#include <stddef.h>

#define EOF (-1)

int vsnprintf(char *restrict buf, size_t cap, const char *restrict fmt, va_list ap);
int snprintf(char *restrict buf, size_t cap, const char *restrict fmt, ...);
int puts(const char *s);

#endif
