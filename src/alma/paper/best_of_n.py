"""Figure 3's data from one feedback round: quality of the judge's pick among the first N samples, N = 1, 2, 4, ...

A round already holds N samples per prompt from every source and the judge's score of each, so the
curve needs no new generation: each sample is graded by the evaluator, samples are ordered so that
the first n of a prompt interleave the sources (sample 0 of every source, then sample 1, ...), and
:func:`alma.paper.curve.best_of_n_curve` takes the judge's best of the first n. Two series: the
judge's pick, and the evaluator's own best (the ceiling a perfect judge would reach).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from alma.paper.curve import best_of_n_curve


def sample_matrix(
    responses: Sequence[Mapping], judgments: Mapping[str, float | None], quality: Mapping[str, float | None]
) -> tuple[np.ndarray, np.ndarray]:
    """(prompts, samples) matrices of judge scores and quality; prompts missing any value are dropped.

    Samples of a prompt are ordered by (sample index, checkpoint), which interleaves the sources.
    """
    by_prompt: dict[str, list[Mapping]] = defaultdict(list)
    for r in responses:
        by_prompt[r["prompt_id"]].append(r)
    width = min(len(v) for v in by_prompt.values())
    judge_rows, quality_rows = [], []
    for prompt_id in sorted(by_prompt):
        ordered = sorted(by_prompt[prompt_id], key=lambda r: (r["sample_index"], r["checkpoint"]))[:width]
        j = [judgments.get(r["response_id"]) for r in ordered]
        q = [quality.get(r["response_id"]) for r in ordered]
        if None in j or None in q:
            continue
        judge_rows.append(j)
        quality_rows.append(q)
    return np.asarray(judge_rows, dtype=float), np.asarray(quality_rows, dtype=float)


def best_of_n_table(
    responses: Sequence[Mapping],
    judgments: Mapping[str, float | None],
    grade: Callable[[str, str], float | None],
    prompts: Mapping[str, str],
    judge_label: str,
    n_boot: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Rows (series, n, score, ci_low, ci_high) for N = 1, 2, 4, ... up to the samples per prompt."""
    quality = {r["response_id"]: grade(prompts[r["prompt_id"]], r["text"]) for r in responses}
    judge, graded = sample_matrix(responses, judgments, quality)
    if judge.size == 0:
        raise ValueError("no prompt has a judge score and a grade for every sample")
    width = judge.shape[1]
    ns = [n for n in (2**k for k in range(12)) if n <= width]
    if ns[-1] != width:
        ns.append(width)
    frames = []
    for label, selector in ((judge_label, judge), ("evaluator's best (ceiling)", graded)):
        frame = best_of_n_curve(selector, graded, ns, n_boot, seed)
        frame.insert(0, "series", label)
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out["prompts"] = judge.shape[0]
    return out
