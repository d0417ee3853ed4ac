/* tune.c — the tuning loop of tune.h. The calling thread proposes configs, records results
 * and owns the log (qt_db is single-threaded); a pool of build threads compiles ahead of the
 * measurements; a board pool (one worker thread per board, one measurement per board at a
 * time) runs the built variants. A board whose run fails (connection lost, authentication
 * refused) is marked down, its job goes back to the front of the queue for another board, and
 * it is retried with backoff; after QT_BOARD_MAX_FAILURES failures in a row it is given up.
 * When every board is given up the run stops with an error; everything measured is recorded.
 * All three parties share one mutex (the engine's), so a wait never misses an event. */
#include "tuner/loop/tune.h"

#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tuner/loop/schedule.h"
#include "tuner/search/search.h"
#include "tuner/sys/os.h"

#define QT_BOARD_MAX_FAILURES 4  /* consecutive board failures before a board is given up */
#define QT_BOARD_BACKOFF_MS 500  /* first retry delay; doubles per failure */
#define QT_BOARD_BACKOFF_MAX_MS 8000

typedef enum { JOB_BUILDING, JOB_BUILT, JOB_QUEUED, JOB_RUNNING, JOB_RAN } job_state;

typedef struct build_job {
  const qt_workload *w;     /* the task's workload: the shape it is built and answered for */
  qt_config config;
  uint64_t index;
  qt_artifact art;
  int rc;                   /* build: negative when the tuner itself failed */
  qt_err err;
  job_state state;          /* changed under the engine's mutex */
  qt_proc_result r;         /* the run, when state is JOB_RAN */
  int timeout_ms;           /* the run limit it ran under (the board's own, else the run's) */
  qt_runner *board;         /* the board that ran it */
  qt_runner *only;          /* when set, only this board may run it (re-measurement rounds) */
  int dispatched;           /* handed to the board pool */
  int answered;             /* a replay board answered it: outcome holds the record */
  int missing;              /* a replay board's log lacks it: nothing to record */
  qt_outcome outcome;
  struct build_job *next;   /* build or run queue link */
  struct build_job *order;  /* the recording thread's in-flight list, in submission order */
} build_job;

typedef struct board_worker {
  struct engine *e;
  qt_runner *rn;
  pthread_t thread;
  int failures;             /* consecutive failures; > 0: down */
  int given_up;
  int busy;
  double retry_at;          /* ms, CLOCK_MONOTONIC: not before */
} board_worker;

typedef struct engine {
  pthread_mutex_t mu;
  pthread_cond_t build_cv, board_cv, main_cv;
  int shutdown;
  /* builds */
  build_job *todo_head, *todo_tail;
  const qt_build_ctx *ctx;
  int n_threads;
  pthread_t threads[64];
  int avoid_cpu;
  /* boards */
  build_job *run_head, *run_tail;
  int n_boards, n_given_up;
  board_worker boards[QT_BOARDS_MAX];
  char last_board_error[1024];
  const qt_tune_options *o;
  int replay; /* the boards answer from a recorded log: nothing is built or run */
} engine;

static void push(build_job **head, build_job **tail, build_job *j) {
  j->next = NULL;
  if (*tail) (*tail)->next = j;
  else *head = j;
  *tail = j;
}

static void push_front(build_job **head, build_job **tail, build_job *j) {
  j->next = *head;
  *head = j;
  if (!*tail) *tail = j;
}

static build_job *pop(build_job **head, build_job **tail) {
  build_job *j = *head;
  if (j) {
    *head = j->next;
    if (!*head) *tail = NULL;
  }
  return j;
}

/* The first queued job board rn may run (one not kept for another board), unlinked; NULL if
 * none. With peek, it stays queued. */
static build_job *take_for(build_job **head, build_job **tail, const qt_runner *rn, int peek) {
  build_job *prev = NULL;
  for (build_job *j = *head; j; prev = j, j = j->next) {
    if (j->only && j->only != rn) continue;
    if (peek) return j;
    if (prev) prev->next = j->next;
    else *head = j->next;
    if (*tail == j) *tail = prev;
    return j;
  }
  return NULL;
}

/* One line of text for the caller (a QT_TUNE_EV_NOTE); board threads call it too. */
static void note(const qt_tune_options *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void note(const qt_tune_options *o, const char *fmt, ...) {
  if (!o->on_event) return;
  char text[1536];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  qt_tune_event ev;
  memset(&ev, 0, sizeof ev);
  ev.kind = QT_TUNE_EV_NOTE;
  ev.text = text;
  o->on_event(o->event_ctx, &ev);
}

/* ---- build pool --------------------------------------------------------------------- */

static void *build_worker(void *arg) {
  engine *p = arg;
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
    while (!p->todo_head && !p->shutdown) pthread_cond_wait(&p->build_cv, &p->mu);
    if (p->shutdown) break;
    build_job *j = pop(&p->todo_head, &p->todo_tail);
    const qt_workload *w = j->w;
    pthread_mutex_unlock(&p->mu);
    if (p->replay) { /* what a build would be named; nothing is compiled */
      memset(&j->art, 0, sizeof j->art);
      qt_variant_source_hash(p->ctx, w, &j->config, j->art.source_hash);
      j->art.status = QT_STATUS_OK;
      j->rc = 0;
    } else {
      j->rc = qt_build_variant(p->ctx, w, &j->config, &j->art, &j->err);
    }
    pthread_mutex_lock(&p->mu);
    j->state = JOB_BUILT;
    pthread_cond_broadcast(&p->main_cv);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

/* ---- board pool --------------------------------------------------------------------- */

static void backoff_wait(engine *e, double until) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  double left = until - qt_now_ms();
  if (left <= 0) return;
  long long ns = ts.tv_nsec + (long long)(left * 1e6);
  ts.tv_sec += (time_t)(ns / 1000000000LL);
  ts.tv_nsec = (long)(ns % 1000000000LL);
  pthread_cond_timedwait(&e->board_cv, &e->mu, &ts);
}

/* A run that says the board failed, not the variant: the program could not be started (a
 * missing exec wrapper), or it timed out and the board no longer answers (wedged). The run is
 * dropped (a negative code with the reason) so that the pool retries it elsewhere. */
static int board_fault(qt_runner *rn, qt_proc_result *r, qt_err *err) {
  char why[512];
  int rc = 0;
  if (qt_run_board_fault(r, why, sizeof why)) {
    rc = qt_fail(err, QT_ERUN, "board %s %s", rn->name, why);
  } else if (r->timed_out && rn->ops->alive && (rc = rn->ops->alive(rn, err)) != 0) {
    rc = qt_err_wrap(err, "board %s stopped answering after a run timeout", rn->name);
  }
  if (rc) qt_proc_result_free(r);
  return rc;
}

/* One board: takes the next built job, runs it, hands the run back. A run that fails on the
 * board's side puts the job back at the front of the queue and the board into backoff. */
static void *board_main(void *arg) {
  board_worker *bw = arg;
  engine *e = bw->e;
  const qt_tune_options *o = e->o;
  pthread_mutex_lock(&e->mu);
  for (;;) {
    build_job *mine;
    while (!e->shutdown &&
           (!(mine = take_for(&e->run_head, &e->run_tail, bw->rn, 1)) ||
            qt_now_ms() < bw->retry_at)) {
      if (mine) backoff_wait(e, bw->retry_at);
      else pthread_cond_wait(&e->board_cv, &e->mu);
    }
    if (e->shutdown) break;
    build_job *j = take_for(&e->run_head, &e->run_tail, bw->rn, 0);
    j->state = JOB_RUNNING;
    bw->busy = 1;
    pthread_mutex_unlock(&e->mu);
    char store[16][32];
    char *args[17];
    qt_protocol_args(&o->protocol, 0, store, args);
    qt_err err = {0, ""};
    memset(&j->r, 0, sizeof j->r);
    int rc;
    if (bw->rn->ops->answer) {
      char knobs[QT_KNOBS_MAX];
      qt_config_format(&j->config, knobs, sizeof knobs);
      qt_variant_id id = {j->w, e->ctx->target.name, j->config.tpl->name, knobs, j->art.source_hash,
                          NULL, NULL};
      rc = bw->rn->ops->answer(bw->rn, &id, &j->outcome, &err);
      j->answered = rc == 0;
      j->missing = rc == QT_ENOTFOUND;
      if (j->missing) rc = 0;
    } else {
      j->timeout_ms = bw->rn->run_timeout_ms > 0 ? bw->rn->run_timeout_ms : o->run_timeout_ms;
      rc = bw->rn->ops->run(bw->rn, j->art.path, args, j->timeout_ms, &j->r, &err);
      if (rc == 0) rc = board_fault(bw->rn, &j->r, &err);
    }
    pthread_mutex_lock(&e->mu);
    bw->busy = 0;
    if (rc == 0) {
      if (bw->failures) note(o, "tune: board %s is back", bw->rn->name);
      bw->failures = 0;
      j->board = bw->rn;
      j->state = JOB_RAN;
      pthread_cond_broadcast(&e->main_cv);
      continue;
    }
    /* The board failed, not the variant: requeue first, so the order holds. */
    j->state = JOB_QUEUED;
    push_front(&e->run_head, &e->run_tail, j);
    bw->failures++;
    snprintf(e->last_board_error, sizeof e->last_board_error, "%s", err.msg);
    if (bw->failures >= QT_BOARD_MAX_FAILURES) {
      bw->given_up = 1;
      e->n_given_up++;
      for (build_job *q = e->run_head; q; q = q->next) /* kept for it: any board will do now */
        if (q->only == bw->rn) q->only = NULL;
      note(o, "tune: board %s is down (%d failures in a row), giving up on it: %s",
           bw->rn->name, bw->failures, err.msg);
    } else {
      double delay = QT_BOARD_BACKOFF_MS * (double)(1 << (bw->failures - 1));
      if (delay > QT_BOARD_BACKOFF_MAX_MS) delay = QT_BOARD_BACKOFF_MAX_MS;
      bw->retry_at = qt_now_ms() + delay;
      note(o, "tune: board %s is down, job requeued, retry in %.1f s: %s", bw->rn->name,
           delay / 1e3, err.msg);
    }
    pthread_cond_broadcast(&e->board_cv);
    pthread_cond_broadcast(&e->main_cv);
    if (bw->given_up) break;
  }
  pthread_mutex_unlock(&e->mu);
  return NULL;
}

static void engine_stop(engine *e) {
  pthread_mutex_lock(&e->mu);
  e->shutdown = 1;
  pthread_cond_broadcast(&e->build_cv);
  pthread_cond_broadcast(&e->board_cv);
  pthread_mutex_unlock(&e->mu);
  for (int i = 0; i < e->n_threads; i++) pthread_join(e->threads[i], NULL);
  for (int i = 0; i < e->n_boards; i++) pthread_join(e->boards[i].thread, NULL);
  pthread_cond_destroy(&e->build_cv);
  pthread_cond_destroy(&e->board_cv);
  pthread_cond_destroy(&e->main_cv);
  pthread_mutex_destroy(&e->mu);
}

static int engine_start(engine *e, const qt_build_ctx *ctx, qt_runner **boards, int n_boards,
                        const qt_tune_options *o, qt_err *err) {
  memset(e, 0, sizeof *e);
  int replaying = 0;
  for (int i = 0; i < n_boards; i++) replaying += boards[i]->ops->answer != NULL;
  if (replaying && replaying != n_boards)
    return qt_fail(err, QT_EINVAL, "a replay board cannot measure alongside real boards");
  e->replay = replaying > 0;
  pthread_mutex_init(&e->mu, NULL);
  pthread_cond_init(&e->build_cv, NULL);
  pthread_cond_init(&e->board_cv, NULL);
  pthread_cond_init(&e->main_cv, NULL);
  e->ctx = ctx;
  e->o = o;
  e->avoid_cpu = o->build_cpu_avoid;
  int n = o->jobs < 1 ? 1 : o->jobs > 64 ? 64 : o->jobs;
  for (int i = 0; i < n; i++) {
    if (pthread_create(&e->threads[i], NULL, build_worker, e) != 0) break;
    e->n_threads++;
  }
  for (int i = 0; i < n_boards && e->n_threads; i++) {
    board_worker *bw = &e->boards[i];
    bw->e = e;
    bw->rn = boards[i];
    if (pthread_create(&bw->thread, NULL, board_main, bw) != 0) break;
    e->n_boards++;
  }
  if (e->n_threads && e->n_boards == n_boards) return 0;
  engine_stop(e);
  return qt_fail(err, QT_EINTERNAL, "cannot start build or board threads");
}

/* ---- one task ------------------------------------------------------------------------ */

typedef struct task_state {
  int index, n_tasks;
  const char *layers; /* "conv0, block1_dw" for messages */
  int proposed;       /* configs taken from the default + strategy, the budget's counter */
  int planned;        /* what the current slice of trials runs up to (qt_tune_event) */
  int done;           /* configs measured now or found in the log: the progress shown */
  int since_best;     /* measured configs since the last improvement */
  int measured_ok;    /* ok measurements this run recorded (the re-measurement has news) */
  double best_ns;
  char best_knobs[QT_KNOBS_MAX];
} task_state;

/* Fills the task's and the run's counters into ev and hands it to the caller. */
static void emit(const qt_tune_options *o, const task_state *ts, const qt_tune_stats *stats,
                 qt_tune_event *ev) {
  if (!o->on_event) return;
  ev->task = ts->index;
  ev->n_tasks = ts->n_tasks;
  ev->layers = ts->layers;
  ev->task_done = ts->done;
  ev->task_planned = ts->planned > ts->done ? ts->planned : ts->done;
  ev->run_done = stats->done;
  ev->run_planned = stats->planned > stats->done ? stats->planned : stats->done;
  ev->run_measured = stats->done - stats->skipped - stats->missing;
  ev->best_ns = ts->best_ns;
  o->on_event(o->event_ctx, ev);
}

/* A config of the search is done: out is its outcome, NULL when the log already held it
 * (skipped) or a replayed log lacks it (missing). */
static void progress(const qt_tune_options *o, const task_state *ts, const qt_tune_stats *stats,
                     const char *knobs, const qt_outcome *out, const char *board, int missing) {
  qt_tune_event ev;
  memset(&ev, 0, sizeof ev);
  ev.kind = QT_TUNE_EV_TRIAL;
  ev.knobs = knobs;
  ev.board = board;
  ev.skipped = !out && !missing;
  ev.missing = missing;
  if (out) {
    ev.status = out->m.status;
    ev.median_ns = out->m.median_ns;
    ev.error = out->error;
  }
  emit(o, ts, stats, &ev);
}

/* Judges a job that was run (or its build failure) into out and commits it to the log.
 * Called by the recording thread only. */
static int record_job(qt_db *db, int64_t session, const qt_task *task, const qt_build_ctx *bctx,
                      const qt_tune_options *o, const char *protocol, uint64_t expected,
                      build_job *j, const char *knobs, int round, qt_outcome *out, qt_err *err) {
  memset(out, 0, sizeof *out);
  out->m.error = out->error;
  if (j->rc) return qt_fail(err, j->rc, "%s", j->err.msg);
  if (j->art.status != QT_STATUS_OK) {
    out->m.status = j->art.status;
    qt_mark_cut(out->error, sizeof out->error,
                snprintf(out->error, sizeof out->error, "%s", j->art.error));
  } else if (j->answered) {
    *out = j->outcome;
    out->m.error = out->error[0] ? out->error : NULL;
  } else {
    qt_judge_run(&j->r, 1, j->timeout_ms, expected, out);
  }
  out->m.id.workload = &task->w;
  out->m.id.target = bctx->target.name;
  out->m.id.template_name = j->config.tpl->name;
  out->m.id.knobs = knobs;
  out->m.id.source_hash = j->art.source_hash;
  char manifest[QT_MANIFEST_MAX]; /* per-file hashes, so export can name a changed file */
  if (qt_variant_manifest(bctx, &task->w, &j->config, manifest, sizeof manifest, NULL) == 0)
    out->m.id.manifest = manifest;
  out->m.id.protocol = protocol;
  /* A build failure never reached a board: it is recorded under the first one. */
  out->m.board = j->board->name;
  out->m.board_kind = j->board->ops->kind;
  out->m.round = round;
  int rc = qt_db_record(db, session, &out->m, err);
  out->m.id.manifest = NULL; /* it was a local */
  return rc;
}

/* Records a job of the search and updates the task's best, budget and progress; its cost for
 * the strategy (median ns, -1 for a failure) into *cost. */
static int measure_job(qt_db *db, int64_t session, const qt_task *task, const qt_build_ctx *bctx,
                       const qt_tune_options *o, const char *protocol, uint64_t expected,
                       build_job *j, int name_board, task_state *ts, qt_tune_stats *stats,
                       double *cost, qt_err *err) {
  char knobs[QT_KNOBS_MAX];
  qt_config_format(&j->config, knobs, sizeof knobs);
  *cost = 0; /* no news for the strategy */
  if (j->missing) {
    stats->missing++;
    stats->done++;
    ts->done++;
    progress(o, ts, stats, knobs, NULL, NULL, 1);
    return 0;
  }
  qt_outcome out;
  int rc = record_job(db, session, task, bctx, o, protocol, expected, j, knobs, 0, &out, err);
  if (rc) return rc;
  *cost = out.m.status == QT_STATUS_OK ? out.m.median_ns : -1;
  stats->measured++;
  if (out.m.status == QT_STATUS_OK) ts->measured_ok++;
  ts->done++;
  stats->done++;
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
  progress(o, ts, stats, knobs, &out, name_board ? j->board->name : NULL, 0);
  return 0;
}

/* ---- the final re-measurement (docs/DESIGN.md §4) ------------------------------------
 * The search keeps the lowest median it saw, and on a loaded machine that can be a lucky
 * sample. So at the end of a task that measured something new, the best configs within
 * QT_CONFIRM_MARGIN of the best are measured again against each other, in
 * QT_CONFIRM_ROUNDS interleaved rounds (the order rotates each round so that no config always
 * follows the same neighbour), all on the board that ran the first of them (another only if
 * that one is given up); the config with the lowest median over its rounds wins and is
 * recorded as the task's verdict, which qt_db_best then answers. Every run is
 * also an ordinary measurement in the log. Runners-up further behind than the margin are not
 * re-measured: noise of that size would be a broken protocol, not a close call. */
#define QT_CONFIRM_MARGIN 1.15
#define QT_CONFIRM_ROUNDS 3
#define QT_CONFIRM_MAX 8

/* Builds and runs one job to the end, alone on the engine (the pools are idle between the
 * search and this): its build, then a run on the first free board. *out is the finished job
 * (JOB_RAN, or built with a failed build), or NULL with an error when every board is down. */
static int run_alone(engine *e, const qt_workload *w, const qt_config *c, qt_runner *only,
                     build_job **out, qt_err *err) {
  *out = NULL;
  build_job *j = calloc(1, sizeof *j);
  if (!j) return qt_fail(err, QT_ENOMEM, "out of memory");
  j->w = w;
  j->config = *c;
  j->only = only;
  j->state = JOB_BUILDING;
  pthread_mutex_lock(&e->mu);
  push(&e->todo_head, &e->todo_tail, j);
  pthread_cond_signal(&e->build_cv);
  while (j->state == JOB_BUILDING) pthread_cond_wait(&e->main_cv, &e->mu);
  if (j->rc == 0 && j->art.status == QT_STATUS_OK) {
    for (int b = 0; b < e->n_boards; b++) /* a board given up since: any other will do */
      if (e->boards[b].rn == j->only && e->boards[b].given_up) j->only = NULL;
    j->state = JOB_QUEUED;
    j->dispatched = 1;
    push(&e->run_head, &e->run_tail, j);
    pthread_cond_broadcast(&e->board_cv);
    while (j->state != JOB_RAN && e->n_given_up < e->n_boards)
      pthread_cond_wait(&e->main_cv, &e->mu);
  }
  if (j->dispatched && j->state != JOB_RAN) { /* every board gave up: it is still queued */
    build_job *q;
    while ((q = pop(&e->run_head, &e->run_tail)) && q != j) {
    }
    pthread_mutex_unlock(&e->mu);
    qt_proc_result_free(&j->r);
    free(j);
    return qt_fail(err, QT_ERUN, "every board of the target is down (last error: %s); the log "
                   "holds everything measured so far", e->last_board_error);
  }
  pthread_mutex_unlock(&e->mu);
  if (!j->dispatched) j->board = e->boards[0].rn;
  *out = j;
  return 0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

typedef struct candidate {
  qt_config config;
  char knobs[QT_KNOBS_MAX];
  double medians[QT_CONFIRM_ROUNDS];
  int64_t ids[QT_CONFIRM_ROUNDS];
  int n, failed;
} candidate;

/* The logged best configs of the task within the margin that still parse and are valid for
 * this space; up to max of them into c. */
static int confirm_candidates(qt_db *db, const qt_task *task, const qt_space *space,
                              const char *target, int max, candidate *c, int *n, qt_err *err) {
  qt_db_row rows[QT_CONFIRM_MAX];
  int nrows = 0;
  *n = 0;
  int rc = qt_db_topk(db, task->key, target, max, rows, &nrows, err);
  if (rc) return rc;
  for (int i = 0; i < nrows; i++) {
    if (rows[i].median_ns > rows[0].median_ns * QT_CONFIRM_MARGIN) break;
    qt_err perr = {0, ""};
    memset(&c[*n], 0, sizeof c[*n]);
    if (qt_config_parse(space, rows[i].knobs, &c[*n].config, &perr)) continue; /* stale */
    qt_config_format(&c[*n].config, c[*n].knobs, sizeof c[*n].knobs);
    int dup = 0; /* two logged strings can name one config (a knob added since) */
    for (int k = 0; k < *n; k++) dup |= strcmp(c[k].knobs, c[*n].knobs) == 0;
    if (!dup) ++*n;
  }
  /* The default config always takes part (when it ran ok): a winner must beat it in the same
   * interleaved rounds, not only by one lucky sample. c has room for max + 1. */
  qt_config def;
  if (*n == 0 || qt_space_default(space, &def)) return 0;
  char knobs[QT_KNOBS_MAX];
  qt_config_format(&def, knobs, sizeof knobs);
  for (int k = 0; k < *n; k++)
    if (strcmp(c[k].knobs, knobs) == 0) return 0;
  double median;
  int found = 0;
  if ((rc = qt_db_config_time(db, task->key, target, def.tpl->name, knobs, &median, &found, err)))
    return rc;
  if (!found) return 0;
  memset(&c[*n], 0, sizeof c[*n]);
  c[*n].config = def;
  snprintf(c[*n].knobs, sizeof c[*n].knobs, "%s", knobs);
  ++*n;
  return 0;
}

/* Median over the rounds of a candidate, and the id of the round that gave it (the upper
 * middle one: a real measurement of the log stands for the verdict). */
static double candidate_median(const candidate *c, int64_t *id) {
  double sorted[QT_CONFIRM_ROUNDS];
  memcpy(sorted, c->medians, sizeof(double) * (size_t)c->n);
  qsort(sorted, (size_t)c->n, sizeof sorted[0], cmp_double);
  double med = sorted[c->n / 2];
  for (int r = 0; r < c->n; r++)
    if (c->medians[r] == med) *id = c->ids[r];
  return med;
}

static int confirm_task(qt_db *db, int64_t session, const qt_task *task, const qt_space *space,
                        const qt_build_ctx *bctx, const qt_tune_options *o, engine *e,
                        const char *protocol, uint64_t expected, const task_state *ts,
                        qt_tune_stats *stats, qt_err *err) {
  const int max = o->confirm > QT_CONFIRM_MAX ? QT_CONFIRM_MAX : o->confirm;
  /* A replayed log has no noise to see through: its answers are the same every round. */
  if (max < 2 || e->replay) return 0;
  int rc = 0;
  if (ts->measured_ok == 0) {
    /* Nothing new this run; still re-measure when a verdict is owed: a run killed during its
     * re-measurement left ok measurements no verdict saw, and a resumed run must end as an
     * uninterrupted one would. */
    int64_t unconfirmed = 0;
    if ((rc = qt_db_unconfirmed(db, task->key, bctx->target.name, &unconfirmed, err))) return rc;
    if (unconfirmed == 0) return 0;
  }
  candidate cand[QT_CONFIRM_MAX + 1]; /* + the default config */
  int n = 0;
  rc = confirm_candidates(db, task, space, bctx->target.name, max, cand, &n, err);
  if (rc || n < 2) return rc;
  note(o, "task %d/%d %s: re-measuring the best %d (within %.0f%% of the best) in %d "
       "interleaved rounds", ts->index + 1, ts->n_tasks, ts->layers, n,
       (QT_CONFIRM_MARGIN - 1) * 100, QT_CONFIRM_ROUNDS);
  qt_runner *board = NULL; /* every round on one board: times of two boards do not compare */
  for (int r = 0; r < QT_CONFIRM_ROUNDS && !rc; r++) {
    for (int i = 0; i < n && !rc; i++) {
      if (o->stop && *o->stop) return 0; /* no verdict from a partial re-measurement */
      candidate *c = &cand[(i + r) % n];
      if (c->failed) continue;
      build_job *j;
      if ((rc = run_alone(e, &task->w, &c->config, board, &j, err))) break;
      if (j->dispatched && j->board) board = j->board;
      qt_outcome out;
      rc =
          record_job(db, session, task, bctx, o, protocol, expected, j, c->knobs, r + 1, &out, err);
      qt_proc_result_free(&j->r);
      free(j);
      if (rc) break;
      stats->measured++;
      if (out.m.status != QT_STATUS_OK) {
        stats->failed++;
        c->failed = 1;
        note(o, "task %d/%d %s: %s %s on re-measurement: %.200s", ts->index + 1, ts->n_tasks,
             ts->layers, c->knobs, qt_status_name(out.m.status), out.error);
        continue;
      }
      c->medians[c->n] = out.m.median_ns;
      c->ids[c->n++] = qt_db_last_record(db);
    }
  }
  if (rc) return rc;
  int win = -1, alive = 0;
  double best = 0;
  int64_t best_id = 0;
  for (int i = 0; i < n; i++) {
    if (cand[i].failed || cand[i].n == 0) continue;
    alive++;
    int64_t id = 0;
    double med = candidate_median(&cand[i], &id);
    if (win < 0 || med < best) {
      win = i;
      best = med;
      best_id = id;
    }
  }
  if (win < 0 || alive < 2) return 0;
  if ((rc = qt_db_verdict(db, session, best_id, best, alive, QT_CONFIRM_ROUNDS, err))) return rc;
  char shown[48];
  qt_timing_format(bctx->target.timing, best, shown, sizeof shown);
  note(o, "task %d/%d %s: best %s %s (median of %d rounds against %d runner%s-up)%s",
       ts->index + 1, ts->n_tasks, ts->layers, cand[win].knobs, shown, QT_CONFIRM_ROUNDS,
       alive - 1, alive > 2 ? "s" : "",
       win == 0 ? "" : "; the search's lowest median was a runner-up");
  return 0;
}

static void layer_names(const qt_model *m, const qt_task *task, char *buf, size_t cap) {
  size_t used = 0;
  buf[0] = '\0';
  for (int i = 0; i < task->n_layers && used < cap; i++)
    used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? "," : "",
                             m->layers[task->layers[i]].name);
}

/* Unlinks j from the in-flight list (head, tail, singly linked through order). */
static void unlink_order(build_job **head, build_job **tail, build_job *j) {
  build_job *prev = NULL;
  for (build_job *p = *head; p; prev = p, p = p->order) {
    if (p != j) continue;
    if (prev) prev->order = p->order;
    else *head = p->order;
    if (*tail == p) *tail = prev;
    return;
  }
}

/* Transfer: the log's records of one other workload, gathered row by row (qt_db_history
 * returns them in workload order) and handed to the strategy when the workload changes.
 * The same pass keeps the fastest configs of the task's siblings: workloads of the same
 * shape in another data type or requantization scheme (the same kernels but for the
 * requant or the input offset), whose best configs are the likeliest good ones. The cost
 * model scores them from afar (they differ in a feature), and a 48-trial fixed-point search
 * of MobileNetV2 never tried the fp32 search's best block1_dw config, 0.71x the time of its
 * own pick there. */
#define QT_SIBLING_SEEDS 2 /* taken first: the fastest that are not defaults already */
#define QT_SIBLING_KEEP 8  /* kept from the log to find them in */
typedef struct sibling_seed {
  char knobs[QT_KNOBS_MAX];
  double cost;
} sibling_seed;

typedef struct history {
  qt_strategy *strategy;
  const qt_target *target;
  const qt_workload *task_w; /* siblings of this workload are kept */
  const char *task_key;
  char key[QT_KEY_MAX];
  qt_space space;
  int space_ok, sibling;
  qt_config *configs;
  double *costs;
  int n, cap, workloads, records;
  sibling_seed seeds[QT_SIBLING_KEEP]; /* fastest first */
  int n_seeds;
} history;

/* 1 if w is t in another data type or requantization scheme (not t itself). */
static int is_sibling(const qt_workload *w, const char *w_key, const qt_workload *t,
                      const char *t_key) {
  if (strcmp(w_key, t_key) == 0) return 0;
  qt_workload same = *w;
  same.dtype = t->dtype;
  same.requant = t->requant;
  char key[QT_KEY_MAX];
  qt_workload_key(&same, key);
  return strcmp(key, t_key) == 0;
}

/* Keeps knobs among the QT_SIBLING_KEEP fastest seen (one entry per config string). */
static void keep_seed(history *h, const char *knobs, double cost) {
  for (int i = 0; i < h->n_seeds; i++)
    if (strcmp(h->seeds[i].knobs, knobs) == 0) {
      if (cost >= h->seeds[i].cost) return;
      memmove(&h->seeds[i], &h->seeds[i + 1], sizeof h->seeds[0] * (size_t)(h->n_seeds - i - 1));
      h->n_seeds--;
      break;
    }
  int at = h->n_seeds;
  while (at > 0 && cost < h->seeds[at - 1].cost) at--;
  if (at >= QT_SIBLING_KEEP) return;
  int n = h->n_seeds < QT_SIBLING_KEEP ? h->n_seeds : QT_SIBLING_KEEP - 1;
  memmove(&h->seeds[at + 1], &h->seeds[at], sizeof h->seeds[0] * (size_t)(n - at));
  snprintf(h->seeds[at].knobs, sizeof h->seeds[at].knobs, "%s", knobs);
  h->seeds[at].cost = cost;
  if (h->n_seeds < QT_SIBLING_KEEP) h->n_seeds++;
}

static int history_flush(history *h) {
  int rc = 0;
  if (h->space_ok && h->n > 0) {
    rc = qt_strategy_learn_other(h->strategy, &h->space, h->configs, h->costs, h->n);
    h->workloads++;
    h->records += h->n;
  }
  h->n = 0;
  return rc;
}

static int history_row(void *ctx, const char *key, const char *tpl, const char *knobs,
                       double median_ns) {
  history *h = ctx;
  (void)tpl;
  if (strcmp(key, h->key) != 0) {
    int rc = history_flush(h);
    if (rc) return rc;
    snprintf(h->key, sizeof h->key, "%s", key);
    qt_workload w;
    qt_err ignored;
    /* A record the current code cannot read back (a workload or knob this version does not
     * know) teaches nothing; it is skipped, not an error. */
    h->space_ok = qt_workload_parse(key, &w, &ignored) == 0 &&
                  qt_space_init(&h->space, &w, h->target, &ignored) == 0;
    h->sibling = h->space_ok && is_sibling(&w, key, h->task_w, h->task_key);
  }
  if (!h->space_ok) return 0;
  if (h->sibling && median_ns > 0) keep_seed(h, knobs, median_ns);
  if (h->n == h->cap) {
    int cap = h->cap ? 2 * h->cap : 256;
    qt_config *c = realloc(h->configs, sizeof *c * (size_t)cap);
    if (c) h->configs = c;
    double *d = realloc(h->costs, sizeof *d * (size_t)cap);
    if (d) h->costs = d;
    if (!c || !d) return QT_ENOMEM;
    h->cap = cap;
  }
  qt_err ignored;
  if (qt_config_parse(&h->space, knobs, &h->configs[h->n], &ignored) == 0)
    h->costs[h->n++] = median_ns;
  return 0;
}

/* Hands the strategy what the log knows about the target's other workloads, and fills
 * seeds with the fastest configs of the task's siblings (*n_seeds of them, fastest first). */
static int learn_history(qt_db *db, const qt_task *task, const qt_target *t, qt_strategy *s,
                         const qt_tune_options *o, sibling_seed seeds[QT_SIBLING_KEEP],
                         int *n_seeds, qt_err *err) {
  *n_seeds = 0;
  history *h = calloc(1, sizeof *h);
  if (!h) return qt_fail(err, QT_ENOMEM, "out of memory");
  h->strategy = s;
  h->target = t;
  h->task_w = &task->w;
  h->task_key = task->key;
  int rc = qt_db_history(db, t->name, task->key, history_row, h, err);
  if (!rc && (rc = history_flush(h))) qt_fail(err, rc, "transfer: out of memory");
  if (!rc && h->workloads)
    note(o, "task %s: the model starts from %d records of %d other workloads", task->key,
         h->records, h->workloads);
  if (!rc) {
    memcpy(seeds, h->seeds, sizeof h->seeds[0] * (size_t)h->n_seeds);
    *n_seeds = h->n_seeds;
  }
  free(h->configs);
  free(h->costs);
  free(h);
  return rc;
}

/* One task being tuned: what tune_task keeps between slices of trials (one slice when every
 * task has its own budget; many under the shared budget of the scheduler). */
typedef struct task_run {
  const qt_task *task;
  char layers[256];
  task_state ts;
  char protocol[256];
  qt_space space;
  /* measured first, in this order: the default config of every applicable template, then
   * (the model strategy, transferring) the fastest configs of the task's siblings */
  qt_config defaults[QT_MAX_TEMPLATES + QT_SIBLING_SEEDS];
  int n_defaults, defaults_taken, exhausted;
  qt_strategy *strategy;
  uint64_t expected;
} task_run;

/* Resume: the configs the log already holds for a task (same sources and protocol, a final
 * status) count against its budget, and its strategy learns from them, so a rerun finishes
 * what an earlier run left whatever the strategy would propose now. */
typedef struct prior_records {
  task_run *tr;
  const qt_build_ctx *bctx;
  int count;
} prior_records;

static int prior_record(void *ctx, const char *tpl, const char *knobs, const char *source_hash,
                        const char *protocol, qt_status status, double median_ns) {
  prior_records *pr = ctx;
  task_run *tr = pr->tr;
  (void)tpl;
  if (!qt_status_is_final(status) || strcmp(protocol, tr->protocol) != 0) return 0;
  qt_config c;
  qt_err ignored;
  if (qt_config_parse(&tr->space, knobs, &c, &ignored)) return 0; /* stale: other sources */
  char hash[17];
  qt_variant_source_hash(pr->bctx, &tr->task->w, &c, hash);
  if (strcmp(hash, source_hash) != 0) return 0;
  uint64_t idx = qt_space_encode(&tr->space, &c);
  for (int i = 0; i < tr->n_defaults; i++) /* baselines go through the normal path */
    if (qt_space_encode(&tr->space, &tr->defaults[i]) == idx) return 0;
  if (qt_strategy_was_excluded(tr->strategy, idx)) return 0; /* a repeat (re-measurement) */
  qt_strategy_exclude(tr->strategy, idx);
  double cost = status == QT_STATUS_OK && median_ns > 0 ? median_ns : -1;
  tr->strategy->ops->update(tr->strategy, &idx, &cost, 1);
  if (cost > 0 && (tr->ts.best_ns <= 0 || cost < tr->ts.best_ns)) {
    tr->ts.best_ns = cost;
    qt_config_format(&c, tr->ts.best_knobs, sizeof tr->ts.best_knobs);
  }
  pr->count++;
  return 0;
}

/* The task's early stop: this many measured configs without a new best. */
static int task_stopped_early(const qt_tune_options *o, const task_run *tr) {
  return o->early_stop > 0 && tr->ts.since_best >= o->early_stop;
}

/* Sets up task t_index: its space, its baselines (the default config of every applicable
 * template, preferred one first), its strategy (with the log's history when transferring). */
static int task_begin(qt_db *db, const qt_model *m, int t_index, const qt_build_ctx *bctx,
                      const qt_tune_options *o, qt_tune_stats *stats, task_run *tr,
                      qt_err *err) {
  memset(tr, 0, sizeof *tr);
  const qt_task *task = tr->task = &m->tasks[t_index];
  layer_names(m, task, tr->layers, sizeof tr->layers);
  tr->ts = (task_state){t_index, m->n_tasks, tr->layers, 0, 0, 0, 0, 0, 0, ""};
  qt_protocol_format(&o->protocol, tr->protocol, sizeof tr->protocol);
  qt_space *space = &tr->space;
  int rc = qt_space_init(space, &task->w, &bctx->target, err);
  if (rc) return rc;
  qt_config *defaults = tr->defaults;
  if (qt_space_default(space, &defaults[tr->n_defaults++]))
    return qt_fail(err, QT_EINTERNAL, "default config of %s is not valid", task->key);
  for (int i = 0; i < space->n_tpls; i++) {
    if (space->tpls[i] == defaults[0].tpl) continue;
    qt_config *c = &defaults[tr->n_defaults];
    memset(c, 0, sizeof *c);
    c->tpl = space->tpls[i];
    c->tpl->default_config(&space->w, &space->t, c->vals);
    if (qt_space_valid(space, c, NULL, 0)) tr->n_defaults++;
  }
  if ((rc = qt_strategy_create(o->strategy, space, o->seed, &tr->strategy, err))) return rc;
  for (int i = 0; i < tr->n_defaults; i++)
    qt_strategy_exclude(tr->strategy, qt_space_encode(space, &defaults[i]));
  qt_strategy_time_into(tr->strategy, &stats->search_ms);
  if (o->transfer) {
    sibling_seed seeds[QT_SIBLING_KEEP];
    int n_seeds = 0, added = 0;
    if ((rc = learn_history(db, task, &bctx->target, tr->strategy, o, seeds, &n_seeds, err)))
      return rc;
    /* Only the model strategy takes them first: grid, random and ga keep their own order
     * (what bench/search compares, and what the tests count). */
    if (strcmp(o->strategy, "model") != 0) n_seeds = 0;
    for (int i = 0; i < n_seeds && added < QT_SIBLING_SEEDS; i++) {
      qt_config *c = &defaults[tr->n_defaults];
      qt_err ignored;
      if (qt_config_parse(space, seeds[i].knobs, c, &ignored)) continue; /* not in this space */
      const uint64_t idx = qt_space_encode(space, c);
      if (qt_strategy_was_excluded(tr->strategy, idx)) continue; /* a default already */
      qt_strategy_exclude(tr->strategy, idx);
      tr->n_defaults++;
      added++;
    }
    if (added)
      note(o,
           "task %d/%d %s: first the fastest %d config%s of the same shape in another "
           "scheme or data type (transfer)",
           t_index + 1, m->n_tasks, tr->layers, added, added > 1 ? "s" : "");
  }
  if ((rc = qt_expected_checksum(&task->w, o->protocol.data_seed, &tr->expected, err)))
    return qt_err_wrap(err, "task %s", task->key);
  prior_records pr = {tr, bctx, 0};
  if ((rc = qt_db_task_records(db, task->key, bctx->target.name, prior_record, &pr, err)))
    return rc;
  if (pr.count) {
    tr->ts.proposed += pr.count;
    tr->ts.done += pr.count;
    stats->skipped += pr.count;
    stats->done += pr.count;
    note(o, "task %d/%d %s: %d searched configs already in the log", t_index + 1, m->n_tasks,
         tr->layers, pr.count);
  }
  return 0;
}

/* How long a claim of this run holds against other tuners when its process cannot be checked
 * (another host): long enough for every job in flight to build and run once more. */
static int claim_lease_s(const qt_build_ctx *bctx, const qt_tune_options *o, const engine *e) {
  int per_job = (bctx->timeout_ms + o->run_timeout_ms) / 1000 + 1;
  return per_job * (e->n_threads + e->n_boards + 1);
}

/* Runs the task's trials until it has proposed `until` configs in all (or is exhausted,
 * stopped early or interrupted); returns with nothing in flight. */
static int task_advance(qt_db *db, int64_t session, const qt_build_ctx *bctx,
                        const qt_tune_options *o, engine *e, task_run *tr, int until,
                        qt_tune_stats *stats, qt_err *err) {
  const qt_task *task = tr->task;
  qt_space *space = &tr->space;
  qt_strategy *strategy = tr->strategy;
  task_state *tsp = &tr->ts;
  const char *protocol = tr->protocol;
  uint64_t expected = tr->expected;
  int rc = 0;
  int in_flight = 0, on_boards = 0;
  build_job *head = NULL, *tail = NULL; /* in flight, in submission order */
  tsp->planned = until;
  for (;;) {
    int stopping = rc || (o->stop && *o->stop) || task_stopped_early(o, tr);
    /* Keep the builders busy: up to jobs + boards variants ahead of the measurements. */
    while (!stopping && !tr->exhausted && tsp->proposed < until &&
           in_flight < e->n_threads + e->n_boards) {
      qt_config c;
      uint64_t idx;
      if (tr->defaults_taken < tr->n_defaults) {
        c = tr->defaults[tr->defaults_taken++];
        idx = qt_space_encode(space, &c);
      } else if (strategy->ops->next_batch(strategy, &idx, 1) == 1) {
        qt_space_decode(space, idx, &c);
      } else {
        tr->exhausted = 1;
        break;
      }
      tsp->proposed++;
      char knobs[QT_KNOBS_MAX], hash[17];
      qt_config_format(&c, knobs, sizeof knobs);
      qt_variant_source_hash(bctx, &task->w, &c, hash);
      qt_variant_id id = {&task->w, bctx->target.name, c.tpl->name, knobs, hash, protocol, NULL};
      qt_db_claim_state claim;
      if ((rc = qt_db_claim(db, session, &id, claim_lease_s(bctx, o, e), &claim, err))) break;
      if (claim == QT_DB_CLAIM_TAKEN) {
        /* Another tuner on this log is measuring it: its result will be in the log. */
        stats->claimed++;
        tsp->done++;
        note(o, "task %d/%d %s: %s is being measured by another tune run", tsp->index + 1,
             tsp->n_tasks, tsp->layers, knobs);
        continue;
      }
      if (claim == QT_DB_CLAIM_DONE) {
        /* The strategy learns from what the log holds as from what it measures. */
        double cost = -1, median;
        int ok = 0;
        if ((rc = qt_db_config_time(db, task->key, bctx->target.name, c.tpl->name, knobs,
                                    &median, &ok, err)))
          break;
        if (ok) cost = median;
        strategy->ops->update(strategy, &idx, &cost, 1);
        stats->skipped++;
        stats->done++;
        tsp->done++;
        progress(o, tsp, stats, knobs, NULL, NULL, 0);
        continue;
      }
      build_job *j = calloc(1, sizeof *j);
      if (!j) {
        rc = qt_fail(err, QT_ENOMEM, "out of memory");
        break;
      }
      j->w = &task->w;
      j->config = c;
      j->index = idx;
      j->state = JOB_BUILDING;
      if (tail) tail->order = j;
      else head = j;
      tail = j;
      pthread_mutex_lock(&e->mu);
      push(&e->todo_head, &e->todo_tail, j);
      pthread_cond_signal(&e->build_cv);
      pthread_mutex_unlock(&e->mu);
      in_flight++;
    }
    stopping = stopping || rc;
    if (in_flight == 0) break;

    /* Under the engine's lock: hand built jobs to idle boards in submission order (one
     * measurement per live board), then take the first job that is ready to record or drop,
     * or wait for one. Jobs stay on the in-flight list until then. */
    build_job *done = NULL;
    pthread_mutex_lock(&e->mu);
    for (;;) {
      int live = e->n_boards - e->n_given_up;
      if (!stopping) {
        for (build_job *p = head; p && on_boards < live; p = p->order) {
          if (p->state == JOB_BUILDING) break;
          if (p->state != JOB_BUILT || p->rc || p->art.status != QT_STATUS_OK) continue;
          p->state = JOB_QUEUED;
          p->dispatched = 1;
          push(&e->run_head, &e->run_tail, p);
          on_boards++;
          pthread_cond_broadcast(&e->board_cv);
        }
      }
      for (build_job *p = head; p && !done; p = p->order)
        if (p->state == JOB_RAN || (p->state == JOB_BUILT && (stopping || p->rc ||
                                                             p->art.status != QT_STATUS_OK)))
          done = p;
      if (done) break;
      if (live == 0 && (on_boards > 0 || !stopping)) {
        /* Every board is given up: nothing runs, the queued jobs are stranded, and built ones
         * are dropped (stopping) as they come. */
        if (!rc)
          rc = qt_fail(err, QT_ERUN, "every board of target %s is down (last error: %s); "
                       "stopping: the log holds everything measured so far",
                       bctx->target.name, e->last_board_error);
        stopping = 1;
        build_job *j;
        while ((j = pop(&e->run_head, &e->run_tail))) {
          unlink_order(&head, &tail, j);
          on_boards--;
          in_flight--;
          free(j);
        }
        continue;
      }
      if (in_flight == 0) break;
      pthread_cond_wait(&e->main_cv, &e->mu);
    }
    pthread_mutex_unlock(&e->mu);
    if (!done) break; /* in_flight == 0 */
    unlink_order(&head, &tail, done);
    in_flight--;
    if (done->dispatched) on_boards--;
    if (!done->dispatched) done->board = e->boards[0].rn; /* a build outcome: never ran */
    /* A finished run is recorded even when stopping (it was measured); a build failure only
     * when not stopping; nothing after a tuner error. */
    if (!rc && (done->state == JOB_RAN || !stopping)) {
      double cost;
      rc = measure_job(db, session, task, bctx, o, protocol, expected, done, e->n_boards > 1,
                       tsp, stats, &cost, err);
      if (!rc && cost != 0) strategy->ops->update(strategy, &done->index, &cost, 1);
    }
    qt_proc_result_free(&done->r);
    free(done);
  }
  return rc;
}

/* Ends the task: its final re-measurement (unless interrupted or failed) and its strategy. */
static int task_finish(qt_db *db, int64_t session, const qt_build_ctx *bctx,
                       const qt_tune_options *o, engine *e, task_run *tr, int rc,
                       qt_tune_stats *stats, qt_err *err) {
  if (!rc && !(o->stop && *o->stop))
    rc = confirm_task(db, session, tr->task, &tr->space, bctx, o, e, tr->protocol, tr->expected,
                      &tr->ts, stats, err);
  /* A task that ended short of its own budget (space exhausted, early stop) gives the run's
   * plan back; under a shared budget the others spend it. */
  if (!o->budget && tr->ts.done < o->trials && !(o->stop && *o->stop))
    stats->planned -= o->trials - tr->ts.done;
  qt_tune_event ev;
  memset(&ev, 0, sizeof ev);
  ev.kind = QT_TUNE_EV_TASK_END;
  emit(o, &tr->ts, stats, &ev);
  qt_strategy_destroy(tr->strategy);
  tr->strategy = NULL;
  return rc;
}

static int tune_task(qt_db *db, int64_t session, const qt_model *m, int t_index,
                     const qt_build_ctx *bctx, const qt_tune_options *o, engine *e,
                     qt_tune_stats *stats, qt_err *err) {
  task_run *tr = malloc(sizeof *tr);
  if (!tr) return qt_fail(err, QT_ENOMEM, "out of memory");
  int rc = task_begin(db, m, t_index, bctx, o, stats, tr, err);
  if (!rc) rc = task_advance(db, session, bctx, o, e, tr, o->trials, stats, err);
  if (tr->strategy) rc = task_finish(db, session, bctx, o, e, tr, rc, stats, err);
  free(tr);
  return rc;
}

/* The model's tasks under one budget of o->budget trials (schedule.h): every task first gets
 * its baselines and a few trials, in model order (so transfer sees the earlier tasks), then
 * slices of QT_SLICE trials go to the task the scheduler ranks first, until the budget is
 * spent or every task is exhausted or stopped early; each task is re-measured at the end. */
#define QT_SLICE 8
#define QT_WARMUP 4

static void note_progress(const task_run *tr, int open, qt_task_progress *p) {
  p->weight = tr->task->n_layers;
  p->best_ns = tr->ts.best_ns;
  p->trials = tr->ts.proposed;
  p->open = open;
}

static int tune_shared_budget(qt_db *db, int64_t session, const qt_model *m,
                              const qt_build_ctx *bctx, const qt_tune_options *o, engine *e,
                              qt_tune_stats *stats, qt_err *err) {
  int n = m->n_tasks, used = 0, rc = 0;
  if (o->budget < n)
    return qt_fail(err, QT_EINVAL, "a budget of %d trials cannot give each of the %d distinct "
                   "workloads its baseline; give at least %d", o->budget, n, n);
  task_run *trs = calloc((size_t)n, sizeof *trs);
  qt_task_progress *pg = calloc((size_t)n, sizeof *pg);
  if (!trs || !pg) {
    free(trs);
    free(pg);
    return qt_fail(err, QT_ENOMEM, "out of memory");
  }
  for (int t = 0; t < n && !rc; t++) {
    if (o->stop && *o->stop) break;
    task_run *tr = &trs[t];
    if ((rc = task_begin(db, m, t, bctx, o, stats, tr, err))) break;
    stats->tasks++;
    int share = (o->budget - used) / (n - t);
    int warm = tr->n_defaults + QT_WARMUP;
    if (warm > share) warm = share > 0 ? share : 1;
    rc = task_advance(db, session, bctx, o, e, tr, warm, stats, err);
    used += tr->ts.proposed;
    note_progress(tr, !tr->exhausted && !task_stopped_early(o, tr), &pg[t]);
  }
  while (!rc && used < o->budget && !(o->stop && *o->stop)) {
    int k = qt_schedule_next(pg, n);
    if (k < 0) break;
    task_run *tr = &trs[k];
    double before = tr->ts.best_ns;
    int had = tr->ts.proposed;
    int slice = o->budget - used < QT_SLICE ? o->budget - used : QT_SLICE;
    char shown[48];
    qt_timing_format(bctx->target.timing, before, shown, sizeof shown);
    note(o, "scheduler: %d trials to task %d/%d %s (best %s, %d trials so far, %d of %d "
         "spent)", slice, k + 1, n, tr->layers, shown, had, used, o->budget);
    rc = task_advance(db, session, bctx, o, e, tr, had + slice, stats, err);
    used += tr->ts.proposed - had;
    note_progress(tr, !tr->exhausted && !task_stopped_early(o, tr) && tr->ts.proposed > had,
                  &pg[k]);
    pg[k].gain = before > 0 && tr->ts.best_ns > 0 && tr->ts.best_ns < before
                     ? (before - tr->ts.best_ns) / before : 0;
  }
  for (int t = 0; t < n; t++)
    if (trs[t].strategy) rc = task_finish(db, session, bctx, o, e, &trs[t], rc, stats, err);
  if (!rc && o->stop && *o->stop)
    rc = qt_fail(err, QT_EINTERRUPTED, "interrupted with %d of %d budgeted trials spent", used,
                 o->budget);
  free(trs);
  free(pg);
  return rc;
}

int qt_task_shard(const char *workload_key, int count) {
  if (count < 1) return 1;
  return (int)(qt_hash64(workload_key, strlen(workload_key), QT_HASH_SEED) % (uint64_t)count) + 1;
}

/* m restricted to the tasks of shard o->shard_index: the same layers, a copy of the task
 * array holding only that shard's tasks (their layer arrays shared with m). */
static int shard_view(const qt_model *m, const qt_tune_options *o, qt_model *view,
                      qt_err *err) {
  *view = *m;
  if (o->shard_count <= 0) return 0;
  if (o->shard_index < 1 || o->shard_index > o->shard_count)
    return qt_fail(err, QT_EINVAL, "shard %d/%d: the index must be in 1..%d", o->shard_index,
                   o->shard_count, o->shard_count);
  view->tasks = calloc((size_t)(m->n_tasks ? m->n_tasks : 1), sizeof *view->tasks);
  if (!view->tasks) return qt_fail(err, QT_ENOMEM, "out of memory");
  view->n_tasks = 0;
  for (int t = 0; t < m->n_tasks; t++)
    if (qt_task_shard(m->tasks[t].key, o->shard_count) == o->shard_index)
      view->tasks[view->n_tasks++] = m->tasks[t];
  return 0;
}

/* Drops from view (a copy of its task array, made here if view still shares full's) the
 * tasks the target cannot run: the space reports them unsupported (their data does not fit
 * the board's SRAM, qt_space_fits), with the sizes, and they are noted, counted in
 * stats->unsupported and never built or run. */
static int drop_unsupported(const qt_model *full, qt_model *view, const qt_target *t,
                            const qt_tune_options *o, qt_tune_stats *stats, qt_err *err) {
  int keep = 0;
  for (int i = 0; i < view->n_tasks; i++) {
    char why[400];
    if (qt_space_fits(&view->tasks[i].w, t, why, sizeof why)) {
      keep++;
      continue;
    }
    char layers[256];
    layer_names(full, &view->tasks[i], layers, sizeof layers);
    note(o, "task %s (%s): unsupported on target %s, not tuned: it %s", layers,
         view->tasks[i].key, t->name, why);
    stats->unsupported++;
  }
  if (keep == view->n_tasks) return 0;
  if (view->tasks == full->tasks) {
    view->tasks = calloc((size_t)(view->n_tasks ? view->n_tasks : 1), sizeof *view->tasks);
    if (!view->tasks) return qt_fail(err, QT_ENOMEM, "out of memory");
    memcpy(view->tasks, full->tasks, sizeof *view->tasks * (size_t)full->n_tasks);
  }
  int n = 0;
  for (int i = 0; i < view->n_tasks; i++)
    if (qt_space_fits(&view->tasks[i].w, t, NULL, 0)) view->tasks[n++] = view->tasks[i];
  view->n_tasks = n;
  return 0;
}

int qt_tune_model_boards(qt_db *db, int64_t session, const qt_model *full,
                         const qt_build_ctx *bctx, qt_runner **boards, int n_boards,
                         const qt_tune_options *o, qt_tune_stats *stats, qt_err *err) {
  memset(stats, 0, sizeof *stats);
  if (n_boards < 1 || n_boards > QT_BOARDS_MAX)
    return qt_fail(err, QT_EINVAL, "board count %d out of range (1..%d)", n_boards,
                   QT_BOARDS_MAX);
  double start = qt_now_ms();
  qt_model view;
  int rc = shard_view(full, o, &view, err);
  if (!rc && (rc = drop_unsupported(full, &view, &bctx->target, o, stats, err)) &&
      view.tasks != full->tasks)
    free(view.tasks);
  if (rc) return rc;
  const qt_model *m = &view;
  stats->planned = o->budget > 0 ? o->budget : m->n_tasks * o->trials;
  engine *e = malloc(sizeof *e);
  if (!e) {
    if (view.tasks != full->tasks) free(view.tasks);
    return qt_fail(err, QT_ENOMEM, "out of memory");
  }
  rc = engine_start(e, bctx, boards, n_boards, o, err);
  if (rc) {
    if (view.tasks != full->tasks) free(view.tasks);
    free(e);
    return rc;
  }
  if (m->n_tasks == 0) {
    /* A shard of a model with fewer workloads than shards: nothing of it is here. */
  } else if (o->budget > 0) {
    rc = tune_shared_budget(db, session, m, bctx, o, e, stats, err);
  } else {
    for (int t = 0; t < m->n_tasks && !rc; t++) {
      if (o->stop && *o->stop) {
        rc = qt_fail(err, QT_EINTERRUPTED, "interrupted before task %d of %d", t + 1,
                     m->n_tasks);
        break;
      }
      rc = tune_task(db, session, m, t, bctx, o, e, stats, err);
      stats->tasks++;
    }
  }
  engine_stop(e);
  free(e);
  if (view.tasks != full->tasks) free(view.tasks);
  stats->seconds = (qt_now_ms() - start) / 1e3;
  return rc;
}

int qt_tune_model(qt_db *db, int64_t session, const qt_model *m, const qt_build_ctx *bctx,
                  qt_runner *rn, const qt_tune_options *o, qt_tune_stats *stats, qt_err *err) {
  return qt_tune_model_boards(db, session, m, bctx, &rn, 1, o, stats, err);
}
