"""The ArmoRM stand-in: trains with TRL's RewardTrainer on a random-init tiny model and scores finitely."""

from __future__ import annotations

import math

import pytest

from alma.evaluation.reward_model import calibration, reward_scores, to_ten_point, train_reward_model
from alma.mini.datasets import reward_model_pairs
from alma.mini.pretrain import random_tiny_model
from alma.mini.universe import build_universe
from alma.records import write_jsonl


def test_to_ten_point_is_linear_and_clipped():
    assert to_ten_point([-1.0, 0.0, 1.0, 2.0, 5.0], low=0.0, high=2.0) == [0.0, 0.0, 5.0, 10.0, 10.0]
    with pytest.raises(ValueError, match="high > low"):
        to_ten_point([1.0], low=1.0, high=1.0)


def test_train_reward_model_runs_and_scores_are_finite(tmp_path):
    base = tmp_path / "base"
    random_tiny_model(base, seed=0)
    pairs = reward_model_pairs(build_universe(0), 32, seed=0)
    write_jsonl(tmp_path / "pairs.jsonl", pairs, kind="dpo_pair")
    metrics = train_reward_model(tmp_path / "pairs.jsonl", base, tmp_path / "rm", seed=0, epochs=1, lr=1e-3,
                                 batch_size=8, max_length=256)  # fmt: skip
    assert 0.0 <= metrics["train_accuracy"] <= 1.0 and metrics["pairs"] == 32
    assert (tmp_path / "rm" / "model.safetensors").exists()
    prompts = [p["prompt"][0]["content"] for p in pairs[:5]]
    scores = reward_scores(tmp_path / "rm", prompts, [p["chosen"][0]["content"] for p in pairs[:5]], batch_size=2)
    assert len(scores) == 5 and all(math.isfinite(s) for s in scores)
    # Batching must not change a score (the classifier reads each sequence's own last token).
    assert reward_scores(tmp_path / "rm", prompts[:1], [pairs[0]["chosen"][0]["content"]])[0] == pytest.approx(
        scores[0], abs=1e-4
    )
    anchors = calibration(tmp_path / "rm", prompts, [p["chosen"][0]["content"] for p in pairs[:5]])
    assert set(anchors) == {"low", "high"} and all(math.isfinite(v) for v in anchors.values())
