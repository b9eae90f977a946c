"""Two small lm-eval tasks from the mini world, standing for the knowledge and skill checks readers run.

- ``mini_facts`` (multiple choice, like MMLU): a creature question from the evaluation split with
  the candidate answers written as full sentences, one per colour, home or food of the universe;
  scored by lm-eval's log-likelihood ``acc`` and ``acc_norm``.
- ``mini_sums`` (generation, like GSM8K): an arithmetic question from the evaluation split whose
  target is the reference sentence ("3 plus 5 is 8."); scored by lm-eval's ``exact_match``
  (case and punctuation ignored), so it also checks that the model answers in one clean sentence.

Docs are in :func:`alma.evaluation.lmeval.write_local_tasks`'s format.
"""

from __future__ import annotations

import random
from typing import Any

from alma.mini.tasks import kind_of, render, sample_tasks, split_of, task_keys, truth, variants
from alma.mini.universe import Universe

TASKS = ("mini_facts", "mini_sums")


def _fact_doc(universe: Universe, task) -> dict[str, Any]:
    kind, name = task.key.split(":")[:2]
    values = {"colour": universe.colours, "home": universe.places, "food": universe.foods}[kind]
    right = truth(universe, task.key)
    choices = [render(universe, task.key, value) for value in values]
    return {"question": task.prompt, "choices": choices, "label": list(values).index(right)}


def lmeval_docs(universe: Universe, n: int, seed: int) -> dict[str, list[dict[str, Any]]]:
    """``n`` docs per task, drawn from the evaluation split (never seen in SFT or judge data).

    Args:
        universe: the world.
        n: docs per task.
        seed: sampling seed.
    """
    rng = random.Random(f"alma-mini-lmeval:{seed}")
    keys = [k for group in task_keys(universe)["fact"] for k in group
            if kind_of(k) in ("colour", "home", "food") and split_of(k) == "eval"]  # fmt: skip
    if len(keys) < n:
        raise ValueError(f"only {len(keys)} held-out colour/home/food questions; asked for {n}")
    facts = [rng.choice(variants(universe, k)) for k in rng.sample(keys, n)]
    sums = sample_tasks(universe, n, seed + 1, families=["arithmetic"], split="eval")
    return {
        "mini_facts": [_fact_doc(universe, t) for t in facts],
        "mini_sums": [{"question": t.prompt, "answer": t.reference} for t in sums],
    }
