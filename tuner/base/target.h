/* target.h — a target: the CPU a kernel variant is built for. Holds what the build needs
 * (compiler, flags) and what the knob spaces need (ISA features, vector registers). Loaded
 * from configs/targets/<name>.yaml by config.h. */
#ifndef QT_TARGET_H
#define QT_TARGET_H

#include <stddef.h>
#include <stdint.h>

#define QT_NAME_MAX 64
#define QT_PATH_MAX 1024

/* ISA feature bits. */
enum {
  QT_ISA_NEON = 1u << 0,       /* aarch64 Advanced SIMD */
  QT_ISA_DOTPROD = 1u << 1,    /* aarch64 SDOT/UDOT (armv8.2-a+dotprod) */
  QT_ISA_SSE41 = 1u << 2,
  QT_ISA_AVX2 = 1u << 3,       /* AVX2 with FMA (x86-64-v3's vector level) */
  QT_ISA_AVX512 = 1u << 4,     /* AVX-512 F+BW */
  QT_ISA_AVX512VNNI = 1u << 5, /* VPDPBUSD */
  QT_ISA_DSP = 1u << 6,        /* armv7em SIMD32 / DSP extension: SMLAD, SXTB16, SSAT */
  QT_ISA_HVX128 = 1u << 7,     /* Hexagon HVX, 128-byte vectors (vrmpy) */
};

/* What a measurement's number counts. The harness always reports its platform clock; the
 * target says what that clock is, and the log and every report carry it as the unit. */
typedef enum qt_timing {
  QT_TIMING_WALL = 0,     /* native run: nanoseconds of real time */
  QT_TIMING_EMULATED = 1, /* run under an emulator's wall clock: ns, but not the CPU's speed */
  QT_TIMING_ICOUNT = 2,   /* instructions retired, counted by the emulator (qemu -icount) */
} qt_timing;

#define QT_HARNESS_SHELL_MAX 4 /* platform shell sources of one target's harness */
#define QT_KERNELS_PATH_MAX 256

typedef struct qt_target {
  char name[QT_NAME_MAX];          /* "host", "cortex-a76" */
  char arch[16];                   /* "x86_64" | "aarch64" | "armv7em" | "hexagon" */
  char compiler[QT_PATH_MAX];      /* "cc", "aarch64-linux-gnu-gcc" */
  char cflags[QT_PATH_MAX];        /* "-O3 -mcpu=cortex-a76" */
  char ldflags[QT_PATH_MAX];       /* "-static" for cross targets */
  uint32_t isa;                    /* QT_ISA_* features the target has */
  int vector_regs;                 /* architectural vector registers (16 or 32) */
  int vector_bits;                 /* one vector register (32 for SIMD32 in general registers,
                                      128, 256, 512, 1024 for HVX) */
  int detect_isa;                  /* 1: isa is detected on the running host (target host) */
  char emulator[QT_PATH_MAX];      /* exec wrapper for running its artifacts locally, or "" */
  /* The harness's platform shell: sources relative to the kernels directory, compiled
   * with the portable core (default: harness/qt_harness_posix.c). */
  char harness[QT_HARNESS_SHELL_MAX][QT_KERNELS_PATH_MAX];
  int n_harness;
  char linker_script[QT_KERNELS_PATH_MAX]; /* relative to the kernels directory, or "" */
  qt_timing timing;
  /* The board's memories (sram_kib, flash_kib), or 0 where the target gives none: a layer
   * whose data, weights and scratch exceed sram_bytes is unsupported on the target. */
  int64_t sram_bytes;
  int64_t flash_bytes;
} qt_target;

/* One ISA feature: its bit, its name in target files, the arch it belongs to, and the
 * feature it is only usable with (the hardware never has it alone), or 0. */
typedef struct qt_isa_feature {
  uint32_t bit;
  const char *name; /* "neon", "dotprod", "avx2", ... */
  const char *arch; /* "aarch64" | "x86_64" */
  uint32_t needs;
} qt_isa_feature;

/* The table of every known feature (target.c; the only list of ISA names). */
const qt_isa_feature *qt_isa_features(int *n);
/* The feature named name, or NULL. */
const qt_isa_feature *qt_isa_find(const char *name);
/* Name of one feature bit, "?" for an unknown bit. */
const char *qt_isa_name(uint32_t bit);

/* The target file's word for a timing ("wall", "emulated", "icount") and the unit its
 * numbers are in, for people ("ns", "ns (emulated)", "instructions (qemu icount)"). */
const char *qt_timing_name(qt_timing t);
const char *qt_timing_unit(qt_timing t);

/* The timing whose unit is unit (as qt_timing_unit writes it, e.g. read from a log); -1 for
 * an unknown unit. */
int qt_timing_from_unit(const char *unit, qt_timing *out);
/* How reports show a timing's numbers: the suffix of their columns and keys ("us" for ns
 * timings, shown in microseconds; "insns" for instruction counts, shown as they are) and what
 * the logged value is divided by for it (1e3, 1). */
const char *qt_timing_suffix(qt_timing t);
double qt_timing_divisor(qt_timing t);

/* One logged value v with its unit, for messages: "363.2 us", "363.2 us (emulated)",
 * "14520 instructions". */
void qt_timing_format(qt_timing t, double v, char *buf, size_t cap);

/* The mark a command line (a target's emulator, a local board's wrapper) may start with to
 * name a program shipped in the kernels directory, such as the Cortex-M boards' qt-mps2-run. */
#define QT_KERNELS_MARK "{kernels}"

/* cmd with a leading QT_KERNELS_MARK replaced by kernels_dir, so that it runs from any working
 * directory; cmd as it is otherwise. -1 if the result does not fit in cap. */
int qt_expand_kernels_mark(const char *cmd, const char *kernels_dir, char *out, size_t cap);

/* The target's exec wrapper as a command line, expanded by qt_expand_kernels_mark. */
int qt_target_emulator(const qt_target *t, const char *kernels_dir, char *out, size_t cap);

#endif
