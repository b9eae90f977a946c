"""ArmoRM scoring path on a random-init tiny Llama sequence classifier.

This covers the standard one-output classifier path (``logits[:, 0]``) and the 0-10 map; ArmoRM's
own path (remote modelling code, ``.score``) runs on the stand-in in test_armorm_standin.py.
"""

import json

import pytest

from alma.evaluation.armorm import DEFAULT_ANCHORS, armorm_scores, armorm_to_ten, fit_affine_map


@pytest.fixture(scope="module")
def tiny_classifier(tiny_model_dir, tmp_path_factory):
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForSequenceClassification

    out = tmp_path_factory.mktemp("tiny-rm")
    config = LlamaConfig.from_pretrained(tiny_model_dir)
    config.num_labels = 1
    torch.manual_seed(0)
    LlamaForSequenceClassification(config).save_pretrained(out)
    AutoTokenizer.from_pretrained(tiny_model_dir).save_pretrained(out)
    return out


def test_scores_are_finite_and_batching_does_not_change_them(tiny_classifier):
    prompts = ["What colour is the sky?", "Add 2 and 3.", "Name a fruit.", "Say hi."]
    answers = ["Blue.", "2 plus 3 is 5, because counting on from 2 gives 5.", "Apple.", ""]
    one = armorm_scores(tiny_classifier, prompts, answers, batch_size=1)
    batched = armorm_scores(tiny_classifier, prompts, answers, batch_size=4)
    assert len(one) == 4 and all(isinstance(x, float) for x in one)
    assert batched == pytest.approx(one, abs=1e-4)  # right padding + the pad id: each row read at its own end
    with pytest.raises(ValueError, match="4 prompts but 3 answers"):
        armorm_scores(tiny_classifier, prompts, answers[:3])


def test_remote_code_is_off_unless_asked(tiny_classifier):
    # No auto_map in this config: trusting remote code changes nothing, but it must be an explicit choice.
    assert "auto_map" not in json.loads((tiny_classifier / "config.json").read_text())
    assert armorm_scores(tiny_classifier, ["q"], ["a"], trust_remote_code=True) == pytest.approx(
        armorm_scores(tiny_classifier, ["q"], ["a"])
    )


def test_to_ten_map_and_its_fit():
    low, high = DEFAULT_ANCHORS
    assert armorm_to_ten(low) == 0.0 and armorm_to_ten(high) == 10.0
    assert armorm_to_ten([-1.0, (low + high) / 2, 5.0]) == [0.0, pytest.approx(5.0), 10.0]
    raw = [0.08, 0.12, 0.16, 0.19]
    anchors = fit_affine_map(raw, [2.0, 5.0, 8.0, None])
    assert armorm_to_ten(0.12, anchors) == pytest.approx(5.0)
    with pytest.raises(ValueError, match="anchors must increase"):
        armorm_to_ten(0.1, (0.2, 0.1))


def test_grade_armorm_command_writes_the_eval_contract(tiny_classifier, tmp_path):
    import alma.cli
    from alma.models import write_manifest
    from alma.records import read_json, write_jsonl

    write_manifest(tmp_path / "armorm.json", tiny_classifier, base="random-init")
    write_jsonl(tmp_path / "p.jsonl", [{"id": f"q{i}", "text": f"question {i}", "benchmark": "mtbench",
                                        "category": "math"} for i in range(3)], "eval_prompt")  # fmt: skip
    write_jsonl(tmp_path / "a.jsonl", [{"prompt_id": f"q{i}", "response_id": f"q{i}/m", "text": f"answer {i}",
                                        "checkpoint": "m", "sample_index": 0, "sampling": {"temperature": 0.0},
                                        "seed": 0} for i in range(3)], "response")  # fmt: skip
    out = tmp_path / "armorm_grade.json"
    argv = ["grade", "--evaluator", "armorm", "--name", "m", "--reward-model", str(tmp_path / "armorm.json"),
            "--prompts", str(tmp_path / "p.jsonl"), "--answers", str(tmp_path / "a.jsonl"), "--out", str(out),
            "--params", json.dumps({"anchors": [-1.0, 1.0], "batch_size": 2})]  # fmt: skip
    assert alma.cli.main(argv) == 0
    result = read_json(out)
    assert result["evaluator"] == "armorm" and result["benchmark"] == "mtbench" and result["n"] == 3
    assert all(0.0 <= s <= 10.0 for s in result["scores"]) and len(result["raw_scores"]) == 3
    assert result["protocol"]["to_ten"]["anchors"] == [-1.0, 1.0] and result["protocol"]["prompt_set_sha256"]


def test_grade_armorm_scores_the_second_turn_on_the_whole_conversation(tiny_classifier, tmp_path):
    import alma.cli
    from alma.evaluation.armorm import armorm_conversation_scores
    from alma.models import write_manifest
    from alma.records import read_json, write_jsonl

    write_manifest(tmp_path / "armorm.json", tiny_classifier, base="random-init")
    write_jsonl(tmp_path / "p.jsonl", [{"id": "q0", "text": "Name a colour.", "benchmark": "mtbench",
                                        "turns": ["Another one?"]}], "eval_prompt")  # fmt: skip
    write_jsonl(tmp_path / "a.jsonl", [{"prompt_id": "q0", "response_id": "q0/m", "text": "Red.", "turns": ["Blue."],
                                        "checkpoint": "m", "sample_index": 0, "sampling": {}, "seed": 0}],
                "response")  # fmt: skip
    out = tmp_path / "grade.json"
    argv = ["grade", "--evaluator", "armorm", "--name", "m", "--reward-model", str(tmp_path / "armorm.json"),
            "--prompts", str(tmp_path / "p.jsonl"), "--answers", str(tmp_path / "a.jsonl"), "--out", str(out),
            "--params", json.dumps({"anchors": [-1.0, 1.0]})]  # fmt: skip
    assert alma.cli.main(argv) == 0
    result = read_json(out)
    whole = [{"role": "user", "content": "Name a colour."}, {"role": "assistant", "content": "Red."},
             {"role": "user", "content": "Another one?"}, {"role": "assistant", "content": "Blue."}]  # fmt: skip
    (turn2,) = armorm_conversation_scores(tiny_classifier, [whole])
    (alone,) = armorm_scores(tiny_classifier, ["Another one?"], ["Blue."])
    assert "raw_scores" not in result and result["raw_turn_scores"][0][1] == pytest.approx(turn2, abs=1e-5)
    assert turn2 != pytest.approx(alone, abs=1e-6)  # turn 2 is read with turn 1 before it
    assert result["scores"][0] == pytest.approx(sum(result["turn_scores"][0]) / 2, abs=1e-3)
    assert result["turn_scores"][0] == pytest.approx(
        armorm_to_ten(result["raw_turn_scores"][0], (-1.0, 1.0)), abs=1e-3
    )
