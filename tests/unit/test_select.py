import pytest

from alma.select import best_of_n, dpo_pairs


def response(pid, index, text, checkpoint="sft1"):
    return {
        "prompt_id": pid,
        "response_id": f"{pid}/{checkpoint}/{index}",
        "text": text,
        "checkpoint": checkpoint,
        "sample_index": index,
        "sampling": {},
        "seed": 0,
    }


def judgment(rid, score):
    return {"response_id": rid, "score": score, "probs": None, "judge": "j", "template_hash": "h"}


PROMPTS = {"a": "Question A?", "b": "Question B?"}
RESPONSES = [
    response("a", 0, "a0"),
    response("a", 1, "a1"),
    response("a", 2, "a2"),
    response("b", 0, "b0"),
    response("b", 1, "b1"),
]
JUDGMENTS = [
    judgment("a/sft1/0", 3.0),
    judgment("a/sft1/1", 8.5),
    judgment("a/sft1/2", None),
    judgment("b/sft1/0", 6.0),
    judgment("b/sft1/1", 6.0),
]


def test_best_of_n_picks_highest_and_breaks_ties_by_sample_index():
    data = best_of_n(PROMPTS, RESPONSES, JUDGMENTS)
    assert [d["messages"][1]["content"] for d in data] == ["a1", "b0"]
    assert data[0]["messages"][0] == {"role": "user", "content": "Question A?"}


def test_missing_judgment_is_an_error():
    with pytest.raises(ValueError, match="no judgment"):
        best_of_n(PROMPTS, RESPONSES, JUDGMENTS[:-1])


@pytest.mark.parametrize("pairing", ["best_vs_random", "best_vs_worst", "random_pair"])
def test_dpo_pairs_prefer_higher_scores_and_skip_ties(pairing):
    pairs = dpo_pairs(PROMPTS, RESPONSES, JUDGMENTS, pairing, seed=0)
    assert all(p["prompt"][0]["content"] == "Question A?" for p in pairs)  # b's two samples tie
    if pairing != "random_pair":
        assert pairs == [
            {
                "prompt": [{"role": "user", "content": "Question A?"}],
                "chosen": [{"role": "assistant", "content": "a1"}],
                "rejected": [{"role": "assistant", "content": "a0"}],
            }
        ]
