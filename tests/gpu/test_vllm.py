"""vLLM on a GPU against the transformers reference, on the shipped mini models.

vLLM serves 98% of the paper's GPU jobs (sampling and judge scoring), so its outputs are held to the
fp32 transformers reference: next-token log-probs on the top tokens, greedy answers equal but for
near-ties, the judge's probability-weighted scores, and sampling seeded per prompt. Runs only where
vLLM imports and CUDA is visible; skipped with the reason elsewhere.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gpu_agreement import divergence_margin

from alma.backends.vllm import vllm_available
from alma.config import SamplingParams

pytestmark = pytest.mark.skipif(not vllm_available(), reason="needs vLLM (envs/vllm.txt) and a CUDA GPU")
REPO = Path(__file__).resolve().parents[2]
MINI_INSTRUCT = REPO / "resources" / "mini-instruct"
QUESTIONS = ["What colour is the nola?", "Add 3 and 5.", "What is the opposite of hot?", "Count from one to four."]


@pytest.fixture(scope="module")
def engines():
    from alma.backends.hf import HFBackend
    from alma.backends.vllm import VLLMBackend

    return HFBackend(MINI_INSTRUCT, device="cpu"), VLLMBackend(MINI_INSTRUCT, gpu_memory_utilization=0.3)


def test_next_token_logprobs_agree_on_the_top_tokens(engines, gpu_report):
    hf, vl = engines
    rows = hf._encode(hf.chat_texts(QUESTIONS))
    a, b = hf.next_token_logprobs(rows), vl.next_token_logprobs(rows)
    top = np.argsort(a, axis=1)[:, -5:]
    diff = np.abs(np.take_along_axis(a, top, 1) - np.take_along_axis(b, top, 1))
    gpu_report("vllm_logprobs", max_abs_diff_top5=round(float(diff.max()), 4))
    assert diff.max() < 0.1  # bf16 engine against the fp32 reference


def test_greedy_answers_equal_the_reference_but_for_near_ties(engines, gpu_report):
    hf, vl = engines
    texts = hf.chat_texts(QUESTIONS)
    params = SamplingParams(temperature=0.0, max_new_tokens=24)
    margins = []
    for text, (r,), (o,) in zip(texts, hf.generate(texts, params), vl.generate(texts, params), strict=True):
        tok = hf.tokenizer
        ids = [tok(s, add_special_tokens=False).input_ids for s in (r, o)]
        margins.append(divergence_margin(hf, hf._encode([text])[0], *ids))
    gpu_report("vllm_greedy", equal=sum(m == 0.0 for m in margins), of=len(margins), max_margin=max(margins))
    assert max(margins) < 0.05, f"vLLM chose a token the reference rates far lower: margins {margins}"


def test_probability_weighted_judge_scores_agree(engines, gpu_report):
    from alma.scoring import JudgeScorer

    hf, vl = engines
    answers = ["It is red.", "8", "Cold.", "one two three four"]
    on_vllm = JudgeScorer(MINI_INSTRUCT, variant="ft_real", judge_id="vllm", backend="hf")
    on_hf = JudgeScorer(MINI_INSTRUCT, variant="ft_real", judge_id="hf", backend="hf")
    on_vllm.backend, on_hf.backend = vl, hf
    a = np.array([j["score"] for j in on_hf.score(QUESTIONS, answers)], dtype=float)
    b = np.array([j["score"] for j in on_vllm.score(QUESTIONS, answers)], dtype=float)
    gpu_report("vllm_judge_scores", max_abs_diff=round(float(np.nanmax(np.abs(a - b))), 4), scale="0-10")
    assert np.isfinite(b).all(), "vLLM's top-k log-probs missed every score token for some response"
    assert np.abs(a - b).max() < 0.1


def test_sampling_is_seeded_per_prompt(engines):
    _, vl = engines
    texts = vl.chat_texts(QUESTIONS[:2])
    params = SamplingParams(temperature=1.0, top_p=0.95, max_new_tokens=16, n=4, seed=7)
    first = vl.generate(texts, params)
    assert vl.generate(texts, params) == first
    assert vl.generate(texts[:1], params)[0] == first[0]  # independent of the batch it shares
    assert len(set(first[0])) > 1  # sampling, not greedy
