"""Self-distillation data: the judge's own rounded scores, plus a replay of its original examples."""

from __future__ import annotations

import alma.cli
from alma.judge import judge_training_example
from alma.records import read_jsonl, write_jsonl


def test_self_labels_are_rounded_and_seed_examples_replayed(tmp_path):
    write_jsonl(tmp_path / "prompts.jsonl", [{"id": "p1", "text": "Add 2 and 3.", "source": "synthetic"}], "prompt")
    responses = [
        {"prompt_id": "p1", "response_id": f"p1/sft1/{i}", "text": text, "checkpoint": "sft1", "sample_index": i,
         "sampling": {}, "seed": 1}
        for i, text in enumerate(["2 plus 3 is 5.", "It is 7."])
    ]  # fmt: skip
    write_jsonl(tmp_path / "responses.jsonl", responses, "response")
    judgments = [
        {"response_id": "p1/sft1/0", "score": 8.6, "probs": None, "judge": "j", "template_hash": "h"},
        {"response_id": "p1/sft1/1", "score": None, "probs": None, "judge": "j", "template_hash": "h"},
    ]
    write_jsonl(tmp_path / "judgments.jsonl", judgments, "judgment")
    seed = [judge_training_example("What colour is the nola?", "The nola is blue.", 10)]
    write_jsonl(tmp_path / "seed.jsonl", seed, "sft_example")
    argv = ["build-distill-data", "--prompts", str(tmp_path / "prompts.jsonl"), "--responses",
            str(tmp_path / "responses.jsonl"), "--judgments", str(tmp_path / "judgments.jsonl"),
            "--seed-data", str(tmp_path / "seed.jsonl"), "--out", str(tmp_path / "out.jsonl")]  # fmt: skip
    assert alma.cli.main(argv) == 0
    out = read_jsonl(tmp_path / "out.jsonl", "sft_example")
    assert out == [judge_training_example("Add 2 and 3.", "2 plus 3 is 5.", 9), *seed]  # unparsable one skipped


def test_replay_is_a_seeded_sample_in_the_original_order(tmp_path, capsys):
    write_jsonl(tmp_path / "prompts.jsonl", [{"id": "p1", "text": "Add 2 and 3.", "source": "synthetic"}], "prompt")
    response = {"prompt_id": "p1", "response_id": "p1/sft1/0", "text": "5.", "checkpoint": "sft1", "sample_index": 0,
                "sampling": {}, "seed": 1}  # fmt: skip
    write_jsonl(tmp_path / "responses.jsonl", [response], "response")
    judgment = {"response_id": "p1/sft1/0", "score": None, "probs": None, "judge": "j", "template_hash": "h"}
    write_jsonl(tmp_path / "judgments.jsonl", [judgment], "judgment")  # unparsable: no self-label
    seed = [judge_training_example(f"Is {i} even?", f"{i} is even.", i % 11) for i in range(40)]
    write_jsonl(tmp_path / "seed.jsonl", seed, "sft_example")

    def build(out: str, *extra: str) -> list[dict]:
        argv = ["build-distill-data", "--prompts", str(tmp_path / "prompts.jsonl"), "--responses",
                str(tmp_path / "responses.jsonl"), "--judgments", str(tmp_path / "judgments.jsonl"),
                "--seed-data", str(tmp_path / "seed.jsonl"), "--out", str(tmp_path / out), *extra]  # fmt: skip
        assert alma.cli.main(argv) == 0
        return read_jsonl(tmp_path / out, "sft_example")

    sample = build("a.jsonl", "--replay", "10", "--seed", "3")
    assert len(sample) == 10 and sample == build("b.jsonl", "--replay", "10", "--seed", "3")
    assert sample == [row for row in seed if row in sample]  # a subset, in the seed file's order
    assert sample != build("c.jsonl", "--replay", "10", "--seed", "4")
    assert build("d.jsonl", "--replay", "100") == seed  # more than there are: all of them

    argv = ["build-distill-data", "--prompts", str(tmp_path / "prompts.jsonl"), "--responses",
            str(tmp_path / "responses.jsonl"), "--judgments", str(tmp_path / "judgments.jsonl"),
            "--seed-data", str(tmp_path / "seed.jsonl"), "--out", str(tmp_path / "e.jsonl"), "--replay", "-1"]  # fmt: skip
    assert alma.cli.main(argv) == 2
    assert "--replay -1" in capsys.readouterr().err and not (tmp_path / "e.jsonl").exists()
