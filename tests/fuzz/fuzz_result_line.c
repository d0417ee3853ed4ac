/* fuzz_result_line — libFuzzer harness of the harness result-line parser (tuner/run/measure.c,
 * format in kernels/harness/README.md). Properties: a refused output comes with a message; an
 * accepted one has version 1, a status, at most QT_DB_MAX_TIMES times, each a whole number of
 * nanoseconds no larger than the parser's cap, and an ok line with times has one per repeat
 * and a number of runs. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "tests/fuzz/fuzz_util.h"
#include "tuner/run/measure.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *out = fuzz_cstr(data, size);
  if (!out) return 0;
  qt_harness_result res;
  qt_err err = {0};
  int rc = qt_harness_parse(out, &res, &err);
  if (rc < 0) {
    fuzz_check_refusal(rc, &err);
  } else {
    FUZZ_ASSERT(res.version == 1, "version %d", res.version);
    FUZZ_ASSERT(res.status[0] != '\0', "no status");
    FUZZ_ASSERT(res.n_times >= 0 && res.n_times <= QT_DB_MAX_TIMES, "n_times %d", res.n_times);
    for (int i = 0; i < res.n_times; i++)
      FUZZ_ASSERT(res.times_ns[i] >= 0 && res.times_ns[i] <= (double)(UINT64_MAX / 2) &&
                      res.times_ns[i] == floor(res.times_ns[i]),
                  "time %d is %g", i, res.times_ns[i]);
    if (strcmp(res.status, "ok") == 0 && res.n_times > 0)
      FUZZ_ASSERT(res.number > 0 && res.repeat == res.n_times,
                  "ok with %d times, number %d, repeat %d", res.n_times, res.number, res.repeat);
  }
  free(out);
  return 0;
}
