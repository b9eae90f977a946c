"""Prompt-pool diagnostics: filter counts, duplicate rate, cluster spread per round, and the figure."""

import numpy as np
import pytest

from alma.paper import prompt_diagnostics as pdg


def _pool(n=40, clusters=8):
    return [{"id": f"p{i}", "text": " ".join(["word"] * (3 + i % 5)), "cluster": i % clusters} for i in range(n)]


STATS = {"candidates": 100, "kept": 40, "exact_duplicate": 30, "near_duplicate": 10, "too_short": 20}


def test_summary_counts_duplicates_clusters_and_round_spread():
    pool = _pool()
    rounds = {2: pool[:8], 3: [pool[8], pool[16], pool[9]]}  # round 3 draws cluster 0 twice
    table = dict(pdg.summary_table(pool, STATS, rounds).itertuples(index=False))
    assert table["duplicate_rate"] == pytest.approx(0.4)
    assert table["filter.too_short"] == 20 and table["pool.prompts"] == 40
    assert table["clusters.nonempty"] == 8 and table["clusters.size_min"] == table["clusters.size_max"] == 5
    assert table["prompt_words.median"] == 5
    assert table["round2.distinct_clusters"] == 8
    assert table["round3.prompts"] == 3 and table["round3.distinct_clusters"] == 2


def test_projection_keeps_the_main_axis_and_samples_large_pools():
    rng = np.random.default_rng(0)
    points = np.outer(rng.normal(size=500), np.ones(16)) * 10 + rng.normal(size=(500, 16)) * 0.1
    index, xy = pdg.project_2d(points, max_points=1000, seed=0)
    assert len(index) == 500 and xy.shape == (500, 2)
    assert xy[:, 0].var() > 100 * xy[:, 1].var()  # the first component carries the planted direction
    index, xy = pdg.project_2d(points, max_points=50, seed=1)
    assert len(set(index)) == 50 and xy.shape == (50, 2)
    assert np.array_equal(index, pdg.project_2d(points, max_points=50, seed=1)[0])


def test_plot_writes_both_files_and_rejects_misaligned_embeddings(tmp_path):
    pool = _pool()
    embeddings = np.random.default_rng(0).normal(size=(40, 8)).astype(np.float32)
    pdg.plot(pool, embeddings, STATS, {2: pool[:8]}, tmp_path / "d.png", tmp_path / "d.pdf")
    assert (tmp_path / "d.png").read_bytes()[:4] == b"\x89PNG" and (tmp_path / "d.pdf").stat().st_size > 0
    with pytest.raises(ValueError, match="row-aligned"):
        pdg.plot(pool, embeddings[:39], STATS, {}, tmp_path / "e.png", tmp_path / "e.pdf")
