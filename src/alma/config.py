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
from collections.abc import Mapping, Sequence
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
    """Sequences per optimizer step, over all devices (micro_batch_size x devices x gradient accumulation)."""
    micro_batch_size: int | None = None
    """Sequences per device per forward pass; None: batch_size (one forward per step, one process)."""
    activation_checkpointing: bool = False
    """Recompute activations in the backward pass: less memory, about a fifth more compute."""
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


DEFAULT_CONFIG = "config/config.yaml"
"""The workflow's own config (the mini world), relative to the repository root."""
COMPLETE_KEY = "world"
"""The top-level key that makes a config file a whole run (config/paper.yaml), not an overlay (config/ablations/)."""


def needs_default_config(configs: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether the workflow's default config must lie under the command-line config files.

    A whole run config (one that sets ``world:``) is used alone: layered over the mini world it would
    inherit mini-only keys it does not set. Overlays (config/ablations/) lie over whatever whole config
    comes first, the default one when none is given.

    Args:
        configs: the ``--configfile`` files in command-line order, name -> parsed content.

    Raises:
        ValueError: a whole run config that is not the first file (everything before it would be
            silently half-replaced).
    """
    names = list(configs)
    complete = [name for name, config in configs.items() if COMPLETE_KEY in config]
    for name in complete:
        if name != names[0]:
            raise ValueError(
                f"{name} sets `{COMPLETE_KEY}:`, so it is a whole run config, not an overlay: pass one whole config, "
                f"first, and overlays after it (e.g. --configfile config/paper.yaml config/ablations/dpo.yaml)"
            )
    return not complete


def layers_over_default(paths: Sequence[str | Path]) -> bool:
    """:func:`needs_default_config` of the ``--configfile`` paths (Snakemake's ``workflow.overwrite_configfiles``)."""
    return needs_default_config({str(path): load_yaml(path) for path in paths})


def config_files(paths: Sequence[str | Path], default: str | Path = DEFAULT_CONFIG) -> list[Path]:
    """The files a run merges, in order: the default config first unless the first path is a whole run."""
    files = [Path(path) for path in paths]
    return [Path(default), *files] if layers_over_default(files) else files


def merge_configs(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Snakemake's --configfile semantics: nested mappings merge, every other value is replaced."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping):
            below = merged.get(key)
            value = merge_configs(below if isinstance(below, Mapping) else {}, value)
        merged[key] = value
    return merged


def resolve_config(paths: Sequence[str | Path], default: str | Path = DEFAULT_CONFIG) -> dict[str, Any]:
    """The config a ``snakemake --configfile <paths>`` run sees, before schema defaults are filled in."""
    config: dict[str, Any] = {}
    for path in config_files(paths, default):
        config = merge_configs(config, load_yaml(path))
    return config


def derive_seed(master: int, *parts: object) -> int:
    """A per-stage seed from the master seed and a stage label, stable across runs and machines."""
    digest = hashlib.sha256(json.dumps([master, *map(str, parts)]).encode()).digest()
    return int.from_bytes(digest[:4], "little")


PER_RUN_KEYS: dict[str, frozenset[str] | None] = {
    "run": None,
    "shared_run": None,
    "ablations": None,
    "rounds": frozenset(
        {
            "feedback_rounds",
            "prompts_per_round",
            "responses_per_prompt",
            "sources",
            "ratio",
            "shards",
            "init",
            "objective",
        }
    ),
    "diversify": frozenset({"method"}),
    "judge": frozenset({"variant"}),
    "train": frozenset({"dpo"}),
    "evaluation": frozenset({"alpacaeval", "lmeval"}),
}
"""Config keys that act only on a run's own feedback rounds, evaluations of round models and tables
(``None``: the whole section). An ablation run that shares another run's upstream may change these
and nothing else; everything else was used to build the shared base, seed sets, initial SFT models,
judge, prompt pool and evaluators."""


def per_run_key_names() -> list[str]:
    """PER_RUN_KEYS as dotted names (``rounds.objective``), for messages and docs."""
    names: list[str] = []
    for section, keys in PER_RUN_KEYS.items():
        names.extend([section] if keys is None else [f"{section}.{key}" for key in sorted(keys)])
    return names


def upstream_view(config: dict[str, Any]) -> dict[str, Any]:
    """The part of a run config that its upstream (everything before the feedback rounds) depends on."""
    view: dict[str, Any] = {}
    for key, value in config.items():
        per_run = PER_RUN_KEYS.get(key, frozenset())
        if per_run is None:
            continue
        if isinstance(value, dict):
            value = {k: v for k, v in value.items() if k not in per_run}
        view[key] = value
    return json.loads(json.dumps(view, sort_keys=True))


def config_differences(a: Any, b: Any, prefix: str = "") -> list[str]:
    """Dotted keys whose values differ between two JSON-like configs (sorted)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for key in sorted(set(a) | set(b)):
            name = f"{prefix}.{key}" if prefix else str(key)
            if key not in a or key not in b:
                out.append(name)
            else:
                out.extend(config_differences(a[key], b[key], name))
        return out
    return [] if a == b else [prefix or "<root>"]


def check_shared_upstream(config: dict[str, Any], record: Path) -> None:
    """Refuse an ablation run whose config disagrees with the upstream it would reuse.

    Args:
        config: the ablation run's merged config (``shared_run`` set to another run).
        record: ``results/<shared_run>/upstream.json``, written by the shared run.

    Raises:
        ValueError: the record is missing (the shared run was not built) or differs; the message
            names the record, the run and every differing key.
    """
    shared = config["shared_run"]
    if not record.is_file():
        raise ValueError(
            f"run {config['run']!r} reuses the upstream of run {shared!r} (shared_run), but {record} does not "
            f"exist: build that run first (e.g. `snakemake --workflow-profile profiles/local` for the default)"
        )
    try:
        recorded = json.loads(record.read_text(encoding="utf-8"))["config"]
    except (json.JSONDecodeError, KeyError, UnicodeDecodeError) as exc:
        raise ValueError(f"{record}: not an upstream record ({exc}); rebuild run {shared!r}") from None
    differing = config_differences(recorded, upstream_view(config))
    if differing:
        raise ValueError(
            f"run {config['run']!r} changes keys that run {shared!r} built its upstream with ({', '.join(differing)}; "
            f"record {record}); an ablation may change only {', '.join(per_run_key_names())}; "
            f"leave shared_run unset to rebuild everything"
        )
