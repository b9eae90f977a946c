"""Best-of-N selection and DPO pair construction (ALMA §3.4, Table 6).

Ties are broken by the lower sample index of the response, then by response id, so a round's
training data depends only on its inputs. Responses whose judgment is missing (an integer judge
that produced no parsable rating) are never selected.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence

PAIRINGS = ("best_vs_random", "best_vs_worst", "random_pair")


def group_scored(responses: Sequence[dict], judgments: Sequence[dict]) -> dict[str, list[tuple[float, dict]]]:
    """Responses with a score, grouped by prompt id, each group sorted best first."""
    score_of = {j["response_id"]: j["score"] for j in judgments}
    missing = [r["response_id"] for r in responses if r["response_id"] not in score_of]
    if missing:
        raise ValueError(f"{len(missing)} responses have no judgment, e.g. {missing[0]!r}")
    groups: dict[str, list[tuple[float, dict]]] = defaultdict(list)
    for response in responses:
        score = score_of[response["response_id"]]
        if score is not None:
            groups[response["prompt_id"]].append((float(score), response))
    for items in groups.values():
        items.sort(key=lambda item: (-item[0], item[1]["sample_index"], item[1]["checkpoint"], item[1]["response_id"]))
    return dict(groups)


def _conversation(prompt: str, answer: str) -> list[dict]:
    return [{"role": "user", "content": prompt}, {"role": "assistant", "content": answer}]


def best_of_n(prompts: dict[str, str], responses: Sequence[dict], judgments: Sequence[dict]) -> list[dict]:
    """One SFT example per prompt: the judge's highest-scored response (D_r of the paper)."""
    groups = group_scored(responses, judgments)
    examples = []
    for prompt_id in sorted(groups):
        _, best = groups[prompt_id][0]
        if best["text"].strip():
            examples.append({"messages": _conversation(prompts[prompt_id], best["text"].strip())})
    return examples


def dpo_pairs(
    prompts: dict[str, str], responses: Sequence[dict], judgments: Sequence[dict], pairing: str, seed: int
) -> list[dict]:
    """Preference pairs per prompt.

    ``best_vs_random`` (the paper's choice): chosen = best, rejected = a random other sample.
    ``best_vs_worst``: chosen = best, rejected = lowest scored. ``random_pair``: two random samples
    ordered by the judge. Prompts whose pair would tie in score are skipped.
    """
    if pairing not in PAIRINGS:
        raise ValueError(f"unknown pairing {pairing!r}; use one of {PAIRINGS}")
    rng = random.Random(seed)
    pairs = []
    for prompt_id, items in sorted(group_scored(responses, judgments).items()):
        if len(items) < 2:
            continue
        if pairing == "best_vs_random":
            chosen, rejected = items[0], rng.choice(items[1:])
        elif pairing == "best_vs_worst":
            chosen, rejected = items[0], items[-1]
        else:
            first, second = rng.sample(items, 2)
            chosen, rejected = (first, second) if first[0] >= second[0] else (second, first)
        if chosen[0] <= rejected[0]:
            continue
        prompt = [{"role": "user", "content": prompts[prompt_id]}]
        pairs.append(
            {
                "prompt": prompt,
                "chosen": [{"role": "assistant", "content": chosen[1]["text"].strip()}],
                "rejected": [{"role": "assistant", "content": rejected[1]["text"].strip()}],
            }
        )
    return pairs
