/* test_db.c — the tuning log's semantics on an in-memory log: sessions, recording, and what
 * best, top-k, has_measured, config_time and count answer across several configs, templates,
 * statuses (final and transient), protocols, source hashes, targets and workloads; argument
 * checks that refuse bad records without touching the log. */
#include <math.h>
#include <string.h>

#include "tests/db/db_fixture.h"

#define P1 "w1:n10:r3:ms0:flush0:pin0"
#define P2 "w2:n20:r5:ms0:flush1:pin1"
#define H1 "0123456789abcdef"
#define H2 "fedcba9876543210"

/* Records m in session s; counts a failure (with the message) if it does not succeed. */
static void record_ok(qt_db *db, int64_t s, const qt_measurement *m) {
  qt_err err;
  qt_err_clear(&err);
  int rc = qt_db_record(db, s, m, &err);
  CHECK_MSG(rc == 0, "record %s %s: %s", m->id.template_name, m->id.knobs, err.msg);
}

/* A new in-memory log with one session "tune" (into *s), and the fixture's depthwise
 * workload w with its key. */
static qt_db *open_task(int64_t *s, qt_workload *w, char key[QT_KEY_MAX]) {
  qt_db *db = NULL;
  qt_err err;
  CHECK_EQ_INT(qt_db_open(":memory:", 100, &db, &err), 0);
  *s = 0;
  CHECK_EQ_INT(qt_db_session_begin(db, "tune", "0.1.0", s, &err), 0);
  *w = fx_dwconv();
  qt_workload_key(w, key);
  return db;
}

static int has(qt_db *db, const qt_workload *w, const char *target, const char *tpl,
               const char *knobs, const char *hash, const char *protocol) {
  qt_variant_id id = {w, target, tpl, knobs, hash, protocol, NULL};
  qt_err err;
  int found = -1;
  int rc = qt_db_has_measured(db, &id, &found, &err);
  CHECK_MSG(rc == 0, "has_measured: %s", err.msg);
  return found;
}

static void test_sessions(void) {
  qt_db *db = NULL;
  qt_err err;
  CHECK_EQ_INT(qt_db_open(":memory:", 100, &db, &err), 0);
  int64_t s1 = 0, s2 = 0;
  CHECK_EQ_INT(qt_db_session_begin(db, "tune --model m", "0.1.0", &s1, &err), 0);
  CHECK_EQ_INT(qt_db_session_begin(db, "tune --model n", "0.1.0", &s2, &err), 0);
  CHECK(s1 > 0);
  CHECK(s2 != s1);
  CHECK_EQ_INT(qt_db_session_end(db, s1, &err), 0);
  CHECK_EQ_INT(qt_db_session_end(db, 424242, &err), QT_ENOTFOUND);
  CHECK(strstr(err.msg, "424242") != NULL);

  /* A record must belong to a session that exists. */
  qt_workload w = fx_dwconv();
  char key[QT_KEY_MAX];
  qt_workload_key(&w, key);
  qt_measurement m = fx_measurement(&w, "a76", "dwconv:cb=8", QT_STATUS_OK, 100);
  CHECK_EQ_INT(qt_db_record(db, 999, &m, &err), QT_EDB);
  CHECK_MSG(strstr(err.msg, "FOREIGN KEY") != NULL, "%s", err.msg);
  int64_t all = -1, ok = -1;
  CHECK_EQ_INT(qt_db_count(db, key, "a76", &all, &ok, &err), 0);
  CHECK_EQ_INT(all, 0);
  /* The failed transaction left nothing behind: the same record in a real session is the
   * only one. */
  CHECK_EQ_INT(qt_db_record(db, s2, &m, &err), 0);
  CHECK_EQ_INT(qt_db_count(db, key, "a76", &all, &ok, &err), 0);
  CHECK_EQ_INT(all, 1);
  CHECK_EQ_INT(ok, 1);
  qt_db_close(db);
}

static void test_empty(void) {
  qt_db *db = NULL;
  qt_err err;
  CHECK_EQ_INT(qt_db_open(":memory:", 0, &db, &err), 0);
  qt_workload w = fx_dwconv();
  char key[QT_KEY_MAX];
  qt_workload_key(&w, key);
  qt_db_row row;
  int found = -1, n = -1;
  double t = -1;
  int64_t all = -1, ok = -1;
  CHECK_EQ_INT(qt_db_best(db, key, "a76", &row, &found, &err), 0);
  CHECK_EQ_INT(found, 0);
  qt_db_row rows[4];
  CHECK_EQ_INT(qt_db_topk(db, key, "a76", 4, rows, &n, &err), 0);
  CHECK_EQ_INT(n, 0);
  CHECK_EQ_INT(qt_db_config_time(db, key, "a76", "dwconv", "dwconv:cb=8", &t, &found, &err), 0);
  CHECK_EQ_INT(found, 0);
  CHECK_EQ_INT(qt_db_count(db, key, "a76", &all, &ok, &err), 0);
  CHECK_EQ_INT(all, 0);
  CHECK_EQ_INT(ok, 0);
  CHECK_EQ_INT(has(db, &w, "a76", "dwconv", "dwconv:cb=8", H1, P1), 0);
  qt_db_close(db);
}

static void test_queries(void) {
  qt_db *db = NULL;
  qt_err err;
  CHECK_EQ_INT(qt_db_open(":memory:", 100, &db, &err), 0);
  int64_t s1 = 0, s2 = 0;
  CHECK_EQ_INT(qt_db_session_begin(db, "tune a", "0.1.0", &s1, &err), 0);
  CHECK_EQ_INT(qt_db_session_begin(db, "tune b", "0.1.0", &s2, &err), 0);
  qt_workload a = fx_dwconv(), b = fx_pointwise();
  char ka[QT_KEY_MAX], kb[QT_KEY_MAX];
  qt_workload_key(&a, ka);
  qt_workload_key(&b, kb);

  qt_measurement m;
  /* workload a on a76: two protocols and two source hashes for some configs */
  m = fx_measurement(&a, "a76", "dwconv:cb=8", QT_STATUS_OK, 500);
  record_ok(db, s1, &m);
  m = fx_measurement(&a, "a76", "dwconv:cb=8", QT_STATUS_OK, 450);
  m.id.protocol = P2;
  m.board = "pi5";
  m.board_kind = "ssh";
  record_ok(db, s2, &m);
  m = fx_measurement(&a, "a76", "dwconv:cb=16", QT_STATUS_OK, 350);
  record_ok(db, s1, &m);
  m = fx_measurement(&a, "a76", "dwconv:cb=16", QT_STATUS_OK, 300);
  m.id.source_hash = H2;
  record_ok(db, s2, &m);
  m = fx_measurement(&a, "a76", "dwconv:cb=8", QT_STATUS_OK, 460);
  m.id.template_name = "direct"; /* same knob text, other template: another config */
  record_ok(db, s1, &m);
  m = fx_measurement(&a, "a76", "dwconv:cb=2", QT_STATUS_OK, 800);
  record_ok(db, s1, &m);
  m = fx_measurement(&a, "a76", "dwconv:cb=32", QT_STATUS_WRONG_ANSWER, 0);
  record_ok(db, s1, &m);
  m = fx_measurement(&a, "a76", "dwconv:cb=4", QT_STATUS_RUNTIME_ERROR, 0);
  record_ok(db, s1, &m);
  m = fx_measurement(&a, "a76", "dwconv:cb=64", QT_STATUS_BOARD_LOST, 0);
  record_ok(db, s1, &m);
  /* faster records elsewhere must not leak into a/a76's answers */
  m = fx_measurement(&a, "x86", "dwconv:cb=8", QT_STATUS_OK, 100);
  record_ok(db, s1, &m);
  m = fx_measurement(&b, "a76", "dwconv:cb=8", QT_STATUS_OK, 50);
  record_ok(db, s1, &m);

  /* best: lowest median among OK of the current protocol (that of the newest ok measurement,
   * P1: the 450 of P2 is not compared), any source */
  qt_db_row best;
  int found = -1;
  CHECK_EQ_INT(qt_db_best(db, ka, "a76", &best, &found, &err), 0);
  CHECK_EQ_INT(found, 1);
  CHECK_STR(best.workload_key, ka);
  CHECK_STR(best.target, "a76");
  CHECK_STR(best.template_name, "dwconv");
  CHECK_STR(best.knobs, "dwconv:cb=16");
  CHECK_STR(best.source_hash, H2);
  CHECK_STR(best.protocol, P1);
  CHECK_STR(best.board, "local");
  CHECK(best.median_ns == 300);
  CHECK(best.min_ns == 298.5);
  CHECK(best.max_ns == 302.25);
  CHECK_EQ_INT(best.session_id, s2);
  CHECK(best.measurement_id > 0);
  /* UTC ISO 8601 as written by SQLite: 2024-05-01T12:34:56.789Z */
  CHECK_EQ_INT(strlen(best.measured_at), 24);
  CHECK(best.measured_at[4] == '-' && best.measured_at[10] == 'T' &&
        best.measured_at[19] == '.' && best.measured_at[23] == 'Z');

  CHECK_EQ_INT(qt_db_best(db, ka, "x86", &best, &found, &err), 0);
  CHECK_EQ_INT(found, 1);
  CHECK(best.median_ns == 100);
  CHECK_EQ_INT(qt_db_best(db, kb, "a76", &best, &found, &err), 0);
  CHECK_EQ_INT(found, 1);
  CHECK(best.median_ns == 50);
  CHECK_EQ_INT(qt_db_best(db, ka, "a55", &best, &found, &err), 0);
  CHECK_EQ_INT(found, 0);

  /* top-k: one row per (template, knobs), each at its best of the current protocol, best
   * first */
  qt_db_row rows[8];
  int n = -1;
  CHECK_EQ_INT(qt_db_topk(db, ka, "a76", 8, rows, &n, &err), 0);
  CHECK_EQ_INT(n, 4);
  if (n == 4) {
    CHECK_STR(rows[0].knobs, "dwconv:cb=16");
    CHECK(rows[0].median_ns == 300);
    CHECK_STR(rows[1].template_name, "direct");
    CHECK_STR(rows[1].knobs, "dwconv:cb=8");
    CHECK(rows[1].median_ns == 460);
    CHECK_STR(rows[2].template_name, "dwconv");
    CHECK_STR(rows[2].knobs, "dwconv:cb=8");
    CHECK(rows[2].median_ns == 500);
    CHECK_STR(rows[2].protocol, P1);
    CHECK_STR(rows[2].board, "local");
    CHECK_STR(rows[3].knobs, "dwconv:cb=2");
    CHECK(rows[3].median_ns == 800);
  }
  CHECK_EQ_INT(qt_db_topk(db, ka, "a76", 2, rows, &n, &err), 0);
  CHECK_EQ_INT(n, 2);
  CHECK(rows[0].median_ns == 300 && rows[1].median_ns == 460);
  CHECK_EQ_INT(qt_db_topk(db, ka, "a76", 0, NULL, &n, &err), 0);
  CHECK_EQ_INT(n, 0);
  CHECK_EQ_INT(qt_db_topk(db, ka, "a76", -1, rows, &n, &err), QT_EINVAL);
  CHECK(strstr(err.msg, "-1") != NULL);

  /* config_time: best OK median of exactly (template, knobs) */
  double t = -1;
  CHECK_EQ_INT(qt_db_config_time(db, ka, "a76", "dwconv", "dwconv:cb=8", &t, &found, &err), 0);
  CHECK_EQ_INT(found, 1);
  CHECK(t == 500); /* P2's 450 is another protocol's */
  CHECK_EQ_INT(qt_db_config_time(db, ka, "a76", "direct", "dwconv:cb=8", &t, &found, &err), 0);
  CHECK_EQ_INT(found, 1);
  CHECK(t == 460);
  CHECK_EQ_INT(qt_db_config_time(db, ka, "a76", "dwconv", "dwconv:cb=32", &t, &found, &err), 0);
  CHECK_EQ_INT(found, 0); /* measured, but only as a wrong answer */
  CHECK_EQ_INT(qt_db_config_time(db, ka, "a76", "direct", "dwconv:cb=16", &t, &found, &err), 0);
  CHECK_EQ_INT(found, 0);
  CHECK_EQ_INT(qt_db_config_time(db, ka, "x86", "dwconv", "dwconv:cb=8", &t, &found, &err), 0);
  CHECK_EQ_INT(found, 1);
  CHECK(t == 100);

  /* count: all statuses vs OK only, per workload and target */
  int64_t all = -1, ok = -1;
  CHECK_EQ_INT(qt_db_count(db, ka, "a76", &all, &ok, &err), 0);
  CHECK_EQ_INT(all, 9);
  CHECK_EQ_INT(ok, 6);
  CHECK_EQ_INT(qt_db_count(db, ka, "x86", &all, &ok, &err), 0);
  CHECK_EQ_INT(all, 1);
  CHECK_EQ_INT(ok, 1);
  CHECK_EQ_INT(qt_db_count(db, kb, "x86", &all, &ok, &err), 0);
  CHECK_EQ_INT(all, 0);
  CHECK_EQ_INT(ok, 0);

  /* has_measured: exactly (workload, target, template, knobs, source hash, protocol) */
  CHECK_EQ_INT(has(db, &a, "a76", "dwconv", "dwconv:cb=8", H1, P1), 1);
  CHECK_EQ_INT(has(db, &a, "a76", "dwconv", "dwconv:cb=8", H1, P2), 1);
  CHECK_EQ_INT(has(db, &a, "a76", "dwconv", "dwconv:cb=8", H2, P1), 0);
  CHECK_EQ_INT(has(db, &a, "a76", "dwconv", "dwconv:cb=8", H1, "w9:n1:r1:ms0:flush0:pin0"), 0);
  CHECK_EQ_INT(has(db, &a, "a76", "dwconv", "dwconv:cb=16", H2, P1), 1);
  CHECK_EQ_INT(has(db, &a, "a76", "direct", "dwconv:cb=16", H1, P1), 0);
  CHECK_EQ_INT(has(db, &a, "a55", "dwconv", "dwconv:cb=8", H1, P1), 0);
  CHECK_EQ_INT(has(db, &b, "x86", "dwconv", "dwconv:cb=8", H1, P1), 0);
  CHECK_EQ_INT(has(db, &a, "x86", "dwconv", "dwconv:cb=8", H1, P1), 1);
  CHECK_EQ_INT(has(db, &a, "a76", "dwconv", "dwconv:cb=32", H1, P1), 1); /* wrong_answer */
  CHECK_EQ_INT(has(db, &a, "a76", "dwconv", "dwconv:cb=4", H1, P1), 1);  /* runtime_error */
  CHECK_EQ_INT(has(db, &a, "a76", "dwconv", "dwconv:cb=64", H1, P1), 0); /* board_lost */
  m = fx_measurement(&a, "a76", "dwconv:cb=64", QT_STATUS_UPLOAD_ERROR, 0);
  record_ok(db, s1, &m);
  CHECK_EQ_INT(has(db, &a, "a76", "dwconv", "dwconv:cb=64", H1, P1), 0); /* still transient */
  m = fx_measurement(&a, "a76", "dwconv:cb=64", QT_STATUS_OK, 900);
  record_ok(db, s1, &m);
  CHECK_EQ_INT(has(db, &a, "a76", "dwconv", "dwconv:cb=64", H1, P1), 1);

  /* Every status on its own config: found exactly when the status is final. */
  for (int s = 0; s < QT_STATUS_COUNT; s++) {
    char knobs[64];
    snprintf(knobs, sizeof knobs, "status=%s", qt_status_name((qt_status)s));
    m = fx_measurement(&a, "a76", knobs, (qt_status)s, 1000 + s);
    record_ok(db, s1, &m);
    CHECK_MSG(has(db, &a, "a76", "dwconv", knobs, H1, P1) == qt_status_is_final((qt_status)s),
              "status %s", knobs);
  }
  CHECK_EQ_INT(has(db, &a, "a76", "dwconv", "status=compile_error", H1, P1), 1);
  CHECK_EQ_INT(has(db, &a, "a76", "dwconv", "status=build_timeout", H1, P1), 0); /* the load's */
  CHECK_EQ_INT(has(db, &a, "a76", "dwconv", "status=build_killed", H1, P1), 0);  /* OOM */
  CHECK_EQ_INT(has(db, &a, "a76", "dwconv", "status=run_timeout", H1, P1), 1);
  CHECK_EQ_INT(has(db, &a, "a76", "dwconv", "status=upload_error", H1, P1), 0);

  /* A newer ok measurement of another protocol makes it the current one: best, top-k and
   * config times then rank P2's measurements only. */
  m = fx_measurement(&a, "a76", "dwconv:cb=2", QT_STATUS_OK, 900);
  m.id.protocol = P2;
  record_ok(db, s2, &m);
  CHECK_EQ_INT(qt_db_best(db, ka, "a76", &best, &found, &err), 0);
  CHECK(found && best.median_ns == 450);
  CHECK_STR(best.protocol, P2);
  CHECK_EQ_INT(qt_db_topk(db, ka, "a76", 8, rows, &n, &err), 0);
  CHECK_EQ_INT(n, 2);
  CHECK(rows[0].median_ns == 450 && rows[1].median_ns == 900);
  CHECK_EQ_INT(qt_db_config_time(db, ka, "a76", "dwconv", "dwconv:cb=16", &t, &found, &err), 0);
  CHECK_EQ_INT(found, 0);
  qt_db_close(db);
}

/* Bad records are refused before anything is written, with a message naming the value. */
static void test_refused_records(void) {
  qt_err err;
  int64_t s = 0;
  qt_workload w;
  char key[QT_KEY_MAX];
  qt_db *db = open_task(&s, &w, key);
  qt_measurement m;

  m = fx_measurement(&w, NULL, "k", QT_STATUS_OK, 10);
  CHECK_EQ_INT(qt_db_record(db, s, &m, &err), QT_EINVAL);
  CHECK(strstr(err.msg, "target") != NULL);
  m = fx_measurement(&w, "a76", "", QT_STATUS_OK, 10);
  CHECK_EQ_INT(qt_db_record(db, s, &m, &err), QT_EINVAL);
  CHECK(strstr(err.msg, "knobs") != NULL);
  m = fx_measurement(&w, "a76", "k", QT_STATUS_OK, 10);
  m.n_times = QT_DB_MAX_TIMES + 1;
  CHECK_EQ_INT(qt_db_record(db, s, &m, &err), QT_EINVAL);
  CHECK(strstr(err.msg, "65") != NULL);
  m = fx_measurement(&w, "a76", "k", QT_STATUS_OK, 10);
  m.n_times = 0;
  CHECK_EQ_INT(qt_db_record(db, s, &m, &err), QT_EINVAL);
  m = fx_measurement(&w, "a76", "k", QT_STATUS_OK, 10);
  m.times_ns[1] = NAN;
  CHECK_EQ_INT(qt_db_record(db, s, &m, &err), QT_EINVAL);
  CHECK(strstr(err.msg, "times_ns[1]") != NULL);
  m = fx_measurement(&w, "a76", "k", QT_STATUS_OK, 10);
  m.min_ns = 20; /* min above median */
  CHECK_EQ_INT(qt_db_record(db, s, &m, &err), QT_EINVAL);
  m = fx_measurement(&w, "a76", "k", (qt_status)QT_STATUS_COUNT, 10);
  CHECK_EQ_INT(qt_db_record(db, s, &m, &err), QT_EINVAL);
  qt_workload bad = w;
  bad.desc.out.h = 7; /* inconsistent with a 3x3 pad-1 stride-1 conv of 8 rows */
  m = fx_measurement(&bad, "a76", "k", QT_STATUS_OK, 10);
  CHECK_EQ_INT(qt_db_record(db, s, &m, &err), QT_EINVAL);
  CHECK_MSG(strstr(err.msg, "record measurement") != NULL, "%s", err.msg);
  char long_knobs[600];
  memset(long_knobs, 'k', sizeof long_knobs - 1);
  long_knobs[sizeof long_knobs - 1] = '\0';
  m = fx_measurement(&w, "a76", long_knobs, QT_STATUS_OK, 10);
  CHECK_EQ_INT(qt_db_record(db, s, &m, &err), QT_EINVAL);
  CHECK(strstr(err.msg, "599") != NULL);
  CHECK_EQ_INT(qt_db_record(db, s, NULL, &err), QT_EINVAL);

  int64_t all = -1, ok = -1;
  CHECK_EQ_INT(qt_db_count(db, key, "a76", &all, &ok, &err), 0);
  CHECK_EQ_INT(all, 0);

  /* The longest strings the row holds come back unchanged. */
  char knobs511[512], tpl63[64];
  memset(knobs511, 'x', 511);
  knobs511[511] = '\0';
  memset(tpl63, 't', 63);
  tpl63[63] = '\0';
  m = fx_measurement(&w, "a76", knobs511, QT_STATUS_OK, 10);
  m.id.template_name = tpl63;
  record_ok(db, s, &m);
  qt_db_row row;
  int found = 0;
  CHECK_EQ_INT(qt_db_best(db, key, "a76", &row, &found, &err), 0);
  CHECK_EQ_INT(found, 1);
  CHECK_STR(row.knobs, knobs511);
  CHECK_STR(row.template_name, tpl63);

  /* Argument checks of the other entry points. */
  qt_db *none = (qt_db *)&row;
  CHECK_EQ_INT(qt_db_open(":memory:", -1, &none, &err), QT_EINVAL);
  CHECK(none == NULL);
  CHECK_EQ_INT(qt_db_open("", 0, &none, &err), QT_EINVAL);
  CHECK_EQ_INT(qt_db_has_measured(db, NULL, &found, &err), QT_EINVAL);
  qt_variant_id id = {&w, "a76", "dwconv", "", H1, P1, NULL};
  CHECK_EQ_INT(qt_db_has_measured(db, &id, &found, &err), QT_EINVAL);
  CHECK_EQ_INT(qt_db_best(db, NULL, "a76", &row, &found, &err), QT_EINVAL);
  qt_db_close(db);
  qt_db_close(NULL); /* closing nothing is allowed */
}

/* Manifests: stored with the measurement once per source hash, read back in path order;
 * a hash without one reads as not found; malformed ones are refused before anything is
 * written. */
static void test_manifest(void) {
  qt_db *db = NULL;
  qt_err err;
  CHECK_EQ_INT(qt_db_open(":memory:", 100, &db, &err), 0);
  int64_t s = 0;
  CHECK_EQ_INT(qt_db_session_begin(db, "tune m", "0.1.0", &s, &err), 0);
  qt_workload w = fx_dwconv();
  char key[QT_KEY_MAX], buf[512];
  qt_workload_key(&w, key);
  int found = -1;
  int64_t all = 0, ok = 0;

  qt_measurement m = fx_measurement(&w, "a76", "dwconv:cb=8", QT_STATUS_OK, 500);
  m.id.source_hash = H1;
  m.id.manifest = "templates/dwconv.c 00000000000000aa\ninclude/qt_kernels.h 00000000000000bb\n";
  record_ok(db, s, &m);
  /* the same source hash again (another config) adds no duplicate rows */
  m = fx_measurement(&w, "a76", "dwconv:cb=16", QT_STATUS_OK, 400);
  m.id.source_hash = H1;
  m.id.manifest = "templates/dwconv.c 00000000000000aa\ninclude/qt_kernels.h 00000000000000bb\n";
  record_ok(db, s, &m);
  CHECK_EQ_INT(qt_db_manifest(db, H1, buf, sizeof buf, &found, &err), 0);
  CHECK_EQ_INT(found, 1);
  CHECK_STR(buf, "include/qt_kernels.h 00000000000000bb\ntemplates/dwconv.c 00000000000000aa\n");
  /* too small a buffer is an error, not a truncated manifest */
  char tiny[16];
  CHECK_EQ_INT(qt_db_manifest(db, H1, tiny, sizeof tiny, &found, &err), QT_EINVAL);
  CHECK_EQ_INT(found, 0);
  CHECK(strstr(err.msg, H1) != NULL);

  /* recorded without a manifest: none to read */
  m = fx_measurement(&w, "a76", "dwconv:cb=32", QT_STATUS_OK, 450);
  m.id.source_hash = H2;
  record_ok(db, s, &m);
  CHECK_EQ_INT(qt_db_manifest(db, H2, buf, sizeof buf, &found, &err), 0);
  CHECK_EQ_INT(found, 0);
  CHECK_STR(buf, "");

  /* malformed: no hash, short hash, upper case, no final newline */
  const char *bad[] = {"templates/dwconv.c\n", "templates/dwconv.c 00aa\n",
                       "templates/dwconv.c 00000000000000AA\n",
                       "templates/dwconv.c 00000000000000aa"};
  for (int i = 0; i < 4; i++) {
    m = fx_measurement(&w, "a76", "dwconv:cb=64", QT_STATUS_OK, 300);
    m.id.source_hash = "1111111111111111";
    m.id.manifest = bad[i];
    CHECK_EQ_INT(qt_db_record(db, s, &m, &err), QT_EINVAL);
    CHECK(strstr(err.msg, "manifest line 1") != NULL);
  }
  CHECK_EQ_INT(qt_db_count(db, key, "a76", &all, &ok, &err), 0);
  CHECK_EQ_INT(all, 3);
  CHECK_EQ_INT(qt_db_manifest(db, "1111111111111111", buf, sizeof buf, &found, &err), 0);
  CHECK_EQ_INT(found, 0);
  qt_db_close(db);
}

/* Verdicts of the final re-measurement: the newest verdict answers best even against a
 * lower median recorded before it, a faster measurement recorded after it overrules it, and
 * a verdict on a failed or unknown measurement, or with one candidate, is refused. */
static void test_verdicts(void) {
  qt_err err;
  int64_t s = 0;
  qt_workload a;
  char ka[QT_KEY_MAX];
  qt_db *db = open_task(&s, &a, ka);
  qt_measurement m = fx_measurement(&a, "a76", "dwconv:cb=8", QT_STATUS_OK, 300); /* lucky */
  record_ok(db, s, &m);
  const int64_t lucky = qt_db_last_record(db);
  m = fx_measurement(&a, "a76", "dwconv:cb=16", QT_STATUS_OK, 320);
  record_ok(db, s, &m);
  const int64_t steady = qt_db_last_record(db);
  CHECK(lucky > 0 && steady > lucky);
  m = fx_measurement(&a, "a76", "dwconv:cb=32", QT_STATUS_WRONG_ANSWER, 0);
  record_ok(db, s, &m);
  const int64_t wrong = qt_db_last_record(db);

  qt_db_row best;
  int found = 0;
  CHECK_EQ_INT(qt_db_best(db, ka, "a76", &best, &found, &err), 0);
  CHECK(found && !best.confirmed && best.measurement_id == lucky);

  CHECK_EQ_INT(qt_db_verdict(db, s, steady, 330, 2, 3, &err), 0);
  CHECK_EQ_INT(qt_db_best(db, ka, "a76", &best, &found, &err), 0);
  CHECK(found && best.confirmed);
  CHECK_EQ_INT(best.measurement_id, steady);
  CHECK_STR(best.knobs, "dwconv:cb=16");
  /* slower than the verdict's median, recorded after it: the verdict stands */
  m = fx_measurement(&a, "a76", "dwconv:cb=4", QT_STATUS_OK, 340);
  record_ok(db, s, &m);
  CHECK_EQ_INT(qt_db_best(db, ka, "a76", &best, &found, &err), 0);
  CHECK(best.confirmed && best.measurement_id == steady);
  /* faster than it: the plain lowest median again */
  m = fx_measurement(&a, "a76", "dwconv:cb=64", QT_STATUS_OK, 250);
  record_ok(db, s, &m);
  CHECK_EQ_INT(qt_db_best(db, ka, "a76", &best, &found, &err), 0);
  CHECK(found && !best.confirmed);
  CHECK_STR(best.knobs, "dwconv:cb=64");
  /* another target is untouched by the verdict */
  CHECK_EQ_INT(qt_db_best(db, ka, "a55", &best, &found, &err), 0);
  CHECK(!found);

  CHECK_EQ_INT(qt_db_verdict(db, s, wrong, 330, 2, 3, &err), QT_EINVAL);
  CHECK(strstr(err.msg, "not an ok measurement") != NULL);
  CHECK_EQ_INT(qt_db_verdict(db, s, 9999, 330, 2, 3, &err), QT_EINVAL);
  CHECK_EQ_INT(qt_db_verdict(db, s, steady, 330, 1, 3, &err), QT_EINVAL);
  CHECK(strstr(err.msg, ">= 2 candidates") != NULL);
  qt_db_close(db);
}

/* qt_db_each_measurement: every row of one target, oldest first, with its session's command,
 * board, status and error; other targets left out; a non-zero return stops it. */
typedef struct seen_rows {
  int n, stop_after;
  int64_t ids[8], sessions[8];
  char knobs[8][32], commands[8][32], errors[8][64], boards[8][16];
  qt_status status[8];
  double medians[8];
} seen_rows;

static int see_row(void *ctx, const qt_db_meas *m) {
  seen_rows *s = ctx;
  if (s->n == 8) return QT_EINTERNAL;
  s->ids[s->n] = m->id;
  s->sessions[s->n] = m->session_id;
  snprintf(s->knobs[s->n], sizeof s->knobs[0], "%s", m->knobs);
  snprintf(s->commands[s->n], sizeof s->commands[0], "%s", m->session_command);
  snprintf(s->errors[s->n], sizeof s->errors[0], "%s", m->error);
  snprintf(s->boards[s->n], sizeof s->boards[0], "%s", m->board);
  s->status[s->n] = m->status;
  s->medians[s->n] = m->median_ns;
  s->n++;
  return s->stop_after && s->n == s->stop_after ? QT_EINTERNAL : 0;
}

static void test_each_measurement(void) {
  qt_db *db = NULL;
  qt_err err;
  CHECK_EQ_INT(qt_db_open(":memory:", 100, &db, &err), 0);
  int64_t s1 = 0, s2 = 0;
  CHECK_EQ_INT(qt_db_session_begin(db, "tune --strategy ga", "0.1.0", &s1, &err), 0);
  qt_workload a = fx_dwconv(), b = fx_pointwise();
  qt_measurement m = fx_measurement(&a, "a76", "dwconv:cb=8", QT_STATUS_OK, 300);
  record_ok(db, s1, &m);
  m = fx_measurement(&a, "a55", "dwconv:cb=8", QT_STATUS_OK, 900); /* another target */
  record_ok(db, s1, &m);
  CHECK_EQ_INT(qt_db_session_begin(db, "tune --strategy random", "0.1.0", &s2, &err), 0);
  m = fx_measurement(&b, "a76", "dwconv:cb=16", QT_STATUS_COMPILE_ERROR, 0);
  m.board = "pi5";
  m.board_kind = "ssh";
  record_ok(db, s2, &m);

  seen_rows seen;
  memset(&seen, 0, sizeof seen);
  CHECK_EQ_INT(qt_db_each_measurement(db, "a76", see_row, &seen, &err), 0);
  CHECK_EQ_INT(seen.n, 2);
  CHECK(seen.ids[0] < seen.ids[1]);
  CHECK(seen.sessions[0] == s1 && seen.sessions[1] == s2);
  CHECK_STR(seen.commands[0], "tune --strategy ga");
  CHECK_STR(seen.commands[1], "tune --strategy random");
  CHECK_STR(seen.knobs[0], "dwconv:cb=8");
  CHECK(seen.status[0] == QT_STATUS_OK && seen.medians[0] == 300);
  CHECK_STR(seen.errors[0], "");
  CHECK(seen.status[1] == QT_STATUS_COMPILE_ERROR && seen.medians[1] == 0);
  CHECK_STR(seen.errors[1], "injected failure for the test");
  CHECK_STR(seen.boards[0], "local");
  CHECK_STR(seen.boards[1], "pi5");

  memset(&seen, 0, sizeof seen);
  CHECK_EQ_INT(qt_db_each_measurement(db, "m7", see_row, &seen, &err), 0);
  CHECK_EQ_INT(seen.n, 0);

  memset(&seen, 0, sizeof seen);
  seen.stop_after = 1;
  CHECK_EQ_INT(qt_db_each_measurement(db, "a76", see_row, &seen, &err), QT_EINTERNAL);
  CHECK_EQ_INT(seen.n, 1);
  CHECK(strstr(err.msg, "stopped by the caller") != NULL);
  CHECK_EQ_INT(qt_db_each_measurement(db, "a76", NULL, &seen, &err), QT_EINVAL);
  qt_db_close(db);
}

/* Re-measurement rounds: top-k and config_time, which choose the candidates of a task's
 * re-measurement, leave out the rounds no verdict has seen (a killed re-measurement's: a
 * resumed run must choose as an uninterrupted one did), and count them once a verdict has;
 * best and the count see every ok row; a negative round is refused. */
static void test_unseen_rounds(void) {
  qt_err err;
  int64_t s = 0;
  qt_workload a;
  char ka[QT_KEY_MAX];
  qt_db *db = open_task(&s, &a, ka);
  qt_measurement m = fx_measurement(&a, "a76", "dwconv:cb=8", QT_STATUS_OK, 500);
  record_ok(db, s, &m);
  m = fx_measurement(&a, "a76", "dwconv:cb=16", QT_STATUS_OK, 560);
  record_ok(db, s, &m);
  const int64_t searched = qt_db_last_record(db);
  /* round 1 of a re-measurement, killed before its verdict: a lucky sample of cb=16 */
  m = fx_measurement(&a, "a76", "dwconv:cb=16", QT_STATUS_OK, 300);
  m.round = 1;
  record_ok(db, s, &m);
  const int64_t lucky = qt_db_last_record(db);

  qt_db_row rows[4];
  int n = -1, found = 0;
  double t = -1;
  CHECK_EQ_INT(qt_db_topk(db, ka, "a76", 4, rows, &n, &err), 0);
  CHECK_EQ_INT(n, 2);
  if (n == 2) {
    CHECK(strcmp(rows[0].knobs, "dwconv:cb=8") == 0 && rows[0].median_ns == 500);
    CHECK(rows[1].median_ns == 560 && rows[1].measurement_id == searched);
  }
  CHECK_EQ_INT(qt_db_config_time(db, ka, "a76", "dwconv", "dwconv:cb=16", &t, &found, &err), 0);
  CHECK(found && t == 560);
  qt_db_row best;
  CHECK_EQ_INT(qt_db_best(db, ka, "a76", &best, &found, &err), 0);
  CHECK(found && best.measurement_id == lucky); /* nothing is hidden from best */
  int64_t owed = 0;
  CHECK_EQ_INT(qt_db_unconfirmed(db, ka, "a76", &owed, &err), 0);
  CHECK_EQ_INT(owed, 3);

  /* the resumed re-measurement's rounds and its verdict: now every round has been seen */
  m = fx_measurement(&a, "a76", "dwconv:cb=16", QT_STATUS_OK, 420);
  m.round = 1;
  record_ok(db, s, &m);
  const int64_t judged = qt_db_last_record(db);
  CHECK_EQ_INT(qt_db_verdict(db, s, judged, 420, 2, 3, &err), 0);
  CHECK_EQ_INT(qt_db_topk(db, ka, "a76", 4, rows, &n, &err), 0);
  CHECK_EQ_INT(n, 2);
  if (n == 2) CHECK(rows[0].measurement_id == lucky && rows[0].median_ns == 300);
  CHECK_EQ_INT(qt_db_config_time(db, ka, "a76", "dwconv", "dwconv:cb=16", &t, &found, &err), 0);
  CHECK(found && t == 300);
  /* a round after the verdict is unseen again until the next one */
  m = fx_measurement(&a, "a76", "dwconv:cb=8", QT_STATUS_OK, 100);
  m.round = 2;
  record_ok(db, s, &m);
  CHECK_EQ_INT(qt_db_config_time(db, ka, "a76", "dwconv", "dwconv:cb=8", &t, &found, &err), 0);
  CHECK(found && t == 500);

  m = fx_measurement(&a, "a76", "dwconv:cb=8", QT_STATUS_OK, 100);
  m.round = -1;
  CHECK_EQ_INT(qt_db_record(db, s, &m, &err), QT_EINVAL);
  CHECK(strstr(err.msg, "round -1") != NULL);
  qt_db_close(db);
}

int main(void) {
  test_manifest();
  test_sessions();
  test_empty();
  test_queries();
  test_refused_records();
  test_verdicts();
  test_unseen_rounds();
  test_each_measurement();
  return qt_test_finish();
}
