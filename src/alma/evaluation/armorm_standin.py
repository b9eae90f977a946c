"""A small, self-contained model directory that is loaded and read exactly like ArmoRM.

ArmoRM (RLHFlow/ArmoRM-Llama3-8B-v0.1) is an 8B Llama with its own modelling code: its
``config.json`` maps ``AutoModelForSequenceClassification`` to ``modeling_custom.LlamaForRewardModelWithGating``
through ``auto_map``, so it only loads with ``trust_remote_code=True``, and its forward returns an
output whose ``score`` is the gated preference score (plus ``rewards``, 19 regression objectives, and
``gating_output``). None of that runs without the hub, so the small config (and the tests) use this
stand-in: the same loading path (``auto_map`` to a modelling file shipped in the directory,
:mod:`alma.evaluation.modeling_armorm_standin`), the same output fields, a 2-layer Llama backbone
with the given base model's tokenizer and chat template, and seeded random weights.

It is not a good reward model: it proves that the ArmoRM evaluator, the ``trust_remote_code``
plumbing and the 0-10 map run end to end. Random, its raw scores sit near 0 and all map to 0; given
rated answers (HelpSteer2-style ``seed_judgment`` rows), :func:`fit_regression_head` least-squares fits
its head on the frozen backbone's features so that ratings 0-10 land on the map's anchors, and its
scores spread over the 0-10 scale (with what little signal a random 2-layer backbone carries). Same
seed, rows and library versions: byte-identical weights.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alma.evaluation.armorm import DEFAULT_ANCHORS

MODELING_FILE = "modeling_armorm_standin.py"
MODEL_CLASS = "LlamaForRewardModelWithGating"
AUTO_MAP = {"AutoModelForSequenceClassification": f"{Path(MODELING_FILE).stem}.{MODEL_CLASS}"}
ARMORM_OBJECTIVES = 19
"""ArmoRM's reward objectives (HelpSteer, UltraFeedback, BeaverTails, ... attributes)."""


@dataclasses.dataclass(frozen=True)
class StandinShape:
    """Sizes of the stand-in (a few layers: it must load and run in seconds on a CPU)."""

    hidden_size: int = 64
    intermediate_size: int = 172
    num_hidden_layers: int = 2
    num_attention_heads: int = 4
    num_objectives: int = ARMORM_OBJECTIVES
    gating_hidden_dim: int = 32
    gating_n_hidden: int = 2
    gating_temperature: float = 10.0


def assistant_marker_ids(tokenizer) -> list[int]:
    """Token ids of the chat template's assistant header, where ArmoRM's gate reads the prompt.

    The header is what the generation prompt appends to a user turn, with trailing whitespace dropped
    (a newline after the header may merge with the answer's first characters when tokenized).

    Raises:
        ValueError: the tokenizer has no chat template, or its generation prompt adds nothing.
    """
    if not tokenizer.chat_template:
        raise ValueError("the base tokenizer has no chat template; the ArmoRM stand-in scores chats")
    turn = [{"role": "user", "content": "Hi"}]
    with_header = tokenizer.apply_chat_template(turn, add_generation_prompt=True, tokenize=False)
    without = tokenizer.apply_chat_template(turn, add_generation_prompt=False, tokenize=False)
    header = with_header[len(without) :].rstrip() if with_header.startswith(without) else ""
    if not header:
        raise ValueError("the base tokenizer's chat template adds no assistant header (add_generation_prompt)")
    return list(tokenizer(header, add_special_tokens=False).input_ids)


def standin_config(tokenizer, max_positions: int, shape: StandinShape):
    """The stand-in's LlamaConfig: the tokenizer's vocabulary and special ids, ``auto_map`` to the shipped code."""
    from transformers import LlamaConfig

    head_dim = shape.hidden_size // shape.num_attention_heads
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=shape.hidden_size, intermediate_size=shape.intermediate_size,
        num_hidden_layers=shape.num_hidden_layers, num_attention_heads=shape.num_attention_heads,
        num_key_value_heads=shape.num_attention_heads, head_dim=head_dim, max_position_embeddings=max_positions,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=False,
    )  # fmt: skip
    config.num_objectives = shape.num_objectives
    config.gating_hidden_dim = shape.gating_hidden_dim
    config.gating_n_hidden = shape.gating_n_hidden
    config.gating_temperature = shape.gating_temperature
    config.assistant_marker_ids = assistant_marker_ids(tokenizer)
    config.architectures = [MODEL_CLASS]
    config.auto_map = dict(AUTO_MAP)
    return config


def _features(model, tokenizer, rows: Sequence[dict], max_length: int):
    """Final hidden state of each rated (prompt, response), rendered as ArmoRM reads it; float64 [rows, hidden]."""
    import torch

    tokenizer.truncation_side = "left"  # keep the answer's end, which the head reads
    features = []
    with torch.inference_mode():
        for row in rows:  # one at a time: no padding, nothing to get wrong
            chat = [{"role": "user", "content": row["prompt"]}, {"role": "assistant", "content": row["response"]}]
            text = tokenizer.apply_chat_template(chat, tokenize=False)
            enc = tokenizer(
                text, return_tensors="pt", add_special_tokens=False, truncation=True, max_length=max_length
            )
            features.append(model(**enc).hidden_state[0].double())
    return torch.stack(features)


def fit_regression_head(
    model, tokenizer, rows: Sequence[dict], anchors: tuple[float, float], ridge: float = 1.0, max_length: int = 512
) -> dict[str, Any]:
    """Ridge-fit every objective's head to the ratings mapped onto ``anchors`` (rating 0 -> low, 10 -> high).

    The gate's weights sum to 1, so with every objective fitted alike the preference score is the fit.

    Args:
        model: the stand-in (its backbone stays as it is).
        tokenizer: its tokenizer, with the chat template.
        rows: ``seed_judgment`` records (``prompt``, ``response``, ``score`` 0-10).
        anchors: the raw scores the evaluator maps to 0 and to 10.
        ridge: L2 penalty on the weights (the features outnumber few rows).
        max_length: tokens kept per conversation.

    Returns:
        Fit metrics: rows, ridge, and the Pearson correlation and RMSE of the fit on its own rows (0-10 scale).
    """
    import torch

    low, high = anchors
    x = _features(model, tokenizer, rows, max_length)
    y = torch.tensor([low + (high - low) * r["score"] / 10.0 for r in rows], dtype=torch.float64)
    x_mean, y_mean = x.mean(0), y.mean()
    xc = x - x_mean
    weight = torch.linalg.solve(xc.T @ xc + ridge * torch.eye(x.shape[1], dtype=torch.float64), xc.T @ (y - y_mean))
    bias = y_mean - x_mean @ weight
    head = model.regression_layer
    with torch.no_grad():
        head.weight.copy_(weight.to(head.weight.dtype).expand_as(head.weight))
        head.bias.fill_(float(bias))
    fitted = (xc @ weight + y_mean - low) * 10.0 / (high - low)
    target = (y - low) * 10.0 / (high - low)
    pearson = float(torch.corrcoef(torch.stack([fitted, target]))[0, 1]) if target.std() > 0 else 0.0
    return {"rows": len(rows), "ridge": ridge, "train_pearson": round(pearson, 4),
            "train_rmse": round(float((fitted - target).pow(2).mean().sqrt()), 4)}  # fmt: skip


def build_armorm_standin(
    base_dir: str | Path,
    out_dir: str | Path,
    seed: int = 0,
    ratings: Sequence[dict] = (),
    anchors: tuple[float, float] = DEFAULT_ANCHORS,
    ridge: float = 1.0,
    **shape: Any,
) -> dict[str, Any]:
    """Write the stand-in into ``out_dir``: config (with ``auto_map``), weights, tokenizer, modelling file.

    Args:
        base_dir: a model directory whose tokenizer, chat template and context length are taken.
        out_dir: the output directory (created; files of the same names are overwritten).
        seed: initialisation seed.
        ratings: rated answers (``seed_judgment`` records) to fit the head to; none: the head stays random.
        anchors: raw scores that ratings 0 and 10 are fitted to (the evaluator's 0-10 map).
        ridge: L2 penalty of the fit.
        **shape: overrides of :class:`StandinShape` fields.

    Returns:
        Build metrics for the manifest: parameter count, objectives, the gate's marker ids, seed, fit.
    """
    import torch
    from transformers import AutoConfig, AutoTokenizer

    from alma.evaluation.modeling_armorm_standin import LlamaForRewardModelWithGating

    unknown = set(shape) - {f.name for f in dataclasses.fields(StandinShape)}
    if unknown:
        raise ValueError(f"unknown stand-in settings {sorted(unknown)}")
    sizes = StandinShape(**shape)
    tokenizer = AutoTokenizer.from_pretrained(str(base_dir))
    base_positions = getattr(AutoConfig.from_pretrained(str(base_dir)), "max_position_embeddings", None) or 2048
    config = standin_config(tokenizer, int(base_positions), sizes)
    torch.manual_seed(seed)
    model = LlamaForRewardModelWithGating(config).eval()
    fit = fit_regression_head(model, tokenizer, ratings, anchors, ridge) if ratings else None
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    # The directory must load on its own, like a hub snapshot: ship the modelling code beside the weights.
    shutil.copyfile(Path(__file__).with_name(MODELING_FILE), out / MODELING_FILE)
    return {
        "parameters": sum(p.numel() for p in model.parameters()),
        "num_objectives": sizes.num_objectives,
        "assistant_marker_ids": list(config.assistant_marker_ids),
        "seed": seed,
        "fit": fit,
    }
