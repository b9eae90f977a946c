"""Tables 3-6: the ablations, one row (or column) per ablation run.

Each builder takes a mapping ``{variant key: round curve, or the evaluation files of that run}`` so
the workflow can wire any set of runs; rows keep the shape of :mod:`alma.paper.tables` (index
``key``, a label column, then numbers) so the same checker compares them with the paper.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from alma.paper.curve import CURVE_COLUMNS, average_by_round, build_round_curve, load_evaluations, round_of
from alma.paper.tables import (
    BENCHMARK_LABELS,
    KEY,
    evaluator_for,
    keyed_table,
    model_scores,
    ordered_benchmarks,
    style_of,
)

MTBENCH_CATEGORIES = {
    "coding": "Coding",
    "extraction": "Extraction",
    "humanities": "Humanities",
    "math": "Math",
    "reasoning": "Reasoning",
    "roleplay": "Roleplay",
    "stem": "STEM",
    "writing": "Writing",
}
VARIANT_LABELS = {
    "diversified": "Diversified prompts",
    "random": "Random prompts",
    "latest_two_sft": "Latest + two SFT",
    "latest_only": "Latest only",
    "two_sft": "Two SFT",
    "one_sft": "One SFT",
    "dpo": "DPO",
    "sft": "Best-of-N SFT",
    "n200_k50000": "N=200, K=50k",
    "n400_k25000": "N=400, K=25k",
    "n100_k100000": "N=100, K=100k",
    "n200_r10": "N=200, R=10",
    "n400_r5": "N=400, R=5",
    "n133_r15": "N=133, R=15",
}
"""Display labels of the ablation keys used in ``tests/reference/paper``; other keys show as given."""


_BUDGET_KEY = re.compile(r"n(\d+)_k(\d+)_r(\d+)")


def variant_label(key: str) -> str:
    """Display label of an ablation key: the paper's label, ``N=16, K=48, R=4`` for a budget key
    ``n16_k48_r4``, else the key itself."""
    if key in VARIANT_LABELS:
        return VARIANT_LABELS[key]
    match = _BUDGET_KEY.fullmatch(key)
    return f"N={match[1]}, K={match[2]}, R={match[3]}" if match else key


def _as_curve(value: pd.DataFrame | Sequence[Path]) -> pd.DataFrame:
    """Accept a round curve, or evaluation files from which one is built (without CIs: tables need none)."""
    if isinstance(value, pd.DataFrame):
        if not set(CURVE_COLUMNS) <= set(value.columns):
            raise ValueError("expected a round curve (columns " + ", ".join(CURVE_COLUMNS) + ")")
        return value
    return build_round_curve(list(value), n_boot=0, seed=0)


def _ablation_row(key: str, curve: pd.DataFrame, model: str, style: str) -> dict[str, object]:
    scores = model_scores(curve, model, evaluator_for(curve, style))
    if not scores:
        raise ValueError(f"variant {key!r}: model {model!r} has no {style} scores")
    row: dict[str, object] = {KEY: key, "Variant": variant_label(key)}
    row.update({BENCHMARK_LABELS.get(b, b): scores.get(b, math.nan) for b in ordered_benchmarks(curve)})
    return row


def table3(
    variants: Mapping[str, pd.DataFrame | Sequence[Path]], model: str = "round2", style: str = "ArmoRM"
) -> pd.DataFrame:
    """Table 3: diversified vs random prompts after one feedback round.

    Args:
        variants: ``{key: curve or evaluation files}``, e.g. keys ``diversified`` and ``random``.
        model: the model compared (after one feedback round: ``round2``).
        style: metric style (the paper's ablations use ArmoRM).

    Returns:
        Index ``key`` (mapping order), column ``Variant``, then ``Avg`` and one column per prompt set.
    """
    return keyed_table([_ablation_row(k, _as_curve(v), model, style) for k, v in variants.items()], "Variant")


def table4(
    variants: Mapping[str, pd.DataFrame | Sequence[Path]],
    model: str = "round3",
    style: str = "ArmoRM",
    benchmark: str = "mtbench",
) -> pd.DataFrame:
    """Table 4: response sources, per MT-Bench category.

    Args:
        variants: ``{key: evaluation files or a table from load_evaluations}`` (per-prompt categories are
            needed, so a round curve does not do), e.g. ``latest_two_sft``, ``latest_only``, ``two_sft``,
            ``one_sft``.
        model: the model compared (``round3`` in the paper).
        style: metric style.
        benchmark: the prompt set whose categories are reported.

    Returns:
        Index ``key``, column ``Variant``, ``Avg`` (mean over prompts), one column per category.
    """
    rows = []
    for key, value in variants.items():
        evals = value if isinstance(value, pd.DataFrame) else load_evaluations(list(value))
        evaluators = {e for e in set(evals["evaluator"]) if style_of(e) == style}
        mine = evals[
            (evals["model"] == model) & (evals["benchmark"] == benchmark) & evals["evaluator"].isin(evaluators)
        ]
        if mine.empty or mine["category"].isna().any():
            raise ValueError(f"variant {key!r}: no categorized {style} scores of {model!r} on {benchmark!r}")
        row: dict[str, object] = {KEY: key, "Variant": variant_label(key), "Avg": mine["score"].mean()}
        for category, group in sorted(mine.groupby("category"), key=lambda item: str(item[0])):
            row[MTBENCH_CATEGORIES.get(str(category), str(category).title())] = group["score"].mean()
        rows.append(row)
    return keyed_table(rows, "Variant").round(4)


def _final_model(curve: pd.DataFrame) -> str:
    rounds = {m: round_of(m) for m in set(curve["model"])}
    alma = {m: r for m, r in rounds.items() if r}
    if not alma:
        raise ValueError("the curve has no ALMA round")
    return max(alma, key=alma.__getitem__)


def table5(variants: Mapping[str, pd.DataFrame | Sequence[Path]], style: str = "ArmoRM") -> pd.DataFrame:
    """Table 5: fixed generation budget N x K x R, each run's final round.

    Args:
        variants: ``{key: curve or evaluation files}``, e.g. ``n200_k50000``, ``n400_k25000``,
            ``n100_k100000`` (one feedback round each) and ``n200_r10``, ``n400_r5``, ``n133_r15``.
        style: metric style.

    Returns:
        Index ``key``, column ``Variant``, ``Round`` (the final round of that run), ``Avg``, prompt sets.
    """
    rows = []
    for key, value in variants.items():
        curve = _as_curve(value)
        final = _final_model(curve)
        row = _ablation_row(key, curve, final, style)
        rows.append({KEY: key, "Variant": row.pop("Variant"), "Round": round_of(final), **row})
    table = keyed_table(rows, "Variant")
    table["Round"] = table["Round"].astype("Int64")
    return table


def table6(variants: Mapping[str, pd.DataFrame | Sequence[Path]], style: str = "ArmoRM") -> pd.DataFrame:
    """Table 6: average score per round for each training objective (DPO vs best-of-N SFT).

    Args:
        variants: ``{key: curve or evaluation files}``, e.g. ``dpo`` and ``sft``.
        style: metric style.

    Returns:
        Index ``key`` = ``round<k>`` for every round from 1 that some variant has, column ``Round``,
        then one column per variant (its label) with the average score; NaN where a run is shorter.
    """
    curves = {key: _as_curve(value) for key, value in variants.items()}
    columns: dict[str, dict[int, float]] = {}
    for key, curve in curves.items():
        evaluator = evaluator_for(curve, style)
        scores = average_by_round(curve, evaluator)["score"]
        columns[variant_label(key)] = {int(r): s for r, s in scores.items() if r >= 1}
    rounds = sorted({r for scores in columns.values() for r in scores})
    rows = [{KEY: f"round{r}", "Round": str(r), **{c: s.get(r, math.nan) for c, s in columns.items()}} for r in rounds]
    return keyed_table(rows, "Round")
