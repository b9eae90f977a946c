import math

import numpy as np
import pytest

from alma.paper.curve import (
    CURVE_COLUMNS,
    best_of_n_curve,
    bootstrap_ci,
    build_round_curve,
    load_evaluations,
    read_curve,
    round_of,
    write_curve,
)
from alma.records import RecordError, write_json


def _eval(root, model, benchmark, scores, evaluator="oracle", **protocol):
    path = root / model / benchmark / f"{evaluator}.json"
    proto = {"evaluator_id": "grader-1", "template_hash": "abc", "prompt_set_sha256": f"{benchmark}-sha", **protocol}
    write_json(
        path,
        {
            "model": model,
            "benchmark": benchmark,
            "evaluator": evaluator,
            "prompt_ids": [f"{benchmark}-{i}" for i in range(len(scores))],
            "scores": scores,
            "categories": None,
            "protocol": proto,
        },
    )
    return path


def test_round_of():
    assert round_of("base") == 0
    assert round_of("round1") == 1
    assert round_of("round11") == 11
    assert round_of("instruct") is None
    assert round_of("round") is None


def test_bootstrap_ci_is_deterministic_and_brackets_the_mean():
    scores = np.array([1.0, 5.0, 7.0, np.nan, 9.0, 3.0])
    low, high = bootstrap_ci(scores, n_boot=500, seed=3)
    assert (low, high) == bootstrap_ci(scores, n_boot=500, seed=3)
    assert low < np.nanmean(scores) < high
    assert bootstrap_ci(np.array([np.nan]), 100, 0) == pytest.approx((math.nan, math.nan), nan_ok=True)
    assert bootstrap_ci(np.array([4.0]), 100, 0) == (4.0, 4.0)


def test_curve_has_exact_columns_missing_scores_and_stratified_average(tmp_path):
    paths = [
        _eval(tmp_path, "base", "lima", [2.0, 4.0, None]),
        _eval(tmp_path, "base", "mtbench", [6.0, 6.0]),
        _eval(tmp_path, "round1", "lima", [8.0, 8.0, 8.0]),
        _eval(tmp_path, "round1", "mtbench", [9.0, 7.0]),
        _eval(tmp_path, "instruct", "lima", [9.0, 9.0, 9.0]),
        _eval(tmp_path, "instruct", "mtbench", [9.0, 9.0]),
    ]
    curve = build_round_curve(paths, n_boot=200, seed=0)
    assert tuple(curve.columns) == CURVE_COLUMNS
    base_lima = curve[(curve.model == "base") & (curve.benchmark == "lima")].iloc[0]
    assert (base_lima.score, base_lima.n, base_lima.n_missing) == (3.0, 3, 1)
    base_avg = curve[(curve.model == "base") & (curve.benchmark == "average")].iloc[0]
    # Mean of the per-benchmark means (3 and 6), not of the pooled prompts.
    assert base_avg.score == 4.5 and base_avg.n == 5 and base_avg.n_missing == 1
    assert base_avg.ci_low <= 4.5 <= base_avg.ci_high
    # Sorted: average first, comparison model after the rounds.
    assert list(curve.benchmark[:3]) == ["average"] * 3
    assert list(curve.model[:3]) == ["base", "round1", "instruct"]
    assert curve["round"].isna().tolist()[:3] == [False, False, True]
    # Deterministic and independent of the order the files are given in.
    assert curve.equals(build_round_curve(list(reversed(paths)), n_boot=200, seed=0))


def test_adding_a_model_does_not_move_other_intervals(tmp_path):
    paths = [_eval(tmp_path, "base", "lima", [1.0, 2.0, 6.0]), _eval(tmp_path, "round1", "lima", [5.0, 7.0, 8.0])]
    small = build_round_curve(paths[:1], n_boot=100, seed=1)
    large = build_round_curve(paths, n_boot=100, seed=1)
    pick = large[(large.model == "base")].reset_index(drop=True)
    assert pick[["ci_low", "ci_high"]].equals(small[["ci_low", "ci_high"]])


def test_curve_round_trips_through_csv(tmp_path):
    paths = [_eval(tmp_path, "base", "lima", [1.0, 2.0]), _eval(tmp_path, "instruct", "lima", [5.0, None])]
    curve = build_round_curve(paths, n_boot=50, seed=0)
    write_curve(curve, tmp_path / "curve.csv")
    again = read_curve(tmp_path / "curve.csv")
    assert again["round"].isna().sum() == 2  # instruct (average and lima)
    assert again.drop(columns="round").equals(curve.drop(columns="round"))


def test_protocol_mismatch_names_both_files(tmp_path):
    a = _eval(tmp_path, "base", "lima", [1.0])
    b = _eval(tmp_path, "round1", "lima", [2.0], template_hash="other")
    with pytest.raises(ValueError) as err:
        build_round_curve([a, b], n_boot=10, seed=0)
    assert str(a) in str(err.value) and str(b) in str(err.value) and "template_hash" in str(err.value)


def test_two_files_for_one_evaluation_are_refused(tmp_path):
    a = _eval(tmp_path, "base", "lima", [1.0])
    b = _eval(tmp_path / "copy", "base", "lima", [1.0])
    with pytest.raises(ValueError, match="two evaluation files"):
        load_evaluations([a, b])


def test_malformed_files_are_named(tmp_path):
    path = tmp_path / "bad.json"
    write_json(path, {"model": "base", "benchmark": "lima", "evaluator": "oracle", "prompt_ids": ["a"], "scores": []})
    with pytest.raises(RecordError, match="bad.json.*scores"):
        load_evaluations([path])
    write_json(
        path,
        {
            "model": "base",
            "benchmark": "lima",
            "evaluator": "oracle",
            "prompt_ids": ["a"],
            "scores": [5.0],
            "mean": 7.0,
        },
    )
    with pytest.raises(RecordError, match="mean"):
        load_evaluations([path])
    with pytest.raises(ValueError, match="no evaluation files"):
        load_evaluations([])


def test_average_needs_every_benchmark(tmp_path):
    paths = [
        _eval(tmp_path, "base", "lima", [1.0]),
        _eval(tmp_path, "base", "sr", [1.0]),
        _eval(tmp_path, "round1", "lima", [2.0]),
    ]
    with pytest.warns(UserWarning, match="round1/oracle: missing benchmarks sr"):
        curve = build_round_curve(paths, n_boot=10, seed=0)
    averages = curve[curve.benchmark == "average"]
    assert list(averages.model) == ["base"]


def test_best_of_n_picks_the_judges_favourite():
    judge = np.array([[1.0, 3.0, 2.0], [5.0, 5.0, 0.0]])
    quality = np.array([[10.0, 20.0, 30.0], [1.0, 2.0, 3.0]])
    table = best_of_n_curve(judge, quality, [1, 2, 3], n_boot=20, seed=0)
    # n=1: first samples (10, 1); n>=2: prompt 0 picks sample 1 (20), prompt 1 ties -> earlier sample (1).
    assert table.score.tolist() == [5.5, 10.5, 10.5]
    with pytest.raises(ValueError, match="outside"):
        best_of_n_curve(judge, quality, [4], n_boot=1, seed=0)
