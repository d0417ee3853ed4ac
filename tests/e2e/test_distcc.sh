#!/usr/bin/env bash
# test_distcc.sh — `--cc-wrapper distcc`: the same variants built locally and through a distccd
# this test starts on 127.0.0.1 (its own free port, --allow 127.0.0.1, its own log and pid in
# a temporary directory, stopped on exit) have the same cache names (the wrapper is not in the
# artifact key) and the same bytes (cmp), and distccd's log shows that every compile step was
# really compiled by it (DISTCC_FALLBACK=0: distcc may not quietly compile locally instead).
# The target is the host with explicit flags: distcc compiles -march=native locally (it would
# mean the server's CPU), see README.md.
set -u
TUNE=$1
SRC=$2
. "$(dirname "$0")/lib.sh"
if ! command -v distccd > /dev/null || ! command -v distcc > /dev/null; then
  echo "FAIL: distcc/distccd not found: install the Debian package 'distcc' (scripts/install-deps.sh)" >&2
  exit 1
fi
work=$(mktemp -d /tmp/qtune-distcc-XXXXXX)
daemon=
cleanup() {
  [ -n "$daemon" ] && kill "$daemon" 2> /dev/null && wait "$daemon" 2> /dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

mkdir -p configs
cp -r "$SRC/configs/targets" configs/
sed -e 's/^name: host$/name: dist/' -e 's/^cflags: .*/cflags: "-O3"/' configs/targets/host.yaml > configs/targets/dist.yaml
grep -q '^cflags: "-O3"$' configs/targets/dist.yaml || { echo "FAIL: cannot derive the test target" >&2; exit 1; }

# distccd drops root privileges to its own user: its log and pid go to a directory it can
# reach and write.
chmod 711 "$work"
mkdir -m 1777 d distcc-home
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
distccd --daemon --no-detach --allow 127.0.0.1 --listen 127.0.0.1 --port "$port" --jobs 2 \
  --log-file "$work/d/distccd.log" --log-level info --pid-file "$work/d/distccd.pid" &
daemon=$!
for _ in $(seq 50); do
  grep -q 'listening on' d/distccd.log 2> /dev/null && break
  sleep 0.1
done
check "distccd is listening" grep -q "listening on 127.0.0.1:$port" d/distccd.log
export DISTCC_HOSTS="127.0.0.1:$port/4" DISTCC_FALLBACK=0 DISTCC_DIR="$work/distcc-home"
check "distcc sees only the test's daemon" [ "$(distcc --show-hosts)" = "127.0.0.1:$port/4" ]

key='conv2d:s8:fixedpoint:n1:i10x10x24:o10x10x16:k1x1:s1x1:d1x1:p0,0,0,0:m1'
common=(--target dist --workload "$key" --configs configs --strategy grid --trials 3 --confirm 0 --repeat 1 --min-repeat-ms 0)
"$TUNE" "${common[@]}" --cache-dir c-local --db local.db > /dev/null 2> local.err
check "local build exits 0" [ $? -eq 0 ]
# --jobs above this machine's cores: the compiles run on distccd's slots.
"$TUNE" "${common[@]}" --cache-dir c-dist --db dist.db --cc-wrapper distcc --jobs 4 > /dev/null 2> dist.err
check "distcc build exits 0" [ $? -eq 0 ]

names() { (cd "$1" && ls ./*.bin ./*.o 2> /dev/null | sort); }
check "local build made artifacts" [ "$(names c-local | grep -c '\.bin$')" -ge 3 ]
check "same cache names with and without the wrapper" [ "$(names c-local)" = "$(names c-dist)" ]
same=0
differ=0
for f in $(names c-local); do
  if cmp -s "c-local/$f" "c-dist/$f"; then same=$((same + 1)); else differ=$((differ + 1)); echo "differs: $f" >&2; fi
done
check "every artifact and object has the same bytes" [ "$differ" -eq 0 ]
check "every artifact and object has the same bytes (2)" [ "$same" -gt 0 ]
bins=$(names c-dist | grep -c '\.bin$')
objs=$(names c-dist | grep -c '\.o$')
# Each variant is two compile steps (the shape harness and the template); each harness
# object one; the links run locally.
jobs=$(grep -c 'COMPILE_OK' d/distccd.log)
echo "distccd compiled $jobs sources for $bins artifacts and $objs harness objects"
check "distccd compiled every source" [ "$jobs" -eq $((2 * bins + objs)) ]
check "distccd refused nothing" [ "$(grep -c 'COMPILE_ERROR\|failed' d/distccd.log)" -eq 0 ]
check "the same measurements were recorded" [ "$(sqlite3 local.db 'SELECT source_hash, status FROM measurements ORDER BY id')" = "$(sqlite3 dist.db 'SELECT source_hash, status FROM measurements ORDER BY id')" ]

"$TUNE" "${common[@]}" --cache-dir c-x --db x.db --cc-wrapper no-such-wrapper-qtune > /dev/null 2> bad.err
rc=$?
check "a missing wrapper is an error" [ $rc -eq 1 ]
check "a missing wrapper is an error (2)" grep -q "compiler wrapper 'no-such-wrapper-qtune': no executable" bad.err
finish
