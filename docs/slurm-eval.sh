#!/usr/bin/env bash
# Sharded batch evaluation on a Slurm cluster: one array task per shard, each on its own node or
# core, then one merge job that starts once every shard has finished.
#
#   sbatch docs/slurm-eval.sh CLIPS_DIR OUT_DIR [SHARDS]
#
# It submits itself again as the array (`--shard-task`) and the merge (`--merge`); the clips,
# the model and ebtvid must be visible from every node (a shared file system). Extra eval
# options (--model, --baseline, --horizon, ...) go in EVAL_OPTIONS, the same for every shard.
#SBATCH --job-name=ebtvid-eval
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
#SBATCH --time=00:10:00
set -euo pipefail
EBTVID=${EBTVID:-ebtvid}
EVAL_OPTIONS=${EVAL_OPTIONS:-}

case "${1:-}" in
  --shard-task)
    # One array task: shard SLURM_ARRAY_TASK_ID of SHARDS, into its own folder.
    clips=$2 out=$3 shards=$4
    # shellcheck disable=SC2086
    exec "$EBTVID" eval "$clips" $EVAL_OPTIONS --shard "$SLURM_ARRAY_TASK_ID/$shards" --out "$out/shard-$SLURM_ARRAY_TASK_ID"
    ;;
  --merge)
    out=$2 shards=$3
    exec "$EBTVID" eval merge $(for i in $(seq 0 $((shards - 1))); do echo "$out/shard-$i"; done) --out "$out"
    ;;
esac

clips=${1:?usage: sbatch docs/slurm-eval.sh CLIPS_DIR OUT_DIR [SHARDS]}
out=${2:?usage: sbatch docs/slurm-eval.sh CLIPS_DIR OUT_DIR [SHARDS]}
shards=${3:-8}
script=$(readlink -f "${BASH_SOURCE[0]}")
mkdir -p "$out"
# Each shard uses one core: its BLAS and its thinking bands stay on it.
array=$(sbatch --parsable --array=0-$((shards - 1)) --cpus-per-task=1 --export=ALL,OPENBLAS_NUM_THREADS=1 \
        --output="$out/shard-%a.log" "$script" --shard-task "$clips" "$out" "$shards")
# afterok: the merge runs only when every shard succeeded (a failing clip is recorded, not a failure).
sbatch --parsable --dependency=afterok:"$array" --output="$out/merge.log" "$script" --merge "$out" "$shards"
echo "submitted shards as job $array and their merge after it; results in $out/results.csv, summary.json, report.html"
