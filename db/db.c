/* db.c — the tuning log of db.h on SQLite: opening a file only after it is recognised as a
 * qtune log (or is empty), the schema and its migration steps, the prepared statements every
 * operation runs, the one mapping of SQLite result codes to QT_E* codes, recording a
 * measurement in one transaction, and the best/top-k/resume/count queries. Rows name what
 * they describe (workload key, target, board and config names), so logs written on different
 * machines can be merged without trusting each other's ids. A qt_db is one SQLite connection
 * with statements reused across calls: use it from one thread at a time. */
#include "db/db.h"
#include "db/db_private.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DB_STR_(x) #x
#define DB_STR(x) DB_STR_(x)

/* UTC ISO 8601 with milliseconds, computed by SQLite so every row uses one clock format. */
#define DB_NOW "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"

/* ---- schema and migrations -------------------------------------------------------------
 * db_migrations[k] takes a log from schema version k to k+1 and must end by setting
 * PRAGMA user_version and meta.schema_version to k+1; all pending steps run in one
 * transaction on open. Adding version N+1 is one more entry (and QT_DB_SCHEMA_VERSION = N+1).
 * Only compile-time text goes into these scripts, never a runtime value. */

static const char db_step_0_to_1[] =
    "CREATE TABLE meta("
    "  key TEXT PRIMARY KEY NOT NULL,"
    "  value TEXT NOT NULL);"
    "CREATE TABLE workloads("
    "  id INTEGER PRIMARY KEY,"
    "  key TEXT NOT NULL UNIQUE,"
    "  hash TEXT NOT NULL,"
    "  op TEXT NOT NULL, dtype TEXT NOT NULL, requant TEXT NOT NULL,"
    "  n INTEGER NOT NULL,"
    "  in_h INTEGER NOT NULL, in_w INTEGER NOT NULL, in_c INTEGER NOT NULL,"
    "  out_h INTEGER NOT NULL, out_w INTEGER NOT NULL, out_c INTEGER NOT NULL,"
    "  kh INTEGER NOT NULL, kw INTEGER NOT NULL,"
    "  stride_h INTEGER NOT NULL, stride_w INTEGER NOT NULL,"
    "  dilation_h INTEGER NOT NULL, dilation_w INTEGER NOT NULL,"
    "  pad_top INTEGER NOT NULL, pad_left INTEGER NOT NULL,"
    "  pad_bottom INTEGER NOT NULL, pad_right INTEGER NOT NULL,"
    "  depth_multiplier INTEGER NOT NULL,"
    "  macs INTEGER NOT NULL);"
    "CREATE TABLE targets("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE);"
    "CREATE TABLE boards("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  target_id INTEGER NOT NULL REFERENCES targets(id),"
    "  UNIQUE(name, target_id));"
    "CREATE TABLE sessions("
    "  id INTEGER PRIMARY KEY,"
    "  command TEXT NOT NULL,"
    "  tool_version TEXT NOT NULL,"
    "  started_at TEXT NOT NULL,"
    "  ended_at TEXT);"
    "CREATE TABLE configs("
    "  id INTEGER PRIMARY KEY,"
    "  template TEXT NOT NULL,"
    "  knobs TEXT NOT NULL,"
    "  UNIQUE(template, knobs));"
    "CREATE TABLE measurements("
    "  id INTEGER PRIMARY KEY,"
    "  session_id INTEGER NOT NULL REFERENCES sessions(id),"
    "  workload_id INTEGER NOT NULL REFERENCES workloads(id),"
    "  target_id INTEGER NOT NULL REFERENCES targets(id),"
    "  board_id INTEGER NOT NULL REFERENCES boards(id),"
    "  config_id INTEGER NOT NULL REFERENCES configs(id),"
    "  source_hash TEXT NOT NULL,"
    "  protocol TEXT NOT NULL,"
    "  status TEXT NOT NULL,"
    "  error TEXT,"
    "  n_times INTEGER NOT NULL CHECK (n_times >= 0),"
    "  times_ns TEXT NOT NULL,"
    "  median_ns REAL, min_ns REAL, max_ns REAL,"
    "  checksum TEXT NOT NULL CHECK (length(checksum) = 16),"
    "  measured_at TEXT NOT NULL);"
    /* best, top-k and counts: one workload/target, status 'ok', ordered by median */
    "CREATE INDEX measurements_best ON measurements(workload_id, target_id, status, median_ns);"
    /* resume (has_measured) and config_time */
    "CREATE INDEX measurements_variant ON measurements(workload_id, target_id, config_id,"
    "  source_hash, protocol, status);"
    "CREATE INDEX measurements_session ON measurements(session_id);"
    "INSERT INTO meta(key, value) VALUES('application', 'qtune');"
    "INSERT INTO meta(key, value) VALUES('schema_version', '1');"
    "PRAGMA application_id = " DB_STR(QT_DB_APPLICATION_ID) ";"
    "PRAGMA user_version = 1;";

/* Version 2: the per-file manifest of a source hash, so that export can name the kernel file
 * that changed since a variant was measured. One row per (source hash, file); paths are
 * relative to the kernels directory, file_hash is FNV-1a 64 of the file's bytes. The pseudo
 * path "defines" holds the hash of the variant's knob and shape defines. */
static const char db_step_1_to_2[] =
    "CREATE TABLE sources("
    "  source_hash TEXT NOT NULL,"
    "  path TEXT NOT NULL,"
    "  file_hash TEXT NOT NULL,"
    "  PRIMARY KEY(source_hash, path)) WITHOUT ROWID;"
    "UPDATE meta SET value = '2' WHERE key = 'schema_version';"
    "PRAGMA user_version = 2;";

/* Version 3: verdicts of the final re-measurement (docs/DESIGN.md §4). When the best configs of
 * a task were re-measured against each other, interleaved, the winner is recorded here: the
 * measurement that stands for it, its median over the rounds, and the newest measurement of
 * the task the verdict saw (through_id), so that a faster measurement made later overrules it
 * while older noise does not. */
static const char db_step_2_to_3[] =
    "CREATE TABLE verdicts("
    "  id INTEGER PRIMARY KEY,"
    "  session_id INTEGER NOT NULL REFERENCES sessions(id),"
    "  workload_id INTEGER NOT NULL REFERENCES workloads(id),"
    "  target_id INTEGER NOT NULL REFERENCES targets(id),"
    "  measurement_id INTEGER NOT NULL REFERENCES measurements(id),"
    "  median_ns REAL NOT NULL,"
    "  candidates INTEGER NOT NULL CHECK (candidates >= 2),"
    "  rounds INTEGER NOT NULL CHECK (rounds >= 1),"
    "  through_id INTEGER NOT NULL,"
    "  decided_at TEXT NOT NULL);"
    "CREATE INDEX verdicts_task ON verdicts(workload_id, target_id, id);"
    "UPDATE meta SET value = '3' WHERE key = 'schema_version';"
    "PRAGMA user_version = 3;";

/* Version 4: scale-out. Sessions say where they ran (host) and, once merged from another log
 * by `tune merge`, where they came from (origin: "<input file> session <id there>"), so a
 * verdict or measurement keeps its provenance through its session. Table claims holds the
 * configs a running tuner is building or measuring right now (one row per variant, removed in
 * the transaction that records it): a second tuner on the same log skips a config claimed by
 * a live process instead of measuring it twice. A claim is stale, and may be taken over, when
 * its session has ended, its process is gone from this host, or its lease has expired. */
static const char db_step_3_to_4[] =
    "ALTER TABLE sessions ADD COLUMN host TEXT;"
    "ALTER TABLE sessions ADD COLUMN origin TEXT;"
    "CREATE TABLE claims("
    "  workload_key TEXT NOT NULL,"
    "  target TEXT NOT NULL,"
    "  template TEXT NOT NULL,"
    "  knobs TEXT NOT NULL,"
    "  source_hash TEXT NOT NULL,"
    "  protocol TEXT NOT NULL,"
    "  session_id INTEGER NOT NULL REFERENCES sessions(id),"
    "  host TEXT NOT NULL,"
    "  pid INTEGER NOT NULL,"
    "  expires_at REAL NOT NULL,"
    "  PRIMARY KEY(workload_key, target, template, knobs, source_hash, protocol)) WITHOUT ROWID;"
    "CREATE INDEX claims_session ON claims(session_id);"
    "UPDATE meta SET value = '4' WHERE key = 'schema_version';"
    "PRAGMA user_version = 4;";

/* Version 5: what a target's numbers count. Every median, min, max and times_ns of a target
 * is in its unit ("ns", "ns (emulated)", "instructions (qemu icount)"; qt_timing_unit), set by
 * the first session that measures the target with a known unit. A log written before has
 * NULL there: its readers fall back to the target file's unit. */
static const char db_step_4_to_5[] =
    "ALTER TABLE targets ADD COLUMN unit TEXT;"
    "UPDATE meta SET value = '5' WHERE key = 'schema_version';"
    "PRAGMA user_version = 5;";

/* Version 6: which measurements are rounds of a task's final re-measurement (round k >= 1 of
 * the interleaved rounds; NULL: a measurement of the search, or of a log written before). The
 * candidates of a re-measurement are chosen without the rounds no verdict has seen yet: those
 * of a re-measurement killed before its verdict, single interleaved samples that an
 * uninterrupted run would not have had when it chose (docs/DESIGN.md §4). */
static const char db_step_5_to_6[] =
    "ALTER TABLE measurements ADD COLUMN round INTEGER CHECK (round IS NULL OR round >= 1);"
    "UPDATE meta SET value = '6' WHERE key = 'schema_version';"
    "PRAGMA user_version = 6;";

static const char *const db_migrations[] = {
    db_step_0_to_1,
    db_step_1_to_2,
    db_step_2_to_3,
    db_step_3_to_4,
    db_step_4_to_5,
    db_step_5_to_6,
};
_Static_assert(sizeof db_migrations / sizeof db_migrations[0] == QT_DB_SCHEMA_VERSION,
               "one migration step per schema version");

/* ---- statements ------------------------------------------------------------------------
 * Every statement a connection runs, prepared once at open. Values are always bound. */

#define DB_BEST_COLUMNS                                                                  \
  "w.key, t.name, c.template, c.knobs, m.source_hash, m.protocol, b.name, m.median_ns, " \
  "m.min_ns, m.max_ns, m.id, m.session_id, m.measured_at"
#define DB_BEST_JOINS                                                                 \
  " JOIN workloads w ON w.id = m.workload_id JOIN targets t ON t.id = m.target_id"    \
  " JOIN configs c ON c.id = m.config_id JOIN boards b ON b.id = m.board_id"
/* ?1 = workload key, ?2 = target name; p qualifies the columns ("m." or "") */
#define DB_WHERE_WORKLOAD_TARGET(p)                                \
  p "workload_id = (SELECT id FROM workloads WHERE key = ?1) AND " \
  p "target_id = (SELECT id FROM targets WHERE name = ?2)"

/* Leaves out (inside a query of one task's measurements, ?1 and ?2) the re-measurement
 * rounds that no verdict of the task has seen: a killed re-measurement's. */
#define DB_SEEN_ROUNDS                                                                     \
  " AND (round IS NULL OR id <= coalesce((SELECT max(through_id) FROM verdicts WHERE "     \
  DB_WHERE_WORKLOAD_TARGET("") "), 0))"

/* The protocol of the task's newest ok measurement: bests, top-k and default times rank only
 * measurements of one protocol (repeats, pinning, flushing, seed and board class: see
 * qt_protocol_format), the one the log measures with now; status is its parameter. */
#define DB_CURRENT_PROTOCOL(status)                                                      \
  "(SELECT protocol FROM measurements WHERE " DB_WHERE_WORKLOAD_TARGET("") " AND status = " \
  status " ORDER BY id DESC LIMIT 1)"

/* The key of a claim: workload key, target, template, knobs, source hash, protocol. */
#define DB_WHERE_CLAIM                                                               \
  "workload_key = ?1 AND target = ?2 AND template = ?3 AND knobs = ?4 AND "          \
  "source_hash = ?5 AND protocol = ?6"

/* Seconds since the epoch, as a REAL, for claim leases (SQLite 3.40 lacks unixepoch('subsec')). */
#define DB_UNIX_NOW "((julianday('now') - 2440587.5) * 86400.0)"

/* has_measured binds one slot per status, in QT_STATUS_TABLE order starting at this index:
 * the name for a final status, NULL (never equal) for a transient one. */
#define DB_HAS_FIRST_STATUS 7
#define DB_STATUS_SLOT(e, name, final) "?,"

#define DB_STATEMENTS(X)                                                                    \
  X(BEGIN, "BEGIN IMMEDIATE")                                                               \
  X(COMMIT, "COMMIT")                                                                       \
  X(ROLLBACK, "ROLLBACK")                                                                   \
  X(SESSION_BEGIN,                                                                          \
    "INSERT INTO sessions(command, tool_version, started_at, host) VALUES(?1, ?2, " DB_NOW   \
    ", ?3)")                                                                                \
  X(SESSION_END, "UPDATE sessions SET ended_at = " DB_NOW " WHERE id = ?1")                 \
  X(SESSION_UNCLAIM, "DELETE FROM claims WHERE session_id = ?1")                            \
  /* the claim on a variant and whether its owner still runs: session ended or lease over */ \
  X(CLAIM_GET, "SELECT c.session_id, c.host, c.pid, s.ended_at IS NOT NULL OR c.expires_at < " \
               DB_UNIX_NOW " FROM claims c LEFT JOIN sessions s ON s.id = c.session_id"      \
               " WHERE " DB_WHERE_CLAIM)                                                    \
  X(CLAIM_PUT, "INSERT OR REPLACE INTO claims(workload_key, target, template, knobs, "      \
               "source_hash, protocol, session_id, host, pid, expires_at) VALUES(?1, ?2, ?3, " \
               "?4, ?5, ?6, ?7, ?8, ?9, " DB_UNIX_NOW " + ?10)")                              \
  X(CLAIM_DROP, "DELETE FROM claims WHERE " DB_WHERE_CLAIM)                                 \
  X(WORKLOAD_GET, "SELECT id FROM workloads WHERE key = ?1")                                \
  X(WORKLOAD_ADD,                                                                           \
    "INSERT INTO workloads(key, hash, op, dtype, requant, n, in_h, in_w, in_c, out_h, "     \
    "out_w, out_c, kh, kw, stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left, " \
    "pad_bottom, pad_right, depth_multiplier, macs) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, "    \
    "?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)")   \
  X(TARGET_GET, "SELECT id FROM targets WHERE name = ?1")                                   \
  X(TARGET_ADD, "INSERT INTO targets(name) VALUES(?1)")                                     \
  X(TARGET_UNIT_SET, "INSERT INTO targets(name, unit) VALUES(?1, ?2) ON CONFLICT(name)"      \
                     " DO UPDATE SET unit = excluded.unit WHERE unit IS NULL")               \
  X(TARGET_UNIT_GET, "SELECT unit FROM targets WHERE name = ?1")                            \
  X(BOARD_GET, "SELECT id FROM boards WHERE name = ?1 AND target_id = ?2")                  \
  X(BOARD_ADD, "INSERT INTO boards(name, kind, target_id) VALUES(?1, ?2, ?3)")              \
  X(CONFIG_GET, "SELECT id FROM configs WHERE template = ?1 AND knobs = ?2")                \
  X(CONFIG_ADD, "INSERT INTO configs(template, knobs) VALUES(?1, ?2)")                      \
  X(MEASUREMENT_ADD,                                                                        \
    "INSERT INTO measurements(session_id, workload_id, target_id, board_id, config_id, "    \
    "source_hash, protocol, status, error, n_times, times_ns, median_ns, min_ns, max_ns, "  \
    "checksum, round, measured_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "    \
    "?12, ?13, ?14, ?15, ?16, " DB_NOW ")")                                                 \
  X(HAS_MEASURED,                                                                           \
    "SELECT EXISTS(SELECT 1 FROM measurements WHERE " DB_WHERE_WORKLOAD_TARGET("")              \
    " AND config_id = (SELECT id FROM configs WHERE template = ?3 AND knobs = ?4)"          \
    " AND source_hash = ?5 AND protocol = ?6"                                               \
    " AND status IN (" QT_STATUS_TABLE(DB_STATUS_SLOT) "NULL))")                            \
  X(BEST, "SELECT " DB_BEST_COLUMNS " FROM measurements m" DB_BEST_JOINS                    \
          " WHERE " DB_WHERE_WORKLOAD_TARGET("m.") " AND m.status = ?3"                         \
          " AND m.protocol = " DB_CURRENT_PROTOCOL("?3")                                     \
          " ORDER BY m.median_ns, m.id LIMIT 1")                                            \
  /* the newest verdict of the task, unless an ok measurement newer than what it saw is
   * faster than its median */                                                            \
  X(BEST_VERDICT, "SELECT " DB_BEST_COLUMNS " FROM verdicts v JOIN measurements m"           \
          " ON m.id = v.measurement_id" DB_BEST_JOINS                                        \
          " WHERE v.workload_id = (SELECT id FROM workloads WHERE key = ?1)"                 \
          " AND v.target_id = (SELECT id FROM targets WHERE name = ?2)"                      \
          " AND v.id = (SELECT max(id) FROM verdicts WHERE workload_id = v.workload_id"      \
          " AND target_id = v.target_id)"                                                    \
          " AND m.protocol = " DB_CURRENT_PROTOCOL("?3")                                     \
          " AND NOT EXISTS (SELECT 1 FROM measurements n WHERE n.workload_id = v.workload_id" \
          " AND n.target_id = v.target_id AND n.status = ?3 AND n.id > v.through_id"         \
          " AND n.protocol = m.protocol AND n.median_ns < v.median_ns)")                     \
  /* a config's ok measurements in the session of the task's newest verdict, up to it, newest
   * first, with the verdict's round count */                                              \
  X(VERDICT_ROUNDS,                                                                         \
    "SELECT m.median_ns, v.rounds FROM verdicts v JOIN measurements m"                      \
    " ON m.workload_id = v.workload_id AND m.target_id = v.target_id"                       \
    " AND m.session_id = v.session_id AND m.id <= v.through_id"                             \
    " WHERE v.id = (SELECT max(id) FROM verdicts WHERE " DB_WHERE_WORKLOAD_TARGET("") ")"   \
    " AND m.config_id = (SELECT id FROM configs WHERE template = ?3 AND knobs = ?4)"       \
    " AND m.status = ?5 AND m.median_ns > 0 ORDER BY m.id DESC LIMIT 64")                  \
  X(VERDICT_ADD,                                                                            \
    "INSERT INTO verdicts(session_id, workload_id, target_id, measurement_id, median_ns, "   \
    "candidates, rounds, through_id, decided_at) SELECT ?1, m.workload_id, m.target_id, m.id, " \
    "?3, ?4, ?5, (SELECT max(id) FROM measurements WHERE workload_id = m.workload_id AND "  \
    "target_id = m.target_id), " DB_NOW " FROM measurements m WHERE m.id = ?2 AND m.status = ?6") \
  X(TOPK, "SELECT " DB_BEST_COLUMNS " FROM (SELECT *, row_number() OVER ("                  \
          "PARTITION BY config_id ORDER BY median_ns, id) AS nth FROM measurements"        \
          " WHERE " DB_WHERE_WORKLOAD_TARGET("") " AND status = ?3"                            \
          " AND protocol = " DB_CURRENT_PROTOCOL("?3") DB_SEEN_ROUNDS ") m" DB_BEST_JOINS     \
          " WHERE m.nth = 1 ORDER BY m.median_ns, m.id LIMIT ?4")                          \
  X(SOURCE_ADD, "INSERT OR IGNORE INTO sources(source_hash, path, file_hash) VALUES(?1, ?2, ?3)") \
  X(SOURCE_LIST, "SELECT path, file_hash FROM sources WHERE source_hash = ?1 ORDER BY path") \
  X(CONFIG_TIME, "SELECT min(median_ns) FROM measurements WHERE " DB_WHERE_WORKLOAD_TARGET("")  \
                 " AND config_id = (SELECT id FROM configs WHERE template = ?3"             \
                 " AND knobs = ?4) AND status = ?5"                                         \
                 " AND protocol = " DB_CURRENT_PROTOCOL("?5") DB_SEEN_ROUNDS)               \
  X(LOOKUP, "SELECT status, error, times_ns, median_ns, min_ns, max_ns, checksum"          \
            " FROM measurements WHERE " DB_WHERE_WORKLOAD_TARGET("")                         \
            " AND config_id = (SELECT id FROM configs WHERE template = ?3 AND knobs = ?4)"  \
            " ORDER BY (status = 'ok') DESC, median_ns ASC, id ASC")                       \
  X(TASK_RECORDS, "SELECT c.template, c.knobs, m.source_hash, m.protocol, m.status,"     \
                  " m.median_ns FROM measurements m JOIN configs c ON c.id = m.config_id"   \
                  " WHERE " DB_WHERE_WORKLOAD_TARGET("m.") " ORDER BY m.id")              \
  X(HISTORY, "SELECT w.key, c.template, c.knobs, min(m.median_ns) FROM measurements m"     \
             " JOIN workloads w ON w.id = m.workload_id JOIN configs c ON c.id = m.config_id"  \
             " WHERE m.target_id = (SELECT id FROM targets WHERE name = ?1) AND w.key <> ?2"  \
             " AND m.status = ?3 AND m.median_ns > 0"                                         \
             " GROUP BY w.key, c.template, c.knobs ORDER BY w.key, c.template, c.knobs")     \
  X(COUNT, "SELECT count(*), count(CASE WHEN status = ?3 THEN 1 END) FROM measurements"     \
           " WHERE " DB_WHERE_WORKLOAD_TARGET(""))                                             \
  /* ok measurements no verdict has seen yet */                                             \
  X(UNCONFIRMED, "SELECT count(*) FROM measurements WHERE " DB_WHERE_WORKLOAD_TARGET("")     \
                 " AND status = ?3 AND id > coalesce((SELECT max(through_id) FROM verdicts"  \
                 " WHERE " DB_WHERE_WORKLOAD_TARGET("") "), 0)")                              \
  /* an ok row without timings breaks the log's invariant (the first one, for the error) */ \
  X(DAMAGED, "SELECT id FROM measurements WHERE " DB_WHERE_WORKLOAD_TARGET("")               \
             " AND status = ?3 AND (n_times < 1 OR median_ns IS NULL OR NOT median_ns > 0"   \
             " OR min_ns IS NULL OR max_ns IS NULL) ORDER BY id LIMIT 1")

enum {
#define DB_STMT_ENUM(name, sql) DB_##name,
  DB_STATEMENTS(DB_STMT_ENUM)
#undef DB_STMT_ENUM
      DB_STMT_COUNT
};

static const char *const db_sql[DB_STMT_COUNT] = {
#define DB_STMT_SQL(name, sql) sql,
    DB_STATEMENTS(DB_STMT_SQL)
#undef DB_STMT_SQL
};

struct qt_db {
  sqlite3 *h;
  int busy_timeout_ms;
  sqlite3_stmt *stmt[DB_STMT_COUNT];
  int64_t last_id; /* the measurement qt_db_record committed last, 0 before any */
  char path[]; /* as given to qt_db_open, for messages */
};

/* ---- errors ---------------------------------------------------------------------------- */

/* The one mapping of SQLite result codes (primary or extended) to QT_E* codes. */
static int db_code(int rc) {
  switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE: return QT_EOK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return QT_EBUSY;
    case SQLITE_NOMEM: return QT_ENOMEM;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_FULL:
    case SQLITE_PROTOCOL: return QT_EIO;
    case SQLITE_NOTADB: return QT_EDBFORMAT;
    case SQLITE_INTERRUPT: return QT_EINTERRUPTED;
    case SQLITE_MISUSE:
    case SQLITE_RANGE: return QT_EINTERNAL;
    default: return QT_EDB; /* ERROR, CONSTRAINT, CORRUPT, ABORT, SCHEMA, TOOBIG, ... */
  }
}

/* Fills err from SQLite result code rc on connection h (which must not have run another call
 * since the failure, so sqlite3_errmsg still describes it): "<operation>: <sqlite message>",
 * plus the OS reason for I/O failures and the wait for lock failures. Returns the QT_E* code. */
static int db_fail(sqlite3 *h, int busy_timeout_ms, int rc, qt_err *err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int db_fail(sqlite3 *h, int busy_timeout_ms, int rc, qt_err *err, const char *fmt, ...) {
  char op[512], extra[160] = "";
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(op, sizeof op, fmt, ap);
  va_end(ap);
  int code = db_code(rc);
  const char *why = h ? sqlite3_errmsg(h) : sqlite3_errstr(rc);
  int sys = h ? sqlite3_system_errno(h) : 0;
  if (code == QT_EIO && sys != 0)
    snprintf(extra, sizeof extra, " (%s)", strerror(sys));
  else if (code == QT_EBUSY)
    snprintf(extra, sizeof extra, " (gave up after waiting %d ms)", busy_timeout_ms);
  return qt_fail(err, code, "%s: %s%s", op, why, extra);
}

#define DB_FAIL(db, rc, err, ...) db_fail((db)->h, (db)->busy_timeout_ms, rc, err, __VA_ARGS__)

/* ---- small statement helpers (all return an SQLite result code) ------------------------ */

/* The statement `which`, reset and with all parameters NULL, ready to bind. */
static sqlite3_stmt *db_stmt(qt_db *db, int which) {
  sqlite3_stmt *s = db->stmt[which];
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return s;
}

/* Binders that thread one rc: each does nothing once an earlier bind has failed. Text is
 * bound SQLITE_STATIC: callers keep it alive until the statement is reset. */
static void db_bind_text(sqlite3_stmt *s, int i, const char *v, int *rc) {
  if (*rc == SQLITE_OK) *rc = v ? sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC)
                                : sqlite3_bind_null(s, i);
}
static void db_bind_int(sqlite3_stmt *s, int i, int64_t v, int *rc) {
  if (*rc == SQLITE_OK) *rc = sqlite3_bind_int64(s, i, v);
}
static void db_bind_double(sqlite3_stmt *s, int i, double v, int *rc) {
  if (*rc == SQLITE_OK) *rc = sqlite3_bind_double(s, i, v);
}

/* Binds ?1..?6 of the has-measured and claim statements: the variant id (key: its workload key). */
static void db_bind_claim_key(sqlite3_stmt *s, const char *key, const qt_variant_id *id,
                              int *rc) {
  db_bind_text(s, 1, key, rc);
  db_bind_text(s, 2, id->target, rc);
  db_bind_text(s, 3, id->template_name, rc);
  db_bind_text(s, 4, id->knobs, rc);
  db_bind_text(s, 5, id->source_hash, rc);
  db_bind_text(s, 6, id->protocol, rc);
}

/* Steps s, which must not return rows, and resets it. Returns SQLITE_OK or the error. */
static int db_run(sqlite3_stmt *s) {
  int rc = sqlite3_step(s);
  sqlite3_reset(s);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Runs the get statement (bound, one id column); if it finds no row, runs the add statement
 * (bound) and takes the new rowid. Call inside a write transaction so nobody can add the row
 * in between. Both statements are reset on return. */
static int db_get_or_add(qt_db *db, sqlite3_stmt *get, sqlite3_stmt *add, int64_t *id) {
  int rc = sqlite3_step(get);
  if (rc == SQLITE_ROW) {
    *id = sqlite3_column_int64(get, 0);
    sqlite3_reset(get);
    return SQLITE_OK;
  }
  sqlite3_reset(get);
  if (rc != SQLITE_DONE) return rc;
  rc = db_run(add);
  if (rc == SQLITE_OK) *id = sqlite3_last_insert_rowid(db->h);
  return rc;
}

/* Runs a one-row, one-integer query given as constant text (a pragma); *v = its value. */
static int db_query_int(sqlite3 *h, const char *sql, int64_t *v) {
  sqlite3_stmt *s = NULL;
  int rc = sqlite3_prepare_v2(h, sql, -1, &s, NULL);
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    *v = sqlite3_column_int64(s, 0);
    rc = SQLITE_OK;
  } else if (rc == SQLITE_DONE) {
    rc = SQLITE_ERROR; /* every pragma asked here answers one row */
  }
  sqlite3_finalize(s); /* keeps the connection's error message of a failed step */
  return rc;
}

/* Rolls back the open transaction, if any (some errors already rolled it back). */
static void db_rollback(qt_db *db) {
  if (!sqlite3_get_autocommit(db->h)) db_run(db_stmt(db, DB_ROLLBACK));
}

/* ---- open ------------------------------------------------------------------------------ */

/* Decides what the open file is, by reading only: its application_id, user_version and
 * number of schema objects. Returns 0 with *version = its schema version (0 for an empty
 * database, which becomes a new log); QT_EDBFORMAT if it is not SQLite, SQLite but not a qtune
 * log, or a qtune log of a newer schema; another QT_E* code if it cannot be read.
 * Empty means nothing to lose: a 0-byte file, or an SQLite header with no application_id, no
 * user_version and no schema (a page count test would not do: inside the write transaction
 * of db_migrate SQLite already counts page 1 of a 0-byte file). */
static int db_identify(qt_db *db, int *version, qt_err *err) {
  int64_t app = 0, uv = 0, objects = 0;
  /* The three reads in one read transaction (db_migrate calls this inside its own): read
   * one by one, another process creating the log in between gave an application_id of 0
   * with a schema, "not a qtune log" (test_db_file's test_concurrent_create). */
  const int own = sqlite3_get_autocommit(db->h);
  int rc = own ? sqlite3_exec(db->h, "BEGIN", NULL, NULL, NULL) : SQLITE_OK;
  if (rc == SQLITE_OK) rc = db_query_int(db->h, "PRAGMA application_id", &app);
  if (rc == SQLITE_OK) rc = db_query_int(db->h, "PRAGMA user_version", &uv);
  if (rc == SQLITE_OK) rc = db_query_int(db->h, "SELECT count(*) FROM sqlite_master", &objects);
  if (own && !sqlite3_get_autocommit(db->h)) sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
  if ((rc & 0xff) == SQLITE_NOTADB)
    return qt_fail(err, QT_EDBFORMAT, "%s is not a qtune log (not an SQLite database)",
                   db->path);
  if (rc != SQLITE_OK) return DB_FAIL(db, rc, err, "read the header of tuning log %s", db->path);
  if (app == 0 && uv == 0 && objects == 0) {
    *version = 0;
    return 0;
  }
  if (app != QT_DB_APPLICATION_ID)
    return qt_fail(err, QT_EDBFORMAT,
                   "%s is an SQLite database but not a qtune log (application_id 0x%08" PRIx32
                   ", expected 0x%08x)",
                   db->path, (uint32_t)app, (unsigned)QT_DB_APPLICATION_ID);
  if (uv > QT_DB_SCHEMA_VERSION || uv < 0)
    return qt_fail(err, QT_EDBFORMAT,
                   "%s has schema version %" PRId64
                   "; this qtune understands up to %d: upgrade qtune",
                   db->path, uv, QT_DB_SCHEMA_VERSION);
  *version = (int)uv;
  return 0;
}

/* Brings the log from its current schema version to QT_DB_SCHEMA_VERSION in one write
 * transaction. The file is identified again under the write lock: another process may have
 * created (or replaced) it since the first look. Returns 0 or a QT_E* code; on error nothing
 * has been written. */
static int db_migrate(qt_db *db, qt_err *err) {
  int rc = sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    return DB_FAIL(db, rc, err, "lock tuning log %s to create or migrate it", db->path);
  int version = 0, code = db_identify(db, &version, err);
  for (int v = version; code == 0 && v < QT_DB_SCHEMA_VERSION; v++) {
    int64_t now = -1;
    rc = sqlite3_exec(db->h, db_migrations[v], NULL, NULL, NULL);
    if (rc == SQLITE_OK) rc = db_query_int(db->h, "PRAGMA user_version", &now);
    if (rc != SQLITE_OK)
      code = DB_FAIL(db, rc, err, "migrate tuning log %s from schema version %d to %d",
                     db->path, v, v + 1);
    else if (now != v + 1)
      code = qt_fail(err, QT_EINTERNAL,
                     "migrate tuning log %s: step %d->%d left user_version %" PRId64, db->path,
                     v, v + 1, now);
  }
  if (code == 0) {
    rc = sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
      code = DB_FAIL(db, rc, err, "commit the migration of tuning log %s", db->path);
  }
  if (code != 0 && !sqlite3_get_autocommit(db->h))
    sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
  return code;
}

/* Switches an on-disk log to WAL (which writes the file, so only once it is a qtune log) and
 * sets the per-connection pragmas. An in-memory log keeps its "memory" journal. */
static int db_configure(qt_db *db, qt_err *err) {
  sqlite3_stmt *s = NULL;
  /* SQLite does not call the busy handler for this switch when another connection holds
   * the file (it returns SQLITE_BUSY at once: test_db_file's test_concurrent_create, 4
   * processes opening one new log, failed 1-3 rounds in 150), so the wait is done here, in
   * 2 ms steps up to the busy timeout. */
  int rc = SQLITE_BUSY;
  for (int waited = 0;; waited += 2) {
    rc = sqlite3_prepare_v2(db->h, "PRAGMA journal_mode = WAL", -1, &s, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(s);
    if ((rc & 0xff) != SQLITE_BUSY || waited >= db->busy_timeout_ms) break;
    sqlite3_finalize(s);
    s = NULL;
    sqlite3_sleep(2);
  }
  if (rc != SQLITE_ROW) {
    int code = DB_FAIL(db, rc, err, "switch tuning log %s to WAL journal mode", db->path);
    sqlite3_finalize(s);
    return code;
  }
  const char *mode = (const char *)sqlite3_column_text(s, 0);
  const char *file = sqlite3_db_filename(db->h, "main");
  int on_disk = file && *file;
  int code = 0;
  if (on_disk && (!mode || strcmp(mode, "wal") != 0))
    code = qt_fail(err, QT_EIO,
                   "switch tuning log %s to WAL journal mode: SQLite kept mode '%s' (a "
                   "file system without shared memory support?)",
                   db->path, mode ? mode : "?");
  sqlite3_finalize(s);
  if (code) return code;
  /* In WAL mode NORMAL loses nothing committed when the process dies, only on power loss. */
  rc = sqlite3_exec(db->h, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
  if (rc != SQLITE_OK) return DB_FAIL(db, rc, err, "configure tuning log %s", db->path);
  return 0;
}

/* Prepares every statement of DB_STATEMENTS once for this connection (the schema must exist).
 * Returns 0 or a QT_E* code; statements prepared so far are finalized by qt_db_close. */
static int db_prepare_all(qt_db *db, qt_err *err) {
  for (int i = 0; i < DB_STMT_COUNT; i++) {
    int rc = sqlite3_prepare_v3(db->h, db_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &db->stmt[i],
                                NULL);
    if (rc != SQLITE_OK)
      return DB_FAIL(db, rc, err, "prepare statement %d of tuning log %s", i, db->path);
  }
  /* The status slots of HAS_MEASURED come from QT_STATUS_TABLE; make sure they line up. */
  if (sqlite3_bind_parameter_count(db->stmt[DB_HAS_MEASURED]) !=
      DB_HAS_FIRST_STATUS - 1 + QT_STATUS_COUNT)
    return qt_fail(err, QT_EINTERNAL, "prepare has_measured: parameter count %d, expected %d",
                   sqlite3_bind_parameter_count(db->stmt[DB_HAS_MEASURED]),
                   DB_HAS_FIRST_STATUS - 1 + QT_STATUS_COUNT);
  return 0;
}

int qt_db_open(const char *path, int busy_timeout_ms, qt_db **out, qt_err *err) {
  return qt_db_open_vfs(path, busy_timeout_ms, NULL, out, err);
}

int qt_db_open_vfs(const char *path, int busy_timeout_ms, const char *vfs, qt_db **out,
                   qt_err *err) {
  if (!out) return qt_fail(err, QT_EINVAL, "open tuning log: NULL output pointer");
  *out = NULL;
  if (!path || !*path) return qt_fail(err, QT_EINVAL, "open tuning log: empty path");
  if (busy_timeout_ms < 0)
    return qt_fail(err, QT_EINVAL, "open tuning log %s: busy timeout must be >= 0 ms, got %d",
                   path, busy_timeout_ms);
  size_t len = strlen(path);
  qt_db *db = calloc(1, sizeof *db + len + 1);
  if (!db) return qt_fail(err, QT_ENOMEM, "open tuning log %s: out of memory", path);
  memcpy(db->path, path, len + 1);
  db->busy_timeout_ms = busy_timeout_ms;

  int code = 0;
  int rc = sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs);
  if (!db->h) {
    code = qt_fail(err, QT_ENOMEM, "open tuning log %s: out of memory", path);
  } else if (rc != SQLITE_OK) {
    code = DB_FAIL(db, rc, err, "open tuning log %s", path);
  } else {
    sqlite3_extended_result_codes(db->h, 1);
    sqlite3_busy_timeout(db->h, busy_timeout_ms);
    /* Neither pragma writes; the file is still untouched until it is identified. */
    rc = sqlite3_exec(db->h, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    if (rc != SQLITE_OK) code = DB_FAIL(db, rc, err, "configure tuning log %s", path);
  }
  /* SQLite quietly opens a file it may not write read-only; every record would then fail
   * later with a stale errno ("No such file or directory" from its journal probe). Refuse now,
   * with the cause the file system gives. */
  if (code == 0 && sqlite3_db_readonly(db->h, "main") == 1) {
    errno = 0;
    int sys = access(path, W_OK) == 0 ? 0 : errno;
    code = qt_fail(err, QT_EIO, "open tuning log %s: not writable (%s)", path,
                   sys ? strerror(sys) : "opened read-only");
  }
  int version = 0;
  if (code == 0) code = db_identify(db, &version, err);
  /* Migrate before switching to WAL: a new log is then created in one rollback-journal
   * transaction, so a crash leaves either an empty file or a complete log, never a file with
   * a header but no mark. */
  if (code == 0 && version < QT_DB_SCHEMA_VERSION) code = db_migrate(db, err);
  if (code == 0) code = db_configure(db, err);
  if (code == 0) code = db_prepare_all(db, err);
  if (code != 0) {
    qt_db_close(db);
    return code;
  }
  *out = db;
  return 0;
}

int qt_db_identify_file(const char *path, int *version, qt_err *err) {
  if (!path || !*path || !version) return qt_fail(err, QT_EINVAL, "identify log: NULL argument");
  size_t len = strlen(path);
  qt_db *db = calloc(1, sizeof *db + len + 1);
  if (!db) return qt_fail(err, QT_ENOMEM, "read tuning log %s: out of memory", path);
  memcpy(db->path, path, len + 1);
  db->busy_timeout_ms = 5000;
  int code = 0;
  int rc = sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READONLY, NULL);
  if (!db->h) {
    code = qt_fail(err, QT_ENOMEM, "read tuning log %s: out of memory", path);
  } else if (rc != SQLITE_OK) {
    code = DB_FAIL(db, rc, err, "read tuning log %s", path);
  } else {
    sqlite3_extended_result_codes(db->h, 1);
    sqlite3_busy_timeout(db->h, db->busy_timeout_ms);
    code = db_identify(db, version, err);
  }
  if (code == 0 && *version > 0) {
    sqlite3_stmt *s = NULL;
    rc = sqlite3_prepare_v2(db->h, "PRAGMA quick_check", -1, &s, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(s);
    if (rc != SQLITE_ROW)
      code = DB_FAIL(db, rc, err, "check tuning log %s", path);
    else if (strcmp((const char *)sqlite3_column_text(s, 0), "ok") != 0)
      code = qt_fail(err, QT_EDBFORMAT, "tuning log %s is damaged: %.200s", path,
                     (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
  }
  sqlite3_close(db->h);
  free(db);
  return code;
}

sqlite3 *qt_db_sqlite(qt_db *db) { return db->h; }

int qt_db_sql_int(sqlite3 *h, const char *sql, int64_t *v) { return db_query_int(h, sql, v); }

int qt_db_fail_sqlite(qt_db *db, int rc, qt_err *err, const char *fmt, ...) {
  char op[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(op, sizeof op, fmt, ap);
  va_end(ap);
  return DB_FAIL(db, rc, err, "%s", op);
}

void qt_db_close(qt_db *db) {
  if (!db) return;
  for (int i = 0; i < DB_STMT_COUNT; i++) sqlite3_finalize(db->stmt[i]);
  sqlite3_close(db->h);
  free(db);
}

/* ---- sessions -------------------------------------------------------------------------- */

/* This machine's name, for sessions and claims ("" if it has none). */
static void db_host_name(char *buf, size_t cap) {
  if (gethostname(buf, cap) != 0) buf[0] = '\0';
  buf[cap - 1] = '\0';
}

int qt_db_session_begin(qt_db *db, const char *command_line, const char *tool_version,
                        int64_t *session_id, qt_err *err) {
  if (!db || !command_line || !tool_version || !session_id)
    return qt_fail(err, QT_EINVAL, "begin session: NULL argument");
  char host[QT_DB_HOST_MAX];
  db_host_name(host, sizeof host);
  sqlite3_stmt *s = db_stmt(db, DB_SESSION_BEGIN);
  int rc = SQLITE_OK;
  db_bind_text(s, 1, command_line, &rc);
  db_bind_text(s, 2, tool_version, &rc);
  db_bind_text(s, 3, host, &rc);
  if (rc == SQLITE_OK) rc = db_run(s);
  if (rc != SQLITE_OK)
    return DB_FAIL(db, rc, err, "begin session '%s' in tuning log %s", command_line, db->path);
  *session_id = sqlite3_last_insert_rowid(db->h);
  return 0;
}

int qt_db_session_end(qt_db *db, int64_t session_id, qt_err *err) {
  if (!db) return qt_fail(err, QT_EINVAL, "end session: NULL log");
  /* Its claims go with it: what it did not record, another tuner may measure now. */
  sqlite3_stmt *u = db_stmt(db, DB_SESSION_UNCLAIM);
  int rc = SQLITE_OK;
  db_bind_int(u, 1, session_id, &rc);
  if (rc == SQLITE_OK) rc = db_run(u);
  sqlite3_stmt *s = db_stmt(db, DB_SESSION_END);
  db_bind_int(s, 1, session_id, &rc);
  if (rc == SQLITE_OK) rc = db_run(s);
  if (rc != SQLITE_OK)
    return DB_FAIL(db, rc, err, "end session %" PRId64 " in tuning log %s", session_id,
                   db->path);
  if (sqlite3_changes(db->h) == 0)
    return qt_fail(err, QT_ENOTFOUND, "end session %" PRId64 " in tuning log %s: no such session",
                   session_id, db->path);
  return 0;
}

int qt_db_target_unit(qt_db *db, const char *target, char *unit, size_t cap, qt_err *err) {
  if (!db || !target || !unit || cap == 0) return qt_fail(err, QT_EINVAL, "target unit: NULL argument");
  sqlite3_stmt *s = db_stmt(db, DB_TARGET_UNIT_GET);
  int rc = SQLITE_OK;
  db_bind_text(s, 1, target, &rc);
  unit[0] = '\0';
  if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    const char *u = (const char *)sqlite3_column_text(s, 0);
    snprintf(unit, cap, "%s", u ? u : "");
    rc = SQLITE_DONE;
  }
  sqlite3_reset(s);
  if (rc != SQLITE_DONE)
    return DB_FAIL(db, rc, err, "unit of target %s in tuning log %s", target, db->path);
  return 0;
}

int qt_db_set_target_unit(qt_db *db, const char *target, const char *unit, qt_err *err) {
  if (!db || !target || !unit || !*unit)
    return qt_fail(err, QT_EINVAL, "set target unit: NULL or empty argument");
  sqlite3_stmt *s = db_stmt(db, DB_TARGET_UNIT_SET);
  int rc = SQLITE_OK;
  db_bind_text(s, 1, target, &rc);
  db_bind_text(s, 2, unit, &rc);
  if (rc == SQLITE_OK) rc = db_run(s);
  if (rc != SQLITE_OK)
    return DB_FAIL(db, rc, err, "set the unit of target %s in tuning log %s", target, db->path);
  char have[128];
  int code = qt_db_target_unit(db, target, have, sizeof have, err);
  if (code) return code;
  if (strcmp(have, unit) != 0)
    return qt_fail(err, QT_EDB, "tuning log %s holds target %s's measurements in %s, but this "
                   "run measures it in %s: numbers in different units cannot be compared; use "
                   "another log (--db)", db->path, target, have, unit);
  return 0;
}

/* ---- record ---------------------------------------------------------------------------- */

/* Checks a required string argument of operation op: present, non-empty and short enough to
 * come back unchanged in a qt_db_row field of cap bytes. */
static int db_check_name(const char *op, const char *what, const char *v, size_t cap,
                         qt_err *err) {
  if (!v || !*v) return qt_fail(err, QT_EINVAL, "%s: %s is empty", op, what);
  size_t n = strlen(v);
  if (n >= cap)
    return qt_fail(err, QT_EINVAL, "%s: %s '%.40s...' is %zu bytes, the log keeps at most %zu",
                   op, what, v, n, cap - 1);
  return 0;
}

/* Checks the fields of a variant id for operation op (messages start with op). */
static int db_check_variant(const char *op, const qt_variant_id *id, qt_err *err) {
  const qt_db_row *b = NULL; /* only for the field sizes */
  if (!id->workload) return qt_fail(err, QT_EINVAL, "%s: no workload", op);
  int code = db_check_name(op, "target", id->target, sizeof b->target, err);
  if (!code) code = db_check_name(op, "template", id->template_name, sizeof b->template_name, err);
  if (!code) code = db_check_name(op, "knobs", id->knobs, sizeof b->knobs, err);
  if (!code) code = db_check_name(op, "source hash", id->source_hash, sizeof b->source_hash, err);
  if (!code) code = db_check_name(op, "protocol", id->protocol, sizeof b->protocol, err);
  return code;
}

/* Length of the manifest line starting at p (without its newline), and through *space the
 * offset of the separator; 0 if p is at the end. */
static size_t db_manifest_line(const char *p, size_t *space) {
  size_t n = strcspn(p, "\n");
  *space = strcspn(p, " ");
  return n;
}

/* Checks a manifest (qt_variant_id.manifest): lines "<path> <16 lowercase hex digits>", path
 * non-empty without spaces and at most 255 bytes. */
static int db_check_manifest(const char *manifest, qt_err *err) {
  int line = 1;
  for (const char *p = manifest; *p; line++) {
    size_t sp, n = db_manifest_line(p, &sp);
    int ok = sp > 0 && sp < 256 && n == sp + 17 && p[n] == '\n';
    for (size_t i = sp + 1; ok && i < n; i++)
      ok = (p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f');
    if (!ok)
      return qt_fail(err, QT_EINVAL,
                     "record measurement: manifest line %d '%.*s' is not '<path> <16 hex "
                     "digits>' ended by a newline",
                     line, (int)(n < 80 ? n : 80), p);
    p += n + 1;
  }
  return 0;
}

/* Checks everything qt_db_record stores that SQLite would not: names, status, times. */
static int db_check_measurement(const qt_measurement *m, qt_err *err) {
  static const char op[] = "record measurement";
  const qt_db_row *b = NULL;
  int code = db_check_variant(op, &m->id, err);
  if (!code) code = db_check_name(op, "board", m->board, sizeof b->board, err);
  if (!code) code = db_check_name(op, "board kind", m->board_kind, 64, err);
  if (code) return code;
  code = qt_workload_check(m->id.workload, err);
  if (code) {
    if (err) qt_err_wrap(err, "%s", op);
    return code;
  }
  if (m->id.manifest && (code = db_check_manifest(m->id.manifest, err))) return code;
  if ((unsigned)m->status >= QT_STATUS_COUNT)
    return qt_fail(err, QT_EINVAL, "record measurement: status %d is not a qt_status",
                   (int)m->status);
  if (m->n_times < 0 || m->n_times > QT_DB_MAX_TIMES)
    return qt_fail(err, QT_EINVAL, "record measurement: n_times %d outside [0, %d]",
                   m->n_times, QT_DB_MAX_TIMES);
  if (m->status == QT_STATUS_OK && m->n_times == 0)
    return qt_fail(err, QT_EINVAL, "record measurement: status ok with no times");
  if (m->round < 0)
    return qt_fail(err, QT_EINVAL, "record measurement: round %d is negative", m->round);
  for (int i = 0; i < m->n_times; i++)
    if (!isfinite(m->times_ns[i]) || m->times_ns[i] < 0)
      return qt_fail(err, QT_EINVAL, "record measurement: times_ns[%d] = %g is not a time", i,
                     m->times_ns[i]);
  if (m->status == QT_STATUS_OK &&
      !(isfinite(m->min_ns) && isfinite(m->max_ns) && m->min_ns >= 0 &&
        m->min_ns <= m->median_ns && m->median_ns <= m->max_ns))
    return qt_fail(err, QT_EINVAL,
                   "record measurement: min/median/max %g/%g/%g ns are not ordered times",
                   m->min_ns, m->median_ns, m->max_ns);
  return 0;
}

/* Writes the shortest of %.15g/%.17g that reads back as exactly v. */
static void db_format_time(double v, char *buf, size_t cap) {
  snprintf(buf, cap, "%.15g", v);
  if (strtod(buf, NULL) != v) snprintf(buf, cap, "%.17g", v);
}

int qt_db_record(qt_db *db, int64_t session_id, const qt_measurement *m, qt_err *err) {
  if (!db || !m) return qt_fail(err, QT_EINVAL, "record measurement: NULL argument");
  int code = db_check_measurement(m, err);
  if (code) return code;

  const qt_workload *w = m->id.workload;
  const qt_conv_desc *d = &w->desc;
  char key[QT_KEY_MAX], hash[17], checksum[17];
  char times[QT_DB_MAX_TIMES * 26 + 1];
  qt_workload_key(w, key);
  snprintf(hash, sizeof hash, "%016" PRIx64, qt_workload_hash(w));
  snprintf(checksum, sizeof checksum, "%016" PRIx64, m->checksum);
  size_t used = 0;
  times[0] = '\0';
  for (int i = 0; i < m->n_times; i++) {
    char one[32];
    db_format_time(m->times_ns[i], one, sizeof one);
    used += (size_t)snprintf(times + used, sizeof times - used, "%s%s", i ? "," : "", one);
  }

  int64_t workload_id = 0, target_id = 0, board_id = 0, config_id = 0;
  int rc = db_run(db_stmt(db, DB_BEGIN));
  if (rc == SQLITE_OK) {
    sqlite3_stmt *get = db_stmt(db, DB_WORKLOAD_GET), *add = db_stmt(db, DB_WORKLOAD_ADD);
    const int64_t cols[] = {d->in.n,         d->in.h,          d->in.w,
                            d->in.c,         d->out.h,         d->out.w,
                            d->out.c,        d->p.kernel_h,    d->p.kernel_w,
                            d->p.stride_h,   d->p.stride_w,    d->p.dilation_h,
                            d->p.dilation_w, d->p.pad_top,     d->p.pad_left,
                            d->p.pad_bottom, d->p.pad_right,   d->p.depth_multiplier,
                            (int64_t)qt_workload_macs(w)};
    db_bind_text(get, 1, key, &rc);
    db_bind_text(add, 1, key, &rc);
    db_bind_text(add, 2, hash, &rc);
    db_bind_text(add, 3, qt_op_name(d->p.op), &rc);
    db_bind_text(add, 4, qt_dtype_name(w->dtype), &rc);
    db_bind_text(add, 5, qt_requant_name(w->requant), &rc);
    for (int i = 0; i < (int)(sizeof cols / sizeof cols[0]); i++)
      db_bind_int(add, 6 + i, cols[i], &rc);
    if (rc == SQLITE_OK) rc = db_get_or_add(db, get, add, &workload_id);
  }
  if (rc == SQLITE_OK) {
    sqlite3_stmt *get = db_stmt(db, DB_TARGET_GET), *add = db_stmt(db, DB_TARGET_ADD);
    db_bind_text(get, 1, m->id.target, &rc);
    db_bind_text(add, 1, m->id.target, &rc);
    if (rc == SQLITE_OK) rc = db_get_or_add(db, get, add, &target_id);
  }
  if (rc == SQLITE_OK) {
    /* A board keeps the kind it was first recorded with. */
    sqlite3_stmt *get = db_stmt(db, DB_BOARD_GET), *add = db_stmt(db, DB_BOARD_ADD);
    db_bind_text(get, 1, m->board, &rc);
    db_bind_int(get, 2, target_id, &rc);
    db_bind_text(add, 1, m->board, &rc);
    db_bind_text(add, 2, m->board_kind, &rc);
    db_bind_int(add, 3, target_id, &rc);
    if (rc == SQLITE_OK) rc = db_get_or_add(db, get, add, &board_id);
  }
  if (rc == SQLITE_OK) {
    sqlite3_stmt *get = db_stmt(db, DB_CONFIG_GET), *add = db_stmt(db, DB_CONFIG_ADD);
    db_bind_text(get, 1, m->id.template_name, &rc);
    db_bind_text(get, 2, m->id.knobs, &rc);
    db_bind_text(add, 1, m->id.template_name, &rc);
    db_bind_text(add, 2, m->id.knobs, &rc);
    if (rc == SQLITE_OK) rc = db_get_or_add(db, get, add, &config_id);
  }
  if (rc == SQLITE_OK) {
    sqlite3_stmt *s = db_stmt(db, DB_MEASUREMENT_ADD);
    db_bind_int(s, 1, session_id, &rc);
    db_bind_int(s, 2, workload_id, &rc);
    db_bind_int(s, 3, target_id, &rc);
    db_bind_int(s, 4, board_id, &rc);
    db_bind_int(s, 5, config_id, &rc);
    db_bind_text(s, 6, m->id.source_hash, &rc);
    db_bind_text(s, 7, m->id.protocol, &rc);
    db_bind_text(s, 8, qt_status_name(m->status), &rc);
    db_bind_text(s, 9, m->error, &rc);
    db_bind_int(s, 10, m->n_times, &rc);
    db_bind_text(s, 11, times, &rc);
    if (m->status == QT_STATUS_OK) { /* a failed run has no statistics: NULL, not 0 */
      db_bind_double(s, 12, m->median_ns, &rc);
      db_bind_double(s, 13, m->min_ns, &rc);
      db_bind_double(s, 14, m->max_ns, &rc);
    }
    db_bind_text(s, 15, checksum, &rc);
    if (m->round > 0) db_bind_int(s, 16, m->round, &rc); /* else NULL: the search's */
    if (rc == SQLITE_OK) rc = db_run(s);
  }
  /* The manifest goes in with the measurement: a committed measurement always has the
   * per-file record export needs (rows already there for this source hash are kept). */
  for (const char *p = m->id.manifest; p && *p && rc == SQLITE_OK;) {
    size_t sp, n = db_manifest_line(p, &sp);
    sqlite3_stmt *s = db_stmt(db, DB_SOURCE_ADD);
    db_bind_text(s, 1, m->id.source_hash, &rc);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(s, 2, p, (int)sp, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(s, 3, p + sp + 1, (int)(n - sp - 1), SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = db_run(s);
    p += n + 1;
  }
  const int64_t id = sqlite3_last_insert_rowid(db->h);
  if (rc == SQLITE_OK) { /* recorded: the claim on it (by whichever tuner) has served */
    sqlite3_stmt *s = db_stmt(db, DB_CLAIM_DROP);
    db_bind_claim_key(s, key, &m->id, &rc);
    if (rc == SQLITE_OK) rc = db_run(s);
  }
  if (rc == SQLITE_OK) rc = db_run(db_stmt(db, DB_COMMIT));
  if (rc == SQLITE_OK) db->last_id = id;
  if (rc != SQLITE_OK) {
    code = DB_FAIL(db, rc, err,
                   "record measurement of %s on %s (%s) in session %" PRId64 " in tuning log %s",
                   key, m->id.target, m->id.knobs, session_id, db->path);
    db_rollback(db);
    return code;
  }
  return 0;
}

/* ---- claims ---------------------------------------------------------------------------- */

/* *found = 1 if the log holds a measurement of id (key: its workload key) with a final
 * status. Returns an SQLite result code. */
static int db_has_measured(qt_db *db, const char *key, const qt_variant_id *id, int *found) {
  sqlite3_stmt *s = db_stmt(db, DB_HAS_MEASURED);
  int rc = SQLITE_OK;
  *found = 0;
  db_bind_claim_key(s, key, id, &rc);
  for (int i = 0; i < QT_STATUS_COUNT; i++)
    if (qt_status_is_final((qt_status)i))
      db_bind_text(s, DB_HAS_FIRST_STATUS + i, qt_status_name((qt_status)i), &rc);
  if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    *found = sqlite3_column_int(s, 0) != 0;
    rc = SQLITE_OK;
  }
  sqlite3_reset(s);
  return rc;
}

/* Whether process pid on host may still be working on its claim: a process of this host
 * that no longer exists is not (kill(pid, 0) fails with ESRCH); one of another host is taken
 * on trust until its lease runs out. */
static int db_owner_alive(const char *host, int64_t pid) {
  char here[QT_DB_HOST_MAX];
  db_host_name(here, sizeof here);
  if (!host || strcmp(host, here) != 0) return 1;
  if (pid <= 0 || pid > INT32_MAX) return 0;
  return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

/* Under the transaction of qt_db_claim: the state of id for session_id. */
static int db_claim_locked(qt_db *db, int64_t session_id, const qt_variant_id *id,
                           const char *key, int lease_s, qt_db_claim_state *state) {
  int found = 0, rc = db_has_measured(db, key, id, &found);
  if (rc != SQLITE_OK) return rc;
  if (found) {
    *state = QT_DB_CLAIM_DONE;
    return SQLITE_OK;
  }
  sqlite3_stmt *s = db_stmt(db, DB_CLAIM_GET);
  db_bind_claim_key(s, key, id, &rc);
  if (rc == SQLITE_OK) rc = sqlite3_step(s);
  int taken = 0;
  if (rc == SQLITE_ROW) {
    int64_t owner = sqlite3_column_int64(s, 0);
    int stale = sqlite3_column_int(s, 3) ||
                !db_owner_alive((const char *)sqlite3_column_text(s, 1),
                                sqlite3_column_int64(s, 2));
    taken = owner != session_id && !stale;
    rc = SQLITE_OK;
  } else if (rc == SQLITE_DONE) {
    rc = SQLITE_OK;
  }
  sqlite3_reset(s);
  if (rc != SQLITE_OK) return rc;
  if (taken) {
    *state = QT_DB_CLAIM_TAKEN;
    return SQLITE_OK;
  }
  char host[QT_DB_HOST_MAX];
  db_host_name(host, sizeof host);
  s = db_stmt(db, DB_CLAIM_PUT);
  db_bind_claim_key(s, key, id, &rc);
  db_bind_int(s, 7, session_id, &rc);
  db_bind_text(s, 8, host, &rc);
  db_bind_int(s, 9, (int64_t)getpid(), &rc);
  db_bind_int(s, 10, lease_s, &rc);
  if (rc == SQLITE_OK) rc = db_run(s);
  if (rc == SQLITE_OK) *state = QT_DB_CLAIM_OURS;
  return rc;
}

int qt_db_claim(qt_db *db, int64_t session_id, const qt_variant_id *id, int lease_s,
                qt_db_claim_state *state, qt_err *err) {
  if (!db || !id || !state) return qt_fail(err, QT_EINVAL, "claim: NULL argument");
  int code = db_check_variant("claim", id, err);
  if (code) return code;
  if (lease_s < 1)
    return qt_fail(err, QT_EINVAL, "claim of %s: the lease must be >= 1 s, got %d", id->knobs,
                   lease_s);
  char key[QT_KEY_MAX];
  qt_workload_key(id->workload, key);
  /* One write transaction: the look and the claim are atomic against every other tuner. */
  int rc = db_run(db_stmt(db, DB_BEGIN));
  if (rc == SQLITE_OK) rc = db_claim_locked(db, session_id, id, key, lease_s, state);
  if (rc == SQLITE_OK) rc = db_run(db_stmt(db, DB_COMMIT));
  if (rc != SQLITE_OK) {
    code = DB_FAIL(db, rc, err, "claim %s on %s (%s) in tuning log %s", key, id->target,
                   id->knobs, db->path);
    db_rollback(db);
  }
  return code;
}

/* ---- queries --------------------------------------------------------------------------- */

int qt_db_has_measured(qt_db *db, const qt_variant_id *id, int *found, qt_err *err) {
  if (!db || !id || !found) return qt_fail(err, QT_EINVAL, "has_measured: NULL argument");
  *found = 0;
  int code = db_check_variant("has_measured", id, err);
  if (code) return code;
  char key[QT_KEY_MAX];
  qt_workload_key(id->workload, key);
  int rc = db_has_measured(db, key, id, found);
  if (rc != SQLITE_OK)
    code = DB_FAIL(db, rc, err, "look up %s on %s (%s) in tuning log %s", key, id->target,
                   id->knobs, db->path);
  return code;
}

/* Copies text column col of s into dst[cap]; fails rather than truncate. */
static int db_copy_text(qt_db *db, sqlite3_stmt *s, int col, char *dst, size_t cap,
                        qt_err *err) {
  const unsigned char *t = sqlite3_column_text(s, col);
  size_t n = (size_t)sqlite3_column_bytes(s, col);
  if (!t && sqlite3_column_type(s, col) != SQLITE_NULL)
    return qt_fail(err, QT_ENOMEM, "read column %s of tuning log %s: out of memory",
                   sqlite3_column_name(s, col), db->path);
  if (n >= cap)
    return qt_fail(err, QT_EDB, "read column %s of tuning log %s: %zu bytes, longer than %zu",
                   sqlite3_column_name(s, col), db->path, n, cap - 1);
  if (n) memcpy(dst, t, n);
  dst[n] = '\0';
  return 0;
}

/* Fills out from the current row of a BEST/TOPK statement (DB_BEST_COLUMNS order). */
static int db_read_best(qt_db *db, sqlite3_stmt *s, qt_db_row *out, qt_err *err) {
  memset(out, 0, sizeof *out);
  int code = db_copy_text(db, s, 0, out->workload_key, sizeof out->workload_key, err);
  if (!code) code = db_copy_text(db, s, 1, out->target, sizeof out->target, err);
  if (!code) code = db_copy_text(db, s, 2, out->template_name, sizeof out->template_name, err);
  if (!code) code = db_copy_text(db, s, 3, out->knobs, sizeof out->knobs, err);
  if (!code) code = db_copy_text(db, s, 4, out->source_hash, sizeof out->source_hash, err);
  if (!code) code = db_copy_text(db, s, 5, out->protocol, sizeof out->protocol, err);
  if (!code) code = db_copy_text(db, s, 6, out->board, sizeof out->board, err);
  if (!code) code = db_copy_text(db, s, 12, out->measured_at, sizeof out->measured_at, err);
  out->median_ns = sqlite3_column_double(s, 7);
  out->min_ns = sqlite3_column_double(s, 8);
  out->max_ns = sqlite3_column_double(s, 9);
  out->measurement_id = sqlite3_column_int64(s, 10);
  out->session_id = sqlite3_column_int64(s, 11);
  return code;
}

/* Runs a BEST or TOPK statement (already bound) and reads up to cap rows into out. */
static int db_read_best_rows(qt_db *db, sqlite3_stmt *s, qt_db_row *out, int cap, int *n,
                             const char *what, const char *workload_key, const char *target,
                             qt_err *err) {
  int code = 0, rc = SQLITE_DONE;
  *n = 0;
  while (code == 0 && *n < cap && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    code = db_read_best(db, s, &out[*n], err);
    if (code == 0) ++*n;
  }
  if (code == 0 && *n < cap && rc != SQLITE_DONE)
    code = DB_FAIL(db, rc, err, "%s of %s on %s in tuning log %s", what, workload_key, target,
                   db->path);
  sqlite3_reset(s);
  return code;
}

/* Runs statement stmt, bound to (workload_key, target, 'ok'), and reads columns 0..n-1 of its
 * first row into values; *found = 0 when it returns none. */
static int db_task_values(qt_db *db, int stmt, const char *workload_key, const char *target,
                          const char *what, int64_t *values, int n, int *found, qt_err *err) {
  sqlite3_stmt *s = db_stmt(db, stmt);
  int rc = SQLITE_OK, code = 0;
  *found = 0;
  db_bind_text(s, 1, workload_key, &rc);
  db_bind_text(s, 2, target, &rc);
  db_bind_text(s, 3, qt_status_name(QT_STATUS_OK), &rc);
  if (rc == SQLITE_OK) rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    for (int i = 0; i < n; i++) values[i] = sqlite3_column_int64(s, i);
    *found = 1;
    rc = SQLITE_OK;
  } else if (rc == SQLITE_DONE) {
    rc = SQLITE_OK;
  }
  if (rc != SQLITE_OK)
    code = DB_FAIL(db, rc, err, "%s of %s on %s in tuning log %s", what, workload_key, target,
                   db->path);
  sqlite3_reset(s);
  return code;
}

/* Ranking reads refuse a task whose log holds an ok row without timings (only a damaged or
 * hand-edited log has one): ranked, its NULL median would sort first and ship as the best. */
static int db_refuse_damaged(qt_db *db, const char *workload_key, const char *target,
                             qt_err *err) {
  int64_t id = 0;
  int found = 0;
  int rc = db_task_values(db, DB_DAMAGED, workload_key, target, "check", &id, 1, &found, err);
  if (rc || !found) return rc;
  return qt_fail(err, QT_EDB,
                 "tuning log %s: measurement %" PRId64 " of %s on %s is ok but has no valid "
                 "timings (damaged log); delete that row or re-tune into a new log",
                 db->path, id, workload_key, target);
}

int qt_db_unconfirmed(qt_db *db, const char *workload_key, const char *target, int64_t *n,
                      qt_err *err) {
  if (!db || !workload_key || !target || !n)
    return qt_fail(err, QT_EINVAL, "unconfirmed: NULL argument");
  int found = 0;
  *n = 0;
  return db_task_values(db, DB_UNCONFIRMED, workload_key, target, "unconfirmed measurements", n,
                        1, &found, err);
}

int qt_db_best(qt_db *db, const char *workload_key, const char *target, qt_db_row *out,
               int *found, qt_err *err) {
  if (!db || !workload_key || !target || !out || !found)
    return qt_fail(err, QT_EINVAL, "best: NULL argument");
  *found = 0;
  int code = db_refuse_damaged(db, workload_key, target, err);
  if (code) return code;
  /* A standing verdict first, else the lowest median. */
  static const int stmts[2] = {DB_BEST_VERDICT, DB_BEST};
  for (int i = 0; i < 2; i++) {
    sqlite3_stmt *s = db_stmt(db, stmts[i]);
    int rc = SQLITE_OK, n = 0;
    db_bind_text(s, 1, workload_key, &rc);
    db_bind_text(s, 2, target, &rc);
    db_bind_text(s, 3, qt_status_name(QT_STATUS_OK), &rc);
    if (rc != SQLITE_OK)
      return DB_FAIL(db, rc, err, "best of %s on %s in tuning log %s", workload_key, target,
                     db->path);
    int code = db_read_best_rows(db, s, out, 1, &n, "best", workload_key, target, err);
    if (code) return code;
    if (n) {
      out->confirmed = stmts[i] == DB_BEST_VERDICT;
      *found = 1;
      return 0;
    }
  }
  return 0;
}

int64_t qt_db_last_record(const qt_db *db) { return db ? db->last_id : 0; }

int qt_db_verdict(qt_db *db, int64_t session_id, int64_t measurement_id, double median_ns,
                  int candidates, int rounds, qt_err *err) {
  if (!db) return qt_fail(err, QT_EINVAL, "verdict: NULL argument");
  if (candidates < 2 || rounds < 1 || !(median_ns > 0))
    return qt_fail(err, QT_EINVAL,
                   "verdict on measurement %" PRId64 ": needs >= 2 candidates, >= 1 round and "
                   "a positive median (got %d, %d, %g)",
                   measurement_id, candidates, rounds, median_ns);
  sqlite3_stmt *s = db_stmt(db, DB_VERDICT_ADD);
  int rc = SQLITE_OK;
  db_bind_int(s, 1, session_id, &rc);
  db_bind_int(s, 2, measurement_id, &rc);
  db_bind_double(s, 3, median_ns, &rc);
  db_bind_int(s, 4, candidates, &rc);
  db_bind_int(s, 5, rounds, &rc);
  db_bind_text(s, 6, qt_status_name(QT_STATUS_OK), &rc);
  if (rc == SQLITE_OK) rc = db_run(s);
  if (rc != SQLITE_OK)
    return DB_FAIL(db, rc, err, "record the verdict on measurement %" PRId64 " in tuning log %s",
                   measurement_id, db->path);
  if (sqlite3_changes(db->h) != 1)
    return qt_fail(err, QT_EINVAL,
                   "verdict: measurement %" PRId64 " is not an ok measurement of tuning log %s",
                   measurement_id, db->path);
  return 0;
}

int qt_db_topk(qt_db *db, const char *workload_key, const char *target, int k, qt_db_row *out,
               int *n, qt_err *err) {
  if (!db || !workload_key || !target || !n || (k > 0 && !out))
    return qt_fail(err, QT_EINVAL, "top-k: NULL argument");
  *n = 0;
  if (k < 0)
    return qt_fail(err, QT_EINVAL, "top-k of %s on %s: k must be >= 0, got %d", workload_key,
                   target, k);
  if (k == 0) return 0;
  int code = db_refuse_damaged(db, workload_key, target, err);
  if (code) return code;
  sqlite3_stmt *s = db_stmt(db, DB_TOPK);
  int rc = SQLITE_OK;
  db_bind_text(s, 1, workload_key, &rc);
  db_bind_text(s, 2, target, &rc);
  db_bind_text(s, 3, qt_status_name(QT_STATUS_OK), &rc);
  db_bind_int(s, 4, k, &rc);
  if (rc != SQLITE_OK)
    return DB_FAIL(db, rc, err, "top-%d of %s on %s in tuning log %s", k, workload_key, target,
                   db->path);
  return db_read_best_rows(db, s, out, k, n, "top-k", workload_key, target, err);
}

int qt_db_config_time(qt_db *db, const char *workload_key, const char *target,
                      const char *template_name, const char *knobs, double *median_ns,
                      int *found, qt_err *err) {
  if (!db || !workload_key || !target || !template_name || !knobs || !median_ns || !found)
    return qt_fail(err, QT_EINVAL, "config_time: NULL argument");
  *found = 0;
  *median_ns = 0;
  int code = db_refuse_damaged(db, workload_key, target, err);
  if (code) return code;
  sqlite3_stmt *s = db_stmt(db, DB_CONFIG_TIME);
  int rc = SQLITE_OK;
  db_bind_text(s, 1, workload_key, &rc);
  db_bind_text(s, 2, target, &rc);
  db_bind_text(s, 3, template_name, &rc);
  db_bind_text(s, 4, knobs, &rc);
  db_bind_text(s, 5, qt_status_name(QT_STATUS_OK), &rc);
  if (rc == SQLITE_OK) rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    if (sqlite3_column_type(s, 0) != SQLITE_NULL) { /* min() of no rows is NULL */
      *median_ns = sqlite3_column_double(s, 0);
      *found = 1;
    }
    rc = SQLITE_OK;
  }
  if (rc != SQLITE_OK)
    code = DB_FAIL(db, rc, err, "time of %s on %s with %s in tuning log %s", workload_key,
                   target, knobs, db->path);
  sqlite3_reset(s);
  return code;
}

static int cmp_dbl(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int qt_db_verdict_config_time(qt_db *db, const char *workload_key, const char *target,
                              const char *template_name, const char *knobs, double *median_ns,
                              int *found, qt_err *err) {
  if (!db || !workload_key || !target || !template_name || !knobs || !median_ns || !found)
    return qt_fail(err, QT_EINVAL, "verdict_config_time: NULL argument");
  *found = 0;
  *median_ns = 0;
  sqlite3_stmt *s = db_stmt(db, DB_VERDICT_ROUNDS);
  int rc = SQLITE_OK, code = 0, n = 0, rounds = 0;
  double v[64];
  db_bind_text(s, 1, workload_key, &rc);
  db_bind_text(s, 2, target, &rc);
  db_bind_text(s, 3, template_name, &rc);
  db_bind_text(s, 4, knobs, &rc);
  db_bind_text(s, 5, qt_status_name(QT_STATUS_OK), &rc);
  while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    rounds = sqlite3_column_int(s, 1);
    if (n < rounds && n < 64) v[n++] = sqlite3_column_double(s, 0);
    rc = SQLITE_OK;
  }
  if (rc != SQLITE_DONE && rc != SQLITE_OK)
    code = DB_FAIL(db, rc, err, "verdict rounds of %s on %s with %s in tuning log %s",
                   workload_key, target, knobs, db->path);
  sqlite3_reset(s);
  /* All of the verdict's rounds, or the config was not one of its candidates. */
  if (code || n == 0 || n < rounds) return code;
  qsort(v, (size_t)n, sizeof v[0], cmp_dbl);
  *median_ns = v[n / 2]; /* the upper middle, as the verdict's own median */
  *found = 1;
  return 0;
}

int qt_db_manifest(qt_db *db, const char *source_hash, char *buf, size_t cap, int *found,
                   qt_err *err) {
  if (!db || !source_hash || !buf || !found || cap == 0)
    return qt_fail(err, QT_EINVAL, "manifest: NULL argument");
  *found = 0;
  buf[0] = '\0';
  sqlite3_stmt *s = db_stmt(db, DB_SOURCE_LIST);
  int rc = SQLITE_OK, code = 0;
  size_t used = 0;
  db_bind_text(s, 1, source_hash, &rc);
  while (rc == SQLITE_OK && code == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    const char *path = (const char *)sqlite3_column_text(s, 0);
    const char *hash = (const char *)sqlite3_column_text(s, 1);
    int n = snprintf(buf + used, cap - used, "%s %s\n", path ? path : "", hash ? hash : "");
    if (n < 0 || (size_t)n >= cap - used)
      code = qt_fail(err, QT_EINVAL,
                     "manifest of source hash %s in tuning log %s: longer than %zu bytes",
                     source_hash, db->path, cap - 1);
    else
      used += (size_t)n;
    rc = SQLITE_OK;
  }
  if (code == 0 && rc != SQLITE_DONE)
    code = DB_FAIL(db, rc, err, "read the manifest of source hash %s in tuning log %s",
                   source_hash, db->path);
  sqlite3_reset(s);
  if (code) {
    buf[0] = '\0';
    return code;
  }
  *found = used > 0;
  return 0;
}

int qt_db_count(qt_db *db, const char *workload_key, const char *target, int64_t *all,
                int64_t *ok, qt_err *err) {
  if (!db || !workload_key || !target || !all || !ok)
    return qt_fail(err, QT_EINVAL, "count: NULL argument");
  int64_t v[2] = {0, 0};
  int found = 0;
  int code = db_task_values(db, DB_COUNT, workload_key, target, "count measurements", v, 2,
                            &found, err);
  *all = v[0];
  *ok = v[1];
  return code;
}

int qt_db_history(qt_db *db, const char *target, const char *exclude_key, qt_db_history_fn fn,
                  void *ctx, qt_err *err) {
  if (!db || !target || !exclude_key || !fn)
    return qt_fail(err, QT_EINVAL, "history: NULL argument");
  sqlite3_stmt *s = db_stmt(db, DB_HISTORY);
  int rc = SQLITE_OK, code = 0;
  db_bind_text(s, 1, target, &rc);
  db_bind_text(s, 2, exclude_key, &rc);
  db_bind_text(s, 3, qt_status_name(QT_STATUS_OK), &rc);
  while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    const char *key = (const char *)sqlite3_column_text(s, 0);
    const char *tpl = (const char *)sqlite3_column_text(s, 1);
    const char *knobs = (const char *)sqlite3_column_text(s, 2);
    if ((code = fn(ctx, key, tpl, knobs, sqlite3_column_double(s, 3)))) break;
    rc = SQLITE_OK;
  }
  if (!code && rc != SQLITE_DONE)
    code = DB_FAIL(db, rc, err, "history of target %s in tuning log %s", target, db->path);
  else if (code)
    code = qt_fail(err, code, "history of target %s in tuning log %s: stopped by the caller (%d)",
                   target, db->path, code);
  sqlite3_reset(s);
  return code;
}

int qt_db_lookup(qt_db *db, const char *workload_key, const char *target,
                 const char *template_name, const char *knobs, qt_db_recorded *out, int *found,
                 qt_err *err) {
  if (!db || !workload_key || !target || !template_name || !knobs || !out || !found)
    return qt_fail(err, QT_EINVAL, "lookup: NULL argument");
  memset(out, 0, sizeof *out);
  *found = 0;
  sqlite3_stmt *s = db_stmt(db, DB_LOOKUP);
  int rc = SQLITE_OK, code = 0;
  db_bind_text(s, 1, workload_key, &rc);
  db_bind_text(s, 2, target, &rc);
  db_bind_text(s, 3, template_name, &rc);
  db_bind_text(s, 4, knobs, &rc);
  /* The first row with a final status: a transient one (the board failed) says nothing about
   * the variant. */
  while (rc == SQLITE_OK && !*found && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    rc = SQLITE_OK;
    const char *status = (const char *)sqlite3_column_text(s, 0);
    if (!status || qt_status_parse(status, &out->status) || !qt_status_is_final(out->status))
      continue;
    const char *error = (const char *)sqlite3_column_text(s, 1);
    snprintf(out->error, sizeof out->error, "%s", error ? error : "");
    const char *times = (const char *)sqlite3_column_text(s, 2);
    for (const char *p = times; p && *p && out->n_times < QT_DB_MAX_TIMES;) {
      char *end;
      double t = strtod(p, &end);
      if (end == p) break;
      out->times_ns[out->n_times++] = t;
      p = *end == ',' ? end + 1 : end;
    }
    out->median_ns = sqlite3_column_double(s, 3);
    out->min_ns = sqlite3_column_double(s, 4);
    out->max_ns = sqlite3_column_double(s, 5);
    const char *sum = (const char *)sqlite3_column_text(s, 6);
    out->checksum = sum ? strtoull(sum, NULL, 16) : 0;
    if (out->status == QT_STATUS_OK && out->n_times == 0)
      code = qt_fail(err, QT_EDB, "tuning log %s: an ok measurement of %s (%s) has no times",
                     db->path, workload_key, knobs);
    *found = 1;
  }
  if (!code && rc != SQLITE_OK && rc != SQLITE_DONE)
    code = DB_FAIL(db, rc, err, "lookup of %s with %s in tuning log %s", workload_key, knobs,
                   db->path);
  sqlite3_reset(s);
  return code;
}

int qt_db_task_records(qt_db *db, const char *workload_key, const char *target,
                       qt_db_record_fn fn, void *ctx, qt_err *err) {
  if (!db || !workload_key || !target || !fn)
    return qt_fail(err, QT_EINVAL, "task records: NULL argument");
  sqlite3_stmt *s = db_stmt(db, DB_TASK_RECORDS);
  int rc = SQLITE_OK, code = 0;
  db_bind_text(s, 1, workload_key, &rc);
  db_bind_text(s, 2, target, &rc);
  while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    rc = SQLITE_OK;
    qt_status st;
    const char *status = (const char *)sqlite3_column_text(s, 4);
    if (!status || qt_status_parse(status, &st)) continue;
    double median = sqlite3_column_type(s, 5) == SQLITE_NULL ? 0 : sqlite3_column_double(s, 5);
    if ((code = fn(ctx, (const char *)sqlite3_column_text(s, 0),
                   (const char *)sqlite3_column_text(s, 1),
                   (const char *)sqlite3_column_text(s, 2),
                   (const char *)sqlite3_column_text(s, 3), st, median)))
      break;
  }
  if (!code && rc != SQLITE_DONE)
    code = DB_FAIL(db, rc, err, "records of %s on %s in tuning log %s", workload_key, target,
                   db->path);
  else if (code)
    code = qt_fail(err, code, "records of %s on %s in tuning log %s: stopped by the caller",
                   workload_key, target, db->path);
  sqlite3_reset(s);
  return code;
}

/* ---- the report's reading (prepared per call: a report reads the log once) ------------- */

int qt_db_each_measurement(qt_db *db, const char *target, qt_db_meas_fn fn, void *ctx,
                           qt_err *err) {
  if (!db || !target || !fn) return qt_fail(err, QT_EINVAL, "each measurement: NULL argument");
  static const char sql[] =
      "SELECT m.id, m.session_id, s.command, w.key, c.template, c.knobs, b.name, m.status,"
      " m.error, m.median_ns FROM measurements m"
      " JOIN sessions s ON s.id = m.session_id JOIN workloads w ON w.id = m.workload_id"
      " JOIN configs c ON c.id = m.config_id JOIN boards b ON b.id = m.board_id"
      " WHERE m.target_id = (SELECT id FROM targets WHERE name = ?1) ORDER BY m.id";
  sqlite3_stmt *s = NULL;
  int rc = sqlite3_prepare_v2(db->h, sql, -1, &s, NULL), code = 0;
  db_bind_text(s, 1, target, &rc);
  while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
    rc = SQLITE_OK;
    qt_db_meas m;
    const char *status = (const char *)sqlite3_column_text(s, 7);
    if (!status || qt_status_parse(status, &m.status)) continue;
    const char *error = (const char *)sqlite3_column_text(s, 8);
    m.id = sqlite3_column_int64(s, 0);
    m.session_id = sqlite3_column_int64(s, 1);
    m.session_command = (const char *)sqlite3_column_text(s, 2);
    m.workload_key = (const char *)sqlite3_column_text(s, 3);
    m.template_name = (const char *)sqlite3_column_text(s, 4);
    m.knobs = (const char *)sqlite3_column_text(s, 5);
    m.board = (const char *)sqlite3_column_text(s, 6);
    m.error = error ? error : "";
    m.median_ns = sqlite3_column_type(s, 9) == SQLITE_NULL ? 0 : sqlite3_column_double(s, 9);
    if ((code = fn(ctx, &m))) break;
  }
  if (!code && rc != SQLITE_DONE)
    code = DB_FAIL(db, rc, err, "measurements on %s in tuning log %s", target, db->path);
  else if (code)
    code = qt_fail(err, code, "measurements on %s in tuning log %s: stopped by the caller",
                   target, db->path);
  sqlite3_finalize(s);
  return code;
}
