"""The paper's tables as DataFrames, and one writer that renders each as CSV, Markdown and LaTeX.

Every table has the same shape so that one checker can compare any of them with the published
numbers: the index is a stable ``key`` (``base``, ``final``, ``ft_real`` ...), the first column is the
display label, the other columns are numbers. Keys, not labels, are matched against
``tests/reference/paper/*.csv``, because labels change with scale ("ALMA round 5" in the mini world,
"ALMA round 11" in the paper) while the role of a row does not.

Tables 1 and 2 are built here; Tables 3-6 come from ablation runs and live in
:mod:`alma.paper.ablation_tables`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from alma.paper.curve import (
    AVERAGE,
    benchmark_rank,
    round_of,
)
from alma.records import atomic_path, read_json

KEY = "key"
STYLE_OF_EVALUATOR = {"oracle": "GPT-4o", "gpt4o": "GPT-4o", "reward_model": "ArmoRM", "armorm": "ArmoRM"}
"""Paper metric each evaluator stands for: the mini world's oracle plays GPT-4o, its reward model ArmoRM."""
STYLE_ORDER = ("GPT-4o", "ArmoRM")
BENCHMARK_LABELS = {
    AVERAGE: "Avg",
    "lima": "LIMA",
    "mtbench": "MT-Bench",
    "sr": "SR",
    "arena_hard": "Arena-Hard",
    "alpaca": "Alpaca",
}
JUDGE_VARIANTS = {
    "fewshot_int": "3-shot base, integer",
    "ft_int": "Fine-tuned, integer",
    "ft_real": "Fine-tuned, real-valued",
    "ft_real_distill": "+ self-distillation",
}
JUDGE_DATASETS = {"rewardbench": "RewardBench", "heldout": "Held-out"}
JUDGE_CATEGORIES = {"chat": "Chat", "chat_hard": "Chat-Hard", "safety": "Safety", "reasoning": "Reasoning"}


def model_label(model: str) -> str:
    """Paper-style row label of a model name (``round1`` -> "ALMA round 1 (SFT)")."""
    number = round_of(model)
    if number == 0:
        return "Base, 3-shot"
    if number == 1:
        return "ALMA round 1 (SFT)"
    if number is not None:
        return f"ALMA round {number}"
    return "Instruct" if model == "instruct" else model


def style_of(evaluator: str) -> str:
    """Paper metric name of an evaluator; unknown evaluators keep their own name."""
    return STYLE_OF_EVALUATOR.get(evaluator, evaluator)


def metric_styles(curve: pd.DataFrame) -> list[tuple[str, str]]:
    """(style, evaluator) pairs of a curve in the paper's column order; one evaluator per style."""
    by_style: dict[str, str] = {}
    for evaluator in sorted(set(curve["evaluator"])):
        style = style_of(evaluator)
        if style in by_style:
            raise ValueError(f"evaluators {by_style[style]!r} and {evaluator!r} both stand for {style}")
        by_style[style] = evaluator
    order = sorted(by_style, key=lambda s: (STYLE_ORDER.index(s) if s in STYLE_ORDER else len(STYLE_ORDER), s))
    return [(style, by_style[style]) for style in order]


def evaluator_for(curve: pd.DataFrame, style: str) -> str:
    """The curve's evaluator that stands for a metric style (e.g. ``reward_model`` for ArmoRM)."""
    for candidate, evaluator in metric_styles(curve):
        if candidate == style:
            return evaluator
    raise ValueError(f"no {style} evaluator in the curve (evaluators: {', '.join(sorted(set(curve['evaluator'])))})")


def ordered_benchmarks(curve: pd.DataFrame) -> list[str]:
    """The curve's prompt sets in the paper's column order (the average first)."""
    return sorted(set(curve["benchmark"]), key=benchmark_rank)


def model_scores(curve: pd.DataFrame, model: str, evaluator: str) -> dict[str, float]:
    """Score per benchmark (average included) of one model under one evaluator."""
    mine = curve[(curve["model"] == model) & (curve["evaluator"] == evaluator)]
    return dict(zip(mine["benchmark"], mine["score"].astype(float), strict=True))


def _ordered(names: set[str], known: Mapping[str, str]) -> list[str]:
    """Known names in their documented order, then unknown ones alphabetically."""
    order = list(known)
    return sorted(names, key=lambda name: (order.index(name) if name in order else len(order), name))


def keyed_table(rows: list[dict[str, object]], label_column: str) -> pd.DataFrame:
    """Rows (dicts with a ``key``) -> table indexed by ``key`` with the label column first."""
    if not rows:
        raise ValueError("the table would be empty")
    frame = pd.DataFrame(rows).set_index(KEY)
    return frame[[label_column, *[c for c in frame.columns if c != label_column]]]


def table1(curve: pd.DataFrame, final_model: str) -> pd.DataFrame:
    """Table 1: base (3-shot), round 1 (SFT), final round and the comparison model on every prompt set.

    Args:
        curve: a round curve (:func:`alma.paper.curve.build_round_curve`).
        final_model: the last ALMA model, e.g. ``round11``.

    Returns:
        Index ``key`` in (base, round1, final, instruct) -- rows whose model is absent are left out, and
        ``round1`` is dropped when it is the final model; column ``Model``; then ``<style> <benchmark>``
        per metric style (GPT-4o, then ArmoRM) with the average first.
    """
    if final_model not in set(curve["model"]):
        raise ValueError(f"final model {final_model!r} is not in the curve (models: {sorted(set(curve['model']))})")
    styles, benchmarks = metric_styles(curve), ordered_benchmarks(curve)
    rows = []
    for key, model in (("base", "base"), ("round1", "round1"), ("final", final_model), ("instruct", "instruct")):
        if model not in set(curve["model"]) or (key == "round1" and final_model == "round1"):
            continue
        row: dict[str, object] = {KEY: key, "Model": model_label(model)}
        for style, evaluator in styles:
            scores = model_scores(curve, model, evaluator)
            row.update({f"{style} {BENCHMARK_LABELS.get(b, b)}": scores.get(b, math.nan) for b in benchmarks})
        rows.append(row)
    return keyed_table(rows, "Model")


def table2(judge_evals: Sequence[Path]) -> pd.DataFrame:
    """Table 2: judge accuracy per judge variant, on RewardBench (with categories) and the held-out set.

    Args:
        judge_evals: ``results/<run>/judge/eval/<variant>/<dataset>.json`` files.

    Returns:
        Index ``key`` = judge variant (paper order), column ``Judge``, then per dataset
        ``<Dataset> Avg`` (RewardBench) or ``<Dataset> Acc``, one column per category, and
        ``<Dataset> Ties`` (pairs the judge could not order; Int64).
    """
    docs: dict[tuple[str, str], dict] = {}
    for path in map(Path, judge_evals):
        doc = read_json(path)
        key = (doc["variant"], doc["dataset"])
        if key in docs:
            raise ValueError(f"two judge evaluations for variant {key[0]!r} on {key[1]!r} (second: {path})")
        docs[key] = doc
    if not docs:
        raise ValueError("no judge evaluation files given")
    datasets = _ordered({d for _, d in docs}, JUDGE_DATASETS)
    variants = _ordered({v for v, _ in docs}, JUDGE_VARIANTS)
    categories = {
        d: _ordered(
            {c for (_, d2), doc in docs.items() if d2 == d for c in doc.get("per_category") or {}}, JUDGE_CATEGORIES
        )
        for d in datasets
    }
    rows = []
    for variant in variants:
        row: dict[str, object] = {KEY: variant, "Judge": JUDGE_VARIANTS.get(variant, variant)}
        for dataset in datasets:
            label = JUDGE_DATASETS.get(dataset, dataset)
            doc = docs.get((variant, dataset), {})
            row[f"{label} {'Avg' if dataset == 'rewardbench' else 'Acc'}"] = doc.get("accuracy", math.nan)
            for category in categories[dataset]:
                value = (doc.get("per_category") or {}).get(category, math.nan)
                row[f"{label} {JUDGE_CATEGORIES.get(category, category)}"] = value
            row[f"{label} Ties"] = doc.get("ties")
        rows.append(row)
    table = keyed_table(rows, "Judge")
    ties = [column for column in table.columns if column.endswith(" Ties")]
    return table.astype(dict.fromkeys(ties, "Int64"))


# ---- writing ------------------------------------------------------------------------------------


def _cell(value: object, decimals: int, missing: str) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return missing
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return f"{float(value):.{decimals}f}"
    return str(value)


_LATEX_SPECIALS = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}"}


def _latex(text: str) -> str:
    return "".join(_LATEX_SPECIALS.get(ch, ch) for ch in text)


def write_table(df: pd.DataFrame, stem: Path, caption: str, decimals: int = 2) -> list[Path]:
    """Write a table as ``<stem>.csv`` (with keys, 4 decimals), ``<stem>.md`` and ``<stem>.tex``, atomically.

    Args:
        df: a table from this module (index ``key``, a label column, number columns).
        stem: output path without suffix.
        caption: one sentence; Markdown shows it above the table, LaTeX as ``\\caption``.
        decimals: decimals shown in Markdown and LaTeX (the paper shows 2 for scores, 3 for accuracy).

    Returns:
        The three paths written.
    """
    stem = Path(stem)
    paths = [Path(f"{stem}.{suffix}") for suffix in ("csv", "md", "tex")]
    with atomic_path(paths[0]) as handle:
        df.to_csv(handle, float_format="%.4f", lineterminator="\n")
    header = [str(c) for c in df.columns]
    body = [[_cell(v, decimals, "") for v in row] for row in df.itertuples(index=False)]
    with atomic_path(paths[1]) as handle:
        handle.write(f"**{caption}**\n\n| " + " | ".join(header) + " |\n")
        handle.write("|" + "|".join([":---"] + ["---:"] * (len(header) - 1)) + "|\n")
        handle.writelines("| " + " | ".join(cell or "–" for cell in row) + " |\n" for row in body)
    with atomic_path(paths[2]) as handle:
        handle.write("% Generated by `alma paper-*` from the results tree; do not edit by hand.\n")
        handle.write("\\begin{table}[t]\n\\centering\n\\small\n")
        handle.write(f"\\caption{{{_latex(caption)}}}\n\\label{{tab:{_latex(stem.name)}}}\n")
        handle.write("\\begin{tabular}{l" + "r" * (len(header) - 1) + "}\n\\toprule\n")
        handle.write(" & ".join(_latex(h) for h in header) + " \\\\\n\\midrule\n")
        handle.writelines(" & ".join(_latex(cell) or "--" for cell in row) + " \\\\\n" for row in body)
        handle.write("\\bottomrule\n\\end{tabular}\n\\end{table}\n")
    return paths


def read_table(path: Path) -> pd.DataFrame:
    """Read a table CSV written by :func:`write_table` (or a reference CSV of the same shape)."""
    table = pd.read_csv(path, dtype={KEY: str}, keep_default_na=False, na_values=[""])
    if KEY not in table.columns:
        raise ValueError(f"{path}: first column must be {KEY!r} (row keys matched against the reference)")
    if table[KEY].duplicated().any():
        raise ValueError(f"{path}: duplicated keys {sorted(set(table[KEY][table[KEY].duplicated()]))}")
    return table.set_index(KEY)
