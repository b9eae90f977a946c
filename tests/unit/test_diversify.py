import numpy as np
import pytest

from alma.diversify import cluster_embeddings, select_prompts


def pool_with_clusters(n=200, clusters=40, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(clusters, 16))
    labels = np.arange(n) % clusters
    vectors = centers[labels] + 0.01 * rng.normal(size=(n, 16))
    assigned = cluster_embeddings(vectors, clusters, seed=0)
    return (
        [
            {"id": f"p{i:03d}", "text": f"prompt {i}", "source": "synthetic", "cluster": int(c)}
            for i, c in enumerate(assigned)
        ],
        labels,
        assigned,
    )


def test_kmeans_recovers_well_separated_clusters():
    _, truth, assigned = pool_with_clusters()
    # same partition up to relabelling: every true cluster maps to exactly one found cluster
    mapping = {}
    for t, a in zip(truth, assigned, strict=True):
        assert mapping.setdefault(t, a) == a
    assert len(set(mapping.values())) == len(mapping)


@pytest.mark.parametrize("method", ["kmeans", "random"])
def test_rounds_never_reuse_a_prompt_and_use_distinct_clusters(method):
    pool, _, _ = pool_with_clusters()
    used: set[str] = set()
    for round_number in range(2, 9):  # 7 rounds x 25 prompts out of 200
        chosen = select_prompts(pool, used, 25, method, seed=round_number)
        ids = [p["id"] for p in chosen]
        assert len(set(ids)) == 25 and not used & set(ids)
        if method == "kmeans":
            assert len({p["cluster"] for p in chosen}) == 25
        used |= set(ids)
    assert len(used) == 175


def test_selection_is_deterministic_and_fails_clearly_when_exhausted():
    pool, _, _ = pool_with_clusters(n=50, clusters=10)
    assert select_prompts(pool, set(), 5, "kmeans", 3) == select_prompts(pool, set(), 5, "kmeans", 3)
    with pytest.raises(ValueError, match="only 10 clusters"):
        select_prompts(pool, set(), 11, "kmeans", 0)
    with pytest.raises(ValueError, match="unused prompts left"):
        select_prompts(pool, {p["id"] for p in pool[:45]}, 6, "random", 0)
