/* fuzz_config — libFuzzer harness of the canonical knob string parser (schedules/space.c
 * qt_config_parse). The spaces are those of mobilenet_v2's tasks on the host and cortex-a76
 * targets (configs/); the input's first byte picks one, the rest is the string. Properties: a
 * refused string comes with a message; an accepted config is valid in its space, formats to a
 * string that parses back to the same config, and survives the dense index round trip. */
#include <stdint.h>
#include <string.h>

#include "schedules/space.h"
#include "tests/fuzz/fuzz_util.h"
#include "tuner/base/config.h"

#define MAX_SPACES 128

static qt_space spaces[MAX_SPACES];
static int n_spaces;

static void load_spaces(void) {
  static const char *const targets[] = {"host", "cortex-a76"};
  qt_err err = {0};
  qt_model m;
  if (qt_model_load(QT_SOURCE_DIR "/configs", "mobilenet_v2", &m, &err) < 0) {
    fprintf(stderr, "fuzz_config: %s\n", err.msg);
    abort();
  }
  for (int ti = 0; ti < 2; ti++) {
    qt_target t;
    if (qt_target_load(QT_SOURCE_DIR "/configs", targets[ti], &t, &err) < 0) {
      fprintf(stderr, "fuzz_config: %s\n", err.msg);
      abort();
    }
    for (int i = 0; i < m.n_tasks && n_spaces < MAX_SPACES; i++)
      if (qt_space_init(&spaces[n_spaces], &m.tasks[i].w, &t, &err) == 0) n_spaces++;
  }
  qt_model_free(&m);
  if (n_spaces == 0) abort();
}

static int same_config(const qt_config *a, const qt_config *b) {
  return a->tpl == b->tpl && memcmp(a->vals, b->vals, sizeof(int) * (size_t)a->tpl->n_knobs) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!n_spaces) load_spaces();
  if (size < 1) return 0;
  const qt_space *s = &spaces[data[0] % n_spaces];
  char *str = fuzz_cstr(data + 1, size - 1);
  if (!str) return 0;
  qt_config c;
  qt_err err = {0};
  int rc = qt_config_parse(s, str, &c, &err);
  if (rc < 0) {
    fuzz_check_refusal(rc, &err);
  } else {
    char why[256];
    FUZZ_ASSERT(qt_space_valid(s, &c, why, sizeof why), "accepted '%s', invalid: %s", str, why);
    char canon[QT_KNOBS_MAX];
    FUZZ_ASSERT(qt_config_format(&c, canon, sizeof canon) >= 0, "cannot format '%s'", str);
    qt_config back;
    FUZZ_ASSERT(qt_config_parse(s, canon, &back, &err) == 0 && same_config(&c, &back),
                "'%s' formats to '%s', which parses to another config (%s)", str, canon,
                err.msg);
    uint64_t index = qt_space_encode(s, &c);
    FUZZ_ASSERT(index < qt_space_size(s), "'%s' has index %llu of %llu", str,
                (unsigned long long)index, (unsigned long long)qt_space_size(s));
    FUZZ_ASSERT(qt_space_decode(s, index, &back) == 0 && same_config(&c, &back),
                "'%s' does not survive the index round trip", canon);
  }
  free(str);
  return 0;
}
