/* qt_clock_cm.h — the clock of a Cortex-M program (the harness's shell, the firmware
 * example): DWT CYCCNT when the core has one and it counts (real boards), otherwise SysTick on
 * the processor clock with a wrap interrupt. qemu has no cycle model and no DWT: under
 * `-icount shift=0` its virtual clock advances 1 ns per instruction, so SysTick's ticks, as ns,
 * are instructions executed (to SysTick's period, 1e9 / QT_CM_CLOCK_HZ instructions) and the
 * same on every run. Counts become ns at QT_CM_CLOCK_HZ (default 25 MHz, the MPS2's system
 * clock): on a real board built with its core clock they are ns, under qemu -icount
 * instructions. */
#ifndef QT_CLOCK_CM_H
#define QT_CLOCK_CM_H

#include <stdint.h>

/* Starts the clock: the cycle counter if it counts, else SysTick (and its interrupt). */
void qt_cm_clock_start(void);
/* ns since some origin (instructions under qemu -icount shift=0). */
int64_t qt_cm_now_ns(void);
/* 1 if the clock is the DWT cycle counter, 0 if SysTick. */
int qt_cm_clock_is_cyccnt(void);

#endif
