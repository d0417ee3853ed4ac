/* test_shard.c — the shard of a task (qt_task_shard, tune --shard): FNV-1a 64 of the workload
 * key as the FNV specification defines it (offset basis 0xcbf29ce484222325, prime
 * 0x100000001b3, computed here independently), mod N, plus 1; every shard index lies in 1..N,
 * N = 1 puts everything in shard 1, and MobileNetV2's 30 workloads split over N shards with
 * each in exactly one of them. The split is what hosts of different qtune builds must agree
 * on, so it is checked against the definition, not against the implementation. */
#include <stdint.h>

#include "tests/qt_test.h"
#include "tuner/base/config.h"
#include "tuner/loop/tune.h"

static uint64_t fnv1a64(const char *s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 0x100000001b3ULL;
  }
  return h;
}

int main(void) {
  const char *keys[] = {
      "dwconv:s8:fixedpoint:n1:i112x112x32:o112x112x32:k3x3:s1x1:d1x1:p1,1,1,1:m1",
      "conv2d:s8:fixedpoint:n1:i10x10x24:o10x10x16:k1x1:s1x1:d1x1:p0,0,0,0:m1",
      "conv2d:u8:fp32:n1:i224x224x3:o112x112x32:k3x3:s2x2:d1x1:p0,0,1,1:m1",
  };
  for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
    CHECK_EQ_INT(qt_task_shard(keys[k], 1), 1);
    for (int n = 2; n <= 64; n++) {
      int s = qt_task_shard(keys[k], n);
      CHECK_MSG(s == (int)(fnv1a64(keys[k]) % (uint64_t)n) + 1, "%s mod %d: shard %d", keys[k],
                n, s);
    }
  }

  qt_model m;
  qt_err err;
  int rc = qt_model_load(QT_SOURCE_DIR "/configs", "mobilenet_v2", &m, &err);
  CHECK_MSG(rc == 0, "load mobilenet_v2: %s", rc ? err.msg : "");
  if (rc == 0) {
    for (int n = 1; n <= 7; n++) {
      int in_shards = 0, nonempty = 0;
      for (int i = 1; i <= n; i++) {
        int here = 0;
        for (int t = 0; t < m.n_tasks; t++) here += qt_task_shard(m.tasks[t].key, n) == i;
        in_shards += here;
        nonempty += here > 0;
      }
      CHECK_EQ_INT(in_shards, m.n_tasks);
      CHECK_MSG(nonempty == n, "%d of %d shards hold a workload of MobileNetV2", nonempty, n);
    }
    qt_model_free(&m);
  }
  return qt_test_finish();
}
