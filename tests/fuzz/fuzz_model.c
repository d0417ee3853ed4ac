/* fuzz_model — libFuzzer harness of the model YAML loader (tuner/base/config.c), given the
 * input as the file fuzz.yaml (so the seeds, the project's models renamed, say "model: fuzz").
 * Properties: a refused file comes with a message; an accepted model has layers and tasks,
 * every layer's workload passes qt_workload_check and belongs to a task whose key parses back
 * to the same workload. */
#include <stdint.h>
#include <string.h>

#include "tests/fuzz/fuzz_util.h"
#include "tuner/base/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_write_file("fuzz.yaml", data, size);
  qt_model m;
  qt_err err = {0};
  int rc = qt_model_load_file(path, &m, &err);
  if (rc < 0) {
    fuzz_check_refusal(rc, &err);
    return 0;
  }
  FUZZ_ASSERT(m.n_layers > 0 && m.n_tasks > 0 && m.n_tasks <= m.n_layers, "%d layers, %d tasks",
              m.n_layers, m.n_tasks);
  for (int i = 0; i < m.n_layers; i++) {
    const qt_layer *l = &m.layers[i];
    FUZZ_ASSERT(qt_workload_check(&l->w, &err) == 0, "layer %s: %s", l->name, err.msg);
    FUZZ_ASSERT(l->task >= 0 && l->task < m.n_tasks, "layer %s in task %d", l->name, l->task);
    qt_workload back;
    FUZZ_ASSERT(qt_workload_parse(m.tasks[l->task].key, &back, &err) == 0, "task key %s: %s",
                m.tasks[l->task].key, err.msg);
    char key[QT_KEY_MAX];
    qt_workload_key(&l->w, key);
    FUZZ_ASSERT(strcmp(key, m.tasks[l->task].key) == 0, "layer %s is %s, its task %s", l->name,
                key, m.tasks[l->task].key);
  }
  qt_model_free(&m);
  return 0;
}
