"""Training on a GPU: TRL SFT with the paper's batch arithmetic, and FSDP's memory per rank on a 1B model.

The paper trains an 8B model with FSDP over 8 GPUs, a global batch of 128 reached by gradient
accumulation, and activation checkpointing (``workflow/accelerate/fsdp.yaml``). Here the same
``alma train-sft`` runs under ``accelerate launch`` with that config on every visible GPU, on a
randomly initialised Llama of 1.2B parameters (Llama-3.2-1B's shape), with and without
checkpointing; the peak memory of rank 0 is recorded for sizing the Slurm profile.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from alma.config import TrainParams, from_dict
from alma.records import write_jsonl

REPO = Path(__file__).resolve().parents[2]
MINI_BASE = REPO / "resources" / "mini-base"
SENTENCE = "the small nola sits by the river and the teacher counts four red fish . "


def sft_rows(count: int, words: int) -> list[dict]:
    answer = (SENTENCE * (words // len(SENTENCE.split()) + 1)).strip()
    return [
        {"messages": [{"role": "user", "content": f"Tell story {i}."}, {"role": "assistant", "content": answer}]}
        for i in range(count)
    ]


def mean_loss(model_dir: Path, rows: list[dict]) -> float:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(model_dir))
    model = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32).cuda().eval()
    losses = []
    with torch.inference_mode():
        for row in rows:
            ids = tok.apply_chat_template(row["messages"], tokenize=True, return_dict=True, return_tensors="pt")
            ids = ids["input_ids"].cuda()
            losses.append(model(input_ids=ids, labels=ids).loss.item())
    return sum(losses) / len(losses)


def test_sft_accumulates_to_the_global_batch_and_learns(tmp_path, gpu_report):
    from alma.train import train_sft

    rows = sft_rows(32, words=40)
    data = tmp_path / "sft.jsonl"
    write_jsonl(data, rows, "sft_example")
    params = from_dict(TrainParams, {"epochs": 2, "learning_rate": 1e-3, "batch_size": 8, "micro_batch_size": 2,
                                     "activation_checkpointing": True, "max_length": 256, "warmup_ratio": 0.0})  # fmt: skip
    metrics = train_sft(MINI_BASE, [data], tmp_path / "model", params, seed=1)
    gpu_report("sft_mini_cuda", **{k: metrics[k] for k in ("steps", "final_loss", "peak_gpu_memory_mb")})
    assert (metrics["micro_batch_size"], metrics["gradient_accumulation_steps"]) == (2, 4)
    assert metrics["steps"] == 2 * 32 // 8
    assert mean_loss(tmp_path / "model", rows[:4]) < mean_loss(MINI_BASE, rows[:4]) - 0.5


def one_b_model(root: Path) -> Path:
    """A random Llama with Llama-3.2-1B's shape (1.24B parameters), the mini tokenizer, bf16 safetensors."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    out = root / "llama-1b"
    out.mkdir()
    for name in ("tokenizer.json", "chat_template.jinja", "generation_config.json"):
        shutil.copy(MINI_BASE / name, out / name)
    tok_config = json.loads((MINI_BASE / "tokenizer_config.json").read_text()) | {"model_max_length": 4096}
    (out / "tokenizer_config.json").write_text(json.dumps(tok_config))
    config = LlamaConfig(
        vocab_size=128256, hidden_size=2048, intermediate_size=8192, num_hidden_layers=16, num_attention_heads=32,
        num_key_value_heads=8, max_position_embeddings=4096, tie_word_embeddings=True, bos_token_id=1,
        eos_token_id=6, pad_token_id=0, dtype="bfloat16",
    )  # fmt: skip
    torch.manual_seed(0)
    with torch.device("cuda"):
        model = LlamaForCausalLM(config).to(torch.bfloat16)
    model.save_pretrained(str(out))
    count = sum(p.numel() for p in model.parameters())
    del model
    torch.cuda.empty_cache()
    (out / "params.txt").write_text(str(count))
    return out


def accelerate_train(tmp: Path, base: Path, data: Path, checkpointing: bool, gpus: int) -> dict:
    from alma.models import write_manifest

    config = yaml.safe_load((REPO / "workflow" / "accelerate" / "fsdp.yaml").read_text())
    config["fsdp_config"]["fsdp_activation_checkpointing"] = checkpointing
    config_file = tmp / f"fsdp-{checkpointing}.yaml"
    config_file.write_text(yaml.safe_dump(config))
    base_manifest = tmp / "base.json"
    if not base_manifest.exists():
        write_manifest(base_manifest, base, base="random-init", hash_files=False)
    out = tmp / f"trained-{checkpointing}" / "manifest.json"
    params = {"seed": 1, "train": {"epochs": 1, "learning_rate": 1e-5, "batch_size": 2 * gpus * 2,
              "micro_batch_size": 2, "activation_checkpointing": checkpointing, "max_length": 2048,
              "warmup_ratio": 0.0, "save_steps": 1000}}  # fmt: skip
    # accelerate runs FSDP through torchrun even for one process, so one GPU exercises the sharded path
    launcher = [sys.executable, "-m", "accelerate.commands.launch"]
    cmd = [*launcher, "--config_file", str(config_file), "--num_processes", str(gpus), "-m", "alma.cli",
           "train-sft", "--base", str(base_manifest), "--data", str(data), "--out", str(out),
           "--params", json.dumps(params)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=os.environ.copy())
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return json.loads(out.read_text())


def test_fsdp_trains_a_1b_model_and_checkpointing_cuts_memory_per_rank(tmp_path, gpu_report):
    import torch
    from safetensors import safe_open

    gpus = torch.cuda.device_count()
    base = one_b_model(tmp_path)
    data = tmp_path / "long.jsonl"
    write_jsonl(data, sft_rows(2 * gpus * 2 * 3, words=1500), "sft_example")  # three optimizer steps
    with_ckpt = accelerate_train(tmp_path, base, data, checkpointing=True, gpus=gpus)
    without = accelerate_train(tmp_path, base, data, checkpointing=False, gpus=gpus)
    params = int((base / "params.txt").read_text())
    peak_on, peak_off = with_ckpt["metrics"]["peak_gpu_memory_mb"], without["metrics"]["peak_gpu_memory_mb"]
    gpu_report("fsdp_1b", gpus=gpus, parameters=params, peak_mb_per_rank_checkpointing=peak_on,
               peak_mb_per_rank_no_checkpointing=peak_off, steps=with_ckpt["metrics"]["steps"],
               seconds_checkpointing=with_ckpt["metrics"]["wall_seconds"])  # fmt: skip
    assert with_ckpt["metrics"]["steps"] == 3 and with_ckpt["metrics"]["gradient_accumulation_steps"] == 2
    assert peak_on < peak_off, "activation checkpointing did not lower the peak memory per rank"
    # the full state dict is gathered from the shards and written once: every parameter is saved
    saved = 0
    for shard in (tmp_path / "trained-True").glob("*.safetensors"):
        with safe_open(str(shard), "pt") as weights:
            saved += sum(math.prod(weights.get_slice(k).get_shape()) for k in weights.keys())  # noqa: SIM118
    assert saved == params
