"""The transformers backend on a GPU (bf16) against the CPU reference (fp32), on the shipped mini models.

This is the backend every GPU job falls back to without vLLM, and the one that embeds prompts for
clustering at any scale, so each of its three outputs is checked: next-token log-probs, greedy
answers, and the judge's probability-weighted scores; plus seeded sampling that repeats on the GPU.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gpu_agreement import divergence_margin

from alma.backends.hf import HFBackend
from alma.config import SamplingParams

REPO = Path(__file__).resolve().parents[2]
MINI_BASE, MINI_INSTRUCT = REPO / "resources" / "mini-base", REPO / "resources" / "mini-instruct"
QUESTIONS = [
    "What colour is the nola?",
    "Add 3 and 5.",
    "Name an animal that lives in the river.",
    "What is the opposite of hot?",
    "Count from one to four.",
    "Say hello to the teacher.",
]


@pytest.fixture(scope="module")
def engines():
    return HFBackend(MINI_INSTRUCT, device="cpu"), HFBackend(MINI_INSTRUCT, device="cuda")


def test_the_gpu_model_is_bf16_on_cuda(engines):
    import torch

    _, gpu = engines
    assert gpu.device.type == "cuda" and gpu.model.dtype == torch.bfloat16


def test_next_token_logprobs_agree_with_the_fp32_reference(engines, gpu_report):
    cpu, gpu = engines
    rows = cpu._encode(cpu.chat_texts(QUESTIONS))
    a, b = cpu.next_token_logprobs(rows), gpu.next_token_logprobs(rows)
    top = np.argsort(a, axis=1)[:, -5:]
    diff = np.abs(np.take_along_axis(a, top, 1) - np.take_along_axis(b, top, 1))
    gpu_report("hf_cuda_logprobs", max_abs_diff_top5=round(float(diff.max()), 4))
    assert diff.max() < 0.1  # bf16 logits on a 3.5M model: measured differences are a few hundredths


def test_greedy_answers_equal_the_reference_but_for_near_ties(engines, gpu_report):
    cpu, gpu = engines
    texts = cpu.chat_texts(QUESTIONS)
    params = SamplingParams(temperature=0.0, max_new_tokens=24)
    ref, out = cpu.generate(texts, params), gpu.generate(texts, params)
    margins = []
    for text, (r,), (o,) in zip(texts, ref, out, strict=True):
        prompt = cpu._encode([text])[0]
        tok = lambda s: cpu.tokenizer(s, add_special_tokens=False).input_ids  # noqa: E731
        margins.append(divergence_margin(cpu, prompt, tok(r), tok(o)))
    equal = sum(m == 0.0 for m in margins)
    gpu_report("hf_cuda_greedy", equal=equal, of=len(margins), max_divergence_margin=round(max(margins), 4))
    assert max(margins) < 0.05, f"the GPU chose a token the reference rates far lower: margins {margins}"


def test_probability_weighted_judge_scores_agree(engines, gpu_report):
    from alma.scoring import JudgeScorer

    cpu, gpu = engines
    on_gpu = JudgeScorer(MINI_INSTRUCT, variant="ft_real", judge_id="gpu", backend="hf")
    on_cpu = JudgeScorer(MINI_INSTRUCT, variant="ft_real", judge_id="cpu", backend="hf")
    on_gpu.backend, on_cpu.backend = gpu, cpu
    answers = ["It is red.", "8", "The fish.", "Cold.", "one two three four", "Hello teacher!"]
    a = [j["score"] for j in on_cpu.score(QUESTIONS, answers)]
    b = [j["score"] for j in on_gpu.score(QUESTIONS, answers)]
    diff = np.abs(np.array(a) - np.array(b))
    gpu_report("hf_cuda_judge_scores", max_abs_diff=round(float(diff.max()), 4), scale="0-10")
    assert diff.max() < 0.1


def test_seeded_sampling_repeats_on_the_gpu():
    base = HFBackend(MINI_BASE, device="cuda", batch_size=2)
    texts = base.chat_texts(QUESTIONS[:3])
    params = SamplingParams(temperature=1.0, top_p=0.95, max_new_tokens=16, n=4, seed=7)
    first = base.generate(texts, params)
    assert base.generate(texts, params) == first
    assert len({s for samples in first for s in samples}) > 3  # sampling, not greedy
