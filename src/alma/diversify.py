"""Diversified per-round prompt selection with a used-prompt ledger (ALMA §3.1, Table 3).

Prompts are embedded with the base model's hidden states and clustered with k-means; each round
picks K clusters and one prompt no earlier round used from each. The ledger of used prompt ids is
an explicit file carried from round to round, so no prompt is ever used twice. ``random`` draws K
unused prompts uniformly instead (the Table 3 ablation).

k-means: scikit-learn's MiniBatchKMeans (seeded, CPU; it streams mini-batches, so memory grows
with the centroids, not the pool). For 1M clusters over 100M prompts see config/README.md.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

METHODS = ("kmeans", "random")


def cluster_embeddings(embeddings: np.ndarray, clusters: int, seed: int) -> np.ndarray:
    """Cluster index per row, shape (rows,). Rows are L2-normalised first (cosine geometry)."""
    from sklearn.cluster import MiniBatchKMeans

    if len(embeddings) == 0:
        raise ValueError("cannot cluster an empty prompt pool")
    clusters = min(clusters, len(embeddings))
    norms = np.linalg.norm(embeddings, axis=1, keepdims=True)
    unit = embeddings / np.clip(norms, 1e-12, None)
    kmeans = MiniBatchKMeans(
        n_clusters=clusters, random_state=seed, batch_size=4096, n_init=3, max_iter=100, reassignment_ratio=0.0
    )
    return kmeans.fit_predict(unit.astype(np.float32)).astype(np.int64)


def select_prompts(pool: Sequence[dict], used: set[str], k: int, method: str, seed: int) -> list[dict]:
    """K unused prompts; with ``kmeans`` they come from K distinct clusters.

    Args:
        pool: prompt records; with ``kmeans`` each has a ``cluster``.
        used: ids already used by earlier rounds (the ledger).
        k: prompts per round.
    Raises:
        ValueError: when fewer than K clusters (or prompts) have unused prompts left.
    """
    if method not in METHODS:
        raise ValueError(f"unknown selection method {method!r}; use one of {METHODS}")
    rng = random.Random(seed)
    unused = [p for p in pool if p["id"] not in used]
    if method == "random":
        if len(unused) < k:
            raise ValueError(f"only {len(unused)} unused prompts left for K={k}; enlarge the pool")
        return sorted(rng.sample(unused, k), key=lambda p: p["id"])
    by_cluster: dict[int, list[dict]] = defaultdict(list)
    for prompt in unused:
        if prompt.get("cluster") is None:
            raise ValueError(f"prompt {prompt['id']!r} has no cluster; run the clustering stage first")
        by_cluster[int(prompt["cluster"])].append(prompt)
    if len(by_cluster) < k:
        raise ValueError(
            f"only {len(by_cluster)} clusters still have unused prompts for K={k}; "
            "enlarge the pool or the cluster count"
        )
    chosen_clusters = rng.sample(sorted(by_cluster), k)
    return sorted(
        (rng.choice(sorted(by_cluster[c], key=lambda p: p["id"])) for c in chosen_clusters), key=lambda p: p["id"]
    )
