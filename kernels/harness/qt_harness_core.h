/* qt_harness_core.h — the portable core of the on-board harness (qt_harness_core.c) and the
 * platform it needs. The core is ISO C11 and its library only; what depends on the operating
 * system or the board comes in through qt_harness_platform: a clock, the output the runner
 * reads, memory and CPU pinning. qt_harness_posix.c supplies them on POSIX systems (and adds
 * the fatal-signal result line); a bare-metal board supplies its own shell with the same
 * interface, and its result lines are the same (kernels/harness/README.md). */
#ifndef QT_HARNESS_CORE_H
#define QT_HARNESS_CORE_H

#include <stddef.h>
#include <stdint.h>

/* How every result line starts: the format's name and version 1. */
#define QT_HARNESS_RESULT_PREFIX "QTRESULT 1 "

/* What the core asks of the platform. Every member but pin_cpu and evict is required. */
typedef struct qt_harness_platform {
  /* Nanoseconds of a monotonic clock (any origin). */
  int64_t (*now_ns)(void);
  /* Writes line and a '\n' to the output the runner reads, and flushes it: called exactly
   * once per run, with the whole result line. */
  void (*write_line)(const char *line);
  /* size bytes aligned to QT_ALIGN, or NULL when out of memory; size 0 still gives a valid
   * pointer. release(NULL) does nothing. */
  void *(*alloc)(size_t size);
  void (*release)(void *p);
  /* Pins the program to cpu (>= 0); 0 on success. NULL where the platform cannot pin (then
   * --pin fails with reason=args). */
  int (*pin_cpu)(long long cpu);
  /* Writes back and invalidates the size bytes at p in every cache level of this CPU (clflush,
   * dc civac), so the next run finds them in memory. NULL where the platform cannot (then
   * --evict fails with reason=args). */
  void (*evict)(const void *p, size_t size);
} qt_harness_platform;

/* Runs the harness for the variant linked in: argv[1 .. argc - 1] are the arguments of
 * kernels/harness/README.md. Writes exactly one result line through pf->write_line and
 * returns the exit status: 0 ok, 1 error, 2 wrong answer. */
int qt_harness_main(int argc, char **argv, const qt_harness_platform *pf);

#endif /* QT_HARNESS_CORE_H */
