"""A fixed probe of what a mini-world judge checks, family by family.

Held-out accuracy (Table 2) mixes every kind of mistake and every prompt; it cannot say *what* a
judge looks at. The probe asks one question per task family with controlled contrasts: each
evaluation-split task is scored three times, with its reference answer, with an on-topic wrong
answer (the task's distractor: right form, wrong content) and with another task's reference (right
form, off topic). A judge that checks answers ranks the reference first in both contrasts; one that
only learned which prompts tend to score well ranks them at chance (0.5), because all three answers
share the prompt. config/README.md ("The mini world's judge") reports the shipped judge's probe.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from alma.evaluation.rewardbench import pair_credit
from alma.mini.tasks import distractor, render_for, sample_tasks
from alma.mini.universe import Universe

CONTRASTS = ("reference", "wrong", "off_topic")
"""the three answers scored per task, in the order of :func:`probe_items`."""


def probe_items(universe: Universe, n_tasks: int, seed: int) -> list[dict[str, Any]]:
    """Three (prompt, answer) items per task, for ``n_tasks`` evaluation-split tasks.

    Args:
        universe: the world.
        n_tasks: tasks drawn (all families, equal weights, see :func:`alma.mini.tasks.sample_tasks`).
        seed: draws the tasks and the distractors.

    Returns:
        Items ``{"task", "family", "contrast", "prompt", "response"}``, three per task in
        :data:`CONTRASTS` order. The off-topic answer is the reference of the next task of the same
        family (so it has the family's form); a family with one task gets none.
    """
    rng = random.Random(f"alma-judge-probe:{seed}")
    tasks = sample_tasks(universe, n_tasks, seed, split="eval")
    by_family: dict[str, list] = {}
    for task in tasks:
        by_family.setdefault(task.family, []).append(task)
    items = []
    for family, group in by_family.items():
        if len(group) < 2:
            continue
        for i, task in enumerate(group):
            answers = (
                task.reference,
                render_for(universe, task, distractor(universe, task.key, rng)),
                group[(i + 1) % len(group)].reference,
            )
            for contrast, response in zip(CONTRASTS, answers, strict=True):
                items.append(
                    {
                        "task": task.key,
                        "family": family,
                        "contrast": contrast,
                        "prompt": task.prompt,
                        "response": response,
                    }
                )
    return items


def probe_summary(items: Sequence[dict[str, Any]], scores: Sequence[float | None]) -> list[dict[str, Any]]:
    """Per family (and ``all``): how often the reference outscores each contrast, and mean scores.

    Args:
        items: :func:`probe_items` output.
        scores: the judge's score of each item (None where it gave no score).

    Returns:
        Rows ``{"family", "tasks" (probe questions), "reference_over_wrong", "reference_over_off_topic",
        "mean_reference", "mean_wrong", "mean_off_topic"}``; a tie or a missing score counts half
        (:func:`alma.evaluation.rewardbench.pair_credit`, the rule of every pair accuracy here).
    """
    if len(items) != len(scores):
        raise ValueError(f"{len(items)} probe items but {len(scores)} scores")
    # One phrasing of a task is one probe question; two phrasings of the same task are two.
    by_task: dict[tuple[str, str], dict[str, float | None]] = {}
    family_of: dict[tuple[str, str], str] = {}
    for item, score in zip(items, scores, strict=True):
        question = (item["task"], item["prompt"])
        by_task.setdefault(question, {})[item["contrast"]] = score
        family_of[question] = item["family"]
    rows = []
    for family in [*sorted(set(family_of.values())), "all"]:
        tasks = [t for t, f in family_of.items() if family in (f, "all")]
        row: dict[str, Any] = {"family": family, "tasks": len(tasks)}
        for contrast in CONTRASTS[1:]:
            row[f"reference_over_{contrast}"] = round(
                sum(pair_credit(by_task[t]["reference"], by_task[t][contrast]) for t in tasks) / len(tasks), 4
            )
        for contrast in CONTRASTS:
            valid = [by_task[t][contrast] for t in tasks if by_task[t][contrast] is not None]
            row[f"mean_{contrast}"] = round(sum(valid) / len(valid), 4) if valid else None
        rows.append(row)
    return rows
