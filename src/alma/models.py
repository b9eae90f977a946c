"""Model directories and their manifests.

Every model the workflow produces or consumes is a Hugging Face directory (safetensors only) with
a ``manifest.json`` written last. The manifest is the declared Snakemake output, so a failed job
never deletes the in-training checkpoints kept beside it, and a model is only "done" once its
manifest exists. The manifest's ``path`` says where the weights are, which lets a base model live
in ``resources/`` (mini world) or in a hub snapshot (paper scale) behind the same interface.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from alma import __version__
from alma.records import read_json, sha256_file, write_json

WEIGHT_SUFFIXES = (".safetensors",)
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "chat_template.jinja", "config.json")


def code_version() -> str:
    """Package version plus the git commit when run from a checkout (provenance only)."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            cwd=Path(__file__).parent,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        sha = ""
    return f"{__version__}+{sha}" if sha else __version__


def model_files(model_dir: str | Path) -> dict[str, str]:
    """sha256 of every weight, tokenizer and modelling-code file of a model directory.

    Modelling code (``*.py``, loaded with ``trust_remote_code`` as ArmoRM's is) is part of the model.
    """
    model_dir = Path(model_dir)
    names = sorted(p.name for p in model_dir.iterdir() if p.is_file())
    keep = [n for n in names if n.endswith((*WEIGHT_SUFFIXES, ".py")) or n in TOKENIZER_FILES]
    return {name: sha256_file(model_dir / name) for name in keep}


def write_manifest(
    manifest_path: str | Path,
    model_dir: str | Path,
    base: str,
    data: list[str | Path] | None = None,
    config: dict[str, Any] | None = None,
    metrics: dict[str, Any] | None = None,
    hash_files: bool = True,
) -> dict[str, Any]:
    """Write a model manifest (atomically, last) and return it.

    Args:
        manifest_path: the declared output.
        model_dir: where the weights are; stored relative to the manifest's directory when inside it.
        base: name or manifest path of the model this one starts from.
        data: training inputs whose sha256 goes into the manifest.
        config: the config section that produced the model (hashed, and stored verbatim).
        metrics: training metrics (loss, steps, wall time).
        hash_files: hash the weights (off for hub snapshots too big to hash on every run).
    """
    from alma.config import config_hash

    manifest_path, model_dir = Path(manifest_path), Path(model_dir)
    try:
        stored = os.path.relpath(model_dir, manifest_path.parent)
    except ValueError:
        stored = str(model_dir)
    manifest = {
        "path": stored,
        "base": str(base),
        "data": {str(p): sha256_file(p) for p in (data or [])},
        "config": config or {},
        "config_hash": config_hash(config or {}),
        "code_version": code_version(),
        "metrics": metrics or {},
        "files": model_files(model_dir) if hash_files else {},
    }
    write_json(manifest_path, manifest)
    return manifest


def resolve_model(manifest_path: str | Path) -> Path:
    """The weights directory a manifest points to."""
    manifest_path = Path(manifest_path)
    manifest = read_json(manifest_path)
    path = Path(manifest["path"])
    return path if path.is_absolute() else (manifest_path.parent / path).resolve()
