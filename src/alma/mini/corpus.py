"""Pretraining corpus of the mini world: the universe's knowledge stated in plain prose.

Every fact is stated many times in varied wording, in documents of several kinds (creature
profiles, place/colour/food rosters, number and word notes, counting, sentences about a word,
short stories). The corpus never contains chat markup or question/answer pairs: like Llama-3 in
the paper, the base model should *know* the facts without having learned to *answer* requests.

It does contain question *sheets*: numbered lists of questions with no answers (quizzes,
exercise lists, FAQs without their replies), as the web does. They are what lets the base model
write new requests when shown a few (the paper's few-shot prompt synthesis); without them the
mini base model continued a list of requests with prose and not one synthetic prompt was a task.
Sheets use only training-split questions, so no phrasing of an evaluation question is pretrained.
The stories only use true facts (a creature's colour, home and food), so the corpus never
contradicts itself.

Many documents open with a short title naming their topic ("About 7 and 5.", "The word rain.")
that the text then repeats. Web text is full of such headings, and they teach the base model to
copy a topic word from earlier context, which is what an answer does with the words of its request
(measured: without them, SFT answers ignored the numbers and words of the prompt).
"""

from __future__ import annotations

import random
import re

from alma.mini.tasks import FAMILIES, split_of, task_keys, truth, variants
from alma.mini.universe import WRITING_PHRASES, Universe

CHAT_MARKERS: tuple[str, ...] = (
    "<|user|>", "<|assistant|>", "<|end|>", "<|system|>", "Request:", "Answer:", "User:", "Assistant:",
)  # fmt: skip
DEFAULT_ROUNDS = 30
"""passes over the whole universe; each pass states every fact at least twice (about 20k tokens)."""

OPENERS = ("The {e} is {ac} creature that lives in {p}.", "In the land of {p} lives the {e}.",
           "This is a short note about the {e}.", "The {e} is one of the creatures of {p}.",
           "Let us learn about the {e}.", "Here is what people say about the {e}.")  # fmt: skip
COLOUR_T = ("The {e} is {c}.", "The colour of the {e} is {c}.", "The {e} has {c} fur.",
            "Everyone knows that the {e} is {c}.", "The {e} is {ac} creature.")  # fmt: skip
HOME_T = ("The {e} lives in {p}.", "The home of the {e} is {p}.", "In {p} you can find the {e}.",
          "The {e} has always lived in {p}.", "{p} is the home of the {e}.")  # fmt: skip
FOOD_T = ("The {e} eats {f}.", "The favourite food of the {e} is {f}.", "Every day the {e} looks for {f} to eat.",
          "The {e} likes to eat {f}.", "The food of the {e} is {f}.")  # fmt: skip
HEIGHT_T = ("The {e} is {n} hands tall.", "The height of the {e} is {n} hands.",
            "Standing up, the {e} measures {n} hands.", "The {e} stands {n} hands tall.")  # fmt: skip
FACT_HEADERS = ("Here are some facts about the creatures.", "A few things worth knowing.", "Notes from a traveller.", "")  # fmt: skip
HOME_LIST_T = ("The creatures that live in {p} are {items}.", "{p} is a place where {items} live.",
               "In {p} live {items}.")  # fmt: skip
COLOUR_LIST_T = ("The {c} creatures are {items}.", "Some creatures are {c}: {items}.", "{Items} are all {c}.")  # fmt: skip
FOOD_LIST_T = ("The creatures that eat {f} are {items}.", "{Items} all eat {f}.", "Only {items} eat {f}.")  # fmt: skip
ADD_T = ("{a} plus {b} is {s}.", "Adding {a} and {b} gives {s}.", "The sum of {a} and {b} is {s}.",
         "If you add {a} and {b}, you get {s}.", "{a} and {b} make {s} together.")  # fmt: skip
SUB_T = ("{a} minus {b} is {s}.", "Taking {b} away from {a} leaves {s}.", "Subtracting {b} from {a} gives {s}.",
         "If you take {b} away from {a}, you get {s}.", "The difference between {a} and {b} is {s}.")  # fmt: skip
NUMBER_HEADERS = ("Here are some sums.", "A lesson in numbers.", "Some facts about numbers.", "Practice with numbers.", "")  # fmt: skip
NUM_CMP_T = ("{hi} is larger than {lo}.", "{lo} is smaller than {hi}.", "Between {lo} and {hi}, the larger number is {hi}.",
             "{hi} is bigger than {lo}.", "The number {hi} is greater than {lo}.")  # fmt: skip
TALLER_T = ("The {t} is taller than the {s}.", "The {s} is shorter than the {t}.",
            "The {t} is {nt} hands tall and the {s} is {ns} hands tall, so the {t} is taller.",
            "Next to the {t}, the {s} looks small.")  # fmt: skip
OPPOSITE_T = ("The opposite of {w} is {o}.", "{W} is the opposite of {o}.", "{W} and {o} are opposites.",
              "The words {w} and {o} mean opposite things.")  # fmt: skip
LETTER_T = ("The word {w} begins with the letter {l}.", "{W} starts with the letter {l}.",
            "The first letter of {w} is {l}.", "You write {w} starting with the letter {l}.")  # fmt: skip
WORD_HEADERS = ("Some notes on words.", "A lesson about words.", "Words and their letters.", "")  # fmt: skip
COUNT_T = ("Counting from {a} to {b} goes {seq}.", "The numbers from {a} to {b} are {items}.",
           "From {a} up to {b} we count {seq}.")  # fmt: skip
ROSTER_TITLES = {"home": ("Creatures of {p}.", "Life in {p}.", "{p}."),
                 "colour": ("The {c} creatures.", "On {c} creatures.", "Creatures that are {c}."),
                 "food": ("Creatures that eat {f}.", "On {f}.", "Eaters of {f}.")}  # fmt: skip
PAIR_TITLES = ("About {a} and {b}.", "The numbers {a} and {b}.", "{a} and {b}.", "Take {a} and {b}.")
COUNT_TITLES = ("From {a} to {b}.", "Counting to {b}.", "Numbers in a row.")
WORD_TITLES = ("A note on the word {w}.", "The word {w}.", "{W}.", "On the word {w}.")
WRITING_TITLES = ("Stories about the {w}.", "The {w}.", "Sentences with the word {w}.", "A few lines about the {w}.")
PAIR_CREATURE_TITLES = ("The {t} and the {s}.", "Comparing the {s} and the {t}.", "Two creatures.")
SHEET_TITLES = ("Questions for practice.", "A short quiz.", "Questions people often ask.", "Exercises.",
                "Some things to find out.", "Test yourself.", "")  # fmt: skip
STORY_OPEN = ("Once upon a time, the {e} lived in {p}.", "One morning the {c} {e} woke up in {p}.",
              "This is a story about the {e} and the {e2}.", "It was a quiet day in {p}.")  # fmt: skip
STORY_LINK = ("", "Then ", "Later ", "After that, ", "At night ", "In the afternoon ", "Soon ")
STORY_EXTRA = ("The {e} ate some {f}.", "The {e2} came to visit the {e}.", "The {e} and the {e2} walked together.",
               "The {c} {e} was very happy.", "The {e} went back home to {p}.")  # fmt: skip
STORY_CLOSE = ("In the end, the {e} went home to {p}.", "It was a good day for the {e}.", "And that is the end of the story.")  # fmt: skip
ALL_TEMPLATES = (OPENERS, COLOUR_T, HOME_T, FOOD_T, HEIGHT_T, FACT_HEADERS, HOME_LIST_T, COLOUR_LIST_T, FOOD_LIST_T,
                 ADD_T, SUB_T, NUMBER_HEADERS, NUM_CMP_T, TALLER_T, OPPOSITE_T, LETTER_T, WORD_HEADERS, COUNT_T,
                 STORY_OPEN, STORY_LINK, STORY_EXTRA, STORY_CLOSE, PAIR_TITLES, COUNT_TITLES, WORD_TITLES,
                 WRITING_TITLES, PAIR_CREATURE_TITLES, SHEET_TITLES, *ROSTER_TITLES.values())  # fmt: skip


def template_words() -> frozenset[str]:
    """Every lower-case word the corpus templates and writing phrases can produce (the oracle's lexicon)."""
    text = (
        " ".join(t for group in ALL_TEMPLATES for t in group)
        + " "
        + " ".join(p for phrases in WRITING_PHRASES.values() for p in phrases)
    )
    return frozenset(w for w in re.findall(r"[a-z]+", re.sub(r"\{[^}]*\}", " ", text).lower()))


def _items(names: list[str], prefix: str = "the ") -> str:
    names = [prefix + n for n in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _cap(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]


def _fill(rng: random.Random, templates: tuple[str, ...], **fields: object) -> str:
    return _cap(rng.choice(templates).format(**fields))


def _creature_fields(u: Universe, name: str) -> dict[str, object]:
    c = u.creature(name)
    article = "an" if c.colour[0] in "aeiou" else "a"
    return {"e": c.name, "c": c.colour, "ac": f"{article} {c.colour}", "p": c.home, "f": c.food, "n": c.height}


def _profile(u: Universe, rng: random.Random, name: str) -> str:
    """All four facts of one creature, in random wording and order, plus one true activity."""
    f = _creature_fields(u, name)
    body = [_fill(rng, t, **f) for t in (COLOUR_T, HOME_T, FOOD_T, HEIGHT_T)]
    rng.shuffle(body)
    word = rng.choice(u.writing_words)
    body.append(f"The {name} often {rng.choice(WRITING_PHRASES[word])}.")
    return " ".join([_fill(rng, OPENERS, **f), *body])


def _fact_mix(u: Universe, rng: random.Random, k: int) -> str:
    """Random single facts about random creatures: the same knowledge without a per-creature context."""
    lines = [rng.choice(FACT_HEADERS)]
    for _ in range(k):
        f = _creature_fields(u, rng.choice(u.creatures).name)
        lines.append(_fill(rng, rng.choice((COLOUR_T, HOME_T, FOOD_T, HEIGHT_T)), **f))
    return " ".join(x for x in lines if x)


def _rosters(u: Universe, rng: random.Random) -> list[str]:
    """One titled document per place, colour and food listing its creatures, plus two member facts."""
    docs = []
    for attribute, values, templates, field in (("home", u.places, HOME_LIST_T, "p"),
                                                ("colour", u.colours, COLOUR_LIST_T, "c"),
                                                ("food", u.foods, FOOD_LIST_T, "f")):  # fmt: skip
        for value in values:
            members = list(u.residents(attribute, value))
            rng.shuffle(members)
            items = _items(members)
            title = _fill(rng, ROSTER_TITLES[attribute], **{field: value})
            first = _fill(rng, templates, items=items, Items=_cap(items), **{field: value})
            extra = [_fill(rng, COLOUR_T, **_creature_fields(u, m)) for m in members[:2]]
            docs.append(" ".join([title, first, *extra]))
    return docs


def _number_pairs(u: Universe, rng: random.Random, per_pair: int = 2) -> list[str]:
    """Titled notes per pair of operands: both sums, both differences and the comparison.

    Arithmetic needs more exposures than single facts (two operands make one answer), hence
    ``per_pair`` notes per round on top of the mixed lessons.
    """
    docs = []
    for key in [k for k in task_keys(u)["arithmetic"][0] for _ in range(per_pair)]:
        _, x, y = key.split(":")
        a, b = (int(x), int(y)) if rng.random() < 0.5 else (int(y), int(x))
        s = a + b
        lines = [_fill(rng, ADD_T, a=a, b=b, s=s), _fill(rng, SUB_T, a=s, b=b, s=a)]
        if a != b:
            lines += [_fill(rng, ADD_T, a=b, b=a, s=s), _fill(rng, SUB_T, a=s, b=a, s=b),
                      _fill(rng, NUM_CMP_T, hi=max(a, b), lo=min(a, b))]  # fmt: skip
        rng.shuffle(lines)
        docs.append(" ".join([_fill(rng, PAIR_TITLES, a=a, b=b), *lines]))
    return docs


def _number_lessons(u: Universe, rng: random.Random, per_doc: int = 8) -> list[str]:
    """Every sum, difference and number comparison once more, in untitled mixed lessons."""
    facts = []
    for key in (k for group in task_keys(u)["arithmetic"] for k in group):
        kind, a, b = key.split(":")
        a_, b_ = (int(a), int(b)) if kind == "sub" or rng.random() < 0.5 else (int(b), int(a))
        facts.append(_fill(rng, ADD_T if kind == "add" else SUB_T, a=a_, b=b_, s=truth(u, key)))
    for key in task_keys(u)["comparison"][0]:
        hi, lo = truth(u, key)
        facts.append(_fill(rng, NUM_CMP_T, hi=hi, lo=lo))
    rng.shuffle(facts)
    return [" ".join(x for x in [rng.choice(NUMBER_HEADERS), *facts[i : i + per_doc]] if x)
            for i in range(0, len(facts), per_doc)]  # fmt: skip


def _counting(u: Universe, rng: random.Random) -> list[str]:
    docs = []
    for key in task_keys(u)["list"][3]:
        seq = truth(u, key)
        fields = {"a": seq[0], "b": seq[-1], "seq": ", ".join(map(str, seq)),
                  "items": _items([str(n) for n in seq], prefix="")}  # fmt: skip
        docs.append(f"{_fill(rng, COUNT_TITLES, **fields)} {_fill(rng, COUNT_T, **fields)}")
    return docs


def _comparisons(u: Universe, rng: random.Random, per_creature: int = 2) -> list[str]:
    """Titled height comparisons of each creature with a few random others (distinct heights only)."""
    docs = []
    for c in u.creatures:
        others = [o for o in u.creatures if o.height != c.height]
        for o in rng.sample(others, min(per_creature, len(others))):
            t, s = (c, o) if c.height > o.height else (o, c)
            fields = {"t": t.name, "s": s.name, "nt": t.height, "ns": s.height}
            docs.append(f"{_fill(rng, PAIR_CREATURE_TITLES, **fields)} {_fill(rng, TALLER_T, **fields)}")
    return docs


def _words(u: Universe, rng: random.Random, per_doc: int = 6) -> list[str]:
    """A titled note per word (its opposite or first letter), plus the same facts in mixed lessons."""
    opposites = [(w, o) for a, b in u.antonyms for w, o in ((a, b), (b, a))]
    notes = [f"{_fill(rng, WORD_TITLES, w=w, W=_cap(w))} {_fill(rng, OPPOSITE_T, w=w, o=o, W=_cap(w))}"
             for w, o in opposites]  # fmt: skip
    notes += [f"{_fill(rng, WORD_TITLES, w=w, W=_cap(w))} {_fill(rng, LETTER_T, w=w, W=_cap(w), l=w[0])}"
              for w in u.letter_words]  # fmt: skip
    facts = [_fill(rng, OPPOSITE_T, w=w, o=o, W=_cap(w)) for w, o in opposites]
    facts += [_fill(rng, LETTER_T, w=w, W=_cap(w), l=w[0]) for w in u.letter_words]
    rng.shuffle(facts)
    return notes + [" ".join(x for x in [rng.choice(WORD_HEADERS), *facts[i : i + per_doc]] if x)
                    for i in range(0, len(facts), per_doc)]  # fmt: skip


def _writing(u: Universe, rng: random.Random, per_word: int = 2) -> list[str]:
    """Titled documents of a few sentences that all use one writing word (constrained writing, as prose)."""
    docs = []
    for word in u.writing_words:
        for _ in range(per_word):
            lines = [_fill(rng, WRITING_TITLES, w=word)]
            for who in rng.sample([c.name for c in u.creatures], rng.randint(2, 4)):
                lines.append(_cap(f"{rng.choice(STORY_LINK)}the {who} {rng.choice(WRITING_PHRASES[word])}."))
            docs.append(" ".join(lines))
    return docs


def _story(u: Universe, rng: random.Random) -> str:
    """A short narrative whose sentences follow the writing phrases and only state true facts."""
    e, e2 = rng.sample([c.name for c in u.creatures], 2)
    f = {**_creature_fields(u, e), "e2": e2}
    lines = [_fill(rng, STORY_OPEN, **f)]
    for _ in range(rng.randint(3, 6)):
        if rng.random() < 0.25:
            lines.append(_fill(rng, STORY_EXTRA, **f))
        else:
            who = e if rng.random() < 0.7 else e2
            phrase = rng.choice(WRITING_PHRASES[rng.choice(u.writing_words)])
            lines.append(_cap(f"{rng.choice(STORY_LINK)}the {who} {phrase}."))
    lines.append(_fill(rng, STORY_CLOSE, **f))
    return " ".join(lines)


def _question_pool(u: Universe) -> dict[str, list[str]]:
    """Every phrasing of every training-split question, per family."""
    return {
        family: [t.prompt for group in task_keys(u)[family] for k in group if split_of(k) == "train"
                 for t in variants(u, k)]
        for family in FAMILIES
    }  # fmt: skip


def _question_sheets(u: Universe, rng: random.Random, pool: dict[str, list[str]], n: int) -> list[str]:
    """``n`` numbered lists of 3-8 questions without answers, half on one topic and half mixed."""
    docs = []
    for i in range(n):
        size = rng.randint(3, 8)
        if i % 2:
            questions = rng.sample(pool[rng.choice(FAMILIES)], size)
        else:
            questions = [rng.choice(pool[rng.choice(FAMILIES)]) for _ in range(size)]
        title = rng.choice(SHEET_TITLES)
        items = [f"{j + 1}. {q}" for j, q in enumerate(questions)]
        docs.append("\n".join([title, *items] if title else items))
    return docs


def _one_round(u: Universe, rng: random.Random) -> list[str]:
    # Fact-dense documents dominate: a 4M model learns associations slowly, so free stories (which
    # teach style but state few facts) are kept to a quarter of the creature count.
    docs = [_profile(u, rng, c.name) for c in u.creatures]
    docs += [_fact_mix(u, rng, 8) for _ in range(len(u.creatures) // 2)]
    docs += _rosters(u, rng) + _number_pairs(u, rng) + _number_lessons(u, rng) + _counting(u, rng)
    docs += _comparisons(u, rng) + _words(u, rng) + _writing(u, rng)
    docs += [_story(u, rng) for _ in range(len(u.creatures) // 4)]
    docs += _question_sheets(u, rng, _question_pool(u), len(u.creatures) // 2)
    return docs


_SHEET_ITEM = re.compile(r"^\d+\. ")


def _is_sheet(doc: str) -> bool:
    """A question sheet: an optional title line, then numbered items only."""
    lines = doc.split("\n")
    items = lines[1:] if lines[0] in SHEET_TITLES else lines
    return bool(items) and all(_SHEET_ITEM.match(line) for line in items)


def build_corpus(universe: Universe, seed: int, n_docs: int | None = None) -> list[str]:
    """Generate the pretraining documents, deterministically.

    Args:
        universe: the world whose knowledge the corpus states.
        seed: corpus seed (wording, order, which comparisons are stated).
        n_docs: number of documents; default: :data:`DEFAULT_ROUNDS` full passes over the universe.
            A smaller number cuts the shuffled corpus, so small corpora (for tests) are cheap.

    Returns:
        Plain-prose documents and question sheets; none contains any of :data:`CHAT_MARKERS`, and
        only sheets (which never answer) contain questions.
    """
    rng = random.Random(f"alma-mini-corpus:{universe.seed}:{seed}")
    docs: list[str] = []
    rounds = 0
    while (n_docs is None and rounds < DEFAULT_ROUNDS) or (n_docs is not None and len(docs) < n_docs):
        docs += _one_round(universe, rng)
        rounds += 1
    rng.shuffle(docs)
    docs = docs if n_docs is None else docs[:n_docs]
    for doc in docs:  # a cheap guard: a template edit must never leak chat format into pretraining
        if any(m in doc for m in CHAT_MARKERS) or ("?" in doc and not _is_sheet(doc)):
            raise AssertionError(f"corpus document in chat/question-answer form: {doc[:80]!r}")
    return docs
