#!/bin/bash
# tune-slurm-array.sh — tune one model across a Slurm job array: array task k tunes shard k of
# N (`tune --shard`), each into its own log on node-local disk (SQLite logs must not live on a
# network file system while written), copied to $QTUNE_RESULTS when done. Merge afterwards:
#
#   jid=$(sbatch --parsable --array=1-4 scripts/tune-slurm-array.sh)
#   sbatch --dependency=afterok:$jid --wrap "tune merge tuning.db $QTUNE_RESULTS/shard-*.db"
#
# Settings (environment): QTUNE_MODEL (default mobilenet_v2), QTUNE_TARGET (default host),
# QTUNE_RESULTS (shared directory for the finished logs, default ./qtune-shards), QTUNE_ARGS
# (more tune options, e.g. "--budget 400 --boards boards.yaml"), TUNE (the tune command).
# The array's indices may start at 0 or 1: shard = index - min + 1, N = the array's size.
#SBATCH --job-name=qtune
#SBATCH --cpus-per-task=4
#SBATCH --output=qtune-%A_%a.out
set -eu
: "${SLURM_ARRAY_TASK_ID:?run this as a Slurm array job (sbatch --array=1-N ...)}"
min=${SLURM_ARRAY_TASK_MIN:-1}
count=${SLURM_ARRAY_TASK_COUNT:?SLURM_ARRAY_TASK_COUNT is not set}
shard=$((SLURM_ARRAY_TASK_ID - min + 1))
results=${QTUNE_RESULTS:-qtune-shards}
local_dir=$(mktemp -d "${TMPDIR:-/tmp}/qtune-shard-XXXXXX")
trap 'rm -rf "$local_dir"' EXIT
mkdir -p "$results"
# shellcheck disable=SC2086 # QTUNE_ARGS is a list of options
${TUNE:-tune} --model "${QTUNE_MODEL:-mobilenet_v2}" --target "${QTUNE_TARGET:-host}" \
  --shard "$shard/$count" --db "$local_dir/shard.db" ${QTUNE_ARGS:-}
# The log is closed (checkpointed) when tune exits: the .db file alone is the whole log.
cp "$local_dir/shard.db" "$results/shard-$shard-of-$count.db.tmp"
mv "$results/shard-$shard-of-$count.db.tmp" "$results/shard-$shard-of-$count.db"
