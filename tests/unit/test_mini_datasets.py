"""Seed data, evaluation sets, simulated annotations and reward-model pairs of the mini world."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from alma.mini.datasets import (
    BENCHMARK_MIX,
    annotate,
    corrupt_response,
    eval_sets,
    instruct_sft,
    judge_seed_tasks,
    reward_model_pairs,
    seed_sft,
)  # fmt: skip
from alma.mini.oracle import grade, parse_task
from alma.mini.tasks import split_of
from alma.mini.universe import build_universe
from alma.records import validate_record


@pytest.fixture(scope="module")
def universe():
    return build_universe(0)


def test_seed_and_instruct_sets_are_train_split_references(universe):
    seed = seed_sft(universe, 120, seed=0)
    assert seed == seed_sft(universe, 120, seed=0) and len({r["id"] for r in seed}) == 120
    for record in seed + instruct_sft(universe, 60, seed=0):
        validate_record(record, "seed_sft")
        assert split_of(parse_task(universe, record["prompt"]).key) == "train"
        assert grade(universe, record["prompt"], record["response"]) == 10
    assert {r["prompt"] for r in instruct_sft(universe, 60, seed=0)} != {r["prompt"] for r in seed[:60]}


def test_eval_sets_are_held_out_with_different_family_mixes(universe):
    sets = eval_sets(universe, {name: 60 for name in BENCHMARK_MIX}, seed=0)
    assert set(sets) == set(BENCHMARK_MIX)
    mixes = {}
    for name, records in sets.items():
        assert len(records) == 60
        for r in records:
            validate_record(r, "eval_prompt")
            task = parse_task(universe, r["text"])
            assert r["benchmark"] == name and r["category"] == task.family and split_of(task.key) == "eval"
        mixes[name] = frozenset(Counter(r["category"] for r in records).items())
    assert len(set(mixes.values())) == len(BENCHMARK_MIX)
    assert eval_sets(universe, {"lima": 60}, seed=0)["lima"] == sets["lima"]  # independent of the other sizes
    with pytest.raises(ValueError, match="unknown benchmarks"):
        eval_sets(universe, {"mmlu": 5}, seed=0)


def test_judge_seed_tasks_are_train_split(universe):
    tasks = judge_seed_tasks(universe, 80, seed=0)
    assert len({t.prompt for t in tasks}) == 80 and all(split_of(t.key) == "train" for t in tasks)


def test_corruptions_are_deterministic_and_worse_than_the_reference(universe):
    tasks = judge_seed_tasks(universe, 200, seed=1)
    first = [corrupt_response(universe, t, random.Random(i)) for i, t in enumerate(tasks)]
    assert first == [corrupt_response(universe, t, random.Random(i)) for i, t in enumerate(tasks)]
    scores = [grade(universe, t.prompt, r) for t, r in zip(tasks, first, strict=True)]
    assert all(s <= 10 for s in scores) and sum(scores) / len(scores) < 6
    assert sum(s < 10 for s in scores) > 0.9 * len(scores)
    assert len(set(scores)) >= 6  # corruptions span the scale, which the judge must learn to tell apart


def test_annotate_range_and_noise(universe):
    task = judge_seed_tasks(universe, 1, seed=0)[0]
    rng = random.Random(0)
    noisy = [annotate(universe, task.prompt, task.reference, 2.0, rng) for _ in range(200)]
    assert all(isinstance(s, int) and 0 <= s <= 10 for s in noisy) and min(noisy) < 10
    assert annotate(universe, task.prompt, task.reference, 0.0, rng) == 10
    assert annotate(universe, task.prompt, "", 0.0, rng) == 0
    with pytest.raises(ValueError, match="not a task"):
        annotate(universe, "Tell me a joke.", "No.", 1.0, rng)


def test_reward_model_pairs_are_oracle_ordered(universe):
    pairs = reward_model_pairs(universe, 150, seed=0)
    assert pairs == reward_model_pairs(universe, 150, seed=0) and len(pairs) == 150
    for p in pairs:
        validate_record(p, "dpo_pair")
        prompt = p["prompt"][0]["content"]
        assert p["prompt"][0]["role"] == "user" and p["chosen"][0]["role"] == "assistant"
        assert split_of(parse_task(universe, prompt).key) == "train"
        assert grade(universe, prompt, p["chosen"][0]["content"]) > grade(
            universe, prompt, p["rejected"][0]["content"]
        )
