#!/bin/bash
# sweep_hvx.sh SRC WORKDIR [TEMPLATE] — builds sweep_hvx.c with every variant of the hvx
# group of tests/kernels/<TEMPLATE>_variants.def (TEMPLATE gemm, the default, or dwconv) for
# the hexagon-hvx target (its compiler and flags, read from configs/targets/hexagon-hvx.yaml,
# as tune builds) and runs it under qemu-hexagon; for gemm then also requant_hvx.c, the HVX
# fixed-point requantization against its oracle lane by lane.
# The variants get runtime shapes (no QT_SHAPE_FIXED), as in the other kernel tests.
set -euo pipefail
SRC=$1
WORK=$2
TEMPLATE=${3:-gemm}
case $TEMPLATE in
  gemm) DWCONV=0 ;;
  dwconv) DWCONV=1 ;;
  *) echo "sweep_hvx: template '$TEMPLATE' is neither gemm nor dwconv" >&2; exit 2 ;;
esac
rm -rf "$WORK"
mkdir -p "$WORK"
yaml=$SRC/configs/targets/hexagon-hvx.yaml
field() { sed -n "s/^$1: *\"\{0,1\}\([^\"]*\)\"\{0,1\}\$/\1/p" "$yaml"; }
CC=$(field compiler)
read -r -a CFLAGS <<<"$(field cflags)"
read -r -a LDFLAGS <<<"$(field ldflags)"
EMU=$(field emulator)
RT=$SRC/kernels/harness/hexagon
INC=(-I"$RT" -I"$SRC/kernels/include" -I"$SRC/kernels/harness" -I"$SRC/kernels/templates"
     -I"$SRC/tests/kernels")

# KNOBS(...) order and the hvx lines of the one variant list
def=$SRC/tests/kernels/${TEMPLATE}_variants.def
read -r -a knobs <<<"$(sed -n 's/^KNOBS(\(.*\)).*/\1/p' "$def" | tr -d ' ' | tr ',' ' ')"
objs=()
list=""
while IFS= read -r line; do
  read -r -a f <<<"$(echo "$line" | sed 's/^VARIANT(\(.*\)).*/\1/' | tr -d ' ' | tr ',' ' ')"
  prefix=${f[1]}
  defs=(-DQT_FN_PREFIX="$prefix")
  for i in "${!knobs[@]}"; do defs+=(-DQT_KNOB_${knobs[$i]}="${f[$((i + 2))]}"); done
  "$CC" "${CFLAGS[@]}" -std=c11 -ffp-contract=off "${INC[@]}" "${defs[@]}" \
    -c "$SRC/kernels/templates/$TEMPLATE.c" -o "$WORK/$prefix.o"
  # each variant runs the vrmpy micro-kernel, not its C twin
  llvm-objdump-14 -d --mcpu=hexagonv67 --mattr=+hvxv66,+hvx-length128b "$WORK/$prefix.o" \
    >"$WORK/$prefix.dis"
  if ! grep -q 'vrmpy(v[0-9]*\.ub,v[0-9]*\.b)' "$WORK/$prefix.dis"; then
    echo "sweep_hvx: no vrmpy u8 x s8 in $prefix: it compiled its C twin" >&2
    exit 1
  fi
  objs+=("$WORK/$prefix.o")
  list="$list X($prefix)"
done < <(grep '^VARIANT(hvx,' "$def")
if [ ${#objs[@]} -eq 0 ]; then
  echo "sweep_hvx: no hvx variants in $def" >&2
  exit 1
fi
lib=()
for f in "$SRC"/kernels/reference/qt_ref.c "$SRC"/kernels/reference/qt_conv.c \
         "$SRC"/kernels/harness/qt_datagen.c "$RT"/qt_hexagon_rt.c "$RT"/qt_hexagon_builtins.c; do
  o=$WORK/$(basename "$f" .c).o
  "$CC" "${CFLAGS[@]}" -std=c11 -ffp-contract=off "${INC[@]}" -c "$f" -o "$o"
  lib+=("$o")
done
"$CC" "${CFLAGS[@]}" -std=c11 -ffp-contract=off "${INC[@]}" "-DHVX_VARIANTS(X)=$list" \
  -DHVX_DWCONV=$DWCONV \
  -c "$SRC/tests/kernels/hexagon/sweep_hvx.c" -o "$WORK/sweep_hvx.o"
"$CC" "${CFLAGS[@]}" "${LDFLAGS[@]}" "$WORK/sweep_hvx.o" "${objs[@]}" "${lib[@]}" \
  -o "$WORK/sweep_hvx"
# the image runs the HVX requantization, not its twin
llvm-objdump-14 -d --mcpu=hexagonv67 --mattr=+hvxv66,+hvx-length128b "$WORK/sweep_hvx" \
  >"$WORK/sweep_hvx.dis"
if ! grep -q 'vmpye(v[0-9]*\.w,v[0-9]*\.uh)' "$WORK/sweep_hvx.dis"; then
  echo "sweep_hvx: no vmpye in the image: fixed-point requantization compiled its C twin" >&2
  exit 1
fi
"$EMU" "$WORK/sweep_hvx"
[ "$TEMPLATE" = gemm ] || exit 0

"$CC" "${CFLAGS[@]}" -std=c11 "${INC[@]}" -c "$SRC/tests/kernels/hexagon/requant_hvx.c" \
  -o "$WORK/requant_hvx.o"
rt=()
for o in "${lib[@]}"; do case $o in */qt_hexagon_*.o) rt+=("$o") ;; esac; done
"$CC" "${CFLAGS[@]}" "${LDFLAGS[@]}" "$WORK/requant_hvx.o" "${rt[@]}" -o "$WORK/requant_hvx"
"$EMU" "$WORK/requant_hvx"
