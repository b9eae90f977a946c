"""Model backends: transformers (CPU and GPU, every stage) and vLLM (GPU generation and judge scoring).

:func:`open_backend` picks one per job. ``ALMA_BACKEND`` (``auto``, ``hf`` or ``vllm``; set it in a
profile's environment) decides; ``auto`` takes vLLM when it imports and a GPU is visible, else
transformers. Embeddings always use transformers: they need hidden states, which vLLM's generation
engine does not expose.
"""

from __future__ import annotations

import os
from pathlib import Path

BACKENDS = ("auto", "hf", "vllm")


def backend_kind(requested: str | None = None) -> str:
    """The backend a job uses: ``hf`` or ``vllm``."""
    kind = (requested or os.environ.get("ALMA_BACKEND") or "auto").lower()
    if kind not in BACKENDS:
        raise ValueError(f"ALMA_BACKEND={kind!r}: use one of {', '.join(BACKENDS)}")
    if kind == "auto":
        from alma.backends.vllm import vllm_available

        return "vllm" if vllm_available() else "hf"
    return kind


def open_backend(
    model_dir: str | Path, batch_size: int = 32, trust_remote_code: bool = False, kind: str | None = None
):
    """A generation/scoring backend over ``model_dir`` (see the module docstring for the choice)."""
    if backend_kind(kind) == "vllm":
        from alma.backends.vllm import VLLMBackend

        return VLLMBackend(model_dir, batch_size=batch_size, trust_remote_code=trust_remote_code)
    from alma.backends.hf import HFBackend

    return HFBackend(model_dir, batch_size=batch_size, trust_remote_code=trust_remote_code)
