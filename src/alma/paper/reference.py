"""The paper's published numbers and how far a reproduction may sit from them.

Reference tables live in ``tests/reference/paper/<table>.csv`` in the same shape as the reproduced
tables (index ``key``, a label column, number columns; an empty cell means "not published"), and
``tests/reference/paper/tolerances.yaml`` says, per metric kind, the absolute (and optionally relative)
tolerance and why. LLM-judged metrics are noisy, so the tolerances are in metric units (0.15 on a
0-10 score), not float epsilons. The directory is passed in, never assumed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from alma.paper.tables import read_table

TOLERANCES_FILE = "tolerances.yaml"


@dataclass(frozen=True)
class Tolerance:
    """How far a reproduced number may be from the published one: ``|diff| <= atol + rtol * |published|``."""

    atol: float
    """Absolute tolerance in the metric's own unit."""
    rtol: float = 0.0
    """Relative tolerance (fraction of the published value)."""
    why: str = ""
    """Where the number comes from (noise of the metric, the paper's own rounding)."""

    def bound(self, published: float) -> float:
        """The largest allowed absolute difference for this published value."""
        return self.atol + self.rtol * abs(published)


@dataclass(frozen=True)
class Tolerances:
    """Per-metric tolerances and which metric each table (or table column) reports."""

    metrics: Mapping[str, Tolerance]
    """Metric kind -> tolerance, e.g. ``score_0_10``, ``judge_accuracy``."""
    tables: Mapping[str, str]
    """Table name (the CSV stem) -> metric kind of its cells."""
    columns: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Optional per-column overrides: table -> column -> metric kind."""

    def for_cell(self, table: str, column: str) -> Tolerance:
        """Tolerance of one cell.

        Raises:
            KeyError: the table has no metric in the tolerances file (a reference table nobody can check).
        """
        metric = self.columns.get(table, {}).get(column) or self.tables.get(table)
        if metric is None:
            raise KeyError(f"{TOLERANCES_FILE} names no metric for table {table!r}; add it under 'tables:'")
        return self.metrics[metric]


def load_tolerances(path: Path) -> Tolerances:
    """Read and validate a tolerances YAML file.

    Args:
        path: ``tests/reference/paper/tolerances.yaml`` or a file of the same shape::

            metrics: {score_0_10: {atol: 0.15, why: "..."}, ...}
            tables: {table1: score_0_10, ...}
            columns: {table2_judge: {"RewardBench Avg": judge_accuracy}}   # optional

    Returns:
        The parsed :class:`Tolerances`.
    """
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    metrics = {}
    for name, spec in (doc.get("metrics") or {}).items():
        if not isinstance(spec, dict) or "atol" not in spec:
            raise ValueError(f"{path}: metric {name!r} needs an 'atol'")
        atol, rtol = float(spec["atol"]), float(spec.get("rtol", 0.0))
        if not (math.isfinite(atol) and atol >= 0 and math.isfinite(rtol) and rtol >= 0):
            raise ValueError(f"{path}: metric {name!r} has a negative or non-finite tolerance")
        metrics[name] = Tolerance(atol=atol, rtol=rtol, why=str(spec.get("why", "")))
    tables = {str(k): str(v) for k, v in (doc.get("tables") or {}).items()}
    columns = {str(t): {str(c): str(m) for c, m in cols.items()} for t, cols in (doc.get("columns") or {}).items()}
    used = set(tables.values()) | {m for cols in columns.values() for m in cols.values()}
    if unknown := sorted(used - set(metrics)):
        raise ValueError(f"{path}: tables refer to undefined metrics {', '.join(unknown)}")
    return Tolerances(metrics=metrics, tables=tables, columns=columns)


def load_reference(reference_dir: Path) -> dict[str, pd.DataFrame]:
    """Every published table under ``reference_dir``, by name (the CSV stem): tables, then figures' data.

    Args:
        reference_dir: a directory of ``<table>.csv`` files.

    Returns:
        ``{table name: table}`` with index ``key``.
    """
    paths = sorted(Path(reference_dir).glob("*.csv"), key=lambda p: (not p.stem.startswith("table"), p.stem))
    if not paths:
        raise ValueError(f"no reference tables (*.csv) in {reference_dir}")
    return {path.stem: read_table(path) for path in paths}
