/* qt_harness_cortexm.c — the harness's shell for Cortex-M boards (M4, M7): main and the
 * platform of the portable core (qt_harness_core.h) on bare metal. The result line goes to
 * the host over semihosting (qt_semihost_cm.c), memory comes from the heap the board's linker
 * script bounds (its SRAM), and the clock is the core's own (qt_clock_cm.h: DWT CYCCNT where
 * it counts, else SysTick, which counts instructions under qemu -icount). Faults are reported
 * by the startup file's handlers (qt_startup_cm.c). */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "qt_clock_cm.h"
#include "qt_harness_core.h"
#include "qt_kernels.h"
#include "qt_semihost_cm.h"

static void write_line(const char *line) {
  fputs(line, stdout);
  fputc('\n', stdout);
  fflush(stdout);
}

/* At least QT_ALIGN bytes, from the same heap as the problem's malloc, so what the harness
 * needs fits the board's SRAM or fails as reason=alloc. */
static void *alloc_aligned(size_t size) {
  return memalign(QT_ALIGN, (size + QT_ALIGN) / QT_ALIGN * QT_ALIGN);
}

int main(int argc, char **argv) {
  qt_cm_clock_start();
  const qt_harness_platform cortexm = {
      .now_ns = qt_cm_now_ns,
      .write_line = write_line,
      .alloc = alloc_aligned,
      .release = free,
  };
  return qt_harness_main(argc, argv, &cortexm);
}
