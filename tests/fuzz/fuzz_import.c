/* fuzz_import.c — libFuzzer target of the .tflite importer: any byte string goes through
 * qt_tflite_to_model (flatbuffers' Verifier, the reader, TFLite's semantics, the model file
 * writer). It must return 0 or a negative code with a message, never crash, leak or trip
 * ASan/UBSan. Built with clang -fsanitize=fuzzer,address,undefined by build_fuzz.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tuner/import/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FILE *out = tmpfile();
  if (!out) abort();
  qt_err err = {0};
  qt_import_summary s;
  int rc = qt_tflite_to_model(data, size, "fuzz", "fuzz.tflite", out, &s, &err);
  /* A refusal must say why: an empty message would be an unclear error. */
  if (rc != 0 && err.msg[0] == '\0') abort();
  if (rc == 0 && s.n_layers <= 0) abort();
  fclose(out);
  return 0;
}
