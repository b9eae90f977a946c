"""The paper's claims about the round curve, checked on a run's own numbers.

``alma paper-check`` compares a run with the paper's published values, which only a paper-scale run
can match. The claims hold at every scale: the aligned model beats the base model, the feedback
rounds beat round 1 (the SFT model), and by more than the noise of the evaluation, i.e. the final
round's 95% interval lies above round 1's. Each claim is one row per evaluator on the average over
prompt sets, so a table of claims reads as the verdict of the run.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from alma.paper.curve import average_by_round
from alma.records import atomic_path

CLAIM_COLUMNS = ("evaluator", "claim", "left", "right", "left_value", "right_value", "holds")
"""One row per (evaluator, claim): the two sides compared and whether the claim holds."""


def round_claims(curve: pd.DataFrame) -> pd.DataFrame:
    """Check the paper's round-curve claims for every evaluator of a round curve.

    Args:
        curve: a round curve (:func:`alma.paper.curve.round_curve` columns; ``round`` empty for
            comparison models such as instruct).

    Returns:
        :data:`CLAIM_COLUMNS` rows: ``base < round 1`` and ``round 1 < final`` on the scores, and
        ``final above round 1`` comparing the final round's interval low with round 1's interval high.

    Raises:
        ValueError: an evaluator lacks the base, round 1 or a later round on the average.
    """
    out = []
    for evaluator in sorted(curve["evaluator"].unique()):
        rows = average_by_round(curve, evaluator)
        final = int(rows.index.max()) if len(rows) else 0
        if 0 not in rows.index or 1 not in rows.index or final < 2:
            raise ValueError(f"evaluator {evaluator!r}: the curve needs base, round 1 and a feedback round on average")
        base, first, last = rows.loc[0], rows.loc[1], rows.loc[final]
        out += [
            (evaluator, "base < round 1", "base", "round1", base["score"], first["score"]),
            (evaluator, "round 1 < final", "round1", f"round{final}", first["score"], last["score"]),
            (evaluator, "final above round 1 (95% CIs apart)", "round1 ci_high", f"round{final} ci_low",
             first["ci_high"], last["ci_low"]),
        ]  # fmt: skip
    frame = pd.DataFrame(out, columns=CLAIM_COLUMNS[:-1])
    frame["holds"] = frame["left_value"] < frame["right_value"]
    return frame


def write_claims(claims: pd.DataFrame, stem: Path) -> list[Path]:
    """``<stem>.csv`` for machines and ``<stem>.md`` for the report and the README, written atomically."""
    csv, markdown = Path(f"{stem}.csv"), Path(f"{stem}.md")
    with atomic_path(csv) as handle:
        claims.to_csv(handle, index=False, float_format="%.4f", lineterminator="\n")
    with atomic_path(markdown) as handle:
        handle.write("| evaluator | claim | compared | holds |\n|:---|:---|:---|:---|\n")
        for row in claims.itertuples(index=False):
            compared = f"{row.left} {row.left_value:.2f} vs {row.right} {row.right_value:.2f}"
            handle.write(f"| {row.evaluator} | {row.claim} | {compared} | {'yes' if row.holds else '**no**'} |\n")
    return [csv, markdown]
