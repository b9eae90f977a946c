"""The paper's round-curve claims, checked on a run's own curve."""

from __future__ import annotations

import pandas as pd
import pytest

from alma.paper.claims import round_claims, write_claims
from alma.paper.curve import CURVE_COLUMNS, read_curve


def _curve(rows: dict[str, tuple[float, float, float]]) -> pd.DataFrame:
    """Average rows of one evaluator: model -> (score, ci_low, ci_high); instruct has no round."""
    records = [
        {"round": None if model == "instruct" else (0 if model == "base" else int(model.removeprefix("round"))),
         "model": model, "benchmark": "average", "evaluator": "oracle", "score": s, "ci_low": lo, "ci_high": hi,
         "n": 500, "n_missing": 0}
        for model, (s, lo, hi) in rows.items()
    ]  # fmt: skip
    other = {**records[1], "benchmark": "lima", "score": 0.0}  # a per-set row must not count as the average
    return pd.DataFrame([*records, other], columns=CURVE_COLUMNS)


def _holds(claims: pd.DataFrame) -> list[bool]:
    return claims.set_index("claim")["holds"].tolist()


def test_the_final_round_must_clear_round_ones_interval_not_just_its_score():
    rising = _curve({"base": (1.2, 1.1, 1.3), "round1": (4.8, 4.5, 5.1), "round2": (5.0, 4.7, 5.3),
                     "round3": (5.6, 5.3, 5.9), "instruct": (6.0, 5.7, 6.3)})  # fmt: skip
    claims = round_claims(rising)
    assert _holds(claims) == [True, True, True]
    assert claims["right"].tolist() == ["round1", "round3", "round3 ci_low"]  # the highest round is the final
    overlapping = _curve({"base": (1.2, 1.1, 1.3), "round1": (4.8, 4.5, 5.1), "round2": (5.2, 4.9, 5.5)})
    assert _holds(round_claims(overlapping)) == [True, True, False]
    falling = _curve({"base": (1.2, 1.1, 1.3), "round1": (4.8, 4.5, 5.1), "round2": (4.7, 4.4, 5.0)})
    assert _holds(round_claims(falling)) == [True, False, False]


def test_a_curve_without_a_feedback_round_is_refused():
    with pytest.raises(ValueError, match="needs base, round 1 and a feedback round"):
        round_claims(_curve({"base": (1.2, 1.1, 1.3), "round1": (4.8, 4.5, 5.1)}))


def test_claims_are_written_as_csv_and_markdown(tmp_path):
    curve = _curve({"base": (1.2, 1.1, 1.3), "round1": (4.8, 4.5, 5.1), "round2": (5.2, 4.9, 5.5)})
    curve.to_csv(tmp_path / "round_curve.csv", index=False)
    claims = round_claims(read_curve(tmp_path / "round_curve.csv"))
    csv, markdown = write_claims(claims, tmp_path / "claims")
    assert pd.read_csv(csv)["holds"].tolist() == [True, True, False]
    text = markdown.read_text(encoding="utf-8")
    assert (
        "| oracle | final above round 1 (95% CIs apart) | round1 ci_high 5.10 vs round2 ci_low 4.90 | **no** |" in text
    )
    assert not list(tmp_path.glob(".*.tmp"))
