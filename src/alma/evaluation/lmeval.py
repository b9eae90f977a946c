"""Knowledge and skill checks through lm-eval (EleutherAI lm-evaluation-harness) and its Python API.

Registered lm-eval tasks (``mmlu``, ``gsm8k`` ...) download their data from the hub and run on a
cluster, or, given a local hub mirror, read the same data sets from it (:mod:`alma.evaluation.lmeval_mirror`,
the small config's path); the mini world and CI use local tasks instead: :func:`write_local_tasks` writes one JSON
Lines data file and one YAML per task into a directory passed to lm-eval as ``include_path``. The
YAML's ``data_files`` are written as ABSOLUTE paths, because lm-eval resolves them against the
working directory, not the YAML (a relative path breaks as soon as a job runs elsewhere).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from alma.records import atomic_path, write_jsonl

log = logging.getLogger(__name__)


def _task_yaml(name: str, data_file: Path, docs: Sequence[Mapping[str, Any]], max_gen_toks: int) -> dict[str, Any]:
    """The lm-eval task config of one local task; multiple choice if its docs have ``choices``, else generation."""
    base = {"task": name, "dataset_path": "json", "dataset_kwargs": {"data_files": {"test": str(data_file)}},
            "test_split": "test", "metadata": {"version": 1.0}}  # fmt: skip
    if all({"question", "choices", "label"} <= set(d) for d in docs):
        return {**base, "output_type": "multiple_choice", "doc_to_text": "Question: {{question}}\nAnswer:",
                "doc_to_choice": "{{choices}}", "doc_to_target": "{{label}}",
                "metric_list": [{"metric": m, "aggregation": "mean", "higher_is_better": True}
                                for m in ("acc", "acc_norm")]}  # fmt: skip
    if all({"question", "answer"} <= set(d) for d in docs):
        return {**base, "output_type": "generate_until", "doc_to_text": "{{question}}", "doc_to_target": "{{answer}}",
                # lm-eval adds the tokenizer's end-of-turn token to `until` itself; a newline ends a short answer.
                "generation_kwargs": {"until": ["\n"], "max_gen_toks": max_gen_toks, "do_sample": False},
                "metric_list": [{"metric": "exact_match", "aggregation": "mean", "higher_is_better": True,
                                 "ignore_case": True, "ignore_punctuation": True}]}  # fmt: skip
    raise ValueError(f"task {name!r}: every doc needs question/choices/label (multiple choice) "
                     "or question/answer (generation)")  # fmt: skip


def write_local_tasks(
    task_dir: str | Path, tasks: Mapping[str, Sequence[Mapping[str, Any]]], max_gen_toks: int = 32
) -> Path:
    """Write local lm-eval tasks (data + YAML) with absolute data paths.

    Args:
        task_dir: directory to write into (created); pass it to :func:`run_lmeval` as ``include_path``.
        tasks: task name -> docs. Multiple choice docs: ``{"question", "choices": [...], "label": int}``
            (metrics acc, acc_norm); generation docs: ``{"question", "answer"}`` (metric exact_match).
        max_gen_toks: generation limit of generation tasks.

    Returns:
        The absolute task directory.
    """
    import yaml

    task_dir = Path(task_dir).resolve()
    task_dir.mkdir(parents=True, exist_ok=True)
    for name, docs in tasks.items():
        if not docs:
            raise ValueError(f"task {name!r} has no docs")
        data_file = task_dir / f"{name}.jsonl"
        config = _task_yaml(name, data_file, docs, max_gen_toks)
        write_jsonl(data_file, [dict(d) for d in docs])
        with atomic_path(task_dir / f"{name}.yaml") as handle:
            yaml.safe_dump(config, handle, sort_keys=False, allow_unicode=True)
    return task_dir


def _task_manager(tasks: Sequence[str], include: Path | None, mirror: Path | None, work: Path) -> Any:
    """lm-eval's TaskManager for a run: local tasks under ``include``, registered ones from the hub or the mirror.

    With a mirror, every registered task gets an override YAML in ``work`` (data from the mirror); the built-in
    index is then only needed again when a group runs (its group and tag configs are built-in).
    """
    from lm_eval.tasks import TaskManager

    local = {t for t in tasks if include is not None and (include / f"{t}.yaml").exists()}
    paths = [include] if include is not None else []
    registered = [t for t in tasks if t not in local]
    # Indexing lm-eval's thousands of built-in tasks takes seconds; skip it when no task needs the built-in index.
    defaults = bool(registered)
    if mirror is not None and registered:
        from alma.evaluation.lmeval_mirror import mirror_tasks, write_overrides

        mirrored = mirror_tasks(TaskManager().task_index, registered, mirror)
        paths.append(write_overrides(mirrored, work))
        defaults = any(t not in {m.name for m in mirrored} for t in registered)
        for task in mirrored:
            log.info("%s: lm-eval's task on %s", task.name, ", ".join(f"{s}={p}" for s, p in task.data_files.items()))
    return TaskManager(include_path=[str(p) for p in paths] or None, include_defaults=defaults)


def run_lmeval(
    model_dir: str | Path,
    tasks: Sequence[str],
    include_path: str | Path | None = None,
    limit: int | float | None = None,
    apply_chat_template: bool = True,
    batch_size: int | str = 8,
    device: str | None = None,
    hub_mirror: str | Path | None = None,
    gen_kwargs: Mapping[str, Any] | None = None,
) -> dict[str, dict[str, float]]:
    """Run lm-eval tasks on a Hugging Face model directory.

    Args:
        model_dir: the model (safetensors + tokenizer).
        tasks: task names, registered in lm-eval or defined under ``include_path``.
        include_path: directory of extra task YAMLs (e.g. from :func:`write_local_tasks`).
        limit: docs per task (an int) or share of docs (a float < 1); None runs all.
        apply_chat_template: wrap prompts in the tokenizer's chat template (aligned models); False for base models.
        batch_size: lm-eval batch size (an int or "auto").
        device: "cpu", "cuda", ...; default CUDA when available.
        hub_mirror: a local hub mirror; registered tasks (not those under ``include_path``) then read their data
            sets from it, each through lm-eval's own task config, and a task it lacks is an error. None: the hub.
        gen_kwargs: generation settings laid over every generation task's own (lm-eval's ``--gen_kwargs``),
            e.g. ``{"max_gen_toks": 64}`` to bound IFEval's 1280 tokens on a CPU; None keeps each task's.

    Returns:
        task -> metric -> value, e.g. ``{"toy_mc": {"acc": 0.25, "acc_stderr": 0.16, ...}}``; the ``,none``
        filter suffix is dropped and other filters are kept as ``metric,filter``.
    """
    import lm_eval
    import torch

    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    dtype = "bfloat16" if device.startswith("cuda") else "float32"
    include = Path(include_path).resolve() if include_path else None
    with tempfile.TemporaryDirectory(prefix="alma-lmeval-") as work:
        manager = _task_manager(tasks, include, Path(hub_mirror).resolve() if hub_mirror else None, Path(work))
        output = lm_eval.simple_evaluate(
            model="hf", model_args=f"pretrained={Path(model_dir).resolve()},dtype={dtype}", tasks=list(tasks),
            task_manager=manager, device=device, batch_size=batch_size, limit=limit,
            apply_chat_template=apply_chat_template, log_samples=False, gen_kwargs=dict(gen_kwargs or {}) or None,
        )  # fmt: skip
    if output is None:  # lm-eval returns None on non-zero ranks of a distributed run
        return {}
    results: dict[str, dict[str, float]] = {}
    for task, metrics in output["results"].items():
        clean: dict[str, float] = {}
        for key, value in metrics.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue  # "alias" and "N/A" stderr strings
            clean[key.removesuffix(",none")] = float(value)
        results[task] = clean
    return results
