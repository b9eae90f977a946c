"""Public datasets the paper-scale run starts from, and pure converters to the harness's records.

Two halves, kept apart so the converters are testable without the hub:

- :func:`load_rows` fetches raw rows: from a local copy (JSONL, JSON or Parquet) when one is given
  and present, else from the Hugging Face hub with ``datasets.load_dataset`` at a PINNED revision
  (a missing revision is refused: an unpinned download is not reproducible).
- :func:`convert` turns raw rows into ``seed_sft``, ``seed_judgment``, ``eval_prompt`` or
  ``response`` records (see ``alma/schemas``). A row it cannot read raises :class:`SourceError`
  naming the source, the row index and the field.

Deviations from the paper, all forced by what is public:

- ``helpsteer2``: the paper's 4k human 0-10 judgments were never released; HelpSteer2's 0-4
  ``helpfulness`` is rescaled to 0-10 (``x 2.5``, rounded half up so 1 -> 3 and 3 -> 8 mirror each
  other; Python's banker's ``round`` would give 1 -> 2 but 3 -> 8).
- ``alpaca``: the paper's 600 Alpaca prompts are not published; :func:`subset` draws a seeded 600
  of AlpacaEval's 805, and ids keep the original position so the reference outputs
  (``alpaca_reference``) and the official LC metric's per-instruction difficulty line up.
- ``sr``: the Self-Rewarding eval prompts are not on the hub; a user-provided local JSONL with a
  ``prompt`` or ``text`` field is read instead.

A hub mirror (``hub_mirror`` in a spec: a directory laid out as ``<mirror>/<repo>/<file as named in the
repo>``) stands in for the network: :func:`load_rows` reads the file of the spec's ``data_files``, or the one
file the split names the way the hub does (``data/<split>-*``, ``<split>.*``), and leaves ``repo`` and
``revision`` in the spec as provenance. A directory of real downloaded files works the same way;
:mod:`alma.hub_mirror` writes a small one in the same row formats.

Hub datasets that still ship a loading script (``GAIR/lima``, ``tatsu-lab/alpaca_eval``) cannot be
loaded by name with ``datasets`` >= 4; give ``data_files`` (a file inside the repo, e.g.
``test.jsonl`` or ``alpaca_eval.json``) and the file is read through ``hf://`` at the pinned revision.
"""

from __future__ import annotations

import gzip
import json
import math
import random
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from alma.records import sha256_file

BENCHMARKS = ("lima", "mtbench", "arena_hard", "alpaca", "sr")
"""Converter names that produce eval_prompt records; the name is also the default ``benchmark``."""


class SourceError(ValueError):
    """A raw row cannot be converted; the message names the source, row index (0-based) and field."""

    def __init__(self, source: str, row: int, field: str, problem: str):
        self.source, self.row, self.field, self.problem = source, row, field, problem
        super().__init__(f"{source}, row {row}: field '{field}' {problem}")


# -- loading -------------------------------------------------------------------------------------------------------


def _read_local(path: Path) -> list[dict[str, Any]]:
    """Rows of a local JSONL, JSON (a list, or an object with a list under ``data``/``rows``) or Parquet file.

    A ``.gz`` JSONL or JSON file (HelpSteer2 ships ``train.jsonl.gz``) is decompressed first.
    """
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    if suffix == ".gz":
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
        suffix = Path(path.stem).suffix.lower()
    else:
        text = path.read_text(encoding="utf-8")
    if suffix == ".json":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: is not valid JSON ({exc.msg}, line {exc.lineno})") from None
        if isinstance(doc, dict):
            doc = doc.get("data", doc.get("rows"))
        if not isinstance(doc, list):
            raise ValueError(f"{path}: expected a JSON list of rows (or an object with a 'data' list)")
        return doc
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}, line {number}: is not valid JSON ({exc.msg})") from None
    return rows


_READABLE = (".jsonl", ".json", ".parquet", ".jsonl.gz", ".json.gz")
_SPLIT_PATTERNS = ("data/{split}-*", "data/{split}.*", "{split}-*", "{split}.*")
"""Where a repo without ``data_files`` keeps a split, in the order checked (the hub's default file names)."""


def mirror_path(spec: Mapping[str, Any]) -> Path | None:
    """The file of the spec's hub mirror that holds its repo's split; None when the spec names no ``hub_mirror``.

    ``data_files`` names the file inside the repo; without it the split's file is found as the hub finds it
    (:data:`_SPLIT_PATTERNS`), and exactly one readable file must match.

    Raises:
        ValueError: a mirror without a repo, a named config without ``data_files``, or several matching files.
        FileNotFoundError: the mirror, or the file it should hold, does not exist.
    """
    mirror = spec.get("hub_mirror")
    if not mirror:
        return None
    repo = spec.get("repo")
    if not repo:
        raise ValueError(f"dataset spec {dict(spec)} names hub_mirror but no repo (the mirror holds <repo>/<file>)")
    if not Path(mirror).is_dir():
        raise FileNotFoundError(f"{mirror}: hub mirror directory does not exist")
    folder = Path(mirror) / repo
    data_files = spec.get("data_files")
    if data_files:
        path = folder / str(data_files)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: not in the hub mirror (the spec's data_files is {data_files!r})")
        return path
    if spec.get("name"):
        raise ValueError(f"dataset {repo}: a named config ({spec['name']!r}) in a hub mirror needs data_files")
    split = spec.get("split") or "train"
    for pattern in _SPLIT_PATTERNS:
        found = sorted(p for p in folder.glob(pattern.format(split=split)) if p.name.endswith(_READABLE))
        if len(found) > 1:
            raise ValueError(f"{folder}: several files hold split {split!r} ({', '.join(p.name for p in found)}); "
                             "name one with data_files")  # fmt: skip
        if found:
            return found[0]
    raise FileNotFoundError(
        f"{folder}: no file for split {split!r} in the hub mirror (looked for {', '.join(_SPLIT_PATTERNS)}); "
        "name it with data_files"
    )


def check_mirror_hash(mirror: Path, path: Path) -> None:
    """Refuse a mirror file whose bytes differ from the sha256 its mirror's MANIFEST.json records (if any)."""
    manifest = mirror / "MANIFEST.json"
    if not manifest.is_file():
        return  # a mirror of real downloads need not have one
    entry = json.loads(manifest.read_text(encoding="utf-8")).get("files", {}).get(path.relative_to(mirror).as_posix())
    if entry and entry.get("sha256") != sha256_file(path):
        raise ValueError(
            f"{path}: content differs from the sha256 in {manifest}; regenerate the mirror "
            "(alma hub-mirror --out <mirror>) or update its manifest"
        )


def source_name(spec: Mapping[str, Any]) -> str:
    """What error messages call a spec's rows: the local or mirrored file read, else ``repo@revision:split``."""
    local = spec.get("local_path")
    if local and Path(local).exists():
        return str(local)
    mirrored = mirror_path(spec)
    if mirrored is not None:
        return str(mirrored)
    return f"{spec.get('repo')}@{spec.get('revision')}:{spec.get('split')}"


def load_rows(spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Raw rows of one dataset split, from a local copy, a hub mirror, or the hub at a pinned revision.

    Args:
        spec: ``{"repo", "revision", "split", "name"?, "data_files"?, "local_path"?, "hub_mirror"?}``.
            ``local_path`` (JSONL/JSON/Parquet) wins when it exists. Else, with ``hub_mirror``, the repo's
            file in that directory (:func:`mirror_path`) is read, without the network; ``revision`` is then
            provenance only and may be any string. Otherwise ``repo`` is loaded at ``revision`` (a commit
            hash) with ``datasets.load_dataset(repo, name, revision=..., split=...)``, or, when ``data_files``
            names a file inside the repo, that file through ``hf://``.

    Returns:
        The rows as plain dicts, in dataset order.

    Raises:
        ValueError: no usable local file and no repo, a repo without a revision (hub only), or a mirror file
            whose hash differs from its mirror's manifest.
        FileNotFoundError: a local path that does not exist and no repo to fall back to, or a mirror
            without the file.
    """
    local = spec.get("local_path")
    if local and Path(local).exists():
        return _read_local(Path(local))
    mirrored = mirror_path(spec)
    if mirrored is not None:
        check_mirror_hash(Path(spec["hub_mirror"]), mirrored)
        return _read_local(mirrored)
    repo = spec.get("repo")
    if not repo:
        if local:
            raise FileNotFoundError(f"{local}: local dataset file does not exist and the spec names no hub repo")
        raise ValueError(f"dataset spec {dict(spec)} names neither an existing local_path nor a repo")
    revision = spec.get("revision")
    if not revision:
        raise ValueError(
            f"dataset {repo}: no revision given; pin a commit hash (the dataset page's 'History' tab) "
            "so the download is reproducible, or point local_path at a local copy"
        )
    import datasets

    split = spec.get("split") or "train"
    data_files = spec.get("data_files")
    if data_files:
        # A loading-script repo (unsupported by datasets >= 4): read the data file itself at the pinned revision.
        builder = "parquet" if str(data_files).endswith(".parquet") else "json"
        url = f"hf://datasets/{repo}@{revision}/{data_files}"
        dataset = datasets.load_dataset(builder, data_files={split: url}, split=split)
    else:
        dataset = datasets.load_dataset(repo, spec.get("name"), revision=revision, split=split)
    return [dict(row) for row in dataset]


# -- converters ----------------------------------------------------------------------------------------------------


def _text(row: Mapping[str, Any], field: str, source: str, index: int) -> str:
    """A non-empty string field of a row, or a :class:`SourceError` saying what was found instead."""
    if field not in row:
        raise SourceError(source, index, field, f"is missing (row has {sorted(row)})")
    value = row[field]
    if not isinstance(value, str) or not value.strip():
        raise SourceError(source, index, field, f"must be a non-empty string, got {json.dumps(value)[:60]}")
    return value.strip()


def _list(row: Mapping[str, Any], field: str, source: str, index: int) -> list[Any]:
    if field not in row:
        raise SourceError(source, index, field, f"is missing (row has {sorted(row)})")
    value = row[field]
    if not isinstance(value, list | tuple) or not value:
        raise SourceError(source, index, field, f"must be a non-empty list, got {json.dumps(value)[:60]}")
    return list(value)


def _daring_anteater(row: Mapping[str, Any], i: int, source: str) -> dict[str, Any]:
    """First User turn followed directly by an Assistant turn (later turns are dropped: the seed is single-turn)."""
    turns = _list(row, "conversations", source, i)
    for j, (first, second) in enumerate(zip(turns, turns[1:], strict=False)):
        if not (isinstance(first, Mapping) and isinstance(second, Mapping)):
            raise SourceError(source, i, f"conversations.{j}", "must be {from, value} objects")
        if first.get("from") == "User" and second.get("from") == "Assistant":
            prompt = _text(first, "value", source, i)
            response = _text(second, "value", source, i)
            return {"id": f"daring-anteater-{i}", "prompt": prompt, "response": response}
    raise SourceError(source, i, "conversations", "has no User turn followed by an Assistant turn")


def _helpsteer2(row: Mapping[str, Any], i: int, source: str) -> dict[str, Any]:
    """HelpSteer2 helpfulness 0-4 -> integer 0-10, rounded half up (0, 3, 5, 8, 10)."""
    value = row.get("helpfulness")
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 4:
        raise SourceError(source, i, "helpfulness", f"must be a number from 0 to 4, got {json.dumps(value)}")
    return {"id": f"helpsteer2-{i}", "prompt": _text(row, "prompt", source, i),
            "response": _text(row, "response", source, i), "score": int(math.floor(value * 2.5 + 0.5))}  # fmt: skip


def _lima(row: Mapping[str, Any], i: int, source: str) -> dict[str, Any]:
    first = _list(row, "conversations", source, i)[0]
    if not isinstance(first, str) or not first.strip():
        raise SourceError(source, i, "conversations.0", "must be a non-empty string (the user prompt)")
    return {"id": f"lima-{i}", "text": first.strip(), "category": row.get("source") or None}


def _mtbench(row: Mapping[str, Any], i: int, source: str) -> dict[str, Any]:
    """Turn 1 is the prompt; turn 2 is kept in ``turns`` (answers and grades here cover turn 1)."""
    turns = _list(row, "prompt", source, i)
    if not all(isinstance(t, str) and t.strip() for t in turns):
        raise SourceError(source, i, "prompt", "must be a list of non-empty strings")
    ident = row.get("prompt_id", i)
    return {"id": f"mtbench-{ident}", "text": turns[0].strip(), "turns": [t.strip() for t in turns[1:]],
            "category": row.get("category") or None}  # fmt: skip


def _arena_hard(row: Mapping[str, Any], i: int, source: str) -> dict[str, Any]:
    turns = _list(row, "turns", source, i)
    if not isinstance(turns[0], Mapping):
        raise SourceError(source, i, "turns.0", "must be an object with 'content'")
    text = _text(turns[0], "content", source, i)
    ident = row.get("question_id") or row.get("uid") or i
    # "category" is the constant "arena-hard-v0.1"; the topic cluster is the informative grouping.
    return {"id": f"arena-hard-{ident}", "text": text, "category": row.get("cluster") or row.get("category") or None,
            "cluster_name": row.get("cluster")}  # fmt: skip


def _alpaca(row: Mapping[str, Any], i: int, source: str) -> dict[str, Any]:
    return {"id": f"alpaca-{i:03d}", "text": _text(row, "instruction", source, i),
            "category": row.get("dataset") or None, "dataset_index": i}  # fmt: skip


def _alpaca_reference(row: Mapping[str, Any], i: int, source: str) -> dict[str, Any]:
    """AlpacaEval reference outputs (e.g. ``alpaca_eval_gpt4_baseline``) as response records for ``alpaca-<i>``."""
    _text(row, "instruction", source, i)
    output = row.get("output")
    if not isinstance(output, str):
        raise SourceError(source, i, "output", f"must be a string, got {json.dumps(output)[:60]}")
    generator = str(row.get("generator") or "reference")
    return {"prompt_id": f"alpaca-{i:03d}", "response_id": f"alpaca-{i:03d}/{generator}", "text": output,
            "checkpoint": generator, "sample_index": 0, "sampling": {"source": "alpaca_eval"}, "seed": 0}  # fmt: skip


def _sr(row: Mapping[str, Any], i: int, source: str) -> dict[str, Any]:
    field = "prompt" if "prompt" in row else "text"
    return {"id": str(row.get("id") or f"sr-{i}"), "text": _text(row, field, source, i),
            "category": row.get("category") or None}  # fmt: skip


def _rewardbench(row: Mapping[str, Any], i: int, source: str) -> dict[str, Any]:
    for field in ("prompt", "chosen", "rejected", "subset"):
        if not isinstance(row.get(field), str):
            raise SourceError(source, i, field, f"must be a string, got {json.dumps(row.get(field))[:60]}")
    return {"id": str(row.get("id", i)), "prompt": _text(row, "prompt", source, i), "chosen": row["chosen"],
            "rejected": row["rejected"], "subset": row["subset"], "chosen_model": row.get("chosen_model"),
            "rejected_model": row.get("rejected_model")}  # fmt: skip


CONVERTERS: dict[str, tuple[Callable[[Mapping[str, Any], int, str], dict[str, Any]], str]] = {
    "daring_anteater": (_daring_anteater, "seed_sft"),
    "helpsteer2": (_helpsteer2, "seed_judgment"),
    "lima": (_lima, "eval_prompt"),
    "mtbench": (_mtbench, "eval_prompt"),
    "arena_hard": (_arena_hard, "eval_prompt"),
    "alpaca": (_alpaca, "eval_prompt"),
    "sr": (_sr, "eval_prompt"),
    "alpaca_reference": (_alpaca_reference, "response"),
    "rewardbench": (_rewardbench, "rewardbench_pair"),
}
"""converter name -> (row function, record kind it produces)."""


def record_kind(converter: str) -> str:
    """The record kind (schema name) a converter produces."""
    if converter not in CONVERTERS:
        raise ValueError(f"unknown converter {converter!r}; known: {', '.join(CONVERTERS)}")
    return CONVERTERS[converter][1]


def convert(
    converter: str, rows: Iterable[Mapping[str, Any]], source: str = "<rows>", benchmark: str | None = None
) -> list[dict[str, Any]]:
    """Convert raw hub rows to the harness's records.

    Args:
        converter: one of :data:`CONVERTERS` (``daring_anteater``, ``helpsteer2``, ``lima``, ``mtbench``,
            ``arena_hard``, ``alpaca``, ``sr``, ``alpaca_reference``, ``rewardbench``).
        rows: raw rows in the hub dataset's schema.
        source: what to call the rows in error messages (a file or ``repo@revision``).
        benchmark: ``benchmark`` field of eval_prompt records (default: the converter name).

    Returns:
        Records of kind :func:`record_kind`, in row order; ids derive from the row index (or the
        dataset's own id) so they are stable across reruns.

    Raises:
        SourceError: a row lacks a field the converter needs, naming source, row and field.
    """
    kind = record_kind(converter)
    function = CONVERTERS[converter][0]
    records = []
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise SourceError(source, i, "<row>", f"must be an object, got {type(row).__name__}")
        record = function(row, i, source)
        if kind == "eval_prompt":
            record["benchmark"] = benchmark or converter
        records.append(record)
    ids = [r.get("id", r.get("response_id")) for r in records]
    if len(set(ids)) != len(ids):
        dup = next(x for x in ids if ids.count(x) > 1)
        raise SourceError(source, ids.index(dup), "id", f"{dup!r} occurs more than once")
    return records


def subset(records: list[dict[str, Any]], size: int | None, seed: int) -> list[dict[str, Any]]:
    """A seeded subset that keeps the original order.

    The draw depends only on ``len(records)``, ``size`` and ``seed``, so two files converted from the
    same rows (AlpacaEval prompts and their reference outputs) get the same subset.

    Args:
        records: converted records.
        size: how many to keep; None or >= len(records) keeps all.
        seed: draw seed.

    Returns:
        The kept records, in their original order.
    """
    if size is None or size >= len(records):
        return list(records)
    if size < 1:
        raise ValueError(f"subset size must be >= 1, got {size}")
    keep = sorted(random.Random(seed).sample(range(len(records)), size))
    return [records[i] for i in keep]
