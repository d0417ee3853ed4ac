/* test_db_file.c — the tuning log as a file: the schema and marks a new log gets, reopening
 * without re-migrating, refusal of files that are not (current) qtune logs with the file left
 * byte for byte unchanged, unwritable paths, a lock held by another connection (QT_EBUSY
 * within the timeout), commits surviving a killed process, and fault injection: a record that
 * fails at its Nth insert, for every N, rolls back completely and leaves a sound log. */
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/db/db_fixture.h"

static char dir[256];

static void path_in_dir(char *buf, size_t cap, const char *name) {
  snprintf(buf, cap, "%s/%s", dir, name);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Opens path as a log, begins a session and records one OK measurement of w with knobs. */
static void make_log(const char *path, const qt_workload *w, const char *knobs, double median) {
  qt_db *db = NULL;
  qt_err err;
  int64_t s = 0;
  int rc = qt_db_open(path, 1000, &db, &err);
  CHECK_MSG(rc == 0, "open %s: %s", path, err.msg);
  if (rc) return;
  CHECK_EQ_INT(qt_db_session_begin(db, "tune test", "0.1.0", &s, &err), 0);
  qt_measurement m = fx_measurement(w, "a76", knobs, QT_STATUS_OK, median);
  rc = qt_db_record(db, s, &m, &err);
  CHECK_MSG(rc == 0, "record: %s", err.msg);
  CHECK_EQ_INT(qt_db_session_end(db, s, &err), 0);
  qt_db_close(db);
}

static void test_schema(void) {
  char path[300], buf[256];
  path_in_dir(path, sizeof path, "schema.db");
  qt_workload w = fx_dwconv();
  make_log(path, &w, "dwconv:cb=8", 500);
  qt_measurement failed = fx_measurement(&w, "a76", "dwconv:cb=4", QT_STATUS_RUN_TIMEOUT, 0);
  {
    qt_db *db = NULL;
    qt_err err;
    int64_t s = 0;
    CHECK_EQ_INT(qt_db_open(path, 1000, &db, &err), 0);
    CHECK_EQ_INT(qt_db_session_begin(db, "tune again", "0.1.0", &s, &err), 0);
    CHECK_EQ_INT(qt_db_record(db, s, &failed, &err), 0);
    qt_db_close(db);
  }

  sqlite3 *h = fx_raw_open(path);
  CHECK_EQ_INT(fx_int(h, "PRAGMA application_id"), QT_DB_APPLICATION_ID);
  CHECK_EQ_INT(fx_int(h, "PRAGMA user_version"), QT_DB_SCHEMA_VERSION);
  fx_text(h, "PRAGMA journal_mode", buf, sizeof buf);
  CHECK_STR(buf, "wal");
  fx_text(h, "SELECT value FROM meta WHERE key = 'application'", buf, sizeof buf);
  CHECK_STR(buf, "qtune");
  fx_text(h, "SELECT value FROM meta WHERE key = 'schema_version'", buf, sizeof buf);
  CHECK_EQ_INT(atoi(buf), QT_DB_SCHEMA_VERSION);
  CHECK_EQ_INT(fx_int(h, "SELECT count(*) FROM meta"), 2);
  CHECK_EQ_INT(fx_int(h, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
                         "('meta','workloads','targets','boards','sessions','configs',"
                         "'measurements','sources','verdicts','claims')"),
               10);
  CHECK_EQ_INT(fx_int(h, "SELECT count(*) FROM pragma_foreign_key_list('verdicts')"), 4);
  CHECK_EQ_INT(fx_int(h, "SELECT count(*) FROM pragma_foreign_key_list('measurements')"), 5);
  CHECK_EQ_INT(fx_int(h, "SELECT count(*) FROM pragma_foreign_key_list('boards')"), 1);
  CHECK_EQ_INT(fx_int(h, "SELECT count(*) FROM pragma_index_list('measurements') WHERE "
                         "name = 'measurements_best'"),
               1);
  /* The best query is answered from the index, not by scanning every measurement. */
  fx_plan(h, "SELECT id FROM measurements WHERE workload_id = 1 AND target_id = 1 AND "
             "status = 'ok' ORDER BY median_ns LIMIT 1",
          buf, sizeof buf);
  CHECK_MSG(strstr(buf, "measurements_best") != NULL, "plan: %s", buf);
  fx_plan(h, "SELECT 1 FROM measurements WHERE workload_id = 1 AND target_id = 1 AND "
             "config_id = 1 AND source_hash = 'h' AND protocol = 'p' AND status IN ('ok', "
             "'wrong_answer')",
          buf, sizeof buf);
  CHECK_MSG(strstr(buf, "measurements_variant") != NULL, "plan: %s", buf);

  /* Rows describe themselves: names, keys, text times and checksums. */
  char key[QT_KEY_MAX], hash[17], sql[512];
  qt_workload_key(&w, key);
  snprintf(hash, sizeof hash, "%016" PRIx64, qt_workload_hash(&w));
  fx_text(h, "SELECT key FROM workloads", buf, sizeof buf);
  CHECK_STR(buf, key);
  fx_text(h, "SELECT hash FROM workloads", buf, sizeof buf);
  CHECK_STR(buf, hash);
  fx_text(h, "SELECT op || ' ' || dtype || ' ' || requant || ' ' || in_h || 'x' || out_c || ' "
             "k' || kh || ' p' || pad_bottom || ' m' || depth_multiplier FROM workloads",
          buf, sizeof buf);
  CHECK_STR(buf, "dwconv s8 fixedpoint 8x16 k3 p1 m1");
  snprintf(sql, sizeof sql, "SELECT macs = %" PRIu64 " FROM workloads", qt_workload_macs(&w));
  CHECK_EQ_INT(fx_int(h, sql), 1);
  fx_text(h, "SELECT times_ns FROM measurements WHERE status = 'ok'", buf, sizeof buf);
  CHECK_STR(buf, "498.5,500,502.25");
  fx_text(h, "SELECT checksum FROM measurements WHERE status = 'ok'", buf, sizeof buf);
  CHECK_STR(buf, "00c0ffee12345678");
  fx_text(h, "SELECT t.name || '/' || b.name || '/' || b.kind || '/' || c.template || '/' || "
             "c.knobs FROM measurements m JOIN targets t ON t.id = m.target_id JOIN boards b "
             "ON b.id = m.board_id JOIN configs c ON c.id = m.config_id WHERE m.status = 'ok'",
          buf, sizeof buf);
  CHECK_STR(buf, "a76/local/local/dwconv/dwconv:cb=8");
  CHECK_EQ_INT(fx_int(h, "SELECT median_ns IS NULL AND n_times = 0 AND times_ns = '' FROM "
                         "measurements WHERE status = 'run_timeout'"),
               1);
  fx_text(h, "SELECT error FROM measurements WHERE status = 'run_timeout'", buf, sizeof buf);
  CHECK_STR(buf, failed.error);
  CHECK_EQ_INT(fx_int(h, "SELECT count(*) FROM sessions WHERE ended_at IS NOT NULL AND "
                         "started_at LIKE '____-__-__T__:__:__.___Z'"),
               1);
  CHECK_EQ_INT(fx_int(h, "SELECT count(*) FROM sessions WHERE ended_at IS NULL"), 1);
  sqlite3_close(h);
}

/* Reopening a current log keeps its data and writes nothing: no migration runs again. */
static void test_reopen(void) {
  char path[300];
  path_in_dir(path, sizeof path, "reopen.db");
  qt_workload w = fx_dwconv();
  make_log(path, &w, "dwconv:cb=8", 500);
  long size0 = 0, size1 = 0;
  uint64_t h0 = fx_file_hash(path, &size0);
  CHECK(size0 > 0);

  qt_db *db = NULL;
  qt_err err;
  CHECK_EQ_INT(qt_db_open(path, 1000, &db, &err), 0);
  char key[QT_KEY_MAX];
  qt_workload_key(&w, key);
  qt_db_row row;
  int found = 0;
  CHECK_EQ_INT(qt_db_best(db, key, "a76", &row, &found, &err), 0);
  CHECK_EQ_INT(found, 1);
  CHECK_STR(row.knobs, "dwconv:cb=8");
  CHECK(row.median_ns == 500);
  qt_db_close(db);
  uint64_t h1 = fx_file_hash(path, &size1);
  CHECK_EQ_INT(size1, size0);
  CHECK(h1 == h0);

  /* More records after a reopen go into the same log. */
  make_log(path, &w, "dwconv:cb=16", 400);
  CHECK_EQ_INT(qt_db_open(path, 1000, &db, &err), 0);
  int64_t all = 0, ok = 0;
  CHECK_EQ_INT(qt_db_count(db, key, "a76", &all, &ok, &err), 0);
  CHECK_EQ_INT(all, 2);
  CHECK_EQ_INT(qt_db_best(db, key, "a76", &row, &found, &err), 0);
  CHECK(row.median_ns == 400);
  qt_db_close(db);
  sqlite3 *h = fx_raw_open(path);
  CHECK_EQ_INT(fx_int(h, "SELECT count(*) FROM meta"), 2);
  CHECK_EQ_INT(fx_int(h, "SELECT count(*) FROM sessions"), 2);
  CHECK_EQ_INT(fx_int(h, "SELECT count(*) FROM workloads"), 1);
  sqlite3_close(h);

  /* An existing empty (0-byte) file is a new log. */
  char empty[300];
  path_in_dir(empty, sizeof empty, "empty.db");
  FILE *f = fopen(empty, "wb");
  CHECK(f != NULL);
  if (f) fclose(f);
  CHECK_EQ_INT(qt_db_open(empty, 1000, &db, &err), 0);
  qt_db_close(db);
  h = fx_raw_open(empty);
  CHECK_EQ_INT(fx_int(h, "PRAGMA application_id"), QT_DB_APPLICATION_ID);
  sqlite3_close(h);
}

/* Opening path must fail with QT_EDBFORMAT, a message holding want, and leave the file (and
 * its directory) exactly as it was. */
static void expect_refused(const char *path, const char *want) {
  long size0 = 0, size1 = 0;
  uint64_t h0 = fx_file_hash(path, &size0);
  CHECK(size0 > 0);
  qt_db *db = (qt_db *)&size0;
  qt_err err;
  qt_err_clear(&err);
  int rc = qt_db_open(path, 100, &db, &err);
  CHECK_MSG(rc == QT_EDBFORMAT, "open %s: %s (%s)", path, qt_errname(rc), err.msg);
  CHECK(db == NULL);
  CHECK_MSG(strstr(err.msg, want) != NULL, "message '%s' lacks '%s'", err.msg, want);
  CHECK_MSG(strstr(err.msg, path) != NULL, "message '%s' lacks the path", err.msg);
  uint64_t h1 = fx_file_hash(path, &size1);
  CHECK_EQ_INT(size1, size0);
  CHECK_MSG(h1 == h0, "%s changed", path);
  char side[400];
  snprintf(side, sizeof side, "%s-wal", path);
  CHECK_MSG(!fx_exists(side), "%s created", side);
  snprintf(side, sizeof side, "%s-journal", path);
  CHECK_MSG(!fx_exists(side), "%s created", side);
  if (rc == 0) qt_db_close(db);
}

static void test_refusals(void) {
  char path[300];

  path_in_dir(path, sizeof path, "notes.txt");
  FILE *f = fopen(path, "w");
  for (int i = 0; f && i < 200; i++) fprintf(f, "line %d: this is not a database\n", i);
  if (f) fclose(f);
  expect_refused(path, "is not a qtune log (not an SQLite database)");

  path_in_dir(path, sizeof path, "short.txt");
  f = fopen(path, "w");
  if (f) {
    fputs("hi\n", f);
    fclose(f);
  }
  expect_refused(path, "not an SQLite database");

  path_in_dir(path, sizeof path, "foreign.db");
  sqlite3 *h = fx_raw_open(path);
  CHECK_EQ_INT(fx_exec(h, "CREATE TABLE notes(x TEXT); INSERT INTO notes VALUES('keep me')"), 0);
  sqlite3_close(h);
  expect_refused(path, "is an SQLite database but not a qtune log (application_id 0x00000000");

  path_in_dir(path, sizeof path, "other-app.db");
  h = fx_raw_open(path);
  CHECK_EQ_INT(fx_exec(h, "PRAGMA application_id = 0x12345678; CREATE TABLE t(x)"), 0);
  sqlite3_close(h);
  expect_refused(path, "application_id 0x12345678");

  /* A foreign log in WAL mode (reading it makes SQLite create -wal/-shm; the file itself must
   * still be unchanged). */
  path_in_dir(path, sizeof path, "foreign-wal.db");
  h = fx_raw_open(path);
  CHECK_EQ_INT(fx_exec(h, "PRAGMA journal_mode = WAL; CREATE TABLE t(x); INSERT INTO t "
                          "VALUES(1)"),
               0);
  sqlite3_close(h);
  {
    long size0 = 0, size1 = 0;
    uint64_t h0 = fx_file_hash(path, &size0);
    qt_db *db = NULL;
    qt_err err;
    CHECK_EQ_INT(qt_db_open(path, 100, &db, &err), QT_EDBFORMAT);
    CHECK(fx_file_hash(path, &size1) == h0 && size1 == size0);
  }

  path_in_dir(path, sizeof path, "newer.db");
  h = fx_raw_open(path);
  CHECK_EQ_INT(fx_exec(h, "PRAGMA application_id = " DB_FX_STR(QT_DB_APPLICATION_ID) ";"
                          "PRAGMA user_version = 99; CREATE TABLE future(x)"),
               0);
  sqlite3_close(h);
  char want[96];
  snprintf(want, sizeof want,
           "has schema version 99; this qtune understands up to %d: upgrade qtune",
           QT_DB_SCHEMA_VERSION);
  expect_refused(path, want);
}

static void test_unwritable(void) {
  char path[300];
  qt_db *db = NULL;
  qt_err err;
  path_in_dir(path, sizeof path, "missing/sub/tuning.db");
  int rc = qt_db_open(path, 100, &db, &err);
  CHECK_EQ_INT(rc, QT_EIO);
  CHECK(db == NULL);
  CHECK_MSG(strstr(err.msg, path) && strstr(err.msg, "unable to open") &&
                strstr(err.msg, "No such file or directory"),
            "%s", err.msg);
  path_in_dir(path, sizeof path, "missing");
  CHECK(!fx_exists(path));

  rc = qt_db_open(dir, 100, &db, &err); /* a directory is not a file */
  CHECK_EQ_INT(rc, QT_EIO);
  CHECK_MSG(strstr(err.msg, dir) && strstr(err.msg, "Is a directory"), "%s", err.msg);
}

/* A log the process may not write is refused at open with the file system's reason (not a
 * stale errno at the first record), and left as it was. As root, a child drops to nobody so
 * that the file's mode applies. */
static void test_read_only(void) {
  char path[300];
  path_in_dir(path, sizeof path, "readonly.db");
  qt_workload w = fx_dwconv();
  make_log(path, &w, "dwconv:cb=8", 500);
  long size0 = 0, size1 = 0;
  uint64_t h0 = fx_file_hash(path, &size0);
  CHECK(chmod(path, 0444) == 0);
  CHECK(chmod(dir, 0755) == 0); /* so that nobody reaches the file */
  fflush(NULL);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    if (getuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(3);
    qt_db *db = NULL;
    qt_err err;
    int rc = qt_db_open(path, 100, &db, &err);
    if (rc == QT_EIO && strstr(err.msg, path) && strstr(err.msg, "not writable") &&
        strstr(err.msg, "Permission denied") && db == NULL)
      _exit(0);
    fprintf(stderr, "read-only open: %s: %s\n", qt_errname(rc), err.msg);
    _exit(1);
  }
  int status = 0;
  CHECK(waitpid(pid, &status, 0) == pid);
  CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
  uint64_t h1 = fx_file_hash(path, &size1);
  CHECK(h1 == h0 && size1 == size0);
  CHECK(chmod(path, 0644) == 0);
  CHECK(chmod(dir, 0700) == 0);
}

/* An ok row without timings (a damaged or hand-edited log) is refused by the ranking reads,
 * naming the row, instead of sorting first as a best of 0 us. */
static void test_damaged_row(void) {
  char path[300];
  path_in_dir(path, sizeof path, "damaged.db");
  qt_workload w = fx_dwconv();
  make_log(path, &w, "dwconv:cb=8", 500);
  make_log(path, &w, "dwconv:cb=16", 400);
  sqlite3 *h = fx_raw_open(path);
  CHECK(sqlite3_exec(h, "UPDATE measurements SET median_ns = NULL WHERE median_ns = 400", NULL,
                     NULL, NULL) == SQLITE_OK);
  sqlite3_close(h);
  char key[QT_KEY_MAX];
  qt_workload_key(&w, key);
  qt_db *db = NULL;
  qt_err err;
  CHECK_EQ_INT(qt_db_open(path, 1000, &db, &err), 0);
  qt_db_row rows[4];
  int found = 0, n = 0;
  double t = 0;
  CHECK_EQ_INT(qt_db_best(db, key, "a76", rows, &found, &err), QT_EDB);
  CHECK_MSG(strstr(err.msg, "measurement 2 ") && strstr(err.msg, "no valid timings"), "%s",
            err.msg);
  CHECK_EQ_INT(found, 0);
  CHECK_EQ_INT(qt_db_topk(db, key, "a76", 4, rows, &n, &err), QT_EDB);
  CHECK_EQ_INT(n, 0);
  CHECK_EQ_INT(qt_db_config_time(db, key, "a76", "dwconv", "dwconv:cb=8", &t, &found, &err),
               QT_EDB);
  qt_db_close(db);
}

/* Another connection holding the write lock makes a record fail with QT_EBUSY once the busy
 * timeout has passed, not before and not much later; the log works again once it is freed. */
static void test_busy(void) {
  char path[300];
  path_in_dir(path, sizeof path, "busy.db");
  qt_workload w = fx_dwconv();
  make_log(path, &w, "dwconv:cb=8", 500);

  qt_db *db = NULL;
  qt_err err;
  int64_t s = 0;
  CHECK_EQ_INT(qt_db_open(path, 200, &db, &err), 0);
  CHECK_EQ_INT(qt_db_session_begin(db, "tune busy", "0.1.0", &s, &err), 0);

  sqlite3 *other = fx_raw_open(path);
  CHECK_EQ_INT(fx_exec(other, "BEGIN IMMEDIATE; INSERT INTO targets(name) VALUES('held')"), 0);

  /* Opening an existing log needs no write lock: it still works. */
  qt_db *reader = NULL;
  CHECK_EQ_INT(qt_db_open(path, 200, &reader, &err), 0);
  qt_db_close(reader);

  qt_measurement m = fx_measurement(&w, "a76", "dwconv:cb=16", QT_STATUS_OK, 300);
  double t0 = now_ms();
  int rc = qt_db_record(db, s, &m, &err);
  double waited = now_ms() - t0;
  CHECK_EQ_INT(rc, QT_EBUSY);
  CHECK_MSG(waited >= 150 && waited < 5000, "waited %.0f ms for a 200 ms timeout", waited);
  CHECK_MSG(strstr(err.msg, "locked") && strstr(err.msg, "200 ms"), "%s", err.msg);

  CHECK_EQ_INT(qt_db_session_begin(db, "tune busy 2", "0.1.0", &s, &err), QT_EBUSY);

  CHECK_EQ_INT(fx_exec(other, "ROLLBACK"), 0);
  CHECK_EQ_INT(qt_db_session_begin(db, "tune busy 3", "0.1.0", &s, &err), 0);
  rc = qt_db_record(db, s, &m, &err);
  CHECK_MSG(rc == 0, "record after the lock was released: %s", err.msg);
  char key[QT_KEY_MAX];
  qt_workload_key(&w, key);
  int64_t all = 0, ok = 0;
  CHECK_EQ_INT(qt_db_count(db, key, "a76", &all, &ok, &err), 0);
  CHECK_EQ_INT(all, 2);
  qt_db_close(db);

  /* Creating a new log needs the write lock too: an empty file locked by someone else. */
  char fresh[300];
  path_in_dir(fresh, sizeof fresh, "busy-new.db");
  sqlite3 *locker = fx_raw_open(fresh);
  CHECK_EQ_INT(fx_exec(locker, "BEGIN IMMEDIATE"), 0);
  CHECK_EQ_INT(qt_db_open(fresh, 100, &db, &err), QT_EBUSY);
  CHECK_MSG(strstr(err.msg, fresh) != NULL, "%s", err.msg);
  CHECK_EQ_INT(fx_exec(locker, "ROLLBACK"), 0);
  sqlite3_close(locker);
  CHECK_EQ_INT(qt_db_open(fresh, 100, &db, &err), 0);
  qt_db_close(db);
  sqlite3_close(other);
}

/* A tuner killed right after its records returned loses none of them. */
static void test_killed(void) {
  char path[300];
  path_in_dir(path, sizeof path, "killed.db");
  qt_workload w = fx_dwconv();
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    qt_db *db = NULL;
    int64_t s = 0;
    if (qt_db_open(path, 1000, &db, NULL) || qt_db_session_begin(db, "t", "0", &s, NULL))
      _exit(3);
    for (int i = 0; i < 3; i++) {
      char knobs[32];
      snprintf(knobs, sizeof knobs, "dwconv:cb=%d", 8 << i);
      qt_measurement m = fx_measurement(&w, "a76", knobs, QT_STATUS_OK, 100 + i);
      if (qt_db_record(db, s, &m, NULL)) _exit(4);
    }
    raise(SIGKILL); /* no close, no checkpoint */
    _exit(5);
  }
  int status = 0;
  CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
  CHECK_MSG(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "child status 0x%x", status);

  qt_db *db = NULL;
  qt_err err;
  CHECK_EQ_INT(qt_db_open(path, 1000, &db, &err), 0);
  char key[QT_KEY_MAX];
  qt_workload_key(&w, key);
  int64_t all = 0, ok = 0;
  CHECK_EQ_INT(qt_db_count(db, key, "a76", &all, &ok, &err), 0);
  CHECK_EQ_INT(all, 3);
  int found = 0;
  qt_variant_id id = {&w, "a76", "dwconv", "dwconv:cb=32", "0123456789abcdef",
                      "w1:n10:r3:ms0:flush0:pin0", NULL};
  CHECK_EQ_INT(qt_db_has_measured(db, &id, &found, &err), 0);
  CHECK_EQ_INT(found, 1);
  qt_db_close(db);
}

/* Row counts of every table qt_db_record writes, as one comparable number per table. */
typedef struct counts {
  int64_t workloads, targets, boards, configs, measurements;
} counts;

static counts count_rows(sqlite3 *h) {
  counts c = {fx_int(h, "SELECT count(*) FROM workloads"),
              fx_int(h, "SELECT count(*) FROM targets"), fx_int(h, "SELECT count(*) FROM boards"),
              fx_int(h, "SELECT count(*) FROM configs"),
              fx_int(h, "SELECT count(*) FROM measurements")};
  return c;
}

static int same_counts(counts a, counts b) {
  return a.workloads == b.workloads && a.targets == b.targets && a.boards == b.boards &&
         a.configs == b.configs && a.measurements == b.measurements;
}

/* Fault injection: triggers (added behind qt_db's back) make the Nth INSERT of a record fail,
 * for N = 1, 2, ... until a record goes through without the fault firing. Each failure must
 * be QT_EDB naming the fault, leave every table as it was and the log sound; with the fault
 * still armed the retry fails the same way (persistent), and once it is cleared the same
 * record succeeds (transient). */
static void test_fault_injection(void) {
  char path[300], buf[64];
  path_in_dir(path, sizeof path, "fault.db");
  qt_workload w0 = fx_dwconv();
  make_log(path, &w0, "dwconv:cb=8", 500);

  sqlite3 *h = fx_raw_open(path);
  CHECK_EQ_INT(fx_exec(h, "CREATE TABLE fault(n INTEGER NOT NULL, seen INTEGER NOT NULL);"
                          "INSERT INTO fault VALUES(0, 0)"),
               0);
  static const char *const tables[] = {"workloads", "targets", "boards", "configs",
                                       "measurements"};
  for (int i = 0; i < 5; i++) {
    char sql[400];
    snprintf(sql, sizeof sql,
             "CREATE TRIGGER fault_%s BEFORE INSERT ON %s BEGIN "
             "UPDATE fault SET seen = seen + 1; "
             "SELECT RAISE(ABORT, 'injected fault') FROM fault WHERE seen = n; END",
             tables[i], tables[i]);
    CHECK_EQ_INT(fx_exec(h, sql), 0);
  }

  qt_db *db = NULL;
  qt_err err;
  int64_t s = 0;
  CHECK_EQ_INT(qt_db_open(path, 1000, &db, &err), 0);
  CHECK_EQ_INT(qt_db_session_begin(db, "tune faults", "0.1.0", &s, &err), 0);
  char key0[QT_KEY_MAX];
  qt_workload_key(&w0, key0);

  int first_clean = 0;
  for (int n = 1; n <= 10 && !first_clean; n++) {
    /* Everything new each round, so every get-or-create inserts. */
    qt_workload w = fx_dwconv();
    w.desc.in.h = w.desc.out.h = 8 + n;
    char target[16], board[16], knobs[32];
    snprintf(target, sizeof target, "t%d", n);
    snprintf(board, sizeof board, "b%d", n);
    snprintf(knobs, sizeof knobs, "dwconv:cb=%d", n);
    qt_measurement m = fx_measurement(&w, target, knobs, QT_STATUS_OK, 100 + n);
    m.board = board;

    char arm[96];
    snprintf(arm, sizeof arm, "UPDATE fault SET n = %d, seen = 0", n);
    CHECK_EQ_INT(fx_exec(h, arm), 0);
    counts before = count_rows(h);
    int rc = qt_db_record(db, s, &m, &err);
    if (rc == 0) {
      first_clean = n;
      break;
    }
    CHECK_MSG(rc == QT_EDB, "N=%d: %s: %s", n, qt_errname(rc), err.msg);
    CHECK_MSG(strstr(err.msg, "injected fault") != NULL, "N=%d: %s", n, err.msg);
    CHECK_MSG(same_counts(before, count_rows(h)), "N=%d: a failed record changed the log", n);
    fx_text(h, "PRAGMA integrity_check", buf, sizeof buf);
    CHECK_STR(buf, "ok");
    CHECK_EQ_INT(fx_rows(h, "PRAGMA foreign_key_check"), 0);

    rc = qt_db_record(db, s, &m, &err); /* persistent: fails again, still no trace */
    CHECK_EQ_INT(rc, QT_EDB);
    CHECK(same_counts(before, count_rows(h)));

    CHECK_EQ_INT(fx_exec(h, "UPDATE fault SET n = 0"), 0); /* transient: gone on retry */
    rc = qt_db_record(db, s, &m, &err);
    CHECK_MSG(rc == 0, "N=%d: retry after the fault cleared: %s", n, err.msg);
    counts after = count_rows(h);
    CHECK_EQ_INT(after.measurements, before.measurements + 1);
    CHECK_EQ_INT(after.workloads, before.workloads + 1);

    /* Earlier records are intact. */
    qt_db_row row;
    int found = 0;
    CHECK_EQ_INT(qt_db_best(db, key0, "a76", &row, &found, &err), 0);
    CHECK(found == 1 && row.median_ns == 500);
  }
  /* One record inserts into five tables: faults at N = 1..5, the 6th round is clean. */
  CHECK_EQ_INT(first_clean, 6);
  fx_text(h, "PRAGMA integrity_check", buf, sizeof buf);
  CHECK_STR(buf, "ok");
  CHECK_EQ_INT(fx_int(h, "SELECT count(*) FROM measurements"), 1 + 5 + 1);
  qt_db_close(db);
  sqlite3_close(h);
}

/* Takes a current log back to schema 5: drops what step 5->6 added and sets the marks. */
#define FX_SCHEMA_6_UNDO                                                                 \
  "ALTER TABLE measurements DROP COLUMN round; UPDATE meta SET value = '5' WHERE key = " \
  "'schema_version'; PRAGMA user_version = 5;"

/* Takes a current log back to schema 4: drops what steps 4->5 and 5->6 added, sets the marks. */
#define FX_SCHEMA_5_UNDO                                                     \
  FX_SCHEMA_6_UNDO                                                           \
  "ALTER TABLE targets DROP COLUMN unit; UPDATE meta SET value = '4' WHERE " \
  "key = 'schema_version'; PRAGMA user_version = 4;"

/* Takes a current log back to schema 3: drops what steps 3->4 to 5->6 added, sets the marks. */
#define FX_SCHEMA_4_UNDO                                                                    \
  FX_SCHEMA_5_UNDO "DROP TABLE claims; ALTER TABLE sessions DROP COLUMN origin; "                             \
  "ALTER TABLE sessions DROP COLUMN host; UPDATE meta SET value = '3' WHERE key = "          \
  "'schema_version'; PRAGMA user_version = 3;"

/* Takes the log at path back to an older schema with the undo script, which must leave it at
 * user_version version. */
static void set_back(const char *path, const char *undo, int version) {
  sqlite3 *h = fx_raw_open(path);
  CHECK_EQ_INT(fx_exec(h, undo), SQLITE_OK);
  CHECK_EQ_INT(fx_int(h, "PRAGMA user_version"), version);
  sqlite3_close(h);
}

/* A log at path (name in the test directory) with one measurement of the fixture's depthwise
 * workload, taken back to schema version with the undo script; returns the workload. */
static qt_workload old_log(char *path, size_t cap, const char *name, const char *undo,
                           int version) {
  path_in_dir(path, cap, name);
  qt_workload w = fx_dwconv();
  make_log(path, &w, "dwconv:cb=8", 500);
  set_back(path, undo, version);
  return w;
}

/* A schema-3 log with a session, measurements and a verdict is migrated to schema 4 on open:
 * everything is kept, sessions gain host and origin (NULL for the old ones), the claims table
 * appears empty, and a new session records this machine's host name. */
static void test_migrate_3_to_4(void) {
  char path[300], buf[256];
  path_in_dir(path, sizeof path, "v3.db");
  qt_workload w = fx_dwconv();
  make_log(path, &w, "dwconv:cb=8", 500);
  {
    qt_db *db = NULL;
    qt_err err;
    int64_t s = 0;
    CHECK_EQ_INT(qt_db_open(path, 1000, &db, &err), 0);
    CHECK_EQ_INT(qt_db_session_begin(db, "tune confirm", "0.1.0", &s, &err), 0);
    qt_measurement m = fx_measurement(&w, "a76", "dwconv:cb=16", QT_STATUS_OK, 400);
    CHECK_EQ_INT(qt_db_record(db, s, &m, &err), 0);
    CHECK_EQ_INT(qt_db_verdict(db, s, qt_db_last_record(db), 410, 2, 3, &err), 0);
    qt_db_close(db);
  }
  set_back(path, FX_SCHEMA_4_UNDO, 3);
  sqlite3 *h;

  qt_db *db = NULL;
  qt_err err;
  int64_t s = 0;
  CHECK_EQ_INT(qt_db_open(path, 1000, &db, &err), 0);
  CHECK_EQ_INT(qt_db_session_begin(db, "tune v4", "0.1.0", &s, &err), 0);
  qt_db_close(db);

  h = fx_raw_open(path);
  CHECK_EQ_INT(fx_int(h, "PRAGMA user_version"), QT_DB_SCHEMA_VERSION);
  fx_text(h, "SELECT value FROM meta WHERE key = 'schema_version'", buf, sizeof buf);
  CHECK_EQ_INT(atoi(buf), QT_DB_SCHEMA_VERSION);
  CHECK_EQ_INT(fx_int(h, "SELECT count(*) FROM measurements"), 2);
  CHECK_EQ_INT(fx_int(h, "SELECT count(*) FROM verdicts"), 1);
  CHECK_EQ_INT(fx_int(h, "SELECT count(*) FROM claims"), 0);
  CHECK_EQ_INT(fx_int(h, "SELECT count(*) FROM sessions WHERE host IS NULL AND origin IS NULL"), 2);
  char here[QT_DB_HOST_MAX] = "";
  gethostname(here, sizeof here);
  fx_text(h, "SELECT host FROM sessions WHERE command = 'tune v4'", buf, sizeof buf);
  CHECK_STR(buf, here);
  fx_text(h, "PRAGMA integrity_check", buf, sizeof buf);
  CHECK_STR(buf, "ok");
  sqlite3_close(h);
}

/* A schema-4 log is migrated to schema 5 on open: its targets have no unit (readers fall back
 * to the target file's), the first session that sets one keeps it, the same unit again is
 * fine, and another unit for that target is refused without changing the log. */
static void test_migrate_4_to_5_units(void) {
  char path[300], unit[128];
  old_log(path, sizeof path, "v4.db", FX_SCHEMA_5_UNDO, 4);
  sqlite3 *h;

  qt_db *db = NULL;
  qt_err err;
  CHECK_EQ_INT(qt_db_open(path, 1000, &db, &err), 0);
  CHECK_EQ_INT(qt_db_target_unit(db, "a76", unit, sizeof unit, &err), 0);
  CHECK_STR(unit, ""); /* measured before units were recorded */
  CHECK_EQ_INT(qt_db_target_unit(db, "nosuch", unit, sizeof unit, &err), 0);
  CHECK_STR(unit, "");
  CHECK_EQ_INT(qt_db_set_target_unit(db, "a76", "ns (emulated)", &err), 0);
  CHECK_EQ_INT(qt_db_set_target_unit(db, "a76", "ns (emulated)", &err), 0);
  CHECK_EQ_INT(qt_db_set_target_unit(db, "m4", "instructions (qemu icount)", &err), 0);
  CHECK_EQ_INT(qt_db_set_target_unit(db, "a76", "instructions (qemu icount)", &err), QT_EDB);
  CHECK(strstr(err.msg, "holds target a76's measurements in ns (emulated), but this run "
                        "measures it in instructions (qemu icount)") != NULL);
  CHECK_EQ_INT(qt_db_target_unit(db, "a76", unit, sizeof unit, &err), 0);
  CHECK_STR(unit, "ns (emulated)");
  CHECK_EQ_INT(qt_db_target_unit(db, "m4", unit, sizeof unit, &err), 0);
  CHECK_STR(unit, "instructions (qemu icount)");
  CHECK_EQ_INT(qt_db_set_target_unit(db, "a76", "", &err), QT_EINVAL);
  qt_db_close(db);

  h = fx_raw_open(path);
  CHECK_EQ_INT(fx_int(h, "PRAGMA user_version"), QT_DB_SCHEMA_VERSION);
  CHECK_EQ_INT(fx_int(h, "SELECT count(*) FROM measurements"), 1);
  sqlite3_close(h);
}

/* A schema-1 log (a current one with the tables of schemas 2 to 4 dropped and its marks set
 * back) is migrated on open through every step: its measurements are kept, the sources and
 * verdicts tables appear, the version is current in both places, and a measurement with a
 * manifest can be recorded into it. */
static void test_migrate_1_to_current(void) {
  char path[300];
  path_in_dir(path, sizeof path, "v1.db");
  qt_workload w = fx_dwconv();
  make_log(path, &w, "dwconv:cb=8", 500);
  sqlite3 *h = fx_raw_open(path);
  CHECK_EQ_INT(fx_exec(h, FX_SCHEMA_4_UNDO "DROP TABLE verdicts; DROP TABLE sources; UPDATE meta SET value = '1' WHERE key = "
                          "'schema_version'; PRAGMA user_version = 1"),
               SQLITE_OK);
  sqlite3_close(h);

  qt_db *db = NULL;
  qt_err err;
  CHECK_EQ_INT(qt_db_open(path, 1000, &db, &err), 0);
  int64_t s = 0;
  CHECK_EQ_INT(qt_db_session_begin(db, "tune v2", "0.1.0", &s, &err), 0);
  qt_measurement m = fx_measurement(&w, "a76", "dwconv:cb=16", QT_STATUS_OK, 400);
  m.id.manifest = "templates/dwconv.c 00000000000000aa\n";
  CHECK_EQ_INT(qt_db_record(db, s, &m, &err), 0);
  qt_db_close(db);

  h = fx_raw_open(path);
  char buf[64];
  CHECK_EQ_INT(fx_int(h, "PRAGMA user_version"), QT_DB_SCHEMA_VERSION);
  fx_text(h, "SELECT value FROM meta WHERE key = 'schema_version'", buf, sizeof buf);
  CHECK_EQ_INT(atoi(buf), QT_DB_SCHEMA_VERSION);
  CHECK_EQ_INT(fx_int(h, "SELECT count(*) FROM measurements"), 2);
  CHECK_EQ_INT(fx_int(h, "SELECT count(*) FROM verdicts"), 0);
  CHECK_EQ_INT(fx_int(h, "SELECT count(*) FROM sources WHERE path = 'templates/dwconv.c'"), 1);
  fx_text(h, "PRAGMA integrity_check", buf, sizeof buf);
  CHECK_STR(buf, "ok");
  sqlite3_close(h);
}

/* Processes that open one new log at once all get it: the first look at the file (is it
 * empty, a qtune log, something else?) reads its three marks in one read transaction, so it
 * cannot see the application_id from before another process created the log and the schema
 * from after (it said "an SQLite database but not a qtune log"). Two concurrent tune runs
 * hit that about once in 15 in tests/e2e/test_scale.sh; here 4 processes released at once
 * by a pipe, over many fresh paths. */
static void test_concurrent_create(void) {
  enum { ROUNDS = 150, PROCS = 4 };
  int failed_rounds = 0;
  for (int round = 0; round < ROUNDS; round++) {
    char path[300], name[32];
    snprintf(name, sizeof name, "race%d.db", round);
    path_in_dir(path, sizeof path, name);
    int gate[2];
    CHECK(pipe(gate) == 0);
    pid_t pids[PROCS];
    for (int i = 0; i < PROCS; i++) {
      pids[i] = fork();
      if (pids[i] == 0) {
        char c;
        close(gate[1]);
        (void)!read(gate[0], &c, 1); /* returns 0 when the parent closes the gate */
        qt_db *db = NULL;
        qt_err err;
        int rc = qt_db_open(path, 5000, &db, &err);
        if (rc) fprintf(stderr, "round %d: %s\n", round, err.msg);
        qt_db_close(db);
        _exit(rc ? 1 : 0);
      }
    }
    close(gate[0]);
    close(gate[1]);
    int bad = 0;
    for (int i = 0; i < PROCS; i++) {
      int status = 0;
      waitpid(pids[i], &status, 0);
      bad += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    }
    failed_rounds += bad > 0;
  }
  CHECK_MSG(failed_rounds == 0, "%d of %d rounds had a process that could not open the new log",
            failed_rounds, ROUNDS);
}

/* A schema-5 log is migrated to schema 6 on open: its measurements have no round (NULL, as
 * the search's), and a round recorded afterwards is kept. */
static void test_migrate_5_to_6_rounds(void) {
  char path[300];
  qt_workload w = old_log(path, sizeof path, "v5.db", FX_SCHEMA_6_UNDO, 5);

  qt_db *db = NULL;
  qt_err err;
  int64_t s = 0;
  CHECK_EQ_INT(qt_db_open(path, 1000, &db, &err), 0);
  CHECK_EQ_INT(qt_db_session_begin(db, "tune v6", "0.1.0", &s, &err), 0);
  qt_measurement m = fx_measurement(&w, "a76", "dwconv:cb=16", QT_STATUS_OK, 400);
  m.round = 2;
  CHECK_EQ_INT(qt_db_record(db, s, &m, &err), 0);
  qt_db_close(db);

  sqlite3 *h = fx_raw_open(path);
  CHECK_EQ_INT(fx_int(h, "PRAGMA user_version"), QT_DB_SCHEMA_VERSION);
  CHECK_EQ_INT(fx_int(h, "SELECT count(*) FROM measurements WHERE round IS NULL"), 1);
  CHECK_EQ_INT(fx_int(h, "SELECT round FROM measurements WHERE median_ns = 400"), 2);
  sqlite3_close(h);
}

int main(void) {
  fx_mkdtemp(dir, sizeof dir);
  test_schema();
  test_migrate_1_to_current();
  test_migrate_3_to_4();
  test_migrate_4_to_5_units();
  test_migrate_5_to_6_rounds();
  test_reopen();
  test_refusals();
  test_unwritable();
  test_read_only();
  test_damaged_row();
  test_busy();
  test_killed();
  test_concurrent_create();
  test_fault_injection();
  int rc = qt_test_finish();
  if (rc == 0) fx_rmdir(dir);
  else fprintf(stderr, "test files kept in %s\n", dir);
  return rc;
}
