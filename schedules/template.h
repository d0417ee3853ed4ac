/* template.h — internal to schedules/: what the three template spaces (dwconv.c, gemm.c,
 * direct.c) share. The knob values every template numbers alike, as the templates' #if test
 * them; the one table of ISA strategies by the label of their isa knob value (the target
 * features a strategy needs, its dtypes, its compile flags); and the checks every isa knob
 * makes before a template counts the micro-kernel's registers. */
#ifndef QT_SCHEDULES_TEMPLATE_H
#define QT_SCHEDULES_TEMPLATE_H

#include <stddef.h>

#include "schedules/space.h"

enum { LOAD_WEIGHTS = 0, LOAD_INPUTS = 1 };
enum { PAD_INLINE = 0, PAD_PREPAD = 1, PAD_STRIPS = 2 }; /* gemm has no strips */
enum { RQ_TILE = 0, RQ_ROW = 1, RQ_PASS = 2 };
/* isa knob values. Value 2 is each template's AVX-512 micro-kernel: avx512 (F+BW, VPMADDWD)
 * in dwconv, avx512vnni (VPDPBUSD) in gemm and direct; value 4, neondot (SDOT), is in all
 * three. Value 5, hvx (Hexagon vrmpy), and 6, dsp (Armv7E-M SMLAD/SMLAxy), are gemm's and
 * dwconv's (direct has neither). */
enum { ISA_C = 0, ISA_AVX2 = 1, ISA_AVX512 = 2, ISA_AVX512VNNI = 2, ISA_NEON = 3, ISA_NEONDOT = 4,
       ISA_HVX = 5, ISA_DSP = 6 };

/* n_values, values and labels of the knobs that mean the same in every template offering
 * them, for its qt_knob_def: rq, pad with strips (dwconv, direct), and the conv2d templates'
 * isa (gemm, direct). */
#define QT_RQ_KNOB_VALUES 3, {RQ_TILE, RQ_ROW, RQ_PASS}, {"tile", "row", "pass"}
#define QT_PAD_STRIPS_KNOB_VALUES \
  3, {PAD_INLINE, PAD_PREPAD, PAD_STRIPS}, {"inline", "prepad", "strips"}
#define QT_CONV_ISA_KNOB_VALUES                                         \
  5, {ISA_C, ISA_AVX2, ISA_AVX512VNNI, ISA_NEON, ISA_NEONDOT},          \
      {"c", "avx2", "avx512vnni", "neon", "neondot"}

static inline int ceil_div(int a, int b) { return (a + b - 1) / b; }

/* A conv2d without depth multiplier: what gemm and direct compute. */
static inline int qt_is_plain_conv2d(const qt_workload *w) {
  return w->desc.p.op == QT_OP_CONV2D && w->desc.p.depth_multiplier == 1;
}

/* An ISA strategy, named by the label of its isa knob value in every template. */
typedef struct qt_isa_strategy {
  const char *label; /* "avx512vnni" */
  const char *flags; /* compile flags of a variant using it, "" for none */
  uint32_t needs;    /* QT_ISA_* target features */
  const char *lacks; /* the features in words, for "target X lacks ..." */
  int s8_only;       /* its dot product takes signed int8 weights only */
} qt_isa_strategy;

/* The strategy labelled label, or NULL for one not in the table. */
const qt_isa_strategy *qt_isa_strategy_find(const char *label);

/* The label of isa knob `knob`'s value `value` in template tpl (its knob labels). */
const char *qt_isa_label(const qt_template_def *tpl, int knob, int value);

/* The checks of every template's isa knob: the target has the strategy's features, an
 * s8-only strategy gets s8, and the channel block (knob block_knob, value block) is a whole
 * number of the micro-kernel's vectors (multiple). 1 if they hold, else 0 and why. */
int qt_isa_valid(const qt_workload *w, const qt_target *t, const char *label,
                 const char *block_knob, int block, int multiple, char *why, size_t cap);

#endif
