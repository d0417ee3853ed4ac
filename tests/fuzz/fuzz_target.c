/* fuzz_target — libFuzzer harness of the target YAML loader (tuner/base/config.c), given the
 * input as the file fuzz.yaml (the seeds, the project's targets renamed, say "name: fuzz").
 * Properties: a refused file comes with a message; an accepted target is named after its file
 * and has a compiler. */
#include <stdint.h>
#include <string.h>

#include "tests/fuzz/fuzz_util.h"
#include "tuner/base/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_write_file("fuzz.yaml", data, size);
  qt_target t;
  qt_err err = {0};
  int rc = qt_target_load_file(path, &t, &err);
  if (rc < 0) {
    fuzz_check_refusal(rc, &err);
    return 0;
  }
  FUZZ_ASSERT(strcmp(t.name, "fuzz") == 0, "accepted target named '%s' from fuzz.yaml", t.name);
  FUZZ_ASSERT(t.compiler[0] != '\0', "accepted target without a compiler");
  return 0;
}
