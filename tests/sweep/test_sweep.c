/* test_sweep.c — every template against the reference through the real pipeline. For a
 * target (host, or cortex-a76 under qemu-aarch64), it takes every MobileNetV2 workload's
 * default configs in s8 with fixed-point requantization (what the model and the end-to-end
 * tests tune) and in one of the other three data-type/requant combinations (rotating from
 * workload to workload: a fixed sample), then random valid configs up to K per combination,
 * and one random config of each template on every
 * edge shape of tests/kernels/edge_shapes.h, builds each variant with its shape constants
 * exactly as `tune` does, runs it (--check-only) and compares the output checksum with the
 * host reference. Then every value of every knob that the target's space offers on some
 * MobileNetV2 workload but the sample missed (an ISA value, say) gets one config of its own,
 * so no value the tuner can pick goes untested. Prints one line per failure and "N passed,
 * N failed".
 * With --isa LABEL it sweeps only configs whose isa knob is LABEL (a smaller sample, the knob
 * coverage under that isa), so each ISA path is a ctest test of its own; where the target
 * lacks the features of LABEL (a host without them) it says why and exits with
 * SKIPPED (77), which ctest reports as skipped.
 * With --model M the model's workloads stand in for MobileNetV2's (the tinyML models that a
 * Cortex-M board runs, say). With --edge-every N about one edge shape in N is taken, drawn
 * from the sweep's fixed seed (an ISA sweep of a target whose full sweep takes them all).
 * With --defaults-every N the same for the workloads whose default configs are taken (in
 * each combination; the random configs still fill it up to K); 0 takes none (an ISA sweep of
 * a target whose full sweep takes them all). With --others-every N only about one in N of the
 * workloads rotated into the other three combinations takes its defaults there (a fixed
 * sample: s8 fixed point, the model's own, keeps them all).
 * Usage: test_sweep --target T [--isa LABEL] [--model M] [--per-combo K] [--edge-every N]
 *                   [--defaults-every N] [--others-every N] [--cache DIR] [--jobs N] */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edge_shapes.h"
#include "schedules/template.h"
#include "tuner/base/config.h"
#include "tuner/build/build.h"
#include "tuner/run/measure.h"
#include "tuner/run/runner.h"
#include "tuner/search/search.h"

enum { SKIPPED = 77 }; /* SKIP_RETURN_CODE of the sweep tests */

typedef struct job {
  qt_workload w;
  qt_config c;
} job;

typedef struct sweep {
  job *jobs;
  int n_jobs, next;
  int passed, failed;
  int per_template[QT_MAX_TEMPLATES];
  pthread_mutex_t mu;
  qt_build_ctx *bctx;
  qt_runner *rn;
  const char *isa; /* --isa: only configs with this isa label, or NULL for all */
} sweep;

static uint64_t rng_next(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static int add_job(sweep *s, int *cap, const qt_workload *w, const qt_config *c) {
  if (s->n_jobs == *cap) {
    *cap = *cap ? *cap * 2 : 256;
    job *grown = realloc(s->jobs, sizeof *grown * (size_t)*cap);
    if (!grown) return -1;
    s->jobs = grown;
  }
  s->jobs[s->n_jobs].w = *w;
  s->jobs[s->n_jobs].c = *c;
  s->n_jobs++;
  return 0;
}

/* The index of tpl's isa knob (family QT_FAMILY_ISA), or -1. */
static int isa_knob(const qt_template_def *tpl) {
  for (int k = 0; k < tpl->n_knobs; k++)
    if (tpl->knobs[k].family == QT_FAMILY_ISA) return k;
  return -1;
}

/* The label of value `value` of tpl's isa knob, or NULL. */
static const char *isa_label(const qt_template_def *tpl, int value) {
  const int k = isa_knob(tpl);
  for (int v = 0; k >= 0 && v < tpl->knobs[k].n_values; v++)
    if (tpl->knobs[k].values[v] == value) return tpl->knobs[k].labels[v];
  return NULL;
}

/* 1 if c belongs to the sweep: any config, or with --isa one whose isa knob is that label. */
static int wanted(const sweep *s, const qt_config *c) {
  const int k = isa_knob(c->tpl);
  const char *label = k >= 0 ? isa_label(c->tpl, c->vals[k]) : NULL;
  return !s->isa || (label && strcmp(label, s->isa) == 0);
}

/* 1 if template tpl's isa knob has the value label (always, for label NULL). */
static int has_isa(const qt_template_def *tpl, const char *label) {
  const int k = isa_knob(tpl);
  for (int v = 0; label && k >= 0 && v < tpl->knobs[k].n_values; v++)
    if (tpl->knobs[k].labels[v] && strcmp(tpl->knobs[k].labels[v], label) == 0) return 1;
  return !label;
}

/* 1 if target t lacks the features of isa `label`, with the space's reason in why: asked of
 * the default config, switched to that isa, of the first MobileNetV2 workload and template
 * that has it (the features are the target's, the same for every workload); else 0. */
static int target_lacks_isa(const qt_model *m, const qt_target *t, const char *label, char *why,
                            size_t cap) {
  snprintf(why, cap, "no template has isa=%s", label);
  for (int task = 0; task < m->n_tasks; task++) {
    qt_space space;
    qt_err err;
    if (qt_space_init(&space, &m->tasks[task].w, t, &err)) continue;
    for (int i = 0; i < space.n_tpls; i++) {
      const int k = isa_knob(space.tpls[i]);
      for (int v = 0; k >= 0 && v < space.tpls[i]->knobs[k].n_values; v++) {
        const qt_knob_def *kd = &space.tpls[i]->knobs[k];
        if (!kd->labels[v] || strcmp(kd->labels[v], label)) continue;
        qt_config c = {space.tpls[i], {0}};
        c.tpl->default_config(&space.w, t, c.vals);
        c.vals[k] = kd->values[v];
        return !qt_space_valid(&space, &c, why, cap) && strstr(why, " lacks ") != NULL;
      }
    }
  }
  return 0;
}

/* Says which isa values of the templates the sample holds none of: paths this target does not
 * offer (its own test_sweep_<target>_<isa> reports them skipped). */
static void print_not_swept(const sweep *s, const char *target) {
  int n_tpls;
  const qt_template_def *const *tpls = qt_templates(&n_tpls);
  char list[512] = "";
  size_t used = 0;
  for (int i = 0; i < n_tpls; i++) {
    const int k = isa_knob(tpls[i]);
    for (int v = 0; k >= 0 && v < tpls[i]->knobs[k].n_values; v++) {
      int seen = 0;
      for (int j = 0; j < s->n_jobs && !seen; j++)
        seen = s->jobs[j].c.tpl == tpls[i] && s->jobs[j].c.vals[k] == tpls[i]->knobs[k].values[v];
      if (!seen && used < sizeof list)
        used += (size_t)snprintf(list + used, sizeof list - used, " %s:isa=%s", tpls[i]->name,
                                 tpls[i]->knobs[k].labels[v]);
    }
  }
  fprintf(stderr, "not offered on %s, so not swept:%s\n", target, used ? list : " none");
}

/* The config space of one template of w alone. */
static int template_space(const qt_workload *w, const qt_target *t, int ti, qt_space *one,
                          int *n_tpls) {
  qt_space space;
  qt_err err;
  if (qt_space_init(&space, w, t, &err)) return -1;
  *n_tpls = space.n_tpls;
  if (ti >= space.n_tpls) return -1;
  *one = space;
  one->n_tpls = 1;
  one->tpls[0] = space.tpls[ti];
  one->offset[0] = 0;
  one->offset[1] = space.offset[ti + 1] - space.offset[ti];
  return 0;
}

/* Keeps, in order, the configs of valid[0..n) (indices into one) that the sweep wants (its
 * isa) and, for k >= 0, whose knob k is value; returns how many. */
static uint64_t keep_wanted(const sweep *s, const qt_space *one, int k, int value, uint64_t *valid,
                            uint64_t n) {
  uint64_t kept = 0;
  qt_config c;
  for (uint64_t i = 0; i < n; i++) {
    qt_space_decode(one, valid[i], &c);
    if (wanted(s, &c) && (k < 0 || c.vals[k] == value)) valid[kept++] = valid[i];
  }
  return kept;
}

/* A uniformly random one of the valid configs of one (a single template's space) that the
 * sweep wants (its isa) and, for k >= 0, whose knob k is value; 0 when there is none, -1 on
 * error or when the space has no valid config at all. Rejection sampling first: a draw costs one
 * decode and one validity check, where listing a gemm space's valid configs costs some 200000 (the
 * sweeps spent most of their time doing that, more than building and running). Only when no draw
 * hits is the whole space listed, so a rare value is still found, and found only where it is valid.
 */
static int draw_config(const sweep *s, const qt_space *one, int k, int value, uint64_t *rng,
                       qt_config *out) {
  if (s->isa && !has_isa(one->tpls[0], s->isa)) return 0;
  const uint64_t size = qt_space_size(one);
  for (int draw = 0; draw < 4000 && size; draw++) {
    qt_space_decode(one, rng_next(rng) % size, out);
    if (k >= 0) out->vals[k] = value;
    if (qt_space_valid(one, out, NULL, 0) && wanted(s, out)) return 1;
  }
  uint64_t *valid, n;
  qt_err err;
  if (qt_space_enumerate_valid(one, &valid, &n, &err)) return -1;
  if (n == 0) { /* a template that applies must have a valid config */
    char key[QT_KEY_MAX];
    qt_workload_key(&one->w, key);
    fprintf(stderr, "FAIL %s: no valid config on %s\n", one->tpls[0]->name, key);
    free(valid);
    return -1;
  }
  const uint64_t n_wanted = keep_wanted(s, one, k, value, valid, n);
  if (n_wanted) qt_space_decode(one, valid[rng_next(rng) % n_wanted], out);
  free(valid);
  return n_wanted > 0;
}

/* Adds the default config of template ti of w (if ti applies), or a random valid one. */
static int add_config(sweep *s, int *cap, const qt_workload *w, const qt_target *t, int ti,
                      int random, uint64_t *rng) {
  qt_space one;
  int n_tpls = 0;
  if (template_space(w, t, ti, &one, &n_tpls)) return n_tpls > ti ? -1 : 0;
  qt_config c;
  memset(&c, 0, sizeof c);
  c.tpl = one.tpls[0];
  if (!random) {
    c.tpl->default_config(w, t, c.vals);
    if (!qt_space_valid(&one, &c, NULL, 0)) return -1;
  } else {
    int found = draw_config(s, &one, -1, 0, rng, &c);
    if (found <= 0) return found; /* none of this isa here: not a failure */
  }
  return wanted(s, &c) ? add_job(s, cap, w, &c) : 0;
}

static void *worker(void *arg) {
  sweep *s = arg;
  for (;;) {
    pthread_mutex_lock(&s->mu);
    int i = s->next < s->n_jobs ? s->next++ : -1;
    pthread_mutex_unlock(&s->mu);
    if (i < 0) return NULL;
    job *j = &s->jobs[i];
    char key[QT_KEY_MAX], knobs[QT_KNOBS_MAX], why[1200] = "";
    qt_workload_key(&j->w, key);
    qt_config_format(&j->c, knobs, sizeof knobs);
    qt_err err;
    int ok = 0;
    uint64_t expected;
    qt_artifact art;
    if (qt_expected_checksum(&j->w, 1, &expected, &err)) {
      snprintf(why, sizeof why, "reference: %s", err.msg);
    } else if (qt_build_variant(s->bctx, &j->w, &j->c, &art, &err)) {
      snprintf(why, sizeof why, "build: %s", err.msg);
    } else if (art.status != QT_STATUS_OK) {
      snprintf(why, sizeof why, "%s: %.900s", qt_status_name(art.status), art.error);
    } else {
      qt_protocol p = QT_PROTOCOL_DEFAULTS;
      char store[16][32];
      char *args[17];
      qt_protocol_args(&p, 1, store, args);
      qt_proc_result r;
      if (s->rn->ops->run(s->rn, art.path, args, 600000, &r, &err)) {
        snprintf(why, sizeof why, "run: %s", err.msg);
      } else {
        qt_outcome o;
        qt_judge_run(&r, 0, 600000, expected, &o);
        qt_proc_result_free(&r);
        ok = o.m.status == QT_STATUS_OK;
        if (!ok) snprintf(why, sizeof why, "%s: %s", qt_status_name(o.m.status), o.error);
      }
    }
    pthread_mutex_lock(&s->mu);
    if (ok) {
      s->passed++;
    } else {
      s->failed++;
      fprintf(stderr, "FAIL %s %s: %s\n", key, knobs, why);
    }
    int n;
    const qt_template_def *const *all = qt_templates(&n);
    for (int t = 0; t < n; t++)
      if (all[t] == j->c.tpl && ok) s->per_template[t]++;
    pthread_mutex_unlock(&s->mu);
  }
}

/* A task's workload in data type combo / 2 and scheme combo % 2 (qt_dtype, qt_requant). The
 * model's quantization parameters (a fused activation's clamp, made in the model's dtype) mean
 * nothing in another dtype: there they are dropped and the data is drawn (qt_model_set_quant
 * would make the clamp again in that dtype; the sweep keeps one model for all four). */
static qt_workload combo_workload(const qt_workload *w0, int combo) {
  qt_workload w = *w0;
  w.dtype = combo / 2;
  w.requant = combo % 2;
  if (w.dtype != w0->dtype) w.quant = NULL;
  return w;
}

/* Ends a --isa sweep whose target lacks the isa, saying why: ctest reports it skipped. (A
 * target that has the isa but yields no sample fails the coverage check instead.) */
static int skip_sweep(sweep *s, qt_model *m, const char *why) {
  printf("SKIP sweep of isa=%s on %s: %s; no variant of it was built or run\n", s->isa,
         s->bctx->target.name, why);
  qt_model_free(m);
  qt_runner_destroy(s->rn);
  free(s->bctx);
  return SKIPPED;
}

int main(int argc, char **argv) {
  const char *target_name = NULL, *cache = NULL, *isa = NULL, *model = "mobilenet_v2";
  int per_combo = 80, edge_every = 1, defaults_every = 1, others_every = 1;
  int jobs = (int)sysconf(_SC_NPROCESSORS_ONLN);
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--target")) target_name = argv[i + 1];
    else if (!strcmp(argv[i], "--isa")) isa = argv[i + 1];
    else if (!strcmp(argv[i], "--model")) model = argv[i + 1];
    else if (!strcmp(argv[i], "--per-combo")) per_combo = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--edge-every"))
      edge_every = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--defaults-every"))
      defaults_every = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--others-every"))
      others_every = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--cache")) cache = argv[i + 1];
    else if (!strcmp(argv[i], "--jobs")) jobs = atoi(argv[i + 1]);
    else { /* an unknown flag: a usage error, not ignored */
      target_name = NULL;
      break;
    }
  }
  if (!target_name || edge_every < 1 || defaults_every < 0 || others_every < 1 || argc % 2 == 0) {
    fprintf(stderr,
            "usage: test_sweep --target T [--isa LABEL] [--model M] [--per-combo K] "
            "[--edge-every N] [--defaults-every N] [--others-every N] [--cache DIR] "
            "[--jobs N]\n");
    return 2;
  }
  qt_err err;
  qt_target t;
  if (qt_target_load(QT_SOURCE_DIR "/configs", target_name, &t, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  /* The cache itself, not a folder per target: artifact names carry the compiler, its
   * version and flags, so targets cannot collide, and `tune --cache-dir` on the same folder
   * (the end-to-end and boards tests) finds what the sweep built. */
  char cache_dir[QT_PATH_MAX];
  snprintf(cache_dir, sizeof cache_dir, "%s", cache ? cache : "/tmp/qtune-sweep");
  sweep s;
  memset(&s, 0, sizeof s);
  s.isa = isa;
  pthread_mutex_init(&s.mu, NULL);
  s.bctx = malloc(sizeof *s.bctx);
  if (qt_build_ctx_init(s.bctx, QT_SOURCE_DIR "/kernels", cache_dir, &t, 300000, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  char emulator[QT_PATH_MAX];
  if (qt_target_emulator(&t, QT_SOURCE_DIR "/kernels", emulator, sizeof emulator)) {
    fprintf(stderr, "target %s: emulator command too long\n", t.name);
    return 1;
  }
  qt_board_def local;
  qt_board_local("local", t.name, emulator, &local);
  if (qt_runner_create(&local, 0, &s.rn, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }

  qt_model m;
  if (qt_model_load(QT_SOURCE_DIR "/configs", model, &m, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    return 1;
  }
  /* A target without the isa's features offers it nowhere: say so instead of sampling. */
  char why[512];
  if (s.isa && target_lacks_isa(&m, &t, s.isa, why, sizeof why)) return skip_sweep(&s, &m, why);

  /* MobileNetV2: the default config of every applicable template of every workload in s8
   * fixed point (combination 0: the model's own, which the end-to-end tests' recordings
   * build again and find in the shared artifact cache) and in one of the other three
   * combinations, workload i in combination 1 + i % 3 (the suite's time went to the
   * defaults, and the combinations run the same tiles), then in each combination random
   * valid configs of random workloads and templates up to per_combo variants. Edge shapes:
   * every applicable template once, in a combination that rotates from shape to shape. */
  int cap = 0;
  uint64_t rng = 12345, rng_defaults = 54321, rng_others = 9876;
  for (int combo = 0; combo < 4; combo++) {
    int start = s.n_jobs;
    for (int i = 0; i < m.n_tasks; i++) {
      if (combo != 0 && combo != 1 + i % 3) continue;
      if (defaults_every == 0 ||
          (defaults_every > 1 && rng_next(&rng_defaults) % (uint64_t)defaults_every))
        continue; /* a fixed sample */
      if (combo != 0 && others_every > 1 && rng_next(&rng_others) % (uint64_t)others_every)
        continue; /* the same, of the other combinations */
      qt_workload w = combo_workload(&m.tasks[i].w, combo);
      for (int ti = 0; ti < QT_MAX_TEMPLATES; ti++)
        if (add_config(&s, &cap, &w, &t, ti, 0, &rng)) return 1;
    }
    /* Bounded: with --isa a draw may find nothing of that isa. */
    for (int draw = 0; s.n_jobs - start < per_combo && draw < 50 * per_combo; draw++) {
      qt_workload w = combo_workload(&m.tasks[rng_next(&rng) % (uint64_t)m.n_tasks].w, combo);
      qt_space space;
      if (qt_space_init(&space, &w, &t, &err)) return 1;
      if (add_config(&s, &cap, &w, &t, (int)(rng_next(&rng) % (uint64_t)space.n_tpls), 1, &rng))
        return 1;
    }
  }
  /* Knob-value coverage: for each template, every knob value not in the sample yet gets a
   * random valid config with that value on the first workload (from a random one on, in each
   * dtype/requant combination in turn) where it is offered. A workload's valid configs are
   * listed once for all the values still missing (listing a gemm space is the costly step); a
   * value offered nowhere on this target is not a gap, nor is an isa the target lacks. */
  int n_all;
  const qt_template_def *const *all_tpls = qt_templates(&n_all);
  int forced = 0;
  for (int ti = 0; ti < n_all; ti++) {
    const qt_template_def *tpl = all_tpls[ti];
    if (s.isa && !has_isa(tpl, s.isa)) continue;
    const int ik = isa_knob(tpl);
    char missing[QT_MAX_KNOBS][QT_MAX_KNOB_VALUES];
    int n_missing = 0;
    for (int k = 0; k < tpl->n_knobs; k++)
      for (int vi = 0; vi < tpl->knobs[k].n_values; vi++) {
        const int value = tpl->knobs[k].values[vi];
        const char *label = tpl->knobs[k].labels[vi];
        const qt_isa_strategy *strategy = k == ik && label ? qt_isa_strategy_find(label) : NULL;
        int seen = (s.isa && k == ik && label && strcmp(label, s.isa)) || /* not this sweep's */
                   (strategy && (t.isa & strategy->needs) != strategy->needs);
        for (int j = 0; j < s.n_jobs && !seen; j++)
          seen = s.jobs[j].c.tpl == tpl && s.jobs[j].c.vals[k] == value;
        missing[k][vi] = !seen;
        n_missing += !seen;
      }
    const int start = (int)(rng_next(&rng) % (uint64_t)m.n_tasks);
    for (int i = 0; i < 4 * m.n_tasks && n_missing; i++) {
      qt_workload w = combo_workload(&m.tasks[(start + i) % m.n_tasks].w, i / m.n_tasks);
      qt_space space, one;
      if (qt_space_init(&space, &w, &t, &err)) return 1;
      int at = -1;
      for (int x = 0; x < space.n_tpls; x++)
        if (space.tpls[x] == tpl) at = x;
      if (at < 0) continue;
      int n_tpls;
      if (template_space(&w, &t, at, &one, &n_tpls)) return 1;
      uint64_t *valid, n;
      if (qt_space_enumerate_valid(&one, &valid, &n, &err)) return 1;
      const uint64_t n_wanted = keep_wanted(&s, &one, -1, 0, valid, n);
      qt_config c;
      for (int k = 0; k < tpl->n_knobs && n_wanted; k++)
        for (int vi = 0; vi < tpl->knobs[k].n_values; vi++) {
          if (!missing[k][vi]) continue;
          const uint64_t from = rng_next(&rng);
          for (uint64_t x = 0; x < n_wanted; x++) {
            qt_space_decode(&one, valid[(from + x) % n_wanted], &c);
            if (c.vals[k] != tpl->knobs[k].values[vi]) continue;
            if (add_job(&s, &cap, &w, &c)) return 1;
            missing[k][vi] = 0;
            n_missing--;
            forced++;
            break;
          }
        }
      free(valid);
    }
  }
  int mnv2_jobs = s.n_jobs;
  if (!s.isa) print_not_swept(&s, t.name);
  for (int e = 0; e < QT_EDGE_SHAPE_COUNT; e++) {
    if (edge_every > 1 && rng_next(&rng) % (uint64_t)edge_every) continue; /* a fixed sample */
    qt_workload w = {qt_edge_shapes[e].d, (e / 2) % 2, e % 2, NULL};
    for (int ti = 0; ti < QT_MAX_TEMPLATES; ti++)
      if (add_config(&s, &cap, &w, &t, ti, 1, &rng)) return 1;
  }
  fprintf(stderr, "sweep on %s: %d variants (%d of %s workloads, %d of them for "
          "knob-value coverage; %d of edge shapes)\n",
          t.name, s.n_jobs, mnv2_jobs, model, forced, s.n_jobs - mnv2_jobs);

  pthread_t threads[16];
  if (jobs < 1) jobs = 1;
  if (jobs > 16) jobs = 16;
  for (int i = 0; i < jobs; i++) pthread_create(&threads[i], NULL, worker, &s);
  for (int i = 0; i < jobs; i++) pthread_join(threads[i], NULL);

  int n;
  const qt_template_def *const *all = qt_templates(&n);
  for (int i = 0; i < n; i++)
    fprintf(stderr, "  %s: %d variants bit-exact\n", all[i]->name, s.per_template[i]);
  /* Every template (with --isa: that has the isa) must actually have been exercised, and the
   * sample must be as large as asked: per_combo in each of the four combinations (with --isa:
   * in each of the two s8 ones at least, the only ones an s8-only isa such as neondot is
   * offered in). */
  int covered = 1;
  for (int i = 0; i < n; i++) covered &= s.per_template[i] > 0 || !has_isa(all[i], s.isa);
  const int min_mnv2 = s.isa ? 2 * per_combo : 4 * per_combo;
  if (!covered || mnv2_jobs < min_mnv2) {
    fprintf(stderr, "FAIL coverage: every template%s exercised and >= %d %s variants "
            "(got %d)\n", s.isa ? " with the isa" : "", min_mnv2, model, mnv2_jobs);
    s.failed++;
  }
  printf("%d passed, %d failed\n", s.passed, s.failed);
  qt_model_free(&m);
  qt_runner_destroy(s.rn);
  free(s.bctx);
  free(s.jobs);
  return s.failed ? 1 : 0;
}
