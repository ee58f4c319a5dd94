#!/usr/bin/env bash
# Data-parallel training on a Slurm cluster: srun starts one ebtvid per task, and the tasks train
# as one over MPI (Open MPI's PMIx support in srun), each on its part of every batch.
#
#   sbatch --nodes=4 docs/slurm-train.sh CLIPS_DIR MODEL.safetensors [train options...]
#
# One task per node, with two cores each for ebtvid's two half-batches side by side (--threads 2,
# the default). Process 0 validates and writes MODEL.safetensors and MODEL.last.safetensors on the
# shared file system; `--resume` continues a run exactly, with the same --nodes and --threads.
# ebtvid must be built with MPI (`make setup-mpi`, then build) on the cluster's Open MPI.
#SBATCH --job-name=ebtvid-train
#SBATCH --ntasks-per-node=1
#SBATCH --cpus-per-task=2
#SBATCH --time=02:00:00
set -euo pipefail
EBTVID=${EBTVID:-ebtvid}
clips=${1:?usage: sbatch docs/slurm-train.sh CLIPS_DIR MODEL.safetensors [train options...]}
model=${2:?usage: sbatch docs/slurm-train.sh CLIPS_DIR MODEL.safetensors [train options...]}
shift 2
# The global batch is cut over every task's threads, so it must be at least tasks × threads.
# Without Slurm: mpirun -np 4 ebtvid train CLIPS --out MODEL ... does the same on one machine.
srun --mpi=pmix "$EBTVID" train "$clips" --out "$model" --threads "${SLURM_CPUS_PER_TASK:-2}" "$@"
