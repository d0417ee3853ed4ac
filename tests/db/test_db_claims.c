/* test_db_claims.c — claims on one log file shared by two connections (two tuners): a config
 * claimed by a live session is TAKEN for the other, DONE once recorded (the record releases
 * the claim in its transaction), and a stale claim — its session ended, its process gone from
 * this host, or its lease expired — is taken over; a claim of another host is honoured until
 * its lease runs out. */
#include <sys/wait.h>
#include <unistd.h>

#include "tests/db/db_fixture.h"

static char dir[256];

static qt_db_claim_state claim(qt_db *db, int64_t session, const qt_variant_id *id, int lease) {
  qt_db_claim_state st = (qt_db_claim_state)-1;
  qt_err err;
  int rc = qt_db_claim(db, session, id, lease, &st, &err);
  CHECK_MSG(rc == 0, "claim: %s", rc ? err.msg : "");
  return st;
}

/* The pid of a process that has exited and been reaped: no process has it now (unless the
 * kernel reused it within these microseconds, which the test would see as a live owner). */
static pid_t dead_pid(void) {
  pid_t p = fork();
  if (p == 0) _exit(0);
  waitpid(p, NULL, 0);
  return p;
}

/* Changes the claim on knobs as another tuner's would look: SET clause what. */
static void alter_claim(sqlite3 *h, const char *knobs, const char *what) {
  char sql[512];
  snprintf(sql, sizeof sql, "UPDATE claims SET %s WHERE knobs = '%s'", what, knobs);
  CHECK_EQ_INT(fx_exec(h, sql), SQLITE_OK);
}

int main(void) {
  fx_mkdtemp(dir, sizeof dir);
  char path[300];
  snprintf(path, sizeof path, "%s/claims.db", dir);
  qt_db *a = NULL, *b = NULL;
  qt_err err;
  CHECK_EQ_INT(qt_db_open(path, 2000, &a, &err), 0);
  CHECK_EQ_INT(qt_db_open(path, 2000, &b, &err), 0);
  int64_t sa = 0, sb = 0;
  CHECK_EQ_INT(qt_db_session_begin(a, "tune A", "0.1.0", &sa, &err), 0);
  CHECK_EQ_INT(qt_db_session_begin(b, "tune B", "0.1.0", &sb, &err), 0);
  qt_workload w = fx_dwconv();
  qt_measurement m = fx_measurement(&w, "t", "dwconv:cb=8", QT_STATUS_OK, 500);

  /* Live claim: the other session skips; the owner may claim again. */
  CHECK_EQ_INT(claim(a, sa, &m.id, 600), QT_DB_CLAIM_OURS);
  CHECK_EQ_INT(claim(b, sb, &m.id, 600), QT_DB_CLAIM_TAKEN);
  CHECK_EQ_INT(claim(a, sa, &m.id, 600), QT_DB_CLAIM_OURS);
  /* Recorded: DONE for everyone, and the claim row is gone. */
  CHECK_EQ_INT(qt_db_record(a, sa, &m, &err), 0);
  CHECK_EQ_INT(claim(b, sb, &m.id, 600), QT_DB_CLAIM_DONE);
  CHECK_EQ_INT(claim(a, sa, &m.id, 600), QT_DB_CLAIM_DONE);
  sqlite3 *h = fx_raw_open(path);
  CHECK_EQ_INT(fx_int(h, "SELECT count(*) FROM claims"), 0);

  /* A transient status (the board failed) releases the claim but is not DONE. */
  qt_measurement lost = fx_measurement(&w, "t", "dwconv:cb=4", QT_STATUS_BOARD_LOST, 0);
  CHECK_EQ_INT(claim(a, sa, &lost.id, 600), QT_DB_CLAIM_OURS);
  CHECK_EQ_INT(qt_db_record(a, sa, &lost, &err), 0);
  CHECK_EQ_INT(claim(b, sb, &lost.id, 600), QT_DB_CLAIM_OURS);
  CHECK_EQ_INT(claim(a, sa, &lost.id, 600), QT_DB_CLAIM_TAKEN);

  /* Stale claims are taken over: a dead process of this host ... */
  qt_measurement c1 = fx_measurement(&w, "t", "dwconv:cb=16", QT_STATUS_OK, 400);
  CHECK_EQ_INT(claim(a, sa, &c1.id, 600), QT_DB_CLAIM_OURS);
  char set[64];
  snprintf(set, sizeof set, "pid = %ld", (long)dead_pid());
  alter_claim(h, "dwconv:cb=16", set);
  CHECK_EQ_INT(claim(b, sb, &c1.id, 600), QT_DB_CLAIM_OURS);
  CHECK_EQ_INT(fx_int(h, "SELECT session_id FROM claims WHERE knobs = 'dwconv:cb=16'"), sb);

  /* ... another host's claim: honoured while its lease runs, taken over once it expired ... */
  qt_measurement c2 = fx_measurement(&w, "t", "dwconv:cb=32", QT_STATUS_OK, 300);
  CHECK_EQ_INT(claim(a, sa, &c2.id, 600), QT_DB_CLAIM_OURS);
  alter_claim(h, "dwconv:cb=32", "host = 'elsewhere.invalid', pid = 1");
  CHECK_EQ_INT(claim(b, sb, &c2.id, 600), QT_DB_CLAIM_TAKEN);
  alter_claim(h, "dwconv:cb=32", "expires_at = expires_at - 601");
  CHECK_EQ_INT(claim(b, sb, &c2.id, 600), QT_DB_CLAIM_OURS);

  /* ... and a claim whose session ended. Ending a session also drops its own claims. */
  qt_measurement c3 = fx_measurement(&w, "t", "dwconv:cb=64", QT_STATUS_OK, 200);
  CHECK_EQ_INT(claim(a, sa, &c3.id, 600), QT_DB_CLAIM_OURS);
  CHECK_EQ_INT(fx_exec(h, "UPDATE sessions SET ended_at = '2026-01-01T00:00:00.000Z' WHERE "
                          "command = 'tune A'"),
               SQLITE_OK);
  CHECK_EQ_INT(claim(b, sb, &c3.id, 600), QT_DB_CLAIM_OURS);
  CHECK(fx_int(h, "SELECT count(*) FROM claims WHERE session_id = (SELECT id FROM sessions "
                  "WHERE command = 'tune B')") == 4);
  CHECK_EQ_INT(qt_db_session_end(b, sb, &err), 0);
  CHECK_EQ_INT(fx_int(h, "SELECT count(*) FROM claims"), 0);

  /* Bad arguments. */
  qt_db_claim_state st;
  CHECK_EQ_INT(qt_db_claim(a, sa, &c3.id, 0, &st, &err), QT_EINVAL);
  CHECK(strstr(err.msg, "lease must be >= 1 s") != NULL);

  sqlite3_close(h);
  qt_db_close(a);
  qt_db_close(b);
  int rc = qt_test_finish();
  if (rc == 0) fx_rmdir(dir);
  else fprintf(stderr, "test files kept in %s\n", dir);
  return rc;
}
