"""Shared fixtures: paths from the repo root and a random-init tiny model built in the fixture."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A random-init tiny Llama (h64, 2 layers) with the mini world's tokenizer recipe; < 1 s, no download."""
    from alma.mini.pretrain import random_tiny_model

    out = tmp_path_factory.mktemp("tiny-model")
    random_tiny_model(out, seed=0)
    return out


@pytest.fixture(scope="session")
def tiny_manifest(tiny_model_dir, tmp_path_factory) -> Path:
    """A manifest pointing at the tiny model, as the workflow's rules pass models around."""
    from alma.models import write_manifest

    path = tmp_path_factory.mktemp("tiny-manifest") / "manifest.json"
    write_manifest(path, tiny_model_dir, base="random-init")
    return path
