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
# not command...: succeeds when the command fails (for `check "..." not grep -q ...`).
not() { ! "$@"; }
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
}
# in_workdir NAME: cd into a fresh /tmp/qtune-NAME-XXXXXX ($work), removed when the test exits.
in_workdir() {
  work=$(mktemp -d "/tmp/qtune-$1-XXXXXX")
  trap 'rm -rf "$work"' EXIT
  cd "$work" || exit 1
}
# targets_configs SRC: a configs/ folder in the current directory with the shipped targets and
# an empty models/.
targets_configs() {
  mkdir -p configs/models
  cp -r "$1/configs/targets" configs/
}
# tiny_configs SRC [dw_again]: a configs/ folder in the current directory with the shipped
# targets and a model `tiny` of two small layers (a 3x3 depthwise and a 1x1 conv, two distinct
# workloads); with dw_again, a third layer repeating the first (same workload).
tiny_configs() {
  targets_configs "$1"
  {
    echo "model: tiny"
    echo "layers:"
    echo "  - {name: dw, op: depthwise_conv2d, role: dw, in_h: 10, in_w: 10, in_c: 24, out_c: 24, kh: 3, kw: 3, stride_h: 1, stride_w: 1, pad_top: 1, pad_left: 1, pad_bottom: 1, pad_right: 1, dilation: 1, depth_multiplier: 1, out_h: 10, out_w: 10, macs: 21600}"
    echo "  - {name: pw, op: conv2d, role: project, in_h: 10, in_w: 10, in_c: 24, out_c: 16, kh: 1, kw: 1, stride_h: 1, stride_w: 1, pad_top: 0, pad_left: 0, pad_bottom: 0, pad_right: 0, dilation: 1, depth_multiplier: 1, out_h: 10, out_w: 10, macs: 38400}"
    if [ "${2:-}" = dw_again ]; then
      echo "  - {name: dw_again, op: depthwise_conv2d, role: dw, in_h: 10, in_w: 10, in_c: 24, out_c: 24, kh: 3, kw: 3, stride_h: 1, stride_w: 1, pad_top: 1, pad_left: 1, pad_bottom: 1, pad_right: 1, dilation: 1, depth_multiplier: 1, out_h: 10, out_w: 10, macs: 21600}"
    fi
  } > configs/models/tiny.yaml
}
