/* tune.c — the tuning loop of tune.h. One main thread measures (one measurement per board at a
 * time); a pool of build threads compiles ahead of it. The main thread keeps up to jobs + 1
 * builds in flight per task, so while variant k is measured, variants k+1.. are compiled. */
#include "tuner/tune.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tuner/search.h"

/* ---- build pool --------------------------------------------------------------------- */

typedef struct build_job {
  qt_config config;
  uint64_t index;
  qt_artifact art;
  int rc;
  qt_err err;
  int done;                 /* set by the builder under the pool's mutex */
  struct build_job *next;   /* pool queue link */
  struct build_job *order;  /* the measuring thread's in-flight list, in submission order */
} build_job;

typedef struct build_pool {
  pthread_mutex_t mu;
  pthread_cond_t work_cv, done_cv;
  build_job *todo_head, *todo_tail;
  int shutdown;
  const qt_build_ctx *ctx;
  const qt_workload *w; /* the task being built; changed only when the pool is idle */
  int n_threads;
  pthread_t threads[64];
  int avoid_cpu;
} build_pool;

static void push(build_job **head, build_job **tail, build_job *j) {
  j->next = NULL;
  if (*tail) (*tail)->next = j;
  else *head = j;
  *tail = j;
}

static build_job *pop(build_job **head, build_job **tail) {
  build_job *j = *head;
  if (j) {
    *head = j->next;
    if (!*head) *tail = NULL;
  }
  return j;
}

static void *build_worker(void *arg) {
  build_pool *p = arg;
  /* Keep compilers off the CPU measurements are pinned to: a busy sibling core skews times. */
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  if (p->avoid_cpu >= 0 && ncpu > 1) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (long c = 0; c < ncpu && c < CPU_SETSIZE; c++)
      if (c != p->avoid_cpu) CPU_SET(c, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  }
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (!p->todo_head && !p->shutdown) pthread_cond_wait(&p->work_cv, &p->mu);
    if (p->shutdown) break;
    build_job *j = pop(&p->todo_head, &p->todo_tail);
    const qt_workload *w = p->w;
    pthread_mutex_unlock(&p->mu);
    j->rc = qt_build_variant(p->ctx, w, &j->config, &j->art, &j->err);
    pthread_mutex_lock(&p->mu);
    j->done = 1;
    pthread_cond_broadcast(&p->done_cv);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

static int pool_start(build_pool *p, const qt_build_ctx *ctx, int n, int avoid_cpu, qt_err *err) {
  memset(p, 0, sizeof *p);
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->work_cv, NULL);
  pthread_cond_init(&p->done_cv, NULL);
  p->ctx = ctx;
  p->avoid_cpu = avoid_cpu;
  if (n < 1) n = 1;
  if (n > 64) n = 64;
  for (int i = 0; i < n; i++) {
    if (pthread_create(&p->threads[i], NULL, build_worker, p) != 0) break;
    p->n_threads++;
  }
  return p->n_threads ? 0 : qt_fail(err, QT_EINTERNAL, "cannot start build threads");
}

static void pool_stop(build_pool *p) {
  pthread_mutex_lock(&p->mu);
  p->shutdown = 1;
  pthread_cond_broadcast(&p->work_cv);
  pthread_mutex_unlock(&p->mu);
  for (int i = 0; i < p->n_threads; i++) pthread_join(p->threads[i], NULL);
  build_job *j;
  while ((j = pop(&p->todo_head, &p->todo_tail))) j->done = 1; /* owned by the in-flight list */
  pthread_cond_destroy(&p->work_cv);
  pthread_cond_destroy(&p->done_cv);
  pthread_mutex_destroy(&p->mu);
}

static void pool_submit(build_pool *p, build_job *j) {
  pthread_mutex_lock(&p->mu);
  push(&p->todo_head, &p->todo_tail, j);
  pthread_cond_signal(&p->work_cv);
  pthread_mutex_unlock(&p->mu);
}

/* Waits until j is built. Measurements follow submission order, so the defaults come first
 * and a run's sequence does not depend on which compiler finished first. */
static void pool_wait(build_pool *p, build_job *j) {
  pthread_mutex_lock(&p->mu);
  while (!j->done) pthread_cond_wait(&p->done_cv, &p->mu);
  pthread_mutex_unlock(&p->mu);
}

/* ---- one task ------------------------------------------------------------------------ */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct task_state {
  int index, n_tasks;
  const char *layers; /* "conv0, block1_dw" for messages */
  int proposed;       /* configs taken from the default + strategy, the budget's counter */
  int since_best;     /* measured configs since the last improvement */
  double best_ns;
  char best_knobs[QT_KNOBS_MAX];
} task_state;

static void progress(const qt_tune_options *o, const task_state *ts, const char *knobs,
                     const qt_outcome *out, int skipped) {
  if (!o->log) return;
  char best[64] = "-";
  if (ts->best_ns > 0) snprintf(best, sizeof best, "%.1f us", ts->best_ns / 1e3);
  if (o->tty) {
    fprintf(o->log, "\r\033[K[task %d/%d] %s: trial %d/%d, best %s", ts->index + 1,
            ts->n_tasks, ts->layers, ts->proposed, o->trials, best);
    fflush(o->log);
    return;
  }
  if (skipped) {
    fprintf(o->log, "task %d/%d %s: %s already in the log\n", ts->index + 1, ts->n_tasks,
            ts->layers, knobs);
  } else if (out->m.status == QT_STATUS_OK) {
    fprintf(o->log, "task %d/%d %s: %s %.1f us (best %s)\n", ts->index + 1, ts->n_tasks,
            ts->layers, knobs, out->m.median_ns / 1e3, best);
  } else {
    fprintf(o->log, "task %d/%d %s: %s %s: %.200s\n", ts->index + 1, ts->n_tasks, ts->layers,
            knobs, qt_status_name(out->m.status), out->error);
  }
  fflush(o->log);
}

/* Measures a built job (or records its build failure) and commits the result. */
static int measure_job(qt_db *db, int64_t session, const qt_task *task, const qt_build_ctx *bctx,
                       qt_runner *rn, const qt_tune_options *o, const char *protocol,
                       uint64_t expected, build_job *j, task_state *ts, qt_tune_stats *stats,
                       qt_err *err) {
  char knobs[QT_KNOBS_MAX];
  qt_config_format(&j->config, knobs, sizeof knobs);
  qt_outcome out;
  memset(&out, 0, sizeof out);
  out.m.error = out.error;
  if (j->rc) return qt_fail(err, j->rc, "%s", j->err.msg);
  if (j->art.status != QT_STATUS_OK) {
    out.m.status = j->art.status;
    snprintf(out.error, sizeof out.error, "%s", j->art.error);
  } else {
    char store[16][32];
    char *args[17];
    qt_protocol_args(&o->protocol, 0, store, args);
    qt_proc_result r;
    int rc = rn->ops->run(rn, j->art.path, args, o->run_timeout_ms, &r, err);
    if (rc) return rc;
    qt_judge_run(&r, o->run_timeout_ms, expected, &out);
    qt_proc_result_free(&r);
  }
  out.m.id.workload = &task->w;
  out.m.id.target = bctx->target.name;
  out.m.id.template_name = j->config.tpl->name;
  out.m.id.knobs = knobs;
  out.m.id.source_hash = j->art.source_hash;
  out.m.id.protocol = protocol;
  out.m.board = rn->name;
  out.m.board_kind = rn->ops->kind;
  int rc = qt_db_record(db, session, &out.m, err);
  if (rc) return rc;
  stats->measured++;
  if (out.m.status != QT_STATUS_OK) {
    stats->failed++;
    ts->since_best++;
  } else if (ts->best_ns <= 0 || out.m.median_ns < ts->best_ns) {
    ts->best_ns = out.m.median_ns;
    snprintf(ts->best_knobs, sizeof ts->best_knobs, "%s", knobs);
    ts->since_best = 0;
  } else {
    ts->since_best++;
  }
  progress(o, ts, knobs, &out, 0);
  return 0;
}

static void layer_names(const qt_model *m, const qt_task *task, char *buf, size_t cap) {
  size_t used = 0;
  buf[0] = '\0';
  for (int i = 0; i < task->n_layers && used < cap; i++)
    used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? "," : "",
                             m->layers[task->layers[i]].name);
}

static int tune_task(qt_db *db, int64_t session, const qt_model *m, int t_index,
                     const qt_build_ctx *bctx, qt_runner *rn, const qt_tune_options *o,
                     build_pool *pool, qt_tune_stats *stats, qt_err *err) {
  const qt_task *task = &m->tasks[t_index];
  char layers[256];
  layer_names(m, task, layers, sizeof layers);
  task_state ts = {t_index, m->n_tasks, layers, 0, 0, 0, ""};
  char protocol[256];
  qt_protocol_format(&o->protocol, protocol, sizeof protocol);

  qt_space space;
  int rc = qt_space_init(&space, &task->w, &bctx->target, err);
  if (rc) return rc;
  /* Baselines first: the default config of every applicable template, preferred one first. */
  qt_config defaults[QT_MAX_TEMPLATES];
  int n_defaults = 0;
  if (qt_space_default(&space, &defaults[n_defaults++]))
    return qt_fail(err, QT_EINTERNAL, "default config of %s is not valid", task->key);
  for (int i = 0; i < space.n_tpls; i++) {
    if (space.tpls[i] == defaults[0].tpl) continue;
    qt_config *c = &defaults[n_defaults];
    memset(c, 0, sizeof *c);
    c->tpl = space.tpls[i];
    c->tpl->default_config(&space.w, &space.t, c->vals);
    if (qt_space_valid(&space, c, NULL, 0)) n_defaults++;
  }
  qt_strategy *strategy;
  if ((rc = qt_strategy_create(o->strategy, &space, o->seed, &strategy, err))) return rc;
  for (int i = 0; i < n_defaults; i++)
    qt_strategy_exclude(strategy, qt_space_encode(&space, &defaults[i]));
  uint64_t expected;
  if ((rc = qt_expected_checksum(&task->w, o->protocol.data_seed, &expected, err))) {
    qt_strategy_destroy(strategy);
    return qt_err_wrap(err, "task %s", task->key);
  }

  pool->w = &task->w; /* the pool is idle between tasks */
  int in_flight = 0, defaults_taken = 0, exhausted = 0;
  build_job *head = NULL, *tail = NULL; /* in flight, in submission order */
  for (;;) {
    int stopping = (o->stop && *o->stop) ||
                   (o->early_stop > 0 && ts.since_best >= o->early_stop);
    /* Keep the builders busy: up to jobs + 1 variants ahead of the measurement. */
    while (!rc && !stopping && !exhausted && ts.proposed < o->trials &&
           in_flight < pool->n_threads + 1) {
      qt_config c;
      uint64_t idx;
      if (defaults_taken < n_defaults) {
        c = defaults[defaults_taken++];
        idx = qt_space_encode(&space, &c);
      } else if (strategy->ops->next_batch(strategy, &idx, 1) == 1) {
        qt_space_decode(&space, idx, &c);
      } else {
        exhausted = 1;
        break;
      }
      ts.proposed++;
      char knobs[QT_KNOBS_MAX], hash[17];
      qt_config_format(&c, knobs, sizeof knobs);
      qt_variant_source_hash(bctx, &task->w, &c, hash);
      qt_variant_id id = {&task->w, bctx->target.name, c.tpl->name, knobs, hash, protocol};
      int found = 0;
      if ((rc = qt_db_has_measured(db, &id, &found, err))) break;
      if (found) {
        stats->skipped++;
        progress(o, &ts, knobs, NULL, 1);
        continue;
      }
      build_job *j = calloc(1, sizeof *j);
      if (!j) {
        rc = qt_fail(err, QT_ENOMEM, "out of memory");
        break;
      }
      j->config = c;
      j->index = idx;
      if (tail) tail->order = j;
      else head = j;
      tail = j;
      pool_submit(pool, j);
      in_flight++;
    }
    if (in_flight == 0) break;
    build_job *j = head;
    head = j->order;
    if (!head) tail = NULL;
    pool_wait(pool, j);
    in_flight--;
    if (!rc && !stopping)
      rc = measure_job(db, session, task, bctx, rn, o, protocol, expected, j, &ts, stats, err);
    free(j);
  }
  qt_strategy_destroy(strategy);
  if (o->log && o->tty) fputc('\n', o->log);
  return rc;
}

int qt_tune_model(qt_db *db, int64_t session, const qt_model *m, const qt_build_ctx *bctx,
                  qt_runner *rn, const qt_tune_options *o, qt_tune_stats *stats, qt_err *err) {
  memset(stats, 0, sizeof *stats);
  double start = now_s();
  build_pool pool;
  int rc = pool_start(&pool, bctx, o->jobs, o->build_cpu_avoid, err);
  if (rc) return rc;
  for (int t = 0; t < m->n_tasks && !rc; t++) {
    if (o->stop && *o->stop) {
      rc = qt_fail(err, QT_EINTERRUPTED, "interrupted before task %d of %d", t + 1, m->n_tasks);
      break;
    }
    rc = tune_task(db, session, m, t, bctx, rn, o, &pool, stats, err);
    stats->tasks++;
  }
  pool_stop(&pool);
  stats->seconds = now_s() - start;
  return rc;
}
