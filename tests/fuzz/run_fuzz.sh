#!/usr/bin/env bash
# run_fuzz.sh FUZZER FLATC SCHEMA PYTHON SRC RUNS — runs the inputs of tests/fuzz/regress
# (earlier findings, as hex), then seeds a corpus with a small generated
# .tflite (gen_tflite.py on a two-layer model, flatc -b) and runs the importer's fuzzer for a
# fixed number of inputs (-runs, -seed: the same inputs every time; no time limit). Exit 0 if
# libFuzzer found nothing; a crash, leak or sanitizer report fails. Exit 77 (skipped) when the
# fuzzer could not be built here (no clang with libFuzzer).
set -u
FUZZER=$1 FLATC=$2 SCHEMA=$3 PYTHON=$4 SRC=$5 RUNS=$6
if [ ! -x "$FUZZER" ]; then
  echo "skipped: no fuzzer binary (clang with libFuzzer not found at configure time)"
  exit 77
fi
. "$SRC/tests/e2e/lib.sh"
in_workdir fuzz
mkdir -p models corpus
cat > models/small.yaml <<'YAML'
model: small
layers:
  - {name: dw, op: depthwise_conv2d, role: dw, in_h: 10, in_w: 10, in_c: 8, out_c: 8, kh: 3, kw: 3, stride_h: 2, stride_w: 2, pad_top: 0, pad_left: 0, pad_bottom: 1, pad_right: 1, dilation: 1, depth_multiplier: 1, out_h: 5, out_w: 5, macs: 1800}
  - {name: pw, op: conv2d, role: project, in_h: 5, in_w: 5, in_c: 8, out_c: 4, kh: 1, kw: 1, stride_h: 1, stride_w: 1, pad_top: 0, pad_left: 0, pad_bottom: 0, pad_right: 0, dilation: 1, depth_multiplier: 1, out_h: 5, out_w: 5, macs: 800}
YAML
"$PYTHON" "$SRC/tests/import/gen_tflite.py" models/small.yaml gen
"$PYTHON" "$SRC/tests/import/gen_tflite.py" models/small.yaml gen --dtype u8
"$FLATC" -b -o corpus "$SCHEMA" gen/small.json gen/small_u8.json || exit 1
# Inputs the fuzzer once found (hex text, so no binary is committed) must pass first.
mkdir -p regress
for h in "$SRC"/tests/fuzz/regress/*.hex; do
  "$PYTHON" -c 'import binascii, sys; open(sys.argv[2], "wb").write(binascii.unhexlify("".join(open(sys.argv[1]).read().split())))' \
    "$h" "regress/$(basename "$h" .hex)"
done
"$FUZZER" regress/* > regress.txt 2>&1
status=$?
grep -E "^Executed|runtime error|ERROR" regress.txt
if [ $status -ne 0 ]; then
  echo "a regression input fails (exit $status)"
  exit 1
fi
"$FUZZER" -runs="$RUNS" -seed=1 -max_len=8192 corpus 2>&1 | tail -5
status=${PIPESTATUS[0]}
echo "fuzzer exit status $status"
exit "$status"
