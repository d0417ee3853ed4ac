# lib.sh — assertions for the shell tests: each `check` counts a pass or prints the failure;
# `finish` prints "N passed, N failed" and exits non-zero on any failure.
passed=0
failed=0
check() { # check "description" command...
  local what=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $what" >&2
  fi
}
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
}
