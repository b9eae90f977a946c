"""Training rules launch one process on a CPU or single GPU, and `accelerate launch` (FSDP) across a node's GPUs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TRAIN_RULES = ("train_initial_sft", "train_round", "train_judge", "distill_judge")


def _shell_commands(run_snakemake, gpus: str, configfile: str) -> str:
    os.environ["ALMA_GPUS"] = gpus
    try:
        proc = run_snakemake(
            "-n", "-p", "--forceall", "--workflow-profile", "profiles/local", "--configfile", configfile
        )
    finally:
        del os.environ["ALMA_GPUS"]
    return proc.stdout


def test_eight_gpus_get_the_fsdp_launcher_and_a_cpu_gets_one_process(run_snakemake):
    paper = _shell_commands(run_snakemake, "8", "config/paper.yaml")
    launched = [line for line in paper.splitlines() if "alma.launch" in line]
    expected = "python -m alma.launch --gpus 8 --config-file workflow/accelerate/fsdp.yaml -- train-"
    assert launched and all(expected in x for x in launched)
    # every training job of the paper run: 2 initial SFT + 10 rounds + judge + distilled judge
    assert len(launched) == 14
    mini = _shell_commands(run_snakemake, "0", "tests/config/config.yaml")
    assert "alma.launch" not in mini and "alma train-sft" in mini


def test_the_launcher_uses_the_gpus_the_node_shows():
    from alma.launch import launch_argv

    argv = launch_argv(8, 8, "workflow/accelerate/fsdp.yaml", ["train-sft", "--out", "m.json"])
    assert argv == ["accelerate", "launch", "--config_file", "workflow/accelerate/fsdp.yaml", "--num_processes", "8",
                    "-m", "alma.cli", "train-sft", "--out", "m.json"]  # fmt: skip
    assert launch_argv(8, 4, "c.yaml", ["x"])[5] == "4"  # never more ranks than devices
    assert launch_argv(2, 0, "c.yaml", ["x"]) is None  # fake GPUs (a test cluster): run in-process


def test_accelerate_launch_trains_on_one_process(tiny_manifest, tmp_path):
    accelerate = shutil.which("accelerate", path=str(Path(sys.executable).parent))
    assert accelerate, "accelerate is part of the training environment"
    data = tmp_path / "sft.jsonl"
    chat = {
        "messages": [{"role": "user", "content": "Add 2 and 3."}, {"role": "assistant", "content": "2 plus 3 is 5."}]
    }
    data.write_text("\n".join(json.dumps(chat) for _ in range(8)) + "\n")
    out = tmp_path / "model" / "manifest.json"
    params = json.dumps({"train": {"epochs": 1, "learning_rate": 1e-3, "batch_size": 4, "max_length": 64}, "seed": 0})
    cmd = [accelerate, "launch", "--cpu", "--num_processes", "1", "--num_machines", "1", "--mixed_precision", "no",
           "--dynamo_backend", "no", "-m", "alma.cli", "train-sft", "--base", str(tiny_manifest), "--data", str(data),
           "--params", params, "--out", str(out), "--threads", "1"]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    manifest = json.loads(out.read_text())
    assert manifest["metrics"]["steps"] == 2 and manifest["files"]["model.safetensors"]
