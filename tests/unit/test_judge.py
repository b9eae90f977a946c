import numpy as np
import pytest

from alma.judge import (
    ScoreTokens,
    expected_scores,
    fewshot_judge_prompt,
    judge_training_example,
    parse_rating,
    score_distribution,
)

VOCAB = 40


def logprobs(weights: dict[int, float]) -> np.ndarray:
    """One row of log-probs with the given probabilities (the rest spread over other tokens)."""
    p = np.full(VOCAB, 1e-9)
    for token, value in weights.items():
        p[token] = value
    return np.log(p / p.sum())[None, :]


def test_single_token_ten_expected_score():
    tokens = ScoreTokens(first=tuple(range(11)), ten_second=None)  # Llama-3 style: "10" is one token
    probs = score_distribution(logprobs({7: 0.5, 8: 0.3, 10: 0.2}), tokens)
    assert probs.shape == (1, 11)
    assert probs.sum() == pytest.approx(1.0)
    assert expected_scores(probs)[0] == pytest.approx(0.5 * 7 + 0.3 * 8 + 0.2 * 10, abs=1e-6)


def test_renormalises_over_the_eleven_scores():
    tokens = ScoreTokens(first=tuple(range(11)), ten_second=None)
    probs = score_distribution(logprobs({3: 0.1, 5: 0.1, 30: 0.8}), tokens)  # token 30 is not a score
    assert probs[0, 3] == pytest.approx(0.5) and probs[0, 5] == pytest.approx(0.5)


def test_digit_splitting_tokenizer_separates_one_from_ten():
    # "1" is token 1 and "10" = "1" + "0" (token 0): p("1") = 0.6, p("0" | "1") = 0.25
    tokens = ScoreTokens(first=tuple(range(10)) + (1,), ten_second=0)
    first = logprobs({1: 0.6, 9: 0.4})
    after_one = logprobs({0: 0.25, 35: 0.75})
    probs = score_distribution(first, tokens, after_one)
    assert probs[0, 10] == pytest.approx(0.6 * 0.25, rel=1e-6)
    assert probs[0, 1] == pytest.approx(0.6 * 0.75, rel=1e-6)
    assert probs[0, 9] == pytest.approx(0.4, rel=1e-6)
    assert expected_scores(probs)[0] == pytest.approx(0.45 + 1.5 + 3.6, rel=1e-6)
    with pytest.raises(ValueError, match="ten_logprobs is required"):
        score_distribution(first, tokens)


class FakeTokenizer:
    def __init__(self, pieces):
        self.pieces = pieces

    def encode(self, text, add_special_tokens=False):
        return self.pieces[text]


def test_score_tokens_from_tokenizer_both_kinds():
    whole = {str(s): [100 + s] for s in range(11)}
    assert ScoreTokens.from_tokenizer(FakeTokenizer(whole)).ten_second is None
    split = {str(s): [100 + s] for s in range(10)} | {"10": [101, 100]}
    tokens = ScoreTokens.from_tokenizer(FakeTokenizer(split))
    assert tokens.first[10] == 101 and tokens.ten_second == 100
    weird = {str(s): [100 + s] for s in range(10)} | {"10": [7, 8, 9]}
    with pytest.raises(ValueError, match="splits '10'"):
        ScoreTokens.from_tokenizer(FakeTokenizer(weird))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("[[7]]", 7), ("Rating: [[10]] because", 10), ("[[ 0 ]]", 0), ("[[11]]", None), ("seven", None), ("[7]", None)],
)
def test_parse_rating(text, expected):
    assert parse_rating(text) == expected


def test_training_example_and_fewshot_prompt():
    example = judge_training_example("Say hi.", "Hi!", 8)
    assert example["messages"][1] == {"role": "assistant", "content": "[[8]]"}
    assert "[Request]\nSay hi." in example["messages"][0]["content"]
    prompt = fewshot_judge_prompt([("a?", "b.", 3)], "c?", "d.")
    assert prompt.count("Rating:") == 2 and prompt.endswith("Rating: ") and "[[3]]" in prompt
