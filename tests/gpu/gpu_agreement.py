"""How two engines' greedy answers are compared: equal, or apart only where the reference nearly ties."""

from __future__ import annotations


def first_divergence(reference: list[int], other: list[int]) -> int | None:
    """Index of the first token where the two sequences differ (or one ends early); None if equal."""
    for i, (a, b) in enumerate(zip(reference, other, strict=False)):
        if a != b:
            return i
    return None if len(reference) == len(other) else min(len(reference), len(other))


def divergence_margin(reference_backend, prompt_ids: list[int], reference: list[int], other: list[int]) -> float:
    """How far apart, in the reference's fp32 log-probs, the two tokens chosen at the first divergence are.

    0.0 when the sequences are equal. A bf16 engine may pick the other side of a near-tie; a margin of
    more than a few hundredths means it computed something else.
    """
    i = first_divergence(reference, other)
    if i is None:
        return 0.0
    logprobs = reference_backend.next_token_logprobs([prompt_ids + reference[:i]])[0]
    ours, theirs = reference[i : i + 1], other[i : i + 1]
    eos = reference_backend.tokenizer.eos_token_id  # a sequence that stopped chose the end token
    a, b = (ours or [eos])[0], (theirs or [eos])[0]
    return float(abs(logprobs[a] - logprobs[b]))
