/* fuzz_workload — libFuzzer harness of the workload key parser (tuner/base/workload.c).
 * Properties: a refused key comes with a message; an accepted key is canonical (it is what
 * qt_workload_key writes back), passes qt_workload_check, and its MAC count is not 0. */
#include <stdint.h>
#include <string.h>

#include "tests/fuzz/fuzz_util.h"
#include "tuner/base/workload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *key = fuzz_cstr(data, size);
  if (!key) return 0;
  qt_workload w;
  qt_err err = {0};
  int rc = qt_workload_parse(key, &w, &err);
  if (rc < 0) {
    fuzz_check_refusal(rc, &err);
  } else {
    char again[QT_KEY_MAX];
    qt_workload_key(&w, again);
    FUZZ_ASSERT(strcmp(again, key) == 0, "accepted '%s' but its key is '%s'", key, again);
    FUZZ_ASSERT(qt_workload_check(&w, &err) == 0, "accepted '%s', check says %s", key, err.msg);
    FUZZ_ASSERT(qt_workload_macs(&w) > 0, "accepted '%s' with 0 MACs", key);
  }
  free(key);
  return 0;
}
