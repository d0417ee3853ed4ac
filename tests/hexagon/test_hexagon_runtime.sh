#!/usr/bin/env bash
# test_hexagon_runtime.sh — the Hexagon runtime (kernels/harness/hexagon) against glibc:
# rt_check.c built for the host and for hexagon-hvx (the target's own flags, the runtime,
# run under qemu-hexagon) must print the same lines (formatting with every conversion and
# %f at any magnitude, parsing with its errors, memory and string functions, 20000 integer
# and 20000 IEEE divisions through the runtime's __hexagon_* helpers, frexp and round),
# write the same stderr and exit with the same status.
# Usage: test_hexagon_runtime.sh <source dir>
set -u
SRC=$1
. "$SRC/tests/e2e/lib.sh"
. "$SRC/tests/hexagon/hexagon_flags.sh"
in_workdir hexagon-rt
# shellcheck disable=SC2086 # flag lists split on purpose
$HX_CC $HX_CFLAGS -std=c11 -Wall -Wextra -Werror -I"$HX_DIR" "$SRC/tests/hexagon/rt_check.c" \
  $HX_RT -o rt-hexagon $HX_LDFLAGS 2> build-hexagon.log
check "rt_check builds for hexagon-hvx with the runtime" [ $? -eq 0 ]
cat build-hexagon.log >&2
cc -std=c11 -O2 -Wall -Wextra -Werror -ffp-contract=off "$SRC/tests/hexagon/rt_check.c" \
  -o rt-host -lm 2> build-host.log
check "rt_check builds for the host" [ $? -eq 0 ]
cat build-host.log >&2
./rt-host > host.out 2> host.err
host_rc=$?
qemu-hexagon ./rt-hexagon > hexagon.out 2> hexagon.err
hexagon_rc=$?
check "host exit status 3 (got $host_rc)" [ "$host_rc" = 3 ]
check "hexagon exit status 3 through exit(93) (got $hexagon_rc)" [ "$hexagon_rc" = 3 ]
check "rt_check printed its lines ($(wc -l < host.out) on the host)" [ "$(wc -l < host.out)" -gt 3000 ]
check "every line as glibc's" diff host.out hexagon.out
check "stderr as glibc's" diff host.err hexagon.err
check "ends with done" [ "$(tail -n 1 hexagon.out)" = done ]
finish
