"""MT-Bench's two turns: answered after the conversation so far, graded per turn, scored as the mean of turns."""

import dataclasses
import json

import pytest

import alma.cli
from alma.backends.hf import HFBackend, conversation_texts, load_tokenizer
from alma.config import SamplingParams, derive_seed
from alma.evaluation.grader import MULTI_TURN_HASH, TEMPLATE_HASH, USER_TEMPLATE, grading_messages
from alma.evaluation.grades import grade_record, turn_conversations
from alma.mini.oracle import grade
from alma.mini.universe import build_universe
from alma.records import read_json, read_jsonl, write_json, write_jsonl

PARAMS = json.dumps({"sampling": {"temperature": 0.0, "max_new_tokens": 6}, "seed": 3})
TWO_TURN = {"id": "q0", "text": "Name a colour.", "benchmark": "mtbench", "category": "writing",
            "turns": ["Now name another one."]}  # fmt: skip
ONE_TURN = {"id": "q1", "text": "Name a fruit.", "benchmark": "mtbench", "category": "writing"}


@pytest.fixture
def asked(monkeypatch):
    """The texts every HFBackend.generate call was asked to continue, in call order."""
    calls: list[list[str]] = []
    original = HFBackend.generate

    def recording(self, texts, params, stop=()):
        calls.append(list(texts))
        return original(self, texts, params, stop)

    monkeypatch.setenv("ALMA_BACKEND", "hf")
    monkeypatch.setattr(HFBackend, "generate", recording)
    return calls


def _generate(tmp_path, manifest, prompts, name="answers", *extra):
    write_jsonl(tmp_path / f"{name}.prompts.jsonl", prompts, "eval_prompt")
    out = tmp_path / f"{name}.jsonl"
    argv = ["generate-answers", "--model", str(manifest), "--name", "m", "--prompts",
            str(tmp_path / f"{name}.prompts.jsonl"), "--out", str(out), "--params", PARAMS, "--threads", "1", *extra]  # fmt: skip
    assert alma.cli.main(argv) == 0
    return out


def test_chat_answers_the_second_turn_after_the_first_answer(tiny_manifest, tiny_model_dir, tmp_path, asked):
    out = _generate(tmp_path, tiny_manifest, [TWO_TURN, ONE_TURN])
    first, plain = read_jsonl(out, "response")
    assert len(first["turns"]) == 1 and "turns" not in plain
    assert len(asked) == 2 and len(asked[1]) == 1  # turn 1 of both prompts, then turn 2 of the 2-turn one
    history = [{"role": "user", "content": TWO_TURN["text"]}, {"role": "assistant", "content": first["text"]},
               {"role": "user", "content": TWO_TURN["turns"][0]}]  # fmt: skip
    assert asked[1] == conversation_texts(load_tokenizer(tiny_model_dir), [history])
    assert f"<|assistant|>\n{first['text']}<|end|>" in asked[1][0]


def test_base_model_appends_the_second_turn_in_the_fewshot_format(tiny_manifest, tmp_path, asked):
    demos = [{"prompt": f"demo {i}?", "response": f"reply {i}."} for i in range(3)]
    write_jsonl(tmp_path / "seed.jsonl", demos, "seed_sft")
    out = _generate(tmp_path, tiny_manifest, [TWO_TURN], "base", "--fewshot-from", str(tmp_path / "seed.jsonl"))
    (record,) = read_jsonl(out, "response")
    assert record["sampling"]["template"] == "fewshot-3" and len(record["turns"]) == 1
    assert asked[1][0].startswith(asked[0][0])  # the turn-1 prompt, then the conversation goes on
    assert asked[1][0].endswith(f"Answer: {record['text']}\n\nRequest: {TWO_TURN['turns'][0]}\nAnswer:")


def test_answers_without_turns_are_the_single_turn_records(tiny_manifest, tiny_model_dir, tmp_path, asked):
    out = _generate(tmp_path, tiny_manifest, [ONE_TURN], "plain")
    # The single-turn path as it was: chat template, one generate call, one record per prompt.
    backend = HFBackend(tiny_model_dir, batch_size=64)
    sampling = SamplingParams(temperature=0.0, max_new_tokens=6, seed=derive_seed(3, "eval"))
    (output,) = backend.generate(backend.chat_texts([ONE_TURN["text"]]), sampling)
    expected = [{"prompt_id": "q1", "response_id": "q1/m", "text": output[0].strip(), "checkpoint": "m",
                 "sample_index": 0, "sampling": {**dataclasses.asdict(sampling), "template": "chat"},
                 "seed": sampling.seed}]  # fmt: skip
    write_jsonl(tmp_path / "expected.jsonl", expected, "response")
    assert out.read_bytes() == (tmp_path / "expected.jsonl").read_bytes()
    assert len(asked) == 2  # the command's single call, then the reference's


def _answers(prompts, answers, turns=None):
    return [{"prompt_id": q["id"], "response_id": f"{q['id']}/m", "text": a, "checkpoint": "m", "sample_index": 0,
             "sampling": {"temperature": 0.0, "template": "chat"}, "seed": 0,
             **({"turns": turns[i]} if turns and turns[i] else {})}
            for i, (q, a) in enumerate(zip(prompts, answers, strict=True))]  # fmt: skip


def _grade_oracle(tmp_path, prompts, answers, name):
    write_jsonl(tmp_path / f"{name}.prompts.jsonl", prompts, "eval_prompt")
    write_jsonl(tmp_path / f"{name}.answers.jsonl", answers, "response")
    out = tmp_path / f"{name}.grade.json"
    argv = ["grade", "--evaluator", "oracle", "--name", "m", "--prompts", str(tmp_path / f"{name}.prompts.jsonl"),
            "--answers", str(tmp_path / f"{name}.answers.jsonl"), "--out", str(out),
            "--params", '{"universe_seed": 0}', "--threads", "1"]  # fmt: skip
    assert alma.cli.main(argv) == 0
    return out


def _tasks():
    from alma.mini.tasks import sample_tasks

    return sample_tasks(build_universe(0), 3, seed=0, split="eval")


def test_grade_file_keeps_turn_scores_and_scores_the_mean(tmp_path):
    t = _tasks()
    prompts = [{"id": "a", "text": t[0].prompt, "benchmark": "mtbench", "turns": [t[1].prompt]},
               {"id": "b", "text": t[2].prompt, "benchmark": "mtbench"}]  # fmt: skip
    answers = _answers(prompts, [t[0].reference, "No."], turns=[["No."], None])
    result = read_json(_grade_oracle(tmp_path, prompts, answers, "two"))
    universe = build_universe(0)
    a1, a2 = grade(universe, t[0].prompt, t[0].reference), grade(universe, t[1].prompt, "No.")
    b1 = grade(universe, t[2].prompt, "No.")
    assert a1 != a2  # a real mean, not a copy of one turn
    assert result["turn_scores"] == [[round(a1, 4), round(a2, 4)], [round(b1, 4)]]
    assert result["scores"] == [round((a1 + a2) / 2, 4), round(b1, 4)]
    assert result["mean"] == round(((a1 + a2) / 2 + b1) / 2, 4)


def test_grade_file_without_turns_is_the_single_turn_file(tmp_path):
    t = _tasks()
    prompts = [{"id": f"q{i}", "text": x.prompt, "benchmark": "lima", "category": None} for i, x in enumerate(t)]
    answers = _answers(prompts, [t[0].reference, "No.", t[2].reference])
    out = _grade_oracle(tmp_path, prompts, answers, "one")
    # The single-turn record as before: one oracle grade per (question, answer), no turn fields.
    universe = build_universe(0)
    expected = grade_record(
        name="m", evaluator="oracle", evaluator_id="mini-oracle-v1", template_hash="mini-oracle-v1",
        prompts_path=str(tmp_path / "one.prompts.jsonl"), answers_path=str(tmp_path / "one.answers.jsonl"),
        prompts=prompts, answers=answers, scores=[grade(universe, q["text"], a["text"]) for q, a in
                                                  zip(prompts, answers, strict=True)], extra={}, protocol_extra={},
    )  # fmt: skip
    write_json(tmp_path / "expected.json", expected)
    assert out.read_bytes() == (tmp_path / "expected.json").read_bytes()
    assert "turn_scores" not in read_json(out)


def test_grade_refuses_answers_that_skip_a_turn(tmp_path):
    with pytest.raises(ValueError, match="2 turns but its answer has 1.*regenerate"):
        turn_conversations(TWO_TURN, _answers([TWO_TURN], ["Red."])[0])


def test_grading_messages_of_a_first_turn_are_the_single_answer_template():
    (system, user) = grading_messages("q?", "a.")
    assert user["content"] == USER_TEMPLATE.format(question="q?", answer="a.") and TEMPLATE_HASH != MULTI_TURN_HASH
