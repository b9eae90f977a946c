"""Checkable tasks of the mini world: keys, phrasings, reference answers and the train/eval split.

Every task has a canonical *key* (``colour:zibble``, ``add:7:12``, ``taller:domle:zoot``, ...) that names the
underlying question; each key has several *phrasings* (prompt templates, and for symmetric
questions both operand orders). The train/eval split is a fixed hash partition of keys, so no
phrasing of an evaluation question ever reaches the seed SFT set or the judge's seed set.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from alma.mini.universe import WRITING_PHRASES, Universe

FAMILIES: tuple[str, ...] = ("fact", "arithmetic", "comparison", "list", "word", "writing")
EVAL_PERCENT = 20
"""share of task keys held out for evaluation."""

# Prompt templates per sub-kind (the first key part). Field names: e creature, a/b numbers,
# x/y creatures, w word, p place, c colour, f food, word a writing word.
PHRASINGS: dict[str, tuple[str, ...]] = {
    "colour": ("What colour is the {e}?", "What is the colour of the {e}?", "Tell me the colour of the {e}.",
               "Which colour does the {e} have?"),
    "home": ("Where does the {e} live?", "What is the home of the {e}?", "In which place does the {e} live?",
             "Tell me where the {e} lives."),
    "food": ("What does the {e} eat?", "What food does the {e} eat?", "Tell me what the {e} eats.",
             "What is the favourite food of the {e}?"),
    "height": ("How tall is the {e}?", "What is the height of the {e}?", "Tell me how tall the {e} is.",
               "How many hands tall is the {e}?"),
    "add": ("What is {a} plus {b}?", "Add {a} and {b}.", "Compute {a} + {b}.", "What do you get when you add {a} and {b}?"),
    "sub": ("What is {a} minus {b}?", "Subtract {b} from {a}.", "Compute {a} - {b}.",
            "What do you get when you take {b} away from {a}?"),
    "num": ("Which number is larger, {a} or {b}?", "Which is bigger: {a} or {b}?", "Is {a} or {b} the larger number?",
            "Tell me which number is larger, {a} or {b}."),
    "taller": ("Which is taller, the {x} or the {y}?", "Who is taller: the {x} or the {y}?", "Is the {x} or the {y} taller?",
               "Tell me which creature is taller, the {x} or the {y}."),
    "opposite": ("What is the opposite of {w}?", "Give the opposite of the word {w}.",
                 "What word means the opposite of {w}?", "Tell me the opposite of {w}."),
    "letter": ("What is the first letter of the word {w}?", "Which letter does the word {w} begin with?",
               "Tell me the first letter of {w}.", "What letter does {w} start with?"),
    "lhome": ("Which creatures live in {p}?", "List the creatures that live in {p}.",
              "Name all the creatures that live in {p}.", "Who lives in {p}?"),
    "lcolour": ("Which creatures are {c}?", "List the {c} creatures.", "Name all the creatures that are {c}.",
                "Tell me every creature that is {c}."),
    "lfood": ("Which creatures eat {f}?", "List the creatures that eat {f}.", "Name all the creatures that eat {f}.",
              "Tell me every creature that eats {f}."),
    "count": ("List the numbers from {a} to {b}.", "Count from {a} to {b}.", "Write the numbers from {a} to {b}.",
              "What are the numbers from {a} to {b}?"),
    "write": ("Write a sentence about the {e} that uses the word {word}.",
              'Write one sentence about the {e} with the word "{word}" in it.',
              "Use the word {word} in a sentence about the {e}.",
              "Make a short sentence about the {e} that includes the word {word}."),
}  # fmt: skip
FAMILY_OF_KIND = {
    "colour": "fact", "home": "fact", "food": "fact", "height": "fact", "add": "arithmetic", "sub": "arithmetic",
    "num": "comparison", "taller": "comparison", "opposite": "word", "letter": "word", "lhome": "list",
    "lcolour": "list", "lfood": "list", "count": "list", "write": "writing",
}  # fmt: skip


@dataclass(frozen=True)
class Task:
    """One phrasing of one checkable question."""

    key: str
    """canonical id of the underlying question, ``<kind>:<arg>[:<arg>]``; the same for all phrasings."""
    family: str
    """one of :data:`FAMILIES`."""
    prompt: str
    """the user request."""
    reference: str
    """an ideal assistant answer: one short, complete sentence."""


def kind_of(key: str) -> str:
    """The sub-kind of a key (its first part), e.g. ``"add"`` for ``"add:7:12"``."""
    return key.split(":", 1)[0]


def split_of(key: str) -> str:
    """The split of a task key: a fixed hash partition, the same in every process and universe.

    Args:
        key: a task key.

    Returns:
        ``"eval"`` for about :data:`EVAL_PERCENT` % of keys, else ``"train"``.
    """
    digest = hashlib.sha256(f"alma-mini-split:{key}".encode()).digest()
    return "eval" if int.from_bytes(digest[:4], "big") % 100 < EVAL_PERCENT else "train"


@cache
def task_keys(universe: Universe) -> dict[str, tuple[tuple[str, ...], ...]]:
    """All keys of the universe, per family and grouped by sub-kind (so sampling can balance sub-kinds).

    Returns:
        family -> tuple of key groups, one group per sub-kind, each a tuple of keys.
    """
    u, top, ops = universe, universe.max_number, universe.max_operand
    names = [c.name for c in u.creatures]
    taller = [f"taller:{x}:{y}" for i, x in enumerate(sorted(names)) for y in sorted(names)[i + 1 :]
              if u.creature(x).height != u.creature(y).height]  # fmt: skip
    groups: dict[str, list[list[str]]] = {
        "fact": [[f"{attr}:{n}" for n in names] for attr in ("colour", "home", "food", "height")],
        # Subtractions are the inverses of the additions: a - b with b and a - b both in 1..max_operand.
        "arithmetic": [[f"add:{a}:{b}" for a in range(1, ops + 1) for b in range(a, ops + 1)],
                       [f"sub:{a}:{b}" for b in range(1, ops + 1) for a in range(b + 1, b + ops + 1)]],
        "comparison": [[f"num:{a}:{b}" for a in range(1, top + 1) for b in range(a + 1, top + 1)], taller],
        "word": [[f"opposite:{w}" for pair in u.antonyms for w in pair], [f"letter:{w}" for w in u.letter_words]],
        "list": [[f"lhome:{p}" for p in u.places], [f"lcolour:{c}" for c in u.colours], [f"lfood:{f}" for f in u.foods],
                 [f"count:{a}:{a + n - 1}" for n in range(3, 7) for a in range(1, top - n + 2)]],
        "writing": [[f"write:{n}:{w}" for n in names for w in u.writing_words]],
    }  # fmt: skip
    return {family: tuple(tuple(g) for g in groups[family]) for family in FAMILIES}


def truth(universe: Universe, key: str) -> Any:
    """The ground-truth answer of a key.

    Args:
        universe: the world.
        key: a task key.

    Returns:
        A str (facts, words), an int (height, arithmetic), a (winner, loser) tuple (comparisons),
        a tuple of names or numbers (lists) or a (creature, verb phrase) tuple (writing).
    """
    kind, *args = key.split(":")
    if kind in ("colour", "home", "food", "height"):
        return getattr(universe.creature(args[0]), kind)
    if kind in ("add", "sub", "num", "count"):
        a, b = int(args[0]), int(args[1])
        return {"add": a + b, "sub": a - b, "num": (b, a), "count": tuple(range(a, b + 1))}[kind]
    if kind == "taller":
        x, y = universe.creature(args[0]), universe.creature(args[1])
        return (x.name, y.name) if x.height > y.height else (y.name, x.name)
    if kind == "opposite":
        return universe.opposite(args[0])
    if kind == "letter":
        return args[0][0]
    if kind in ("lhome", "lcolour", "lfood"):
        return universe.residents(kind[1:], args[0])
    if kind == "write":
        phrases = WRITING_PHRASES[args[1]]
        return (args[0], phrases[int(hashlib.sha256(key.encode()).hexdigest(), 16) % len(phrases)])
    raise KeyError(f"unknown task key {key!r}")


def _items(items: Sequence[str]) -> str:
    """English list: "a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def render(universe: Universe, key: str, answer: Any, order: tuple[int, int] | None = None) -> str:
    """The answer sentence of ``key`` stating ``answer`` (true or not), in the reference style.

    Args:
        universe: the world.
        key: a task key.
        answer: an answer of the same shape as :func:`truth` returns.
        order: for ``add``, the operand order as asked (reference answers echo the prompt's order).

    Returns:
        One sentence ending with a full stop.
    """
    kind, *args = key.split(":")
    if kind == "colour":
        return f"The {args[0]} is {answer}."
    if kind == "home":
        return f"The {args[0]} lives in {answer}."
    if kind == "food":
        return f"The {args[0]} eats {answer}."
    if kind == "height":
        return f"The {args[0]} is {answer} hands tall."
    if kind in ("add", "sub"):
        a, b = order or (int(args[0]), int(args[1]))
        return f"{a} {'plus' if kind == 'add' else 'minus'} {b} is {answer}."
    if kind == "num":
        return f"{answer[0]} is larger than {answer[1]}."
    if kind == "taller":
        return f"The {answer[0]} is taller than the {answer[1]}."
    if kind == "opposite":
        return f"The opposite of {args[0]} is {answer}."
    if kind == "letter":
        return f"The word {args[0]} begins with the letter {answer}."
    if kind in ("lhome", "lcolour", "lfood"):
        head = {"lhome": f"The creatures that live in {args[0]} are", "lcolour": f"The {args[0]} creatures are",
                "lfood": f"The creatures that eat {args[0]} are"}[kind]  # fmt: skip
        return f"{head} {_items(['the ' + n for n in answer])}."
    if kind == "count":
        return f"The numbers from {args[0]} to {args[1]} are {_items([str(n) for n in answer])}."
    if kind == "write":
        return f"The {answer[0]} {answer[1]}."
    raise KeyError(f"unknown task key {key!r}")


@cache
def variants(universe: Universe, key: str) -> tuple[Task, ...]:
    """Every phrasing of a key.

    Args:
        universe: the world.
        key: a task key.

    Returns:
        One Task per prompt template and, for symmetric questions, per operand order.
    """
    kind, *args = key.split(":")
    family = FAMILY_OF_KIND[kind]
    fields: list[dict[str, str]]
    if kind in ("colour", "home", "food", "height"):
        fields = [{"e": args[0]}]
    elif kind in ("add", "num"):
        fields = [{"a": args[0], "b": args[1]}] + ([{"a": args[1], "b": args[0]}] if args[0] != args[1] else [])
    elif kind == "sub":
        fields = [{"a": args[0], "b": args[1]}]
    elif kind == "taller":
        fields = [{"x": args[0], "y": args[1]}, {"x": args[1], "y": args[0]}]
    elif kind in ("opposite", "letter"):
        fields = [{"w": args[0]}]
    elif kind in ("lhome", "lcolour", "lfood"):
        fields = [{{"lhome": "p", "lcolour": "c", "lfood": "f"}[kind]: args[0]}]
    elif kind == "count":
        fields = [{"a": args[0], "b": args[1]}]
    else:
        fields = [{"e": args[0], "word": args[1]}]
    answer = truth(universe, key)
    out = []
    for template in PHRASINGS[kind]:
        for f in fields:
            order = (int(f["a"]), int(f["b"])) if kind == "add" else None
            out.append(Task(key, family, template.format(**f), render(universe, key, answer, order)))
    return tuple(out)


def _family_pool(universe: Universe, family: str, split: str, seed: int) -> list[Task]:
    """The sampling order of one family: distinct keys first (sub-kinds interleaved), then more phrasings."""
    rng = random.Random(f"alma-mini-pool:{seed}:{family}:{split}")
    groups = []
    for group in task_keys(universe)[family]:
        keys = [k for k in group if split_of(k) == split]
        rng.shuffle(keys)
        groups.append(keys)
    # Round-robin over sub-kinds so e.g. number comparisons are not drowned by creature comparisons.
    keys = [g[i] for i in range(max(map(len, groups), default=0)) for g in groups if i < len(g)]
    shuffled = {k: rng.sample(variants(universe, k), len(variants(universe, k))) for k in keys}
    depth = max((len(v) for v in shuffled.values()), default=0)
    return [shuffled[k][d] for d in range(depth) for k in keys if d < len(shuffled[k])]


def sample_tasks(
    universe: Universe,
    n: int,
    seed: int,
    families: Sequence[str] | None = None,
    split: str = "train",
    weights: Mapping[str, float] | None = None,
) -> list[Task]:
    """Draw ``n`` tasks with distinct prompts, deterministically.

    Each draw picks a family (by ``weights``), then the next unused item of that family's pool, in
    which every key appears once before any key appears in a second phrasing. A family that runs
    out is dropped from the draw. The result for ``n`` is a prefix of the result for ``n + 1``.

    Args:
        universe: the world.
        n: number of tasks.
        seed: sampling seed.
        families: families to draw from (default: all of :data:`FAMILIES`).
        split: ``"train"`` or ``"eval"`` (a fixed partition of keys, see :func:`split_of`).
        weights: relative family weights (default: equal); families missing from it get weight 0.

    Returns:
        ``n`` tasks with pairwise distinct prompts.

    Raises:
        ValueError: on an unknown family or split, or when the split has fewer than ``n`` prompts.
    """
    if split not in ("train", "eval"):
        raise ValueError(f"split must be 'train' or 'eval', got {split!r}")
    chosen = list(families) if families is not None else list(FAMILIES)
    unknown = [f for f in [*chosen, *(weights or {})] if f not in FAMILIES]
    if unknown:
        raise ValueError(f"unknown task families {unknown}; known: {', '.join(FAMILIES)}")
    w = {f: float(weights.get(f, 0.0)) if weights is not None else 1.0 for f in chosen}
    pools = {f: _family_pool(universe, f, split, seed) for f in chosen if w[f] > 0}
    cursor = dict.fromkeys(pools, 0)
    rng = random.Random(f"alma-mini-sample:{seed}:{split}")
    out: list[Task] = []
    while len(out) < n:
        live = [f for f in pools if cursor[f] < len(pools[f])]
        if not live:
            raise ValueError(f"only {len(out)} distinct {split} prompts in families {chosen}; asked for {n}")
        family = rng.choices(live, weights=[w[f] for f in live])[0]
        out.append(pools[family][cursor[family]])
        cursor[family] += 1
    return out


def distractor(universe: Universe, key: str, rng: random.Random) -> Any:
    """A plausible wrong answer.

    Args:
        universe: the world.
        key: a task key.
        rng: the source of randomness.

    Returns:
        An answer of the same shape as :func:`truth` returns, never equal to the truth.
    """
    kind, *args = key.split(":")
    right = truth(universe, key)
    if kind in ("colour", "home", "food"):
        values = {"colour": universe.colours, "home": universe.places, "food": universe.foods}[kind]
        return rng.choice([v for v in values if v != right])
    if kind in ("height", "add", "sub"):
        return rng.choice([v for v in range(max(0, right - 4), right + 5) if v != right])
    if kind in ("num", "taller"):
        return (right[1], right[0])
    if kind == "opposite":
        return rng.choice([w for pair in universe.antonyms for w in pair if w not in (right, args[0])])
    if kind == "letter":
        return rng.choice([c for c in "abcdefghijklmnoprstuvwy" if c != right])
    if kind in ("lhome", "lcolour", "lfood"):
        others = [c.name for c in universe.creatures if c.name not in right]
        kept = rng.sample(right, max(0, len(right) - rng.randint(1, 3)))
        return tuple(kept + rng.sample(others, rng.randint(1, 2)))
    if kind == "count":
        a, b = right[0], right[-1]
        return tuple(range(a, b)) if rng.random() < 0.5 else tuple(range(a + 1, b + 2))
    if kind == "write":
        other = rng.choice([c.name for c in universe.creatures if c.name != args[0]])
        if rng.random() < 0.5:
            return (other, right[1])
        return (args[0], rng.choice(WRITING_PHRASES[rng.choice([w for w in universe.writing_words if w != args[1]])]))
    raise KeyError(f"unknown task key {key!r}")


def render_for(universe: Universe, task: Task, answer: Any) -> str:
    """:func:`render` for one phrasing: additions echo the operand order of ``task.prompt``.

    Args:
        universe: the world.
        task: the task (its prompt gives the operand order).
        answer: an answer of the shape :func:`truth` returns.

    Returns:
        The answer sentence.
    """
    order = None
    if kind_of(task.key) == "add":
        a, b = (int(x) for x in re.findall(r"\d+", task.prompt)[:2])
        order = (a, b)
    return render(universe, task.key, answer, order)
