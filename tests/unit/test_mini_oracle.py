"""The oracle grader: references score 10, flaws cost points, wrong answers score low, non-tasks give None."""

from __future__ import annotations

import json
import random

import pytest

import alma.cli
from alma.mini.oracle import grade, parse_task
from alma.mini.tasks import FAMILIES, distractor, render_for, sample_tasks, task_keys, variants
from alma.mini.universe import build_universe
from alma.records import read_jsonl, write_jsonl
from alma.select import best_of_n


@pytest.fixture(scope="module")
def universe():
    return build_universe(0)


def _all_tasks(universe):
    return [t for groups in task_keys(universe).values() for g in groups for k in g for t in variants(universe, k)]


def test_reference_answers_score_ten_for_every_phrasing_of_every_family(universe):
    tasks = _all_tasks(universe)
    assert {t.family for t in tasks} == set(FAMILIES)
    low = [(t.prompt, t.reference) for t in tasks if grade(universe, t.prompt, t.reference) != 10]
    assert not low, low[:5]


def test_parse_task_recovers_the_task_from_every_phrasing(universe):
    for task in _all_tasks(universe):
        parsed = parse_task(universe, task.prompt)
        assert parsed is not None and parsed.key == task.key and parsed.family == task.family, task
    task = variants(universe, "add:3:9")[0]
    messy = "  " + task.prompt.upper().replace(" ", "   ").rstrip("?") + " "
    assert parse_task(universe, messy).key == "add:3:9"


@pytest.mark.parametrize("prompt", ["", "Tell me a joke.", "What colour is the unicorn?", "What is 3 plus 99?"])
def test_non_tasks_give_none(universe, prompt):
    assert parse_task(universe, prompt) is None
    assert grade(universe, prompt, "Anything.") is None


def test_wrong_answers_score_low_in_every_family(universe):
    rng = random.Random(0)
    for task in sample_tasks(universe, 300, seed=1):
        wrong = render_for(universe, task, distractor(universe, task.key, rng))
        score = grade(universe, task.prompt, wrong)
        if task.family == "list":
            assert score <= 8, (task, wrong, score)  # lists earn partial credit for the members they get right
        else:
            assert 1 <= score <= 3, (task, wrong, score)


def test_form_flaws_give_partial_credit(universe):
    task = next(t for t in variants(universe, "add:3:9") if t.prompt == "What is 3 plus 9?")
    assert grade(universe, task.prompt, "3 plus 9 is 12.") == 10
    assert 6 <= grade(universe, task.prompt, "12.") <= 8  # terse
    assert 6 <= grade(universe, task.prompt, "3 plus 9 is 12. The sky is big.") <= 8  # rambling
    assert 4 <= grade(universe, task.prompt, "3 plus 9 is 12. 3 plus 9 is 12.") <= 7  # repeated
    assert 6 <= grade(universe, task.prompt, "3 plus 9 is 12 zq.") <= 8  # junk word
    assert grade(universe, task.prompt, "3 plus 9 is 13.") == 3  # wrong, well formed
    assert grade(universe, task.prompt, "3 plus 9 is") == 2  # wrong and cut off
    assert grade(universe, task.prompt, "") == 0
    assert grade(universe, task.prompt, "qqz vvk xlo") == 0  # garbage


def test_comparisons_read_the_comparative(universe):
    task = next(t for t in variants(universe, "num:4:15") if "larger, 4 or 15" in t.prompt)
    assert grade(universe, task.prompt, "15 is larger than 4.") == 10
    assert grade(universe, task.prompt, "4 is smaller than 15.") == 10
    assert grade(universe, task.prompt, "4 is larger than 15.") == 3


def test_lists_get_partial_credit_by_f1(universe):
    place = universe.places[0]
    task = variants(universe, f"lhome:{place}")[0]
    members = universe.residents("home", place)
    half = "The creatures that live in {} are {}.".format(place, " and ".join(f"the {m}" for m in members[:3]))
    assert 3 < grade(universe, task.prompt, half) < 10


def test_echoing_the_request_is_not_an_answer(universe):
    task = variants(universe, f"write:{universe.creatures[0].name}:rain")[0]
    assert grade(universe, task.prompt, task.prompt) <= 3
    assert grade(universe, task.prompt, f"Write a sentence about the {universe.creatures[0].name} and rain.") <= 3
    fact = variants(universe, f"colour:{universe.creatures[0].name}")[0]
    assert grade(universe, fact.prompt, f"{fact.prompt} {fact.reference}") <= 3


def test_oracle_judge_scores_samples_by_their_grade_and_leaves_non_tasks_ungraded(universe, tmp_path):
    task = sample_tasks(universe, 1, 0)[0]
    wrong = render_for(universe, task, distractor(universe, task.key, random.Random(0)))
    prompts = [
        {"id": p, "text": t, "source": "synthetic"} for p, t in (("p0", task.prompt), ("p1", "Tell me a joke."))
    ]
    texts = {"p0": [wrong, task.reference, ""], "p1": ["No."]}
    responses = [
        {"prompt_id": pid, "response_id": f"{pid}/sft1/{i}", "checkpoint": "sft1", "sample_index": i, "text": text,
         "seed": 0, "sampling": {}}
        for pid, answers in texts.items() for i, text in enumerate(answers)
    ]  # fmt: skip
    write_jsonl(tmp_path / "prompts.jsonl", prompts, "prompt")
    write_jsonl(tmp_path / "responses.jsonl", responses, "response")
    out = tmp_path / "judgments.jsonl"
    argv = ["score", "--prompts", str(tmp_path / "prompts.jsonl"), "--responses", str(tmp_path / "responses.jsonl"),
            "--params", json.dumps({"variant": "oracle", "universe_seed": 0}), "--out", str(out)]  # fmt: skip
    assert alma.cli.main(argv) == 0
    judgments = {j["response_id"]: j for j in read_jsonl(out, "judgment")}
    assert [judgments[f"p0/sft1/{i}"]["score"] for i in range(3)] == [
        grade(universe, task.prompt, t) for t in texts["p0"]
    ]
    assert judgments["p0/sft1/1"]["score"] == 10 and judgments["p0/sft1/0"]["score"] < 10
    assert judgments["p1/sft1/0"]["score"] is None and {j["judge"] for j in judgments.values()} == {"oracle"}
    picked = best_of_n({p["id"]: p["text"] for p in prompts}, responses, list(judgments.values()))
    assert [m["messages"][1]["content"] for m in picked] == [task.reference]  # the non-task prompt drops out


def test_a_learned_judge_variant_without_a_judge_model_is_refused(tmp_path, capsys):
    for name in ("p.jsonl", "r.jsonl"):
        (tmp_path / name).write_text("")
    argv = ["score", "--prompts", str(tmp_path / "p.jsonl"), "--responses", str(tmp_path / "r.jsonl"),
            "--out", str(tmp_path / "j.jsonl"), "--params", json.dumps({"variant": "ft_real", "judge_id": "x"})]  # fmt: skip
    assert alma.cli.main(argv) != 0
    assert "needs --judge" in capsys.readouterr().err and not (tmp_path / "j.jsonl").exists()
