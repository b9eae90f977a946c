"""The LLM judge of ALMA §3.3: template, training data, and integer or probability-weighted scores.

Variants (``judge.variant`` in config), all made from the base model:

- ``fewshot_int``: the base model prompted 3-shot, integer score parsed from its output;
- ``ft_int``: fine-tuned on the seed judgments, integer score parsed from greedy output;
- ``ft_real``: fine-tuned, real-valued score ``sum_s s * p(s)`` over the eleven scores, read from one
  forward pass at the rating position (renormalised over the eleven);
- ``ft_real_distill``: ``ft_real`` after self-distillation on synthetic pairs it scored itself.

The mini world adds ``oracle`` for the rounds (not a model, so not in :data:`VARIANTS`): the oracle's
grade as the judge's score, the ceiling of best-of-N selection (:func:`alma.mini.oracle.oracle_judgments`).

Self-distillation target (deviation, the paper does not say): the judge's own real-valued score
rounded to the nearest integer, trained as an ordinary "[[k]]" answer. It keeps the judge a plain
SFT model (same trainer, same chat format) while moving its mode toward its expectation, which is
what sharpens the distribution when the seed annotations are noisy.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

import numpy as np

from alma.records import sha256_text

VARIANTS = ("fewshot_int", "ft_int", "ft_real", "ft_real_distill")
SCORES = tuple(range(11))

JUDGE_INSTRUCTION = (
    "Act as an impartial judge and rate the quality of the response an AI assistant gave to the "
    "user request below. Consider helpfulness, relevance, accuracy, depth, creativity and level of "
    "detail. Rate the response on a scale of 0 to 10 (0: unusable, 5: average, 10: outstanding) and "
    "answer with the rating only, strictly in the format [[rating]], for example [[6]]."
)
INSTRUCTIONS = {
    "standard": JUDGE_INSTRUCTION,
    # One sentence for small judges: the mini world's 4-layer judge attends over a few hundred
    # tokens, and the standard instruction is most of them (config/README.md, "The mini world's judge").
    "compact": "Rate the response to the request from 0 to 10, as [[rating]].",
}
"""judge instructions by ``judge.template`` (the paper's wording, paraphrased, is ``standard``)."""
USER_TEMPLATE = "{instruction}\n\n[Request]\n{prompt}\n\n[Response]\n{response}"
RATING_OPEN = "[["
FEWSHOT_ITEM = "[Request]\n{prompt}\n\n[Response]\n{response}\n\nRating: {rating}\n\n"
TEMPLATE_VERSION = "judge-v1"
RATING_PATTERN = re.compile(r"\[\[\s*(\d{1,2})\s*\]\]")


def _instruction(template: str) -> str:
    if template not in INSTRUCTIONS:
        raise ValueError(f"unknown judge template {template!r}; known: {sorted(INSTRUCTIONS)}")
    return INSTRUCTIONS[template]


def template_hash(template: str = "standard") -> str:
    """Hash of everything the judge reads besides the pair, recorded in every judgment."""
    return sha256_text(TEMPLATE_VERSION + _instruction(template) + USER_TEMPLATE + FEWSHOT_ITEM)[:16]


TEMPLATE_HASH = template_hash("standard")


def judge_message(prompt: str, response: str, template: str = "standard") -> str:
    """The user turn the judge sees (the paper's impartial-judge prompt, in our words)."""
    return USER_TEMPLATE.format(instruction=_instruction(template), prompt=prompt.strip(), response=response.strip())


def rating_text(score: int) -> str:
    return f"{RATING_OPEN}{int(score)}]]"


def fewshot_judge_prompt(
    examples: Sequence[tuple[str, str, int]], prompt: str, response: str, template: str = "standard"
) -> str:
    """Plain-text k-shot judge prompt for the base model (variant ``fewshot_int``)."""
    shots = "".join(
        FEWSHOT_ITEM.format(prompt=p.strip(), response=r.strip(), rating=rating_text(s)) for p, r, s in examples
    )
    query = FEWSHOT_ITEM.format(prompt=prompt.strip(), response=response.strip(), rating="").rstrip() + " "
    return _instruction(template) + "\n\n" + shots + query


def parse_rating(text: str) -> int | None:
    """The integer rating in a judge's output, or None when absent or outside 0..10."""
    match = RATING_PATTERN.search(text)
    if not match:
        return None
    value = int(match.group(1))
    return value if 0 <= value <= 10 else None


def judge_training_example(prompt: str, response: str, score: int, template: str = "standard") -> dict:
    """One TRL conversational example: judge prompt -> "[[score]]"."""
    return {
        "messages": [
            {"role": "user", "content": judge_message(prompt, response, template)},
            {"role": "assistant", "content": rating_text(score)},
        ]
    }


@dataclasses.dataclass(frozen=True)
class ScoreTokens:
    """How the eleven score strings tokenize.

    ``first[s]`` is the first token of score ``s``. ``ten_second`` is the second token of "10" when
    the tokenizer splits it ("1" then "0", as digit-splitting tokenizers do), else None (Llama-3
    keeps "10" whole).
    """

    first: tuple[int, ...]
    ten_second: int | None

    @classmethod
    def from_tokenizer(cls, tokenizer) -> ScoreTokens:
        pieces = [tokenizer.encode(str(s), add_special_tokens=False) for s in SCORES]
        for s, ids in enumerate(pieces[:10]):
            if len(ids) != 1:
                raise ValueError(f"judge tokenizer splits the score {s!r} into {len(ids)} tokens; expected one")
        ten = pieces[10]
        if len(ten) == 1:
            return cls(tuple(p[0] for p in pieces), None)
        if len(ten) == 2 and ten[0] == pieces[1][0]:
            return cls(tuple(p[0] for p in pieces), ten[1])
        raise ValueError(f"judge tokenizer splits '10' as {ten}; expected one token or '1' + '0'")


def score_distribution(
    first_logprobs: np.ndarray, tokens: ScoreTokens, ten_logprobs: np.ndarray | None = None
) -> np.ndarray:
    """Probabilities of the eleven scores, renormalised, shape (rows, 11).

    Args:
        first_logprobs: (rows, vocab) log-probs of the token after the rating opener "[[".
        tokens: the score token ids.
        ten_logprobs: (rows, vocab) log-probs of the token after "[[" + "1"; needed only when the
            tokenizer splits "10". Then p(10) = p("1") p("0" | "1") and p(1) = p("1") (1 - p("0" | "1")).
    """
    first = np.exp(first_logprobs[:, list(tokens.first)].astype(np.float64))
    if tokens.ten_second is not None:
        if ten_logprobs is None:
            raise ValueError("the tokenizer splits '10': ten_logprobs is required")
        p_zero = np.exp(ten_logprobs[:, tokens.ten_second].astype(np.float64))
        p_one_prefix = first[:, 1].copy()
        first[:, 10] = p_one_prefix * p_zero
        first[:, 1] = p_one_prefix * (1.0 - p_zero)
    total = first.sum(axis=1, keepdims=True)
    return first / np.clip(total, 1e-300, None)


def expected_scores(probs: np.ndarray) -> np.ndarray:
    """sum_s s * p(s) for each row of an (rows, 11) probability matrix."""
    return probs @ np.arange(11, dtype=np.float64)
