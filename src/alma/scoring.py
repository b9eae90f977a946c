"""Running a judge over (prompt, response) pairs (transformers or vLLM backend, see :mod:`alma.backends`).

Real-valued variants need one batched forward pass per response (plus a second, batched, only for
tokenizers that split "10"); integer variants decode a few greedy tokens and parse ``[[k]]``. An
output the parser cannot read is recorded with ``score: null`` and counted, never guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from alma.backends import open_backend
from alma.config import SamplingParams
from alma.judge import (
    RATING_OPEN,
    ScoreTokens,
    expected_scores,
    fewshot_judge_prompt,
    judge_message,
    parse_rating,
    rating_text,
    score_distribution,
    template_hash,
)


class JudgeScorer:
    """Scores responses with one judge model in one of the four variants.

    Args:
        model_dir: the judge's weights (the base model for ``fewshot_int``).
        variant: one of ``alma.judge.VARIANTS``.
        judge_id: recorded in every judgment.
        fewshot: (prompt, response, score) demonstrations for ``fewshot_int``.
        template: the judge instruction (``alma.judge.INSTRUCTIONS``); a fine-tuned judge must be
            scored with the template it was trained on.
    """

    def __init__(
        self,
        model_dir: str | Path,
        variant: str,
        judge_id: str,
        batch_size: int = 32,
        fewshot: Sequence[tuple[str, str, int]] = (),
        backend: str | None = None,
        template: str = "standard",
    ):
        self.template, self.template_hash = template, template_hash(template)
        self.backend = open_backend(model_dir, batch_size=batch_size, kind=backend)
        self.variant, self.judge_id, self.fewshot = variant, judge_id, list(fewshot)
        self.real_valued = variant in ("ft_real", "ft_real_distill")
        if variant == "fewshot_int" and not self.fewshot:
            raise ValueError("variant fewshot_int needs few-shot demonstrations")
        if self.real_valued:
            self.tokens = ScoreTokens.from_tokenizer(self.backend.tokenizer)

    def _prefix_rows(self, prompts: Sequence[str], responses: Sequence[str]) -> list[list[int]]:
        texts = self.backend.chat_texts(
            [judge_message(p, r, self.template) for p, r in zip(prompts, responses, strict=True)]
        )
        tok = self.backend.tokenizer
        rows = [tok(t + RATING_OPEN, add_special_tokens=False).input_ids for t in texts]
        # The rating must tokenize at the same boundary as in training ("...[[" + "7" + "]]"),
        # otherwise we would read probabilities at the wrong position. Check once, on the first row.
        if rows:
            full = tok(texts[0] + rating_text(7), add_special_tokens=False).input_ids
            if full[: len(rows[0]) + 1] != rows[0] + [self.tokens.first[7]]:
                raise ValueError("judge tokenizer merges the rating with the '[[' opener; scores would be misread")
        return rows

    def score(self, prompts: Sequence[str], responses: Sequence[str]) -> list[dict]:
        """One judgment dict per pair: score (float or None), probs (11 floats or None), raw (int mode)."""
        if self.real_valued:
            rows = self._prefix_rows(prompts, responses)
            first = self.backend.next_token_logprobs(rows)
            ten = None
            if self.tokens.ten_second is not None:
                ten = self.backend.next_token_logprobs([r + [self.tokens.first[1]] for r in rows])
            probs = score_distribution(first, self.tokens, ten)
            scores = expected_scores(probs)
            # No score token among the logprobs a backend returned (vLLM's top-k): no score, not a 0.
            seen = np.isfinite(first[:, list(self.tokens.first)]).any(axis=1)
            return [
                {"score": float(round(s, 6)), "probs": [round(float(x), 6) for x in p]}
                if ok
                else {"score": None, "probs": None}
                for s, p, ok in zip(scores, probs, seen, strict=True)
            ]
        if self.variant == "fewshot_int":
            texts = [
                fewshot_judge_prompt(self.fewshot, p, r, self.template)
                for p, r in zip(prompts, responses, strict=True)
            ]
            stop: tuple[str, ...] = ("\n",)
        else:
            texts = self.backend.chat_texts(
                [judge_message(p, r, self.template) for p, r in zip(prompts, responses, strict=True)]
            )
            stop = ()
        outputs = self.backend.generate(texts, SamplingParams(temperature=0.0, max_new_tokens=8), stop=stop)
        results = []
        for (text,) in outputs:
            rating = parse_rating(text)
            results.append({"score": None if rating is None else float(rating), "probs": None, "raw": text[:40]})
        return results

    def judgments(self, response_ids: Sequence[str], prompts: Sequence[str], responses: Sequence[str]) -> list[dict]:
        """Judgment records (schema ``judgment``) for responses."""
        out = []
        for rid, result in zip(response_ids, self.score(prompts, responses), strict=True):
            record = {
                "response_id": rid,
                "score": result["score"],
                "probs": result["probs"],
                "judge": self.judge_id,
                "template_hash": self.template_hash,
            }
            out.append(record)
        return out
