#!/usr/bin/env bash
# The Snakemake head of a Slurm run, as a Slurm job of its own: long, CPU-only, one core. It only
# submits and watches the rule jobs, so it must outlive them, not compute. From the repository root:
#   sbatch --partition="${ALMA_CPU_PARTITION:-cpu}" workflow/scripts/submit-head.sh config/paper.yaml
# Arguments are what follows `snakemake --profile profiles/slurm --configfile` (config files, then
# any other Snakemake options). After the head dies (time limit, node failure, scancel), submit the
# same command again: the lock the dead head left is removed (`alma unlock-stale`, which refuses
# while a head of this directory is alive) and the profile's --rerun-incomplete redoes its
# half-written outputs; finished jobs are kept.
#SBATCH --job-name=alma-head
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
#SBATCH --mem=8G
#SBATCH --time=7-00:00:00
#SBATCH --output=%x-%j.out
set -euo pipefail

if [[ $# -lt 1 ]]; then
    echo "usage: sbatch workflow/scripts/submit-head.sh <configfile>... [snakemake options]" >&2
    exit 2
fi
cd "${SLURM_SUBMIT_DIR:-.}"
if [[ -d .venv/bin ]]; then
    export PATH="$PWD/.venv/bin:$PATH"
fi

# A head on another node is invisible to alma unlock-stale (it reads this node's /proc): ask Slurm.
if [[ -n "${SLURM_JOB_ID:-}" ]]; then
    others=$(squeue --me --noheader --states=RUNNING --name="${SLURM_JOB_NAME:-alma-head}" --format="%A %Z" |
        awk -v me="$SLURM_JOB_ID" -v dir="$PWD" '$1 != me && $2 == dir {print $1}')
    if [[ -n "$others" ]]; then
        echo "submit-head: head job(s) $others already run in $PWD; not starting a second one" >&2
        exit 1
    fi
fi

alma unlock-stale -- --profile profiles/slurm --configfile "$@"
exec snakemake --profile profiles/slurm --configfile "$@"
