/* test_tune_loop.c — the tuning loop against a fake runner: artifacts are really built, but
 * the "board" answers from a script, so the loop's logic can be checked exactly: the default
 * config is measured for every task, the trial budget holds, wrong answers and runtime errors
 * are recorded and never win, early stopping ends a task, and a second identical run measures
 * nothing (resume). The board pool: two boards measure in parallel, a board that fails has its
 * job requeued to the other one, and a run whose boards all fail stops with QT_ERUN. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../qt_test.h"
#include "tuner/base/config.h"
#include "tuner/loop/tune.h"
#include "tuner/output/report.h"

typedef enum { SCRIPT_DECREASING, SCRIPT_INCREASING, SCRIPT_LUCKY } script_kind;

#define FAKE_SEEN_MAX 32

/* Which board served each run, in order, across the boards sharing it. */
typedef struct fake_trace {
  int n;
  int board[64];
} fake_trace;

typedef struct fake_board {
  script_kind kind;
  uint64_t expected; /* the correct checksum of the workload being tuned */
  int calls;
  double min_ok_ns;  /* smallest per-run time answered with a correct checksum */
  int sleep_us;      /* per run, so two boards overlap */
  int down;          /* every run fails on the board's side */
  volatile sig_atomic_t *stop; /* if set, the run raises it at call stop_at (a user's Ctrl-C) */
  int stop_at;
  /* LUCKY: artifacts run before and their first time. A rerun answers 200000 - first, so
   * that the search's fastest config is the slowest on re-measurement. */
  int n_seen;
  char *seen[FAKE_SEEN_MAX];
  double first_ns[FAKE_SEEN_MAX];
  fake_trace *trace; /* if set, each run appends id */
  int lucky_reruns;  /* any kind: a rerun answers 200000 - its first time, as LUCKY */
  int id;
  /* If set, this board's first run waits (up to 30 s) until that board has been called. The
   * pool gives a job to whichever idle board wakes first; on a loaded machine one board can
   * win every job, and a test of sharing or of requeueing would then depend on luck. */
  struct fake_board *first_waits_for;
} fake_board;

/* LUCKY: the index of artifact in b->seen, or -1. */
static int fake_seen(const fake_board *b, const char *artifact) {
  for (int i = 0; i < b->n_seen; i++)
    if (strcmp(b->seen[i], artifact) == 0) return i;
  return -1;
}

static void fake_ok_line(const fake_board *b, double ns, char *line, size_t cap) {
  snprintf(line, cap, "QTRESULT 1 status=ok checksum=%016llx number=2 repeat=1 times_ns=%.0f\n",
           (unsigned long long)b->expected, 2 * ns);
}

/* Call k answers: every 4th call a wrong checksum, every 7th a crash, else ok with a time that
 * falls (DECREASING: every config beats the last) or rises (INCREASING: the first is best). */
static int fake_run(qt_runner *rn, const char *artifact, char *const args[], int timeout_ms,
                    qt_proc_result *r, qt_err *err) {
  fake_board *b = rn->impl;
  int k = __atomic_add_fetch(&b->calls, 1, __ATOMIC_SEQ_CST);
  if (k == 1 && b->first_waits_for)
    for (int waited_ms = 0;
         waited_ms < 30000 && __atomic_load_n(&b->first_waits_for->calls, __ATOMIC_SEQ_CST) == 0;
         waited_ms++)
      usleep(1000);
  if (b->trace) {
    int at = __atomic_fetch_add(&b->trace->n, 1, __ATOMIC_SEQ_CST);
    if (at < 64) b->trace->board[at] = b->id;
  }
  if (b->sleep_us) usleep((useconds_t)b->sleep_us);
  if (b->down) return qt_fail(err, QT_EIO, "board %s: connection lost", rn->name);
  if (b->stop && k == b->stop_at) *b->stop = 1;
  memset(r, 0, sizeof *r);
  r->exited = 1;
  char line[256];
  double ns = b->kind == SCRIPT_INCREASING ? 1000.0 + 100 * k : 100000.0 - 1000 * k;
  const int lucky = b->kind == SCRIPT_LUCKY || b->lucky_reruns;
  int again = lucky ? fake_seen(b, artifact) : -1;
  if (again >= 0) {
    fake_ok_line(b, 200000.0 - b->first_ns[again], line, sizeof line);
  } else if (k % 4 == 0) {
    snprintf(line, sizeof line, "QTRESULT 1 status=ok checksum=%016llx number=1 repeat=1 "
             "times_ns=1\n", (unsigned long long)(b->expected ^ 1));
  } else if (k % 7 == 0) {
    snprintf(line, sizeof line, "QTRESULT 1 status=error reason=signal detail=SIGSEGV\n");
    r->exited = 0;
    r->signal = 11;
  } else {
    fake_ok_line(b, ns, line, sizeof line);
    if (b->min_ok_ns == 0 || ns < b->min_ok_ns) b->min_ok_ns = ns;
    if (lucky && b->n_seen < FAKE_SEEN_MAX) {
      b->first_ns[b->n_seen] = ns;
      b->seen[b->n_seen++] = strdup(artifact);
    }
  }
  r->out = strdup(line);
  r->out_len = strlen(line);
  return 0;
}

/* The canonical knob string of w's default config on target t. */
static void default_knobs(const qt_workload *w, const qt_target *t, char knobs[QT_KNOBS_MAX]) {
  qt_space sp;
  qt_config def;
  qt_err err;
  knobs[0] = '\0';
  CHECK(qt_space_init(&sp, w, t, &err) == 0);
  CHECK(qt_space_default(&sp, &def) == 0);
  qt_config_format(&def, knobs, QT_KNOBS_MAX);
}

static int fake_connect(qt_runner *rn, qt_err *err) { return 0; }
/* What the loop told its caller (qt_tune_event), for checking the counts it reports. */
typedef struct events {
  int trials, failed, skipped, task_ends, notes, in_order;
  int last_done, last_planned, end_planned, end_task_done;
} events;

static void record_event(void *ctx, const qt_tune_event *ev) {
  events *e = ctx;
  if (ev->kind == QT_TUNE_EV_NOTE) {
    e->notes += ev->text && ev->text[0];
    return;
  }
  if (ev->kind == QT_TUNE_EV_TASK_END) {
    e->task_ends++;
    e->end_planned = ev->run_planned;
    e->end_task_done = ev->task_done;
    return;
  }
  e->trials++;
  e->skipped += ev->skipped;
  e->failed += !ev->skipped && !ev->missing && ev->status != QT_STATUS_OK;
  e->in_order += ev->run_done == e->last_done + 1 && ev->task_done <= ev->task_planned;
  e->last_done = ev->run_done;
  e->last_planned = ev->run_planned;
}

static void fake_destroy(qt_runner *rn) { (void)rn; }
static const qt_runner_ops fake_ops = {"fake", fake_connect, fake_run, fake_destroy, NULL, NULL};

int main(void) {
  qt_err err;
  qt_target t;
  CHECK(qt_target_load(QT_SOURCE_DIR "/configs", "host", &t, &err) == 0);
  /* The suite's shared artifact cache when ctest names one (the other build tree's run has
   * built the same variants: nothing checked here depends on building afresh), else a fresh
   * one of its own, removed at the end. */
  const char *shared = getenv("QT_TEST_CACHE_DIR");
  char own[] = "/tmp/qtune-loop-XXXXXX";
  const char *cache = shared && shared[0] ? shared : own;
  if (cache == own) CHECK(mkdtemp(own) != NULL);
  qt_build_ctx *bctx = malloc(sizeof *bctx);
  CHECK(qt_build_ctx_init(bctx, QT_SOURCE_DIR "/kernels", cache, &t, 120000, &err) == 0);
  qt_db *db;
  CHECK(qt_db_open(":memory:", 1000, &db, &err) == 0);
  int64_t session;
  CHECK(qt_db_session_begin(db, "test", "0", &session, &err) == 0);

  qt_model m;
  CHECK(qt_model_from_workload("dwconv:s8:fixedpoint:n1:i6x6x16:o6x6x16:k3x3:s1x1:d1x1:p1,1,1,1:m1",
                               &m, &err) == 0);
  fake_board board = {.kind = SCRIPT_DECREASING};
  qt_protocol proto = QT_PROTOCOL_DEFAULTS;
  CHECK(qt_expected_checksum(&m.tasks[0].w, proto.data_seed, &board.expected, &err) == 0);
  qt_runner rn = {&fake_ops, "fake", &board, {0, 0, 0}, 0};
  qt_tune_options o = {0};
  o.strategy = "random";
  o.trials = 9;
  o.jobs = 2;
  o.seed = 5;
  o.protocol = proto;
  o.run_timeout_ms = 10000;
  o.build_cpu_avoid = -1;
  events ev = {0};
  o.on_event = record_event;
  o.event_ctx = &ev;
  qt_tune_stats st;
  CHECK(qt_tune_model(db, session, &m, bctx, &rn, &o, &st, &err) == 0);
  CHECK_EQ_INT(st.measured, 9);
  /* The events count what was done: one per config, in order, then the task's end. */
  CHECK_EQ_INT(ev.trials, 9);
  CHECK_EQ_INT(ev.in_order, 9);
  CHECK_EQ_INT(ev.failed, 3);
  CHECK_EQ_INT(ev.skipped, 0);
  CHECK_EQ_INT(ev.last_done, 9);
  CHECK_EQ_INT(ev.last_planned, 9);
  CHECK_EQ_INT(ev.task_ends, 1);
  CHECK_EQ_INT(ev.end_task_done, 9);
  CHECK_EQ_INT(board.calls, 9);
  CHECK_EQ_INT(st.skipped, 0);
  CHECK_EQ_INT(st.failed, 3); /* calls 4 and 8 wrong, call 7 crashed */

  qt_db_row best;
  int found;
  CHECK(qt_db_best(db, m.tasks[0].key, "host", &best, &found, &err) == 0);
  CHECK(found);
  CHECK(best.median_ns == board.min_ok_ns); /* the wrong answers had faster "times" */
  int64_t all, ok;
  CHECK(qt_db_count(db, m.tasks[0].key, "host", &all, &ok, &err) == 0);
  CHECK_EQ_INT(all, 9);
  CHECK_EQ_INT(ok, 6);

  /* The default config was measured (first: call 1 is ok and slowest). */
  qt_space space;
  qt_config def;
  char knobs[QT_KNOBS_MAX];
  CHECK(qt_space_init(&space, &m.tasks[0].w, &t, &err) == 0);
  CHECK(qt_space_default(&space, &def) == 0);
  qt_config_format(&def, knobs, sizeof knobs);
  double def_ns;
  CHECK(qt_db_config_time(db, m.tasks[0].key, "host", def.tpl->name, knobs, &def_ns, &found,
                          &err) == 0);
  CHECK(found && def_ns == 99000.0);

  /* Resume: the same run again measures nothing. */
  CHECK(qt_tune_model(db, session, &m, bctx, &rn, &o, &st, &err) == 0);
  CHECK_EQ_INT(st.measured, 0);
  CHECK_EQ_INT(st.skipped, 9);
  CHECK_EQ_INT(board.calls, 9);
  /* A bigger budget measures only the new configs. */
  o.trials = 12;
  CHECK(qt_tune_model(db, session, &m, bctx, &rn, &o, &st, &err) == 0);
  CHECK_EQ_INT(st.measured, 3);
  CHECK_EQ_INT(st.skipped, 9);

  /* Early stopping: with every config slower than the default, stop after 2 without a gain. */
  qt_model m2;
  CHECK(qt_model_from_workload("conv2d:s8:fp32:n1:i5x5x8:o5x5x16:k1x1:s1x1:d1x1:p0,0,0,0:m1",
                               &m2, &err) == 0);
  fake_board inc = {.kind = SCRIPT_INCREASING};
  CHECK(qt_expected_checksum(&m2.tasks[0].w, proto.data_seed, &inc.expected, &err) == 0);
  qt_runner rn2 = {&fake_ops, "fake", &inc, {0, 0, 0}, 0};
  o.trials = 20;
  o.early_stop = 2;
  ev = (events){0};
  CHECK(qt_tune_model(db, session, &m2, bctx, &rn2, &o, &st, &err) == 0);
  CHECK_EQ_INT(st.measured, 3);
  CHECK_EQ_INT(inc.calls, 3);
  /* Planned 20, stopped early after 3: the run's plan shrinks to what was done. */
  CHECK_EQ_INT(ev.last_planned, 20);
  CHECK_EQ_INT(ev.end_planned, 3);

  /* A stop request ends the run, with exactly what was measured recorded. Raised before the
   * run: nothing is measured, the log is unchanged. */
  int64_t logged, logged_ok, logged_before;
  CHECK(qt_db_count(db, m2.tasks[0].key, "host", &logged_before, &logged_ok, &err) == 0);
  volatile sig_atomic_t stop = 1;
  o.stop = &stop;
  CHECK(qt_tune_model(db, session, &m2, bctx, &rn2, &o, &st, &err) == QT_EINTERRUPTED);
  CHECK_EQ_INT(st.measured, 0);
  CHECK_EQ_INT(inc.calls, 3);
  CHECK(qt_db_count(db, m2.tasks[0].key, "host", &logged, &logged_ok, &err) == 0);
  CHECK_EQ_INT(logged, logged_before);
  /* Raised by the board during the run's second measurement: the (only) task ends there,
   * well inside its budget of 20, and what ran (that one included) is in the log, one record
   * per measurement, and nothing else. */
  stop = 0;
  o.early_stop = 0;
  inc.stop = &stop;
  inc.stop_at = inc.calls + 2;
  CHECK_MSG(qt_tune_model(db, session, &m2, bctx, &rn2, &o, &st, &err) == 0, "%s", err.msg);
  CHECK(st.measured >= 2 && st.measured < 10);
  CHECK_EQ_INT(inc.calls - 3, st.measured);
  CHECK(qt_db_count(db, m2.tasks[0].key, "host", &logged, &logged_ok, &err) == 0);
  CHECK_EQ_INT(logged - logged_before, st.measured);
  inc.stop = NULL;

  /* Board pool: two boards share a task's measurements, in parallel. */
  o.stop = NULL;
  o.early_stop = 0;
  o.trials = 8;
  qt_model m3;
  CHECK(qt_model_from_workload("dwconv:s8:fp32:n1:i6x6x8:o6x6x8:k3x3:s1x1:d1x1:p1,1,1,1:m1", &m3,
                               &err) == 0);
  fake_board pa = {.kind = SCRIPT_DECREASING, .sleep_us = 20000}, pb = pa;
  CHECK(qt_expected_checksum(&m3.tasks[0].w, proto.data_seed, &pa.expected, &err) == 0);
  pb.expected = pa.expected;
  pa.first_waits_for = &pb; /* pb takes the job dispatched while pa runs its first */
  qt_runner ra = {&fake_ops, "pa", &pa, {0, 0, 0}, 0}, rb = {&fake_ops, "pb", &pb, {0, 0, 0}, 0};
  qt_runner *pool[2] = {&ra, &rb};
  CHECK(qt_tune_model_boards(db, session, &m3, bctx, pool, 2, &o, &st, &err) == 0);
  CHECK_EQ_INT(st.measured, 8);
  CHECK_EQ_INT(pa.calls + pb.calls, 8);
  CHECK(pa.calls > 0 && pb.calls > 0);

  /* The final re-measurement runs all its rounds on one board (times of two boards do not
   * compare), though two are free. */
  qt_model m3b;
  CHECK(qt_model_from_workload("dwconv:s8:fp32:n1:i8x8x8:o6x6x8:k3x3:s1x1:d1x1:p0,0,0,0:m1",
                               &m3b, &err) == 0);
  fake_trace trace = {0, {0}};
  fake_board qa = {.kind = SCRIPT_DECREASING, .sleep_us = 2000, .trace = &trace, .id = 1};
  fake_board qb = qa;
  qb.id = 2;
  CHECK(qt_expected_checksum(&m3b.tasks[0].w, proto.data_seed, &qa.expected, &err) == 0);
  qb.expected = qa.expected;
  qt_runner rqa = {&fake_ops, "qa", &qa, {0, 0, 0}, 0}, rqb = {&fake_ops, "qb", &qb, {0, 0, 0}, 0};
  qt_runner *pool_q[2] = {&rqa, &rqb};
  o.trials = 6;
  o.confirm = 3;
  CHECK(qt_tune_model_boards(db, session, &m3b, bctx, pool_q, 2, &o, &st, &err) == 0);
  CHECK_MSG(trace.n > 6 + 3 && trace.n <= 64, "%d runs", trace.n);
  int other = 0;
  for (int i = 7; i < trace.n && i < 64; i++) other += trace.board[i] != trace.board[6];
  CHECK_MSG(other == 0, "%d of %d re-measurement runs on another board than the first",
            other, trace.n - 6);
  qt_model_free(&m3b);

  /* A verdict won by another config than the default: first times rise (the default, first,
   * is the fastest), reruns answer 200000 - first (the default becomes the slowest). */
  qt_model m3c;
  CHECK(qt_model_from_workload("dwconv:s8:fp32:n1:i9x9x8:o7x7x8:k3x3:s1x1:d1x1:p0,0,0,0:m1",
                               &m3c, &err) == 0);
  fake_board inc2 = {.kind = SCRIPT_INCREASING, .lucky_reruns = 1};
  CHECK(qt_expected_checksum(&m3c.tasks[0].w, proto.data_seed, &inc2.expected, &err) == 0);
  qt_runner rinc2 = {&fake_ops, "inc2", &inc2, {0, 0, 0}, 0};
  CHECK(qt_tune_model(db, session, &m3c, bctx, &rinc2, &o, &st, &err) == 0);
  /* The summary sets the default's median over the same rounds beside the confirmed best,
   * so the verdict's winner never reads as slower than the default. */
  qt_layer_report rep[1];
  CHECK(qt_report_collect(db, &m3c, &bctx->target, rep, &err) == 0);
  CHECK(rep[0].has_best && rep[0].best.confirmed && rep[0].has_default);
  double def_rounds = 0, def_min = 0;
  int in_rounds = 0, has_min = 0;
  CHECK(qt_db_verdict_config_time(db, m3c.tasks[0].key, "host", rep[0].default_knobs,
                                  rep[0].default_knobs, &def_rounds, &in_rounds, &err) == 0);
  CHECK_EQ_INT(in_rounds, 0); /* the knob string is not a template name: no such config */
  char tpl[64];
  snprintf(tpl, sizeof tpl, "%.*s", (int)strcspn(rep[0].default_knobs, ":"), rep[0].default_knobs);
  CHECK(qt_db_verdict_config_time(db, m3c.tasks[0].key, "host", tpl, rep[0].default_knobs,
                                  &def_rounds, &in_rounds, &err) == 0);
  CHECK(qt_db_config_time(db, m3c.tasks[0].key, "host", tpl, rep[0].default_knobs, &def_min,
                          &has_min, &err) == 0);
  CHECK(in_rounds && has_min && def_min < def_rounds); /* falling times: the last round is least */
  CHECK_MSG(rep[0].default_ns == def_rounds && rep[0].default_ns >= rep[0].best.median_ns,
            "default %.0f (rounds %.0f, lowest %.0f), confirmed best %.0f", rep[0].default_ns,
            def_rounds, def_min, rep[0].best.median_ns);
  for (int i = 0; i < inc2.n_seen; i++) free(inc2.seen[i]);
  qt_model_free(&m3c);
  o.confirm = 0;
  o.trials = 8;

  /* A board that is down: its jobs go to the other board, nothing is lost. */
  qt_model m4;
  CHECK(qt_model_from_workload("dwconv:s8:fp32:n1:i7x7x8:o7x7x8:k3x3:s1x1:d1x1:p1,1,1,1:m1", &m4,
                               &err) == 0);
  fake_board up = {.kind = SCRIPT_DECREASING, .sleep_us = 1000}, dn = {.kind = SCRIPT_DECREASING, .down = 1};
  CHECK(qt_expected_checksum(&m4.tasks[0].w, proto.data_seed, &up.expected, &err) == 0);
  up.first_waits_for = &dn; /* so dn is surely offered a job, whatever the scheduler does */
  qt_runner rup = {&fake_ops, "up", &up, {0, 0, 0}, 0}, rdn = {&fake_ops, "dn", &dn, {0, 0, 0}, 0};
  qt_runner *pool2[2] = {&rdn, &rup};
  o.trials = 6;
  CHECK(qt_tune_model_boards(db, session, &m4, bctx, pool2, 2, &o, &st, &err) == 0);
  CHECK_EQ_INT(st.measured, 6);
  CHECK_EQ_INT(up.calls, 6);
  CHECK(dn.calls >= 1 && dn.calls <= 4); /* tried, backed off, given up after 4 */
  CHECK(qt_db_count(db, m4.tasks[0].key, "host", &all, &ok, &err) == 0);
  CHECK_EQ_INT(all, 6);

  /* Every board down: the run stops with QT_ERUN and says why. */
  qt_model m5;
  CHECK(qt_model_from_workload("dwconv:s8:fp32:n1:i5x5x8:o5x5x8:k3x3:s1x1:d1x1:p1,1,1,1:m1", &m5,
                               &err) == 0);
  fake_board d1 = {.kind = SCRIPT_DECREASING, .down = 1}, d2 = d1;
  qt_runner r1 = {&fake_ops, "d1", &d1, {0, 0, 0}, 0}, r2 = {&fake_ops, "d2", &d2, {0, 0, 0}, 0};
  qt_runner *pool3[2] = {&r1, &r2};
  CHECK_EQ_INT(qt_tune_model_boards(db, session, &m5, bctx, pool3, 2, &o, &st, &err), QT_ERUN);
  CHECK_MSG(strstr(err.msg, "every board of target host is down") &&
                strstr(err.msg, "connection lost"), "%s", err.msg);
  CHECK_EQ_INT(st.measured, 0);
  CHECK_EQ_INT(d1.calls, 4);
  CHECK_EQ_INT(d2.calls, 4);

  /* The final re-measurement: the search's best was a lucky sample (the fake makes every
   * rerun 200000 - first time), so the verdict does not go to it. The best three of the search
   * and the default config (which always takes part) are re-measured; the default, whose
   * first time was the slowest of them, re-measures fastest and wins; qt_db_best answers it,
   * marked confirmed. */
  qt_model m6;
  CHECK(qt_model_from_workload("dwconv:s8:fp32:n1:i6x6x24:o6x6x24:k3x3:s1x1:d1x1:p1,1,1,1:m1",
                               &m6, &err) == 0);
  fake_board lucky = {.kind = SCRIPT_LUCKY};
  CHECK(qt_expected_checksum(&m6.tasks[0].w, proto.data_seed, &lucky.expected, &err) == 0);
  qt_runner rl = {&fake_ops, "lucky", &lucky, {0, 0, 0}, 0};
  o.trials = 6;
  o.confirm = 3;
  CHECK(qt_tune_model(db, session, &m6, bctx, &rl, &o, &st, &err) == 0);
  /* 6 configs (call 4 a wrong answer), then the best 3 of the 5 ok ones and the default in 3
   * rounds */
  CHECK_EQ_INT(st.measured, 6 + 12);
  CHECK_EQ_INT(lucky.calls, 18);
  qt_db_row top[3];
  int n_top = 0;
  CHECK(qt_db_topk(db, m6.tasks[0].key, "host", 3, top, &n_top, &err) == 0);
  CHECK_EQ_INT(n_top, 3);
  /* first times of calls 6, 5, 3: 94000, 95000, 97000; reruns 106000, 105000, 103000; the
   * default (call 1): 99000, rerun 101000 */
  CHECK(top[0].median_ns == 94000.0 && top[2].median_ns == 97000.0);
  char def6_knobs[QT_KNOBS_MAX];
  default_knobs(&m6.tasks[0].w, &bctx->target, def6_knobs);
  CHECK(qt_db_best(db, m6.tasks[0].key, "host", &best, &found, &err) == 0);
  CHECK(found && best.confirmed);
  CHECK_MSG(strcmp(best.knobs, def6_knobs) == 0 && best.median_ns == 101000.0,
            "verdict %s %.0f, expected the default %s at 101000", best.knobs, best.median_ns,
            def6_knobs);
  /* Resume measures nothing new, so nothing is re-measured either. */
  CHECK(qt_tune_model(db, session, &m6, bctx, &rl, &o, &st, &err) == 0);
  CHECK_EQ_INT(st.measured, 0);
  CHECK_EQ_INT(lucky.calls, 18);
  for (int i = 0; i < lucky.n_seen; i++) free(lucky.seen[i]);

  /* A run stopped (Ctrl-C, or killed) during its re-measurement records no verdict; the
   * resumed run, though it has nothing new to measure, owes the task its verdict and
   * re-measures, ending as the uninterrupted run above did. */
  qt_model m7;
  CHECK(qt_model_from_workload("dwconv:s8:fp32:n1:i6x6x16:o6x6x16:k3x3:s1x1:d1x1:p1,1,1,1:m1",
                               &m7, &err) == 0);
  fake_board lucky2 = {.kind = SCRIPT_LUCKY};
  CHECK(qt_expected_checksum(&m7.tasks[0].w, proto.data_seed, &lucky2.expected, &err) == 0);
  qt_runner rl2 = {&fake_ops, "lucky2", &lucky2, {0, 0, 0}, 0};
  volatile sig_atomic_t stop7 = 0;
  lucky2.stop = &stop7;
  lucky2.stop_at = 6 + 5; /* the fifth run of the re-measurement */
  o.stop = &stop7;
  CHECK(qt_tune_model(db, session, &m7, bctx, &rl2, &o, &st, &err) == 0);
  CHECK_EQ_INT(lucky2.calls, 11);
  int64_t owed = 0;
  CHECK(qt_db_unconfirmed(db, m7.tasks[0].key, "host", &owed, &err) == 0);
  CHECK_MSG(owed > 0, "%lld ok measurements unconfirmed after the interrupted run", (long long)owed);
  CHECK(qt_db_best(db, m7.tasks[0].key, "host", &best, &found, &err) == 0);
  CHECK(found && !best.confirmed);
  stop7 = 0;
  lucky2.stop = NULL;
  CHECK(qt_tune_model(db, session, &m7, bctx, &rl2, &o, &st, &err) == 0);
  CHECK_EQ_INT(lucky2.calls, 11 + 12); /* nothing new, then the whole re-measurement */
  CHECK(qt_db_unconfirmed(db, m7.tasks[0].key, "host", &owed, &err) == 0);
  CHECK_EQ_INT((int)owed, 0);
  char def7_knobs[QT_KNOBS_MAX];
  default_knobs(&m7.tasks[0].w, &bctx->target, def7_knobs);
  CHECK(qt_db_best(db, m7.tasks[0].key, "host", &best, &found, &err) == 0);
  CHECK_MSG(found && best.confirmed && strcmp(best.knobs, def7_knobs) == 0,
            "after the resume: best %s (confirmed %d), expected the default %s confirmed",
            best.knobs, best.confirmed, def7_knobs);
  /* and once owed verdicts are paid, a resume measures nothing */
  CHECK(qt_tune_model(db, session, &m7, bctx, &rl2, &o, &st, &err) == 0);
  CHECK_EQ_INT(lucky2.calls, 23);
  for (int i = 0; i < lucky2.n_seen; i++) free(lucky2.seen[i]);
  qt_model_free(&m7);

  /* A killed re-measurement's rounds do not choose the resumed one's candidates: a round that
   * recorded a lucky 50 us for the search's best (no verdict saw it) would otherwise leave
   * every other config beyond 15% of it, and the resumed run would re-measure 2 configs, not
   * the 4 (best 3 + default) an uninterrupted run re-measures. */
  qt_model m8;
  CHECK(qt_model_from_workload("dwconv:s8:fp32:n1:i6x6x32:o6x6x32:k3x3:s1x1:d1x1:p1,1,1,1:m1", &m8,
                               &err) == 0);
  fake_board lucky3 = {.kind = SCRIPT_LUCKY};
  CHECK(qt_expected_checksum(&m8.tasks[0].w, proto.data_seed, &lucky3.expected, &err) == 0);
  qt_runner rl3 = {&fake_ops, "lucky3", &lucky3, {0, 0, 0}, 0};
  o.confirm = 0; /* the search alone, as a run killed at its first round leaves it */
  CHECK(qt_tune_model(db, session, &m8, bctx, &rl3, &o, &st, &err) == 0);
  CHECK_MSG(lucky3.calls == 6, "calls %d measured %d skipped %d failed %d", lucky3.calls,
            st.measured, st.skipped, st.failed);
  CHECK(qt_db_topk(db, m8.tasks[0].key, "host", 1, top, &n_top, &err) == 0);
  CHECK_EQ_INT(n_top, 1);
  qt_measurement round1;
  memset(&round1, 0, sizeof round1);
  round1.id = (qt_variant_id){
      &m8.tasks[0].w,  "host", top[0].template_name, top[0].knobs, top[0].source_hash,
      top[0].protocol, NULL};
  round1.board = "lucky3";
  round1.board_kind = "local";
  round1.status = QT_STATUS_OK;
  round1.n_times = 1;
  round1.times_ns[0] = round1.median_ns = round1.min_ns = round1.max_ns = 50000;
  round1.checksum = lucky3.expected;
  round1.round = 1;
  CHECK(qt_db_record(db, session, &round1, &err) == 0);
  o.confirm = 3;
  CHECK(qt_tune_model(db, session, &m8, bctx, &rl3, &o, &st, &err) == 0);
  CHECK_MSG(lucky3.calls == 6 + 12,
            "the resumed re-measurement ran %d times, want 12 (4 "
            "candidates in 3 rounds)",
            lucky3.calls - 6);
  CHECK(qt_db_unconfirmed(db, m8.tasks[0].key, "host", &owed, &err) == 0);
  CHECK_EQ_INT((int)owed, 0);
  for (int i = 0; i < lucky3.n_seen; i++) free(lucky3.seen[i]);
  qt_model_free(&m8);
  o.stop = NULL;
  o.confirm = 0;

  qt_model_free(&m6);
  qt_model_free(&m3);
  qt_model_free(&m4);
  qt_model_free(&m5);
  qt_model_free(&m);
  qt_model_free(&m2);
  qt_db_close(db);
  free(bctx);
  if (cache == own) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", own);
    CHECK(system(cmd) == 0);
  }
  return qt_test_finish();
}
