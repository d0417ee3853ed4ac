/* qt_startup_cm.c — what runs before main on a Cortex-M board: the vector table, the reset
 * handler (copy .data, zero .bss, enable the FPU, read the command line over semihosting,
 * call main, exit with its status) and the fault handlers. A fault (HardFault, MemManage,
 * BusFault, UsageFault, or an interrupt nobody expects) prints the harness's error result
 * line, reason=fault, with the exception and the faulting pc, and exits with status 1: the
 * runner sees a reported failure, never a hang (kernels/harness/README.md). The memory layout
 * comes from the board's linker script (mps2-an386.ld, mps2-an500.ld). */
#include <stdint.h>
#include <stdlib.h>

#include "qt_harness_core.h"
#include "qt_semihost_cm.h"

int main(int argc, char **argv);

/* Linker script symbols. */
extern uint32_t __qt_data_load[], __qt_data_start[], __qt_data_end[];
extern uint32_t __qt_bss_start[], __qt_bss_end[];
extern uint32_t __qt_stack_top[];

#define QT_CM_CPACR (*(volatile uint32_t *)0xE000ED88u)
#define QT_CM_CFSR (*(volatile uint32_t *)0xE000ED28u)
#define QT_CM_ARGV_MAX 48
#define QT_CM_CMDLINE_MAX 1024

/* Splits the semihosting command line at spaces into argv (the harness's arguments never
 * contain spaces); argv[0] is the image. Returns argc. */
static int split_cmdline(char *line, char **argv) {
  int argc = 0;
  char *p = line;
  while (*p && argc < QT_CM_ARGV_MAX - 1) {
    while (*p == ' ') *p++ = '\0';
    if (!*p) break;
    argv[argc++] = p;
    while (*p && *p != ' ') p++;
  }
  argv[argc] = NULL;
  return argc;
}

/* -nostartfiles drops crti.o, whose _init/_fini newlib's init and exit call; C needs neither
 * (constructors run through .init_array, which this program does not use). */
void _init(void) {}
void _fini(void) {}

_Noreturn void qt_cm_reset(void) {
  for (uint32_t *s = __qt_data_load, *d = __qt_data_start; d < __qt_data_end;) *d++ = *s++;
  for (uint32_t *d = __qt_bss_start; d < __qt_bss_end;) *d++ = 0;
  /* Full access to CP10/CP11 before any floating-point instruction (-mfloat-abi=hard). */
  QT_CM_CPACR |= 0xFu << 20;
  __asm__ volatile("dsb\n\tisb" ::: "memory");

  static char line[QT_CM_CMDLINE_MAX];
  static char *argv[QT_CM_ARGV_MAX];
  int argc = 0;
  if (qt_cm_cmdline(line, sizeof line) == 0) argc = split_cmdline(line, argv);
  if (argc == 0) {
    static char image[] = "qtune-image";
    argv[argc++] = image;
    argv[argc] = NULL;
  }
  exit(main(argc, argv)); /* newlib's exit flushes stdio, then _exit (qt_semihost_cm.c) */
}

/* Formats v as 8 hex digits into out (9 bytes). */
static void hex32(uint32_t v, char *out) {
  for (int i = 7; i >= 0; i--, v >>= 4) out[i] = "0123456789abcdef"[v & 0xF];
  out[8] = '\0';
}

/* Reports a fault from its handler: the result line with the exception's name, the stacked
 * pc and the fault status register, written with semihosting only (the heap or stdio may be
 * what broke). frame is the exception stack frame (pc at word 6), or NULL when the stack
 * pointer itself is unusable. */
_Noreturn void qt_cm_fault_report(const char *name, const uint32_t *frame) {
  char line[160];
  size_t n = 0;
  const char *parts[] = {QT_HARNESS_RESULT_PREFIX "status=error reason=fault detail=", name,
                         "_pc_0x", NULL, "_cfsr_0x", NULL, "\n"};
  char pc[9], cfsr[9];
  hex32(frame ? frame[6] : 0, pc);
  hex32(QT_CM_CFSR, cfsr);
  parts[3] = pc;
  parts[5] = cfsr;
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
    for (const char *p = parts[i]; *p && n < sizeof line; p++) line[n++] = *p;
  qt_cm_write(line, n);
  qt_cm_exit(1);
}

/* Each fault handler passes the stack the frame was pushed on (EXC_RETURN bit 2) to the
 * reporter. Naked: no prologue may touch a possibly broken stack before the report. */
#define QT_CM_FAULT_HANDLER(fn, label)                                                         \
  __attribute__((used)) static const char fn##_name[] = label;                               \
  __attribute__((naked)) void fn(void) {                                                       \
    __asm__ volatile("tst lr, #4\n\t"                                                          \
                     "ite eq\n\t"                                                              \
                     "mrseq r1, msp\n\t"                                                       \
                     "mrsne r1, psp\n\t"                                                       \
                     "ldr r0, =" #fn "_name\n\t"                                               \
                     "b qt_cm_fault_report\n\t"                                                \
                     ".ltorg");                                                                \
  }

QT_CM_FAULT_HANDLER(qt_cm_hardfault, "HardFault")
QT_CM_FAULT_HANDLER(qt_cm_memmanage, "MemManage")
QT_CM_FAULT_HANDLER(qt_cm_busfault, "BusFault")
QT_CM_FAULT_HANDLER(qt_cm_usagefault, "UsageFault")
QT_CM_FAULT_HANDLER(qt_cm_nmi, "NMI")
QT_CM_FAULT_HANDLER(qt_cm_unexpected, "unexpected_interrupt")

/* SysTick's wrap handler lives in the shell (qt_harness_cortexm.c), which owns the clock; a
 * program without the shell (the board check program) never enables its interrupt. */
void qt_cm_systick(void) __attribute__((weak, alias("qt_cm_unexpected")));

typedef void (*qt_cm_vector)(void);

/* Cortex-M vector table: initial stack pointer, then the 15 system exceptions, then the
 * MPS2's 32 external interrupts (none enabled; any that fires is a fault). */
__attribute__((section(".qt_vectors"), used)) const qt_cm_vector qt_cm_vectors[16 + 32] = {
    [0] = (qt_cm_vector)(uintptr_t)__qt_stack_top,
    [1] = qt_cm_reset,
    [2] = qt_cm_nmi,
    [3] = qt_cm_hardfault,
    [4] = qt_cm_memmanage,
    [5] = qt_cm_busfault,
    [6] = qt_cm_usagefault,
    [7] = qt_cm_unexpected,
    [8] = qt_cm_unexpected,
    [9] = qt_cm_unexpected,
    [10] = qt_cm_unexpected,
    [11] = qt_cm_unexpected, /* SVCall */
    [12] = qt_cm_unexpected, /* DebugMon */
    [13] = qt_cm_unexpected,
    [14] = qt_cm_unexpected, /* PendSV */
    [15] = qt_cm_systick,
    [16 ... 47] = qt_cm_unexpected,
};
