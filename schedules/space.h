/* space.h — knob spaces: for a (workload, target), the kernel templates that apply, each
 * with its knobs (candidate values), constraints and default config; a dense index over the
 * union of the templates' Cartesian products; and the canonical knob string.
 *
 * Canonical knob string: "<template>:<knob>=<value>,<knob>=<value>,..." with every knob of the
 * template in declaration order, value as its label if the knob has labels, else decimal;
 * e.g. "dwconv:cb=16,th=2,tw=4,order=hwc,ku=1,pad=strips,rq=tile".
 *
 * A template is described by a qt_template_def (schedules/<template>.c) registered in
 * space.c's one list. Each knob is passed to the compiler as -D<define>=<value>. */
#ifndef QT_SPACE_H
#define QT_SPACE_H

#include <stddef.h>
#include <stdint.h>

#include "tuner/base/error.h"
#include "tuner/base/target.h"
#include "tuner/base/workload.h"

#define QT_MAX_KNOBS 12
#define QT_MAX_KNOB_VALUES 12
#define QT_MAX_TEMPLATES 8
#define QT_KNOBS_MAX 512 /* canonical knob string buffer */

/* Knob families: what kind of schedule decision a knob makes (docs/DESIGN.md §3). */
typedef enum qt_knob_family {
  QT_FAMILY_CHANNEL_SPLIT,
  QT_FAMILY_SPATIAL_TILE,
  QT_FAMILY_LOOP_ORDER,
  QT_FAMILY_INTERLEAVE,
  QT_FAMILY_COMPUTE_AT,
  QT_FAMILY_ISA,
} qt_knob_family;

typedef struct qt_knob_def {
  const char *name;   /* short key in the knob string: "cb" */
  const char *define; /* compiler macro: "QT_KNOB_CB" */
  qt_knob_family family;
  const char *help;   /* one line for `tune space` */
  int n_values;
  int values[QT_MAX_KNOB_VALUES];          /* value passed with -D */
  const char *labels[QT_MAX_KNOB_VALUES];  /* names of the values, or all NULL for numbers */
} qt_knob_def;

typedef struct qt_template_def {
  const char *name;   /* "dwconv" */
  const char *source; /* path relative to the kernels directory: "templates/dwconv.c" */
  int n_knobs;
  qt_knob_def knobs[QT_MAX_KNOBS];
  /* 1 if the template computes this workload's op at all. */
  int (*applies)(const qt_workload *w);
  /* 1 if the knob values vals[i] (values, not indices) are a valid config for (w, t);
   * otherwise 0 and a short reason in why ("cb=64 > 4*in_c"), written with qt_why: cap 0
   * means the caller wants no reason (enumerating a space), and nothing is formatted.
   * Constraints: target ISA features, divisibility where the code needs it, register
   * pressure. */
  int (*valid)(const qt_workload *w, const qt_target *t, const int *vals, char *why,
               size_t cap);
  /* The documented heuristic default for (w, t); must be valid. */
  void (*default_config)(const qt_workload *w, const qt_target *t, int *vals);
  /* Preference of this template as the default for w on t: higher wins among applicable
   * ones whose defaults alike run (or alike do not run) a micro-kernel (qt_space_default). */
  int (*preference)(const qt_workload *w, const qt_target *t);
  /* Compiler flags value `value` of knob `knob` needs beyond the target's (an ISA strategy's
   * "-mavx512vnni", say), space-separated, or NULL/"" for none. NULL pointer: the flags of
   * the ISA-family knob's label from schedules/template.c's one table (avx2, avx512, avx512vnni,
   * neondot). The flags belong to the variant, not the target: a target offers the value
   * only if it has the feature (valid()), and the variant says how to compile it. */
  const char *(*knob_flags)(int knob, int value);
} qt_template_def;

typedef struct qt_config {
  const qt_template_def *tpl;
  int vals[QT_MAX_KNOBS]; /* knob values (not indices) */
} qt_config;

typedef struct qt_space {
  qt_workload w;
  qt_target t;
  int n_tpls;
  const qt_template_def *tpls[QT_MAX_TEMPLATES];
  uint64_t offset[QT_MAX_TEMPLATES + 1]; /* dense index range of each template */
} qt_space;

/* The registry: every template qtune knows, in a fixed order. */
const qt_template_def *const *qt_templates(int *n);
const qt_template_def *qt_template_find(const char *name);

/* Builds the space of w on t from the applicable templates; QT_ENOTFOUND if none applies,
 * QT_EUNSUPPORTED (with the sizes) if w's data does not fit t's SRAM (qt_space_fits). */
int qt_space_init(qt_space *s, const qt_workload *w, const qt_target *t, qt_err *err);

/* 1 if what every variant of w holds in memory fits t's SRAM (t->sram_bytes; always 1 for a
 * target without one): the input, the weights as generated and packed, bias, per-channel
 * requantization and the output. Scratch depends on the config and is not counted: a config
 * whose scratch overflows fails at run time (reason=alloc). 0 with the sizes in why. */
int qt_space_fits(const qt_workload *w, const qt_target *t, char *why, size_t cap);

/* Number of configs before constraints (the product over knobs, summed over templates). */
uint64_t qt_space_size(const qt_space *s);

/* Dense index <-> config; decode returns QT_EINVAL for index >= size. */
int qt_space_decode(const qt_space *s, uint64_t index, qt_config *out);
uint64_t qt_space_encode(const qt_space *s, const qt_config *c);

/* 1 if valid (constraints hold), else 0 with a reason (why NULL: none wanted, none made). */
int qt_space_valid(const qt_space *s, const qt_config *c, char *why, size_t cap);

/* A valid() function's reason: snprintf into why, or nothing when cap is 0. Enumerating a
 * space rejects most of its configs; formatting each reason into a throw-away buffer took
 * two thirds of `tune space --model mobilenet_v2` (1.9 s). */
__attribute__((format(printf, 3, 4))) void qt_why(char *why, size_t cap, const char *fmt, ...);

/* Counts valid configs by full enumeration. */
uint64_t qt_space_count_valid(const qt_space *s);

/* Default config: the default of the applicable template that ranks first, where a default
 * running a micro-kernel on the target (its isa knob not c) ranks above one that does not,
 * and preference() decides between equals. */
int qt_space_default(const qt_space *s, qt_config *out);

/* Canonical knob string, and its parser (rejects unknown template/knob/value, repeated
 * knobs, and configs not in s or invalid for it). A knob the string does not name takes its
 * first listed value, which every template keeps as the behaviour from before the knob was
 * added: logs written before a knob existed still parse to the code they measured. */
int qt_config_format(const qt_config *c, char *buf, size_t cap);
int qt_config_parse(const qt_space *s, const char *str, qt_config *out, qt_err *err);

/* Compiler defines of the knobs: "-DQT_KNOB_CB=16 -DQT_KNOB_TH=2 ..." (space-separated). */
int qt_config_defines(const qt_config *c, char *buf, size_t cap);

/* Compiler flags the config's knob values need (template knob_flags), space-separated, ""
 * when none: "-mavx512f -mavx512bw -mavx512vnni". They go on the command line after the
 * target's flags, wherever the variant is compiled (build, export, tests). QT_EINVAL if they
 * do not fit. */
int qt_config_flags(const qt_config *c, char *buf, size_t cap);

/* Number of int32 lanes of the target's vector register, at least 4 (plain C code is
 * auto-vectorised at that width): the unit register-pressure constraints count in. */
int qt_target_lanes32(const qt_target *t);

#endif
