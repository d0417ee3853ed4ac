/* merge.c — `tune merge`: folding tuning logs of several hosts into one (qt_db_merge in db.h).
 * Rows of a log name what they describe (workload key, target, board, template and knobs), so
 * an input is copied by names, never by its ids: each input is ATTACHed and copied by one
 * script in one transaction, through two temporary maps from its session and measurement ids
 * to the output's. A measurement is the same one when its workload, target, config, source
 * hash, protocol, board and time are; a session when its start time, command, version and host
 * are. That is what makes a second merge of the same input add nothing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/db.h"
#include "db/db_private.h"

/* Where a copied row is counted (qt_db_merge_stats), or nowhere. */
enum { COUNT_NONE, COUNT_SESSIONS, COUNT_MEASUREMENTS, COUNT_VERDICTS };

/* The session of the output that is src's session s (NULL when none yet). */
#define MERGE_SESSION_DST                                                                 \
  "(SELECT min(m.id) FROM main.sessions m, src.sessions s WHERE s.id = merge_sessions.src" \
  " AND m.started_at = s.started_at AND m.command = s.command"                            \
  " AND m.tool_version = s.tool_version AND m.host IS s.host)"

/* The measurement of the output that is src's measurement (NULL when none yet). */
#define MERGE_MEASUREMENT_DST                                                             \
  "(SELECT min(x.id) FROM main.measurements x, src.measurements m"                        \
  " WHERE m.id = merge_measurements.src AND x.workload_id = merge_measurements.workload"  \
  " AND x.target_id = merge_measurements.target AND x.config_id = merge_measurements.config" \
  " AND x.source_hash = m.source_hash AND x.protocol = m.protocol"                        \
  " AND x.board_id = merge_measurements.board AND x.measured_at = m.measured_at)"

/* The script that copies the attached log `src` into main; ?1 is the input's name (for the
 * origin of its sessions). Only compile-time text; every value comes from the logs. */
static const struct {
  const char *sql;
  int count;
} merge_script[] = {
    {"INSERT OR IGNORE INTO main.targets(name, unit) SELECT name, unit FROM src.targets"
     " ORDER BY id",
     COUNT_NONE},
    /* a unit the output lacks (a target first measured before schema 5) comes from the input */
    {"UPDATE main.targets SET unit = (SELECT s.unit FROM src.targets s"
     " WHERE s.name = main.targets.name) WHERE unit IS NULL",
     COUNT_NONE},
    {"INSERT OR IGNORE INTO main.workloads(key, hash, op, dtype, requant, n, in_h, in_w, in_c,"
     " out_h, out_w, out_c, kh, kw, stride_h, stride_w, dilation_h, dilation_w, pad_top,"
     " pad_left, pad_bottom, pad_right, depth_multiplier, macs)"
     " SELECT key, hash, op, dtype, requant, n, in_h, in_w, in_c, out_h, out_w, out_c, kh, kw,"
     " stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left, pad_bottom, pad_right,"
     " depth_multiplier, macs FROM src.workloads ORDER BY id",
     COUNT_NONE},
    {"INSERT OR IGNORE INTO main.configs(template, knobs) SELECT template, knobs"
     " FROM src.configs ORDER BY id",
     COUNT_NONE},
    {"INSERT OR IGNORE INTO main.boards(name, kind, target_id) SELECT b.name, b.kind, t.id"
     " FROM src.boards b JOIN src.targets st ON st.id = b.target_id"
     " JOIN main.targets t ON t.name = st.name ORDER BY b.id",
     COUNT_NONE},
    {"INSERT OR IGNORE INTO main.sources(source_hash, path, file_hash)"
     " SELECT source_hash, path, file_hash FROM src.sources",
     COUNT_NONE},
    /* sessions */
    {"CREATE TEMP TABLE merge_sessions(src INTEGER PRIMARY KEY, dst INTEGER)", COUNT_NONE},
    {"INSERT INTO temp.merge_sessions(src) SELECT id FROM src.sessions", COUNT_NONE},
    {"UPDATE temp.merge_sessions SET dst = " MERGE_SESSION_DST, COUNT_NONE},
    {"INSERT INTO main.sessions(command, tool_version, started_at, ended_at, host, origin)"
     " SELECT s.command, s.tool_version, s.started_at, s.ended_at, s.host,"
     " coalesce(s.origin, ?1 || ' session ' || s.id) FROM src.sessions s"
     " JOIN temp.merge_sessions ms ON ms.src = s.id WHERE ms.dst IS NULL ORDER BY s.id",
     COUNT_SESSIONS},
    {"UPDATE temp.merge_sessions SET dst = " MERGE_SESSION_DST " WHERE dst IS NULL", COUNT_NONE},
    /* a session that was still running when an earlier merge copied it has ended since */
    {"UPDATE main.sessions SET ended_at = (SELECT max(s.ended_at) FROM src.sessions s"
     " JOIN temp.merge_sessions ms ON ms.src = s.id WHERE ms.dst = sessions.id)"
     " WHERE ended_at IS NULL AND (SELECT max(s.ended_at) FROM src.sessions s"
     " JOIN temp.merge_sessions ms ON ms.src = s.id WHERE ms.dst = sessions.id) IS NOT NULL",
     COUNT_NONE},
    /* measurements: the output's ids of their names, then the copy of the new ones */
    {"CREATE TEMP TABLE merge_measurements(src INTEGER PRIMARY KEY, session INTEGER,"
     " workload INTEGER, target INTEGER, board INTEGER, config INTEGER, dst INTEGER)",
     COUNT_NONE},
    {"INSERT INTO temp.merge_measurements(src, session, workload, target, board, config)"
     " SELECT m.id, ms.dst, w.id, t.id, b.id, c.id FROM src.measurements m"
     " JOIN temp.merge_sessions ms ON ms.src = m.session_id"
     " JOIN src.workloads sw ON sw.id = m.workload_id JOIN main.workloads w ON w.key = sw.key"
     " JOIN src.targets st ON st.id = m.target_id JOIN main.targets t ON t.name = st.name"
     " JOIN src.boards sb ON sb.id = m.board_id JOIN src.targets sbt ON sbt.id = sb.target_id"
     " JOIN main.targets bt ON bt.name = sbt.name"
     " JOIN main.boards b ON b.name = sb.name AND b.target_id = bt.id"
     " JOIN src.configs sc ON sc.id = m.config_id"
     " JOIN main.configs c ON c.template = sc.template AND c.knobs = sc.knobs",
     COUNT_NONE},
    {"UPDATE temp.merge_measurements SET dst = " MERGE_MEASUREMENT_DST, COUNT_NONE},
    {"INSERT INTO main.measurements(session_id, workload_id, target_id, board_id, config_id,"
     " source_hash, protocol, status, error, n_times, times_ns, median_ns, min_ns, max_ns,"
     " checksum, round, measured_at) SELECT mm.session, mm.workload, mm.target, mm.board,"
     " mm.config, m.source_hash, m.protocol, m.status, m.error, m.n_times, m.times_ns,"
     " m.median_ns, m.min_ns, m.max_ns, m.checksum, m.round, m.measured_at"
     " FROM temp.merge_measurements mm"
     " JOIN src.measurements m ON m.id = mm.src WHERE mm.dst IS NULL ORDER BY mm.src",
     COUNT_MEASUREMENTS},
    {"UPDATE temp.merge_measurements SET dst = " MERGE_MEASUREMENT_DST " WHERE dst IS NULL",
     COUNT_NONE},
    /* verdicts: through_id (the newest measurement of the task the verdict saw) becomes the
     * newest copied id of the task's measurements up to it */
    {"INSERT INTO main.verdicts(session_id, workload_id, target_id, measurement_id, median_ns,"
     " candidates, rounds, through_id, decided_at)"
     " SELECT ms.dst, mm.workload, mm.target, mm.dst, v.median_ns, v.candidates, v.rounds,"
     " (SELECT max(t.dst) FROM temp.merge_measurements t JOIN src.measurements sm"
     " ON sm.id = t.src WHERE sm.workload_id = v.workload_id AND sm.target_id = v.target_id"
     " AND sm.id <= v.through_id), v.decided_at FROM src.verdicts v"
     " JOIN temp.merge_sessions ms ON ms.src = v.session_id"
     " JOIN temp.merge_measurements mm ON mm.src = v.measurement_id"
     " WHERE NOT EXISTS (SELECT 1 FROM main.verdicts x WHERE x.measurement_id = mm.dst"
     " AND x.decided_at = v.decided_at) ORDER BY v.id",
     COUNT_VERDICTS},
    {"DROP TABLE temp.merge_sessions", COUNT_NONE},
    {"DROP TABLE temp.merge_measurements", COUNT_NONE},
};

/* Runs one statement of constant text with ?1 (if it has one) bound to label; *changes =
 * rows it changed. Returns an SQLite result code. */
static int merge_run(sqlite3 *h, const char *sql, const char *label, int64_t *changes) {
  sqlite3_stmt *s = NULL;
  int rc = sqlite3_prepare_v2(h, sql, -1, &s, NULL);
  if (rc == SQLITE_OK && sqlite3_bind_parameter_count(s) > 0)
    rc = sqlite3_bind_text(s, 1, label, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) rc = SQLITE_OK;
  *changes = rc == SQLITE_OK ? sqlite3_changes(h) : 0;
  sqlite3_finalize(s); /* keeps the error message of a failed step */
  return rc;
}

/* Copies the input at path (its name for messages and origins: label) into out in one
 * transaction. */
static int merge_one(qt_db *out, const char *path, const char *label, qt_db_merge_stats *st,
                     qt_err *err) {
  sqlite3 *h = qt_db_sqlite(out);
  memset(st, 0, sizeof *st);
  sqlite3_stmt *att = NULL;
  int rc = sqlite3_prepare_v2(h, "ATTACH DATABASE ?1 AS src", -1, &att, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(att, 1, path, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_step(att);
  if (rc == SQLITE_DONE) rc = SQLITE_OK;
  sqlite3_finalize(att);
  if (rc != SQLITE_OK) return qt_db_fail_sqlite(out, rc, err, "merge: attach %s", label);
  int code = 0;
  int64_t version = 0, in_src = 0, mapped = 0, n = 0;
  rc = sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
  /* Checked again under the lock: the file may have been replaced since it was checked. */
  if (rc == SQLITE_OK) rc = qt_db_sql_int(h, "PRAGMA src.user_version", &version);
  if (rc == SQLITE_OK && version != QT_DB_SCHEMA_VERSION)
    code = qt_fail(err, QT_EDBFORMAT, "merge: %s changed while merging (schema %lld)", label,
                   (long long)version);
  /* Units are the numbers' meaning: a target measured in two of them cannot be one task. */
  sqlite3_stmt *units = NULL;
  if (rc == SQLITE_OK && !code)
    rc = sqlite3_prepare_v2(h, "SELECT t.name, t.unit, s.unit FROM main.targets t JOIN "
                            "src.targets s ON s.name = t.name WHERE t.unit <> s.unit LIMIT 1",
                            -1, &units, NULL);
  if (rc == SQLITE_OK && !code && (rc = sqlite3_step(units)) == SQLITE_ROW)
    code = qt_fail(err, QT_EDB, "merge: %s measures target %s in %s, the output log in %s: "
                   "numbers in different units cannot be merged", label,
                   (const char *)sqlite3_column_text(units, 0),
                   (const char *)sqlite3_column_text(units, 2),
                   (const char *)sqlite3_column_text(units, 1));
  if (rc == SQLITE_ROW || rc == SQLITE_DONE) rc = SQLITE_OK;
  sqlite3_finalize(units);
  const size_t steps = sizeof merge_script / sizeof merge_script[0];
  for (size_t i = 0; rc == SQLITE_OK && !code && i < steps; i++) {
    rc = merge_run(h, merge_script[i].sql, label, &n);
    if (merge_script[i].count == COUNT_SESSIONS) st->sessions = n;
    if (merge_script[i].count == COUNT_MEASUREMENTS) st->measurements = n;
    if (merge_script[i].count == COUNT_VERDICTS) st->verdicts = n;
    /* Every measurement of the input must have found its names (the foreign keys say so). */
    if (rc == SQLITE_OK && strstr(merge_script[i].sql, "INSERT INTO temp.merge_measurements")) {
      rc = qt_db_sql_int(h, "SELECT count(*) FROM src.measurements", &in_src);
      if (rc == SQLITE_OK) rc = qt_db_sql_int(h, "SELECT count(*) FROM temp.merge_measurements", &mapped);
      if (rc == SQLITE_OK && in_src != mapped)
        code = qt_fail(err, QT_EDBFORMAT, "merge: %s: %lld of its %lld measurements name a "
                       "session, workload, target, board or config it lacks", label,
                       (long long)(in_src - mapped), (long long)in_src);
    }
  }
  if (rc == SQLITE_OK && !code) rc = sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
  if (rc != SQLITE_OK && !code) code = qt_db_fail_sqlite(out, rc, err, "merge %s", label);
  if (!sqlite3_get_autocommit(h)) sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_exec(h, "DROP TABLE IF EXISTS temp.merge_sessions;"
                  "DROP TABLE IF EXISTS temp.merge_measurements", NULL, NULL, NULL);
  sqlite3_exec(h, "DETACH DATABASE src", NULL, NULL, NULL);
  st->present = in_src - st->measurements;
  return code;
}

/* A copy of the log at path, migrated to the current schema, under a temporary name (written
 * into tmp[cap]); the input itself is only read (SQLite's online backup of it). */
static int merge_migrated_copy(const char *path, char *tmp, size_t cap, qt_err *err) {
  const char *dir = getenv("TMPDIR");
  snprintf(tmp, cap, "%s/qtune-merge-XXXXXX", dir && *dir ? dir : "/tmp");
  int fd = mkstemp(tmp);
  if (fd < 0) {
    tmp[0] = '\0';
    return qt_fail(err, QT_EIO, "merge: cannot create a temporary copy of %s: %s", path,
                   strerror(errno));
  }
  close(fd);
  sqlite3 *from = NULL, *to = NULL;
  int rc = sqlite3_open_v2(path, &from, SQLITE_OPEN_READONLY, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_open_v2(tmp, &to, SQLITE_OPEN_READWRITE, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_busy_timeout(from, 5000);
    sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
    if (!b) rc = sqlite3_errcode(to);
    else {
      rc = sqlite3_backup_step(b, -1);
      if (rc == SQLITE_DONE) rc = SQLITE_OK;
      sqlite3_backup_finish(b);
    }
  }
  int code = 0;
  if (rc != SQLITE_OK)
    code = qt_fail(err, QT_EIO, "merge: cannot copy %s to migrate it: %s", path,
                   sqlite3_errstr(rc));
  sqlite3_close(from);
  sqlite3_close(to);
  qt_db *db = NULL;
  if (!code && (code = qt_db_open(tmp, 5000, &db, err)) != 0)
    qt_err_wrap(err, "merge: migrating a copy of %s", path);
  qt_db_close(db);
  return code;
}

/* Refuses an input that is the output file itself. */
static int merge_not_output(const char *in, const char *out, qt_err *err) {
  struct stat a, b;
  if (stat(in, &a) != 0)
    return qt_fail(err, errno == ENOENT ? QT_ENOTFOUND : QT_EIO, "merge: cannot read %s: %s", in,
                   strerror(errno));
  if (stat(out, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
    return qt_fail(err, QT_EINVAL, "merge: input %s is the output log %s", in, out);
  return 0;
}

int qt_db_merge(const char *out_path, const char *const *inputs, int n_inputs,
                qt_db_merge_fn fn, void *ctx, qt_err *err) {
  if (!out_path || !*out_path || !inputs || n_inputs < 1)
    return qt_fail(err, QT_EINVAL, "merge: needs an output log and at least one input");
  char (*copies)[4096] = calloc((size_t)n_inputs, sizeof *copies);
  if (!copies) return qt_fail(err, QT_ENOMEM, "merge: out of memory");
  int code = 0;
  /* Every input first: nothing is written to the output unless all of them can be merged. */
  for (int i = 0; i < n_inputs && !code; i++) {
    int version = 0;
    code = merge_not_output(inputs[i], out_path, err);
    if (!code) code = qt_db_identify_file(inputs[i], &version, err);
    if (!code && version == 0)
      code = qt_fail(err, QT_EDBFORMAT, "merge: %s is empty, not a qtune log", inputs[i]);
    if (!code && version < QT_DB_SCHEMA_VERSION)
      code = merge_migrated_copy(inputs[i], copies[i], sizeof copies[i], err);
  }
  qt_db *out = NULL;
  if (!code) code = qt_db_open(out_path, 5000, &out, err);
  for (int i = 0; i < n_inputs && !code; i++) {
    qt_db_merge_stats st;
    code = merge_one(out, copies[i][0] ? copies[i] : inputs[i], inputs[i], &st, err);
    if (code && i > 0)
      qt_err_wrap(err, "%s now holds the inputs before %s", out_path, inputs[i]);
    if (!code && fn) fn(ctx, inputs[i], &st);
  }
  qt_db_close(out);
  for (int i = 0; i < n_inputs; i++) {
    if (!copies[i][0]) continue;
    char side[4096 + 8];
    unlink(copies[i]);
    snprintf(side, sizeof side, "%s-wal", copies[i]);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", copies[i]);
    unlink(side);
  }
  free(copies);
  return code;
}
