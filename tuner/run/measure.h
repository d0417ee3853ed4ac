/* measure.h — the measurement protocol and the judging of one run: the harness arguments a
 * protocol implies, the parser of the harness's result line (format: kernels/harness/README.md,
 * version 1), the expected output checksum computed on the host with the reference kernel, and
 * the classification of a run into a qt_measurement (ok, runtime error, wrong answer, run
 * timeout) with median, min and max per kernel run. */
#ifndef QT_MEASURE_H
#define QT_MEASURE_H

#include <stdint.h>

#include "db/db.h"
#include "tuner/base/error.h"
#include "tuner/base/workload.h"
#include "tuner/sys/proc.h"

/* How a variant is timed; stored (as its canonical string) with every measurement, and part of
 * what makes two measurements comparable. */
typedef struct qt_protocol {
  uint64_t data_seed; /* inputs, weights and quantization parameters */
  int warmup;         /* untimed runs before the repeats */
  int number;         /* runs per repeat (grown by the harness to reach min_repeat_ms) */
  int repeat;         /* timed repeats */
  int min_repeat_ms;  /* minimum duration of one repeat */
  int flush_kb;       /* cache flush between repeats (KiB written), 0 for none */
  int pin;            /* CPU to pin the harness to, -1 for none */
  int evict;          /* 1: the variant's buffers evicted from the caches before each repeat */
} qt_protocol;

/* Warm: repeats of back-to-back runs, each repeat at least 5 ms. */
#define QT_PROTOCOL_DEFAULTS {1, 1, 1, 5, 5, 0, -1, 0}

/* Canonical string: "h1:seed=1,warmup=1,number=1,repeat=5,min_repeat_ms=5,flush_kb=0,pin=-1",
 * then ",evict=1" when evict is set (absent when not, so warm protocols keep the strings that
 * logs written before eviction existed hold). */
void qt_protocol_format(const qt_protocol *p, char *buf, size_t cap);

/* Harness arguments of p into argv (strings in store, NULL-terminated); check_only for a
 * correctness run without timing. */
void qt_protocol_args(const qt_protocol *p, int check_only, char store[16][32], char *argv[17]);

/* 1 when run r says the board could not start the program at all rather than the program
 * failing: exit status 126 or 127 (what exec failures, timeout(1) and shells report for a
 * missing or non-executable wrapper or artifact) with no result line printed. why gets the
 * board's words. The harness never exits with either. */
int qt_run_board_fault(const qt_proc_result *r, char *why, size_t cap);

typedef struct qt_harness_result {
  int version;
  char status[24]; /* "ok", "error", "wrong_answer" */
  char reason[24];
  char detail[256];
  uint64_t checksum;
  int number, repeat;
  int n_times;
  double times_ns[QT_DB_MAX_TIMES]; /* per repeat, total of `number` runs */
} qt_harness_result;

/* Finds and parses the QTRESULT line in a harness's stdout. QT_EPROTOCOL with the reason if
 * there is none, its version is unknown, or a field is malformed. */
int qt_harness_parse(const char *out, qt_harness_result *res, qt_err *err);

/* Output checksum of the reference kernel on the problem generated from seed (with the
 * workload's own quantization parameters when it has them, as the harness does). */
int qt_expected_checksum(const qt_workload *w, uint64_t seed, uint64_t *checksum, qt_err *err);

/* What a run says about a variant: status, error text, per-run times and their statistics.
 * m->error points into error. */
typedef struct qt_outcome {
  qt_measurement m;
  char error[1024];
} qt_outcome;

/* Judges a finished run (r) of a variant whose correct checksum is expected. timed: the run
 * was asked for times (an ok answer without them broke the protocol: a runtime error); 0 for
 * a --check-only run. */
void qt_judge_run(const qt_proc_result *r, int timed, int timeout_ms, uint64_t expected,
                  qt_outcome *o);

/* Sorts times and sets median, min and max of m. */
void qt_measurement_stats(qt_measurement *m);

#endif
