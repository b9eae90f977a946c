"""SFT and DPO on TRL, with checkpoints that survive a killed job.

Every training job writes its weights into ``<model_dir>/`` and its in-training checkpoints into
``<model_dir>/checkpoints/``; only the manifest (written last by the caller) is the declared
Snakemake output, so a failed job's checkpoints stay on disk and the rerun resumes from the last
one instead of step zero.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from alma.config import TrainParams
from alma.records import read_jsonl, write_jsonl

log = logging.getLogger(__name__)
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def last_checkpoint(checkpoint_dir: Path) -> str | None:
    """The newest complete ``checkpoint-<step>`` directory, if any."""
    if not checkpoint_dir.is_dir():
        return None
    steps = []
    for child in checkpoint_dir.iterdir():
        if child.name.startswith("checkpoint-") and (child / "trainer_state.json").exists():
            steps.append((int(child.name.split("-")[1]), child))
    return str(max(steps)[1]) if steps else None


def world_size(environ: Mapping[str, str] = os.environ) -> int:
    """Processes that train together: WORLD_SIZE as ``accelerate launch`` and torchrun set it, else 1."""
    return int(environ.get("WORLD_SIZE", "1"))


def accumulation_plan(global_batch: int, micro_batch: int, world_size: int) -> tuple[int, int]:
    """(sequences per device per forward, forwards per optimizer step) that make ``global_batch``.

    Raises:
        ValueError: ``global_batch`` is not a multiple of ``micro_batch x world_size``, in one line
            that names the config keys to change.
    """
    per_forward = micro_batch * world_size
    if micro_batch < 1 or world_size < 1 or global_batch % per_forward:
        raise ValueError(
            f"train batch_size {global_batch} (the global batch per optimizer step) is not a multiple of "
            f"micro_batch_size {micro_batch} x {world_size} processes (WORLD_SIZE): change batch_size or "
            f"micro_batch_size of this training's section (train.sft, train.dpo or judge.train)"
        )
    return micro_batch, global_batch // per_forward


def trainer_checkpointing(wanted: bool, environ: Mapping[str, str] = os.environ) -> bool:
    """The trainer's ``activation_checkpointing``: off where FSDP checkpoints itself.

    ``workflow/accelerate/fsdp.yaml`` turns on FSDP's own activation checkpointing, which accelerate
    exports as FSDP_ACTIVATION_CHECKPOINTING; transformers refuses both at once.
    """
    fsdp_does_it = environ.get("ACCELERATE_USE_FSDP", "").lower() == "true" and (
        environ.get("FSDP_ACTIVATION_CHECKPOINTING", "").lower() == "true"
    )
    return wanted and not fsdp_does_it


def common_args(params: TrainParams, out_dir: Path, seed: int, on_cpu: bool) -> dict[str, Any]:
    """The TrainingArguments shared by SFT (policy and judge) and DPO.

    ``params.batch_size`` is the global batch per optimizer step: each of the WORLD_SIZE processes
    runs ``micro_batch_size`` sequences per forward and accumulates gradients over the rest.
    """
    micro, accumulation = accumulation_plan(
        params.batch_size, params.micro_batch_size or params.batch_size, world_size()
    )
    return dict(
        output_dir=str(out_dir / "checkpoints"),
        num_train_epochs=params.epochs,
        per_device_train_batch_size=micro,
        gradient_accumulation_steps=accumulation,
        learning_rate=params.learning_rate,
        lr_scheduler_type="cosine",
        warmup_steps=params.warmup_ratio,  # transformers 5 reads a float < 1 as a ratio of total steps
        max_length=params.max_length,
        seed=seed,
        data_seed=seed,
        logging_steps=10,
        save_strategy="steps",
        save_steps=params.save_steps,
        save_total_limit=1,
        report_to="none",
        # set explicitly: TRL's configs default gradient_checkpointing (its deprecated alias) to True
        activation_checkpointing=trainer_checkpointing(params.activation_checkpointing),
        bf16=True,
        use_cpu=on_cpu,  # TRL defaults to bf16 on an accelerator and refuses CPU without this
        dataloader_num_workers=0,
        disable_tqdm=True,
    )


def resumable_checkpoint(checkpoint_dir: Path, fingerprint: dict[str, Any]) -> str | None:
    """The last checkpoint, but only if it was made from the same inputs and settings.

    Snakemake reruns a training job when its data or params change; resuming the old run's
    checkpoints then would silently mix two trainings, so they are discarded instead.
    """
    import json

    stamp = checkpoint_dir / "fingerprint.json"
    if stamp.exists() and json.loads(stamp.read_text()) == fingerprint:
        return last_checkpoint(checkpoint_dir)
    shutil.rmtree(checkpoint_dir, ignore_errors=True)
    checkpoint_dir.mkdir(parents=True)
    stamp.write_text(json.dumps(fingerprint, sort_keys=True))
    return None


def _fingerprint(kind: str, init: str | Path, data: Sequence[str | Path], params: TrainParams, seed: int) -> dict:
    import dataclasses

    from alma.records import sha256_file

    return {
        "kind": kind,
        "init": str(init),
        "data": [sha256_file(p) for p in data],
        "params": dataclasses.asdict(params),
        "seed": seed,
    }


def _resume_step(checkpoint: str | None) -> int:
    return int(Path(checkpoint).name.split("-")[1]) if checkpoint else 0


def is_main_process() -> bool:
    """True in a single-process run and on global rank 0 of an ``accelerate launch`` / torchrun job."""
    return int(os.environ.get("RANK", "0")) == 0


def peak_accelerator_memory() -> dict[str, float]:
    """This process's peak GPU memory in MB (under FSDP: one rank's shard), what a profile's GPU memory is sized by."""
    import torch

    if not torch.cuda.is_available():
        return {}
    return {"peak_gpu_memory_mb": round(torch.cuda.max_memory_allocated() / 2**20, 1)}


def _finish(trainer, out_dir: Path, tokenizer, started: float) -> dict[str, Any]:
    trainer.save_model(str(out_dir))  # collective under FSDP (gathers the full state dict); rank 0 writes
    if trainer.is_world_process_zero():
        tokenizer.save_pretrained(str(out_dir))
        shutil.rmtree(out_dir / "checkpoints", ignore_errors=True)
    history = [h for h in trainer.state.log_history if "loss" in h]
    return {
        **peak_accelerator_memory(),
        "steps": trainer.state.global_step,
        "micro_batch_size": trainer.args.per_device_train_batch_size,
        "gradient_accumulation_steps": trainer.args.gradient_accumulation_steps,
        "final_loss": round(history[-1]["loss"], 6) if history else None,
        "wall_seconds": round(time.time() - started, 2),
    }


def over_length(tokenizer, conversations: Sequence[list[dict]], max_length: int) -> int:
    """How many chats render to more than ``max_length`` tokens, which TRL then truncates from the right.

    A truncated example loses the end of its answer (a judge example loses its ``[[rating]]``, and TRL
    drops it as fully masked), so the count is recorded in the manifest and logged, never silent.
    """
    lengths = (
        len(tokenizer.apply_chat_template(c, tokenize=True, return_dict=True)["input_ids"]) for c in conversations
    )
    count = sum(length > max_length for length in lengths)
    if count:
        log.warning("%d of %d training examples exceed max_length %d tokens and are truncated",
                    count, len(conversations), max_length)  # fmt: skip
    return count


def _load(base_dir: str | Path):
    import torch
    from transformers import AutoModelForCausalLM

    from alma.backends.hf import load_tokenizer

    tokenizer = load_tokenizer(base_dir, padding_side="right")
    on_cpu = not torch.cuda.is_available()
    model = AutoModelForCausalLM.from_pretrained(str(base_dir), dtype=torch.float32, use_safetensors=True)
    return model, tokenizer, on_cpu


def train_sft(
    base_dir: str | Path,
    data_paths: Sequence[str | Path],
    out_dir: str | Path,
    params: TrainParams,
    seed: int,
    assistant_only_loss: bool = True,
) -> dict[str, Any]:
    """Supervised fine-tuning of ``base_dir`` on the union of conversational JSONL files.

    Args:
        base_dir: weights to start from (M0 for every ALMA round, by default).
        data_paths: ``sft_example`` JSONL files; their union is the training set (D1 ∪ ... ∪ D_r).
        out_dir: where the trained weights go.
    Returns:
        metrics: steps, final loss, wall seconds, examples.
    """
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    started = time.time()
    rows = [r for p in data_paths for r in read_jsonl(p, "sft_example")]
    model, tokenizer, on_cpu = _load(base_dir)
    out_dir = Path(out_dir)
    config = SFTConfig(**common_args(params, out_dir, seed, on_cpu), assistant_only_loss=assistant_only_loss)
    trainer = SFTTrainer(
        model=model,
        processing_class=tokenizer,
        args=config,
        train_dataset=Dataset.from_list([{"messages": r["messages"]} for r in rows]),
    )
    resume = last_checkpoint(out_dir / "checkpoints")
    trainer.train(resume_from_checkpoint=resume)
    return {
        **_finish(trainer, out_dir, tokenizer, started),
        "examples": len(rows),
        "truncated_examples": over_length(tokenizer, [r["messages"] for r in rows], params.max_length),
        "resumed_from_step": _resume_step(resume),
    }


def train_dpo(
    init_dir: str | Path, pairs_path: str | Path, out_dir: str | Path, params: TrainParams, seed: int
) -> dict[str, Any]:
    """DPO from ``init_dir`` (the reference model is a frozen copy of it) on ``dpo_pair`` records."""
    from datasets import Dataset
    from trl import DPOConfig, DPOTrainer

    started = time.time()
    rows = read_jsonl(pairs_path, "dpo_pair")
    model, tokenizer, on_cpu = _load(init_dir)
    out_dir = Path(out_dir)
    config = DPOConfig(**common_args(params, out_dir, seed, on_cpu), beta=params.beta)
    trainer = DPOTrainer(model=model, processing_class=tokenizer, args=config, train_dataset=Dataset.from_list(rows))
    resume = last_checkpoint(out_dir / "checkpoints")
    trainer.train(resume_from_checkpoint=resume)
    return {
        **_finish(trainer, out_dir, tokenizer, started),
        "pairs": len(rows),
        "truncated_pairs": over_length(
            tokenizer,
            [r["prompt"] + max(r["chosen"], r["rejected"], key=lambda m: len(m[0]["content"])) for r in rows],
            params.max_length,
        ),
        "resumed_from_step": _resume_step(resume),
    }


def seed_to_sft(seed_path: str | Path, out_path: str | Path) -> int:
    """Turn ``seed_sft`` records (prompt, response) into TRL conversational examples."""
    rows = read_jsonl(seed_path, "seed_sft")
    examples = (
        {"messages": [{"role": "user", "content": r["prompt"]}, {"role": "assistant", "content": r["response"]}]}
        for r in rows
    )
    return write_jsonl(out_path, examples, "sft_example")
