"""Reproduced tables vs the paper's published numbers, cell by cell, within per-metric tolerances.

Only cells the paper published are compared; a published cell that the reproduction lacks (table not
built, row or column absent, NaN) is reported as failed, so a strict check cannot pass by producing
less. At mini scale the numbers cannot match the paper (a tiny model, an oracle instead of GPT-4o), so
``strict=False`` reports the same comparison without failing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from alma.paper.reference import TOLERANCES_FILE, load_reference, load_tolerances
from alma.paper.tables import read_table
from alma.records import atomic_path

REPORT_COLUMNS = ("table", "row", "column", "reproduced", "published", "diff", "tolerance", "ok")


def _number(table: pd.DataFrame | None, row: str, column: str) -> float:
    if table is None or row not in table.index or column not in table.columns:
        return math.nan
    value = pd.to_numeric(pd.Series([table.at[row, column]]), errors="coerce").iloc[0]
    return math.nan if pd.isna(value) else float(value)


def check(
    reproduced_dir: Path, reference_dir: Path, strict: bool, tables: Sequence[str] | None = None
) -> tuple[pd.DataFrame, bool]:
    """Compare every published cell with its reproduced counterpart.

    Args:
        reproduced_dir: directory of reproduced ``<table>.csv`` files (``results/<run>/paper/tables``).
        reference_dir: ``tests/reference/paper`` (reference CSVs and ``tolerances.yaml``).
        strict: True (paper scale): the check passes only if every published cell is within tolerance.
            False (mini scale): report only; the check always passes.
        tables: restrict to these reference tables (e.g. skip ablations that were not run); None = all.

    Returns:
        (report, passed). The report has one row per published cell, columns exactly ``table, row,
        column, reproduced, published, diff, tolerance, ok`` (diff = reproduced - published; rounded to
        4 decimals), in reference order.
    """
    reference = load_reference(Path(reference_dir))
    tolerances = load_tolerances(Path(reference_dir) / TOLERANCES_FILE)
    if tables is not None:
        if unknown := sorted(set(tables) - set(reference)):
            raise ValueError(f"no reference table named {', '.join(unknown)} in {reference_dir}")
        reference = {name: reference[name] for name in tables}
    rows = []
    for name, published_table in reference.items():
        path = Path(reproduced_dir) / f"{name}.csv"
        reproduced_table = read_table(path) if path.exists() else None
        # The first column is the row label (it may look numeric, like Table 6's round number).
        columns = published_table.columns[1:]
        numeric = [c for c in columns if pd.api.types.is_numeric_dtype(published_table[c])]
        for row in published_table.index:
            for column in numeric:
                published = published_table.at[row, column]
                if pd.isna(published):
                    continue
                tolerance = tolerances.for_cell(name, column).bound(float(published))
                reproduced = _number(reproduced_table, row, column)
                diff = reproduced - float(published)
                rows.append(
                    {
                        "table": name,
                        "row": row,
                        "column": column,
                        "reproduced": round(reproduced, 4),
                        "published": float(published),
                        "diff": round(diff, 4),
                        "tolerance": tolerance,
                        # A small epsilon so that a diff equal to the tolerance in decimal is not lost to binary.
                        "ok": bool(abs(diff) <= tolerance + 1e-9),
                    }
                )
    report = pd.DataFrame(rows, columns=list(REPORT_COLUMNS))
    passed = bool(report["ok"].all()) if strict else True
    return report, passed


def summarize(report: pd.DataFrame, strict: bool) -> str:
    """One line per table plus a verdict, for the terminal and the workflow log."""
    lines = []
    for name, group in report.groupby("table", sort=False):
        missing = int(group["reproduced"].isna().sum())
        worst = group["diff"].abs().max()
        worst_text = "n/a" if pd.isna(worst) else f"{worst:.3f}"
        lines.append(
            f"{name}: {int(group['ok'].sum())}/{len(group)} cells within tolerance"
            f" (largest |diff| {worst_text}; {missing} not reproduced)"
        )
    within = int(report["ok"].sum())
    verdict = "PASS" if within == len(report) else ("FAIL" if strict else "REPORT ONLY (not strict)")
    lines.append(f"{verdict}: {within}/{len(report)} published numbers reproduced within tolerance")
    return "\n".join(lines)


def write_report(report: pd.DataFrame, path: Path) -> None:
    """Write the cell-by-cell report as CSV atomically."""
    with atomic_path(path) as handle:
        report.to_csv(handle, index=False, float_format="%.4f", lineterminator="\n")
