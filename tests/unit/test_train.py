import json

from alma.config import TrainParams
from alma.records import write_jsonl
from alma.select import dpo_pairs
from alma.train import last_checkpoint, train_dpo, train_sft


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
    assert metrics["steps"] == 3 and metrics["examples"] == 24
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
