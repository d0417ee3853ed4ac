#!/usr/bin/env bash
# test_import.sh TUNE MODEL_COMPARE FLATC SCHEMA PYTHON SRC [FLIPS] — `tune import` end to end:
#  - MobileNetV2-shaped .tflite files (int8 per-channel and uint8 per-tensor), built by flatc
#    from the JSON gen_tflite.py writes from configs/models/mobilenet_v2.yaml, import into a
#    model file whose layer table equals mobilenet_v2.yaml's and whose `quant` equals what
#    gen_tflite.py computed independently from TFLite's definitions;
#  - tuning two layers of the imported file passes the bit-exact check with those parameters
#    (and the harness was built with them);
#  - truncated, byte-flipped and semantically unsupported files give one clear error line,
#    exit 1, never a crash, and leave --out untouched; usage errors exit 2. FLIPS (default
#    200) byte-flipped files are tried; the sanitizer tree tries fewer (each import costs it
#    four times as long), its libFuzzer harness fuzz_import covering that parser under ASan.
set -u
TUNE=$1
COMPARE=$2
FLATC=$3
SCHEMA=$4
PYTHON=$5
SRC=$6
FLIPS=${7:-200}
. "$SRC/tests/e2e/lib.sh"
in_workdir import
targets_configs "$SRC"

# --- the round trip -------------------------------------------------------------------------
"$PYTHON" "$SRC/tests/import/gen_tflite.py" "$SRC/configs/models/mobilenet_v2.yaml" gen
"$PYTHON" "$SRC/tests/import/gen_tflite.py" "$SRC/configs/models/mobilenet_v2.yaml" gen --dtype u8
"$FLATC" -b -o gen "$SCHEMA" gen/mobilenet_v2.json gen/mobilenet_v2_u8.json
check "flatc built both .tflite files" [ -s gen/mobilenet_v2.tflite -a -s gen/mobilenet_v2_u8.tflite ]

"$TUNE" import gen/mobilenet_v2.tflite --out configs/models/mnv2_tfl.yaml > out.txt 2> err.txt
check "import exits 0" [ $? -eq 0 ]
check "import says what it wrote" grep -q "^wrote configs/models/mnv2_tfl.yaml: 52 convolution layers from the 69 operators of subgraph 0$" out.txt
check "nothing on stderr" [ ! -s err.txt ]
"$COMPARE" configs/models/mnv2_tfl.yaml "$SRC/configs/models/mobilenet_v2.yaml" --ignore-quant > cmp.txt
check "the layer table equals mobilenet_v2.yaml's (names, roles, shapes)" [ $? -eq 0 ]
cat cmp.txt
"$COMPARE" configs/models/mnv2_tfl.yaml gen/expected/mobilenet_v2.yaml > cmp.txt
check "quant equals TFLite's, computed independently (int8, per channel)" [ $? -eq 0 ]
cat cmp.txt
check "every layer has its own quant" [ "$(grep -c '^     quant: {input_zp: ' configs/models/mnv2_tfl.yaml)" -eq 52 ]

"$TUNE" import gen/mobilenet_v2_u8.tflite --out configs/models/mnv2_u8.yaml > out.txt 2> err.txt
check "uint8 import exits 0" [ $? -eq 0 ]
check "uint8 model says dtype u8" grep -q '^dtype: u8$' configs/models/mnv2_u8.yaml
"$COMPARE" configs/models/mnv2_u8.yaml gen/expected/mobilenet_v2_u8.yaml > cmp.txt
check "quant equals TFLite's (uint8, per tensor)" [ $? -eq 0 ]
cat cmp.txt

# --- tuning the imported file ---------------------------------------------------------------
common=(--configs configs --cache-dir cache --repeat 2 --measure warm --min-repeat-ms 1 --confirm 0)
"$TUNE" --model mnv2_tfl --layers block1_dw,block1_project --trials 2 --db t.db "${common[@]}" \
  > tune.txt 2> tune_err.txt
check "tuning the imported model exits 0" [ $? -eq 0 ]
check "4 measurements" [ "$(sqlite3 t.db 'SELECT count(*) FROM measurements')" -eq 4 ]
check "all ok: the kernels match the reference on the model's own parameters" \
  [ "$(sqlite3 t.db "SELECT count(*) FROM measurements WHERE status = 'ok'")" -eq 4 ]
check "the harness was built with the two layers' parameters" [ "$(ls cache/quant-*.h | wc -l)" -eq 2 ]
check "block1_dw's header holds its 96 multipliers" \
  grep -q "qt_harness_given_multiplier\[96\]" cache/quant-*.h
"$TUNE" --model mnv2_u8 --layers block2_dw --trials 2 --db u.db "${common[@]}" > /dev/null 2>&1
check "uint8 imported model tunes, all ok" \
  [ "$(sqlite3 u.db "SELECT count(*) FROM measurements WHERE status = 'ok'")" -eq 2 ]
sqlite3 t.db "SELECT status, error FROM measurements WHERE status != 'ok'" | head -5
tail -5 tune_err.txt

# --- bad input: one clear line, exit 1, no crash, --out untouched ----------------------------
cp configs/models/mnv2_tfl.yaml keep.yaml
expect_fail() { # expect_fail "what" "message part" FILE
  "$TUNE" import "$3" --out configs/models/mnv2_tfl.yaml --force > /dev/null 2> e.txt
  local rc=$?
  check "$1: exit 1 (got $rc)" [ $rc -eq 1 ]
  local clear=0
  [ "$(wc -l < e.txt)" -eq 1 ] && grep -q "^tune: import $3: " e.txt && grep -qF -- "$2" e.txt &&
    clear=1
  check "$1: one line naming the file: $(head -c 300 e.txt)" [ $clear -eq 1 ]
  check "$1: --out untouched" cmp -s keep.yaml configs/models/mnv2_tfl.yaml
}
size=$(stat -c %s gen/mobilenet_v2.tflite)
for cut in 0 3 7 8 16 64 1000 $((size / 2)) $((size - 100)) $((size - 1)); do
  head -c "$cut" gen/mobilenet_v2.tflite > cut.tflite
  if [ "$cut" -lt 8 ]; then msg="too short for a flatbuffer"; else msg="does not verify"; fi
  expect_fail "truncated at $cut of $size bytes" "$msg" cut.tflite
done
cp gen/mobilenet_v2.tflite id.tflite
printf 'XXXX' | dd of=id.tflite bs=1 seek=4 conv=notrunc 2>/dev/null
expect_fail "wrong file identifier" 'is not "TFL3"' id.tflite
cp gen/mobilenet_v2.tflite root.tflite
printf '\377\377\377\177' | dd of=root.tflite bs=1 seek=0 conv=notrunc 2>/dev/null
expect_fail "root offset out of the file" "does not verify" root.tflite

# Byte flips all over the file: each must give exit 0 (a flip in data the importer does not
# read, or one that still makes a valid model) or exit 1 with one "tune: import" line; a
# signal (exit >= 128) or any other status is a failure.
flips_ok=0
flips_refused=0
flips_bad=0
mkdir -p flip
for i in $(seq 0 $((FLIPS - 1))); do
  off=$(( (i * 2654435761) % size ))
  cp gen/mobilenet_v2.tflite flip.tflite
  printf "\\$(printf '%03o' $(( (i * 37 + 101) % 256 )))" | dd of=flip.tflite bs=1 seek="$off" conv=notrunc 2>/dev/null
  "$TUNE" import flip.tflite --out flip/flip.yaml --force > /dev/null 2> e.txt
  rc=$?
  if [ $rc -eq 0 ]; then
    flips_ok=$((flips_ok + 1))
  elif [ $rc -eq 1 ] && [ "$(wc -l < e.txt)" -eq 1 ] && grep -q '^tune: ' e.txt; then
    flips_refused=$((flips_refused + 1))
  else
    flips_bad=$((flips_bad + 1))
    echo "flip at $off: exit $rc: $(cat e.txt)"
  fi
done
echo "byte flips: $flips_ok imported, $flips_refused refused with one line, $flips_bad other"
check "$FLIPS byte flips: no crash, no unclear error" [ "$flips_bad" -eq 0 ]
check "byte flips: some refused" [ "$flips_refused" -gt 0 ]

# Well-formed files that qtune cannot express, each refused naming the operator.
edit() { # edit OUT.tflite PYTHON-STATEMENTS (on m = the model JSON)
  local out=$1
  "$PYTHON" - "$2" <<'EOF'
import json, sys
m = json.load(open("gen/mobilenet_v2.json"))
g = m["subgraphs"][0]
ops, tensors = g["operators"], g["tensors"]
exec(sys.argv[1])
json.dump(m, open("edited.json", "w"))
EOF
  "$FLATC" -b "$SCHEMA" edited.json && mv edited.tflite "$out"
}
edit float.tflite 'for t in tensors: t["type"] = "FLOAT32"'
expect_fail "a float model" "operator 0 (CONV_2D): input tensor 'conv0_input' is FLOAT32" float.tflite
edit tanh.tflite 'ops[1]["builtin_options"]["fused_activation_function"] = "TANH"'
expect_fail "a TANH activation" "operator 1 (DEPTHWISE_CONV_2D): fused activation 4" tanh.tflite
edit opcode.tflite 'ops[2]["opcode_index"] = 9'
expect_fail "an opcode index out of range" "operator 2: opcode_index 9 is out of range" opcode.tflite
edit tensor.tflite 'ops[0]["inputs"][1] = 100000'
expect_fail "a tensor index out of range" "operator 0: filter tensor index 100000 is out of range" tensor.tflite
edit options.tflite 'ops[0]["builtin_options_type"] = "DepthwiseConv2DOptions"; ops[0]["builtin_options"]["depth_multiplier"] = 1'
expect_fail "options of the wrong type" "operator 0 (CONV_2D): its options are missing or not Conv2DOptions" options.tflite
edit dil.tflite 'ops[1]["builtin_options"]["dilation_h_factor"] = 2'
expect_fail "dilation differing per axis" "dilation 2x1 differs per axis" dil.tflite
edit shape.tflite 'tensors[ops[0]["outputs"][0]]["shape"][1] = 111'
expect_fail "an output shape SAME does not give" "output tensor is 1x111x112x32, but SAME padding" shape.tflite
edit zp.tflite 'tensors[ops[0]["inputs"][1]]["quantization"]["zero_point"][3] = 5'
expect_fail "an int8 filter zero point" "has zero point 5 at 3" zp.tflite
edit scales.tflite 'tensors[ops[0]["inputs"][1]]["quantization"]["scale"] = [0.1, 0.2]'
expect_fail "a filter with 2 scales for 32 channels" "has 2 scales, expected 1 or one per output channel (32)" scales.tflite
edit relu6.tflite 'tensors[ops[0]["outputs"][0]]["quantization"]["scale"] = [1e-30]'
expect_fail "RELU6 bounds beyond int32" "the fused activation's bounds overflow int32" relu6.tflite
edit huge.tflite 'tensors[ops[0]["inputs"][0]]["shape"] = [1, 2000000000, 2000000000, 3]; tensors[ops[0]["outputs"][0]]["shape"] = [1, 1000000000, 1000000000, 32]'
expect_fail "a shape whose MACs overflow" "too many multiply-accumulates" huge.tflite
edit noconv.tflite 'g["operators"] = [o for o in ops if o["opcode_index"] == 2]'
expect_fail "no convolution" "no CONV_2D or DEPTHWISE_CONV_2D operator in subgraph 0" noconv.tflite

"$TUNE" import missing.tflite --out x.yaml 2> e.txt
check "a missing file: exit 1, named" bash -c "[ $? -eq 1 ] && grep -q \"cannot open 'missing.tflite'\" e.txt"
"$TUNE" import gen/mobilenet_v2.tflite --out configs/models/mnv2_tfl.yaml 2> e.txt
check "an existing --out without --force: exit 1" bash -c "[ $? -eq 1 ] && grep -q 'exists; pass --force' e.txt"
"$TUNE" import gen/mobilenet_v2.tflite --out nodir/x.yaml 2> e.txt
check "--out in a missing directory: exit 1, named" \
  bash -c "[ $? -eq 1 ] && grep -q '^tune: cannot write nodir/x.yaml: .*No such file or directory' e.txt"
"$TUNE" import gen/mobilenet_v2.tflite --out noext 2> e.txt
check "--out without .yaml: exit 1" bash -c "[ $? -eq 1 ] && grep -q 'expected <dir>/<model name>.yaml' e.txt"
"$TUNE" import gen/mobilenet_v2.tflite 2> e.txt
check "no --out: usage, exit 2" [ $? -eq 2 ]
"$TUNE" import gen/mobilenet_v2.tflite --out a.yaml --bogus 2> e.txt
check "unknown option: exit 2" [ $? -eq 2 ]
"$TUNE" import --help > h.txt
check "--help names --out and --force" bash -c "grep -q -- '--out F' h.txt && grep -q -- '--force' h.txt"
check "no temporary directories left" [ -z "$(find . -name '.qtune-import.*')" ]
finish
