"""Reward-model evaluator: the stand-in for ArmoRM (RLHFlow/ArmoRM-Llama3-8B-v0.1).

The paper reports ArmoRM rewards on a 0-10 scale next to GPT-4o scores. In the mini world a
Bradley-Terry reward model is trained with TRL's RewardTrainer on oracle-ordered preference pairs
(:func:`alma.mini.datasets.reward_model_pairs`) on top of the tiny base model. Scoring works the
same with any Hugging Face sequence-classification reward model with one output (num_labels=1),
so on a cluster :func:`reward_scores` can point at a real RM directory.

Raw rewards have no fixed scale, so :func:`to_ten_point` maps them linearly onto 0-10 with two
calibration anchors (see :func:`calibration`): the mean raw reward of an empty answer (0) and of the
reference answers (10). This is our choice (deviation: the paper does not say how it rescaled
ArmoRM's output to 0-10).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alma.records import read_jsonl


def _device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def train_reward_model(
    pairs_path: str | Path,
    base_dir: str | Path,
    out_dir: str | Path,
    seed: int,
    epochs: int,
    lr: float,
    batch_size: int,
    max_length: int,
) -> dict[str, Any]:
    """Train a Bradley-Terry reward model with TRL's RewardTrainer and save it (safetensors).

    Args:
        pairs_path: JSON Lines of dpo_pair records (TRL conversational prompt/chosen/rejected).
        base_dir: Hugging Face causal-LM directory to start from; a one-output score head is added.
        out_dir: where the reward model and its tokenizer are saved.
        seed: seed of the head initialisation and data order.
        epochs: training epochs.
        lr: peak learning rate.
        batch_size: pairs per device step.
        max_length: pairs whose chosen or rejected conversation is longer (in tokens) are dropped.

    Returns:
        Metrics: ``train_accuracy`` (share of training pairs scored chosen > rejected after training,
        in eval mode), ``train_loss``, ``pairs``, ``epochs``, ``train_time_s``.
    """
    import torch
    from datasets import Dataset
    from transformers import AutoTokenizer
    from trl import RewardConfig, RewardTrainer

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    start = time.time()
    pairs = read_jsonl(pairs_path, "dpo_pair")
    tok = AutoTokenizer.from_pretrained(base_dir)
    on_cpu = not torch.cuda.is_available()
    args = RewardConfig(
        output_dir=str(out_dir), num_train_epochs=epochs, learning_rate=lr, per_device_train_batch_size=batch_size,
        max_length=max_length, seed=seed, use_cpu=on_cpu, bf16=True, gradient_checkpointing=False,
        report_to="none", save_strategy="no", logging_steps=10, disable_tqdm=True,
        # fp32 master weights under bf16 autocast: a bf16-stored base would otherwise train in bf16.
        model_init_kwargs={"dtype": torch.float32},
    )  # fmt: skip
    rows = [{"prompt": p["prompt"], "chosen": p["chosen"], "rejected": p["rejected"]} for p in pairs]
    trainer = RewardTrainer(
        model=str(base_dir), args=args, train_dataset=Dataset.from_list(rows), processing_class=tok
    )
    result = trainer.train()
    trainer.save_model(str(out_dir))
    tok.save_pretrained(str(out_dir))

    model = trainer.model.eval()
    prompts = [p["prompt"][-1]["content"] for p in pairs]
    chosen = _scores(model, tok, prompts, [p["chosen"][-1]["content"] for p in pairs], 32)
    rejected = _scores(model, tok, prompts, [p["rejected"][-1]["content"] for p in pairs], 32)
    return {
        "train_accuracy": sum(c > r for c, r in zip(chosen, rejected, strict=True)) / len(pairs),
        "train_loss": float(result.training_loss), "pairs": len(pairs), "epochs": epochs,
        "train_time_s": round(time.time() - start, 1),
    }  # fmt: skip


def _scores(model, tok, prompts: Sequence[str], responses: Sequence[str], batch_size: int) -> list[float]:
    """Raw rewards of (prompt, response) pairs under the chat template, exactly as in training."""
    if len(prompts) != len(responses):
        raise ValueError(f"{len(prompts)} prompts but {len(responses)} responses")
    conversations = [[{"role": "user", "content": p}, {"role": "assistant", "content": r}]
                     for p, r in zip(prompts, responses, strict=True)]  # fmt: skip
    return _conversation_scores(model, tok, conversations, batch_size)


def _conversation_scores(model, tok, conversations: Sequence[Sequence[dict]], batch_size: int) -> list[float]:
    """Raw rewards of conversations (each ending with the scored assistant turn) under the chat template."""
    import torch

    texts = [tok.apply_chat_template(list(c), tokenize=False) for c in conversations]
    limit = min(tok.model_max_length, getattr(model.config, "max_position_embeddings", tok.model_max_length))
    tok.padding_side = "right"  # the classifier reads the last non-pad token either way; right keeps positions plain
    tok.truncation_side = "left"  # the reward is read at the end, so never cut the end of a long answer
    out: list[float] = []
    with torch.inference_mode():
        for i in range(0, len(texts), batch_size):
            enc = tok(texts[i : i + batch_size], return_tensors="pt", padding=True, truncation=True, max_length=limit,
                      add_special_tokens=False).to(model.device)  # fmt: skip
            out.extend(model(**enc).logits[:, 0].float().tolist())
    return out


def load_reward_model(model_dir: str | Path):
    """Load a one-output sequence-classification reward model and its tokenizer for scoring.

    Returns:
        ``(model, tokenizer)``, the model in eval mode on CUDA when available (bf16 there), else CPU fp32.
    """
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    device = _device()
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSequenceClassification.from_pretrained(model_dir, dtype=dtype).to(device).eval()
    if model.config.pad_token_id is None:
        model.config.pad_token_id = tok.pad_token_id
    return model, tok


def reward_scores(
    model_dir: str | Path, prompts: Sequence[str], responses: Sequence[str], batch_size: int = 32
) -> list[float]:
    """Raw rewards of single-turn (prompt, response) pairs.

    Args:
        model_dir: reward model directory (from :func:`train_reward_model`, or any HF sequence
            classifier with num_labels=1 and a chat template).
        prompts: user messages.
        responses: assistant messages, aligned with ``prompts``.
        batch_size: conversations per forward pass.

    Returns:
        One raw reward per pair (higher is better; unbounded).
    """
    model, tok = load_reward_model(model_dir)
    return _scores(model, tok, prompts, responses, batch_size)


def conversation_reward_scores(
    model_dir: str | Path, conversations: Sequence[Sequence[dict]], batch_size: int = 32
) -> list[float]:
    """Raw rewards of conversations, each a list of ``{"role", "content"}`` messages ending with the scored
    assistant turn (a second turn is scored with the first question and answer before it)."""
    model, tok = load_reward_model(model_dir)
    return _conversation_scores(model, tok, conversations, batch_size)


def calibration(
    model_dir: str | Path, prompts: Sequence[str], references: Sequence[str], batch_size: int = 32
) -> dict[str, float]:
    """Anchors for :func:`to_ten_point`: mean raw reward of an empty answer (``low``) and of references (``high``).

    Args:
        model_dir: reward model directory.
        prompts: calibration prompts (held out from evaluation is best).
        references: ideal answers to ``prompts``.
        batch_size: conversations per forward pass.

    Returns:
        ``{"low": float, "high": float}``.
    """
    model, tok = load_reward_model(model_dir)
    empty = _scores(model, tok, prompts, [""] * len(prompts), batch_size)
    good = _scores(model, tok, prompts, references, batch_size)
    return {"low": sum(empty) / len(empty), "high": sum(good) / len(good)}


def to_ten_point(raw: Sequence[float], low: float, high: float) -> list[float]:
    """Map raw rewards linearly onto 0-10: ``low`` -> 0, ``high`` -> 10, clipped to [0, 10].

    Args:
        raw: raw rewards.
        low: raw reward that counts as 0 (e.g. the mean reward of empty answers).
        high: raw reward that counts as 10 (e.g. the mean reward of reference answers).

    Returns:
        Scores in [0, 10], aligned with ``raw``.

    Raises:
        ValueError: if ``high <= low`` (an uncalibrated or broken reward model).
    """
    if not high > low:
        raise ValueError(f"calibration needs high > low, got low={low}, high={high}")
    return [min(10.0, max(0.0, 10.0 * (r - low) / (high - low))) for r in raw]
