"""Judge diagnostics: tie rates, calibration bins, the summary table and the figure."""

from __future__ import annotations

import json

import pytest

from alma.paper.judge_diagnostics import best_tie_rate, calibration, load_heldout, plot, summary_table


def judgment(prompt, checkpoint, i, score):
    return {"response_id": f"{prompt}/{checkpoint}/{i}", "score": score}


def test_best_tie_rate_counts_prompts_whose_top_score_is_shared():
    judgments = [
        judgment("p1", "sft1", 0, 7.0), judgment("p1", "sft2", 0, 7.0), judgment("p1", "sft2", 1, 2.0),  # tied top
        judgment("p2", "sft1", 0, 9.0), judgment("p2", "sft1", 1, 3.0), judgment("p2", "sft2", 0, 3.0),  # clear top
        judgment("p3", "sft1", 0, 5.0),  # one sample: no ranking to make
    ]  # fmt: skip
    assert best_tie_rate(judgments) == (0.5, 2)


def test_calibration_bins_predicted_scores_and_averages_gold():
    cal = calibration([0.2, 0.9, 5.5, 10.0, None], [1, 3, 6, 9, 4])
    assert cal["bin"].tolist() == [0, 5, 9]
    assert cal["gold"].tolist() == [2.0, 6.0, 9.0] and cal["n"].tolist() == [2, 1, 1]


@pytest.fixture
def heldout(tmp_path):
    docs = {
        "ft_int": {"scores": [7, 7, 2, 2], "gold_scores": [10, 3, 1, 0]},
        "ft_real": {"scores": [8.8, 3.1, 1.2, 0.4], "gold_scores": [10, 3, 1, 0]},
    }
    paths = []
    for variant, doc in docs.items():
        path = tmp_path / f"{variant}.json"
        path.write_text(json.dumps({"variant": variant, "dataset": "heldout", "prompts": ["a", "a", "b", "b"], **doc}))
        paths.append(path)
    return load_heldout(paths)


def test_summary_table_reports_ties_spread_and_calibration(heldout):
    judgments = [judgment("p", "sft1", 0, 4.2), judgment("p", "sft2", 0, 6.1)]
    table = summary_table(heldout, "ft_real", judgments).set_index("variant")
    assert table.loc["ft_int", "pair_tie_rate"] == 1.0 and table.loc["ft_real", "pair_tie_rate"] == 0.0
    assert table.loc["ft_int", "distinct_scores"] == 2 and table.loc["ft_real", "distinct_scores"] == 4
    assert table.loc["ft_real", "calibration_error"] < table.loc["ft_int", "calibration_error"]
    assert table.loc["ft_real", "best_of_n_tie_rate"] == 0.0
    assert table["best_of_n_tie_rate"].isna().sum() == 1


def test_plot_writes_png_and_pdf(heldout, tmp_path):
    plot(heldout, tmp_path / "d.png", tmp_path / "d.pdf")
    assert (tmp_path / "d.png").read_bytes()[:4] == b"\x89PNG" and (tmp_path / "d.pdf").read_bytes()[:4] == b"%PDF"
