"""Figure 2 (score by round) and Figure 3 (judge-selected best response vs N), as PNG and PDF.

Figures are drawn on a bare :class:`matplotlib.figure.Figure` (no pyplot state, no interactive backend)
under matplotlib's default style, so a user's matplotlibrc cannot change them, and saved without a
creation date, so the same data give the same bytes on the same matplotlib version.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alma.paper.curve import AVERAGE, benchmark_rank, round_of
from alma.paper.tables import BENCHMARK_LABELS, KEY, keyed_table, metric_styles, model_label, style_of
from alma.records import atomic_path

PDF_METADATA = {"CreationDate": None, "ModDate": None}
"""Dropping the dates is what makes the PDF reproducible; matplotlib writes no other varying field."""
PNG_DPI = 150


def figure2_table(curve: pd.DataFrame) -> pd.DataFrame:
    """The numbers behind Figure 2: average score and CI of every model, per metric style.

    Args:
        curve: a round curve (:func:`alma.paper.curve.build_round_curve`).

    Returns:
        Index ``key`` = model name (by round, comparison models last), column ``Model``, then per style
        ``<style> Avg``, ``<style> CI low``, ``<style> CI high``; same shape as the other tables, so
        ``alma paper-check`` compares it with the paper's known curve points.
    """
    average = curve[curve["benchmark"] == AVERAGE]
    models = sorted(set(average["model"]), key=lambda m: (round_of(m) is None, round_of(m) or 0, m))
    rows = []
    for model in models:
        row: dict[str, object] = {KEY: model, "Model": model_label(model)}
        for style, evaluator in metric_styles(curve):
            mine = average[(average["model"] == model) & (average["evaluator"] == evaluator)]
            values = mine[["score", "ci_low", "ci_high"]].to_numpy(dtype=float)[0] if len(mine) else [math.nan] * 3
            row.update(dict(zip((f"{style} Avg", f"{style} CI low", f"{style} CI high"), values, strict=True)))
        rows.append(row)
    return keyed_table(rows, "Model")


def _new_figure(n_panels: int, width: float = 4.0, height: float = 3.0, columns: int = 3) -> tuple[Any, list[Any]]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    n_cols = min(columns, n_panels)
    n_rows = math.ceil(n_panels / n_cols)
    fig = Figure(figsize=(width * n_cols, height * n_rows), layout="constrained")
    FigureCanvasAgg(fig)  # the Agg canvas renders PNG; savefig switches to the PDF backend for .pdf
    axes = fig.subplots(n_rows, n_cols, squeeze=False).ravel().tolist()
    for unused in axes[n_panels:]:
        unused.set_visible(False)
    return fig, axes[:n_panels]


def _save(fig: Any, out_png: Path, out_pdf: Path) -> None:
    with atomic_path(out_png, "wb") as handle:
        fig.savefig(handle, format="png", dpi=PNG_DPI)
    with atomic_path(out_pdf, "wb") as handle:
        fig.savefig(handle, format="pdf", metadata=PDF_METADATA)


def plot_round_curve(curve: pd.DataFrame, out_png: Path, out_pdf: Path, evaluator: str) -> None:
    """Figure 2: score by round, one panel for the average and one per prompt set.

    The ALMA line runs from round 0 (the 3-shot base) to the final round with its 95% CI as a band;
    the base and the comparison model (``instruct``) are also drawn as horizontal lines, as in the paper.

    Args:
        curve: a round curve.
        out_png: PNG path (written atomically).
        out_pdf: PDF path (written atomically, without creation date).
        evaluator: which evaluator's scores to plot (``reward_model`` / ``armorm`` for the paper's figure).
    """
    import matplotlib.style

    mine = curve[curve["evaluator"] == evaluator]
    if mine.empty:
        raise ValueError(f"no scores from evaluator {evaluator!r} in the curve")
    benchmarks = sorted(set(mine["benchmark"]), key=benchmark_rank)
    with matplotlib.style.context("default"):
        fig, axes = _new_figure(len(benchmarks))
        for ax, benchmark in zip(axes, benchmarks, strict=True):
            panel = mine[mine["benchmark"] == benchmark]
            alma = panel[panel["round"].notna()].sort_values("round")
            rounds = alma["round"].to_numpy(dtype=float)
            ax.fill_between(
                rounds,
                alma["ci_low"].to_numpy(dtype=float),
                alma["ci_high"].to_numpy(dtype=float),
                color="C0",
                alpha=0.2,
                linewidth=0,
                label="95% CI",
            )
            ax.plot(rounds, alma["score"].to_numpy(dtype=float), "o-", color="C0", label="ALMA")
            for model, color, dash in (("base", "C7", "--"), ("instruct", "C3", ":")):
                reference = panel.loc[panel["model"] == model, "score"]
                if len(reference):
                    ax.axhline(float(reference.iloc[0]), color=color, linestyle=dash, label=model_label(model))
            ax.set_title(BENCHMARK_LABELS.get(benchmark, benchmark))
            ax.set_xlabel("round (0 = base, 1 = SFT)")
            ax.set_ylabel(f"{style_of(evaluator)} score (0-10)")
            if len(rounds):
                ax.set_xticks(np.arange(int(rounds.min()), int(rounds.max()) + 1))
            ax.grid(alpha=0.3)
        axes[0].legend(loc="lower right", fontsize="small")
        fig.suptitle(f"Score by round (evaluator: {evaluator})")
        _save(fig, Path(out_png), Path(out_pdf))


def plot_best_of_n(df: pd.DataFrame, out_png: Path, out_pdf: Path) -> None:
    """Figure 3: quality of the judge-selected best response vs the number of samples N (log x).

    Args:
        df: columns ``n`` and ``score``; optional ``ci_low``/``ci_high`` (drawn as a band) and
            ``series`` (one line each, e.g. judge variants); see :func:`alma.paper.curve.best_of_n_curve`.
        out_png: PNG path.
        out_pdf: PDF path.
    """
    import matplotlib.style

    if df.empty or not {"n", "score"} <= set(df.columns):
        raise ValueError("best-of-N data needs rows with columns 'n' and 'score'")
    series = df["series"] if "series" in df.columns else pd.Series(["best of N"] * len(df), index=df.index)
    with matplotlib.style.context("default"):
        fig, (ax,) = _new_figure(1, width=5.0, height=3.5)
        for index, name in enumerate(sorted(set(series.astype(str)))):
            line = df[series.astype(str) == name].sort_values("n")
            n = line["n"].to_numpy(dtype=float)
            if {"ci_low", "ci_high"} <= set(line.columns):
                ax.fill_between(
                    n,
                    line["ci_low"].to_numpy(dtype=float),
                    line["ci_high"].to_numpy(dtype=float),
                    color=f"C{index}",
                    alpha=0.2,
                    linewidth=0,
                )
            ax.plot(n, line["score"].to_numpy(dtype=float), "o-", color=f"C{index}", label=name)
        ax.set_xscale("log")
        ticks = sorted(set(df["n"].astype(int)))
        ax.set_xticks(ticks, [str(t) for t in ticks])
        ax.set_xticks([], minor=True)  # log axes label minor ticks ("3x10^0") between the N values
        ax.set_xlabel("N (samples per prompt, log scale)")
        ax.set_ylabel("score of the judge-selected best")
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize="small")
        _save(fig, Path(out_png), Path(out_pdf))
