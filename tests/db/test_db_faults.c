/* test_db_faults.c — I/O fault injection under the tuning log, in the style of SQLite's own
 * tests: a VFS shim over the default VFS (registered here only, reached through
 * qt_db_open_vfs) counts the log's I/O calls that can fail — open, write, truncate, sync,
 * lock, shared-memory lock and map, delete — and fails the Nth of them, once or from then on,
 * for every N up to the count of a whole sequence. Sequences: recording into an existing log,
 * creating a new one, migrating schema-1 and schema-2 logs, and a small tune through the
 * tuning loop. After each fault the caller has an error with a message naming the log, and the
 * log, reopened without faults, passes PRAGMA integrity_check and holds every record
 * committed before the fault. Disk full: the same with writes past a size limit failing with
 * SQLITE_FULL, for every limit up to the sequence's largest file. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/db/db_fixture.h"
#include "tuner/base/config.h"
#include "tuner/loop/tune.h"

/* ---- the fault-injecting VFS ---------------------------------------------------------- */

typedef struct fault_vfs {
  sqlite3_vfs vfs; /* registered; pAppData points back to this struct */
  sqlite3_vfs *real;
  long calls;    /* I/O calls that can fail, counted since the last fv_arm */
  long fail_at;  /* 0: count only; else the call number that fails */
  int persistent; /* fail every call from fail_at on, not only that one */
  long fired;    /* faults injected since fv_arm */
  sqlite3_int64 size_limit; /* > 0: a write reaching past it fails with SQLITE_FULL */
  sqlite3_int64 max_end;    /* largest end offset written, for the disk-full sweep */
} fault_vfs;

typedef struct fv_file {
  sqlite3_file base;
  fault_vfs *fv;
  sqlite3_file *real; /* the default VFS's file, allocated right behind this struct */
} fv_file;

static void fv_arm(fault_vfs *fv, long fail_at, int persistent, sqlite3_int64 size_limit) {
  fv->calls = 0;
  fv->fired = 0;
  fv->fail_at = fail_at;
  fv->persistent = persistent;
  fv->size_limit = size_limit;
  fv->max_end = 0;
}

/* One more fallible call: 1 if it is to fail. */
static int fv_fault(fault_vfs *fv) {
  fv->calls++;
  if (fv->fail_at > 0 &&
      (fv->calls == fv->fail_at || (fv->persistent && fv->calls > fv->fail_at))) {
    fv->fired++;
    return 1;
  }
  return 0;
}

#define FV_REAL(f) (((fv_file *)(f))->real)
#define FV_OF(f) (((fv_file *)(f))->fv)

static int fv_close(sqlite3_file *f) { return FV_REAL(f)->pMethods->xClose(FV_REAL(f)); }
static int fv_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off) {
  return FV_REAL(f)->pMethods->xRead(FV_REAL(f), buf, amt, off);
}
static int fv_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off) {
  fault_vfs *fv = FV_OF(f);
  if (fv->size_limit > 0 && off + amt > fv->size_limit) {
    fv->fired++;
    return SQLITE_FULL;
  }
  if (fv_fault(fv)) return SQLITE_IOERR_WRITE;
  if (off + amt > fv->max_end) fv->max_end = off + amt;
  return FV_REAL(f)->pMethods->xWrite(FV_REAL(f), buf, amt, off);
}
static int fv_truncate(sqlite3_file *f, sqlite3_int64 size) {
  if (fv_fault(FV_OF(f))) return SQLITE_IOERR_TRUNCATE;
  return FV_REAL(f)->pMethods->xTruncate(FV_REAL(f), size);
}
static int fv_sync(sqlite3_file *f, int flags) {
  if (fv_fault(FV_OF(f))) return SQLITE_IOERR_FSYNC;
  return FV_REAL(f)->pMethods->xSync(FV_REAL(f), flags);
}
static int fv_file_size(sqlite3_file *f, sqlite3_int64 *size) {
  return FV_REAL(f)->pMethods->xFileSize(FV_REAL(f), size);
}
static int fv_lock(sqlite3_file *f, int level) {
  if (fv_fault(FV_OF(f))) return SQLITE_IOERR_LOCK;
  return FV_REAL(f)->pMethods->xLock(FV_REAL(f), level);
}
/* Unlocking cannot fail in a way SQLite could act on; it is passed through. */
static int fv_unlock(sqlite3_file *f, int level) {
  return FV_REAL(f)->pMethods->xUnlock(FV_REAL(f), level);
}
static int fv_check_reserved(sqlite3_file *f, int *out) {
  return FV_REAL(f)->pMethods->xCheckReservedLock(FV_REAL(f), out);
}
static int fv_file_control(sqlite3_file *f, int op, void *arg) {
  return FV_REAL(f)->pMethods->xFileControl(FV_REAL(f), op, arg);
}
static int fv_sector_size(sqlite3_file *f) {
  return FV_REAL(f)->pMethods->xSectorSize(FV_REAL(f));
}
static int fv_device_characteristics(sqlite3_file *f) {
  return FV_REAL(f)->pMethods->xDeviceCharacteristics(FV_REAL(f));
}
static int fv_shm_map(sqlite3_file *f, int region, int size, int extend, void volatile **p) {
  if (fv_fault(FV_OF(f))) return SQLITE_IOERR_SHMMAP;
  return FV_REAL(f)->pMethods->xShmMap(FV_REAL(f), region, size, extend, p);
}
static int fv_shm_lock(sqlite3_file *f, int offset, int n, int flags) {
  if ((flags & SQLITE_SHM_LOCK) && fv_fault(FV_OF(f))) return SQLITE_IOERR_SHMLOCK;
  return FV_REAL(f)->pMethods->xShmLock(FV_REAL(f), offset, n, flags);
}
static void fv_shm_barrier(sqlite3_file *f) { FV_REAL(f)->pMethods->xShmBarrier(FV_REAL(f)); }
static int fv_shm_unmap(sqlite3_file *f, int del) {
  return FV_REAL(f)->pMethods->xShmUnmap(FV_REAL(f), del);
}
static int fv_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **p) {
  return FV_REAL(f)->pMethods->xFetch(FV_REAL(f), off, amt, p);
}
static int fv_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p) {
  return FV_REAL(f)->pMethods->xUnfetch(FV_REAL(f), off, p);
}

static const sqlite3_io_methods fv_io = {
    3,           fv_close,      fv_read,           fv_write,
    fv_truncate, fv_sync,       fv_file_size,      fv_lock,
    fv_unlock,   fv_check_reserved, fv_file_control, fv_sector_size,
    fv_device_characteristics, fv_shm_map, fv_shm_lock, fv_shm_barrier,
    fv_shm_unmap, fv_fetch,     fv_unfetch};

static int fv_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
                   int *out_flags) {
  fault_vfs *fv = vfs->pAppData;
  fv_file *p = (fv_file *)file;
  memset(p, 0, sizeof *p);
  if (fv_fault(fv)) return SQLITE_CANTOPEN;
  p->fv = fv;
  p->real = (sqlite3_file *)(p + 1);
  int rc = fv->real->xOpen(fv->real, name, p->real, flags, out_flags);
  /* SQLite closes a file only if its open set pMethods. */
  if (p->real->pMethods) p->base.pMethods = &fv_io;
  return rc;
}
static int fv_delete(sqlite3_vfs *vfs, const char *name, int sync_dir) {
  fault_vfs *fv = vfs->pAppData;
  if (fv_fault(fv)) return SQLITE_IOERR_DELETE;
  return fv->real->xDelete(fv->real, name, sync_dir);
}
static int fv_access(sqlite3_vfs *vfs, const char *name, int flags, int *out) {
  fault_vfs *fv = vfs->pAppData;
  return fv->real->xAccess(fv->real, name, flags, out);
}
static int fv_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out) {
  fault_vfs *fv = vfs->pAppData;
  return fv->real->xFullPathname(fv->real, name, n, out);
}
static int fv_randomness(sqlite3_vfs *vfs, int n, char *out) {
  fault_vfs *fv = vfs->pAppData;
  return fv->real->xRandomness(fv->real, n, out);
}
static int fv_sleep(sqlite3_vfs *vfs, int us) {
  fault_vfs *fv = vfs->pAppData;
  return fv->real->xSleep(fv->real, us);
}
static int fv_current_time(sqlite3_vfs *vfs, double *t) {
  fault_vfs *fv = vfs->pAppData;
  return fv->real->xCurrentTime(fv->real, t);
}
static int fv_last_error(sqlite3_vfs *vfs, int n, char *buf) {
  fault_vfs *fv = vfs->pAppData;
  return fv->real->xGetLastError(fv->real, n, buf);
}
static int fv_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *t) {
  fault_vfs *fv = vfs->pAppData;
  return fv->real->xCurrentTimeInt64(fv->real, t);
}

/* Registers the shim as "qtfault" (not the default) over the default VFS. */
static void fv_register(fault_vfs *fv) {
  memset(fv, 0, sizeof *fv);
  fv->real = sqlite3_vfs_find(NULL);
  if (!fv->real || fv->real->iVersion < 2) {
    fprintf(stderr, "no default SQLite VFS of version 2 or later\n");
    exit(2);
  }
  fv->vfs.iVersion = 2;
  fv->vfs.szOsFile = (int)sizeof(fv_file) + fv->real->szOsFile;
  fv->vfs.mxPathname = fv->real->mxPathname;
  fv->vfs.zName = "qtfault";
  fv->vfs.pAppData = fv;
  fv->vfs.xOpen = fv_open;
  fv->vfs.xDelete = fv_delete;
  fv->vfs.xAccess = fv_access;
  fv->vfs.xFullPathname = fv_full_pathname;
  fv->vfs.xRandomness = fv_randomness;
  fv->vfs.xSleep = fv_sleep;
  fv->vfs.xCurrentTime = fv_current_time;
  fv->vfs.xGetLastError = fv_last_error;
  fv->vfs.xCurrentTimeInt64 = fv_current_time64;
  if (sqlite3_vfs_register(&fv->vfs, 0) != SQLITE_OK) {
    fprintf(stderr, "cannot register the fault VFS\n");
    exit(2);
  }
}

/* ---- sequences ------------------------------------------------------------------------ */

static char dir[256];
static fault_vfs *fv;

#define MAX_KNOBS 16

/* What a sequence committed: the knobs of every record whose qt_db_record returned 0. */
typedef struct outcome {
  int rc; /* 0, or the first failing call's code */
  qt_err err;
  int n_committed;
  char committed[MAX_KNOBS][32];
  int attempted; /* records tried, the failed one included */
  char verdict[32]; /* knobs of the verdict's winner once qt_db_verdict returned 0, else "" */
} outcome;

static void path_in_dir(char *buf, size_t cap, const char *name) {
  snprintf(buf, cap, "%s/%s", dir, name);
}

/* Removes path and its -wal, -shm and -journal files. */
static void remove_log(const char *path) {
  static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
  char p[400];
  for (int i = 0; i < 4; i++) {
    snprintf(p, sizeof p, "%s%s", path, suffix[i]);
    unlink(p);
  }
}

static void copy_file(const char *from, const char *to) {
  FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
  if (!in || !out) {
    perror(in ? to : from);
    exit(2);
  }
  char buf[8192];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, n, out);
  fclose(in);
  if (fclose(out) != 0) exit(2);
}

/* Opens path through the shim, records n measurements (alternating workloads and statuses,
 * manifests on some) in one session, a verdict on the last ok one, and closes it; stops at the
 * first error, as the tuner does. knob_base names the records: "dwconv:cb=<base + i>". */
static void record_sequence(const char *path, int n, int knob_base, outcome *o) {
  memset(o, 0, sizeof *o);
  qt_db *db = NULL;
  int64_t session = 0;
  qt_workload dw = fx_dwconv(), pw = fx_pointwise();
  o->rc = qt_db_open_vfs(path, 200, "qtfault", &db, &o->err);
  if (!o->rc) o->rc = qt_db_session_begin(db, "tune faults", "0.1.0", &session, &o->err);
  int64_t last_ok = 0;
  char last_ok_knobs[32] = "";
  for (int i = 0; i < n && !o->rc; i++) {
    char knobs[32];
    snprintf(knobs, sizeof knobs, "dwconv:cb=%d", knob_base + i);
    int ok = i % 3 != 2;
    qt_measurement m = fx_measurement(i % 2 ? &pw : &dw, "a76", knobs,
                                      ok ? QT_STATUS_OK : QT_STATUS_RUNTIME_ERROR, 100.0 + i);
    char manifest[64];
    snprintf(manifest, sizeof manifest, "templates/dwconv.c %016x\n", knob_base + i);
    if (i % 2 == 0) m.id.manifest = manifest;
    o->attempted++;
    o->rc = qt_db_record(db, session, &m, &o->err);
    if (!o->rc) {
      snprintf(o->committed[o->n_committed++], 32, "%s", knobs);
      if (ok) {
        last_ok = qt_db_last_record(db);
        snprintf(last_ok_knobs, sizeof last_ok_knobs, "%s", knobs);
      }
    }
  }
  if (!o->rc && last_ok) {
    o->rc = qt_db_verdict(db, session, last_ok, 100.0, 2, 3, &o->err);
    if (!o->rc) snprintf(o->verdict, sizeof o->verdict, "%s", last_ok_knobs);
  }
  if (!o->rc) o->rc = qt_db_session_end(db, session, &o->err);
  qt_db_close(db);
}

/* The log at path without faults: it opens (migrating if need be), passes integrity_check,
 * holds each of the want[] knobs exactly once and at most extra further measurements beyond
 * base_count + n_want (a record whose commit reached the disk before its error), and the
 * verdict on the knobs `verdict` if that is not "". */
static void check_log(const char *what, long n, const char *path, int64_t base_count,
                      char want[][32], int n_want, int extra, const char *verdict) {
  qt_db *db = NULL;
  qt_err err;
  int rc = qt_db_open(path, 1000, &db, &err);
  CHECK_MSG(rc == 0, "%s, fault %ld: reopen: %s", what, n, err.msg);
  qt_db_close(db);
  sqlite3 *h = fx_raw_open(path);
  char buf[256];
  fx_text(h, "PRAGMA integrity_check", buf, sizeof buf);
  CHECK_MSG(strcmp(buf, "ok") == 0, "%s, fault %ld: integrity_check: %s", what, n, buf);
  int64_t count = fx_int(h, "SELECT count(*) FROM measurements");
  CHECK_MSG(count >= base_count + n_want && count <= base_count + n_want + extra,
            "%s, fault %ld: %lld measurements, expected %lld committed (+%d)", what, n,
            (long long)count, (long long)(base_count + n_want), extra);
  for (int i = 0; i < n_want; i++) {
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM measurements m JOIN configs c ON "
             "c.id = m.config_id WHERE c.knobs = '%s'", want[i]);
    int64_t got = fx_int(h, sql);
    CHECK_MSG(got == 1, "%s, fault %ld: committed record %s found %lld times", what, n, want[i],
              (long long)got);
  }
  if (verdict[0]) {
    char sql[240];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM verdicts v JOIN measurements m ON m.id = "
             "v.measurement_id JOIN configs c ON c.id = m.config_id WHERE c.knobs = '%s'",
             verdict);
    CHECK_MSG(fx_int(h, sql) == 1, "%s, fault %ld: the committed verdict on %s is lost", what,
              n, verdict);
  }
  sqlite3_close(h);
}

/* A sequence that failed says so with a message naming the log. */
static void check_error(const char *what, long n, const outcome *o, const char *path) {
  CHECK_MSG(o->rc < 0 && o->err.code == o->rc && o->err.msg[0] &&
                strstr(o->err.msg, path) != NULL,
            "%s, fault %ld: rc %d, message '%s'", what, n, o->rc, o->err.msg);
}

/* A log at path with `records` committed OK measurements "dwconv:cb=<1000 + i>". */
static void make_base(const char *path, int records) {
  remove_log(path);
  fv_arm(fv, 0, 0, 0);
  outcome o;
  record_sequence(path, records, 1000, &o);
  CHECK_MSG(o.rc == 0, "base log: %s", o.err.msg);
}

typedef struct sweep_stats {
  long calls;    /* I/O calls of the fault-free sequence */
  long faults;   /* runs with a fault injected */
  long errors;   /* of them, runs whose caller got an error */
  long absorbed; /* of them, runs SQLite completed anyway (all records there) */
  char example[1024]; /* the message of the middle error, to show what a user reads */
} sweep_stats;

static void count_error(sweep_stats *st, const qt_err *err) {
  if (++st->errors == st->calls / 2 || !st->example[0])
    snprintf(st->example, sizeof st->example, "%s", err->msg);
}

/* Runs record_sequence of n_rec records on a fresh copy of base (NULL: no file) with fault n
 * (once or persistent) or the size limit armed; returns 0 if no fault fired, else 1 after
 * counting the run and checking the error the caller got, if any. */
static int run_faulted(const char *what, const char *path, const char *base, int n_rec, long n,
                       int persistent, sqlite3_int64 limit, outcome *o, sweep_stats *st) {
  remove_log(path);
  if (base) copy_file(base, path);
  fv_arm(fv, n, persistent, limit);
  record_sequence(path, n_rec, 1, o);
  if (!fv->fired) return 0;
  st->faults++;
  if (o->rc) {
    count_error(st, &o->err);
    check_error(what, n, o, path);
  } else {
    st->absorbed++;
  }
  return 1;
}

/* Recording into an existing log of 3 records (base) and into a new file (base NULL): for
 * every N up to the fault-free count, once and persistently. */
static void sweep_recording(const char *what, const char *base, sweep_stats *st) {
  char path[300];
  path_in_dir(path, sizeof path, "rec.db");
  int64_t base_count = base ? 3 : 0;
  const int n_rec = 5;
  outcome o;
  remove_log(path);
  if (base) copy_file(base, path);
  fv_arm(fv, 0, 0, 0);
  record_sequence(path, n_rec, 1, &o);
  CHECK_MSG(o.rc == 0, "%s: fault-free run: %s", what, o.err.msg);
  st->calls = fv->calls;
  for (int persistent = 0; persistent < 2; persistent++)
    for (long n = 1; n <= st->calls; n++) {
      if (!run_faulted(what, path, base, n_rec, n, persistent, 0, &o, st)) continue;
      /* A new log that failed before its creation committed may be absent or empty; a
       * qt_db_open then makes it a log, which is what the check does. */
      check_log(what, n, path, base_count, o.committed, o.n_committed, o.rc ? 1 : 0,
                o.verdict);
    }
}

/* Disk full: every size limit in 512-byte steps up to the largest file the fault-free
 * sequence wrote. */
static void sweep_disk_full(const char *base, sweep_stats *st) {
  char path[300];
  path_in_dir(path, sizeof path, "full.db");
  outcome o;
  remove_log(path);
  copy_file(base, path);
  fv_arm(fv, 0, 0, 0);
  record_sequence(path, 5, 1, &o);
  CHECK_MSG(o.rc == 0, "disk full: fault-free run: %s", o.err.msg);
  sqlite3_int64 largest = fv->max_end;
  st->calls = (long)(largest / 512 + 1);
  for (sqlite3_int64 limit = 512; limit <= largest; limit += 512) {
    if (!run_faulted("disk full", path, base, 5, 0, 0, limit, &o, st)) continue;
    if (o.rc)
      CHECK_MSG(o.rc == QT_EIO && strstr(o.err.msg, "full"), "disk full at %lld: %s",
                (long long)limit, o.err.msg);
    check_log("disk full", (long)limit, path, 3, o.committed, o.n_committed, o.rc ? 1 : 0,
              o.verdict);
  }
}

/* A schema-`from` log with 2 records, made like test_db_file's migration fixture: a current
 * log with the later tables dropped and its marks set back. */
static void make_old_log(const char *path, int from) {
  make_base(path, 2);
  sqlite3 *h = fx_raw_open(path);
  /* schema 6's, 5's and 4's additions go first, for every older version */
  CHECK_EQ_INT(fx_exec(h,
                       "ALTER TABLE measurements DROP COLUMN round; ALTER TABLE targets DROP "
                       "COLUMN unit; DROP TABLE claims; ALTER TABLE sessions DROP COLUMN origin; "
                       "ALTER TABLE sessions DROP COLUMN host"),
               SQLITE_OK);
  CHECK_EQ_INT(fx_exec(h, from == 1 ? "DROP TABLE verdicts; DROP TABLE sources; UPDATE meta SET "
                                      "value = '1' WHERE key = 'schema_version'; PRAGMA "
                                      "user_version = 1"
                                    : "DROP TABLE verdicts; UPDATE meta SET value = '2' WHERE "
                                      "key = 'schema_version'; PRAGMA user_version = 2"),
               SQLITE_OK);
  sqlite3_close(h);
}

/* Migration from schema `from` on open, then one record: every N, once and persistently.
 * After each fault the log is at its old version or the current one, never between, and
 * holds its records. */
static void sweep_migration(int from, sweep_stats *st) {
  char old[300], path[300], what[32];
  snprintf(what, sizeof what, "migration %d->%d", from, QT_DB_SCHEMA_VERSION);
  path_in_dir(old, sizeof old, "old.db");
  path_in_dir(path, sizeof path, "mig.db");
  make_old_log(old, from);
  outcome o;
  remove_log(path);
  copy_file(old, path);
  fv_arm(fv, 0, 0, 0);
  record_sequence(path, 1, 1, &o);
  CHECK_MSG(o.rc == 0, "%s: fault-free run: %s", what, o.err.msg);
  st->calls = fv->calls;
  for (int persistent = 0; persistent < 2; persistent++)
    for (long n = 1; n <= st->calls; n++) {
      if (!run_faulted(what, path, old, 1, n, persistent, 0, &o, st)) continue;
      /* The version as the fault left it, before check_log's open migrates it. */
      sqlite3 *h = fx_raw_open(path);
      int64_t uv = fx_int(h, "PRAGMA user_version");
      char meta[16];
      fx_text(h, "SELECT value FROM meta WHERE key = 'schema_version'", meta, sizeof meta);
      sqlite3_close(h);
      CHECK_MSG((uv == from || uv == QT_DB_SCHEMA_VERSION) && atoi(meta) == uv,
                "%s, fault %ld: user_version %lld, meta %s", what, n, (long long)uv, meta);
      check_log(what, n, path, 2, o.committed, o.n_committed, o.rc ? 1 : 0,
                o.verdict);
    }
}

/* ---- a small tune through the loop ---------------------------------------------------- */

/* A board that answers every variant with an ok outcome (as the replay runner does), so the
 * loop records without building or running anything. */
typedef struct answer_board {
  uint64_t checksum;
  int calls;
} answer_board;

static int ab_answer(qt_runner *rn, const qt_variant_id *id, qt_outcome *out, qt_err *err) {
  answer_board *b = rn->impl;
  int k = ++b->calls;
  memset(out, 0, sizeof *out);
  out->m.status = QT_STATUS_OK;
  out->m.n_times = 3;
  for (int i = 0; i < 3; i++) out->m.times_ns[i] = 1000.0 + 10 * ((k * 7) % 13) + i;
  out->m.min_ns = out->m.times_ns[0];
  out->m.median_ns = out->m.times_ns[1];
  out->m.max_ns = out->m.times_ns[2];
  out->m.checksum = b->checksum;
  return 0;
}
static int ab_connect(qt_runner *rn, qt_err *err) { return 0; }
static int ab_run(qt_runner *rn, const char *artifact, char *const args[], int timeout_ms,
                  qt_proc_result *r, qt_err *err) {
  return qt_fail(err, QT_EINTERNAL, "an answering board never runs artifacts");
}
static void ab_destroy(qt_runner *rn) { (void)rn; }
static const qt_runner_ops ab_ops = {"answer", ab_connect, ab_run, ab_destroy, ab_answer, NULL};

/* Every measurement of the log at path as "workload|template|knobs" lines into keys (sorted,
 * one per line); returns how many. */
static int log_configs(const char *path, char *keys, size_t cap) {
  sqlite3 *h = fx_raw_open(path);
  sqlite3_stmt *s = NULL;
  size_t used = 0;
  int n = 0;
  keys[0] = '\0';
  if (sqlite3_prepare_v2(h, "SELECT w.key || '|' || c.template || '|' || c.knobs FROM "
                            "measurements m JOIN configs c ON c.id = m.config_id JOIN "
                            "workloads w ON w.id = m.workload_id ORDER BY 1",
                         -1, &s, NULL) == SQLITE_OK)
    while (sqlite3_step(s) == SQLITE_ROW && used < cap) {
      used += (size_t)snprintf(keys + used, cap - used, "%s\n", sqlite3_column_text(s, 0));
      n++;
    }
  else
    fprintf(stderr, "log_configs: %s\n", sqlite3_errmsg(h));
  sqlite3_finalize(s);
  sqlite3_close(h);
  return n;
}

/* Tunes two tasks (4 trials each) into path through the shim; rc and err of the first
 * failure (open, session, the loop, session end). */
static int tune_sequence(const char *path, const qt_model *m, const qt_build_ctx *bctx,
                         answer_board *board, qt_err *err) {
  qt_db *db = NULL;
  int64_t session = 0;
  int rc = qt_db_open_vfs(path, 200, "qtfault", &db, err);
  if (!rc) rc = qt_db_session_begin(db, "tune faults", "0.1.0", &session, err);
  if (!rc) {
    qt_runner rn = {&ab_ops, "answer", board, {0, 0, 0}, 0};
    qt_tune_options o = {0};
    o.strategy = "random";
    o.trials = 4;
    o.jobs = 1;
    o.seed = 3;
    o.protocol = (qt_protocol)QT_PROTOCOL_DEFAULTS;
    o.run_timeout_ms = 10000;
    o.build_cpu_avoid = -1;
    qt_tune_stats st;
    rc = qt_tune_model(db, session, m, bctx, &rn, &o, &st, err);
  }
  /* Ended even after a failure, as `tune` does: that releases the session's claims (the
   * rerun here is in the same process, so they would otherwise look held by a live run). */
  if (session) {
    qt_err end_err;
    int erc = qt_db_session_end(db, session, &end_err);
    if (!rc && erc) {
      rc = erc;
      *err = end_err;
    }
  }
  qt_db_close(db);
  return rc;
}

/* The tuning loop on a log that faults at every N: the loop returns an error naming the log
 * (what `tune` prints before it exits 1), the log stays sound, and a rerun without faults
 * completes it to exactly the configs of an undisturbed run. */
/* The sanitizer tree takes every QT_DB_FAULTS_TUNE_STRIDE-th fault of this sequence
 * (tests/db/CMakeLists.txt): about 800 tune runs, the longest part of the test. */
#ifndef QT_DB_FAULTS_TUNE_STRIDE
#define QT_DB_FAULTS_TUNE_STRIDE 1
#endif
static void sweep_tune(sweep_stats *st) {
  qt_err err;
  qt_target t;
  qt_model m;
  CHECK_MSG(qt_target_load(QT_SOURCE_DIR "/configs", "host", &t, &err) == 0, "%s", err.msg);
  /* Two small layers (tests/e2e/lib.sh's tiny model): the loop computes each task's expected
   * checksum with the reference kernel, which should not dominate ~600 runs. */
  char model_path[300];
  path_in_dir(model_path, sizeof model_path, "tiny.yaml");
  FILE *f = fopen(model_path, "w");
  CHECK(f != NULL);
  if (!f) return;
  fputs("model: tiny\nlayers:\n"
        "  - {name: dw, op: depthwise_conv2d, role: dw, in_h: 10, in_w: 10, in_c: 24, out_c: 24, "
        "kh: 3, kw: 3, stride_h: 1, stride_w: 1, pad_top: 1, pad_left: 1, pad_bottom: 1, "
        "pad_right: 1, dilation: 1, depth_multiplier: 1, out_h: 10, out_w: 10, macs: 21600}\n"
        "  - {name: pw, op: conv2d, role: project, in_h: 10, in_w: 10, in_c: 24, out_c: 16, "
        "kh: 1, kw: 1, stride_h: 1, stride_w: 1, pad_top: 0, pad_left: 0, pad_bottom: 0, "
        "pad_right: 0, dilation: 1, depth_multiplier: 1, out_h: 10, out_w: 10, macs: 38400}\n",
        f);
  fclose(f);
  CHECK_MSG(qt_model_load_file(model_path, &m, &err) == 0, "%s", err.msg);
  char cache[300];
  path_in_dir(cache, sizeof cache, "cache");
  qt_build_ctx *bctx = malloc(sizeof *bctx);
  CHECK_MSG(qt_build_ctx_init(bctx, QT_SOURCE_DIR "/kernels", cache, &t, 60000, &err) == 0, "%s",
            err.msg);
  answer_board board = {0};
  char path[300], want[8192], got[8192];
  path_in_dir(path, sizeof path, "tune.db");
  remove_log(path);
  fv_arm(fv, 0, 0, 0);
  int rc = tune_sequence(path, &m, bctx, &board, &err);
  CHECK_MSG(rc == 0, "tune: fault-free run: %s", err.msg);
  st->calls = fv->calls;
  int n_want = log_configs(path, want, sizeof want);
  CHECK_MSG(n_want == 8, "tune: fault-free run recorded %d configs, expected 8", n_want);
  for (long n = 1; n <= st->calls; n += QT_DB_FAULTS_TUNE_STRIDE) {
    remove_log(path);
    fv_arm(fv, n, 1, 0);
    memset(&err, 0, sizeof err);
    rc = tune_sequence(path, &m, bctx, &board, &err);
    if (!fv->fired) continue;
    st->faults++;
    if (rc) {
      count_error(st, &err);
      CHECK_MSG(rc < 0 && err.msg[0] && strstr(err.msg, path), "tune, fault %ld: rc %d, '%s'",
                n, rc, err.msg);
    } else {
      st->absorbed++;
    }
    /* The rerun a user makes after the error: it finishes the tune, and the log then holds
     * the configs of the undisturbed run, each once. `tune` would have exited by then: the
     * claims a failed end of session left are a dead process's (pid 0 here, as this test
     * runs on in the same process, which would look alive). */
    sqlite3 *hc = fx_raw_open(path);
    if (fx_int(hc, "SELECT count(*) FROM sqlite_master WHERE name = 'claims'") == 1)
      CHECK_EQ_INT(fx_exec(hc, "UPDATE claims SET pid = 0"), SQLITE_OK);
    sqlite3_close(hc);
    fv_arm(fv, 0, 0, 0);
    rc = tune_sequence(path, &m, bctx, &board, &err);
    CHECK_MSG(rc == 0, "tune, fault %ld: rerun: %s", n, err.msg);
    int n_got = log_configs(path, got, sizeof got);
    CHECK_MSG(n_got == n_want && strcmp(got, want) == 0,
              "tune, fault %ld: after the rerun %d configs:\n%s\nexpected %d:\n%s", n, n_got,
              got, n_want, want);
    sqlite3 *h = fx_raw_open(path);
    char buf[64];
    fx_text(h, "PRAGMA integrity_check", buf, sizeof buf);
    CHECK_MSG(strcmp(buf, "ok") == 0, "tune, fault %ld: integrity_check %s", n, buf);
    sqlite3_close(h);
  }
  qt_model_free(&m);
  free(bctx);
}

/* Seconds since the previous call (the first call starts the clock). */
static double lap(void) {
  static double last;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  double now = ts.tv_sec + ts.tv_nsec / 1e9, d = last ? now - last : 0;
  last = now;
  return d;
}

static void report(const char *what, const char *unit, const sweep_stats *st) {
  printf("%-26s %4ld %s; %4ld runs with a fault: %4ld reported an error, %4ld completed "
         "anyway (%.1f s)\n",
         what, st->calls, unit, st->faults, st->errors, st->absorbed, lap());
  printf("  e.g. %s\n", st->example);
  CHECK_MSG(st->faults > 0, "%s: no fault was ever injected", what);
}

int main(void) {
  fault_vfs shim;
  fv = &shim;
  fv_register(fv);
  /* On tmpfs when there is one: the sweeps sync the log some thousand times, and on a disk
   * each sync waits for it. */
  snprintf(dir, sizeof dir, "%s/qtune-db-faults-XXXXXX",
           access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
  if (!mkdtemp(dir)) {
    perror(dir);
    return 2;
  }
  char base[300];
  path_in_dir(base, sizeof base, "base.db");
  make_base(base, 3);
  sweep_stats st;
  lap();

  memset(&st, 0, sizeof st);
  sweep_recording("recording", base, &st);
  report("recording (existing log)", "fallible I/O calls", &st);
  memset(&st, 0, sizeof st);
  sweep_recording("new log", NULL, &st);
  report("recording (new log)", "fallible I/O calls", &st);
  memset(&st, 0, sizeof st);
  sweep_disk_full(base, &st);
  report("disk full", "size limits", &st);
  for (int from = 1; from <= 2; from++) {
    memset(&st, 0, sizeof st);
    sweep_migration(from, &st);
    char what[48];
    snprintf(what, sizeof what, "migration %d->%d + record", from, QT_DB_SCHEMA_VERSION);
    report(what, "fallible I/O calls", &st);
  }
  memset(&st, 0, sizeof st);
  sweep_tune(&st);
  report("tune (2 tasks x 4 trials)", "fallible I/O calls", &st);

  int rc = qt_test_finish();
  if (rc == 0) fx_rmdir(dir);
  return rc;
}
