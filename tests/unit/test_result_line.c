/* test_result_line.c — the harness's result line is parsed strictly: what the harness prints
 * parses, and each of the lenient readings found by fuzzing is a protocol error (a negative
 * time that would be stored as 1.8e19 ns, a trailing comma, a signed or 0x-prefixed checksum,
 * a version written 01, an ok line with only some timing fields); the check-only form (a
 * checksum, no timing fields) parses. */
#include "tests/qt_test.h"
#include "tuner/run/measure.h"

static int parses(const char *line) {
  qt_harness_result h;
  qt_err err;
  return qt_harness_parse(line, &h, &err) == 0;
}

int main(void) {
  const char *good = "QTRESULT 1 status=ok checksum=00000000000000ff number=4 repeat=2 "
                     "times_ns=100,0";
  CHECK(parses(good));
  qt_harness_result h;
  qt_err err;
  CHECK(qt_harness_parse(good, &h, &err) == 0 && h.n_times == 2 && h.times_ns[0] == 100 &&
        h.checksum == 0xff && h.number == 4);
  CHECK(!parses("QTRESULT 1 status=ok checksum=00000000000000ff number=1 repeat=1 times_ns=-1"));
  CHECK(!parses("QTRESULT 1 status=ok checksum=00000000000000ff number=1 repeat=1 times_ns=5,"));
  CHECK(!parses("QTRESULT 1 status=ok checksum=00000000000000ff number=1 repeat=2 times_ns=5,,6"));
  CHECK(!parses("QTRESULT 1 status=ok checksum=00000000000000ff number=1 repeat=1 times_ns=+5"));
  CHECK(!parses("QTRESULT 1 status=ok checksum=00000000000000ff number=1 repeat=1 times_ns=05"));
  CHECK(!parses("QTRESULT 1 status=ok checksum=00000000000000ff number=1 repeat=1 "
                "times_ns=99999999999999999999999"));
  CHECK(!parses("QTRESULT 1 status=ok checksum=-00000000000000f number=1 repeat=1 times_ns=5"));
  CHECK(!parses("QTRESULT 1 status=ok checksum=0x000000000000ff number=1 repeat=1 times_ns=5"));
  CHECK(!parses("QTRESULT 1 status=ok checksum=00000000000000FF number=1 repeat=1 times_ns=5"));
  CHECK(!parses("QTRESULT 01 status=ok checksum=00000000000000ff number=1 repeat=1 times_ns=5"));
  CHECK(!parses("QTRESULT +1 status=ok checksum=00000000000000ff number=1 repeat=1 times_ns=5"));
  CHECK(!parses("QTRESULT 1 status=ok checksum=00000000000000ff number=1 repeat=1"));
  CHECK(!parses("QTRESULT 1 status=ok checksum=00000000000000ff times_ns=5"));
  CHECK(!parses("QTRESULT 1 status=ok checksum=00000000000000ff number=1 number=1 repeat=1 "
                "times_ns=5"));
  /* The check-only form: a checksum and no timing fields at all. */
  CHECK(parses("QTRESULT 1 status=ok checksum=00000000000000ff"));
  CHECK(!parses("QTRESULT 1 status=ok checksum=00000000000000ff number=-1 repeat=1 times_ns=5"));
  CHECK(!parses("QTRESULT 1 status=ok checksum=00000000000000ff number=1 repeat=1 times_ns=5 "
                "times_ns=6"));
  /* The check-only form is a result only where no times were asked for. */
  qt_proc_result r;
  memset(&r, 0, sizeof r);
  r.exited = 1;
  r.out = "QTRESULT 1 status=ok checksum=00000000000000ff\n";
  qt_outcome o;
  qt_judge_run(&r, 0, 1000, 0xff, &o);
  CHECK(o.m.status == QT_STATUS_OK && o.m.n_times == 0);
  qt_judge_run(&r, 1, 1000, 0xff, &o);
  CHECK(o.m.status == QT_STATUS_RUNTIME_ERROR && strstr(o.error, "without times") != NULL);
  /* Failures carry no times. */
  CHECK(parses("QTRESULT 1 status=error reason=pack detail=bad"));
  return qt_test_finish();
}
