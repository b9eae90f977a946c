"""The transformers backend: batched sampling, hidden-state embeddings and next-token log-probs.

Runs on CPU (the mini world, CI) and on one GPU. The recipe's shapes drive the design: N samples
of one prompt share a single prefill (``num_return_sequences``), prompts are length-sorted into
batches to waste little padding, and each batch ``b`` is seeded with ``seed + b`` so a job's output
depends only on its inputs and seed, not on what ran before it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from alma.config import SamplingParams

log = logging.getLogger(__name__)
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # jobs never reach the hub unless a rule downloads on purpose
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def pick_device(device: str | None = None) -> str:
    import torch

    if device and device != "auto":
        return device
    return "cuda" if torch.cuda.is_available() else "cpu"


def load_tokenizer(model_dir: str | Path, padding_side: str = "left"):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), padding_side=padding_side)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_causal_lm(model_dir: str | Path, device: str | None = None, trust_remote_code: bool = False):
    """Load a causal LM from a local directory; safetensors only, remote code off by default."""
    import torch
    from transformers import AutoModelForCausalLM

    device = pick_device(device)
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    model = AutoModelForCausalLM.from_pretrained(
        str(model_dir), dtype=dtype, use_safetensors=True, trust_remote_code=trust_remote_code
    )
    return model.to(device).eval()


def chat_texts(tokenizer, user_messages: Sequence[str]) -> list[str]:
    """Single-turn user messages rendered with the tokenizer's chat template (generation prompt on)."""
    return conversation_texts(tokenizer, [[{"role": "user", "content": m}] for m in user_messages])


def conversation_texts(tokenizer, conversations: Sequence[Sequence[dict[str, str]]]) -> list[str]:
    """Conversations (lists of ``{"role", "content"}`` messages ending with a user turn) rendered with the
    tokenizer's chat template, generation prompt on: the model continues with the next assistant turn."""
    return [
        tokenizer.apply_chat_template(list(messages), add_generation_prompt=True, tokenize=False)
        for messages in conversations
    ]


def encode_texts(tokenizer, texts: Sequence[str]) -> list[list[int]]:
    """Token ids of rendered texts; every backend encodes through this, so all see the same inputs.

    Chat templates already carry BOS; plain few-shot texts get it from the tokenizer.
    """
    bos = tokenizer.bos_token
    return [tokenizer(t, add_special_tokens=not (bos and t.startswith(bos))).input_ids for t in texts]


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of similar length (longest first), so padding stays small."""
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def check_context(rows: Sequence[Sequence[int]], limit: int, model_dir: str | Path) -> None:
    """Refuse inputs of ``limit`` tokens or more: past its context a model's output is garbage, not an error.

    Raises:
        ValueError: naming how many inputs are too long, the longest, and the model's context.
    """
    too_long = [i for i, row in enumerate(rows) if len(row) >= limit]
    if too_long:
        longest = max(len(rows[i]) for i in too_long)
        raise ValueError(
            f"{len(too_long)} of {len(rows)} inputs (first: #{too_long[0]}, longest {longest} tokens) do not fit "
            f"the context of {model_dir} ({limit - 1} tokens); shorten them or filter them before this stage"
        )


class HFBackend:
    """Generation, embedding and scoring with one transformers model.

    Args:
        model_dir: a local Hugging Face directory.
        device: "cpu", "cuda" or "auto".
        batch_size: prompts per forward batch (each carries ``n`` samples when sampling).
    """

    def __init__(
        self, model_dir: str | Path, device: str | None = None, batch_size: int = 32, trust_remote_code: bool = False
    ):
        self.model_dir = Path(model_dir)
        self.tokenizer = load_tokenizer(model_dir)
        self.model = load_causal_lm(model_dir, device, trust_remote_code)
        self.device = self.model.device
        self.batch_size = batch_size
        from alma.model_sources import model_max_length

        self.max_length = model_max_length(model_dir)
        self.clamped_prompts = 0
        """Prompts whose samples were cut short because prompt + max_new_tokens exceeded the context."""

    # -- prompts -------------------------------------------------------------------------
    def chat_texts(self, user_messages: Sequence[str]) -> list[str]:
        """Render single-turn user messages with the model's chat template (generation prompt on)."""
        return chat_texts(self.tokenizer, user_messages)

    def conversation_texts(self, conversations: Sequence[Sequence[dict[str, str]]]) -> list[str]:
        """Render multi-turn conversations (ending with a user turn) with the model's chat template."""
        return conversation_texts(self.tokenizer, conversations)

    def _encode(self, texts: Sequence[str]) -> list[list[int]]:
        return encode_texts(self.tokenizer, texts)

    def _pad(self, rows: Sequence[Sequence[int]]):
        import torch

        width = max(len(r) for r in rows)
        pad = self.tokenizer.pad_token_id
        ids = torch.full((len(rows), width), pad, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, row in enumerate(rows):  # left padding: decoder-only models continue from the right edge
            ids[i, width - len(row) :] = torch.tensor(row)
            mask[i, width - len(row) :] = 1
        return ids.to(self.device), mask.to(self.device)

    @staticmethod
    def _positions(mask):
        # A plain forward does not derive positions from the mask (generate does): without this a
        # left-padded row would be scored at shifted positions and differ from the unpadded one.
        return (mask.cumsum(-1) - 1).clamp(min=0)

    # -- generation ----------------------------------------------------------------------
    def generate(self, texts: Sequence[str], params: SamplingParams, stop: Sequence[str] = ()) -> list[list[str]]:
        """Sample ``params.n`` continuations of each rendered text.

        Returns:
            one list of ``n`` decoded continuations per input text, in input order.
        """
        import torch

        encoded = self._encode(texts)
        check_context(encoded, self.max_length, self.model_dir)
        results: list[list[str]] = [[] for _ in texts]
        for b, batch in enumerate(length_sorted_batches([len(e) for e in encoded], self.batch_size)):
            ids, mask = self._pad([encoded[i] for i in batch])
            torch.manual_seed(params.seed + b)
            # The context bounds prompt + answer: a long prompt leaves its batch fewer new tokens (counted).
            max_new = min(params.max_new_tokens, self.max_length - ids.shape[1])
            if max_new < params.max_new_tokens:
                clamped = sum(len(encoded[i]) + params.max_new_tokens > self.max_length for i in batch)
                self.clamped_prompts += clamped
                log.warning("%d prompts of batch %d leave room for %d of %d new tokens in the %d-token context",
                            clamped, b, max_new, params.max_new_tokens, self.max_length)  # fmt: skip
            kwargs = dict(
                max_new_tokens=max_new,
                num_return_sequences=params.n,
                pad_token_id=self.tokenizer.pad_token_id,
                # Every end token the model declares: a chat turn ends with <|end|>, but a base model
                # ends a document with its own end-of-text token; stopping only at the tokenizer's
                # eos let it run past the document into a new one.
                eos_token_id=self.model.generation_config.eos_token_id or self.tokenizer.eos_token_id,
            )
            if params.greedy:
                kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
            else:
                kwargs.update(do_sample=True, temperature=params.temperature, top_p=params.top_p, top_k=0)
            if stop:
                kwargs.update(stop_strings=list(stop), tokenizer=self.tokenizer)
            with torch.inference_mode():
                out = self.model.generate(input_ids=ids, attention_mask=mask, **kwargs)
            decoded = self.tokenizer.batch_decode(out[:, ids.shape[1] :], skip_special_tokens=True)
            for j, index in enumerate(batch):
                results[index] = decoded[j * params.n : (j + 1) * params.n]
        return results

    # -- representations -----------------------------------------------------------------
    def embed(self, texts: Sequence[str], layer: int = -1, pooling: str = "mean") -> np.ndarray:
        """Hidden-state embeddings of raw texts, shape (len(texts), hidden_size), float32.

        ``pooling="mean"`` averages the chosen layer over real (non-pad) tokens; ``"last"`` takes
        the final token's state.
        """
        import torch

        encoded = self._encode(texts)
        check_context(encoded, self.max_length + 1, self.model_dir)
        out = np.zeros((len(texts), self.model.config.hidden_size), dtype=np.float32)
        for batch in length_sorted_batches([len(e) for e in encoded], self.batch_size):
            ids, mask = self._pad([encoded[i] for i in batch])
            with torch.inference_mode():
                hidden = self.model(
                    input_ids=ids, attention_mask=mask, position_ids=self._positions(mask), output_hidden_states=True
                ).hidden_states[layer]
            hidden = hidden.float()
            if pooling == "mean":
                weights = mask.unsqueeze(-1).float()
                pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)
            elif pooling == "last":
                pooled = hidden[:, -1]  # left padding puts every sequence's last token at the right edge
            else:
                raise ValueError(f"unknown pooling {pooling!r}; use mean or last")
            out[batch] = pooled.cpu().numpy()
        return out

    def next_token_logprobs(self, token_rows: Sequence[Sequence[int]]) -> np.ndarray:
        """Log-probabilities of the next token after each row of token ids, shape (rows, vocab)."""
        import torch

        check_context(token_rows, self.max_length + 1, self.model_dir)
        out = np.zeros((len(token_rows), self.model.config.vocab_size), dtype=np.float32)
        for batch in length_sorted_batches([len(r) for r in token_rows], self.batch_size):
            ids, mask = self._pad([token_rows[i] for i in batch])
            with torch.inference_mode():
                # only the last position's logits (left padding puts each row's last token at the
                # edge): at a 128k vocabulary the logits of every position take gigabytes per batch
                logits = self.model(
                    input_ids=ids, attention_mask=mask, position_ids=self._positions(mask), logits_to_keep=1
                ).logits
            logits = logits[:, -1, :].float()
            out[batch] = torch.log_softmax(logits, dim=-1).cpu().numpy()
        return out
