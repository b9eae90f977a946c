from alma.commands.judging import pairwise_accuracy, split_by_prompt


def rows(*items):
    return [{"prompt": p, "response": f"r{i}", "score": s} for i, (p, s) in enumerate(items)]


def test_pairwise_accuracy_counts_ties_and_missing_as_half():
    data = rows(("a", 9), ("a", 2), ("b", 7), ("b", 3), ("c", 5), ("c", 5), ("d", 8), ("d", 1))
    predicted = [8.5, 1.0, 4.0, 6.0, 3.0, 9.0, None, 2.0]
    result = pairwise_accuracy(data, predicted)
    # a right, b wrong, c skipped (gold tie), d missing -> half
    assert result == {"accuracy": 0.5, "n": 3, "ties": 1}
    assert pairwise_accuracy(data, [5.0] * 8)["accuracy"] == 0.5


def test_split_by_prompt_keeps_prompts_whole():
    data = rows(("a", 1), ("a", 2), ("b", 3), ("b", 4), ("c", 5), ("c", 6))
    train, held = split_by_prompt(data, 1, seed=0)
    assert len(held) == 2 and len({r["prompt"] for r in held}) == 1
    assert not {r["prompt"] for r in train} & {r["prompt"] for r in held}
