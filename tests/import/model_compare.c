/* model_compare A.yaml B.yaml [--ignore-quant] — loads two model files with the loader
 * (qt_model_load_file) and compares their layer tables: per layer the name, role and
 * canonical workload key (every shape field, dtype and scheme), and unless --ignore-quant the
 * layer's own quantization parameters (present in both or neither; every field and channel).
 * Prints each difference and "N layers equal"; exit 0 if equal, 1 if not, 2 if a file does
 * not load. Used by test_import.sh. */
#include <stdio.h>
#include <string.h>

#include "tuner/base/config.h"

static int quant_equal(const qt_quant_given *a, const qt_quant_given *b, const char *layer) {
  if (!a || !b) {
    if (a == b) return 1;
    printf("layer %s: quant in %s only\n", layer, a ? "the first" : "the second");
    return 0;
  }
  if (a->input_zp != b->input_zp || a->weight_zp != b->weight_zp ||
      a->output_zp != b->output_zp || a->act_min != b->act_min || a->act_max != b->act_max ||
      a->channels != b->channels) {
    printf("layer %s: zero points/clamp %d,%d,%d,%d..%d vs %d,%d,%d,%d..%d\n", layer,
           a->input_zp, a->weight_zp, a->output_zp, a->act_min, a->act_max, b->input_zp,
           b->weight_zp, b->output_zp, b->act_min, b->act_max);
    return 0;
  }
  for (int32_t c = 0; c < a->channels; c++)
    if (a->multiplier[c] != b->multiplier[c] || a->shift[c] != b->shift[c]) {
      printf("layer %s: channel %d: (%d, %d) vs (%d, %d)\n", layer, c, a->multiplier[c],
             a->shift[c], b->multiplier[c], b->shift[c]);
      return 0;
    }
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 3 || (argc == 4 && strcmp(argv[3], "--ignore-quant")) || argc > 4) {
    fprintf(stderr, "usage: model_compare A.yaml B.yaml [--ignore-quant]\n");
    return 2;
  }
  const int ignore_quant = argc == 4;
  qt_model a, b;
  qt_err err;
  if (qt_model_load_file(argv[1], &a, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    return 2;
  }
  if (qt_model_load_file(argv[2], &b, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    qt_model_free(&a);
    return 2;
  }
  int diff = 0;
  if (a.n_layers != b.n_layers) {
    printf("%d layers vs %d\n", a.n_layers, b.n_layers);
    diff++;
  }
  for (int i = 0; i < a.n_layers && i < b.n_layers; i++) {
    const qt_layer *x = &a.layers[i], *y = &b.layers[i];
    char kx[QT_KEY_MAX], ky[QT_KEY_MAX];
    qt_workload_key(&x->w, kx);
    qt_workload_key(&y->w, ky);
    if (strcmp(x->name, y->name) || strcmp(x->role, y->role) || strcmp(kx, ky)) {
      printf("layer %d: %s %s %s vs %s %s %s\n", i + 1, x->name, x->role, kx, y->name, y->role,
             ky);
      diff++;
    } else if (!ignore_quant && !quant_equal(x->w.quant, y->w.quant, x->name)) {
      diff++;
    }
  }
  if (!diff) printf("%d layers equal%s\n", a.n_layers, ignore_quant ? " (quant not compared)" : "");
  qt_model_free(&a);
  qt_model_free(&b);
  return diff ? 1 : 0;
}
