"""Rows of the data sets that lm-eval's registered ``gsm8k``, ``ifeval`` and ``mmlu_*`` tasks read from the hub.

``alma lmeval`` with a hub mirror points each task's own config at these files (:mod:`alma.evaluation.lmeval_mirror`),
so the fields must be exactly those the task YAMLs and their ``utils.py`` read:

- ``openai/gsm8k`` (config ``main``): ``question`` and ``answer``, the answer's working with ``<<expr=result>>``
  calculator notes and the final ``#### <number>`` line the task's ``strict-match`` filter extracts.
- ``google/IFEval``: ``key``, ``prompt``, ``instruction_id_list`` and ``kwargs`` (one dict per instruction, holding only
  that instruction's arguments, as the original JSON Lines file does). Only instructions whose checkers need no NLTK
  data download are used (no sentence counting), so the task runs without network.
- ``cais/mmlu`` (one config per subject): ``question``, ``subject``, ``choices`` (four strings) and ``answer`` (the
  index of the right choice); ``test`` is evaluated and ``dev`` (five rows per subject, as in the original) gives the
  few-shot examples.

The questions and answers are written for this mirror.
"""

from __future__ import annotations

from typing import Any

# (question, answer) in GSM8K's answer format; the few-shot examples come from `train`.
_GSM8K_TRAIN: tuple[tuple[str, str], ...] = (
    ("A baker makes 24 muffins in the morning and 18 in the afternoon. She sells 35 of them. How many muffins are "
     "left?",
     "She makes 24 + 18 = <<24+18=42>>42 muffins.\nAfter selling, 42 - 35 = <<42-35=7>>7 muffins are left.\n#### 7"),
    ("Tom reads 12 pages of a book every day. How many pages does he read in 3 weeks?",
     "3 weeks have 3 * 7 = <<3*7=21>>21 days.\nHe reads 12 * 21 = <<12*21=252>>252 pages.\n#### 252"),
    ("A box holds 6 eggs. Maria needs 48 eggs for a party. How many boxes must she buy?",
     "She needs 48 / 6 = <<48/6=8>>8 boxes.\n#### 8"),
    ("A shirt costs $15 and a pair of trousers costs $3 more than twice the price of the shirt. How much do the "
     "shirt and the trousers cost together?",
     "Twice the price of the shirt is 2 * 15 = <<2*15=30>>30 dollars.\nThe trousers cost 30 + 3 = <<30+3=33>>33 "
     "dollars.\nTogether they cost 15 + 33 = <<15+33=48>>48 dollars.\n#### 48"),
    ("Liam has 5 packs of stickers with 20 stickers in each pack. He gives a quarter of his stickers to his sister. "
     "How many stickers does he keep?",
     "He has 5 * 20 = <<5*20=100>>100 stickers.\nHe gives away 100 / 4 = <<100/4=25>>25 stickers.\nHe keeps "
     "100 - 25 = <<100-25=75>>75 stickers.\n#### 75"),
    ("A train travels at 80 kilometres per hour. How far does it travel in 2.5 hours?",
     "It travels 80 * 2.5 = <<80*2.5=200>>200 kilometres.\n#### 200"),
    ("There are 30 students in a class. Two fifths of them walk to school and the rest take the bus. How many "
     "students take the bus?",
     "30 * 2 / 5 = <<30*2/5=12>>12 students walk.\nSo 30 - 12 = <<30-12=18>>18 students take the bus.\n#### 18"),
    ("A garden is 12 metres long and 9 metres wide. A fence is built around it, and fencing costs $4 per metre. How "
     "much does the fence cost?",
     "The fence is 2 * (12 + 9) = <<2*(12+9)=42>>42 metres long.\nIt costs 42 * 4 = <<42*4=168>>168 dollars.\n"
     "#### 168"),
)  # fmt: skip

_GSM8K_TEST: tuple[tuple[str, str], ...] = (
    ("Sara buys 4 notebooks at $3 each and a pen for $2. How much does she spend?",
     "The notebooks cost 4 * 3 = <<4*3=12>>12 dollars.\nShe spends 12 + 2 = <<12+2=14>>14 dollars.\n#### 14"),
    ("A farmer has 56 apples and packs them into bags of 8. He sells each bag for $5. How much money does he make?",
     "He fills 56 / 8 = <<56/8=7>>7 bags.\nHe makes 7 * 5 = <<7*5=35>>35 dollars.\n#### 35"),
    ("Ben runs 3 kilometres every weekday and 5 kilometres on each day of the weekend. How many kilometres does he "
     "run in a week?",
     "On weekdays he runs 3 * 5 = <<3*5=15>>15 kilometres.\nAt the weekend he runs 5 * 2 = <<5*2=10>>10 "
     "kilometres.\nIn a week he runs 15 + 10 = <<15+10=25>>25 kilometres.\n#### 25"),
    ("A cinema has 12 rows of 15 seats. 134 seats are taken. How many seats are empty?",
     "The cinema has 12 * 15 = <<12*15=180>>180 seats.\n180 - 134 = <<180-134=46>>46 seats are empty.\n#### 46"),
    ("Emma saves $25 every week. How many weeks does she need to save to buy a bike that costs $300?",
     "She needs 300 / 25 = <<300/25=12>>12 weeks.\n#### 12"),
    ("A recipe needs 250 grams of flour for 10 biscuits. How many grams of flour are needed for 36 biscuits?",
     "One biscuit needs 250 / 10 = <<250/10=25>>25 grams.\n36 biscuits need 25 * 36 = <<25*36=900>>900 grams.\n"
     "#### 900"),
    ("Jack had 120 marbles. He lost 15 and then won twice as many as he lost. How many marbles does he have now?",
     "After losing he has 120 - 15 = <<120-15=105>>105 marbles.\nHe wins 2 * 15 = <<2*15=30>>30 marbles.\nHe now "
     "has 105 + 30 = <<105+30=135>>135 marbles.\n#### 135"),
    ("A bus ticket costs $2.50 and a monthly pass costs $60. Lena takes 2 trips every weekday for 4 weeks. How much "
     "does she save with the pass?",
     "She takes 2 * 5 * 4 = <<2*5*4=40>>40 trips.\nTickets would cost 40 * 2.5 = <<40*2.5=100>>100 dollars.\nShe "
     "saves 100 - 60 = <<100-60=40>>40 dollars.\n#### 40"),
)  # fmt: skip

# (key, prompt, [(instruction id, its kwargs)]); the prompt states each instruction in IFEval's own wording.
_IFEVAL: tuple[tuple[int, str, tuple[tuple[str, dict[str, Any]], ...]], ...] = (
    (1001, "Write a short note to a neighbour asking them to water your plants while you are away. Do not use any "
     "commas in your response.", (("punctuation:no_comma", {}),)),
    (1002, "Describe your ideal weekend breakfast in at least 40 words. Your entire response should be in English, "
     "and in all lowercase letters. No capital letters are allowed.",
     (("length_constraints:number_words", {"relation": "at least", "num_words": 40}),
      ("change_case:english_lowercase", {}))),
    (1003, "Give three tips for keeping a bicycle in good condition. Your answer must contain exactly 3 bullet "
     "points. Use the markdown bullet points such as:\n* This is point 1.\n* This is point 2",
     (("detectable_format:number_bullet_lists", {"num_bullets": 3}),)),
    (1004, "Write a short poem about autumn leaves. Your answer must contain a title, wrapped in double angular "
     "brackets, such as <<poem of joy>>. At the end of your response, please explicitly add a postscript starting "
     "with P.S.", (("detectable_format:title", {}), ("detectable_content:postscript", {"postscript_marker": "P.S."}))),
    (1005, "Explain why people should drink enough water during the day. Include keywords hydration, energy in the "
     "response. Finish your response with this exact phrase Is there anything else I can help with?. No other "
     "words should follow this phrase.",
     (("keywords:existence", {"keywords": ["hydration", "energy"]}),
      ("startend:end_checker", {"end_phrase": "Is there anything else I can help with?"}))),
    (1006, "List the ingredients of a simple pancake recipe. Entire output should be wrapped in JSON format. You can "
     "use markdown ticks such as ```.", (("detectable_format:json_format", {}),)),
    (1007, "Write a short story about a cat who learns to swim. Highlight at least 2 sections in your answer with "
     "markdown, i.e. *highlighted section*. In your response, the word water should appear at least 3 times.",
     (("detectable_format:number_highlighted_sections", {"num_highlights": 2}),
      ("keywords:frequency", {"keyword": "water", "frequency": 3, "relation": "at least"}))),
)  # fmt: skip

# subject -> split -> (question, four choices, index of the right one); `dev` has five rows, as in the original.
_MMLU: dict[str, dict[str, tuple[tuple[str, tuple[str, str, str, str], int], ...]]] = {
    "high_school_geography": {
        "test": (
            ("Which of the following is the longest river in Africa?", ("Congo", "Niger", "Nile", "Zambezi"), 2),
            ("The line of latitude at 0 degrees is called the",
             ("Prime Meridian", "Equator", "Tropic of Cancer", "Arctic Circle"), 1),
            ("Which type of map is best suited to show differences in elevation?",
             ("A political map", "A topographic map", "A road map", "A time zone map"), 1),
            ("Which of the following best describes urbanization?",
             ("The growth of the share of people living in cities", "The movement of people from cities to farms",
              "The decline of industry in a region", "The spread of a language across borders"), 0),
            ("Monsoons are seasonal changes in",
             ("ocean salinity", "wind direction and rainfall", "volcanic activity", "population density"), 1),
        ),
        "dev": (
            ("Which continent has the largest population?", ("Africa", "Asia", "Europe", "South America"), 1),
            ("A delta is formed where a river",
             ("meets a glacier", "flows into a larger body of water and deposits sediment",
              "cuts through a mountain range", "begins at its source"), 1),
            ("Which of the following is a renewable resource?", ("Coal", "Natural gas", "Solar energy", "Oil"), 2),
            ("The Sahara is an example of which climate type?",
             ("Tropical rainforest", "Hot desert", "Tundra", "Mediterranean"), 1),
            ("Lines of longitude run between",
             ("the east and the west", "the North Pole and the South Pole", "the Equator and the Tropics",
              "the oceans and the continents"), 1),
        ),
    },
    "elementary_mathematics": {
        "test": (
            ("What is 7 x 8?", ("54", "56", "58", "64"), 1),
            ("Which fraction is equal to 0.75?", ("1/4", "2/3", "3/4", "4/5"), 2),
            ("A rectangle has a length of 9 cm and a width of 4 cm. What is its area?",
             ("13 cm^2", "26 cm^2", "36 cm^2", "40 cm^2"), 2),
            ("What is the value of 3 + 4 x 2?", ("11", "14", "10", "9"), 0),
            ("Round 4,678 to the nearest hundred.", ("4,600", "4,700", "4,680", "5,000"), 1),
        ),
        "dev": (
            ("What is 15% of 200?", ("15", "20", "30", "35"), 2),
            ("Which of the following numbers is prime?", ("21", "27", "29", "33"), 2),
            ("How many minutes are there in 2.5 hours?", ("120", "150", "180", "250"), 1),
            ("What is the perimeter of a square with sides of 6 cm?", ("12 cm", "24 cm", "36 cm", "18 cm"), 1),
            ("Solve for x: x + 9 = 15.", ("5", "6", "7", "24"), 1),
        ),
    },
}  # fmt: skip

MMLU_SUBJECTS: tuple[str, ...] = tuple(_MMLU)
"""The MMLU subjects the mirror holds (lm-eval tasks ``mmlu_<subject>``)."""


def gsm8k_rows(split: str) -> list[dict[str, Any]]:
    """Rows of ``openai/gsm8k`` config ``main``, split ``train`` or ``test``: ``question`` and ``answer``."""
    rows = {"train": _GSM8K_TRAIN, "test": _GSM8K_TEST}[split]
    return [{"question": question, "answer": answer} for question, answer in rows]


def ifeval_rows() -> list[dict[str, Any]]:
    """Rows of ``google/IFEval`` ``ifeval_input_data.jsonl``: key, prompt, instruction_id_list, kwargs."""
    return [{"key": key, "prompt": prompt, "instruction_id_list": [i for i, _ in instructions],
             "kwargs": [dict(kwargs) for _, kwargs in instructions]}
            for key, prompt, instructions in _IFEVAL]  # fmt: skip


def mmlu_rows(subject: str, split: str) -> list[dict[str, Any]]:
    """Rows of ``cais/mmlu`` config ``<subject>``, split ``test`` or ``dev``: question, subject, choices, answer."""
    return [{"question": question, "subject": subject, "choices": list(choices), "answer": answer}
            for question, choices, answer in _MMLU[subject][split]]  # fmt: skip
