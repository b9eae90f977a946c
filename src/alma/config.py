"""Typed views of the validated run configuration.

Snakemake validates ``config/*.yaml`` against ``workflow/schemas/config.schema.yaml`` when the
workflow is parsed; rules then hand each job only the section it needs, as JSON, and the job
turns it into one of the dataclasses below. Passing sections (not the whole file) keeps
Snakemake's parameter-change detection precise: editing the judge's learning rate reruns the
judge, not the prompt synthesis.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any, TypeVar

import yaml

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class SamplingParams:
    temperature: float = 1.0
    """Softmax temperature; 0 means greedy decoding."""
    top_p: float = 1.0
    """Nucleus sampling mass (ignored when greedy)."""
    max_new_tokens: int = 64
    """Upper bound on generated tokens per sample."""
    n: int = 1
    """Samples per prompt; they share one prefill (``num_return_sequences`` / vLLM ``n``)."""
    seed: int = 0
    """Seed of the sampling RNG; batch ``b`` of a job uses ``seed + b``."""

    @property
    def greedy(self) -> bool:
        return self.temperature <= 0.0


@dataclasses.dataclass(frozen=True)
class TrainParams:
    epochs: float = 3.0
    """Passes over the training set."""
    learning_rate: float = 1e-3
    """Peak learning rate (linear warmup, then cosine decay)."""
    batch_size: int = 16
    """Sequences per optimizer step (per device times gradient accumulation)."""
    max_length: int = 256
    """Truncation length in tokens."""
    warmup_ratio: float = 0.05
    """Share of steps spent warming up."""
    beta: float = 0.1
    """DPO temperature (DPO only)."""
    pairing: str = "best_vs_random"
    """DPO pair construction: best_vs_random (paper) | best_vs_worst | random_pair."""
    save_steps: int = 50
    """Checkpoint interval; a restarted job resumes from the last checkpoint."""


def from_dict(cls: type[T], data: dict[str, Any] | None) -> T:
    """Build a dataclass from a config section, rejecting unknown keys with a clear message."""
    data = dict(data or {})
    known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown key(s) {unknown} for {cls.__name__}; allowed: {sorted(known)}")
    return cls(**data)  # type: ignore[call-arg]


def parse_params(text: str | None) -> dict[str, Any]:
    """Parse the ``--params`` JSON a rule passes to a job."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"--params is not valid JSON: {exc.msg}") from None
    if not isinstance(value, dict):
        raise ValueError("--params must be a JSON object")
    return value


def config_hash(section: Any) -> str:
    """Stable hash of a config section (sorted keys), recorded in model manifests."""
    return hashlib.sha256(json.dumps(section, sort_keys=True).encode()).hexdigest()[:16]


def load_yaml(path: str | Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def derive_seed(master: int, *parts: object) -> int:
    """A per-stage seed from the master seed and a stage label, stable across runs and machines."""
    digest = hashlib.sha256(json.dumps([master, *map(str, parts)]).encode()).digest()
    return int.from_bytes(digest[:4], "little")
