"""Data contracts of the harness: typed reading and atomic writing of every record file.

Every stage exchanges JSON Lines files whose records are described by a JSON Schema under
``alma/schemas/<kind>.schema.json``. Reading validates each record and, on failure, raises a
:class:`RecordError` that names the file, the line, the field and what was expected, so a user
never sees a traceback from deep inside a library. Writing goes through a temporary file in the
same directory and an atomic rename, so a killed job never leaves a half-written file that looks
complete.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

RECORD_KINDS = (
    "prompt",  # id, text, source (seed|synthetic|eval), cluster?, round_used?
    "response",  # prompt_id, response_id, text, checkpoint, sample_index, sampling, seed
    "judgment",  # response_id, score, probs, judge, template_hash
    "sft_example",  # TRL conversational: {"messages": [...]}
    "dpo_pair",  # {"prompt", "chosen", "rejected"} in TRL conversational form
    "seed_sft",  # prompt, response (the 5k-SFT-like seed)
    "seed_judgment",  # prompt, response, score (integer 0..10; the 4k-judge-like seed)
    "eval_prompt",  # id, text, benchmark, category?, turns?
    "rewardbench_pair",  # id, prompt, chosen, rejected, subset (RewardBench filtered split)
)


_UMASK = os.umask(0)
os.umask(_UMASK)


class RecordError(ValueError):
    """A record file is malformed. The message names file, line, field and expectation."""

    def __init__(self, path: str | Path, line: int | None, field: str | None, problem: str):
        self.path, self.line, self.field, self.problem = str(path), line, field, problem
        where = self.path if line is None else f"{self.path}, line {line}"
        what = f" field '{field}'" if field else ""
        super().__init__(f"{where}:{what} {problem}")


@cache
def schema_for(kind: str) -> dict[str, Any]:
    """Return the JSON Schema of one record kind (shipped with the package)."""
    if kind not in RECORD_KINDS:
        raise KeyError(f"unknown record kind {kind!r}; known: {', '.join(RECORD_KINDS)}")
    text = resources.files("alma.schemas").joinpath(f"{kind}.schema.json").read_text()
    return json.loads(text)


@cache
def _validator(kind: str):
    import jsonschema

    schema = schema_for(kind)
    return jsonschema.Draft202012Validator(schema)


def validate_record(record: Any, kind: str, path: str | Path = "<memory>", line: int | None = None) -> None:
    """Raise :class:`RecordError` if ``record`` does not satisfy the schema of ``kind``."""
    errors = sorted(_validator(kind).iter_errors(record), key=lambda e: list(e.absolute_path))
    if not errors:
        return
    err = errors[0]
    field = ".".join(str(p) for p in err.absolute_path) or None
    if err.validator == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        raise RecordError(path, line, missing, f"is missing (required by the {kind} schema)")
    expected = err.schema.get("description") or err.message
    raise RecordError(path, line, field, f"got {json.dumps(err.instance)[:80]}; expected {expected}")


def iter_jsonl(path: str | Path, kind: str | None = None) -> Iterator[dict[str, Any]]:
    """Yield the records of a JSON Lines file, validating each against ``kind`` if given."""
    path = Path(path)
    if not path.exists():
        raise RecordError(path, None, None, "file does not exist")
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise RecordError(
                    path, number, None, f"is not valid UTF-8 ({exc.reason} at byte {exc.start})"
                ) from None
            if not text.strip():
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as exc:
                raise RecordError(path, number, None, f"is not valid JSON ({exc.msg}, column {exc.colno})") from None
            if kind is not None:
                validate_record(record, kind, path, number)
            yield record


def read_jsonl(path: str | Path, kind: str | None = None, allow_empty: bool = False) -> list[dict[str, Any]]:
    """Read and validate a whole JSON Lines file; an empty file is an error unless allowed."""
    records = list(iter_jsonl(path, kind))
    if not records and not allow_empty:
        raise RecordError(path, None, None, f"contains no {kind or 'JSON'} records")
    return records


@contextlib.contextmanager
def atomic_path(path: str | Path, mode: str = "w") -> Iterator[Any]:
    """Open a temporary sibling of ``path`` and rename it over ``path`` only on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp creates 0600; results are shared files on a cluster
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_jsonl(path: str | Path, records: Iterable[dict[str, Any]], kind: str | None = None) -> int:
    """Atomically write records as JSON Lines (validated against ``kind`` if given); return the count."""
    count = 0
    with atomic_path(path) as handle:
        for record in records:
            if kind is not None:
                validate_record(record, kind, path, count + 1)
            handle.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
    return count


def write_json(path: str | Path, obj: Any) -> None:
    """Atomically write one JSON document (sorted keys, so equal content gives equal bytes)."""
    with atomic_path(path) as handle:
        json.dump(obj, handle, indent=2, sort_keys=True, ensure_ascii=False)
        handle.write("\n")


def read_json(path: str | Path) -> Any:
    """Read one JSON document, with an error that names the file when it is malformed."""
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RecordError(path, None, None, "file does not exist") from None
    except UnicodeDecodeError as exc:
        raise RecordError(path, None, None, f"is not valid UTF-8 ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise RecordError(path, exc.lineno, None, f"is not valid JSON ({exc.msg})") from None


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Content hash used in manifests and protocol records."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
