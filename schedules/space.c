/* space.c — the knob-space framework of space.h: the one registry of templates, the dense
 * index over the union of applicable templates' Cartesian products, validity, defaults, the
 * canonical knob string and the -D rendering. Templates describe themselves in
 * schedules/<template>.c; nothing here knows any template's knobs. */
#include "schedules/space.h"
#include "schedules/template.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const qt_template_def qt_template_dwconv;
extern const qt_template_def qt_template_gemm;
extern const qt_template_def qt_template_direct;

/* The registry. Order is part of the dense index: append, never reorder. */
static const qt_template_def *const qt_registry[] = {
    &qt_template_dwconv,
    &qt_template_gemm,
    &qt_template_direct,
};

const qt_template_def *const *qt_templates(int *n) {
  *n = (int)(sizeof qt_registry / sizeof qt_registry[0]);
  return qt_registry;
}

const qt_template_def *qt_template_find(const char *name) {
  int n;
  const qt_template_def *const *all = qt_templates(&n);
  for (int i = 0; i < n; i++)
    if (strcmp(all[i]->name, name) == 0) return all[i];
  return NULL;
}

static uint64_t template_size(const qt_template_def *t) {
  uint64_t size = 1;
  for (int k = 0; k < t->n_knobs; k++) size *= (uint64_t)t->knobs[k].n_values;
  return size;
}

int qt_space_fits(const qt_workload *w, const qt_target *t, char *why, size_t cap) {
  if (t->sram_bytes <= 0) return 1;
  const qt_conv_desc *d = &w->desc;
  const int64_t in = (int64_t)d->in.n * d->in.h * d->in.w * d->in.c;
  const int64_t out = (int64_t)d->out.n * d->out.h * d->out.w * d->out.c;
  const int64_t per_oc = (int64_t)d->p.kernel_h * d->p.kernel_w *
                         (d->p.op == QT_OP_DEPTHWISE ? 1 : d->in.c);
  const int64_t weights = per_oc * d->out.c;
  /* The harness holds the weights twice (as generated, and packed with the int32 bias), and
   * the bias and per-channel requantization (multiplier and shift) besides. */
  const int64_t channel = 4 * (int64_t)d->out.c, quant = 8 * (int64_t)d->out.c;
  const int64_t need = in + 2 * weights + 2 * channel + quant + out;
  if (need <= t->sram_bytes) return 1;
  qt_why(why, cap,
         "needs %lld bytes of SRAM without scratch (input %lld, weights %lld plain "
         "and %lld packed, bias %lld, requantization %lld, output %lld); the target has %lld",
         (long long)need, (long long)in, (long long)weights, (long long)(weights + channel),
         (long long)channel, (long long)quant, (long long)out, (long long)t->sram_bytes);
  return 0;
}

int qt_space_init(qt_space *s, const qt_workload *w, const qt_target *t, qt_err *err) {
  memset(s, 0, sizeof *s);
  char why[400];
  if (!qt_space_fits(w, t, why, sizeof why)) {
    char key[QT_KEY_MAX];
    qt_workload_key(w, key);
    return qt_fail(err, QT_EUNSUPPORTED, "workload %s is unsupported on target %s: it %s", key,
                   t->name, why);
  }
  s->w = *w;
  s->t = *t;
  int n;
  const qt_template_def *const *all = qt_templates(&n);
  for (int i = 0; i < n && s->n_tpls < QT_MAX_TEMPLATES; i++) {
    if (!all[i]->applies(w)) continue;
    s->tpls[s->n_tpls] = all[i];
    s->offset[s->n_tpls + 1] = s->offset[s->n_tpls] + template_size(all[i]);
    s->n_tpls++;
  }
  if (s->n_tpls == 0) {
    char key[QT_KEY_MAX];
    qt_workload_key(w, key);
    return qt_fail(err, QT_ENOTFOUND, "no kernel template applies to workload %s", key);
  }
  return 0;
}

uint64_t qt_space_size(const qt_space *s) { return s->offset[s->n_tpls]; }

int qt_space_decode(const qt_space *s, uint64_t index, qt_config *out) {
  memset(out, 0, sizeof *out);
  for (int i = 0; i < s->n_tpls; i++) {
    if (index >= s->offset[i + 1]) continue;
    const qt_template_def *t = s->tpls[i];
    uint64_t rest = index - s->offset[i];
    out->tpl = t;
    /* Mixed radix, last knob fastest: neighbouring indices differ in the innermost knob. */
    for (int k = t->n_knobs - 1; k >= 0; k--) {
      uint64_t radix = (uint64_t)t->knobs[k].n_values;
      out->vals[k] = t->knobs[k].values[rest % radix];
      rest /= radix;
    }
    return 0;
  }
  return QT_EINVAL;
}

static int value_index(const qt_knob_def *k, int value) {
  for (int v = 0; v < k->n_values; v++)
    if (k->values[v] == value) return v;
  return -1;
}

uint64_t qt_space_encode(const qt_space *s, const qt_config *c) {
  for (int i = 0; i < s->n_tpls; i++) {
    if (s->tpls[i] != c->tpl) continue;
    uint64_t index = 0;
    for (int k = 0; k < c->tpl->n_knobs; k++) {
      int v = value_index(&c->tpl->knobs[k], c->vals[k]);
      if (v < 0) return UINT64_MAX;
      index = index * (uint64_t)c->tpl->knobs[k].n_values + (uint64_t)v;
    }
    return s->offset[i] + index;
  }
  return UINT64_MAX;
}

int qt_space_valid(const qt_space *s, const qt_config *c, char *why, size_t cap) {
  if (why && cap) why[0] = '\0';
  if (!c->tpl || qt_space_encode(s, c) == UINT64_MAX) {
    if (why) snprintf(why, cap, "not a config of this space");
    return 0;
  }
  char none[1];
  return c->tpl->valid(&s->w, &s->t, c->vals, why ? why : none, why ? cap : 0);
}

void qt_why(char *why, size_t cap, const char *fmt, ...) {
  if (!cap) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, cap, fmt, ap);
  va_end(ap);
}

uint64_t qt_space_count_valid(const qt_space *s) {
  uint64_t n = 0, size = qt_space_size(s);
  qt_config c;
  for (uint64_t i = 0; i < size; i++)
    if (qt_space_decode(s, i, &c) == 0 && qt_space_valid(s, &c, NULL, 0)) n++;
  return n;
}

/* 1 if knob values vals of template tpl hand the reduction to a micro-kernel: their
 * ISA-family knob names a strategy that needs target features (every one but plain C). */
static int uses_micro_kernel(const qt_template_def *tpl, const int *vals) {
  for (int k = 0; k < tpl->n_knobs; k++)
    if (tpl->knobs[k].family == QT_FAMILY_ISA) {
      const qt_isa_strategy *st = qt_isa_strategy_find(qt_isa_label(tpl, k, vals[k]));
      return st && st->needs != 0;
    }
  return 0;
}

/* Among the applicable templates, one whose default runs a micro-kernel on this target wins
 * over one whose default is plain C; the templates' preferences decide between equals. A
 * template's preference speaks for its micro-kernels (direct is first for the 3-channel
 * stem on AVX-512 and NEON), but on a target it has no micro-kernel for, another template's
 * kernel is far ahead: VWW's stem on cortex-m4, direct c took 5.03M instructions where gemm
 * dsp took 1.73M. */
int qt_space_default(const qt_space *s, qt_config *out) {
  int best_rank = 0;
  memset(out, 0, sizeof *out);
  for (int i = 0; i < s->n_tpls; i++) {
    qt_config c;
    memset(&c, 0, sizeof c);
    c.tpl = s->tpls[i];
    c.tpl->default_config(&s->w, &s->t, c.vals);
    const int rank = uses_micro_kernel(c.tpl, c.vals) * 1000 + c.tpl->preference(&s->w, &s->t);
    if (!out->tpl || rank > best_rank) {
      best_rank = rank;
      *out = c;
    }
  }
  if (!out->tpl) return QT_EINTERNAL;
  return qt_space_valid(s, out, NULL, 0) ? 0 : QT_EINTERNAL;
}

int qt_config_format(const qt_config *c, char *buf, size_t cap) {
  size_t used = (size_t)snprintf(buf, cap, "%s:", c->tpl->name);
  for (int k = 0; k < c->tpl->n_knobs && used < cap; k++) {
    const qt_knob_def *kd = &c->tpl->knobs[k];
    int v = value_index(kd, c->vals[k]);
    if (v < 0) return QT_EINVAL;
    const char *sep = k ? "," : "";
    if (kd->labels[v])
      used += (size_t)snprintf(buf + used, cap - used, "%s%s=%s", sep, kd->name, kd->labels[v]);
    else
      used += (size_t)snprintf(buf + used, cap - used, "%s%s=%d", sep, kd->name, c->vals[k]);
  }
  return used < cap ? 0 : QT_EINVAL;
}

/* Parses one "name=value" against knob kd; returns the value index or -1. */
static int parse_value(const qt_knob_def *kd, const char *text) {
  for (int v = 0; v < kd->n_values; v++) {
    if (kd->labels[v]) {
      if (strcmp(kd->labels[v], text) == 0) return v;
    } else {
      char num[16];
      snprintf(num, sizeof num, "%d", kd->values[v]);
      if (strcmp(num, text) == 0) return v;
    }
  }
  return -1;
}

int qt_config_parse(const qt_space *s, const char *str, qt_config *out, qt_err *err) {
  memset(out, 0, sizeof *out);
  const char *colon = strchr(str, ':');
  if (!colon)
    return qt_fail(err, QT_EINVAL, "config '%s': expected <template>:<knob>=<value>,...", str);
  char name[QT_NAME_MAX];
  size_t len = (size_t)(colon - str);
  if (len >= sizeof name) return qt_fail(err, QT_EINVAL, "config '%s': template name too long", str);
  memcpy(name, str, len);
  name[len] = '\0';
  for (int i = 0; i < s->n_tpls; i++)
    if (strcmp(s->tpls[i]->name, name) == 0) out->tpl = s->tpls[i];
  if (!out->tpl)
    return qt_fail(err, QT_EINVAL, "config '%s': template '%s' does not apply to this workload",
                   str, name);
  const qt_template_def *t = out->tpl;
  int seen[QT_MAX_KNOBS] = {0};
  char copy[QT_KNOBS_MAX];
  if (strlen(colon + 1) >= sizeof copy) return qt_fail(err, QT_EINVAL, "config '%s': too long", str);
  strcpy(copy, colon + 1);
  char *save = NULL;
  for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(item, '=');
    if (!eq) return qt_fail(err, QT_EINVAL, "config '%s': '%s' is not <knob>=<value>", str, item);
    *eq = '\0';
    int k = 0;
    while (k < t->n_knobs && strcmp(t->knobs[k].name, item) != 0) k++;
    if (k == t->n_knobs)
      return qt_fail(err, QT_EINVAL, "config '%s': template %s has no knob '%s'", str, t->name, item);
    if (seen[k]) return qt_fail(err, QT_EINVAL, "config '%s': knob '%s' given twice", str, item);
    int v = parse_value(&t->knobs[k], eq + 1);
    if (v < 0)
      return qt_fail(err, QT_EINVAL, "config '%s': knob '%s' has no value '%s'", str, item, eq + 1);
    seen[k] = 1;
    out->vals[k] = t->knobs[k].values[v];
  }
  /* A knob added after the string was logged takes its first value: templates list first
   * the value that compiles to the code as it was before the knob existed, so an old record
   * still names what was measured. */
  for (int k = 0; k < t->n_knobs; k++)
    if (!seen[k]) out->vals[k] = t->knobs[k].values[0];
  char why[256];
  if (!qt_space_valid(s, out, why, sizeof why))
    return qt_fail(err, QT_EINVAL, "config '%s' is not valid here: %s", str, why);
  return 0;
}

int qt_config_defines(const qt_config *c, char *buf, size_t cap) {
  size_t used = 0;
  buf[0] = '\0';
  for (int k = 0; k < c->tpl->n_knobs; k++) {
    used += (size_t)snprintf(buf + used, used < cap ? cap - used : 0, "%s-D%s=%d", k ? " " : "",
                             c->tpl->knobs[k].define, c->vals[k]);
    if (used >= cap) return QT_EINVAL;
  }
  return 0;
}

/* The ISA-family knob's flags come from template.h's one strategy table, so a strategy is
 * compiled alike in every template. */
static const char *knob_value_flags(const qt_template_def *t, int k, int value) {
  if (t->knob_flags) return t->knob_flags(k, value);
  if (t->knobs[k].family != QT_FAMILY_ISA) return NULL;
  const qt_isa_strategy *s = qt_isa_strategy_find(qt_isa_label(t, k, value));
  return s ? s->flags : NULL;
}

int qt_config_flags(const qt_config *c, char *buf, size_t cap) {
  size_t used = 0;
  buf[0] = '\0';
  for (int k = 0; k < c->tpl->n_knobs; k++) {
    const char *f = knob_value_flags(c->tpl, k, c->vals[k]);
    if (!f || !*f) continue;
    used += (size_t)snprintf(buf + used, used < cap ? cap - used : 0, "%s%s", used ? " " : "", f);
    if (used >= cap) return QT_EINVAL;
  }
  return 0;
}

int qt_target_lanes32(const qt_target *t) {
  int lanes = t->vector_bits / 32;
  return lanes < 4 ? 4 : lanes;
}
