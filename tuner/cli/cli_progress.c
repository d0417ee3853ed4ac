/* cli_progress.c — renders the tuning loop's events (qt_tune_event) for `tune`. On a terminal:
 * one live line, rewritten in place, with the run's configs done and planned, an ETA from the
 * measured rate, the current task and its best so far; notes go above it and each task's last
 * state stays as a line. Elsewhere (a file, a pipe, CI): plain lines only, one per config with
 * its outcome, and a progress line with the ETA every QT_CLI_PROGRESS_EVERY configs and at
 * each task's end. The loop emits; only this file knows about terminals. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "tuner/sys/os.h"

#define QT_CLI_PROGRESS_EVERY 25

void qt_cli_progress_init(qt_cli_progress *p, FILE *f, int tty, qt_timing timing) {
  memset(p, 0, sizeof *p);
  p->f = f;
  p->tty = tty;
  p->timing = timing;
  p->start_ms = qt_now_ms();
  pthread_mutex_init(&p->mu, NULL);
}

/* "ETA 4m10s" from the time per measured config so far; "ETA -" before the first one. */
static void format_eta(const qt_cli_progress *p, const qt_tune_event *ev, char *buf, size_t cap) {
  int left = ev->run_planned - ev->run_done;
  if (left <= 0) {
    snprintf(buf, cap, "ETA 0s");
    return;
  }
  if (ev->run_measured < 1) {
    snprintf(buf, cap, "ETA -");
    return;
  }
  /* Configs found in the log cost almost nothing, so the rate counts measured ones only. */
  double s = (qt_now_ms() - p->start_ms) / 1e3 / ev->run_measured * left;
  long t = (long)(s + 0.5);
  if (t >= 3600) snprintf(buf, cap, "ETA %ldh%02ldm", t / 3600, t / 60 % 60);
  else if (t >= 60) snprintf(buf, cap, "ETA %ldm%02lds", t / 60, t % 60);
  else snprintf(buf, cap, "ETA %lds", t);
}

static void format_best(const qt_cli_progress *p, const qt_tune_event *ev, char *buf,
                        size_t cap) {
  if (ev->best_ns > 0) qt_timing_format(p->timing, ev->best_ns, buf, cap);
  else snprintf(buf, cap, "-");
}

/* The live line's text (without \r): run, ETA, task, task progress, best. */
static void live_text(const qt_cli_progress *p, const qt_tune_event *ev, char *buf, size_t cap) {
  char eta[32], best[32];
  format_eta(p, ev, eta, sizeof eta);
  format_best(p, ev, best, sizeof best);
  snprintf(buf, cap, "[%d/%d configs, %s] task %d/%d %.80s: %d/%d, best %s", ev->run_done,
           ev->run_planned, eta, ev->task + 1, ev->n_tasks, ev->layers, ev->task_done,
           ev->task_planned, best);
}

static void plain_progress(const qt_cli_progress *p, const qt_tune_event *ev, const char *what) {
  char eta[32], best[32];
  format_eta(p, ev, eta, sizeof eta);
  format_best(p, ev, best, sizeof best);
  fprintf(p->f, "progress: %d/%d configs, %s; task %d/%d %s %s: %d/%d, best %s\n",
          ev->run_done, ev->run_planned, eta, ev->task + 1, ev->n_tasks, ev->layers, what,
          ev->task_done, ev->task_planned, best);
}

/* The plain line of one config: what it was and how it went. */
static void plain_trial(const qt_cli_progress *p, const qt_tune_event *ev) {
  char best[32], on[QT_NAME_MAX + 8] = "";
  format_best(p, ev, best, sizeof best);
  if (ev->board) snprintf(on, sizeof on, " on %s", ev->board);
  const int n = ev->task + 1, of = ev->n_tasks;
  if (ev->skipped)
    fprintf(p->f, "task %d/%d %s: %s already in the log\n", n, of, ev->layers, ev->knobs);
  else if (ev->missing)
    fprintf(p->f, "task %d/%d %s: %s is not in the replay log\n", n, of, ev->layers, ev->knobs);
  else if (ev->status == QT_STATUS_OK) {
    char median[48];
    qt_timing_format(p->timing, ev->median_ns, median, sizeof median);
    fprintf(p->f, "task %d/%d %s: %s %s%s (best %s)\n", n, of, ev->layers, ev->knobs, median,
            on, best);
  }
  else
    fprintf(p->f, "task %d/%d %s: %s %s%s: %.200s\n", n, of, ev->layers, ev->knobs,
            qt_status_name(ev->status), on, ev->error ? ev->error : "");
}

void qt_cli_progress_event(void *ctx, const qt_tune_event *ev) {
  qt_cli_progress *p = ctx;
  pthread_mutex_lock(&p->mu);
  if (!p->tty) {
    if (ev->kind == QT_TUNE_EV_NOTE) {
      fprintf(p->f, "%s\n", ev->text);
    } else if (ev->kind == QT_TUNE_EV_TRIAL) {
      plain_trial(p, ev);
      if (ev->run_done - p->last_plain >= QT_CLI_PROGRESS_EVERY) {
        plain_progress(p, ev, "at");
        p->last_plain = ev->run_done;
      }
    } else {
      plain_progress(p, ev, "done");
      p->last_plain = ev->run_done;
    }
  } else if (ev->kind == QT_TUNE_EV_NOTE) {
    /* Above the live line: clear it, print the note, put the line back. */
    fprintf(p->f, "%s%s\n", p->live[0] ? "\r\033[K" : "", ev->text);
    if (p->live[0]) fprintf(p->f, "%s", p->live);
  } else {
    live_text(p, ev, p->live, sizeof p->live);
    fprintf(p->f, "\r\033[K%s", p->live);
    if (ev->kind == QT_TUNE_EV_TASK_END) { /* the task's last state stays */
      fputc('\n', p->f);
      p->live[0] = '\0';
    }
  }
  fflush(p->f);
  pthread_mutex_unlock(&p->mu);
}

void qt_cli_progress_end(qt_cli_progress *p) {
  if (p->tty && p->live[0]) { /* interrupted mid-task: end the line */
    fputc('\n', p->f);
    p->live[0] = '\0';
  }
  fflush(p->f);
  pthread_mutex_destroy(&p->mu);
}
