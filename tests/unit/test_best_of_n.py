"""Figure 3 data from a round's samples: interleaved sources, the judge's pick vs the evaluator's best."""

from __future__ import annotations

import pytest

from alma.paper.best_of_n import best_of_n_table, sample_matrix


def sample(prompt, checkpoint, index, text):
    return {"prompt_id": prompt, "response_id": f"{prompt}/{checkpoint}/{index}", "checkpoint": checkpoint,
            "sample_index": index, "text": text}  # fmt: skip


RESPONSES = [sample(p, c, i, f"{p}-{c}-{i}") for p in ("a", "b") for c in ("sft1", "sft2") for i in (0, 1)]
QUALITY = {"a-sft1-0": 2, "a-sft2-0": 9, "a-sft1-1": 5, "a-sft2-1": 4, "b-sft1-0": 6, "b-sft2-0": 1, "b-sft1-1": 8,
           "b-sft2-1": 3}  # fmt: skip


def test_sources_are_interleaved_in_the_sample_order():
    judge = {r["response_id"]: 0.0 for r in RESPONSES}
    quality = {r["response_id"]: QUALITY[r["text"]] for r in RESPONSES}
    _, graded = sample_matrix(RESPONSES, judge, quality)
    assert graded.tolist() == [[2, 9, 5, 4], [6, 1, 8, 3]]  # sft1/0, sft2/0, sft1/1, sft2/1


def test_judge_pick_and_ceiling_by_n():
    judge = {r["response_id"]: float(QUALITY[r["text"]] % 5) for r in RESPONSES}  # a noisy judge
    table = best_of_n_table(RESPONSES, judge, lambda p, t: QUALITY[t], {"a": "qa", "b": "qb"}, "judge", n_boot=50)
    ceiling = table[table["series"] != "judge"].set_index("n")["score"]
    picked = table[table["series"] == "judge"].set_index("n")["score"]
    assert ceiling.to_dict() == {1: 4.0, 2: 7.5, 4: 8.5}
    # judge scores a: 2,4,0,4 -> n=2 picks 9 (4 > 2), n=4 keeps 9 (tie goes to the earlier); b: 1,1,3,3 -> 6, 6, 8
    assert picked.to_dict() == {1: 4.0, 2: 7.5, 4: 8.5}
    assert (table["prompts"] == 2).all()


def test_no_complete_prompt_is_an_error():
    with pytest.raises(ValueError, match="no prompt has a judge score"):
        best_of_n_table(RESPONSES, {}, lambda p, t: 1.0, {"a": "qa", "b": "qb"}, "judge", n_boot=10)
