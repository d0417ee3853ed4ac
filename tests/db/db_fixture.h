/* db_fixture.h — what the tuning-log tests share: two small valid workloads, a measurement
 * builder with sensible defaults, a temporary directory, and raw-SQLite helpers to inspect or
 * tamper with a log file behind qt_db's back. Header-only, included once per test program. */
#ifndef QT_DB_FIXTURE_H
#define QT_DB_FIXTURE_H

#include <inttypes.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "tests/qt_test.h"

#define DB_FX_STR_(x) #x
#define DB_FX_STR(x) DB_FX_STR_(x) /* a macro's value as SQL text */

/* dwconv:s8:fixedpoint:n1:i8x8x16:o8x8x16:k3x3:s1x1:d1x1:p1,1,1,1:m1 */
static inline qt_workload fx_dwconv(void) {
  qt_workload w;
  memset(&w, 0, sizeof w);
  w.desc.in = (qt_dims){1, 8, 8, 16};
  w.desc.out = (qt_dims){1, 8, 8, 16};
  w.desc.p = (qt_conv_params){QT_OP_DEPTHWISE, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  w.dtype = QT_DTYPE_S8;
  w.requant = QT_REQUANT_FIXEDPOINT;
  return w;
}

/* conv2d:u8:fp32:n1:i8x8x16:o8x8x32:k1x1:s1x1:d1x1:p0,0,0,0:m1 */
static inline qt_workload fx_pointwise(void) {
  qt_workload w;
  memset(&w, 0, sizeof w);
  w.desc.in = (qt_dims){1, 8, 8, 16};
  w.desc.out = (qt_dims){1, 8, 8, 32};
  w.desc.p = (qt_conv_params){QT_OP_CONV2D, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1};
  w.dtype = QT_DTYPE_U8;
  w.requant = QT_REQUANT_FP32;
  return w;
}

/* A measurement of w on target "t" (board "local") with the given knobs and status; an OK
 * one gets three times around median_ns, a failed one none and an error text. */
static inline qt_measurement fx_measurement(const qt_workload *w, const char *target,
                                            const char *knobs, qt_status status,
                                            double median_ns) {
  qt_measurement m;
  memset(&m, 0, sizeof m);
  m.id.workload = w;
  m.id.target = target;
  m.id.template_name = "dwconv";
  m.id.knobs = knobs;
  m.id.source_hash = "0123456789abcdef";
  m.id.protocol = "w1:n10:r3:ms0:flush0:pin0";
  m.board = "local";
  m.board_kind = "local";
  m.status = status;
  if (status == QT_STATUS_OK) {
    m.n_times = 3;
    m.times_ns[0] = median_ns - 1.5;
    m.times_ns[1] = median_ns;
    m.times_ns[2] = median_ns + 2.25;
    m.min_ns = median_ns - 1.5;
    m.median_ns = median_ns;
    m.max_ns = median_ns + 2.25;
    m.checksum = 0x00c0ffee12345678ULL;
  } else {
    m.error = "injected failure for the test";
  }
  return m;
}

/* A fresh directory under /tmp, removed by fx_rmdir (caller owns buf). */
static inline void fx_mkdtemp(char *buf, size_t cap) {
  snprintf(buf, cap, "/tmp/qtune-db-test-XXXXXX");
  if (!mkdtemp(buf)) {
    perror("mkdtemp");
    exit(2);
  }
}

/* Removes dir and everything in it (it only ever holds flat files and -wal/-shm). */
static inline void fx_rmdir(const char *dir) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", dir);
}

/* FNV-1a of a whole file's bytes, with its size; size = -1 if it cannot be read. */
static inline uint64_t fx_file_hash(const char *path, long *size) {
  uint64_t h = 0xcbf29ce484222325ULL;
  *size = -1;
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  long n = 0;
  int c;
  while ((c = fgetc(f)) != EOF) {
    h = (h ^ (uint64_t)(unsigned char)c) * 0x100000001b3ULL;
    n++;
  }
  fclose(f);
  *size = n;
  return h;
}

static inline int fx_exists(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f) fclose(f);
  return f != NULL;
}

/* Runs constant SQL on a raw connection; returns the SQLite code (prints the error). */
static inline int fx_exec(sqlite3 *h, const char *sql) {
  char *msg = NULL;
  int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
  if (rc != SQLITE_OK) fprintf(stderr, "fx_exec(%s): %s\n", sql, msg ? msg : "?");
  sqlite3_free(msg);
  return rc;
}

/* First column of the first row of sql as an integer (-999 if there is none). */
static inline int64_t fx_int(sqlite3 *h, const char *sql) {
  sqlite3_stmt *s = NULL;
  int64_t v = -999;
  if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
    v = sqlite3_column_int64(s, 0);
  else
    fprintf(stderr, "fx_int(%s): %s\n", sql, sqlite3_errmsg(h));
  sqlite3_finalize(s);
  return v;
}

/* First column of the first row of sql as text into buf ("" if none). */
static inline void fx_text(sqlite3 *h, const char *sql, char *buf, size_t cap) {
  sqlite3_stmt *s = NULL;
  buf[0] = '\0';
  if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW &&
      sqlite3_column_text(s, 0))
    snprintf(buf, cap, "%s", (const char *)sqlite3_column_text(s, 0));
  else
    fprintf(stderr, "fx_text(%s): %s\n", sql, sqlite3_errmsg(h));
  sqlite3_finalize(s);
}

/* Number of rows sql answers (-1 if it fails). */
static inline int fx_rows(sqlite3 *h, const char *sql) {
  sqlite3_stmt *s = NULL;
  int n = 0, rc = sqlite3_prepare_v2(h, sql, -1, &s, NULL);
  while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) n++;
  sqlite3_finalize(s);
  return rc == SQLITE_DONE ? n : -1;
}

/* The query plan of sql (EXPLAIN QUERY PLAN details joined by " | ") into buf. */
static inline void fx_plan(sqlite3 *h, const char *sql, char *buf, size_t cap) {
  char eqp[1024];
  sqlite3_stmt *s = NULL;
  size_t used = 0;
  buf[0] = '\0';
  snprintf(eqp, sizeof eqp, "EXPLAIN QUERY PLAN %s", sql);
  if (sqlite3_prepare_v2(h, eqp, -1, &s, NULL) != SQLITE_OK) return;
  while (sqlite3_step(s) == SQLITE_ROW && used < cap)
    used += (size_t)snprintf(buf + used, cap - used, "%s | ",
                             (const char *)sqlite3_column_text(s, 3));
  sqlite3_finalize(s);
}

static inline sqlite3 *fx_raw_open(const char *path) {
  sqlite3 *h = NULL;
  if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
    fprintf(stderr, "raw open %s: %s\n", path, h ? sqlite3_errmsg(h) : "out of memory");
    exit(2);
  }
  return h;
}

#endif
