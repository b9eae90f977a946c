"""The standard-benchmark table: AlpacaEval 2.0 win rates and lm-eval metrics of every evaluated model.

One row per model (base, rounds, comparison model), in round order; columns ``AlpacaEval LC``
and ``AlpacaEval WR`` (percent, against the configured reference outputs) and one column per
lm-eval task with its headline metric (:data:`HEADLINE`, else the first non-stderr metric).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from alma.paper.curve import round_of
from alma.paper.tables import KEY, keyed_table, model_label

HEADLINE = ("acc_norm", "exact_match", "prompt_level_strict_acc", "acc")
"""lm-eval metrics, in order of preference, that stand for a task in the table."""


def headline_metric(metrics: dict[str, float]) -> tuple[str, float] | None:
    """The metric a task is summarised by (lm-eval filter suffixes such as ``,strict-match`` allowed)."""
    for name in HEADLINE:
        for key, value in metrics.items():
            if key == name or key.startswith(f"{name},"):
                return key, value
    rest = [(k, v) for k, v in metrics.items() if "stderr" not in k]
    return rest[0] if rest else None


def _order(model: str) -> tuple[int, str]:
    number = round_of(model)
    return (10**6 if number is None else number, model)


def standard_table(paths: Sequence[Path]) -> pd.DataFrame:
    """AlpacaEval and lm-eval result files (``eval/<model>/{alpacaeval,lmeval}.json``) -> one table."""
    rows: dict[str, dict[str, object]] = {}
    for path in paths:
        doc = json.loads(Path(path).read_text())
        model = doc.get("model") or Path(path).parent.name
        row = rows.setdefault(model, {KEY: model, "Model": model_label(model)})
        if doc.get("evaluator") == "lmeval":
            for task, metrics in sorted(doc["results"].items()):
                best = headline_metric(metrics)
                if best is not None:
                    row[f"{task} ({best[0].split(',')[0]})"] = best[1]
        else:
            row["AlpacaEval LC"] = doc.get("length_controlled_winrate")
            row["AlpacaEval WR"] = doc.get("win_rate")
    return keyed_table([rows[m] for m in sorted(rows, key=_order)], "Model")
