/* db.h — the tuning log: one SQLite file (WAL, foreign keys on, prepared statements only)
 * holding every measurement qtune ever made. Each measurement is committed as soon as it is
 * recorded, so a killed tuner loses nothing it measured and a restarted one does not measure
 * it again.
 *
 * A qtune log is marked by PRAGMA application_id = QT_DB_APPLICATION_ID and carries its schema
 * version in table meta (and PRAGMA user_version). Opening runs migrations up to
 * QT_DB_SCHEMA_VERSION. A file that is not a qtune log (not SQLite, or SQLite without the
 * mark and not empty) or one of a newer schema is refused with QT_EDBFORMAT and left untouched:
 * nothing is written to a file before it is recognised. */
#ifndef QT_DB_H
#define QT_DB_H

#include <stddef.h>
#include <stdint.h>

#include "tuner/base/error.h"
#include "tuner/base/status.h"
#include "tuner/base/workload.h"

#define QT_DB_APPLICATION_ID 0x71745442 /* "qtTB" */
#define QT_DB_SCHEMA_VERSION 6
#define QT_DB_MAX_TIMES 64

typedef struct qt_db qt_db;

/* Opens (creating if absent) the log at path; ":memory:" gives a private in-memory log.
 * busy_timeout_ms: how long to wait on a lock held by another process. */
int qt_db_open(const char *path, int busy_timeout_ms, qt_db **out, qt_err *err);
/* qt_db_open through the SQLite VFS named vfs (registered by the caller; NULL: SQLite's
 * default), for tests that put a fault-injecting VFS under the log (tests/db/test_db_faults.c). */
int qt_db_open_vfs(const char *path, int busy_timeout_ms, const char *vfs, qt_db **out,
                   qt_err *err);
void qt_db_close(qt_db *db);

/* A tuning session: one invocation of the tuner, recorded with this machine's host name.
 * Ending it releases its claims. */
int qt_db_session_begin(qt_db *db, const char *command_line, const char *tool_version,
                        int64_t *session_id, qt_err *err);
int qt_db_session_end(qt_db *db, int64_t session_id, qt_err *err);

/* What target's numbers count (its timing's unit, tuner/base/target.h qt_timing_unit: "ns",
 * "ns (emulated)", "instructions (qemu icount)"). qt_db_set_target_unit records it, before a
 * session measures the target; the first unit recorded stays, and a run in another unit is
 * refused with QT_EDB (a log never mixes units for one target). qt_db_target_unit reads it
 * into unit (cap bytes): "" when the log has none (no such target, or a log from before
 * schema 5; the target file's unit applies). */
int qt_db_set_target_unit(qt_db *db, const char *target, const char *unit, qt_err *err);
int qt_db_target_unit(qt_db *db, const char *target, char *unit, size_t cap, qt_err *err);

/* What identifies a variant's measurement for resume. */
typedef struct qt_variant_id {
  const qt_workload *workload;
  const char *target;      /* target name */
  const char *template_name;
  const char *knobs;       /* canonical knob string (schedules/space.h) */
  const char *source_hash; /* hash of the sources and defines that built the artifact */
  const char *protocol;    /* canonical measurement protocol string */
  /* Optional (NULL: none): the per-file manifest behind source_hash, as lines
   * "<path relative to kernels/> <16 hex digit file hash>\n" (qt_source_manifest in
   * tuner/build/build.h). qt_db_record stores it once per source hash, in the measurement's
   * transaction; export reads it back to name the file that changed. */
  const char *manifest;
} qt_variant_id;

typedef struct qt_measurement {
  qt_variant_id id;
  const char *board;      /* board name ("local") */
  const char *board_kind; /* "local" | "ssh" */
  qt_status status;
  const char *error;      /* error text for a failed status, or NULL */
  int n_times;            /* per-repeat times, ns per run of the kernel */
  double times_ns[QT_DB_MAX_TIMES];
  double median_ns, min_ns, max_ns; /* 0 when status != OK */
  uint64_t checksum;
  int round; /* 0: a measurement of the search; k >= 1: round k of the task's final
              * re-measurement (qt_db_topk and qt_db_config_time leave out rounds that no
              * verdict has seen) */
} qt_measurement;

/* Records one measurement in its own transaction; returns only after the commit. The claim on
 * its variant (qt_db_claim), whoever holds it, is released in the same transaction. */
int qt_db_record(qt_db *db, int64_t session_id, const qt_measurement *m, qt_err *err);

/* Claims: two tuners on one log (one host) measure each config once. Before building a
 * variant, a tuner claims it; the look at the log and the claim are one write transaction. */
#define QT_DB_HOST_MAX 256
typedef enum {
  QT_DB_CLAIM_OURS,  /* claimed for session_id: build and measure it */
  QT_DB_CLAIM_DONE,  /* the log already holds a final measurement of it (qt_db_has_measured) */
  QT_DB_CLAIM_TAKEN, /* another live session is measuring it: skip it */
} qt_db_claim_state;

/* Claims variant id (its protocol included) for session_id for lease_s seconds. A claim of
 * another session is honoured while that session has not ended, its process still exists (when
 * it runs on this host) and its lease has not expired; otherwise it is taken over, so a killed
 * tuner never blocks a config for good. qt_db_record and qt_db_session_end release claims. */
int qt_db_claim(qt_db *db, int64_t session_id, const qt_variant_id *id, int lease_s,
                qt_db_claim_state *state, qt_err *err);

/* *found = 1 if a measurement with a final status (qt_status_is_final) exists for exactly id
 * (workload, target, template, knobs, source hash, protocol). */
int qt_db_has_measured(qt_db *db, const qt_variant_id *id, int *found, qt_err *err);

/* One row of a best/top-k answer. Strings are copies owned by the row. */
typedef struct qt_db_row {
  char workload_key[QT_KEY_MAX];
  char target[64];
  char template_name[64];
  char knobs[512];
  char source_hash[64];
  char protocol[256];
  char board[64];
  double median_ns, min_ns, max_ns;
  int64_t measurement_id;
  int64_t session_id;
  char measured_at[32]; /* UTC, ISO 8601 */
  int confirmed;        /* qt_db_best: 1 when a verdict of the re-measurement picked it */
} qt_db_row;

/* The best OK measurement of workload_key on target among those of the current protocol (the
 * protocol of its newest ok measurement: times taken with other repeats, pinning, flushing or
 * on another board class are not compared with it), across sources: the winner of the newest
 * verdict (qt_db_verdict) of that protocol unless a measurement of it recorded after that
 * verdict has a lower median than the verdict's, else the lowest median. *found = 0 if
 * none. QT_EDB, naming the row, when an ok measurement of the task lacks valid timings (a
 * damaged log): it is never ranked. qt_db_topk and qt_db_config_time rank and refuse alike. */
int qt_db_best(qt_db *db, const char *workload_key, const char *target, qt_db_row *out,
               int *found, qt_err *err);

/* The id of the measurement qt_db_record committed last on this connection (0: none). */
int64_t qt_db_last_record(const qt_db *db);

/* Records the verdict of a final re-measurement (docs/DESIGN.md §4): measurement_id (an OK
 * measurement) is the winner of candidates configs re-measured against each other in rounds
 * interleaved rounds, with median_ns its median over them. It stands for its workload and
 * target in qt_db_best until a faster measurement is recorded after it. */
int qt_db_verdict(qt_db *db, int64_t session_id, int64_t measurement_id, double median_ns,
                  int candidates, int rounds, qt_err *err);

/* Up to k best OK measurements of the current protocol (qt_db_best), one per distinct
 * (template, knobs), best first; *n set. Re-measurement rounds (qt_measurement.round) that no
 * verdict of the task has seen are left out: they are the rounds of a re-measurement killed
 * before its verdict, and the tuner chooses the candidates of the resumed one from this. */
int qt_db_topk(qt_db *db, const char *workload_key, const char *target, int k,
               qt_db_row *out, int *n, qt_err *err);

/* Median of the best OK measurement of the given (template, knobs) for workload/target, for
 * "default µs" in the summary and the default's place among the candidates; unseen rounds
 * left out as in qt_db_topk. *found = 0 if none. */
int qt_db_config_time(qt_db *db, const char *workload_key, const char *target,
                      const char *template_name, const char *knobs, double *median_ns,
                      int *found, qt_err *err);

/* The median over the rounds of the task's newest verdict of the given (template, knobs): its
 * ok measurements in the verdict's session up to the verdict, the last `rounds` of them (the
 * re-measurement's), upper middle as the verdict's own median. The figure to set beside a
 * confirmed qt_db_best: both from the same interleaved rounds. *found = 0 when the task has
 * no verdict or the config did not run in all of its rounds. */
int qt_db_verdict_config_time(qt_db *db, const char *workload_key, const char *target,
                              const char *template_name, const char *knobs, double *median_ns,
                              int *found, qt_err *err);

/* What the log recorded for one config. */
typedef struct qt_db_recorded {
  qt_status status;
  char error[1024];
  int n_times;
  double times_ns[QT_DB_MAX_TIMES];
  double median_ns, min_ns, max_ns;
  uint64_t checksum;
} qt_db_recorded;

/* The log's answer for (workload, target, template, knobs), for replaying a tuning run: its
 * fastest ok measurement, else its first one with another final status (a board failure is
 * not an answer). *found = 0 when it holds none. QT_EDB for an ok row without times. */
int qt_db_lookup(qt_db *db, const char *workload_key, const char *target,
                 const char *template_name, const char *knobs, qt_db_recorded *out, int *found,
                 qt_err *err);

/* Called by qt_db_task_records for each measurement; a non-zero return stops it. */
typedef int (*qt_db_record_fn)(void *ctx, const char *template_name, const char *knobs,
                               const char *source_hash, const char *protocol, qt_status status,
                               double median_ns);

/* Every measurement of workload_key on target, oldest first (resume: what a task already
 * holds). */
int qt_db_task_records(qt_db *db, const char *workload_key, const char *target,
                       qt_db_record_fn fn, void *ctx, qt_err *err);

/* Called by qt_db_history for each row; a non-zero return stops it (and is its result). */
typedef int (*qt_db_history_fn)(void *ctx, const char *workload_key, const char *template_name,
                                const char *knobs, double median_ns);

/* What the log knows about other workloads on target, for a cost model's transfer: for every
 * (workload other than exclude_key, template, knobs) with an ok measurement, the lowest
 * median, in workload key order. */
int qt_db_history(qt_db *db, const char *target, const char *exclude_key, qt_db_history_fn fn,
                  void *ctx, qt_err *err);

/* The manifest recorded for source_hash, in the format of qt_variant_id.manifest with lines in
 * path order, into buf[cap]. *found = 0 (and buf "") if the log holds none (a measurement
 * recorded without one, or by a qtune before schema 2). QT_EINVAL if it does not fit. */
int qt_db_manifest(qt_db *db, const char *source_hash, char *buf, size_t cap, int *found,
                   qt_err *err);

/* *n = the ok measurements of workload/target that no verdict has seen (all of them when the
 * task has no verdict): a task with some still needs its final re-measurement, also when the
 * run that measured them was killed during it. */
int qt_db_unconfirmed(qt_db *db, const char *workload_key, const char *target, int64_t *n,
                      qt_err *err);

/* Reads the marks of the log at path without writing to it: *version = its schema version (0
 * for an empty file), after SQLite's quick_check passed. QT_EDBFORMAT for a file that is not a
 * qtune log, one of a newer schema, or a damaged one; QT_EIO if it cannot be read. */
int qt_db_identify_file(const char *path, int *version, qt_err *err);

/* What qt_db_merge added from one input. */
typedef struct qt_db_merge_stats {
  int64_t measurements; /* copied */
  int64_t present;      /* already in the output (same workload, target, config, source
                           hash, protocol, board and time): not copied again */
  int64_t sessions;     /* tuning runs copied, with their origin */
  int64_t verdicts;     /* verdicts copied (they name their session, so their provenance) */
} qt_db_merge_stats;

/* Called by qt_db_merge after each input is committed. */
typedef void (*qt_db_merge_fn)(void *ctx, const char *input, const qt_db_merge_stats *stats);

/* Folds the logs inputs[0..n) into the log at out_path (created if absent). Every input is
 * checked first (a qtune log, not newer than this qtune, not damaged, not the output itself;
 * an older one is migrated in a temporary copy, never in place), then the output is opened;
 * so a refused file leaves the output byte for byte unchanged. Each input is then copied in
 * one transaction: names (workloads, targets, boards, configs), manifests, sessions (identified
 * by start time, command, version and host; a copied session keeps or gets its origin,
 * "<input> session <id>"), measurements not already present, and verdicts, which point to
 * their copied measurement and session (their through_id mapped to the copied ids of the same
 * task). Claims are not copied. Merging an input twice adds nothing. */
int qt_db_merge(const char *out_path, const char *const *inputs, int n_inputs,
                qt_db_merge_fn fn, void *ctx, qt_err *err);

/* Counts of measurements of workload/target: all, and with status OK. */
int qt_db_count(qt_db *db, const char *workload_key, const char *target, int64_t *all,
                int64_t *ok, qt_err *err);

/* One measurement as a report reads it (qt_db_each_measurement); strings live only during the
 * callback. */
typedef struct qt_db_meas {
  int64_t id, session_id;
  const char *session_command; /* the command line of the tuning run that measured it */
  const char *workload_key, *template_name, *knobs, *board;
  qt_status status;
  const char *error;           /* "" when none */
  double median_ns;            /* 0 unless status is ok */
} qt_db_meas;

/* Called by qt_db_each_measurement for each row; a non-zero return stops it. */
typedef int (*qt_db_meas_fn)(void *ctx, const qt_db_meas *m);

/* Every measurement on target (all workloads, all sessions), oldest first. A row with a status
 * this version does not know is skipped. */
int qt_db_each_measurement(qt_db *db, const char *target, qt_db_meas_fn fn, void *ctx,
                           qt_err *err);

#endif
