"""How the prompt clustering scales: time and peak memory of ``alma.diversify.cluster_embeddings``.

    python benchmarks/kmeans_scale.py [--sizes 10000 100000 1000000] [--dim 256] [--ratio 100]

Each size runs in a fresh process (so peak RSS is that size's alone) on synthetic embeddings: a
seeded mixture of Gaussian blobs at the configured hidden size (the mini base: 256; Llama-3-8B:
4096), clustered into size/ratio clusters (the paper: 100M prompts into 1M clusters, ratio 100).
Prints seconds, peak RSS and the growth exponent b of time ~ n^b (least squares on log-log), and
writes results/bench/kmeans_scale.csv. The plan for 10^8 prompts is in config/README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys


def _one(size: int, dim: int, clusters: int, threads: int) -> dict:
    """Run one size in this process and return its measurements."""
    import os
    import resource
    import time

    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    import numpy as np

    from alma.diversify import cluster_embeddings

    rng = np.random.default_rng(0)
    centres = rng.normal(size=(max(1, clusters), dim)).astype(np.float32)
    rows = centres[rng.integers(0, len(centres), size=size)] + 0.3 * rng.normal(size=(size, dim)).astype(np.float32)
    start = time.perf_counter()
    labels = cluster_embeddings(rows, clusters, seed=0)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"size": size, "dim": dim, "clusters": clusters, "seconds": round(seconds, 2),
            "peak_rss_mb": round(peak_mb, 1), "clusters_used": int(len(set(labels.tolist())))}  # fmt: skip


def growth_exponent(sizes: list[int], seconds: list[float]) -> float:
    """Slope of log(seconds) against log(size)."""
    xs, ys = [math.log(s) for s in sizes], [math.log(max(t, 1e-6)) for t in seconds]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--dim", type=int, default=256)
    parser.add_argument("--ratio", type=int, default=100, help="prompts per cluster (paper: 100M / 1M)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(_one(args.one, args.dim, max(1, args.one // args.ratio), args.threads)))
        return
    rows = []
    for size in args.sizes:
        cmd = [sys.executable, __file__, "--one", str(size), "--dim", str(args.dim), "--ratio", str(args.ratio),
               "--threads", str(args.threads)]  # fmt: skip
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        row = json.loads(out.strip().splitlines()[-1])
        rows.append(row)
        print(f"n={size:>10,}  k={row['clusters']:>7,}  {row['seconds']:>8.2f} s  peak {row['peak_rss_mb']:>8.1f} MB")
    if len(rows) > 1:
        b = growth_exponent([r["size"] for r in rows], [r["seconds"] for r in rows])
        print(f"growth exponent (time ~ n^b, clusters = n/{args.ratio}): b = {b:.2f}")
        ratio = rows[-1]["seconds"] / rows[0]["seconds"]
        print(f"time ratio largest/smallest: {ratio:.1f}x for {rows[-1]['size'] / rows[0]['size']:.0f}x the rows")
    from bench_results import write_results

    header = ["size", "dim", "clusters", "seconds", "peak_rss_mb", "clusters_used"]
    write_results("kmeans_scale", header, [[r[h] for h in header] for r in rows])


if __name__ == "__main__":
    main()
