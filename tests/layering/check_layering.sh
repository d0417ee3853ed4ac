#!/bin/sh
# check_layering.sh CMAKE BUILD_DIR SOURCE_DIR VERDICT:TARGET:HEADER...
# Builds every layering probe: an allowed include must compile, a forbidden one must fail
# because the header cannot be found (any other failure is a broken probe, not a proof).
# Then checks that host code never climbs out of its folder with a relative include, the one
# way around the include views.
set -u
cmake=$1 build=$2 src=$3
shift 3
fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for probe in "$@"; do
  verdict=${probe%%:*}
  rest=${probe#*:}
  target=${rest%%:*}
  header=${rest#*:}
  if "$cmake" --build "$build" --target "$target" >"$log" 2>&1; then
    if [ "$verdict" = forbidden ]; then
      echo "FAIL: $target: forbidden include $header compiled"
      fail=1
    else
      echo "ok: $target: $header compiles"
    fi
  elif [ "$verdict" = allowed ]; then
    echo "FAIL: $target: allowed include $header does not compile:"
    cat "$log"
    fail=1
  elif grep -q "$header: No such file or directory" "$log"; then
    echo "ok: $target: $header refused ($(grep -m1 -o "fatal error: $header: No such file or directory" "$log"))"
  else
    echo "FAIL: $target: $header failed for another reason than the layering:"
    cat "$log"
    fail=1
  fi
done

# Relative includes that leave the including file's folder.
if grep -rn '#include "\.\./' "$src/tuner" "$src/db" "$src/schedules" --include='*.c' --include='*.h'; then
  echo "FAIL: host code includes through ../ (include the header by its layer path)"
  fail=1
else
  echo "ok: no relative includes out of a folder in tuner/, db/, schedules/"
fi
exit $fail
