#!/bin/sh
# build_fuzz.sh CLANG CLANGXX SRC BUILD OUT — builds the libFuzzer target of the importer:
# tuner/import and the parts of tuner/base and the kernel library it calls (the reference, the
# quantizer, and datagen, from which the model loader draws a fused activation's parameters),
# all compiled by clang with -fsanitize=fuzzer,address,undefined (libFuzzer needs clang; the
# tree's own build may use another compiler), against the build tree's layer views and
# generated reader.
set -eu
CC=$1 CXX=$2 SRC=$3 BUILD=$4 OUT=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
flags="-g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -D_GNU_SOURCE"
inc="-I$BUILD/layers/import -I$BUILD/layers/base -I$SRC/kernels/include -I$SRC/kernels/harness -I$BUILD/tuner/import/gen"
objs=""
for f in tuner/import/import.c tuner/base/error.c tuner/base/status.c tuner/base/workload.c \
         tuner/base/target.c tuner/base/config.c kernels/reference/qt_conv.c \
         kernels/reference/qt_quantize.c kernels/harness/qt_datagen.c tests/fuzz/fuzz_import.c; do
  o="$tmp/$(echo "$f" | tr / _).o"
  $CC -std=c11 $flags $inc -c "$SRC/$f" -o "$o"
  objs="$objs $o"
done
$CXX -std=c++14 -fno-exceptions $flags $inc -c "$SRC/tuner/import/tflite_read.cc" -o "$tmp/read.o"
$CXX -fsanitize=fuzzer,address,undefined $objs "$tmp/read.o" -o "$OUT" $(pkg-config --libs yaml-0.1) -lm
