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
