/* qt_clock_cm.c — the Cortex-M clock (qt_clock_cm.h). */
#include "qt_clock_cm.h"

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

/* SysTick wraps since the clock started: the interrupt handler counts into it. This file's
 * statics are the clock's state, which an interrupt and every reader share; bare metal has no
 * other place for it. */
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

static int use_cyccnt;

void qt_cm_clock_start(void) {
  use_cyccnt = dwt_start();
  if (!use_cyccnt) systick_start();
}

int64_t qt_cm_now_ns(void) { return use_cyccnt ? dwt_now_ns() : systick_now_ns(); }

int qt_cm_clock_is_cyccnt(void) { return use_cyccnt; }
