"""Measured compute from Snakemake ``benchmark:`` files: wall time, CPU hours and peak memory.

Every GPU or API rule declares ``benchmark: "benchmarks/<run>/<rule>/<wildcards>.tsv"``; Snakemake
writes one row per repeat with columns ``s, h:m:s, max_rss, max_vms, max_uss, max_pss, io_in, io_out,
mean_load, cpu_time`` (memory in MB, "-" or "NA" where not measured). The first path component under
the run's benchmark root is the rule; the round is read from a ``round<k>`` component of the rest of
the path. The result is the paper's compute table for free, and the numbers to replace the
throughput assumptions of :mod:`alma.paper.estimate`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

ROUND_PATTERN = re.compile(r"(?:^|[/_.-])round[_-]?(\d+)(?=$|[/_.-])")
ACCOUNTING_COLUMNS = ("level", "rule", "round", "jobs", "wall_hours", "cpu_hours", "peak_rss_mb")
NA_MARKERS = ["-", "NA", ""]


def round_from_path(relative: Path) -> int | None:
    """Round number named by a benchmark path (``train/round3.tsv`` -> 3), or None.

    Args:
        relative: the path below the rule's directory (wildcard directories and file name).

    Returns:
        The round, or None when no component names one (stages outside the rounds).
    """
    matches = ROUND_PATTERN.findall(relative.as_posix())
    return int(matches[-1]) if matches else None


def read_benchmark(path: Path) -> pd.DataFrame:
    """Read one Snakemake benchmark TSV (one row per repeat), with unmeasured fields as NaN."""
    table = pd.read_csv(path, sep="\t", na_values=NA_MARKERS, keep_default_na=False)
    missing = {"s", "max_rss", "cpu_time"} - set(table.columns)
    if missing or table.empty:
        raise ValueError(f"{path} is not a Snakemake benchmark file (missing {sorted(missing)} or no rows)")
    return table


def _summary(level: str, rule: str, round_: int | None, jobs: pd.DataFrame) -> dict[str, object]:
    return {
        "level": level,
        "rule": rule,
        "round": round_,
        "jobs": len(jobs),
        "wall_hours": jobs["wall_s"].sum() / 3600.0,
        "cpu_hours": jobs["cpu_s"].sum(min_count=1) / 3600.0,
        "peak_rss_mb": jobs["rss_mb"].max(),
    }


def compute_accounting(benchmark_tsvs: Sequence[Path], root: Path) -> pd.DataFrame:
    """Wall time, CPU hours and peak RSS per (rule, round), per rule, per round, and in total.

    Args:
        benchmark_tsvs: benchmark files, all under ``root``.
        root: the run's benchmark directory (``benchmarks/<run>``); the first component below it is the rule.

    Returns:
        Columns ``level, rule, round, jobs, wall_hours, cpu_hours, peak_rss_mb``. ``level`` is
        ``rule_round`` (one row per rule and round), ``rule`` (per rule over all rounds), ``round``
        (per round over all rules; rule ``*``) or ``total``. A job benchmarked with ``repeat()``
        counts once, with its mean wall and CPU time; its peak RSS is the maximum over repeats. Hours
        rounded to 4 decimals, RSS to 0.1 MB.
    """
    root = Path(root).resolve()
    records = []
    for path in map(Path, benchmark_tsvs):
        try:
            relative = path.resolve().relative_to(root)
        except ValueError:
            raise ValueError(f"benchmark file {path} is not under the benchmark root {root}") from None
        if len(relative.parts) < 2:
            raise ValueError(f"benchmark file {path} is not inside a rule directory of {root}")
        table = read_benchmark(path)
        records.append(
            {
                "rule": relative.parts[0],
                "round": round_from_path(Path(*relative.parts[1:])),
                "wall_s": table["s"].astype(float).mean(),
                "cpu_s": table["cpu_time"].astype(float).mean(),
                "rss_mb": table["max_rss"].astype(float).max(),
            }
        )
    if not records:
        raise ValueError("no benchmark files given")
    jobs = pd.DataFrame(records)
    jobs["round"] = jobs["round"].astype("Int64")
    # Stages outside the rounds have no round; -1 sorts them first without mixing NA into groupby keys.
    jobs["round_key"] = jobs["round"].fillna(-1).astype(int)
    rows = []
    for (rule, key), group in jobs.groupby(["rule", "round_key"], sort=True):
        rows.append(_summary("rule_round", rule, None if key < 0 else key, group))
    for rule, group in jobs.groupby("rule", sort=True):
        rows.append(_summary("rule", rule, None, group))
    for key, group in jobs[jobs["round_key"] >= 0].groupby("round_key", sort=True):
        rows.append(_summary("round", "*", key, group))
    rows.append(_summary("total", "*", None, jobs))
    result = pd.DataFrame(rows, columns=list(ACCOUNTING_COLUMNS))
    result["round"] = result["round"].astype("Int64")
    result[["wall_hours", "cpu_hours"]] = result[["wall_hours", "cpu_hours"]].astype(float).round(4)
    result["peak_rss_mb"] = result["peak_rss_mb"].astype(float).round(1)
    return result
