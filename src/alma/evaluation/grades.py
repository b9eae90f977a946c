"""The grade-file contract: one (model, benchmark, evaluator) JSON of per-prompt 0-10 scores and its protocol.

Every evaluator that grades answers one at a time (the mini oracle, the reward model, ArmoRM and the
LLM grader) writes its files through :func:`grade_record`, so the tables read one format and can
refuse to mix grades made under different protocols (``alma.paper.curve.PROTOCOL_KEYS``).
"""

from __future__ import annotations

import statistics
from typing import Any

from alma.records import read_jsonl, sha256_file


def aligned(prompts_path: str, answers_path: str) -> tuple[list[dict], list[dict]]:
    """eval_prompt and response records that pair up 1:1, in the same order.

    Raises:
        ValueError: the answers do not follow the prompts one to one.
    """
    prompts = read_jsonl(prompts_path, "eval_prompt")
    answers = read_jsonl(answers_path, "response")
    if [a["prompt_id"] for a in answers] != [q["id"] for q in prompts]:
        raise ValueError(f"{answers_path}: answers are not aligned with the prompts of {prompts_path}")
    return prompts, answers


def grade_record(
    *,
    name: str,
    evaluator: str,
    evaluator_id: str,
    template_hash: str,
    prompts_path: str,
    answers_path: str,
    prompts: list[dict],
    answers: list[dict],
    scores: list[float | None],
    extra: dict[str, Any] | None = None,
    protocol_extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One grade file: per-prompt scores (None where the evaluator gave none) plus the protocol they were made under.

    Args:
        name: the graded model.
        evaluator: the evaluator's name in the config (``oracle``, ``reward_model``, ``armorm``, ``gpt4o``).
        evaluator_id: what graded, precisely enough that two ids differ when the grades may differ.
        template_hash: hash of the grading instruction, where there is one.
        prompts_path: the prompt set (hashed into the protocol).
        answers_path: the graded answers (hashed into the protocol).
        prompts: its eval_prompt records.
        answers: its response records, aligned with ``prompts``.
        scores: 0-10 scores aligned with ``prompts``.
        extra: top-level fields of one evaluator (raw scores, call counters).
        protocol_extra: protocol fields of one evaluator (e.g. ArmoRM's 0-10 map).
    """
    valid = [s for s in scores if s is not None]
    protocol = {
        "evaluator_id": evaluator_id,
        "template_hash": template_hash,
        "prompt_set_sha256": sha256_file(prompts_path),
        "generations_sha256": sha256_file(answers_path),
        "decoding": {k: v for k, v in answers[0]["sampling"].items() if k != "template"},
        "answer_template": answers[0]["sampling"].get("template", ""),
        **(protocol_extra or {}),
    }
    return {
        "model": name,
        "benchmark": prompts[0]["benchmark"],
        "evaluator": evaluator,
        "prompt_ids": [q["id"] for q in prompts],
        "scores": [None if s is None else round(float(s), 4) for s in scores],
        "categories": [q.get("category") for q in prompts],
        "mean": round(statistics.fmean(valid), 4) if valid else None,
        "n": len(scores),
        "n_missing": len(scores) - len(valid),
        "protocol": protocol,
        **(extra or {}),
    }
