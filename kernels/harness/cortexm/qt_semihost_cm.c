/* qt_semihost_cm.c — semihosting calls (qt_semihost_cm.h) and the few newlib system calls a
 * harness image uses, over them: _write (stdout and stderr go to the host's stdout), _sbrk
 * (the heap between the end of .bss and the stack's reserve, bounds from the linker script)
 * and _exit. Every other system call is newlib's nosys stub (--specs=nosys.specs): a harness
 * opens no files. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "qt_semihost_cm.h"

enum {
  SYS_OPEN = 0x01,
  SYS_WRITE = 0x05,
  SYS_GET_CMDLINE = 0x15,
  SYS_EXIT_EXTENDED = 0x20,
  ADP_STOPPED_APPLICATION_EXIT = 0x20026,
};

/* The semihosting trap: operation in r0, argument in r1, result in r0. BKPT 0xAB is the
 * M-profile form; memory is clobbered because the host reads and writes through arg. */
static int semihost(int op, const void *arg) {
  register int r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

int qt_cm_write(const char *buf, size_t n) {
  /* ":tt" opened for writing is the host's stdout. The handle is opened per call: no state
   * outside main, and the harness writes one line. */
  static const char tt[] = ":tt";
  const uintptr_t open_args[3] = {(uintptr_t)tt, 4 /* "w" */, sizeof tt - 1};
  int fd = semihost(SYS_OPEN, open_args);
  if (fd < 0) return -1;
  const uintptr_t write_args[3] = {(uintptr_t)fd, (uintptr_t)buf, n};
  return semihost(SYS_WRITE, write_args) == 0 ? 0 : -1; /* returns the bytes NOT written */
}

int qt_cm_cmdline(char *buf, size_t cap) {
  uintptr_t args[2] = {(uintptr_t)buf, cap};
  return semihost(SYS_GET_CMDLINE, args) == 0 ? 0 : -1;
}

_Noreturn void qt_cm_exit(int code) {
  const uintptr_t args[2] = {ADP_STOPPED_APPLICATION_EXIT, (uintptr_t)code};
  semihost(SYS_EXIT_EXTENDED, args);
  for (;;) __asm__ volatile("wfi"); /* a host that ignored the exit: stop here, do not return */
}

/* newlib system calls. */

int _write(int fd, const void *buf, size_t n) {
  if (fd != 1 && fd != 2) {
    errno = EBADF;
    return -1;
  }
  if (qt_cm_write(buf, n)) {
    errno = EIO;
    return -1;
  }
  return (int)n;
}

_Noreturn void _exit(int code) { qt_cm_exit(code); }

/* Heap bounds, from the linker script (qt_cm_common.ld). */
extern char __qt_heap_start[], __qt_heap_end[];

void *_sbrk(ptrdiff_t incr) {
  /* The break lives in .bss: main owns the program, and newlib's malloc is its only user. */
  static char *brk;
  if (!brk) brk = __qt_heap_start;
  if (incr > __qt_heap_end - brk || incr < __qt_heap_start - brk) {
    errno = ENOMEM;
    return (void *)-1;
  }
  char *old = brk;
  brk += incr;
  return old;
}
