"""Time and peak memory of building the DAG (`snakemake -n`) for the paper and mini configs.

    python benchmarks/orchestration.py

The paper config has ~7,900 jobs (2,000 synthesis shards, 2,900 sampling and 2,900 scoring jobs);
the target is under 30 s on a 2-core laptop. Writes results/bench/orchestration.csv.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time

from bench_results import write_results

CONFIGS = {"paper": "config/paper.yaml", "mini": "config/config.yaml"}


def main() -> None:
    rows = []
    for name, configfile in CONFIGS.items():
        start = time.perf_counter()
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "snakemake",
                "-n",
                "--forceall",
                "--cores",
                "1",
                "--configfile",
                configfile,
                "--quiet",
                "rules",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        seconds = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        jobs = proc.stdout.split("total")[-1].split()[0] if "total" in proc.stdout else "?"
        rows.append([name, jobs, round(seconds, 2), round(peak_mb)])
        print(
            f"snakemake -n {configfile}: {jobs} jobs in {seconds:.1f} s, peak RSS {peak_mb:.0f} MB "
            f"(target < 30 s: ratio {seconds / 30:.2f})"
        )
    write_results("orchestration", ["config", "jobs", "seconds", "peak_rss_mb"], rows)


if __name__ == "__main__":
    main()
