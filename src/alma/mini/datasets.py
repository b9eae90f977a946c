"""The mini world's stand-ins for the paper's labelled data and evaluation prompt sets.

- :func:`seed_sft`: the 5k Daring-Anteater pairs (train-split prompts with reference answers);
- :func:`instruct_sft`: a larger oracle-answer set for the "instruct" comparison model
  (the Llama-3-8B-Instruct stand-in, which in the paper had far more supervision than ALMA);
- :func:`judge_seed_tasks`, :func:`corrupt_response`, :func:`annotate`: the 4k human 0-10 judgments,
  simulated as oracle score plus annotator noise on a mix of good and corrupted answers;
- :func:`eval_sets`: five held-out prompt sets named after the paper's benchmarks, each with its own
  family mix, drawn from the eval split only;
- :func:`reward_model_pairs`: oracle-ordered preference pairs that train the ArmoRM stand-in.

Every record is a plain dict matching ``alma/schemas/<kind>.schema.json``. Each generator offsets its
seed by a distinct constant, so the same master seed gives unrelated draws for different sets.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from alma.mini.oracle import grade
from alma.mini.tasks import Task, distractor, kind_of, render_for, sample_tasks, truth
from alma.mini.universe import Universe

BENCHMARK_MIX: dict[str, dict[str, float]] = {
    "lima": {"fact": 1, "arithmetic": 1, "comparison": 1, "list": 1, "word": 1, "writing": 1},  # broad
    "mtbench": {"writing": 2, "arithmetic": 2, "comparison": 2, "word": 1, "fact": 1, "list": 1},  # categories
    "sr": {"fact": 3, "writing": 2, "word": 2, "list": 1, "arithmetic": 1, "comparison": 1},  # everyday requests
    "arena_hard": {"comparison": 3, "list": 3, "arithmetic": 2, "fact": 1},  # the hardest families
    "alpaca": {"fact": 3, "word": 3, "writing": 2, "arithmetic": 1},  # simple instructions
}
"""relative family weights per evaluation set: five different mixes make five meaningful table columns."""
CORRUPTIONS: dict[str, float] = {
    "wrong": 0.25, "truncated": 0.12, "rambling": 0.12, "repeated": 0.12, "off_topic": 0.08, "empty": 0.04,
    "junk": 0.1, "terse": 0.08, "wrong_rambling": 0.09,
}  # fmt: skip
"""how often each kind of flaw is drawn by :func:`corrupt_response`."""
_SEED_OFFSET = {"instruct": 1_000_003, "judge": 2_000_003, "pairs": 3_000_017, "eval": 4_000_037}
_JUNK = ("zq", "vvk", "xlo", "qrt", "mmph", "kj", "wxv", "##", "brrz", "ptk")


def seed_sft(universe: Universe, n: int, seed: int) -> list[dict[str, Any]]:
    """Seed SFT pairs (the 5k Daring-Anteater stand-in): train-split prompts with reference answers.

    Returns:
        ``n`` seed_sft records ``{"id", "prompt", "response"}``.
    """
    tasks = sample_tasks(universe, n, seed, split="train")
    return [{"id": f"seed-{i:05d}", "prompt": t.prompt, "response": t.reference} for i, t in enumerate(tasks)]


def instruct_sft(universe: Universe, n: int, seed: int) -> list[dict[str, Any]]:
    """Oracle answers for the "instruct" comparison model (train split; overlaps the seed set by chance).

    Returns:
        ``n`` seed_sft records ``{"id", "prompt", "response"}``.
    """
    tasks = sample_tasks(universe, n, seed + _SEED_OFFSET["instruct"], split="train")
    return [{"id": f"instruct-{i:05d}", "prompt": t.prompt, "response": t.reference} for i, t in enumerate(tasks)]


def eval_sets(universe: Universe, sizes: Mapping[str, int], seed: int) -> dict[str, list[dict[str, Any]]]:
    """Held-out evaluation prompts per benchmark (eval split only; category = task family).

    Each set depends only on (seed, benchmark, size), so resizing one set leaves the others unchanged;
    two sets may share a prompt, as real benchmarks sometimes do.

    Args:
        universe: the world.
        sizes: benchmark name (a key of :data:`BENCHMARK_MIX`) -> number of prompts.
        seed: master seed.

    Returns:
        benchmark -> eval_prompt records ``{"id", "text", "benchmark", "category"}``.
    """
    unknown = sorted(set(sizes) - set(BENCHMARK_MIX))
    if unknown:
        raise ValueError(f"unknown benchmarks {unknown}; known: {', '.join(BENCHMARK_MIX)}")
    out = {}
    for index, (name, mix) in enumerate(BENCHMARK_MIX.items()):
        if name not in sizes:
            continue
        tasks = sample_tasks(
            universe, sizes[name], seed + _SEED_OFFSET["eval"] * (index + 1), split="eval", weights=mix
        )
        out[name] = [{"id": f"{name}-{i:04d}", "text": t.prompt, "benchmark": name, "category": t.family}
                     for i, t in enumerate(tasks)]  # fmt: skip
    return out


def judge_seed_tasks(universe: Universe, n_prompts: int, seed: int) -> list[Task]:
    """Train-split prompts for the judge's seed annotations (paper: 2,000 prompts x 2 responses).

    Args:
        universe: the world.
        n_prompts: number of prompts.
        seed: sampling seed.

    Returns:
        ``n_prompts`` tasks with distinct prompts.
    """
    return sample_tasks(universe, n_prompts, seed + _SEED_OFFSET["judge"], split="train")


def _terse(universe: Universe, task: Task) -> str:
    """Only the answer, without a sentence around it ("Purple.", "21.", "The noshot.")."""
    right = truth(universe, task.key)
    kind = kind_of(task.key)
    if kind in ("num", "taller"):
        return f"The {right[0]}." if kind == "taller" else f"{right[0]}."
    if kind in ("lhome", "lcolour", "lfood", "count"):
        return render_for(universe, task, right).split(" are ", 1)[1].capitalize()
    if kind == "write":
        return f"The {task.key.split(':')[1]}."
    return f"{str(right).capitalize()}."


def _other_sentence(universe: Universe, rng: random.Random) -> str:
    """A true but unrelated sentence (what a rambling answer drifts into)."""
    creature = rng.choice(universe.creatures)
    return rng.choice([f"The {creature.name} lives in {creature.home}.", f"The {creature.name} is {creature.colour}.",
                       f"The {creature.name} eats {creature.food}.", "I hope this helps.", "That is all I know.",
                       f"{rng.randint(1, 9)} plus {rng.randint(1, 9)} is a small sum."])  # fmt: skip


def corrupt_response(universe: Universe, task: Task, rng: random.Random, kind: str | None = None) -> str:
    """A plausible lower-quality answer: wrong, truncated, rambling, repeated, off-topic, empty, junk or terse.

    Args:
        universe: the world.
        task: the task being answered (its reference is the starting point).
        rng: the source of randomness (the only one used, so draws are reproducible).
        kind: one of :data:`CORRUPTIONS`; default: drawn with the listed weights.

    Returns:
        The corrupted response text (may be empty).
    """
    kind = kind or rng.choices(list(CORRUPTIONS), weights=list(CORRUPTIONS.values()))[0]
    reference = task.reference
    words = reference.rstrip(".").split()
    if kind in ("wrong", "wrong_rambling"):
        wrong = render_for(universe, task, distractor(universe, task.key, rng))
        return wrong if kind == "wrong" else f"{wrong} {_other_sentence(universe, rng)}"
    if kind == "truncated":
        return " ".join(words[: rng.randint(1, max(1, len(words) - 1))])
    if kind == "rambling":
        return " ".join([reference] + [_other_sentence(universe, rng) for _ in range(rng.randint(1, 3))])
    if kind == "repeated":
        if rng.random() < 0.5:
            return " ".join([reference] * rng.randint(2, 3))
        return " ".join(words + [words[-1]] * rng.randint(2, 4)) + "."
    if kind == "off_topic":
        other = sample_tasks(universe, 1, rng.randrange(1 << 30), split="train")[0]
        return other.reference if other.key != task.key else ""
    if kind == "junk":
        for _ in range(rng.randint(1, 3)):
            words.insert(rng.randint(0, len(words)), rng.choice(_JUNK))
        return " ".join(words) + "."
    if kind == "terse":
        return _terse(universe, task)
    return ""


def annotate(universe: Universe, prompt: str, response: str, noise_sd: float, rng: random.Random) -> int:
    """A simulated human 0-10 rating: the oracle score plus Gaussian annotator noise, rounded and clipped.

    Args:
        universe: the world.
        prompt: a task prompt of this universe.
        response: the response being rated.
        noise_sd: standard deviation of the annotator noise (0 gives the rounded oracle score).
        rng: the source of the noise.

    Returns:
        An integer in 0..10.

    Raises:
        ValueError: if ``prompt`` is not a task of this universe.
    """
    score = grade(universe, prompt, response)
    if score is None:
        raise ValueError(f"not a task of this universe: {prompt!r}")
    noise = rng.gauss(0.0, noise_sd) if noise_sd > 0 else 0.0
    return int(min(10, max(0, round(score + noise))))


def reward_model_pairs(universe: Universe, n: int, seed: int) -> list[dict[str, Any]]:
    """Preference pairs for the reward-model evaluator, ordered by the oracle.

    Two thirds pit the reference against a corruption; the rest pit two corruptions against each
    other, so the reward model also learns the order among imperfect answers. Pairs with equal
    oracle scores are redrawn.

    Args:
        universe: the world.
        n: number of pairs.
        seed: sampling seed.

    Returns:
        ``n`` TRL conversational preference records ``{"prompt": [user], "chosen": [assistant],
        "rejected": [assistant]}`` with oracle(chosen) > oracle(rejected).
    """
    rng = random.Random(f"alma-mini-pairs:{seed}")
    tasks = sample_tasks(universe, n, seed + _SEED_OFFSET["pairs"], split="train")
    pairs = []
    for task in tasks:
        while True:
            first = task.reference if rng.random() < 2 / 3 else corrupt_response(universe, task, rng)
            second = corrupt_response(universe, task, rng)
            s1, s2 = grade(universe, task.prompt, first), grade(universe, task.prompt, second)
            if s1 != s2:
                break
        chosen, rejected = (first, second) if s1 > s2 else (second, first)
        pairs.append({"prompt": [{"role": "user", "content": task.prompt}],
                      "chosen": [{"role": "assistant", "content": chosen}],
                      "rejected": [{"role": "assistant", "content": rejected}]})  # fmt: skip
    return pairs
