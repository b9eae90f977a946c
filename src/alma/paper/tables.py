"""The paper's tables as DataFrames, and one writer that renders each as CSV, Markdown and LaTeX.

Every table has the same shape so that one checker can compare any of them with the published
numbers: the index is a stable ``key`` (``base``, ``final``, ``ft_real`` ...), the first column is the
display label, the other columns are numbers. Keys, not labels, are matched against
``tests/reference/paper/*.csv``, because labels change with scale ("ALMA round 5" in the mini world,
"ALMA round 11" in the paper) while the role of a row does not.

Tables 3-6 come from ablation runs; their builders take a mapping ``{variant key: round curve, or the
evaluation files of that run}`` so the workflow can wire any set of runs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from alma.paper.curve import (
    AVERAGE,
    CURVE_COLUMNS,
    average_by_round,
    benchmark_rank,
    build_round_curve,
    load_evaluations,
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


def _evaluator_for(curve: pd.DataFrame, style: str) -> str:
    for candidate, evaluator in metric_styles(curve):
        if candidate == style:
            return evaluator
    raise ValueError(f"no {style} evaluator in the curve (evaluators: {', '.join(sorted(set(curve['evaluator'])))})")


def _benchmarks(curve: pd.DataFrame) -> list[str]:
    return sorted(set(curve["benchmark"]), key=benchmark_rank)


def _scores(curve: pd.DataFrame, model: str, evaluator: str) -> dict[str, float]:
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
    styles, benchmarks = metric_styles(curve), _benchmarks(curve)
    rows = []
    for key, model in (("base", "base"), ("round1", "round1"), ("final", final_model), ("instruct", "instruct")):
        if model not in set(curve["model"]) or (key == "round1" and final_model == "round1"):
            continue
        row: dict[str, object] = {KEY: key, "Model": model_label(model)}
        for style, evaluator in styles:
            scores = _scores(curve, model, evaluator)
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


def _as_curve(value: pd.DataFrame | Sequence[Path]) -> pd.DataFrame:
    """Accept a round curve, or evaluation files from which one is built (without CIs: tables need none)."""
    if isinstance(value, pd.DataFrame):
        if not set(CURVE_COLUMNS) <= set(value.columns):
            raise ValueError("expected a round curve (columns " + ", ".join(CURVE_COLUMNS) + ")")
        return value
    return build_round_curve(list(value), n_boot=0, seed=0)


def _ablation_row(key: str, curve: pd.DataFrame, model: str, style: str) -> dict[str, object]:
    scores = _scores(curve, model, _evaluator_for(curve, style))
    if not scores:
        raise ValueError(f"variant {key!r}: model {model!r} has no {style} scores")
    row: dict[str, object] = {KEY: key, "Variant": variant_label(key)}
    row.update({BENCHMARK_LABELS.get(b, b): scores.get(b, math.nan) for b in _benchmarks(curve)})
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
        evaluator = _evaluator_for(curve, style)
        scores = average_by_round(curve, evaluator)["score"]
        columns[variant_label(key)] = {int(r): s for r, s in scores.items() if r >= 1}
    rounds = sorted({r for scores in columns.values() for r in scores})
    rows = [{KEY: f"round{r}", "Round": str(r), **{c: s.get(r, math.nan) for c, s in columns.items()}} for r in rounds]
    return keyed_table(rows, "Round")


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
