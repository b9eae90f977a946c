"""lm-eval's own registered tasks (``gsm8k``, ``ifeval``, ``mmlu_*`` ...) on data read from a local hub mirror.

A registered task downloads its data set from the hub (``dataset_path: openai/gsm8k``). With a mirror (a directory
laid out as ``<repo>/<file as named in the hub repo>``, see :mod:`alma.hub_mirror`) each requested task gets an
override YAML that includes the registered task YAML (``include:``) and replaces only where the data comes from:
``dataset_path`` (the ``json`` or ``parquet`` builder), ``dataset_name`` and ``dataset_kwargs`` (``data_files``, one
per split the task uses). Prompts, few-shot settings, filters and metrics stay lm-eval's own. The override keeps
the task's name, so results are reported under it; lm-eval lets a task found on an ``include_path`` replace the
built-in one of the same name.

A split's file is found the way the hub lays a data set out: ``<repo>/<config>/<split>-*`` (``cais/mmlu``,
``openai/gsm8k``), ``<repo>/[data/]<split>-*`` or ``<split>.*`` without a config, and a repo whose only data file
names no split (``google/IFEval``'s ``ifeval_input_data.jsonl``) holds ``train``. Override YAMLs hold absolute
paths of this machine (lm-eval resolves ``data_files`` against the working directory), so they are written into a
work directory at run time, never committed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alma.records import atomic_path
from alma.sources import check_mirror_hash

SPLIT_KEYS = ("test_split", "validation_split", "training_split", "fewshot_split")
"""Task config keys that name a split of the task's data set; the mirror must hold every one a task sets."""

_BUILDERS = {".jsonl": "json", ".json": "json", ".jsonl.gz": "json", ".json.gz": "json", ".parquet": "parquet"}
"""The ``datasets`` builder that reads each mirror file type."""

_SPLIT_PATTERNS = ("{split}-*", "{split}.*", "data/{split}-*", "data/{split}.*")
_NAMES_A_SPLIT = re.compile(r"^(train|test|validation|valid|dev|eval)([-._]|$)")


@dataclass(frozen=True)
class MirroredTask:
    """A registered lm-eval task and the mirror files that replace its hub data set."""

    name: str
    registered_yaml: Path
    """The task's own YAML in lm-eval's task directory (included by the override)."""
    builder: str
    data_files: dict[str, Path]
    """Split -> absolute path of the mirror file."""

    def override(self) -> dict[str, Any]:
        """The override task config: lm-eval's own task, its data from the mirror."""
        return {
            "include": str(self.registered_yaml),
            "task": self.name,
            # The index keeps the built-in tag lists (members resolve to this override by name) when a group runs.
            "tag": None,
            "dataset_path": self.builder,
            "dataset_name": None,
            "dataset_kwargs": {"data_files": {split: str(path) for split, path in sorted(self.data_files.items())}},
        }


def _builder(path: Path) -> str | None:
    """The builder of a readable mirror file, None for anything else (README.md, .gitattributes)."""
    return next((b for suffix, b in _BUILDERS.items() if path.name.endswith(suffix)), None)


def split_file(mirror: Path, repo: str, config: str | None, split: str) -> Path | None:
    """The mirror's file holding one split of a hub data set (and config), None when it holds none.

    Raises:
        ValueError: several files match the split.
    """
    folder = mirror / repo / config if config else mirror / repo
    if not folder.is_dir():
        return None
    for pattern in _SPLIT_PATTERNS:
        found = sorted(p for p in folder.glob(pattern.format(split=split)) if p.is_file() and _builder(p))
        if len(found) > 1:
            raise ValueError(f"{folder}: several files hold split {split!r} ({', '.join(p.name for p in found)})")
        if found:
            return found[0]
    # The hub puts a repo's data files into `train` when none of their names says which split it is.
    files = [p for p in folder.iterdir() if p.is_file() and _builder(p)]
    if split == "train" and not config and len(files) == 1 and not _NAMES_A_SPLIT.match(files[0].name):
        return files[0]
    return None


def task_splits(config: Mapping[str, Any]) -> list[str]:
    """The splits a task config reads (test, validation, training and few-shot), each once, sorted."""
    return sorted({str(config[key]) for key in SPLIT_KEYS if config.get(key)})


def leaf_tasks(index: Mapping[str, Any], name: str) -> list[str]:
    """The tasks a registered name stands for: itself for a task, every task under a group or tag, sorted."""
    entry = index[name]
    kind = entry.kind.name
    if kind in ("TASK", "PY_TASK"):
        return [name]
    children = (entry.cfg or {}).get("task", []) if kind == "GROUP" else sorted(entry.tags)
    children = [children] if isinstance(children, str) else children
    leaves = {leaf for child in children if isinstance(child, str) and child in index
              for leaf in leaf_tasks(index, child)}  # fmt: skip
    return sorted(leaves)


def mirror_task(index: Mapping[str, Any], name: str, mirror: Path) -> MirroredTask:
    """Resolve one registered lm-eval task against the mirror.

    Args:
        index: lm-eval's task index (``TaskManager().task_index``).
        name: a registered task (not a group: see :func:`mirror_tasks`).
        mirror: the mirror directory (absolute).

    Raises:
        ValueError: the task is not registered, is Python-defined, reads no hub data set, or the mirror lacks
            (some of) its data; the message names the task and the mirror.
    """
    entry = index.get(name)
    if entry is None:
        raise ValueError(f"lm-eval task {name!r} is not registered in lm-eval (hub mirror {mirror})")
    config = entry.cfg or {}
    if entry.kind.name in ("GROUP", "TAG"):
        raise ValueError(f"lm-eval name {name!r} is a group of tasks, not one task (hub mirror {mirror})")
    if entry.kind.name != "TASK" or entry.yaml_path is None:
        raise ValueError(f"lm-eval task {name!r} is defined in Python; hub mirror {mirror} cannot supply its data")
    repo, subset = config.get("dataset_path"), config.get("dataset_name")
    if not repo or "/" not in str(repo):
        raise ValueError(f"lm-eval task {name!r} reads no hub data set (dataset_path {repo!r}); "
                         f"hub mirror {mirror} cannot supply its data")  # fmt: skip
    where = f"{repo}" + (f" (config {subset!r})" if subset else "")
    if not task_splits(config):
        raise ValueError(f"lm-eval task {name!r} names no split of {repo} (hub mirror {mirror})")
    found = {split: split_file(mirror, str(repo), subset, split) for split in task_splits(config)}
    files = {split: path for split, path in found.items() if path is not None}
    missing = sorted(set(found) - set(files))
    if missing:
        folder = mirror / str(repo) / (subset or "")
        raise ValueError(f"lm-eval task {name!r} reads {where}, split(s) {', '.join(missing)}, which hub mirror "
                         f"{mirror} does not hold (looked under {folder})")  # fmt: skip
    builders = {_builder(path) for path in files.values()}
    if len(builders) != 1:
        raise ValueError(f"lm-eval task {name!r}: hub mirror {mirror} holds {where} in mixed formats")
    for path in files.values():
        check_mirror_hash(mirror, path)
    return MirroredTask(name, Path(entry.yaml_path).resolve(), str(builders.pop()), files)


def mirror_tasks(index: Mapping[str, Any], names: Sequence[str], mirror: Path) -> list[MirroredTask]:
    """Resolve requested names (tasks, or groups whose every task the mirror holds) against the mirror.

    Raises:
        ValueError: an unknown name, a task the mirror lacks, or a group of which it holds only some tasks
            (the message lists those it holds, to name instead).
    """
    resolved: dict[str, MirroredTask] = {}
    for name in names:
        if name not in index:
            raise ValueError(f"lm-eval task {name!r} is not registered in lm-eval (hub mirror {mirror})")
        leaves = leaf_tasks(index, name)
        if leaves == [name]:
            resolved[name] = mirror_task(index, name, mirror)
            continue
        held, lacking = {}, []
        for leaf in leaves:
            try:
                held[leaf] = mirror_task(index, leaf, mirror)
            except ValueError:
                lacking.append(leaf)
        if lacking:
            raise ValueError(f"lm-eval group {name!r} has {len(leaves)} tasks and hub mirror {mirror} holds "
                             f"{len(held)}; name the tasks it holds instead of the group: "
                             f"{', '.join(held) or '(none)'}")  # fmt: skip
        resolved.update(held)
    return list(resolved.values())


def write_overrides(tasks: Sequence[MirroredTask], task_dir: Path) -> Path:
    """Write one override YAML per task into ``task_dir`` (created); pass it to lm-eval as ``include_path``."""
    import yaml

    task_dir.mkdir(parents=True, exist_ok=True)
    for task in tasks:
        with atomic_path(task_dir / f"{task.name}.yaml") as handle:
            yaml.safe_dump(task.override(), handle, sort_keys=False, allow_unicode=True)
    return task_dir
