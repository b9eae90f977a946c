import pytest

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
