"""Prompt-pool diagnostics: what synthesis kept, how the clusters look, and where each round drew from.

The questions a user asks before trusting the diversification step:

- **Filters**: how many synthetic prompts each filter removed (exact and near duplicates, length,
  overlap with the evaluation sets); the duplicate rate is the share of candidates that were exact or
  near duplicates.
- **Cluster sizes**: a few giant clusters mean the base model keeps writing the same request.
- **Prompt lengths** (words) of the kept pool.
- **A 2-D map** of the embeddings (the first two principal components), the pool in grey and each
  round's prompts in colour: one prompt per cluster should spread each round over the whole map.

At paper scale the pool has 10^8 rows; the map is drawn from a seeded sample of ``max_points``
rows, and the principal axes are computed on that sample.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from alma.paper.figures import _new_figure, _save

DUPLICATE_FILTERS = ("exact_duplicate", "near_duplicate")


def summary_table(
    pool: Sequence[Mapping], stats: Mapping[str, int], rounds: Mapping[int, Sequence[Mapping]]
) -> pd.DataFrame:
    """One row per metric: filter counts, duplicate rate, cluster sizes, lengths, and per-round spread.

    Args:
        pool: clustered pool rows (``id``, ``text``, ``cluster``).
        stats: the synthesis filter counts (``prompts/pool_stats.json``: ``candidates``, ``kept`` and
            one count per filter).
        rounds: round number -> that round's selected prompt rows (with ``cluster``).

    Returns:
        Columns ``metric``, ``value``.
    """
    rows: list[tuple[str, float]] = [(f"filter.{k}", float(v)) for k, v in sorted(stats.items())]
    candidates = stats.get("candidates", 0)
    duplicates = sum(stats.get(k, 0) for k in DUPLICATE_FILTERS)
    rows.append(("duplicate_rate", duplicates / candidates if candidates else float("nan")))
    sizes = np.array(sorted(Counter(r["cluster"] for r in pool).values()))
    lengths = np.array([len(r["text"].split()) for r in pool])
    rows += [
        ("pool.prompts", float(len(pool))),
        ("clusters.nonempty", float(len(sizes))),
        ("clusters.size_min", float(sizes.min()) if len(sizes) else float("nan")),
        ("clusters.size_median", float(np.median(sizes)) if len(sizes) else float("nan")),
        ("clusters.size_max", float(sizes.max()) if len(sizes) else float("nan")),
        ("prompt_words.median", float(np.median(lengths)) if len(lengths) else float("nan")),
        ("prompt_words.p90", float(np.percentile(lengths, 90)) if len(lengths) else float("nan")),
    ]
    for number, selected in sorted(rounds.items()):
        rows.append((f"round{number}.prompts", float(len(selected))))
        rows.append((f"round{number}.distinct_clusters", float(len({r["cluster"] for r in selected}))))
    return pd.DataFrame(rows, columns=["metric", "value"])


def project_2d(embeddings: np.ndarray, max_points: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """First two principal components of (a seeded sample of) the embeddings.

    Returns:
        (indices of the rows drawn, their 2-D coordinates); every row when there are at most
        ``max_points``.
    """
    n = len(embeddings)
    index = np.arange(n)
    if n > max_points:
        index = np.sort(np.random.default_rng(seed).choice(n, size=max_points, replace=False))
    sample = np.asarray(embeddings[index], dtype=np.float64)
    centred = sample - sample.mean(axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)  # rows of `axes`: principal directions
    return index, centred @ axes[:2].T


def plot(
    pool: Sequence[Mapping],
    embeddings: np.ndarray,
    stats: Mapping[str, int],
    rounds: Mapping[int, Sequence[Mapping]],
    out_png,
    out_pdf,
    max_points: int = 20000,
    seed: int = 0,
) -> None:
    """Four panels: filter counts, cluster sizes, prompt lengths, and the 2-D map coloured by round."""
    if len(embeddings) != len(pool):
        raise ValueError(f"{len(embeddings)} embeddings for {len(pool)} pool prompts: they must be row-aligned")
    fig, (filters, sizes, lengths, world) = _new_figure(4, width=4.6, height=3.6, columns=2)
    removed = {k: v for k, v in sorted(stats.items()) if k not in ("candidates", "kept")}
    filters.barh(list(removed), list(removed.values()), color="#888888")
    filters.set_title(f"removed of {stats.get('candidates', 0)} candidates")
    counts = sorted(Counter(r["cluster"] for r in pool).values(), reverse=True)
    sizes.bar(range(len(counts)), counts, width=1.0, color="#4c72b0")
    sizes.set(title=f"{len(counts)} clusters, by size", xlabel="cluster rank", ylabel="prompts")
    words = [len(r["text"].split()) for r in pool]
    lengths.hist(words, bins=np.arange(min(words), max(words) + 2) - 0.5, color="#55a868")
    lengths.set(title="prompt length", xlabel="words", ylabel="prompts")
    index, xy = project_2d(embeddings, max_points, seed)
    row_of = {pool[i]["id"]: k for k, i in enumerate(index)}
    world.scatter(xy[:, 0], xy[:, 1], s=3, color="#cccccc", label="pool")
    for number, selected in sorted(rounds.items()):
        picked = [row_of[r["id"]] for r in selected if r["id"] in row_of]
        world.scatter(xy[picked, 0], xy[picked, 1], s=8, label=f"round {number}")
    world.set(title="embeddings (PCA), prompts by round", xticks=[], yticks=[])
    world.legend(fontsize="small", markerscale=2)
    _save(fig, out_png, out_pdf)
