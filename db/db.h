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
#define QT_DB_SCHEMA_VERSION 3
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

/* A tuning session: one invocation of the tuner. */
int qt_db_session_begin(qt_db *db, const char *command_line, const char *tool_version,
                        int64_t *session_id, qt_err *err);
int qt_db_session_end(qt_db *db, int64_t session_id, qt_err *err);

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
} qt_measurement;

/* Records one measurement in its own transaction; returns only after the commit. */
int qt_db_record(qt_db *db, int64_t session_id, const qt_measurement *m, qt_err *err);

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

/* The best OK measurement of workload_key on target, across all protocols and sources: the
 * winner of the newest verdict (qt_db_verdict) unless a measurement recorded after that
 * verdict has a lower median than the verdict's, else the lowest median. *found = 0 if
 * none. */
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

/* Up to k best OK measurements, one per distinct (template, knobs), best first; *n set. */
int qt_db_topk(qt_db *db, const char *workload_key, const char *target, int k,
               qt_db_row *out, int *n, qt_err *err);

/* Median of the best OK measurement of the given (template, knobs) for workload/target, for
 * "default µs" in the summary. *found = 0 if none. */
int qt_db_config_time(qt_db *db, const char *workload_key, const char *target,
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

/* Counts of measurements of workload/target: all, and with status OK. */
int qt_db_count(qt_db *db, const char *workload_key, const char *target, int64_t *all,
                int64_t *ok, qt_err *err);

#endif
