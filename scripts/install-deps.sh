#!/bin/sh
# install-deps.sh — installs what qtune needs to build, test and cross-compile, from Debian's
# packages; idempotent (installs only what is missing, so a second run is fast and offline).
# Usage: scripts/install-deps.sh [--peers]   (--peers adds XNNPACK and oneDNN for bench/)
# clang-14 and libclang-rt-14-dev: libFuzzer and clang's sanitizer runtimes, for the fuzz
# harnesses of tests/fuzz (GCC has no libFuzzer).
set -eu

# flatbuffers-compiler, libflatbuffers-dev: `tune import` reads .tflite files with flatc's
# generated C++ reader and flatbuffers' verifier (header-only), and its tests build .tflite
# files from JSON with flatc. clang-14, libclang-rt-14-dev: tests/fuzz builds the importer's
# libFuzzer target (skipped without them).
# chromium: tests/report renders `tune report`'s page headless and checks the console.
# bsdutils (script): tests/e2e/test_progress runs `tune` on a pty to check the live line.
# distcc: distributed builds (tune --cc-wrapper distcc) and its test, which runs its own distccd
# gcc-arm-none-eabi, libnewlib-arm-none-eabi, qemu-system-arm: the bare-metal Cortex-M targets
# (cortex-m4, cortex-m7) build with them and run on qemu's emulated MPS2 boards.
# clang-14, lld, qemu-user (qemu-hexagon): target hexagon-hvx is built freestanding with
# clang-14 --target=hexagon, linked with ld.lld, and run under qemu-hexagon. llvm-14
# (llvm-objdump-14): tests/kernels/hexagon/sweep_hvx.sh checks that the hvx images hold vrmpy.
pkgs="build-essential cmake pkg-config python3 libsqlite3-dev sqlite3 libyaml-dev libssh2-1-dev libxgboost-dev \
gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user openssh-server openssh-client iproute2 \
flatbuffers-compiler libflatbuffers-dev clang-14 libclang-rt-14-dev chromium bsdutils distcc lld llvm-14 \
gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm"
if [ "${1:-}" = "--peers" ]; then
  pkgs="$pkgs libxnnpack-dev libdnnl-dev"
fi

missing=""
for p in $pkgs; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
if [ -z "$missing" ]; then
  echo "install-deps: everything is installed"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
echo "install-deps: installing$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
