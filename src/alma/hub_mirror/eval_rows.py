"""Rows of the mirror's evaluation sets: LIMA, MT-Bench, Arena-Hard, AlpacaEval and the Self-Rewarding prompts.

Each function returns rows in its hub original's format (fields, types, id conventions); the prompts and
answers are everyday English written for this mirror.
"""

from __future__ import annotations

import hashlib
from typing import Any

_LIMA: tuple[tuple[str, str], ...] = (
    ("author", "I've just moved to a new city and don't know anyone. How can I make friends as an adult?"),
    ("author", "Write a letter to your future self, to be opened in ten years."),
    ("author", "What are the pros and cons of buying a used car instead of a new one?"),
    ("author", "Explain how a refrigerator keeps food cold."),
    ("reddit", "My houseplant's leaves are turning yellow. What could be wrong?"),
    ("reddit", "Write a short story that begins with the sentence: 'The last train had already left.'"),
    ("author", "How do I prepare for my first marathon?"),
    ("author", "What is the difference between a crocodile and an alligator?"),
    ("author", "Can you explain what inflation is and why it matters to ordinary people?"),
    ("reddit", "Give me a plan for learning to play the guitar in three months."),
    ("author", "Why do we dream?"),
    ("author", "Write a persuasive paragraph on why cities should have more parks."),
)

# (category, [turn 1, turn 2], reference); MT-Bench has references for math, reasoning and coding only.
_MT_BENCH: tuple[tuple[str, tuple[str, str], tuple[str, ...]], ...] = (
    ("writing", ("Write a short blog post about a weekend trip to the seaside, mentioning the food and the weather.",
                 "Rewrite your post in exactly four sentences, each starting with the letter S."), ()),
    ("roleplay", ("Pretend you are a chef in a busy restaurant. Describe your morning routine before service.",
                  "A customer complains that their soup is cold. How do you respond, staying in character?"), ()),
    ("reasoning", ("Anna is taller than Ben, and Ben is taller than Chloe. Who is the shortest?",
                   "If Chloe then grows taller than Anna, who is the tallest?"),
     ("Chloe is the shortest.", "Chloe is the tallest.")),
    ("math", ("A rectangle is 6 cm long and 4 cm wide. What is its area?", "What is its perimeter?"),
     ("24 square centimetres.", "20 centimetres.")),
    ("coding", ("Write a Python function that returns the number of vowels in a string.",
                "Change it so that it also counts the letter y as a vowel."),
     ("def count_vowels(s):\n    return sum(ch in 'aeiouAEIOU' for ch in s)",
      "def count_vowels(s):\n    return sum(ch in 'aeiouyAEIOUY' for ch in s)")),
    ("extraction", ("From the sentence 'The meeting with Dr. Lee is on 12 March at 10:00 in room 4B', extract the "
                    "person, date, time and room as JSON.",
                    "Now add a field 'duration' with the value '1 hour'."), ()),
    ("stem", ("Explain in simple terms why ice floats on water.",
              "Would a block of frozen olive oil float in liquid olive oil? Explain."), ()),
    ("humanities", ("Why was the invention of the printing press important?",
                    "Name one way in which it changed education."), ()),
)  # fmt: skip

_ARENA_HARD: tuple[tuple[str, str], ...] = (
    ("Python Coding Challenges", "Write a Python function that finds the longest word in a sentence, returning the "
     "first one when there is a tie."),
    ("SQL Database Queries", "Write an SQL query that lists each customer's total order value, highest first, from "
     "the tables customers(id, name) and orders(id, customer_id, amount)."),
    ("Short Story Writing", "Write a 150-word story about a lighthouse keeper who finds a message in a bottle."),
    ("Personal Finance Planning", "I earn 3,000 dollars a month after tax. Propose a monthly budget that saves at "
     "least 15 percent, and explain each category."),
    ("Travel Itinerary Planning", "Plan a three-day itinerary for a first visit to Lisbon on a modest budget."),
    ("Physics Problem Solving", "A ball is dropped from a height of 20 m. Ignoring air resistance, how long does it "
     "take to reach the ground? Show your working."),
    ("Excel Formulas and VBA", "In Excel, how do I count the cells in column B that contain the word 'paid', "
     "ignoring case?"),
    ("Health and Fitness Advice", "Design a four-week beginner strength routine that needs only a pair of "
     "dumbbells."),
    ("Linux Shell Scripting", "Write a bash script that renames every .jpeg file in a folder to .jpg."),
    ("Business Email Writing", "Draft an email to a supplier explaining that a delivery arrived damaged and asking "
     "for a replacement."),
)  # fmt: skip

# (dataset, instruction, text_davinci_003's output in alpaca_eval.json, gpt4_turbo's in the baseline file)
_ALPACA_EVAL: tuple[tuple[str, str, str, str], ...] = (
    ("helpful_base", "What are some good ways to keep a dog entertained indoors?",
     "You can play fetch, hide treats or give the dog a chew toy.",
     "Try puzzle feeders, hide-and-seek with treats, short training sessions that teach a new trick, tug-of-war "
     "with a rope toy, and rotating a few toys so they feel new."),
    ("helpful_base", "How do I get rid of fruit flies in my kitchen?",
     "Keep the kitchen clean and take out the trash.",
     "Remove what attracts them (ripe fruit, open bins, damp sponges), then set a trap: a small jar of cider "
     "vinegar with a drop of washing-up liquid. Empty the trap every few days until they are gone."),
    ("koala", "What is the difference between a latte and a cappuccino?",
     "A latte has more milk than a cappuccino.",
     "Both are espresso with steamed milk. A cappuccino has less milk and a thick layer of foam, so it tastes "
     "stronger; a latte has more steamed milk and only a thin layer of foam, so it is milder and creamier."),
    ("koala", "Explain what a credit score is.",
     "A credit score is a number that shows how good your credit is.",
     "A credit score is a number that estimates how likely you are to repay borrowed money, based on your "
     "payment history, current debts and length of credit history. Lenders use it to decide whether to lend to "
     "you and at what interest rate."),
    ("oasst", "Can you recommend some exercises to improve posture?",
     "Planks and stretching can help posture.",
     "Try planks and side planks for core strength, rows and band pull-aparts for the upper back, chin tucks for "
     "the neck, and a daily chest stretch in a doorway. A few minutes every day matters more than long sessions."),
    ("oasst", "What is the best way to learn to touch-type?",
     "Practice typing every day.",
     "Learn the home-row position first, then use a free typing tutor for 15 minutes a day without looking at "
     "the keys. Aim for accuracy before speed; speed follows."),
    ("selfinstruct", "Rewrite the sentence to make it more formal: 'Hey, can you send me that report real quick?'",
     "Can you send me the report quickly?",
     "Could you please send me the report at your earliest convenience?"),
    ("selfinstruct", "Classify the following animals as mammals or birds: penguin, dolphin, owl, bat.",
     "Mammals: dolphin. Birds: penguin, owl, bat.",
     "Mammals: dolphin, bat. Birds: penguin, owl."),
    ("vicuna", "How can I improve my time management skills?",
     "Make a to-do list.",
     "Plan each day the evening before, put the most important task first, group small tasks together, set "
     "time limits for meetings and email, and review at the end of the week what took longer than expected."),
    ("vicuna", "What are the main differences between renting and buying a home?",
     "Renting is cheaper and buying is more expensive.",
     "Renting needs less money up front and is flexible, but the payments build no ownership. Buying needs a "
     "deposit and brings maintenance costs and less flexibility, but each repayment builds equity in the home."),
    ("helpful_base", "How do I make a simple tomato sauce?",
     "Cook tomatoes in a pan.",
     "Soften a chopped onion and two cloves of garlic in olive oil, add a tin of chopped tomatoes, a pinch of "
     "salt and a little sugar, and simmer for 20 minutes. Finish with fresh basil."),
    ("koala", "Why do cats purr?",
     "Cats purr because they are happy.",
     "Cats often purr when they are content, but also when they are stressed, hurt or giving birth. Purring "
     "seems to be a way of calming themselves and of communicating with people and other cats."),
    ("oasst", "Write a short motivational message for someone starting a new job.",
     "Good luck with your new job!",
     "Congratulations on the new job! Nobody expects you to know everything on day one: ask questions, learn "
     "people's names and be kind to yourself. You were chosen for a reason."),
    ("selfinstruct", "Generate three creative names for a lemonade stand.",
     "Lemonade Stand, Lemon Drinks, Juice Place",
     "1. Squeeze the Day\n2. The Sunny Sip\n3. Lemon Aid Station"),
    ("vicuna", "What are some ways to reduce food waste at home?",
     "Don't buy too much food.",
     "Plan meals and shop with a list, store food properly, freeze leftovers and bread, use the oldest food "
     "first, and turn vegetable scraps into soup or stock."),
    ("selfinstruct", "Summarise the benefits of walking in two sentences.",
     "Walking is good exercise.",
     "Walking strengthens the heart, helps control weight and lifts the mood. It is free, gentle on the joints "
     "and easy to fit into a daily routine."),
)  # fmt: skip

_SELF_REWARDING: tuple[str, ...] = (
    "What are some fun things to do in a small town on a summer evening?",
    "Write a short poem about a cup of morning coffee.",
    "How can I tell whether a news story is trustworthy?",
    "Explain the rules of chess to a complete beginner in a few sentences.",
    "What should I consider before adopting a cat?",
    "Give me a simple recipe for vegetable soup.",
    "How do noise-cancelling headphones work?",
    "What are good questions to ask at the end of a job interview?",
    "Suggest a weekly routine for keeping a small flat clean.",
    "Why do leaves change colour in autumn?",
)


def lima_rows() -> list[dict[str, Any]]:
    """Rows of ``GAIR/lima`` ``test.jsonl``: ``conversations`` (one user turn) and ``source``."""
    return [{"conversations": [text], "source": source} for source, text in _LIMA]


def mt_bench_prompt_id(turns: tuple[str, ...] | list[str]) -> int:
    """The id ``HuggingFaceH4/mt_bench_prompts`` gives a question: sha256 of the joined turns, mod 10^8."""
    return int(hashlib.sha256("".join(turns).encode("utf-8")).hexdigest(), 16) % (10**8)


def mt_bench_rows() -> list[dict[str, Any]]:
    """Rows of ``HuggingFaceH4/mt_bench_prompts`` ``train``: prompt (two turns), prompt_id, category, reference."""
    return [{"prompt": list(turns), "prompt_id": mt_bench_prompt_id(turns), "category": category,
             "reference": list(reference)} for category, turns, reference in _MT_BENCH]  # fmt: skip


def arena_hard_rows() -> list[dict[str, Any]]:
    """Rows of ``lmarena-ai/arena-hard-auto-v0.1`` ``train``: question_id (32 hex digits), category, cluster, turns."""
    return [{"question_id": hashlib.sha256(text.encode("utf-8")).hexdigest()[:32], "category": "arena-hard-v0.1",
             "cluster": cluster, "turns": [{"content": text}]} for cluster, text in _ARENA_HARD]  # fmt: skip


def alpaca_eval_rows(generator: str) -> list[dict[str, Any]]:
    """Rows of ``tatsu-lab/alpaca_eval``: ``alpaca_eval.json`` (``text_davinci_003``) or the ``gpt4_turbo`` baseline.

    Both files list the same instructions in the same order, as the originals do, so reference outputs line up
    with the prompts by position.
    """
    column = {"text_davinci_003": 2, "gpt4_turbo": 3}[generator]
    return [{"dataset": row[0], "instruction": row[1], "output": row[column], "generator": generator}
            for row in _ALPACA_EVAL]  # fmt: skip


def self_rewarding_rows() -> list[dict[str, Any]]:
    """The Self-Rewarding eval prompts as a user-provided local file: one ``prompt`` per row (not on the hub)."""
    return [{"prompt": text} for text in _SELF_REWARDING]
