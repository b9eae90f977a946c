"""Generation and judge scoring with vLLM (GPU): the backend the paper-scale rounds run on.

Same interface as :class:`alma.backends.hf.HFBackend` for what the rounds need (``chat_texts``,
``conversation_texts``, ``generate``, ``next_token_logprobs``); prompt embeddings stay on transformers, which exposes
hidden states. Differences that matter, and what we do about them:

- Seeds: every prompt gets its own ``SamplingParams(seed=params.seed + i)``, so a prompt's samples
  do not depend on which other prompts share its batch (vLLM schedules batches itself).
- Logprobs: vLLM returns at most ``max_logprobs`` (default 20) per position, never the whole
  vocabulary. :func:`logprob_row` fills the tokens it did not return with ``-inf``; after "[[" a
  judge puts nearly all its mass on the eleven score tokens, so a score token outside the top 20
  has probability below the 20th token's and is counted as 0. A row where none of the score tokens
  is in the top ``max_logprobs`` gets no score (``None``), never a guess. Raise ``max_logprobs``
  (engine and request) if a judge spreads its mass wider.
- Tokens, not strings: prompts are passed as token ids from :func:`alma.backends.hf.encode_texts`
  (BOS only where the text lacks it), the encoder of the transformers backend too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from alma.backends.hf import chat_texts, conversation_texts, encode_texts
from alma.config import SamplingParams

DEFAULT_MAX_LOGPROBS = 20
"""vLLM's default cap on logprobs per position."""


def logprob_row(top: Mapping[int, float], vocab_size: int) -> np.ndarray:
    """A full (vocab,) log-probability row from the top-k logprobs vLLM returned; the rest is ``-inf``."""
    row = np.full(vocab_size, -np.inf, dtype=np.float32)
    for token_id, logprob in top.items():
        if 0 <= token_id < vocab_size:
            row[token_id] = logprob
    return row


def vllm_available() -> bool:
    """True when vLLM imports and a CUDA device is visible."""
    try:
        import torch
        import vllm  # noqa: F401
    except ImportError:
        return False
    return torch.cuda.is_available()


class VLLMBackend:
    """One vLLM engine over a local model directory.

    Args:
        model_dir: a local Hugging Face directory (safetensors).
        batch_size: unused by vLLM (it batches itself); kept for interface parity.
        trust_remote_code: passed to vLLM; off unless the config allows it for a named model.
        max_logprobs: logprobs returned per position (the engine's cap is set to the same value).
        tensor_parallel_size: GPUs per engine; default all visible GPUs.
        gpu_memory_utilization: share of GPU memory vLLM may take.
    """

    def __init__(
        self,
        model_dir: str | Path,
        batch_size: int = 0,
        trust_remote_code: bool = False,
        max_logprobs: int = DEFAULT_MAX_LOGPROBS,
        tensor_parallel_size: int | None = None,
        gpu_memory_utilization: float = 0.9,
    ):
        import torch
        from vllm import LLM

        self.model_dir = Path(model_dir)
        self.max_logprobs = max_logprobs
        self.llm = LLM(
            model=str(self.model_dir), tokenizer=str(self.model_dir), dtype="bfloat16", seed=0,
            trust_remote_code=trust_remote_code, max_logprobs=max_logprobs, enable_prefix_caching=True,
            tensor_parallel_size=tensor_parallel_size or max(1, torch.cuda.device_count()),
            gpu_memory_utilization=gpu_memory_utilization,
        )  # fmt: skip
        self.tokenizer = self.llm.get_tokenizer()
        self.vocab_size = len(self.tokenizer)

    def chat_texts(self, user_messages: Sequence[str]) -> list[str]:
        """Render single-turn user messages with the model's chat template (generation prompt on)."""
        return chat_texts(self.tokenizer, user_messages)

    def conversation_texts(self, conversations: Sequence[Sequence[dict[str, str]]]) -> list[str]:
        """Render multi-turn conversations (ending with a user turn) with the model's chat template."""
        return conversation_texts(self.tokenizer, conversations)

    def _encode(self, texts: Sequence[str]) -> list[list[int]]:
        return encode_texts(self.tokenizer, texts)

    def generate(self, texts: Sequence[str], params: SamplingParams, stop: Sequence[str] = ()) -> list[list[str]]:
        """``params.n`` continuations per text, in input order (stop strings are not included)."""
        from vllm import SamplingParams as VLLMSampling
        from vllm.inputs import TokensPrompt

        common = {"n": params.n, "max_tokens": params.max_new_tokens, "stop": list(stop) or None,
                  "skip_special_tokens": True}  # fmt: skip
        if params.greedy:
            common.update(temperature=0.0, top_p=1.0)
        else:
            common.update(temperature=params.temperature, top_p=params.top_p, top_k=-1)
        per_prompt = [VLLMSampling(seed=params.seed + i, **common) for i in range(len(texts))]
        prompts = [TokensPrompt(prompt_token_ids=ids) for ids in self._encode(texts)]
        outputs = self.llm.generate(prompts, per_prompt, use_tqdm=False)
        return [[c.text for c in out.outputs] for out in outputs]

    def next_token_logprobs(self, token_rows: Sequence[Sequence[int]]) -> np.ndarray:
        """(rows, vocab) next-token log-probs: the top ``max_logprobs`` of each row, ``-inf`` elsewhere."""
        from vllm import SamplingParams as VLLMSampling
        from vllm.inputs import TokensPrompt

        request = VLLMSampling(max_tokens=1, temperature=0.0, logprobs=self.max_logprobs)
        outputs = self.llm.generate(
            [TokensPrompt(prompt_token_ids=list(r)) for r in token_rows], request, use_tqdm=False
        )
        rows = np.empty((len(token_rows), self.vocab_size), dtype=np.float32)
        for i, out in enumerate(outputs):
            top = out.outputs[0].logprobs[0]
            rows[i] = logprob_row({t: lp.logprob for t, lp in top.items()}, self.vocab_size)
        return rows
