import json
from pathlib import Path

import pytest
import yaml

from alma.config import TrainParams, from_dict
from alma.records import write_jsonl
from alma.select import dpo_pairs
from alma.train import (
    accumulation_plan,
    common_args,
    last_checkpoint,
    over_length,
    train_dpo,
    train_sft,
    trainer_checkpointing,
    world_size,
)


def chats(n):
    return [
        {
            "messages": [
                {"role": "user", "content": f"What is {i} plus 1?"},
                {"role": "assistant", "content": f"{i} plus 1 is {i + 1}."},
            ]
        }
        for i in range(n)
    ]


def test_sft_trains_saves_and_cleans_checkpoints(tiny_model_dir, tmp_path):
    data = tmp_path / "sft.jsonl"
    write_jsonl(data, chats(24), "sft_example")
    params = TrainParams(epochs=1, learning_rate=1e-3, batch_size=8, max_length=64, save_steps=2)
    out = tmp_path / "model"
    metrics = train_sft(tiny_model_dir, [data], out, params, seed=3)
    assert metrics["steps"] == 3 and metrics["examples"] == 24 and metrics["truncated_examples"] == 0
    assert (out / "model.safetensors").exists() and (out / "tokenizer.json").exists()
    assert not (out / "checkpoints").exists()  # only the final weights remain beside the manifest


def test_last_checkpoint_picks_the_newest_complete_one(tmp_path):
    for step, complete in ((5, True), (20, True), (30, False)):
        path = tmp_path / f"checkpoint-{step}"
        path.mkdir()
        if complete:
            (path / "trainer_state.json").write_text(json.dumps({"global_step": step}))
    assert last_checkpoint(tmp_path).endswith("checkpoint-20")
    assert last_checkpoint(tmp_path / "absent") is None


def test_dpo_runs_on_judge_ordered_pairs(tiny_model_dir, tmp_path):
    prompts = {f"p{i}": f"Name a number bigger than {i}." for i in range(8)}
    responses, judgments = [], []
    for pid in prompts:
        for k in range(2):
            rid = f"{pid}/sft1/{k}"
            responses.append(
                {
                    "prompt_id": pid,
                    "response_id": rid,
                    "text": f"answer {k}",
                    "checkpoint": "sft1",
                    "sample_index": k,
                    "sampling": {},
                    "seed": 0,
                }
            )
            judgments.append(
                {"response_id": rid, "score": float(k * 5), "probs": None, "judge": "j", "template_hash": "h"}
            )
    pairs = tmp_path / "pairs.jsonl"
    write_jsonl(pairs, dpo_pairs(prompts, responses, judgments, "best_vs_random", 0), "dpo_pair")
    params = TrainParams(epochs=1, learning_rate=5e-5, batch_size=4, max_length=64, beta=0.1)
    metrics = train_dpo(tiny_model_dir, pairs, tmp_path / "dpo", params, seed=0)
    assert metrics["pairs"] == 8 and metrics["steps"] == 2


def test_killed_training_job_resumes_from_its_last_checkpoint(tiny_manifest, tmp_path):
    """Kill `alma train-sft` after its first checkpoints, rerun it: it continues, not restarts."""
    import os
    import signal
    import subprocess
    import sys
    import time

    data = tmp_path / "sft.jsonl"
    write_jsonl(data, chats(400), "sft_example")
    out = tmp_path / "model" / "manifest.json"
    params = json.dumps(
        {"train": {"epochs": 1, "learning_rate": 1e-3, "batch_size": 4, "max_length": 64, "save_steps": 5}, "seed": 0}
    )
    cmd = [
        sys.executable,
        "-m",
        "alma.cli",
        "train-sft",
        "--base",
        str(tiny_manifest),
        "--data",
        str(data),
        "--params",
        params,
        "--out",
        str(out),
        "--threads",
        "1",
    ]
    job = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    checkpoints = out.parent / "checkpoints"
    deadline = time.time() + 120
    while time.time() < deadline and not (last_checkpoint(checkpoints) or "").endswith(("-10", "-15", "-20")):
        time.sleep(0.2)
    job.send_signal(signal.SIGKILL)
    job.wait()
    saved = last_checkpoint(checkpoints)
    assert saved is not None and not out.exists(), "the job must die mid-way, after a checkpoint"
    saved_step = int(saved.rsplit("-", 1)[1])
    subprocess.run(cmd, check=True, capture_output=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    metrics = json.loads(out.read_text())["metrics"]
    assert metrics["resumed_from_step"] >= saved_step >= 5
    assert metrics["steps"] == 100


def test_checkpoints_of_a_different_training_are_discarded(tmp_path):
    from alma.train import resumable_checkpoint

    checkpoints = tmp_path / "checkpoints"
    assert resumable_checkpoint(checkpoints, {"data": ["a"]}) is None
    (checkpoints / "checkpoint-7").mkdir()
    (checkpoints / "checkpoint-7" / "trainer_state.json").write_text("{}")
    assert resumable_checkpoint(checkpoints, {"data": ["a"]}).endswith("checkpoint-7")
    assert resumable_checkpoint(checkpoints, {"data": ["b"]}) is None  # new data: start over
    assert not (checkpoints / "checkpoint-7").exists()


REPO = Path(__file__).resolve().parents[2]
FSDP_CHECKPOINTING = {"ACCELERATE_USE_FSDP": "true", "FSDP_ACTIVATION_CHECKPOINTING": "true"}


def test_accumulation_plan_makes_the_global_batch_and_names_the_keys_when_it_cannot():
    assert accumulation_plan(128, 2, 8) == (2, 8)  # the paper's SFT on a node of 8 GPUs
    assert accumulation_plan(16, 16, 1) == (16, 1)  # the mini world: one process, one forward per step
    assert accumulation_plan(8, 2, 1) == (2, 4)
    keys = r"batch_size .* micro_batch_size .*\(train\.sft, train\.dpo or judge\.train\)"
    for global_batch, micro, world in ((128, 3, 8), (16, 16, 8), (8, 0, 1)):
        with pytest.raises(ValueError, match=keys):
            accumulation_plan(global_batch, micro, world)
    assert world_size({"WORLD_SIZE": "8"}) == 8 and world_size({}) == 1


def test_fsdp_checkpoints_activations_itself_and_the_trainer_then_does_not():
    assert trainer_checkpointing(True, {}) and not trainer_checkpointing(False, {})
    assert not trainer_checkpointing(True, FSDP_CHECKPOINTING)  # transformers refuses both at once


def _trainer_config(section, tmp_path):
    from trl import DPOConfig, SFTConfig

    params = from_dict(TrainParams, section)
    config = DPOConfig if "beta" in section else SFTConfig
    return config(**common_args(params, tmp_path, seed=0, on_cpu=True))


def test_the_mini_worlds_trainer_settings_are_unchanged(tmp_path, monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    mini = yaml.safe_load((REPO / "config/config.yaml").read_text())
    for section in (mini["train"]["sft"], mini["train"]["dpo"], mini["judge"]["train"]):
        args = _trainer_config(section, tmp_path)
        assert args.per_device_train_batch_size == 16 == section["batch_size"]
        assert args.gradient_accumulation_steps == 1
        assert args.gradient_checkpointing is False and args.activation_checkpointing is False


def test_the_paper_trains_8_ranks_on_micro_batches_of_2_with_checkpointing(tmp_path, monkeypatch):
    # the arguments only: a TRL config built with WORLD_SIZE 8 would start a process group
    paper = yaml.safe_load((REPO / "config/paper.yaml").read_text())
    monkeypatch.setenv("WORLD_SIZE", "8")
    sections = (paper["train"]["sft"], 8), (paper["train"]["dpo"], 8), (paper["judge"]["train"], 4)
    for section, accumulation in sections:
        args = common_args(from_dict(TrainParams, section), tmp_path, seed=0, on_cpu=False)
        assert (args["per_device_train_batch_size"], args["gradient_accumulation_steps"]) == (2, accumulation)
        assert args["per_device_train_batch_size"] * 8 * accumulation == section["batch_size"]
        assert args["activation_checkpointing"] is True
    for name, value in FSDP_CHECKPOINTING.items():  # under workflow/accelerate/fsdp.yaml FSDP does it instead
        monkeypatch.setenv(name, value)
    args = common_args(from_dict(TrainParams, paper["train"]["sft"]), tmp_path, seed=0, on_cpu=False)
    assert args["activation_checkpointing"] is False


def test_a_global_batch_of_8_in_micro_batches_of_2_accumulates_4(tiny_model_dir, tmp_path, monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    data = tmp_path / "sft.jsonl"
    write_jsonl(data, chats(16), "sft_example")
    params = TrainParams(epochs=1, learning_rate=1e-3, batch_size=8, micro_batch_size=2, max_length=64)
    metrics = train_sft(tiny_model_dir, [data], tmp_path / "model", params, seed=0)
    assert (metrics["micro_batch_size"], metrics["gradient_accumulation_steps"]) == (2, 4)
    assert metrics["steps"] == 2  # 16 examples, 8 per optimizer step


def test_examples_longer_than_max_length_are_counted(tiny_model_dir):
    from alma.backends.hf import load_tokenizer

    tokenizer = load_tokenizer(tiny_model_dir)
    long_chat = [{"role": "user", "content": "Tell me."}, {"role": "assistant", "content": "word " * 200}]
    short = chats(3)
    assert over_length(tokenizer, [c["messages"] for c in short] + [long_chat], max_length=64) == 1
    assert over_length(tokenizer, [long_chat], max_length=4096) == 0
