/* qt_hexagon_rt.h — the system calls of the Hexagon runtime (qt_hexagon_rt.c) for the
 * harness's shell and the firmware example: a Hexagon program run under qemu-hexagon's Linux
 * user mode talks to it through the Linux syscall trap, with no C library in between. */
#ifndef QT_HEXAGON_RT_H
#define QT_HEXAGON_RT_H

#include <stddef.h>
#include <stdint.h>

/* write(2) of n bytes to fd; the bytes written or a negative errno. */
long qt_hexagon_write(int fd, const void *buf, size_t n);
/* Nanoseconds of CLOCK_MONOTONIC (under qemu: the host's clock, so emulated time). */
int64_t qt_hexagon_now_ns(void);
/* The allocator the shell gives the harness: malloc's 128-byte aligned arena blocks. */
void *qt_hexagon_alloc(size_t size);

#endif
