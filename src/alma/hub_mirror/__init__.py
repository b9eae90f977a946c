"""A small local mirror of the paper's hub data sets, in each original's row format, written by the project.

``config/small.yaml`` runs the paper's own data path (``alma download-dataset``, every converter in
:mod:`alma.sources`) on a machine without network: its download specs name ``hub_mirror`` and
:func:`alma.sources.load_rows` reads ``<mirror>/<repo>/<file>`` instead of the hub. ``alma lmeval`` reads the
data sets of lm-eval's registered ``gsm8k``, ``ifeval`` and two ``mmlu_*`` tasks from it the same way
(:mod:`alma.evaluation.lmeval_mirror`). The rows are short
everyday instructions and answers written for this mirror (nothing is copied from the real data sets); their
fields, types and id conventions follow the originals, file by file (see :data:`FILES`).

Originals stored as Parquet (``data/<split>-00000-of-00001.parquet``) or gzip (HelpSteer2's ``train.jsonl.gz``)
are written as JSON Lines under the same stem, so a split resolves the way the hub resolves it and the bytes
do not depend on the Parquet or zlib version: regenerating gives identical files everywhere. ``MANIFEST.json``
records each file's sha256, size, row count and the hub file it imitates; :func:`alma.sources.load_rows`
checks the hash of every file it reads against it.

The shipped copy is ``resources/hub-mirror``; regenerate it with ``alma hub-mirror --out resources/hub-mirror``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from alma.hub_mirror.eval_rows import (
    alpaca_eval_rows,
    arena_hard_rows,
    lima_rows,
    mt_bench_rows,
    self_rewarding_rows,
)
from alma.hub_mirror.lmeval_rows import MMLU_SUBJECTS, gsm8k_rows, ifeval_rows, mmlu_rows
from alma.hub_mirror.rewardbench_rows import rewardbench_rows
from alma.hub_mirror.seed_rows import daring_anteater_rows, helpsteer2_rows

MANIFEST = "MANIFEST.json"
"""The mirror's index, at its root: ``{"files": {path: {sha256, bytes, rows, imitates}}}``."""

DEFAULT_DIR = "resources/hub-mirror"
"""Where the project ships the mirror, relative to the repository root."""


@dataclass(frozen=True)
class MirrorFile:
    """One file of the mirror and the hub file it stands for."""

    path: str
    """Path under the mirror root: ``<owner>/<repo>/<file>`` (``local/...`` for a data set not on the hub)."""
    rows: Callable[[], list[dict[str, Any]]]
    repo: str | None
    """The hub repo it imitates (None: a file the paper's user provides)."""
    original: str
    """The original's file name inside that repo (or the paper config's ``local_path``)."""
    split: str
    converter: str
    """The :mod:`alma.sources` converter that reads it, or ``lmeval:<task>`` for the lm-eval task that does."""
    config: str | None = None
    """The hub config (``name``) the file belongs to, for a repo with several (``cais/mmlu``'s subjects)."""

    @property
    def json_list(self) -> bool:
        """True for a JSON list (AlpacaEval's ``.json`` files), False for JSON Lines."""
        return self.path.endswith(".json")


def _lmeval_files() -> tuple[MirrorFile, ...]:
    """The files lm-eval's registered tasks read: GSM8K, IFEval and the mirrored MMLU subjects, hub layout kept."""
    gsm8k = tuple(MirrorFile(f"openai/gsm8k/main/{split}-00000-of-00001.jsonl", partial(gsm8k_rows, split),
                             "openai/gsm8k", f"main/{split}-00000-of-00001.parquet", split, "lmeval:gsm8k", "main")
                  for split in ("train", "test"))  # fmt: skip
    ifeval = MirrorFile("google/IFEval/ifeval_input_data.jsonl", ifeval_rows, "google/IFEval",
                        "ifeval_input_data.jsonl", "train", "lmeval:ifeval")  # fmt: skip
    mmlu = tuple(MirrorFile(f"cais/mmlu/{subject}/{split}-00000-of-00001.jsonl", partial(mmlu_rows, subject, split),
                            "cais/mmlu", f"{subject}/{split}-00000-of-00001.parquet", split,
                            f"lmeval:mmlu_{subject}", subject)
                 for subject in MMLU_SUBJECTS for split in ("test", "dev"))  # fmt: skip
    return (*gsm8k, ifeval, *mmlu)


FILES: tuple[MirrorFile, ...] = (
    MirrorFile("nvidia/Daring-Anteater/train.jsonl", daring_anteater_rows, "nvidia/Daring-Anteater",
               "train.jsonl", "train", "daring_anteater"),
    MirrorFile("nvidia/HelpSteer2/train.jsonl", helpsteer2_rows, "nvidia/HelpSteer2", "train.jsonl.gz", "train",
               "helpsteer2"),
    MirrorFile("GAIR/lima/test.jsonl", lima_rows, "GAIR/lima", "test.jsonl", "test", "lima"),
    MirrorFile("HuggingFaceH4/mt_bench_prompts/data/train-00000-of-00001.jsonl", mt_bench_rows,
               "HuggingFaceH4/mt_bench_prompts", "data/train-*.parquet", "train", "mtbench"),
    MirrorFile("lmarena-ai/arena-hard-auto-v0.1/data/train-00000-of-00001.jsonl", arena_hard_rows,
               "lmarena-ai/arena-hard-auto-v0.1", "data/train-00000-of-00001.parquet", "train", "arena_hard"),
    MirrorFile("tatsu-lab/alpaca_eval/alpaca_eval.json", lambda: alpaca_eval_rows("text_davinci_003"),
               "tatsu-lab/alpaca_eval", "alpaca_eval.json", "eval", "alpaca"),
    MirrorFile("tatsu-lab/alpaca_eval/alpaca_eval_gpt4_baseline.json", lambda: alpaca_eval_rows("gpt4_turbo"),
               "tatsu-lab/alpaca_eval", "alpaca_eval_gpt4_baseline.json", "eval", "alpaca_reference"),
    MirrorFile("allenai/reward-bench/data/filtered-00000-of-00001.jsonl", rewardbench_rows, "allenai/reward-bench",
               "data/filtered-00000-of-00001.parquet", "filtered", "rewardbench"),
    MirrorFile("local/self_rewarding_eval.jsonl", self_rewarding_rows, None, "data/self_rewarding_eval.jsonl",
               "eval", "sr"),
    *_lmeval_files(),
)  # fmt: skip
"""Every file of the mirror, in the order the manifest lists them."""


def render(file: MirrorFile) -> bytes:
    """A file's bytes: one compact JSON object per line, or an indented JSON list; UTF-8, newline-terminated."""
    rows = file.rows()
    if file.json_list:
        text = json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    else:
        text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    return text.encode("utf-8")


def build_manifest(contents: dict[str, bytes]) -> dict[str, Any]:
    """The manifest of rendered files: sha256, size and row count of each, and the hub file it imitates."""
    by_path = {f.path: f for f in FILES}
    files = {}
    for path, data in contents.items():
        file = by_path[path]
        rows = len(json.loads(data)) if file.json_list else data.count(b"\n")
        imitates = {"repo": file.repo, "file": file.original, "split": file.split, "converter": file.converter}
        if file.config:
            imitates["config"] = file.config
        files[path] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "rows": rows,
                       "imitates": imitates}  # fmt: skip
    return {
        "about": "Rows written by the ALMA harness in the format of each hub original; not the real data sets. "
        "Regenerate with `alma hub-mirror --out <dir>`.",
        "files": files,
    }


def write_mirror(out: str | Path) -> dict[str, Any]:
    """Write every file of :data:`FILES` and ``MANIFEST.json`` under ``out``; return the manifest.

    Files already under ``out`` that the mirror does not list are left alone. The output is a pure function
    of this package's code, so a second run gives the same bytes.
    """
    root = Path(out)
    contents = {file.path: render(file) for file in FILES}
    for path, data in contents.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    manifest = build_manifest(contents)
    (root / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest
