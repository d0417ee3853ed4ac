/* qt_harness_posix.c — the harness's shell for Linux and other POSIX systems: main() and the
 * platform of the portable core (qt_harness_core.h): CLOCK_MONOTONIC, stdout, aligned_alloc,
 * sched_setaffinity (Linux only). It also turns a fatal signal of the variant (SIGSEGV,
 * SIGBUS, SIGILL, SIGFPE, SIGABRT) into the result line, written from the handler, and then
 * dies of that signal, so the runner sees both (kernels/harness/README.md). */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* sched_setaffinity; implies the POSIX clock and signal APIs */
#elif !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sched.h>
#endif

#include "qt_harness_core.h"
#include "qt_kernels.h"

/* Set once the result line is on stdout, so a fault during cleanup does not print a second
 * line. The only mutable static: the signal handler needs it. */
static volatile sig_atomic_t result_printed;

/* Fatal signal handler: writes the signal's result line with write(2) only (stdio buffers
 * hold nothing: the line is the harness's only output), restores the default action and
 * re-raises so the runner also sees the death by signal. */
static void on_fatal_signal(int sig) {
#define QT_SIGNAL_LINE(name) QT_HARNESS_RESULT_PREFIX "status=error reason=signal detail=" name "\n"
  const char *line = sig == SIGSEGV  ? QT_SIGNAL_LINE("SIGSEGV")
                     : sig == SIGBUS ? QT_SIGNAL_LINE("SIGBUS")
                     : sig == SIGILL ? QT_SIGNAL_LINE("SIGILL")
                     : sig == SIGFPE ? QT_SIGNAL_LINE("SIGFPE")
                                     : QT_SIGNAL_LINE("SIGABRT");
#undef QT_SIGNAL_LINE
  if (!result_printed) {
    result_printed = 1;
    size_t len = 0;
    while (line[len]) len++; /* strlen is not async-signal-safe everywhere */
    ssize_t ignored = write(STDOUT_FILENO, line, len);
    (void)ignored;
  }
  signal(sig, SIG_DFL);
  raise(sig); /* blocked until the handler returns, then kills with the default action */
}

/* Installs on_fatal_signal for the fatal signals, on the alternate stack altstack (so a
 * variant that overflows the stack is still reported); altstack must outlive the program. */
static void install_signal_handlers(void *altstack, size_t altstack_size) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_fatal_signal;
  sigemptyset(&sa.sa_mask);
  if (altstack) {
    stack_t ss;
    memset(&ss, 0, sizeof ss);
    ss.ss_sp = altstack;
    ss.ss_size = altstack_size;
    if (sigaltstack(&ss, NULL) == 0) sa.sa_flags |= SA_ONSTACK;
  }
  static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
}

static void write_line(const char *line) {
  fputs(line, stdout);
  fputc('\n', stdout);
  fflush(stdout);
  result_printed = 1;
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* At least QT_ALIGN bytes, so a zero size still gives a valid pointer. */
static void *alloc_aligned(size_t size) {
  return aligned_alloc(QT_ALIGN, (size + QT_ALIGN) / QT_ALIGN * QT_ALIGN);
}

#if defined(__x86_64__) || defined(__i386__) || defined(__aarch64__)
#define QT_HARNESS_EVICT 1
/* Writes back and invalidates every cache line of [p, p + size) at every level: CLFLUSH on x86
 * (SSE2, so every x86-64), DC CIVAC on AArch64 (Linux lets user space run it), each line of
 * the smallest data cache line size the CPU reports; then a full barrier, so the timed run
 * does not overlap the write-backs. */
static void evict(const void *p, size_t size) {
  if (!size) return;
#if defined(__aarch64__)
  uint64_t ctr;
  __asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
  const uintptr_t line = (uintptr_t)4 << ((ctr >> 16) & 0xF);
#else
  const uintptr_t line = 64; /* CLFLUSH's line size on every x86-64 so far (CPUID leaf 1) */
#endif
  const uintptr_t end = (uintptr_t)p + size;
  for (uintptr_t a = (uintptr_t)p & ~(line - 1); a < end; a += line) {
#if defined(__aarch64__)
    __asm__ volatile("dc civac, %0" : : "r"(a) : "memory");
#else
    __asm__ volatile("clflush (%0)" : : "r"(a) : "memory");
#endif
  }
#if defined(__aarch64__)
  __asm__ volatile("dsb ish" : : : "memory");
#else
  __asm__ volatile("mfence" : : : "memory");
#endif
}
#endif

#ifdef __linux__
/* Pins the calling thread to cpu; 0 on success. */
static int pin_to_cpu(long long cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET((int)cpu, &set);
  return sched_setaffinity(0, sizeof set, &set);
}
#endif

int main(int argc, char **argv) {
  /* In main's frame, so it lives as long as the program and survives a stack overflow. */
  _Alignas(16) unsigned char altstack[1 << 16];
  install_signal_handlers(altstack, sizeof altstack);
  const qt_harness_platform posix = {
      .now_ns = now_ns,
      .write_line = write_line,
      .alloc = alloc_aligned,
      .release = free,
#ifdef __linux__
      .pin_cpu = pin_to_cpu,
#endif
#ifdef QT_HARNESS_EVICT
      .evict = evict,
#endif
  };
  return qt_harness_main(argc, argv, &posix);
}
