"""Backend choice and the vLLM logprob handling that runs without a GPU (the engine itself: tests/gpu)."""

from __future__ import annotations

import numpy as np
import pytest

from alma.backends import backend_kind, open_backend
from alma.backends.hf import HFBackend
from alma.backends.vllm import logprob_row, vllm_available
from alma.judge import ScoreTokens, expected_scores, score_distribution


def test_backend_choice_follows_the_environment(monkeypatch):
    monkeypatch.setenv("ALMA_BACKEND", "hf")
    assert backend_kind() == "hf"
    monkeypatch.setenv("ALMA_BACKEND", "auto")
    assert backend_kind() == ("vllm" if vllm_available() else "hf")
    monkeypatch.setenv("ALMA_BACKEND", "tensorrt")
    with pytest.raises(ValueError, match="ALMA_BACKEND='tensorrt'"):
        backend_kind()


def test_open_backend_on_cpu_is_transformers(tiny_model_dir, monkeypatch):
    monkeypatch.delenv("ALMA_BACKEND", raising=False)
    if vllm_available():
        pytest.skip("a GPU with vLLM is visible")
    assert isinstance(open_backend(tiny_model_dir, batch_size=2), HFBackend)


def test_top_k_logprobs_become_a_full_row_and_a_score():
    tokens = ScoreTokens(first=tuple(range(10, 21)), ten_second=None)
    top = {15: np.log(0.6), 16: np.log(0.3), 3: np.log(0.05)}  # scores 5 and 6, plus a non-score token
    row = logprob_row(top, vocab_size=32)
    assert row.shape == (32,) and np.isneginf(row[0]) and row[15] == pytest.approx(np.log(0.6))
    probs = score_distribution(row[None, :], tokens)
    assert expected_scores(probs)[0] == pytest.approx((5 * 0.6 + 6 * 0.3) / 0.9)


def test_a_row_without_any_score_token_gets_no_score(tiny_model_dir):
    from alma.scoring import JudgeScorer

    scorer = JudgeScorer(tiny_model_dir, "ft_real", judge_id="tiny:ft_real", batch_size=2, backend="hf")
    real = scorer.backend.next_token_logprobs

    def top_k_only(rows):  # what a top-k backend returns when the judge looks elsewhere
        out = real(rows)
        out[0, list(scorer.tokens.first)] = -np.inf
        return out

    scorer.backend.next_token_logprobs = top_k_only
    results = scorer.score(["What colour is the nola?"] * 2, ["The nola is blue.", "Blue."])
    assert results[0] == {"score": None, "probs": None} and results[1]["score"] is not None
