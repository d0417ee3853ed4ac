#!/bin/bash
# test_cortexm_harness.sh — the bare-metal Cortex-M harness on qemu's MPS2 boards, through the
# exec wrapper, built with the target files' own flags (configs/targets/cortex-m4.yaml, -m7):
# - a depthwise variant prints an ok result line whose checksum equals the host harness's
#   for the same workload and seed, and whose times are instruction counts that repeat
#   exactly from run to run (qemu -icount);
# - --verify works, bad arguments give reason=args and exit 1, the command line passes
#   through (a seed changes the checksum);
# - a variant that faults (illegal instruction, write to an unmapped address) prints
#   reason=fault and exits 1, without hanging;
# - the wrapper passes exit statuses through and refuses an unknown machine.
# Usage: test_cortexm_harness.sh <repo root>
set -u
ROOT=$1
K=$ROOT/kernels
RUN=$K/harness/cortexm/qt-mps2-run
FX=$ROOT/tests/kernels/fixtures
for tool in arm-none-eabi-gcc qemu-system-arm cc; do
  command -v $tool >/dev/null || { echo "FAIL: $tool not installed (scripts/install-deps.sh)"; exit 1; }
done
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# field <target yaml> <key>: a scalar field's value (quotes removed).
field() { sed -n "s/^$2: *//p" "$1" | sed 's/^"\(.*\)"$/\1/'; }

DW="-DQT_SHAPE_FIXED -DQT_SHAPE_OP=1 -DQT_SHAPE_DTYPE=0 -DQT_SHAPE_REQUANT=0 -DQT_SHAPE_N=1
 -DQT_SHAPE_IN_H=9 -DQT_SHAPE_IN_W=9 -DQT_SHAPE_IN_C=5 -DQT_SHAPE_OUT_H=5 -DQT_SHAPE_OUT_W=5
 -DQT_SHAPE_OUT_C=5 -DQT_SHAPE_KH=3 -DQT_SHAPE_KW=3 -DQT_SHAPE_SH=2 -DQT_SHAPE_SW=2
 -DQT_SHAPE_DH=1 -DQT_SHAPE_DW=1 -DQT_SHAPE_PT=1 -DQT_SHAPE_PL=1 -DQT_SHAPE_PB=1
 -DQT_SHAPE_PR=1 -DQT_SHAPE_DM=1 -DQT_KNOB_ISA=0"

# The host harness's line for the same workload: the checksum every board must print.
# shellcheck disable=SC2086
cc -O2 -std=c11 -ffp-contract=off -I"$K/include" -I"$K/harness" $DW "$K/harness/qt_harness_posix.c" \
  "$K/harness/qt_harness_core.c" "$K/harness/qt_harness_shape.c" "$K/harness/qt_datagen.c" \
  "$K/reference/qt_conv.c" "$K/templates/dwconv.c" -o "$WORK/host" || { echo "FAIL: host build"; exit 1; }
host_line=$("$WORK/host" --check-only --seed 5)
want=$(echo "$host_line" | sed -n 's/.*checksum=\([0-9a-f]*\).*/\1/p')
[ -n "$want" ] || bad "host harness printed no checksum: $host_line"

for target in cortex-m4 cortex-m7; do
  Y=$ROOT/configs/targets/$target.yaml
  cflags=$(field "$Y" cflags)
  ldflags=$(field "$Y" ldflags)
  ld=$(field "$Y" linker_script)
  machine=$(field "$Y" emulator | awk '{print $2}')
  shell_srcs=$(sed -n 's/^harness: *\[\(.*\)\]/\1/p' "$Y" | tr -d ',')
  srcs=""
  for s in $shell_srcs; do srcs="$srcs $K/$s"; done
  # build <artifact> <template> <extra defines/sources...>
  build() {
    out=$1 tpl=$2
    shift 2
    # shellcheck disable=SC2086
    arm-none-eabi-gcc $cflags -std=c11 -ffp-contract=off -I"$K/include" -I"$K/harness" "$@" \
      $srcs "$K/harness/qt_harness_core.c" "$K/harness/qt_harness_shape.c" \
      "$K/harness/qt_datagen.c" "$K/reference/qt_conv.c" "$tpl" -T"$K/$ld" $ldflags \
      -o "$WORK/$out" 2>"$WORK/$out.log" || { bad "$target: build $out"; cat "$WORK/$out.log"; }
  }
  # shellcheck disable=SC2086
  build dw-$target "$K/templates/dwconv.c" $DW -DQT_HARNESS_VERIFY "$K/reference/qt_ref.c"
  line=$("$RUN" "$machine" "$WORK/dw-$target" --seed 5 --repeat 3 --verify 2>"$WORK/err")
  rc=$?
  echo "$target: $line"
  [ $rc = 0 ] || bad "$target: exit $rc: $(cat "$WORK/err")"
  echo "$line" | grep -Eq "^QTRESULT 1 status=ok checksum=$want number=1 repeat=3 times_ns=[0-9]+,[0-9]+,[0-9]+$" ||
    bad "$target: line '$line', want checksum $want (host)"
  times=$(echo "$line" | sed -n 's/.*times_ns=//p')
  again=$("$RUN" "$machine" "$WORK/dw-$target" --seed 5 --repeat 3 --verify 2>/dev/null | sed -n 's/.*times_ns=//p')
  [ "$times" = "$again" ] || bad "$target: instruction counts differ between runs: $times vs $again"
  t1=${times%%,*}
  [ "${t1:-0}" -gt 0 ] || bad "$target: zero count $times"
  other=$("$RUN" "$machine" "$WORK/dw-$target" --check-only --seed 6 2>/dev/null)
  [ "$other" != "QTRESULT 1 status=ok checksum=$want" ] && echo "$other" | grep -q status=ok ||
    bad "$target: --seed 6 gave '$other' (the command line did not pass through?)"
  line=$("$RUN" "$machine" "$WORK/dw-$target" --repeat 0 2>/dev/null)
  rc=$?
  [ $rc = 1 ] && echo "$line" | grep -q "^QTRESULT 1 status=error reason=args detail=" ||
    bad "$target: --repeat 0 gave exit $rc, '$line'"

  # shellcheck disable=SC2086
  build ill-$target "$FX/crash_template.c" -DQT_FIXTURE_SIGILL $DW "$K/reference/qt_ref.c"
  line=$("$RUN" "$machine" "$WORK/ill-$target" --check-only 2>/dev/null)
  rc=$?
  echo "$target: $line"
  [ $rc = 1 ] && echo "$line" | grep -Eq "^QTRESULT 1 status=error reason=fault detail=(HardFault|UsageFault)_pc_0x[0-9a-f]{8}_cfsr_0x[0-9a-f]{8}$" ||
    bad "$target: illegal instruction gave exit $rc, '$line'"
  # A store to 0xF0000000, where the MPS2 has nothing mapped.
  cat >"$WORK/unmapped.c" <<'C'
#define QT_FIXTURE_AFTER_RUN(output, bytes) (*(volatile unsigned *)0xF0000000u = 1)
#include "ident_template.c"
C
  # shellcheck disable=SC2086
  build bus-$target "$WORK/unmapped.c" -I"$FX" $DW "$K/reference/qt_ref.c"
  line=$("$RUN" "$machine" "$WORK/bus-$target" --check-only 2>/dev/null)
  rc=$?
  echo "$target: $line"
  [ $rc = 1 ] && echo "$line" | grep -Eq "^QTRESULT 1 status=error reason=fault detail=(HardFault|BusFault)_pc_0x" ||
    bad "$target: unmapped store gave exit $rc, '$line'"
done

# The wrapper: exit statuses pass through; an unknown machine or a missing image is refused.
cat >"$WORK/exit3.c" <<'C'
int main(void) { return 3; }
C
Y=$ROOT/configs/targets/cortex-m4.yaml
# shellcheck disable=SC2046,SC2086
arm-none-eabi-gcc $(field "$Y" cflags) "$WORK/exit3.c" "$K/harness/cortexm/qt_startup_cm.c" \
  "$K/harness/cortexm/qt_semihost_cm.c" -I"$K/harness" -I"$K/include" -T"$K/$(field "$Y" linker_script)" \
  $(field "$Y" ldflags) -o "$WORK/exit3" || bad "build exit3"
"$RUN" mps2-an386 "$WORK/exit3" 2>/dev/null
rc=$?
[ $rc = 3 ] || bad "wrapper: exit status $rc, want 3"
"$RUN" mps2-an999 "$WORK/exit3" 2>"$WORK/err"
rc=$?
[ $rc = 2 ] && grep -q "unknown machine 'mps2-an999'" "$WORK/err" || bad "wrapper: unknown machine: $rc $(cat "$WORK/err")"
"$RUN" mps2-an386 "$WORK/missing" 2>"$WORK/err"
rc=$?
[ $rc = 2 ] && grep -q "cannot read the image" "$WORK/err" || bad "wrapper: missing image: $rc $(cat "$WORK/err")"

if [ $fails -ne 0 ]; then
  echo "test_cortexm_harness: $fails failure(s)"
  exit 1
fi
echo "test_cortexm_harness: ok"
