/* tune.h — the tuning loop: for every task of a model, measure the default config first
 * (every task gets a baseline), then configs proposed by the search strategy, until the trial
 * budget is spent or early stopping ends the task. Builds run on a pool of threads and overlap
 * with measurements, which run on a pool of boards (one worker thread per board); each
 * measurement is judged against the host reference and committed to the log as it arrives. Configs the log already holds (same workload, target,
 * template, knobs, sources and protocol, final status) are not measured again but still count
 * against the budget, so re-running a command finishes what an interrupted run left. */
#ifndef QT_TUNE_H
#define QT_TUNE_H

#include <stdint.h>
#include <stdio.h>

#include <signal.h>

#include "db/db.h"
#include "tuner/base/config.h"
#include "tuner/build/build.h"
#include "tuner/run/measure.h"
#include "tuner/run/runner.h"

/* What the loop tells its caller as it goes. The loop only emits these; rendering them (a live
 * line on a terminal, plain lines in a file) is the caller's business. */
typedef enum qt_tune_event_kind {
  QT_TUNE_EV_TRIAL,    /* a config of the search is done: measured, found in the log, or
                          missing from a replayed log */
  QT_TUNE_EV_TASK_END, /* a task is finished (its re-measurement included) */
  QT_TUNE_EV_NOTE      /* one line of text: a board down or back, a re-measurement, the
                          scheduler's choice, what the log already held */
} qt_tune_event_kind;

typedef struct qt_tune_event {
  qt_tune_event_kind kind;
  int task, n_tasks;  /* 0-based index of the task, and the model's task count */
  const char *layers; /* the task's layers, "block2_dw,block3_dw" */
  int task_done;      /* the task's configs done so far */
  int task_planned;   /* what its budget allows (per-task --trials; under a shared budget,
                         its trials so far plus the slice it was given) */
  int run_done;       /* configs done in this run, every task (re-measurements not counted) */
  int run_planned;    /* configs the run plans in all; shrinks when a task ends short of its
                         budget (exhausted space, early stop) */
  int run_measured;   /* of run_done, those measured by this run (not found in a log): the
                         ones that take time, for a rate */
  double best_ns;     /* the task's best median so far, 0: none yet */
  /* QT_TUNE_EV_TRIAL: */
  const char *knobs;  /* canonical config string */
  int skipped;        /* 1: already in the log, not measured again */
  int missing;        /* 1: a replayed log lacks it; nothing recorded */
  qt_status status;   /* when neither skipped nor missing */
  double median_ns;   /* status ok */
  const char *error;  /* failed status: the error text ("" if none) */
  const char *board;  /* the board that ran it when several measure; else NULL */
  /* QT_TUNE_EV_NOTE: */
  const char *text;   /* the line, without a newline */
} qt_tune_event;

/* Called from the tuning thread and, for board notes, from board threads: an implementation
 * that keeps state must lock. The event and its strings live only during the call. */
typedef void (*qt_tune_event_fn)(void *ctx, const qt_tune_event *ev);

typedef struct qt_tune_options {
  const char *strategy; /* a name qt_strategy_create takes ("model", "random", ...) */
  int transfer;         /* 1: a learning strategy starts from the log's records of the
                           target's other workloads */
  int trials;           /* configs per task, the default included (when budget is 0) */
  int budget;           /* > 0: configs for the whole model, shared out by the task
                           scheduler (schedule.h) instead of `trials` per task */
  int early_stop;       /* stop a task after this many measured configs without a new best; 0 off */
  int jobs;             /* build threads */
  int confirm;          /* re-measure up to this many best configs per task against each
                           other at its end (docs/DESIGN.md §4); < 2: off */
  uint64_t seed;        /* search seed */
  int shard_index;      /* with shard_count > 0: tune only the tasks of shard shard_index */
  int shard_count;      /* (1-based, of shard_count; qt_task_shard); 0: every task */
  qt_protocol protocol;
  int run_timeout_ms;
  int build_cpu_avoid;  /* CPU the build threads keep off (the one measurements pin to), -1 none */
  qt_tune_event_fn on_event; /* progress and notes (NULL: silent); see qt_tune_event */
  void *event_ctx;
  volatile sig_atomic_t *stop; /* set asynchronously (SIGINT) to stop after the current measurement */
} qt_tune_options;

typedef struct qt_tune_stats {
  int tasks;
  int measured;   /* measurements recorded by this run */
  int skipped;    /* configs already in the log */
  int failed;     /* recorded with a status other than ok */
  int missing;    /* replay: configs the replayed log does not hold (nothing recorded) */
  int claimed;    /* configs skipped because another live tuner on the log claimed them */
  int unsupported; /* tasks the target cannot run (qt_space_fits), not tuned */
  double search_ms; /* spent by the strategy deciding (fitting, scoring) */
  int done;         /* configs of the search done: measured, skipped or missing */
  int planned;      /* configs the run planned in all (qt_tune_event.run_planned) */
  double seconds;
} qt_tune_stats;

/* The shard (1..count) of a task: FNV-1a 64 of its canonical workload key, mod count, plus 1.
 * It depends on the key alone, so count runs with the same model and shards 1..count tune
 * every task exactly once, whatever the model's layer order or the host. */
int qt_task_shard(const char *workload_key, int count);

/* Tunes every task of m (only those of shard o->shard_index when o->shard_count > 0) on
 * target t (bctx) with the boards of t (n_boards runners, each used
 * by its own worker thread, one measurement per board at a time), recording into db under
 * session (db is used from the calling thread only). A board whose run fails is marked down,
 * its job is requeued for any board, and it is retried with backoff; after 4 failures in a
 * row it is given up. Returns 0, or a negative code when the tuner itself failed (log
 * unwritable; QT_ERUN when every board is given up); everything measured before that point
 * is in the log. Results are recorded under the name of the board that ran them. */
int qt_tune_model_boards(qt_db *db, int64_t session, const qt_model *m,
                         const qt_build_ctx *bctx, qt_runner **boards, int n_boards,
                         const qt_tune_options *o, qt_tune_stats *stats, qt_err *err);

/* Before building a config the loop claims it in the log (qt_db_claim): a config another live
 * tuner on the same log has claimed is skipped (counted in stats->claimed), so two tuners on
 * one log measure each config once. */

/* qt_tune_model_boards with the one board rn. */
int qt_tune_model(qt_db *db, int64_t session, const qt_model *m, const qt_build_ctx *bctx,
                  qt_runner *rn, const qt_tune_options *o, qt_tune_stats *stats, qt_err *err);

#endif
