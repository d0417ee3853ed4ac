#!/usr/bin/env bash
# test_hexagon_harness.sh — the harness on Hexagon: its shell (kernels/harness/hexagon) with
# the portable core, built with hexagon-hvx's flags exactly as tune builds a variant
# (kernels/harness/README.md) against the fixture templates of tests/kernels, run under
# qemu-hexagon. The result lines are those of the POSIX shell (harness_test.sh): ok with
# times, --verify, --check-only, seeds, the timing options, wrong answers, bad arguments; the
# checksums are the host build's; --pin is refused; a crash is qemu's death by signal.
# Usage: test_hexagon_harness.sh <source dir>
set -u
SRC=$1
. "$SRC/tests/e2e/lib.sh"
. "$SRC/tests/hexagon/hexagon_flags.sh"
K=$SRC/kernels
FX=$SRC/tests/kernels/fixtures
in_workdir hexagon-harness
# DW (3x3 depthwise s8 fixedpoint) and PW (1x1 conv2d u8 fp32), as in harness_test.sh.
. "$FX/harness_shapes.sh"
SHELL_SOURCES="$HX_DIR/qt_harness_hexagon.c $HX_RT"

# build <artifact> <template.c> <defines...>: tune's one-step build with --verify built in.
build() {
  local out=$1 tpl=$2
  shift 2
  # shellcheck disable=SC2086 # flag lists split on purpose
  $HX_CC $HX_CFLAGS -std=c11 -ffp-contract=off -Wall -Wextra -Werror -Wno-unused-parameter \
    -I"$K/include" -I"$K/harness" -I"$HX_DIR" "$@" -DQT_HARNESS_VERIFY "$K/reference/qt_ref.c" \
    $SHELL_SOURCES "$K/harness/qt_harness_core.c" "$K/harness/qt_harness_shape.c" \
    "$K/harness/qt_datagen.c" "$K/reference/qt_conv.c" "$tpl" -o "$out" $HX_LDFLAGS 2> "$out.log"
  check "build $out for hexagon-hvx" [ $? -eq 0 ]
  cat "$out.log" >&2
}
# run <artifact> <args...>: $line (stdout) and $rc.
run() {
  local exe=$1
  shift
  line=$(qemu-hexagon "./$exe" "$@" 2> stderr.log)
  rc=$?
}
# expect <description> <rc> <extended regex for the whole of stdout>
expect() {
  check "$1: exit status $rc, want $2 (stdout: $line)" [ "$rc" = "$2" ]
  check "$1: one line matching $3 (got: $line)" \
    bash -c '[ "$(printf "%s\n" "$1" | wc -l)" = 1 ] && printf "%s\n" "$1" | grep -Eqx "$2"' _ "$line" "$3"
}
field() { printf '%s\n' "$line" | sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
HEX='[0-9a-f]{16}'

# shellcheck disable=SC2086
build ident "$FX/ident_template.c" $DW
# shellcheck disable=SC2086
build ident_pw "$FX/ident_template.c" $PW
# shellcheck disable=SC2086
build wrong "$FX/wrong_template.c" $DW
# shellcheck disable=SC2086
build segv "$FX/crash_template.c" $DW

# The host's checksums of the same fixtures (the generator and the reference are the same
# code): the Hexagon build must compute the same output bytes.
host_sum() {
  # shellcheck disable=SC2086
  cc -O2 -std=c11 -ffp-contract=off -I"$K/include" -I"$K/harness" $2 "$K/harness/qt_harness_posix.c" \
    "$K/harness/qt_harness_core.c" "$K/harness/qt_harness_shape.c" "$K/harness/qt_datagen.c" \
    "$K/reference/qt_conv.c" "$K/reference/qt_ref.c" "$FX/ident_template.c" -o "host-$1" &&
    "./host-$1" --check-only --seed "$3" | sed -n 's/.*checksum=\([0-9a-f]*\).*/\1/p'
}
host_dw=$(host_sum dw "$DW" 1)
host_pw=$(host_sum pw "$PW" 7)
check "host checksum of the depthwise fixture computed ($host_dw)" [ -n "$host_dw" ]
check "host checksum of the pointwise fixture computed ($host_pw)" [ -n "$host_pw" ]

run ident
expect "ok" 0 "QTRESULT 1 status=ok checksum=$HEX number=1 repeat=3 times_ns=[0-9]+,[0-9]+,[0-9]+"
sum1=$(field checksum)
check "dw checksum $sum1 is the host's $host_dw" [ "$sum1" = "$host_dw" ]
run ident --seed 1 --verify
expect "verify ok" 0 "QTRESULT 1 status=ok checksum=$sum1 number=1 repeat=3 times_ns=[0-9]+,[0-9]+,[0-9]+"
run ident --check-only
expect "check-only" 0 "QTRESULT 1 status=ok checksum=$sum1"
run ident --check-only --seed 0x2
expect "seed 2 (hex)" 0 "QTRESULT 1 status=ok checksum=$HEX"
check "seeds 1 and 2 give different checksums" [ "$(field checksum)" != "$sum1" ]
run ident_pw --verify --seed 7 --warmup 0 --number 2 --repeat 5 --flush-kb 64
expect "u8 fp32 conv2d, timing options" 0 \
  "QTRESULT 1 status=ok checksum=$HEX number=2 repeat=5 times_ns=([0-9]+,){4}[0-9]+"
check "pw checksum is the host's $host_pw" [ "$(field checksum)" = "$host_pw" ]
run ident --evict
expect "no eviction on this shell: refused, not faked" 1 "QTRESULT 1 status=error reason=args detail=--evict:_this_platform_cannot_evict"
run ident --min-repeat-ms 2 --repeat 2
expect "min-repeat-ms" 0 "QTRESULT 1 status=ok checksum=$sum1 number=[0-9]+ repeat=2 times_ns=[0-9]+,[0-9]+"
n=$(field number)
check "min-repeat-ms 2 grew number (number=$n)" [ "${n:-0}" -gt 1 ]
for t in $(field times_ns | tr ',' ' '); do
  check "min-repeat-ms 2: repeat of $t ns lasted at least 2 ms" [ "$t" -ge 2000000 ]
done

run wrong
expect "wrong without verify" 0 "QTRESULT 1 status=ok checksum=$HEX .*"
check "a wrong output changes the checksum" [ "$(field checksum)" != "$sum1" ]
run wrong --verify
expect "wrong answer" 2 "QTRESULT 1 status=wrong_answer detail=index_62_got_-?[0-9]+_want_-?[0-9]+"

run ident --bogus
expect "unknown argument" 1 "QTRESULT 1 status=error reason=args detail=unknown_argument_--bogus"
run ident --number 0
expect "number 0" 1 "QTRESULT 1 status=error reason=args detail=--number_needs_an_integer_in_\\[1,_1000000000\\],_got_0"
run ident --repeat 99999999999999999999
expect "out of range" 1 "QTRESULT 1 status=error reason=args detail=--repeat_needs_.*_got_99999999999999999999"
run ident --seed -3
expect "negative seed" 1 "QTRESULT 1 status=error reason=args detail=--seed_needs_.*"
run ident --pin 0
expect "no CPU pinning under qemu-user" 1 "QTRESULT 1 status=error reason=args detail=cannot_pin_to_cpu_0"

# No signal handler on this platform: the guest's SIGSEGV kills qemu-hexagon (128 + 11).
run segv
check "a null store dies of SIGSEGV (status $rc)" [ "$rc" = 139 ]
check "and prints no result line (got: $line)" [ -z "$line" ]
finish
