"""The grade-file contract: one (model, benchmark, evaluator) JSON of per-prompt 0-10 scores and its protocol.

Every evaluator that grades answers one at a time (the mini oracle, the reward model, ArmoRM and the
LLM grader) writes its files through :func:`grade_record`, so the tables read one format and can
refuse to mix grades made under different protocols (``alma.paper.curve.PROTOCOL_KEYS``). A prompt
with follow-up ``turns`` (MT-Bench) is graded turn by turn, each turn on the conversation up to its
answer, and scored as the mean of its turns (:func:`graded_turns`, :func:`mean_of_turns`).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
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


Conversation = list[dict[str, str]]
"""``{"role", "content"}`` messages, alternating user and assistant, ending with the graded answer."""


def chat_messages(pairs: Sequence[tuple[str, str]]) -> Conversation:
    """(question, answer) turns as alternating user and assistant messages."""
    return [m for q, a in pairs for m in ({"role": "user", "content": q}, {"role": "assistant", "content": a})]


def turn_conversations(prompt: dict, answer: dict) -> list[Conversation]:
    """The conversation up to each answered turn of one prompt (one entry for a prompt without ``turns``).

    Raises:
        ValueError: the answer does not answer every turn of the prompt (answers made before
            multi-turn answering; regenerate them).
    """
    questions = [prompt["text"], *(prompt.get("turns") or [])]
    replies = [answer["text"], *(answer.get("turns") or [])]
    if len(replies) != len(questions):
        raise ValueError(f"prompt {prompt['id']}: {len(questions)} turns but its answer has {len(replies)} "
                         "(answers made before multi-turn answering: regenerate them)")  # fmt: skip
    messages = chat_messages(list(zip(questions, replies, strict=True)))
    return [messages[: 2 * (k + 1)] for k in range(len(questions))]


def graded_turns(sets: list[tuple[list[dict], list[dict]]]) -> tuple[list[Conversation], list[tuple[int, int]]]:
    """Every answer turn of several (prompts, answers) sets to grade, in grading order, and its (set, prompt).

    First turns of every set come first, in today's order, and follow-up turns after them: a set
    without ``turns`` is graded exactly as by single-turn grading (same items, same batches).
    """
    per_set = [[turn_conversations(q, a) for q, a in zip(prompts, answers, strict=True)] for prompts, answers in sets]
    order = [(s, i, 0) for s, convs in enumerate(per_set) for i in range(len(convs))]
    order += [(s, i, t) for s, convs in enumerate(per_set) for i, c in enumerate(convs) for t in range(1, len(c))]
    return [per_set[s][i][t] for s, i, t in order], [(s, i) for s, i, _ in order]


def by_turn(order: list[tuple[int, int]], values: list, sizes: list[int]) -> list[list[list]]:
    """Values aligned with :func:`graded_turns`' order, regrouped per set, per prompt, per turn."""
    out: list[list[list]] = [[[] for _ in range(n)] for n in sizes]
    for (s, i), value in zip(order, values, strict=True):
        out[s][i].append(value)  # a prompt's turns come in order, first turns before every follow-up
    return out


def mean_of_turns(turn_scores: list[list[float | None]]) -> list[float | None]:
    """Each prompt's score: the mean of its turn scores (MT-Bench's score); None when a turn has no grade."""
    return [None if any(s is None for s in t) else (t[0] if len(t) == 1 else statistics.fmean(t))
            for t in turn_scores]  # fmt: skip


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
    turn_scores: list[list[float | None]] | None = None,
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
        scores: 0-10 scores aligned with ``prompts`` (for prompts with ``turns``, the mean of their turns).
        extra: top-level fields of one evaluator (raw scores, call counters).
        protocol_extra: protocol fields of one evaluator (e.g. ArmoRM's 0-10 map).
        turn_scores: per-prompt lists of per-turn scores; written as ``turn_scores`` only when some
            prompt has more than one turn, so files of single-turn sets keep their exact bytes.
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
        **(
            {"turn_scores": [[None if s is None else round(float(s), 4) for s in t] for t in turn_scores]}
            if turn_scores and any(len(t) > 1 for t in turn_scores)
            else {}
        ),
        **(extra or {}),
    }
