"""Ground-truth grader of the mini world (the stand-in for the paper's GPT-4o 0-10 score).

:func:`parse_task` recovers the task behind any phrasing the task generators produce; :func:`grade`
scores a response from 0 to 10. The *answer* is read from the response's first sentence (what an
assistant says first is its answer; anything after it is extra text), then form is checked:

- correct and a clean, complete sentence: 10;
- correct but truncated, terse, rambling, repetitive or with junk words: 4-8 (2-3 points per flaw);
- partly correct (lists): between 2 and 8 by the F1 of the named items;
- wrong but on-topic: 3 when clean, 2 otherwise; off-topic: 1; empty or garbage: 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from alma.mini.corpus import template_words
from alma.mini.tasks import FAMILIES, Task, task_keys, truth, variants
from alma.mini.universe import Universe

_TOKEN = re.compile(r"[a-z]+|\d+")
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
_BIGGER = {"larger", "bigger", "greater", "more", "taller", "higher"}
_SMALLER = {"smaller", "less", "fewer", "lower", "shorter"}
# Everyday filler an assistant (or a corrupted answer) may use; not junk even though the corpus lacks it.
_FILLER = frozenset(
    [
        "i",
        "you",
        "we",
        "hope",
        "this",
        "helps",
        "that",
        "is",
        "all",
        "know",
        "sure",
        "here",
        "answer",
        "yes",
        "no",
        "not",
        "think",
        "maybe",
        "so",
    ]
)
_INSTRUCTION_WORDS = frozenset({"write", "sentence", "use", "uses", "includes", "make", "word"})
PENALTY = {"truncated": 2, "terse": 2, "rambling": 2, "repeated": 3, "junk": 2, "question": 1}
"""points a correct answer loses per form flaw."""


def normalize(text: str) -> str:
    """Lower-case, drop quotes and trailing punctuation, collapse whitespace (so phrasings match loosely)."""
    text = re.sub(r"[\"'`]", "", text.lower())
    return " ".join(text.split()).rstrip(" ?.!")


@cache
def _prompt_table(universe: Universe) -> dict[str, Task]:
    table: dict[str, Task] = {}
    for family in FAMILIES:
        for group in task_keys(universe)[family]:
            for key in group:
                for task in variants(universe, key):
                    seen = table.setdefault(normalize(task.prompt), task)
                    if seen.key != task.key:  # two questions with one phrasing would make grading ambiguous
                        raise AssertionError(f"prompt {task.prompt!r} matches keys {seen.key} and {task.key}")
    return table


@cache
def _lexicon(universe: Universe) -> frozenset[str]:
    words = set(template_words()) | _FILLER
    for task in _prompt_table(universe).values():
        words.update(_TOKEN.findall(task.prompt.lower()))
        words.update(_TOKEN.findall(task.reference.lower()))
    words.update(p.lower() for p in universe.places)
    return frozenset(words)


def parse_task(universe: Universe, prompt: str) -> Task | None:
    """Recover the task behind ``prompt``.

    Args:
        universe: the world.
        prompt: a user request, in any phrasing of the task generators (case, quotes, spacing and
            the final punctuation do not matter).

    Returns:
        The task, with ``prompt`` as given, or None when the text is not a task of this universe.
    """
    task = _prompt_table(universe).get(normalize(prompt))
    return None if task is None else Task(task.key, task.family, prompt, task.reference)


@dataclass(frozen=True)
class Verdict:
    """Correctness of the answer sentence."""

    correct: float
    """1 right, 0 wrong, in between for partly right lists (F1)."""
    on_topic: bool
    """mentions the subject of the question or an answer of the right type."""


def _has(word: str, text: str) -> bool:
    return re.search(rf"\b{re.escape(word.lower())}s?\b", text) is not None


def _claimed_winner(first: str, a: str, b: str) -> str | None:
    """Which of ``a``/``b`` the sentence says is bigger, from mention order and the comparative used."""
    pos = {x: m.start() for x in (a, b) if (m := re.search(rf"\b{re.escape(x)}\b", first))}
    words = set(_TOKEN.findall(first))
    smaller = bool(words & _SMALLER) and not words & _BIGGER
    if len(pos) == 2:
        subject, other = sorted(pos, key=pos.get)
        return other if smaller else subject
    if len(pos) == 1:
        (only,) = pos
        return (b if only == a else a) if smaller else only
    return None


def _f1(said: set, gold: set) -> float:
    hits = len(said & gold)
    return 0.0 if hits == 0 else 2 * hits / (len(said) + len(gold))


def _judge_answer(universe: Universe, key: str, first: str) -> Verdict:
    """Read the answer from the lower-cased first sentence and compare it with the truth."""
    kind, *args = key.split(":")
    right = truth(universe, key)
    numbers = [int(n) for n in re.findall(r"\d+", first)]
    if kind in ("colour", "home", "food"):
        values = {"colour": universe.colours, "home": universe.places, "food": universe.foods}[kind]
        said = {v for v in values if _has(v, first)}
        return Verdict(float(said == {right}), bool(said) or _has(args[0], first))
    if kind == "height":
        return Verdict(float(set(numbers) == {right}), bool(numbers) or _has(args[0], first))
    if kind in ("add", "sub"):
        a, b = int(args[0]), int(args[1])
        clean = bool(numbers) and set(numbers) <= {a, b, right}
        ok = clean and (numbers[-1] == right or (right not in (a, b) and right in numbers))
        return Verdict(float(ok), bool(numbers))
    if kind in ("num", "taller"):
        a, b = args
        winner = _claimed_winner(first, a, b)
        return Verdict(float(winner == str(right[0])), winner is not None)
    if kind == "opposite":
        vocabulary = {w for pair in universe.antonyms for w in pair} - {args[0]}
        said = {w for w in vocabulary if re.search(rf"\b{w}\b", first)}
        return Verdict(float(said == {right}), bool(said) or _has(args[0], first))
    if kind == "letter":
        found = re.findall(r"\bletter\s+([a-z])\b", first) or re.findall(r"^\W*([a-z])\W*$", first)
        return Verdict(float(found[:1] == [right]), bool(found) or _has(args[0], first))
    if kind in ("lhome", "lcolour", "lfood", "count"):
        listed = first.split(" are ", 1)[-1]
        if kind == "count":
            score = _f1({int(n) for n in re.findall(r"\d+", listed)}, set(right))
        else:
            score = _f1({c.name for c in universe.creatures if _has(c.name, listed)}, set(right))
        return Verdict(score, score > 0 or _has(args[0], first))
    if kind == "write":
        hits = _has(args[0], first) + _has(args[1], first)
        # A restated instruction names the creature and the word too, but it is not a sentence about them.
        instruction = bool(set(_TOKEN.findall(first)) & _INSTRUCTION_WORDS)
        return Verdict(float(hits == 2 and not instruction), hits > 0)
    raise KeyError(f"unknown task key {key!r}")


def form_flaws(universe: Universe, task: Task, response: str) -> list[str]:
    """The form flaws of a response, independent of correctness.

    Args:
        universe: the world (its lexicon tells words from junk).
        task: the task answered (its reference sets the length beyond which an answer rambles).
        response: the response text.

    Returns:
        Names of flaws, keys of :data:`PENALTY`.
    """
    text = response.strip()
    lower = text.lower()
    tokens = _TOKEN.findall(lower)
    sentences = [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]
    flaws = []
    if not re.search(r"[.!?]$", text):
        flaws.append("truncated")
    if len(tokens) < 3:
        flaws.append("terse")
    reference_len = len(_TOKEN.findall(task.reference.lower()))
    if len(sentences) > 1 or len(tokens) > 2 * reference_len + 4:
        flaws.append("rambling")
    trigrams = list(zip(tokens, tokens[1:], tokens[2:], strict=False))
    stutter = any(a == b for a, b in zip(tokens, tokens[1:], strict=False))
    if stutter or len(set(trigrams)) < len(trigrams) or len({s.lower() for s in sentences}) < len(sentences):
        flaws.append("repeated")
    lexicon = _lexicon(universe)
    if any(t not in lexicon for t in tokens if not t.isdigit()) or re.search(r"[^\w\s.,!?;:'\"()+\-]", text):
        flaws.append("junk")
    if text.endswith("?"):
        flaws.append("question")
    return flaws


def grade(universe: Universe, prompt: str, response: str) -> float | None:
    """Ground-truth 0-10 quality of ``response`` to ``prompt``.

    Args:
        universe: the world.
        prompt: the user request (any phrasing of a task of this universe).
        response: the assistant's answer.

    Returns:
        The score (see the module docstring for the scale), or None if ``prompt`` is not a task.
    """
    task = parse_task(universe, prompt)
    if task is None:
        return None
    text = response.strip()
    tokens = _TOKEN.findall(text.lower())
    lexicon = _lexicon(universe)
    known = [t for t in tokens if t.isdigit() or t in lexicon]
    if not known or len(known) < len(tokens) / 2:
        return 0.0  # empty, or mostly not words of this world: garbage
    first = _SENTENCE_END.split(text, maxsplit=1)[0].lower()
    verdict = _judge_answer(universe, task.key, first)
    if normalize(text).startswith(normalize(task.prompt)):  # echoing the request is not an answer
        verdict = Verdict(0.0, True)
    penalty = sum(PENALTY[f] for f in form_flaws(universe, task, text))
    if verdict.correct >= 1:
        return float(max(4, 10 - penalty))
    if verdict.correct > 0:
        return float(max(2, min(8, round(3 + 6 * verdict.correct)) - penalty))
    if verdict.on_topic:
        return 3.0 if penalty == 0 else 2.0
    return 1.0


ORACLE_JUDGE_ID = "oracle"
"""``judge`` field of judgments made by the oracle (``judge.variant: oracle``)."""


def oracle_judgments(
    universe: Universe, response_ids: list[str], prompts: list[str], responses: list[str]
) -> list[dict]:
    """Judgments by the oracle itself: the perfect judge, the ceiling of best-of-N selection.

    A prompt that is not a task of the universe has no grade, so its responses get ``score: null``
    and drop out of best-of-N selection, as unparsable judge output does.
    """
    return [
        {"response_id": rid, "score": grade(universe, prompt, text), "probs": None,
         "judge": ORACLE_JUDGE_ID, "template_hash": ORACLE_JUDGE_ID}
        for rid, prompt, text in zip(response_ids, prompts, responses, strict=True)
    ]  # fmt: skip
