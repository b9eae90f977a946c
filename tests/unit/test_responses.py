import pytest

from alma.responses import active_sources, checkpoint_for_source, samples_per_source, shard_slice

SOURCES = ["sft1", "sft2", "latest"]


def test_first_feedback_round_uses_only_the_sft_pair():
    assert active_sources(2, SOURCES) == ["sft1", "sft2"]
    assert samples_per_source(2, SOURCES, [1, 1, 1], 200) == {"sft1": 100, "sft2": 100}


def test_later_rounds_split_n_by_ratio():
    counts = samples_per_source(5, SOURCES, [1, 1, 1], 200)
    assert counts == {"sft1": 67, "sft2": 67, "latest": 66}
    assert sum(samples_per_source(7, SOURCES, [2, 1, 1], 9).values()) == 9


def test_ablation_source_sets():
    assert samples_per_source(3, ["latest"], [1], 8) == {"latest": 8}
    assert samples_per_source(2, ["latest"], [1], 8) == {"sft1": 8}  # round 2's latest is the SFT model
    assert samples_per_source(3, ["sft1"], [1], 8) == {"sft1": 8}
    with pytest.raises(ValueError, match="unknown response source"):
        active_sources(3, ["sft3"])
    with pytest.raises(ValueError, match="feedback rounds"):
        active_sources(1, SOURCES)


def test_checkpoints_for_sources():
    assert checkpoint_for_source("latest", 2) == "sft1"
    assert checkpoint_for_source("latest", 4) == "round3"
    assert checkpoint_for_source("sft2", 9) == "sft2"


def test_shards_cover_everything_once():
    items = list(range(10))
    shards = [shard_slice(items, k, 3) for k in range(3)]
    assert shards == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    with pytest.raises(ValueError):
        shard_slice(items, 3, 3)
