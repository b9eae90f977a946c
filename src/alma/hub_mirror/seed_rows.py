"""Rows of the mirror's seed sets: Daring-Anteater (SFT) and HelpSteer2 (judge seed), in their hub row formats.

The instructions and answers are short, everyday English written for this mirror. HelpSteer2 pairs one good
and one poor answer per prompt, rated as HelpSteer2's annotators would (0-4 per attribute): wrong or useless
answers get low helpfulness and correctness, so a judge trained on the seed has something real to learn.
"""

from __future__ import annotations

from typing import Any

# (dataset, system, [user, assistant, user?, assistant?]); "dataset" uses Daring-Anteater's blend names.
_DARING_ANTEATER: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("synthetic_conv", "", ("How can I keep cut flowers fresh for longer?",
     "Trim the stems at an angle every two days, change the water daily, and keep the vase away from direct "
     "sun and ripening fruit.")),
    ("synthetic_conv", "", ("What is a good way to start learning to cook?",
     "Pick five simple dishes you like, such as an omelette, a pasta sauce and a stir-fry, and cook each one a "
     "few times until you no longer need the recipe.")),
    ("synthetic_conv", "", ("Why does bread go stale?",
     "Stale bread is not simply dry bread: the starch in it slowly recrystallises and pushes water out, which "
     "makes the crumb firm. Warming it briefly in the oven reverses some of this.")),
    ("synthetic_conv", "", ("Give me three ideas for a rainy Sunday with kids.",
     "1. Build a blanket fort and read stories inside it.\n2. Bake simple cookies together.\n3. Hold an indoor "
     "treasure hunt with clues hidden around the house.")),
    ("synthetic_conv", "", ("How often should I water a cactus?",
     "In spring and summer, water a cactus thoroughly about every two weeks and let the soil dry out completely "
     "in between. In winter, once a month or less is enough.")),
    ("synthetic_conv", "", ("What should I pack for a weekend hiking trip?",
     "Bring sturdy shoes, warm layers and a rain jacket, enough water, snacks, a map, a small first-aid kit, "
     "sunscreen and a head torch.")),
    ("synthetic_conv", "", ("Explain what compound interest is.",
     "Compound interest is interest earned on both your original deposit and the interest already added to it, "
     "so the balance grows a little faster every year.")),
    ("synthetic_conv", "", ("How do I remove a coffee stain from a cotton shirt?",
     "Rinse the stain from the back with cold water, rub in a little liquid detergent, leave it for ten minutes "
     "and then wash the shirt as usual. Avoid hot water until the stain is gone.")),
    ("synthetic_conv", "", ("Suggest a name for a small neighbourhood bookshop.",
     "How about \"The Corner Chapter\"? It is short, friendly and hints at a local shop.")),
    ("synthetic_conv", "", ("What is the difference between weather and climate?",
     "Weather is what the atmosphere does over hours or days; climate is the average pattern of weather in a "
     "place over many years.")),
    ("synthetic_conv", "", ("I want to run a 5 km race in two months. Where do I start?",
     "Start with three runs a week that mix running and walking, and add a few minutes of running each week. "
     "Keep an easy day between runs.", "What if my knees start to hurt?",
     "Ease off for a few days, run on softer ground and check your shoes. If the pain lasts more than a week, "
     "see a doctor or a physiotherapist.")),
    ("synthetic_conv", "", ("Why do onions make people cry?",
     "Cutting an onion breaks its cells and releases a compound that turns into an irritating gas; when the gas "
     "reaches your eyes, they water to wash it away.")),
    ("synthetic_conv", "", ("How can I fall asleep faster?",
     "Keep a regular bedtime, avoid screens and caffeine in the evening, keep the bedroom cool and dark, and get "
     "up for a while if you lie awake for more than twenty minutes.")),
    ("synthetic_conv", "", ("Write a short thank-you note to a neighbour who watered my plants.",
     "Dear Sam, thank you so much for looking after my plants while I was away. They are thriving, and I owe "
     "you a coffee. Best wishes, Alex")),
    ("synthetic_conv", "", ("What is a budget and why is it useful?",
     "A budget is a plan for how you will spend and save your income each month. It shows where your money "
     "goes, helps you avoid debt and makes it easier to save for a goal.")),
    ("synthetic_conv", "", ("How do I tell if an egg is still fresh?",
     "Put it in a bowl of water: a fresh egg sinks and lies flat, an older one stands on its end, and an egg "
     "that floats should be thrown away.")),
    ("synthetic_roleplay", "You are a friendly museum guide.", ("What is this old clock in the hall?",
     "Ah, that is our longcase clock from around 1780. A local clockmaker built it, and it still keeps good "
     "time as long as we wind it every Monday.")),
    ("synthetic_roleplay", "You are a patient barista helping a customer choose a drink.",
     ("I don't like bitter coffee. What should I order?",
      "Try a latte or a flat white: the milk softens the bitterness. If you like sweeter drinks, a vanilla latte "
      "is a popular choice.")),
    ("synthetic_math", "", ("A shirt costs 20 dollars and is on sale for 25 percent off. What is the sale price?",
     "25 percent of 20 is 5, so the sale price is 20 - 5 = 15 dollars.")),
    ("synthetic_math", "", ("What is the sum of the first ten positive integers?",
     "1 + 2 + ... + 10 = 10 x 11 / 2 = 55.")),
    ("synthetic_math", "", ("A train travels 180 km in 2 hours. What is its average speed?",
     "Average speed is distance divided by time: 180 / 2 = 90 km per hour.")),
    ("synthetic_math", "", ("If 3 notebooks cost 4.50 dollars, how much do 7 notebooks cost?",
     "One notebook costs 4.50 / 3 = 1.50 dollars, so 7 notebooks cost 7 x 1.50 = 10.50 dollars.")),
    ("synthetic_precise_instruction_following", "",
     ("List three fruits that are high in vitamin C. Use lowercase and separate them with commas.",
      "oranges, kiwis, strawberries")),
    ("synthetic_precise_instruction_following", "", ("Describe the sea in exactly two sentences.",
     "The sea stretches to the horizon in shades of grey and blue. Its waves never stop moving, even on the "
     "calmest day.")),
    ("synthetic_precise_instruction_following", "",
     ("Give a one-word answer: what colour do you get by mixing blue and yellow?", "Green")),
    ("synthetic_json_format_following", "",
     ("Return a JSON object with the keys \"city\" and \"country\" for the capital of Japan.",
      "{\"city\": \"Tokyo\", \"country\": \"Japan\"}")),
    ("synthetic_json_format_following", "", ("Give me a JSON list of the days of the weekend.",
     "[\"Saturday\", \"Sunday\"]")),
    ("synthetic_complex_instruction", "",
     ("Plan a simple three-course dinner for four people. Include one vegetarian course and keep the total "
      "preparation under two hours.",
      "Starter: tomato and basil bruschetta (vegetarian, 15 minutes).\nMain: roast chicken thighs with potatoes "
      "and green beans (70 minutes).\nDessert: yoghurt with honey and berries (10 minutes).\nPut the chicken in "
      "the oven first and make the starter while it roasts.")),
    ("synthetic_complex_instruction", "",
     ("Write a packing checklist for a beach day, grouped into 'essentials' and 'nice to have'.",
      "Essentials: sunscreen, water, towel, hat, swimsuit.\nNice to have: a book, snacks, a beach umbrella, "
      "playing cards, a cool bag.")),
    ("open_platypus_commercial", "", ("Which is heavier, a kilogram of feathers or a kilogram of iron?",
     "Neither: both weigh one kilogram. Iron is denser, so the same mass takes up much less space.")),
    ("open_platypus_commercial", "", ("What is the next number in the sequence 2, 4, 8, 16?",
     "Each number doubles the one before it, so the next number is 32.")),
    ("open_platypus_commercial", "",
     ("If all roses are flowers and some flowers fade quickly, must some roses fade quickly?",
      "No. The flowers that fade quickly might all be other kinds of flowers, so nothing follows about roses.")),
    ("FinQA", "", ("A shop's revenue grew from 200,000 dollars to 230,000 dollars in a year. What was the growth "
                   "rate?",
     "Growth is (230,000 - 200,000) / 200,000 = 0.15, so revenue grew by 15 percent.")),
    ("FinQA", "", ("Operating costs were 40,000 dollars on revenue of 160,000 dollars. What share of revenue did "
                   "they take?",
     "40,000 / 160,000 = 0.25, so operating costs took 25 percent of revenue.")),
    ("wikitablequestions", "",
     ("A table lists the heights of three towers: Tower A 120 m, Tower B 95 m, Tower C 143 m. Which tower is the "
      "tallest?", "Tower C, at 143 m.")),
    ("wikitablequestions", "",
     ("In a table of race results, Ana finished in 52 s, Ben in 49 s and Carla in 55 s. Who won?",
      "Ben won with the fastest time, 49 s.")),
    ("synthetic_conv", "", ("What are some good habits for keeping a tidy desk?",
     "Clear the desk at the end of each day, keep only what you use daily within reach, file papers straight "
     "away and give every item a fixed place.")),
    ("synthetic_conv", "You are a helpful assistant.",
     ("How do I politely end a phone call that is going on too long?",
      "Signal the end kindly, for example: \"It has been lovely talking to you, but I need to get going now. "
      "Let's speak again soon.\" Then say goodbye warmly.")),
    ("synthetic_conv", "", ("Why is the sky blue?",
     "Sunlight is scattered by the gases in the air, and blue light is scattered much more than red light, so "
     "blue light reaches our eyes from every part of the sky.")),
    ("synthetic_conv", "", ("Can you recommend a houseplant for a dark room?",
     "A snake plant or a ZZ plant copes well with low light and needs little water.",
     "Which one is safer for cats?",
     "Neither is ideal: both can upset a cat's stomach if chewed. A parlour palm is a better choice for a home "
     "with cats.")),
)  # fmt: skip

# (prompt, (good answer, helpfulness, correctness, coherence, complexity, verbosity), (poor answer, ...)).
_HELPSTEER2: tuple[tuple[str, tuple[Any, ...], tuple[Any, ...]], ...] = (
    ("What is the boiling point of water at sea level in Celsius?",
     ("Water boils at 100 degrees Celsius at sea level.", 4, 4, 4, 0, 1),
     ("Water boils at 90 degrees Celsius at sea level.", 1, 0, 4, 0, 1)),
    ("Name the largest planet in the solar system.",
     ("Jupiter is the largest planet in the solar system.", 4, 4, 4, 0, 1),
     ("Saturn is the largest planet, because of its rings.", 0, 0, 3, 1, 1)),
    ("Give two tips for saving money on groceries.",
     ("Plan your meals for the week and shop with a list, and compare unit prices rather than package prices.",
      4, 4, 4, 1, 1),
     ("Buy whatever looks good when you are hungry.", 0, 1, 3, 0, 0)),
    ("How many minutes are there in three hours?",
     ("Three hours have 3 x 60 = 180 minutes.", 4, 4, 4, 1, 1),
     ("There are 120 minutes in three hours.", 0, 0, 4, 0, 0)),
    ("Write a one-sentence summary of the story of Cinderella.",
     ("A kind young woman mistreated by her stepfamily goes to a royal ball with a fairy godmother's help, loses "
      "a glass slipper, and is found and married by the prince.", 4, 4, 4, 2, 2),
     ("Cinderella is a story.", 1, 2, 3, 0, 0)),
    ("What does a thermometer measure?",
     ("A thermometer measures temperature.", 3, 4, 4, 0, 0),
     ("It measures how heavy the air is.", 0, 0, 3, 0, 0)),
    ("Suggest a healthy breakfast.",
     ("Porridge made with oats and milk, topped with sliced banana and a few nuts, gives fibre, protein and "
      "lasting energy.", 4, 4, 4, 1, 2),
     ("A large slice of chocolate cake and a can of cola.", 1, 1, 4, 0, 1)),
    ("Translate 'good morning' into Spanish.",
     ("'Good morning' in Spanish is 'buenos días'.", 4, 4, 4, 0, 1),
     ("It is 'buenas noches'.", 0, 0, 4, 0, 0)),
    ("Why do we have seasons on Earth?",
     ("Earth's axis is tilted by about 23.5 degrees, so as it orbits the Sun each hemisphere in turn leans "
      "toward the Sun and gets more direct sunlight, which brings its summer.", 4, 4, 4, 2, 2),
     ("Seasons happen because Earth is much closer to the Sun in summer.", 1, 0, 4, 1, 1)),
    ("How do I make a cup of tea?",
     ("Boil fresh water, pour it over a tea bag in a cup, let it steep for three to five minutes, remove the bag "
      "and add milk or sugar if you like.", 4, 4, 4, 1, 2),
     ("Put the tea bag in cold water and drink it straight away.", 1, 1, 4, 0, 1)),
    ("What is the capital of Australia?",
     ("The capital of Australia is Canberra.", 4, 4, 4, 0, 1),
     ("The capital of Australia is Sydney.", 0, 0, 4, 0, 0)),
    ("List the three primary colours of paint.",
     ("The traditional primary colours of paint are red, yellow and blue.", 4, 4, 4, 0, 1),
     ("Green, purple and orange.", 0, 0, 4, 0, 0)),
    ("How can I stay focused while studying?",
     ("Work in 25-minute blocks with short breaks, put your phone in another room, and set one clear goal for "
      "each session.", 4, 4, 4, 1, 2),
     ("Just try harder and study all night before the exam.", 1, 1, 4, 0, 1)),
    ("What is 15 percent of 80?",
     ("15 percent of 80 is 0.15 x 80 = 12.", 4, 4, 4, 1, 1),
     ("15 percent of 80 is 15.", 0, 0, 4, 0, 0)),
    ("Recommend a way to learn new vocabulary in a foreign language.",
     ("Use spaced-repetition flashcards for ten minutes a day and use each new word in a sentence of your own.",
      4, 4, 4, 1, 1),
     ("Read the dictionary from A to Z once.", 1, 1, 4, 0, 0)),
    ("Describe a cat in one sentence.",
     ("A cat is a small, soft-furred animal with sharp claws, keen eyes and an independent streak.",
      3, 4, 4, 1, 1),
     ("A cat is a large bird that lives in the sea.", 0, 0, 3, 0, 0)),
    ("What should I do if I burn my finger on the stove?",
     ("Hold it under cool running water for about twenty minutes, then cover it loosely with a clean dressing; "
      "see a doctor if the burn is large or badly blistered.", 4, 4, 4, 1, 2),
     ("Put butter on it and keep cooking.", 0, 0, 4, 0, 0)),
    ("How many legs does a spider have?",
     ("A spider has eight legs.", 4, 4, 4, 0, 0),
     ("A spider has six legs, like other insects.", 0, 0, 4, 0, 1)),
    ("Explain what recycling is to a child.",
     ("Recycling means collecting things we have used, like bottles and paper, so they can be made into new "
      "things instead of being thrown away.", 4, 4, 4, 1, 1),
     ("Recycling is an industrial material-recovery process involving sortation, densification and reprocessing "
      "streams.", 2, 3, 3, 3, 2)),
    ("Give me a synonym for 'happy'.",
     ("A synonym for 'happy' is 'cheerful'.", 4, 4, 4, 0, 0),
     ("'Sad' is a synonym for 'happy'.", 0, 0, 4, 0, 0)),
    ("Write a haiku about autumn.",
     ("Red leaves drift and fall / the garden breathes cooler air / geese call from the clouds", 3, 3, 4, 2, 1),
     ("Autumn is a season that comes after summer and before winter.", 1, 2, 4, 0, 1)),
    ("How long should I boil an egg for a soft yolk?",
     ("About six minutes in boiling water gives a set white and a runny yolk; cool the egg in cold water "
      "afterwards.", 4, 4, 4, 1, 1),
     ("Boil it for twenty-five minutes.", 0, 0, 4, 0, 0)),
    ("What is photosynthesis?",
     ("Photosynthesis is how plants use sunlight to turn water and carbon dioxide into sugar, releasing oxygen.",
      4, 4, 4, 2, 1),
     ("Photosynthesis is when plants sleep at night.", 0, 0, 3, 0, 0)),
    ("Suggest a gift for a friend who loves gardening.",
     ("A good pair of gardening gloves, a set of herb seeds or a sturdy hand trowel would all be useful gifts.",
      4, 4, 4, 1, 1),
     ("Give them a video game.", 1, 1, 4, 0, 0)),
    ("Convert 5 kilometres to metres.",
     ("5 kilometres is 5,000 metres.", 4, 4, 4, 0, 0),
     ("5 kilometres is 500 metres.", 0, 0, 4, 0, 0)),
    ("How can I reduce my screen time?",
     ("Turn off non-essential notifications, set app time limits, keep your phone out of the bedroom and plan "
      "offline activities for the evening.", 4, 4, 4, 1, 2),
     ("Buy a bigger phone so you finish things faster.", 0, 1, 3, 0, 0)),
    ("Who wrote 'Romeo and Juliet'?",
     ("'Romeo and Juliet' was written by William Shakespeare.", 4, 4, 4, 0, 0),
     ("It was written by Charles Dickens.", 0, 0, 4, 0, 0)),
    ("Explain why exercise is good for health.",
     ("Regular exercise strengthens the heart and muscles, helps control weight, improves sleep and mood, and "
      "lowers the risk of many diseases.", 4, 4, 4, 1, 2),
     ("Exercise is good. Exercise is good because it is good for you. It is good.", 1, 2, 1, 0, 2)),
    ("What is the opposite of 'ancient'?",
     ("The opposite of 'ancient' is 'modern'.", 4, 4, 4, 0, 0),
     ("The opposite of 'ancient' is 'old'.", 0, 0, 4, 0, 0)),
    ("How do I write a polite email asking for a deadline extension?",
     ("Thank them, explain the reason briefly and honestly, propose a specific new date and say what is already "
      "done, for example: 'Could I have until Friday? The first draft is finished and I need two more days for "
      "the review.'", 4, 4, 4, 2, 2),
     ("Tell them you will send it whenever you feel like it.", 0, 1, 3, 0, 0)),
)  # fmt: skip

_ATTRIBUTES = ("helpfulness", "correctness", "coherence", "complexity", "verbosity")


def daring_anteater_rows() -> list[dict[str, Any]]:
    """Rows of ``nvidia/Daring-Anteater`` ``train.jsonl``: system, mask, dataset, conversations of {from, value, label}."""
    rows = []
    for dataset, system, turns in _DARING_ANTEATER:
        conversations = [{"from": "User" if j % 2 == 0 else "Assistant", "value": text, "label": None}
                         for j, text in enumerate(turns)]  # fmt: skip
        rows.append({"system": system, "mask": "User", "dataset": dataset, "conversations": conversations})
    return rows


def helpsteer2_rows() -> list[dict[str, Any]]:
    """Rows of ``nvidia/HelpSteer2`` ``train``: two rated responses per prompt, consecutive, in alternating order.

    The order alternates (good first for even prompts, poor first for odd ones) so that position says nothing
    about quality, as in the real data.
    """
    rows = []
    for i, (prompt, good, poor) in enumerate(_HELPSTEER2):
        for response, *ratings in (good, poor) if i % 2 == 0 else (poor, good):
            rows.append({"prompt": prompt, "response": response, **dict(zip(_ATTRIBUTES, ratings, strict=True))})
    return rows
