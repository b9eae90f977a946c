from pathlib import Path

import pandas as pd
import pytest
import yaml

from alma.cli import main
from alma.paper.estimate import GPU_THROUGHPUT, PAPER_GPU_HOURS, comparison_line, estimate

PAPER = {
    "rounds": {"feedback_rounds": 10, "prompts_per_round": 50_000, "responses_per_prompt": 200},
    "prompt_synthesis": {"pool_size": 100_000_000},
    "judge": {"distill_pairs": 20_000},
    "evaluation": {
        "benchmarks": {"lima": 300, "mtbench": 80, "sr": 250, "arena_hard": 500, "alpaca": 600},
        "evaluators": ["gpt4o", "armorm"],
    },
}


def _row(table, stage):
    return table[table["stage"] == stage].iloc[0]


def test_counts_follow_the_recipe():
    table = estimate(PAPER, "h100")
    total = _row(table, "total")
    assert total["generations"] == 50_000 * 200 * 10 + 100_000_000
    assert _row(table, "response_sampling")["generations"] == 100_000_000  # 10M per round, as the paper says
    assert total["judge_scorings"] == 100_000_000 + 20_000
    # base + round1..round11 + instruct = 13 models; MT-Bench has two turns.
    assert total["eval_answers"] == 13 * (300 + 160 + 250 + 500 + 600)
    assert total["api_calls"] == total["eval_answers"]
    assert total["api_cost_usd"] > 0
    assert _row(table, "paper (512 H100 x 5 days)")["gpu_hours"] == PAPER_GPU_HOURS == 61_440
    assert total["gpu_hours"] == pytest.approx(table["gpu_hours"].iloc[:-2].sum(), abs=0.5)


def test_gpus_and_graders_change_time_and_cost_not_counts():
    h100, a100 = estimate(PAPER, "h100"), estimate(PAPER, "a100")
    assert _row(a100, "total")["gpu_hours"] > _row(h100, "total")["gpu_hours"]
    assert _row(a100, "total")["generations"] == _row(h100, "total")["generations"]
    mini_graders = {**PAPER, "evaluation": {**PAPER["evaluation"], "evaluators": ["oracle", "reward_model"]}}
    assert _row(estimate(mini_graders, "h100"), "total")["api_calls"] == 0
    assert set(GPU_THROUGHPUT) == {"a100", "h100", "h200"}


def test_training_restarts_from_base_every_round():
    scratch = _row(estimate(PAPER, "h100"), "policy_training")["train_tokens"]
    latest = {**PAPER, "rounds": {**PAPER["rounds"], "init": "latest"}}
    assert _row(estimate(latest, "h100"), "policy_training")["train_tokens"] < scratch


def test_errors_and_comparison_line():
    with pytest.raises(ValueError, match="unknown GPU"):
        estimate(PAPER, "tpu")
    with pytest.raises(KeyError, match="rounds.prompts_per_round"):
        estimate({**PAPER, "rounds": {"feedback_rounds": 1}}, "h100")
    line = comparison_line(estimate(PAPER, "h100"), "h100")
    assert "61,440 GPU-hours" in line and "H100" in line


REPO = Path(__file__).resolve().parents[2]


def test_the_paper_config_alone_gives_gpu_hours_and_the_gpt4o_bill(tmp_path, monkeypatch, capsys):
    """`alma estimate --configfile config/paper.yaml --gpu h100`, as the README says; hub benchmarks are {size, ...}."""
    monkeypatch.chdir(REPO)
    out = tmp_path / "estimate.csv"
    assert main(["estimate", "--configfile", "config/paper.yaml", "--gpu", "h100", "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "merged in order: config/paper.yaml\n" in printed  # used alone, not over the mini world
    assert "H100 GPU-hours" in printed

    paper = yaml.safe_load((REPO / "config/paper.yaml").read_text())
    models = paper["rounds"]["feedback_rounds"] + 3  # base, round 1 .. round R+1, instruct
    turns = {"mtbench": 2}  # MT-Bench questions have two turns, each graded
    prompts = sum(spec["size"] * turns.get(name, 1) for name, spec in paper["evaluation"]["benchmarks"].items())
    gradings = models * prompts
    assert gradings == 13 * (300 + 2 * 80 + 250 + 500 + 600)

    total = _row(pd.read_csv(out), "total")
    assert total["api_calls"] == gradings
    assert 10 < total["api_cost_usd"] < 1000  # a few cents a grading
    assert 100 < total["gpu_hours"] < PAPER_GPU_HOURS  # the paper's 61,440 include ablations and idle time
    assert f"{gradings:d}" in printed


def test_an_overlay_alone_lies_over_the_mini_world(monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    assert main(["estimate", "--configfile", "config/ablations/dpo.yaml", "--gpu", "a100"]) == 0
    assert "merged in order: config/config.yaml, config/ablations/dpo.yaml\n" in capsys.readouterr().out
