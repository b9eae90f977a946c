"""Judge diagnostics: how each variant spreads its scores, how often it ties, and how well calibrated it is.

Three questions users ask before trusting best-of-N selection:

- **Score histograms** per variant on the held-out pairs: an integer judge that puts most mass on
  one or two values cannot rank N samples.
- **Tie rates**: among the held-out pairs (two responses to one prompt), and, for the judge the
  rounds used, among the N samples of one prompt: the share of prompts whose best score is shared,
  so that "the best response" is a coin flip.
- **Calibration** against the gold score (the oracle in the mini world, the annotations otherwise):
  the mean gold score per bin of predicted score; a calibrated judge lies on the diagonal.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd

from alma.paper.figures import _new_figure, _save

CALIBRATION_BINS = np.arange(0.0, 11.0, 1.0)
"""predicted-score bin edges 0, 1, ..., 10 (the last bin is closed)."""


def _pair_ties(prompts: Sequence[str], scores: Sequence[float | None]) -> tuple[int, int]:
    by_prompt: dict[str, list[float | None]] = defaultdict(list)
    for prompt, score in zip(prompts, scores, strict=True):
        by_prompt[prompt].append(score)
    pairs = ties = 0
    for items in by_prompt.values():
        for a, b in combinations(items, 2):
            pairs += 1
            ties += a is None or b is None or a == b
    return ties, pairs


def best_tie_rate(judgments: Sequence[Mapping]) -> tuple[float, int]:
    """Share of prompts whose highest score is shared by two or more of its samples.

    Args:
        judgments: ``judgment`` records; the prompt is the response id up to its last two parts
            (``<prompt_id>/<checkpoint>/<sample>``).

    Returns:
        (tie rate, number of prompts).
    """
    by_prompt: dict[str, list[float]] = defaultdict(list)
    for j in judgments:
        if j.get("score") is not None:
            by_prompt[j["response_id"].rsplit("/", 2)[0]].append(float(j["score"]))
    tied = sum(sorted(s, reverse=True)[:2].count(max(s)) > 1 for s in by_prompt.values() if len(s) > 1)
    n = sum(len(s) > 1 for s in by_prompt.values())
    return (tied / n if n else float("nan")), n


def calibration(predicted: Sequence[float | None], gold: Sequence[float]) -> pd.DataFrame:
    """Mean gold score per bin of predicted score (bins of width 1 on 0-10), with counts."""
    frame = pd.DataFrame({"predicted": predicted, "gold": gold}).dropna()
    frame["bin"] = np.clip(np.floor(frame["predicted"]), 0, 9).astype(int)
    out = frame.groupby("bin").agg(predicted=("predicted", "mean"), gold=("gold", "mean"), n=("gold", "size"))
    return out.reset_index()


def summary_table(
    heldout: Mapping[str, Mapping], rounds_judge: str | None, round_judgments: Sequence[Mapping]
) -> pd.DataFrame:
    """One row per judge variant: held-out tie rate, unparsable share, score spread, calibration error.

    Args:
        heldout: variant -> held-out evaluation document (``scores``, ``gold_scores``, ``prompts``).
        rounds_judge: the variant the rounds used (gets the best-of-N tie rate), or None.
        round_judgments: that judge's judgments of one round's samples.
    """
    rows = []
    for variant, doc in heldout.items():
        scores, gold = doc["scores"], doc["gold_scores"]
        ties, pairs = _pair_ties(doc["prompts"], scores)
        valid = [s for s in scores if s is not None]
        cal = calibration(scores, gold)
        error = float(np.average((cal["predicted"] - cal["gold"]).abs(), weights=cal["n"])) if len(cal) else np.nan
        row = {
            "variant": variant,
            "n": len(scores),
            "unparsable": len(scores) - len(valid),
            "distinct_scores": len(set(valid)),
            "score_sd": float(np.std(valid)) if valid else np.nan,
            "pair_tie_rate": ties / pairs if pairs else np.nan,
            "calibration_error": error,
            "best_of_n_tie_rate": np.nan,
        }
        if variant == rounds_judge:
            row["best_of_n_tie_rate"] = best_tie_rate(round_judgments)[0]
        rows.append(row)
    return pd.DataFrame(rows)


def plot(heldout: Mapping[str, Mapping], out_png: Path, out_pdf: Path) -> None:
    """Histograms of held-out scores per variant, and calibration curves, side by side."""
    fig, (hist, cal) = _new_figure(2, width=4.5, height=3.2)
    edges = np.linspace(0, 10, 21)
    for variant, doc in heldout.items():
        scores = [s for s in doc["scores"] if s is not None]
        hist.hist(scores, bins=edges, histtype="step", linewidth=1.5, label=variant)
        curve = calibration(doc["scores"], doc["gold_scores"])
        cal.plot(curve["predicted"], curve["gold"], marker="o", label=variant)
    hist.set(xlabel="judge score (held-out responses)", ylabel="responses", title="Score distribution")
    cal.plot([0, 10], [0, 10], color="grey", linestyle=":", linewidth=1)
    cal.set(
        xlabel="judge score (bin mean)",
        ylabel="gold score (bin mean)",
        title="Calibration",
        xlim=(0, 10),
        ylim=(0, 10),
    )
    hist.legend(fontsize="small")
    _save(fig, out_png, out_pdf)


def load_heldout(paths: Sequence[Path]) -> dict[str, dict]:
    """Variant -> held-out document, with the prompt of every scored response attached."""
    out = {}
    for path in paths:
        doc = json.loads(Path(path).read_text())
        if doc.get("dataset") != "heldout":
            continue
        if "prompts" not in doc:
            raise ValueError(f"{path}: held-out evaluation lacks 'prompts' (rebuild it with this version)")
        out[doc["variant"]] = doc
    return out
