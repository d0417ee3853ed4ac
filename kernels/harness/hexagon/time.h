/* time.h — the part of <time.h> the firmware example uses, for the Hexagon runtime
 * (qt_hexagon_rt.c): the monotonic clock. The layout is the 32-bit Linux timespec that
 * qemu-hexagon's clock_gettime (syscall 113) fills. */
#ifndef QT_HEXAGON_TIME_H
#define QT_HEXAGON_TIME_H

typedef long time_t;
typedef int clockid_t;
struct timespec {
  time_t tv_sec;
  long tv_nsec;
};
#define CLOCK_MONOTONIC 1

int clock_gettime(clockid_t clock, struct timespec *ts);

#endif
