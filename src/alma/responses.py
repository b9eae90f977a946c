"""Who samples how many of the N responses per prompt (ALMA §3.2, Table 4).

Round numbering follows the paper: round 1 is the initial SFT (two seeds, ``sft1`` and ``sft2``);
feedback rounds are 2..R+1. In round r the sources are the two SFT models and ``latest`` (the
round r-1 model), split by ratio; in the first feedback round (r = 2) the latest model *is* an SFT
model, so only the SFT pair samples.
"""

from __future__ import annotations

from collections.abc import Sequence

SOURCES = ("sft1", "sft2", "latest")


def active_sources(round_number: int, sources: Sequence[str]) -> list[str]:
    """Sources that sample in ``round_number`` (>= 2)."""
    if round_number < 2:
        raise ValueError(f"responses are sampled in feedback rounds (>= 2), not round {round_number}")
    unknown = [s for s in sources if s not in SOURCES]
    if unknown:
        raise ValueError(f"unknown response source(s) {unknown}; use {SOURCES}")
    active = [s for s in sources if not (s == "latest" and round_number == 2)]
    if not active:  # "latest only" in round 2 means the round-1 model, i.e. sft1
        active = ["sft1"]
    return active


def samples_per_source(round_number: int, sources: Sequence[str], ratio: Sequence[float], n: int) -> dict[str, int]:
    """Split N over the active sources by ratio (largest remainder; every active source gets >= 1).

    >>> samples_per_source(3, ["sft1", "sft2", "latest"], [1, 1, 1], 200)
    {'sft1': 67, 'sft2': 67, 'latest': 66}
    """
    if len(ratio) != len(sources):
        raise ValueError(f"ratio has {len(ratio)} entries for {len(sources)} sources")
    weight = dict(zip(sources, ratio, strict=True))
    active = active_sources(round_number, sources)
    if "sft1" in active and "sft1" not in weight:
        weight["sft1"] = 1.0
    if n < len(active):
        raise ValueError(f"N={n} is smaller than the number of sources {active}")
    total = sum(weight[s] for s in active)
    exact = {s: n * weight[s] / total for s in active}
    counts = {s: max(1, int(exact[s])) for s in active}
    remainder = n - sum(counts.values())
    for source in sorted(active, key=lambda s: (-(exact[s] - int(exact[s])), active.index(s)))[: max(remainder, 0)]:
        counts[source] += 1
    return counts


def checkpoint_for_source(source: str, round_number: int) -> str:
    """The model name that plays ``source`` in ``round_number``: sft1, sft2 or round<r-1>."""
    if source in ("sft1", "sft2"):
        return source
    return "sft1" if round_number - 1 == 1 else f"round{round_number - 1}"


def shard_slice(items: Sequence, shard: int, shards: int) -> list:
    """The ``shard``-th of ``shards`` contiguous slices (sizes differ by at most one)."""
    if not 0 <= shard < shards:
        raise ValueError(f"shard {shard} outside 0..{shards - 1}")
    size, extra = divmod(len(items), shards)
    start = shard * size + min(shard, extra)
    return list(items[start : start + size + (1 if shard < extra else 0)])
