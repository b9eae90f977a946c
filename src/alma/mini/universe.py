"""The generated knowledge base of the mini world.

A :class:`Universe` is a small, fully known world: fictional creatures with four attributes
(colour, home, food, height), the places they live in, English word lists for the word tasks
(opposites, first letters) and for constrained writing. Everything the tiny base model can learn
during pretraining, and everything the oracle checks, comes from here, so the mini world has
ground truth for every question it asks.

The world is kept deliberately small (48 creatures x 4 attributes, numbers up to 20) so that a
4M-parameter model sees every fact many times within a ~10 minute CPU pretraining run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

# Real English words stay fixed across seeds: the tokenizer and the oracle rely on them being
# ordinary words, and only the creatures and places (pseudo-words) are generated per seed.
COLOURS = ("red", "blue", "green", "yellow", "purple", "orange", "white", "black", "grey", "pink", "brown", "golden")  # fmt: skip
FOODS = ("berries", "nuts", "fish", "seeds", "leaves", "honey", "mushrooms", "roots", "grass", "beetles", "apples", "clover")  # fmt: skip
ANTONYMS = (
    ("hot", "cold"), ("big", "small"), ("fast", "slow"), ("happy", "sad"), ("dark", "bright"), ("up", "down"),
    ("open", "closed"), ("old", "young"), ("early", "late"), ("wet", "dry"), ("loud", "quiet"), ("full", "empty"),
    ("hard", "soft"), ("high", "low"), ("near", "far"), ("strong", "weak"), ("rich", "poor"), ("thick", "thin"),
    ("clean", "dirty"), ("long", "short"), ("heavy", "light"), ("good", "bad"), ("first", "last"), ("inside", "outside"),
)  # fmt: skip
LETTER_WORDS = (
    "apple", "basket", "candle", "door", "engine", "feather", "garden", "hammer", "island", "jacket", "kettle",
    "ladder", "mirror", "needle", "orange", "pencil", "quilt", "rabbit", "saddle", "table", "umbrella", "valley",
    "window", "yellow", "zebra", "bottle", "carpet", "dragon", "forest", "guitar", "helmet", "lemon", "market",
    "nest", "ocean", "pillow", "river", "silver", "tower", "wagon",
)  # fmt: skip
# Constrained writing: each word comes with verb phrases that complete "The <creature> ..." so the
# corpus, the reference answers and the corruptions share one grammar.
WRITING_PHRASES: dict[str, tuple[str, ...]] = {
    "river": ("swims in the river", "drinks from the river", "rests beside the river"),
    "moon": ("sings to the moon", "watches the moon at night", "sleeps under the moon"),
    "stone": ("hides under a stone", "sits on a warm stone", "carries a small stone"),
    "song": ("sings a happy song", "hums a quiet song", "learns a new song"),
    "tree": ("climbs a tall tree", "naps under a tree", "hides behind a tree"),
    "rain": ("dances in the rain", "runs home in the rain", "listens to the rain"),
    "friend": ("plays with a friend", "visits an old friend", "helps a friend"),
    "hill": ("runs up the hill", "sleeps on the hill", "rolls down the hill"),
    "garden": ("digs in the garden", "walks through the garden", "finds food in the garden"),
    "snow": ("plays in the snow", "leaves tracks in the snow", "sleeps through the snow"),
    "star": ("counts every star", "looks at a bright star", "wishes on a star"),
    "boat": ("rides in a little boat", "builds a small boat", "sails a boat"),
    "wind": ("runs with the wind", "listens to the wind", "flies in the wind"),
    "lake": ("swims across the lake", "drinks from the lake", "rests by the lake"),
    "bridge": ("crosses the old bridge", "waits on the bridge", "sleeps under the bridge"),
    "sun": ("rests in the sun", "wakes up with the sun", "warms itself in the sun"),
}

# Pseudo-word parts: short, pronounceable, and unlike any word above so names never collide.
_ONSETS = ("b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "sh", "gl", "br", "tr", "pl", "kr", "sn")  # fmt: skip
_VOWELS = ("a", "e", "i", "o", "u", "oo", "ee", "ai")  # fmt: skip
_CODAS = ("", "n", "m", "r", "l", "b", "k", "x", "p", "sh")  # fmt: skip
_ENDINGS = ("le", "o", "it", "er", "a", "y", "in", "ot")  # fmt: skip
_PLACE_ENDINGS = ("ton", "dale", "mere", "holm", "wick", "ford", "vale", "moor", "by", "stead")  # fmt: skip
# Generated names must not read as rude English; checked as substrings.
_RUDE = ("shit", "fuk", "fuc", "sex", "cum", "tit", "nig", "ass", "dik", "dic", "cok", "pis", "fag", "rap", "poo", "butt")  # fmt: skip


@dataclass(frozen=True)
class Creature:
    """One fictional creature and its attributes (the facts the base model must learn)."""

    name: str
    """lower-case pseudo-word, used as "the <name>"."""
    colour: str
    home: str
    """a place name from :attr:`Universe.places`."""
    food: str
    height: int
    """in hands, 2..max_number (never 1: "1 hands tall" is bad grammar); heights repeat across creatures."""


@dataclass(frozen=True)
class Universe:
    """The whole knowledge base. Frozen and made of tuples, so it is hashable and cacheable."""

    seed: int
    creatures: tuple[Creature, ...]
    places: tuple[str, ...]
    colours: tuple[str, ...]
    foods: tuple[str, ...]
    max_number: int
    """numbers in comparison and counting tasks, and heights, are at most max_number."""
    max_operand: int
    """arithmetic operands are 1..max_operand (sums up to 2 x max_operand): a 4M model memorises a 10 x 10
    table within the pretraining budget, but not a 20 x 20 one (measured: chance level after 1,200 steps)."""
    antonyms: tuple[tuple[str, str], ...]
    letter_words: tuple[str, ...]
    writing_words: tuple[str, ...]
    _by_name: dict[str, Creature] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        # A lookup table kept out of equality/hash so two universes from the same seed compare equal.
        self._by_name.update({c.name: c for c in self.creatures})

    def creature(self, name: str) -> Creature:
        """Return the creature called ``name`` (KeyError if unknown)."""
        return self._by_name[name]

    def residents(self, attribute: str, value: str) -> tuple[str, ...]:
        """Names of the creatures whose ``attribute`` ("home", "colour", "food") equals ``value``, in world order."""
        return tuple(c.name for c in self.creatures if getattr(c, attribute) == value)

    def opposite(self, word: str) -> str | None:
        """The antonym of ``word`` in this universe, or None."""
        for a, b in self.antonyms:
            if word == a:
                return b
            if word == b:
                return a
        return None


def _pseudo_words(rng: random.Random, n: int, endings: tuple[str, ...], banned: set[str]) -> list[str]:
    """Draw ``n`` distinct pronounceable pseudo-words, none a prefix of another (keeps regexes unambiguous)."""
    words: list[str] = []
    while len(words) < n:
        word = rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) + rng.choice(endings)
        if not 4 <= len(word) <= 9 or word in banned or any(r in word for r in _RUDE):
            continue
        if any(word.startswith(w) or w.startswith(word) for w in words):
            continue
        words.append(word)
    return words


def build_universe(
    seed: int = 0,
    n_creatures: int = 48,
    n_places: int = 8,
    n_colours: int = 8,
    n_foods: int = 8,
    max_number: int = 20,
    max_operand: int = 10,
) -> Universe:
    """Generate the knowledge base deterministically from ``seed``.

    Attributes are assigned in balanced cycles (every place, colour and food has exactly
    ``n_creatures / n_places`` members when it divides), so list questions have similar lengths.

    Args:
        seed: world seed; the same seed gives an equal Universe in any process.
        n_creatures: number of creatures (each has 4 attribute facts).
        n_places: number of home places.
        n_colours: number of colours used (a subset of :data:`COLOURS`).
        n_foods: number of foods used (a subset of :data:`FOODS`).
        max_number: largest number in comparison and counting tasks, and the largest height.
        max_operand: largest arithmetic operand.

    Returns:
        The generated :class:`Universe`.
    """
    rng = random.Random(f"alma-mini-universe:{seed}")
    banned = (
        set(COLOURS) | set(FOODS) | {w for pair in ANTONYMS for w in pair} | set(LETTER_WORDS) | set(WRITING_PHRASES)
    )
    names = _pseudo_words(rng, n_creatures, _ENDINGS, banned)
    places = [w.capitalize() for w in _pseudo_words(rng, n_places, _PLACE_ENDINGS, banned | set(names))]
    colours = sorted(rng.sample(COLOURS, n_colours), key=COLOURS.index)
    foods = sorted(rng.sample(FOODS, n_foods), key=FOODS.index)

    def cycle(values: list[str]) -> list[str]:
        out = [values[i % len(values)] for i in range(n_creatures)]
        rng.shuffle(out)
        return out

    homes, cols, eats = cycle(places), cycle(colours), cycle(foods)
    creatures = tuple(
        Creature(name, cols[i], homes[i], eats[i], rng.randint(2, max_number)) for i, name in enumerate(names)
    )
    return Universe(
        seed=seed,
        creatures=creatures,
        places=tuple(places),
        colours=tuple(colours),
        foods=tuple(foods),
        max_number=max_number,
        max_operand=max_operand,
        antonyms=ANTONYMS,
        letter_words=LETTER_WORDS,
        writing_words=tuple(WRITING_PHRASES),
    )
