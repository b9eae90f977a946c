"""Tokenizer and from-scratch pretraining of the mini world's tiny Llama base model.

The base model is a ~4M-parameter LlamaForCausalLM trained with plain PyTorch on the prose corpus of
:mod:`alma.mini.corpus`, for a FIXED number of steps with fixed seeds and 2 threads, so a rerun on
the same machine gives bit-identical weights (a time budget would not). The tokenizer is a
byte-level BPE with the chat special tokens reserved up front; they never occur in pretraining,
so the base model knows the world but has never seen a chat turn.

Rebuild the shipped model with ``snakemake --forcerun pretrain_mini_base``.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alma.mini.corpus import build_corpus
from alma.mini.universe import build_universe
from alma.records import sha256_file, sha256_text, write_json

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerFast

SPECIAL_TOKENS = ["<|pad|>", "<|bos|>", "<|eos|>", "<|user|>", "<|assistant|>", "<|system|>", "<|end|>"]
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}"
    "{% if m['role'] == 'assistant' %}{{ '<|assistant|>\n' }}{% generation %}{{ m['content'] + '<|end|>' }}"
    "{% endgeneration %}{{ '\n' }}"
    "{% else %}{{ '<|' + m['role'] + '|>\n' + m['content'] + '<|end|>\n' }}{% endif %}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}"
)
"""Chat format; ``{% generation %}`` marks assistant tokens so TRL's ``assistant_only_loss`` works."""
BASE_MODEL = {"hidden_size": 256, "intermediate_size": 688, "num_hidden_layers": 4, "num_attention_heads": 8,
              "num_key_value_heads": 8, "max_position_embeddings": 512}  # fmt: skip
"""the shipped base model's shape: 3.5M parameters (the BPE stops near 1,400 tokens, once every word is one token)."""
TINY_MODEL = {"hidden_size": 64, "intermediate_size": 172, "num_hidden_layers": 2, "num_attention_heads": 4,
              "num_key_value_heads": 4, "max_position_embeddings": 512}  # fmt: skip
"""the random-init model of unit tests."""


def train_tokenizer(docs: Sequence[str], vocab_size: int) -> PreTrainedTokenizerFast:
    """Train a byte-level BPE tokenizer with the chat special tokens and template.

    Args:
        docs: training texts.
        vocab_size: vocabulary size including the special tokens.

    Returns:
        A fast tokenizer: ``<|bos|>`` prepended by default, eos ``<|end|>`` (ends an assistant turn),
        pad ``<|pad|>``, and :data:`CHAT_TEMPLATE`.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=2, special_tokens=SPECIAL_TOKENS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)  # fmt: skip
    tok.train_from_iterator(list(docs), trainer)
    bos = tok.token_to_id("<|bos|>")
    tok.post_processor = processors.TemplateProcessing(single="<|bos|> $A", pair="<|bos|> $A <|bos|> $B",
                                                       special_tokens=[("<|bos|>", bos)])  # fmt: skip
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|bos|>", eos_token="<|end|>", pad_token="<|pad|>",
                                   chat_template=CHAT_TEMPLATE, model_max_length=512)  # fmt: skip


def _token_stream(tok: PreTrainedTokenizerFast, docs: Sequence[str]) -> list[int]:
    """Concatenate ``<|bos|> doc <|eos|>`` for every document (the model learns where documents end)."""
    eos = tok.convert_tokens_to_ids("<|eos|>")
    ids: list[int] = []
    for row in tok(list(docs), add_special_tokens=True)["input_ids"]:
        ids.extend(row)
        ids.append(eos)
    return ids


def _model(tok: PreTrainedTokenizerFast, shape: dict[str, Any]):
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    ids = {name: tok.convert_tokens_to_ids(name) for name in ("<|bos|>", "<|end|>", "<|eos|>", "<|pad|>")}
    config = LlamaConfig(vocab_size=len(tok), tie_word_embeddings=True, bos_token_id=ids["<|bos|>"],
                         eos_token_id=ids["<|end|>"], pad_token_id=ids["<|pad|>"], **shape)  # fmt: skip
    model = LlamaForCausalLM(config)
    # Generation stops at the end of an assistant turn and, for the base model, at the end of a document.
    model.generation_config = GenerationConfig(bos_token_id=ids["<|bos|>"], eos_token_id=[ids["<|end|>"], ids["<|eos|>"]],
                                               pad_token_id=ids["<|pad|>"])  # fmt: skip
    return model


def _save(model, tok: PreTrainedTokenizerFast, out_dir: Path) -> None:
    """Save bf16 weights (half the bytes) but declare float32 in config.json.

    transformers 5 loads with the config's dtype by default; float32 there means every downstream
    ``from_pretrained`` (SFT, judge, reward model) gets fp32 master weights for training, while the
    shipped file stays small. bf16 -> fp32 is exact, so nothing is lost.
    """
    import torch

    model.to(torch.bfloat16).save_pretrained(out_dir, safe_serialization=True)
    config_path = out_dir / "config.json"
    config = json.loads(config_path.read_text())
    config["dtype"] = "float32"
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    tok.save_pretrained(out_dir)


def pretrain_base(
    out_dir: str | Path,
    seed: int = 0,
    steps: int = 1200,
    universe_seed: int = 0,
    *,
    corpus_seed: int = 0,
    vocab_size: int = 2048,
    seq_len: int = 256,
    batch_size: int = 16,
    lr: float = 3e-3,
    warmup: int = 100,
    threads: int = 2,
    log_every: int = 100,
    callback: Callable[[int, Any], None] | None = None,
    callback_every: int = 200,
    **model_kwargs: Any,
) -> dict[str, Any]:
    """Pretrain the tiny base model on the universe's corpus and save it as a Hugging Face directory.

    Args:
        out_dir: output directory (config.json, generation_config.json, model.safetensors in bf16,
            tokenizer files, and pretrain.json, which is written last and atomically).
        seed: training seed (init, batch order).
        steps: fixed number of optimizer steps (of ``batch_size`` x ``seq_len`` tokens).
        universe_seed: seed of :func:`alma.mini.universe.build_universe`.
        corpus_seed: seed of :func:`alma.mini.corpus.build_corpus`.
        vocab_size: BPE vocabulary size.
        seq_len: training window length (random windows over the concatenated documents).
        batch_size: windows per step.
        lr: peak AdamW learning rate (linear warmup, cosine decay to 10%).
        warmup: warmup steps.
        threads: torch CPU threads (fixed, since the thread count can change float reduction order).
        log_every: steps between progress lines on stdout.
        callback: called as ``callback(step, model)`` every ``callback_every`` steps (e.g. knowledge
            probes); it must not touch random state or weights, or reruns stop being bit-identical.
        callback_every: steps between callback calls.
        **model_kwargs: overrides of :data:`BASE_MODEL` (LlamaConfig fields).

    Returns:
        The metrics written to pretrain.json.
    """
    import torch
    import transformers

    start = time.time()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "pretrain.json").unlink(missing_ok=True)  # no stale manifest beside half-written weights
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    docs = build_corpus(build_universe(universe_seed), corpus_seed)
    n_val = max(1, len(docs) // 50)  # docs are shuffled, so the last 2% are a fair held-out sample
    tok = train_tokenizer(docs, vocab_size)
    train_ids = torch.tensor(_token_stream(tok, docs[:-n_val]), dtype=torch.long)
    val_ids = torch.tensor(_token_stream(tok, docs[-n_val:]), dtype=torch.long)
    model = _model(tok, {**BASE_MODEL, **model_kwargs})
    n_params = sum(p.numel() for p in model.parameters())
    gen = torch.Generator().manual_seed(seed)

    def batch(data: torch.Tensor, g: torch.Generator) -> torch.Tensor:
        ix = torch.randint(0, len(data) - seq_len - 1, (batch_size,), generator=g)
        return torch.stack([data[i : i + seq_len] for i in ix.tolist()])

    opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.95), weight_decay=0.1)

    def schedule(step: int) -> float:
        return min(1.0, (step + 1) / warmup) * max(0.1, 0.5 * (1 + math.cos(math.pi * min(1.0, step / steps))))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, schedule)
    losses: list[float] = []
    model.train()
    for step in range(steps):
        x = batch(train_ids, gen)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            loss = model(input_ids=x, labels=x).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        sched.step()
        losses.append(loss.detach().item())
        if log_every and (step + 1) % log_every == 0:
            rate = (step + 1) * batch_size * seq_len / (time.time() - start)
            print(
                f"step {step + 1}/{steps} loss {sum(losses[-log_every:]) / log_every:.3f} ({rate:.0f} tok/s)",
                flush=True,
            )
        if callback is not None and (step + 1) % callback_every == 0:
            model.eval()
            with torch.no_grad():
                callback(step + 1, model)
            model.train()
    train_time = time.time() - start

    model.eval()
    val_gen = torch.Generator().manual_seed(12345)  # the same held-out windows for every run
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        val = [float(model(input_ids=(v := batch(val_ids, val_gen)), labels=v).loss) for _ in range(8)]
    _save(model, tok, out)
    tail = losses[-min(50, len(losses)) :]
    metrics = {
        "steps": steps, "seed": seed, "universe_seed": universe_seed, "corpus_seed": corpus_seed,
        "vocab_size": len(tok), "params": n_params, "seq_len": seq_len, "batch_size": batch_size, "lr": lr,
        "model": {**BASE_MODEL, **model_kwargs}, "corpus_docs": len(docs), "corpus_tokens": len(train_ids) + len(val_ids),
        "corpus_sha256": sha256_text("\n\n".join(docs)), "train_tokens": steps * batch_size * seq_len,
        "train_loss": sum(tail) / len(tail), "val_loss": sum(val) / len(val), "threads": threads,
        "wall_time_s": round(time.time() - start, 1), "train_time_s": round(train_time, 1),
        "model_sha256": sha256_file(out / "model.safetensors"), "tokenizer_sha256": sha256_file(out / "tokenizer.json"),
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__},
    }  # fmt: skip
    write_json(out / "pretrain.json", metrics)
    return metrics


def random_tiny_model(out_dir: str | Path, seed: int = 0) -> None:
    """Save a random-init h64/2-layer Llama with the base model's tokenizer recipe (for unit tests; < 1 s).

    The tokenizer is trained on a small corpus of universe 0 (vocabulary 512), so prompts of the mini
    world tokenize into sensible pieces and every downstream code path (chat template, TRL, generate)
    works exactly as with the real base model.

    Args:
        out_dir: output directory (replaced if it exists).
        seed: initialisation seed.
    """
    import torch

    out = Path(out_dir)
    if out.exists():
        shutil.rmtree(out)
    torch.manual_seed(seed)
    tok = train_tokenizer(build_corpus(build_universe(0), 0, n_docs=300), 512)
    _save(_model(tok, TINY_MODEL), tok, out)
