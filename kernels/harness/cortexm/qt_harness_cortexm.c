/* qt_harness_cortexm.c — the harness's shell for Cortex-M boards (M4, M7): main and the
 * platform of the portable core (qt_harness_core.h) on bare metal. The result line goes to
 * the host over semihosting (qt_semihost_cm.c), memory comes from the heap the board's linker
 * script bounds (its SRAM), and the clock is the core's own:
 * - DWT CYCCNT, the cycle counter, when the core has one and it counts (real boards);
 * - otherwise SysTick on the processor clock. qemu has no cycle model and no DWT: under
 *   `-icount shift=0` its virtual clock advances 1 ns per instruction, so SysTick's ticks,
 *   scaled to ns, are instructions executed (to SysTick's period, 1e9 / QT_CM_CLOCK_HZ
 *   instructions) and the same on every run.
 * Counts become ns at QT_CM_CLOCK_HZ (default 25 MHz, the MPS2's system clock): on a real
 * board built with its core clock they are ns, under qemu -icount instructions. Faults are
 * reported by the startup file's handlers (qt_startup_cm.c). */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "qt_harness_core.h"
#include "qt_kernels.h"
#include "qt_semihost_cm.h"

#ifndef QT_CM_CLOCK_HZ
#define QT_CM_CLOCK_HZ 25000000u
#endif

#define QT_CM_REG(addr) (*(volatile uint32_t *)(addr))
#define SYST_CSR QT_CM_REG(0xE000E010u)
#define SYST_RVR QT_CM_REG(0xE000E014u)
#define SYST_CVR QT_CM_REG(0xE000E018u)
#define DEMCR QT_CM_REG(0xE000EDFCu)
#define DWT_CTRL QT_CM_REG(0xE0001000u)
#define DWT_CYCCNT QT_CM_REG(0xE0001004u)
#define DWT_LAR QT_CM_REG(0xE0001FB0u)

#define SYSTICK_PERIOD (1u << 24) /* the counter is 24 bits; it reloads at 0xFFFFFF */

/* SysTick wraps since the clock started. The only mutable static besides the cycle counter's
 * extension below: the interrupt handler counts into it. */
static volatile uint32_t systick_wraps;

void qt_cm_systick(void) { systick_wraps++; }

static int64_t ticks_to_ns(uint64_t ticks) {
  /* Split so that neither product overflows 64 bits for any count the run can reach. */
  return (int64_t)(ticks / QT_CM_CLOCK_HZ * 1000000000u +
                   ticks % QT_CM_CLOCK_HZ * 1000000000u / QT_CM_CLOCK_HZ);
}

static int64_t systick_now_ns(void) {
  uint32_t wraps, val;
  do { /* a wrap between the two reads would pair a new count with an old wrap total */
    wraps = systick_wraps;
    val = SYST_CVR;
  } while (wraps != systick_wraps);
  return ticks_to_ns((uint64_t)wraps * SYSTICK_PERIOD + (SYSTICK_PERIOD - 1 - val));
}

static void systick_start(void) {
  SYST_RVR = SYSTICK_PERIOD - 1;
  SYST_CVR = 0;
  SYST_CSR = 0x7; /* enable, interrupt on wrap, processor clock */
}

/* CYCCNT is 32 bits: extended to 64 by noticing wraps between reads, so a repeat longer than
 * one wrap (2^32 cycles) would be miscounted; the harness's repeats are far shorter. */
static uint64_t cyccnt_high;
static uint32_t cyccnt_last;

static int64_t dwt_now_ns(void) {
  uint32_t c = DWT_CYCCNT;
  if (c < cyccnt_last) cyccnt_high += 1ull << 32;
  cyccnt_last = c;
  return ticks_to_ns(cyccnt_high | c);
}

/* Enables the cycle counter and says whether it counts: no DWT (qemu reads it as zero), or a
 * DWT without CYCCNT (NOCYCCNT, bit 25), leaves it still. */
static int dwt_start(void) {
  DEMCR |= 1u << 24; /* TRCENA */
  DWT_LAR = 0xC5ACCE55u; /* unlock, where the core has a lock (M7) */
  if (DWT_CTRL & (1u << 25)) return 0;
  DWT_CYCCNT = 0;
  DWT_CTRL |= 1u; /* CYCCNTENA */
  uint32_t a = DWT_CYCCNT;
  for (volatile int i = 0; i < 100; i++) {
  }
  return DWT_CYCCNT != a;
}

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
  int64_t (*now)(void) = systick_now_ns;
  if (dwt_start()) now = dwt_now_ns;
  else systick_start();
  const qt_harness_platform cortexm = {
      .now_ns = now,
      .write_line = write_line,
      .alloc = alloc_aligned,
      .release = free,
  };
  return qt_harness_main(argc, argv, &cortexm);
}
