"""Few-shot self-instruct prompt synthesis and de-duplication (ALMA §3.1).

Each request shows the base model 3-5 seed prompts (sampled with a seeded RNG) and lets it write
one more; several continuations share each request's prefill. The pool is then cleaned by format
and length filters, exact de-duplication on normalised text, and near-duplicate removal with
MinHash LSH over character 5-grams (``datasketch``: maintained, pure Python, and its LSH index is
what lets the same code de-duplicate a sharded 100M pool incrementally).
"""

from __future__ import annotations

import logging
import random
import re
from collections import Counter
from collections.abc import Sequence

from alma.fewshot import SYNTHESIS_STOP, cut_at_stop, synthesis_prompt

log = logging.getLogger(__name__)

FORMAT_MARKERS = ("Request", "Answer:", "<|", "|>")
SHINGLE = 5


def synthesis_requests(
    seed_prompts: Sequence[str], requests: int, shots: tuple[int, int], seed: int
) -> list[list[str]]:
    """The seed prompts shown in each synthesis request (``shots`` is an inclusive range)."""
    lo, hi = shots
    if not 1 <= lo <= hi <= len(seed_prompts):
        raise ValueError(f"shots range {shots} is invalid for {len(seed_prompts)} seed prompts")
    rng = random.Random(seed)
    return [rng.sample(list(seed_prompts), rng.randint(lo, hi)) for _ in range(requests)]


def synthesize(
    backend, seed_prompts: Sequence[str], count: int, shots: tuple[int, int], sampling, seed: int, id_prefix: str
) -> list[dict]:
    """Generate ``count`` raw candidate prompts (before filtering) as ``prompt`` records."""
    import dataclasses
    import math

    per_request = max(1, sampling.n)
    requests = synthesis_requests(seed_prompts, math.ceil(count / per_request), shots, seed)
    texts = [synthesis_prompt(r) for r in requests]
    params = dataclasses.replace(sampling, seed=seed)
    outputs = backend.generate(texts, params, stop=SYNTHESIS_STOP)
    records = []
    empty = 0
    for i, samples in enumerate(outputs):
        for j, sample in enumerate(samples[: max(0, count - i * per_request)]):
            text = cut_at_stop(sample, SYNTHESIS_STOP)
            if not text:  # the model ended the list at once; nothing to filter later
                empty += 1
                continue
            records.append({"id": f"{id_prefix}-{i:06d}-{j:02d}", "text": text, "source": "synthetic"})
    if empty:
        log.info("%d of %d continuations were empty and are not kept", empty, count)
    return records


def normalize(text: str) -> str:
    """Case-folded, punctuation-free, whitespace-collapsed text for exact de-duplication."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def format_problem(text: str, min_chars: int, max_chars: int) -> str | None:
    """Why a candidate fails the length/format filters, or None when it passes."""
    if len(text) < min_chars:
        return "too_short"
    if len(text) > max_chars:
        return "too_long"
    if any(marker in text for marker in FORMAT_MARKERS):
        return "template_leak"
    if any(not ch.isprintable() for ch in text):
        return "control_chars"
    if not re.search(r"[A-Za-z]{2}", text):
        return "no_words"
    return None


def _minhash(text: str, num_perm: int):
    from datasketch import MinHash

    norm = normalize(text)
    grams = {norm[i : i + SHINGLE] for i in range(max(1, len(norm) - SHINGLE + 1))}
    mh = MinHash(num_perm=num_perm, seed=1)
    for gram in sorted(grams):
        mh.update(gram.encode("utf-8"))
    return mh


def clean_pool(
    candidates: Sequence[dict],
    seed_texts: Sequence[str],
    min_chars: int,
    max_chars: int,
    near_duplicate_jaccard: float,
    num_perm: int = 64,
    eval_texts: Sequence[str] = (),
) -> tuple[list[dict], dict[str, int]]:
    """Filter and de-duplicate candidates, in order; return the kept records and removal counts.

    Seed prompts count as already seen, so the pool never re-proposes the seed set. Evaluation
    prompts are removed on an exact (normalised) match and counted as ``eval_overlap``: a model
    trained on a benchmark's own prompts would inflate its score on that benchmark.
    """
    from datasketch import MinHashLSH

    counts: Counter[str] = Counter(candidates=len(candidates))
    seen = {normalize(t) for t in seed_texts}
    held_out = {normalize(t) for t in eval_texts}
    lsh = MinHashLSH(threshold=near_duplicate_jaccard, num_perm=num_perm)
    for i, text in enumerate(seed_texts):
        lsh.insert(f"seed-{i}", _minhash(text, num_perm))
    kept = []
    for record in candidates:
        text = " ".join(record["text"].split())
        problem = format_problem(text, min_chars, max_chars)
        if problem:
            counts[problem] += 1
            continue
        key = normalize(text)
        if key in held_out:
            counts["eval_overlap"] += 1
            continue
        if key in seen:
            counts["exact_duplicate"] += 1
            continue
        mh = _minhash(text, num_perm)
        if lsh.query(mh):
            counts["near_duplicate"] += 1
            continue
        seen.add(key)
        lsh.insert(record["id"], mh)
        kept.append({**record, "text": text})
    counts["kept"] = len(kept)
    return kept, dict(counts)
