#!/bin/sh
# run_fuzzer.sh <harness binary> <name> [libFuzzer options...]: runs one harness of
# tests/fuzz/ over its seeds (seeds/<name>) and regression inputs (regressions/<name>), with
# new inputs going to a temporary corpus (the repository's directories are only read). Exit
# status: libFuzzer's (non-zero on a crash, a leak or a broken property, whose input libFuzzer
# saves as crash-* in the current directory). Used by the smoke tests and scripts/fuzz-long.sh;
# QT_FUZZ_CORPUS=<dir> keeps the grown corpus there instead.
set -eu
bin=$1
name=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/qtfuzz-$name.XXXXXX")
# The YAML harnesses rewrite one file per input: on tmpfs, not a disk file system whose
# rewrite-by-truncate heuristics (ext4's auto_da_alloc) flush it on every close, ~40x slower.
files=$work
if [ -d /dev/shm ] && [ -w /dev/shm ]; then files=$(mktemp -d "/dev/shm/qtfuzz-$name.XXXXXX"); fi
trap 'rm -rf "$work" "$files"' EXIT
corpus=${QT_FUZZ_CORPUS:-$work/corpus}
mkdir -p "$corpus"
set -- "$@" -max_len=4096 -timeout=30 "$corpus" "$here/seeds/$name"
[ -d "$here/regressions/$name" ] && set -- "$@" "$here/regressions/$name"
# TMPDIR for the harnesses' own files (fuzz_util.h), removed with the rest.
TMPDIR=$files "$bin" "$@"
