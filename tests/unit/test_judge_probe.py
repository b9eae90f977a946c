"""The judge probe: controlled contrasts per family, summarized so that a real checker scores 1."""

from __future__ import annotations

import pytest

import alma.cli
from alma.mini.judge_probe import CONTRASTS, probe_items, probe_summary
from alma.mini.oracle import grade
from alma.mini.tasks import FAMILIES, split_of
from alma.mini.universe import build_universe
from alma.records import read_json, write_json


@pytest.fixture(scope="module")
def universe():
    return build_universe(0)


@pytest.fixture(scope="module")
def items(universe):
    return probe_items(universe, 60, seed=7)


def test_items_are_three_contrasts_of_held_out_tasks(universe, items):
    assert len(items) == 3 * 60
    assert [i["contrast"] for i in items[:3]] == list(CONTRASTS)
    assert {i["family"] for i in items} == set(FAMILIES)
    assert all(split_of(i["task"]) == "eval" for i in items)
    for ref, wrong, off in zip(items[::3], items[1::3], items[2::3], strict=True):
        assert ref["prompt"] == wrong["prompt"] == off["prompt"] and ref["task"] == wrong["task"] == off["task"]
        assert grade(universe, ref["prompt"], ref["response"]) == 10
        assert grade(universe, wrong["prompt"], wrong["response"]) < 10
        assert off["response"] != ref["response"]


def test_items_are_deterministic(universe, items):
    assert probe_items(universe, 60, seed=7) == items
    assert probe_items(universe, 60, seed=8) != items


def test_the_oracle_as_judge_scores_one_and_a_constant_judge_one_half(universe, items):
    oracle = probe_summary(items, [grade(universe, i["prompt"], i["response"]) for i in items])
    overall = oracle[-1]
    assert overall["family"] == "all" and overall["tasks"] == 60 == sum(row["tasks"] for row in oracle[:-1])
    assert overall["reference_over_wrong"] == 1.0 and overall["mean_reference"] == 10.0
    # An off-topic reference can still be right by chance (two comparisons with the same winner),
    # which the oracle grades 10 too, so this contrast is near 1 rather than exactly 1.
    assert overall["reference_over_off_topic"] > 0.9
    constant = probe_summary(items, [5.0] * len(items))
    assert {row["reference_over_wrong"] for row in constant} == {0.5}


def test_a_missing_score_counts_half_as_in_table_2(items):
    # one rule for every pair accuracy of the project (alma.evaluation.rewardbench.pair_credit)
    scores = [None if i["contrast"] == "reference" else 1.0 for i in items]
    assert probe_summary(items, scores)[-1]["reference_over_wrong"] == 0.5
    scores = [2.0 if i["contrast"] == "reference" else 1.0 for i in items]
    assert probe_summary(items, scores)[-1]["reference_over_wrong"] == 1.0
    with pytest.raises(ValueError, match="scores"):
        probe_summary(items, [1.0])


def test_cli_scores_the_probe_with_a_real_judge(universe, tiny_model_dir, tmp_path):
    manifest = tmp_path / "judge.json"
    write_json(manifest, {"path": str(tiny_model_dir)})
    out = tmp_path / "probe.json"
    params = '{"variant": "ft_real", "template": "compact", "tasks": 12, "seed": 3}'
    argv = ["mini-judge-probe", "--judge", str(manifest), "--params", params, "--out", str(out), "--threads", "1"]
    assert alma.cli.main(argv) == 0
    summary = read_json(out)["summary"]
    # A family drawn once has no off-topic partner and is left out.
    tasks = len(probe_items(universe, 12, seed=3)) // 3
    assert 0 < tasks <= 12 and summary[-1]["family"] == "all" and summary[-1]["tasks"] == tasks
    assert all(0.0 <= row["reference_over_wrong"] <= 1.0 for row in summary)
