"""The mini world's knowledge base and task generators: determinism, distinct prompts, a leak-free split."""

from __future__ import annotations

import pytest

from alma.mini.tasks import FAMILIES, sample_tasks, split_of, task_keys, truth, variants
from alma.mini.universe import build_universe


@pytest.fixture(scope="module")
def universe():
    return build_universe(0)


def test_universe_is_deterministic_and_seed_dependent(universe):
    assert build_universe(0) == universe
    assert hash(build_universe(0)) == hash(universe)
    assert build_universe(1).creatures != universe.creatures


def test_universe_is_small_balanced_and_unambiguous(universe):
    names = [c.name for c in universe.creatures]
    assert len(names) == len(set(names)) == 48
    assert not any(a != b and a.startswith(b) for a in names for b in names)  # no name is a prefix of another
    for attribute, values in (("home", universe.places), ("colour", universe.colours), ("food", universe.foods)):
        assert all(len(universe.residents(attribute, v)) == 48 // len(values) for v in values)
    assert all(2 <= c.height <= universe.max_number for c in universe.creatures)
    assert universe.opposite("hot") == "cold" and universe.opposite("cold") == "hot"


def test_every_family_has_keys_and_every_key_has_several_phrasings(universe):
    keys = task_keys(universe)
    assert set(keys) == set(FAMILIES)
    for family, groups in keys.items():
        flat = [k for g in groups for k in g]
        assert len(flat) == len(set(flat)) >= 40, family
        for key in flat[:20]:
            tasks = variants(universe, key)
            assert len(tasks) >= 4 and len({t.prompt for t in tasks}) == len(tasks)
            assert {t.key for t in tasks} == {key} and {t.family for t in tasks} == {family}
            assert truth(universe, key) is not None


@pytest.mark.parametrize("split", ["train", "eval"])
def test_sample_tasks_is_deterministic_with_distinct_prompts(universe, split):
    first = sample_tasks(universe, 400, seed=3, split=split)
    assert first == sample_tasks(universe, 400, seed=3, split=split)
    assert first != sample_tasks(universe, 400, seed=4, split=split)
    assert len({t.prompt for t in first}) == 400
    assert sample_tasks(universe, 100, seed=3, split=split) == first[:100]  # prefix-stable
    assert {t.family for t in first} == set(FAMILIES)
    assert all(split_of(t.key) == split for t in first)


def test_split_partitions_keys_about_one_fifth_eval(universe):
    keys = [k for groups in task_keys(universe).values() for g in groups for k in g]
    share = sum(split_of(k) == "eval" for k in keys) / len(keys)
    assert 0.15 < share < 0.25
    train = {t.key for t in sample_tasks(universe, 3000, seed=0, split="train")}
    held_out = {t.key for t in sample_tasks(universe, 1500, seed=0, split="eval")}
    assert not train & held_out
    # Both operand orders of a symmetric question share one key, so they can never straddle the split.
    assert {t.key for t in variants(universe, "num:3:9")} == {"num:3:9"}


def test_sample_tasks_draws_distinct_keys_before_repeating_a_key(universe):
    tasks = sample_tasks(universe, 40, seed=0, families=["fact"])
    assert len({t.key for t in tasks}) == 40


def test_sample_tasks_families_and_weights(universe):
    only = sample_tasks(universe, 50, seed=0, families=["arithmetic", "word"])
    assert {t.family for t in only} == {"arithmetic", "word"}
    weighted = sample_tasks(universe, 200, seed=0, weights={"list": 3.0, "fact": 1.0})
    counts = {f: sum(t.family == f for t in weighted) for f in ("list", "fact")}
    assert counts["list"] + counts["fact"] == 200 and counts["list"] > counts["fact"]


def test_sample_tasks_rejects_bad_arguments(universe):
    with pytest.raises(ValueError, match="unknown task families"):
        sample_tasks(universe, 5, seed=0, families=["poetry"])
    with pytest.raises(ValueError, match="split"):
        sample_tasks(universe, 5, seed=0, split="test")
    with pytest.raises(ValueError, match="distinct"):
        sample_tasks(universe, 10_000, seed=0, families=["word"], split="eval")
