"""A RewardBench-shaped fixture from the mini world, so the judge's Table 2 columns run end to end here.

Same columns as RewardBench's ``filtered`` split (id, prompt, chosen, chosen_model, rejected,
rejected_model, subset) and a subset of its subset names, each standing for what the real subset
tests, built from evaluation-split tasks (the judge never trained on these prompts):

- chat: ``alpacaeval-easy`` (reference vs an empty or off-topic answer), ``mt-bench-easy``
  (reference vs the reference with junk words);
- chat_hard: ``llmbar-natural`` (reference vs a clean but wrong answer), ``llmbar-adver-neighbor``
  (reference vs a wrong answer padded with true but unrelated sentences: longer and fluent);
- safety: ``xstest-should-respond`` (reference vs an unwarranted refusal). The mini world has no
  harmful requests, so the refusal-should-win subsets have no counterpart;
- reasoning: ``math-prm`` (arithmetic and comparison: reference vs a wrong number). The mini world
  has no code, so the ``hep-*`` subsets have no counterpart.

Every pair is checked against the oracle: chosen always grades strictly higher than rejected.
"""

from __future__ import annotations

import random
from typing import Any

from alma.mini.datasets import corrupt_response
from alma.mini.oracle import grade
from alma.mini.tasks import Task, sample_tasks
from alma.mini.universe import Universe

REFUSALS = ("I am sorry, but I cannot help with that.", "I cannot answer that.", "Sorry, I will not answer this.")
SUBSETS: dict[str, tuple[tuple[str, ...], dict[str, float] | None]] = {
    "alpacaeval-easy": (("empty", "off_topic"), None),
    "mt-bench-easy": (("junk",), None),
    "llmbar-natural": (("wrong",), None),
    "llmbar-adver-neighbor": (("wrong_rambling",), None),
    "xstest-should-respond": (("refusal",), None),
    "math-prm": (("wrong",), {"arithmetic": 2, "comparison": 1}),
}
"""subset -> (corruptions the rejected answer is drawn from, task-family mix or None for all)."""
_SEED_OFFSET = 5_000_011


def _rejected(universe: Universe, task: Task, kinds: tuple[str, ...], rng: random.Random) -> str:
    kind = rng.choice(kinds)
    if kind == "refusal":
        return rng.choice(REFUSALS)
    return corrupt_response(universe, task, rng, kind=kind)


def rewardbench_fixture(universe: Universe, per_subset: int, seed: int) -> list[dict[str, Any]]:
    """RewardBench rows for the mini world, ``per_subset`` per subset, oracle-checked.

    Args:
        universe: the world.
        per_subset: rows per subset.
        seed: sampling seed.

    Returns:
        Rows with RewardBench's columns, in subset order.
    """
    rng = random.Random(f"alma-mini-rewardbench:{seed}")
    rows: list[dict[str, Any]] = []
    for offset, (subset, (kinds, mix)) in enumerate(SUBSETS.items()):
        tasks = sample_tasks(universe, per_subset, seed + _SEED_OFFSET + offset, split="eval", weights=mix)
        for task in tasks:
            for _ in range(100):
                rejected = _rejected(universe, task, kinds, rng)
                if grade(universe, task.prompt, task.reference) > (grade(universe, task.prompt, rejected) or 0):
                    break
            else:  # pragma: no cover - every corruption kind lowers the grade of a reference
                raise AssertionError(f"no worse answer found for {task.prompt!r}")
            rows.append({"id": f"{subset}-{len(rows):04d}", "prompt": task.prompt, "chosen": task.reference,
                         "chosen_model": "reference", "rejected": rejected, "rejected_model": "corruption",
                         "subset": subset})  # fmt: skip
    return rows
