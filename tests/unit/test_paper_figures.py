import numpy as np
import pandas as pd
import pytest

from alma.paper.curve import CURVE_COLUMNS, best_of_n_curve
from alma.paper.figures import figure2_table, plot_best_of_n, plot_round_curve


def _curve() -> pd.DataFrame:
    rows = []
    for evaluator in ("oracle", "reward_model"):
        for benchmark in ("average", "lima", "sr"):
            for number, model in ((0, "base"), (1, "round1"), (2, "round2"), (None, "instruct")):
                score = 3.0 + 2 * (number if number is not None else 3)
                rows.append([number, model, benchmark, evaluator, score, score - 0.3, score + 0.3, 10, 0])
    curve = pd.DataFrame(rows, columns=list(CURVE_COLUMNS))
    curve["round"] = curve["round"].astype("Int64")
    return curve


def test_round_curve_figure_is_written_and_reproducible(tmp_path):
    plot_round_curve(_curve(), tmp_path / "a.png", tmp_path / "a.pdf", evaluator="reward_model")
    plot_round_curve(_curve(), tmp_path / "b.png", tmp_path / "b.pdf", evaluator="reward_model")
    for suffix in ("png", "pdf"):
        assert (tmp_path / f"a.{suffix}").stat().st_size > 1000
        assert (tmp_path / f"a.{suffix}").read_bytes() == (tmp_path / f"b.{suffix}").read_bytes()
    assert b"CreationDate" not in (tmp_path / "a.pdf").read_bytes()
    with pytest.raises(ValueError, match="armorm"):
        plot_round_curve(_curve(), tmp_path / "c.png", tmp_path / "c.pdf", evaluator="armorm")


def test_best_of_n_figure(tmp_path):
    rng = np.random.default_rng(0)
    quality = rng.normal(6, 1, size=(20, 16))
    data = best_of_n_curve(quality + rng.normal(0, 0.5, size=quality.shape), quality, [1, 2, 4, 8, 16], 50, 0)
    assert data["score"].iloc[-1] > data["score"].iloc[0]
    two = pd.concat([data.assign(series="real-valued"), data.assign(series="integer", score=data.score - 0.2)])
    plot_best_of_n(two, tmp_path / "f3.png", tmp_path / "f3.pdf")
    assert (tmp_path / "f3.png").stat().st_size > 1000 and (tmp_path / "f3.pdf").stat().st_size > 1000


def test_figure2_table():
    table = figure2_table(_curve())
    assert list(table.index) == ["base", "round1", "round2", "instruct"]
    assert list(table.columns) == [
        "Model",
        "GPT-4o Avg",
        "GPT-4o CI low",
        "GPT-4o CI high",
        "ArmoRM Avg",
        "ArmoRM CI low",
        "ArmoRM CI high",
    ]
    assert table.at["instruct", "ArmoRM Avg"] == 9.0
