"""Every value config/README.md's key table states for the mini and paper runs is the value they run with.

The table's "mini" and "paper" columns are compared with config/config.yaml and config/paper.yaml
after the schema's defaults are filled in, as the workflow's validate() leaves them. A cell is a
value when it reads as one (a number, `true`/`false`/`null`, a word, a list, or several of these
for a row naming several keys); words such as "unset", "same" or a dash have fixed meanings; a cell
that is prose is not a value and is not compared, but every row must name keys that exist, and at
least 60 cells must be compared.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from snakemake.utils import validate

REPO = Path(__file__).resolve().parents[2]
SCHEMA = str(REPO / "workflow" / "schemas" / "config.schema.yaml")
ABSENT = object()
DEFAULT = re.compile(r"\s*\((default|the default)\)$")


def resolved(name: str) -> dict[str, Any]:
    config = copy.deepcopy(yaml.safe_load((REPO / "config" / name).read_text()))
    validate(config, SCHEMA)
    return config


RUNS = {"mini": resolved("config.yaml"), "paper": resolved("paper.yaml")}


def key_rows() -> list[tuple[str, str, str]]:
    """(key cell, mini cell, paper cell) of each row of the "## Keys" table."""
    section = (REPO / "config" / "README.md").read_text().split("\n## Keys\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`"):
            rows.append((cells[0], cells[2], cells[3]))
    return rows


def keys_of(cell: str) -> list[str]:
    """The dotted keys a row names.

    "`rounds.sources`, `ratio`" is rounds.sources and rounds.ratio; "`*.batch_size` (`train.sft`,
    `judge.train`)" is train.sft.batch_size and judge.train.batch_size.
    """
    names = re.findall(r"`([^`]+)`", cell)
    if names[0].startswith("*."):
        return [f"{section}{names[0][1:]}" for section in names[1:]]
    keys = [names[0]]
    parent = names[0].rsplit(".", 1)[0] if "." in names[0] else ""
    for name in names[1:]:
        keys.append(name if "." in name or not parent else f"{parent}.{name}")
    return keys


def lookup(config: dict, key: str) -> Any:
    node: Any = config
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return ABSENT
        node = node[part]
    return node


def stated(cell: str) -> list[Any] | None:
    """The values a cell states, or None when the cell is prose rather than values."""
    text = DEFAULT.sub("", cell.replace("`", "").strip())
    if re.fullmatch(r"\d+(/\d+)+", text):  # sizes of a mapping's entries, in order: 300/80/250
        return [[int(x) for x in text.split("/")]]
    if text in ("", "same") or " " in text.replace(", ", ",").replace(" @ ", "@"):
        return None
    values = []
    for part in text.split(","):
        part = part.strip()
        if part in ("–", "-", "unset"):
            values.append(ABSENT)
            continue
        try:
            values.append(yaml.safe_load(part))
        except yaml.YAMLError:
            return None
    return values


def leaves(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return [leaf for value in node.values() for leaf in leaves(value)]
    return [node]


def equal(stated_value: Any, actual: Any) -> bool:
    """A stated value against the config's; a mapping matches when the value is one of its leaves
    ("`resources/mini-base`" is base_model.path, "Meta-Llama-3-8B@8cde5ca8…" its repo and revision)."""
    if stated_value is ABSENT:
        return actual is ABSENT or actual is None
    if isinstance(stated_value, str) and re.fullmatch(r"\d+(\.\d+)?e-?\d+", stated_value):
        stated_value = float(stated_value)  # YAML 1.1 reads 1e8 and 3e-4 as strings
    if isinstance(actual, dict):
        if isinstance(stated_value, list) and all(isinstance(v, int) for v in stated_value):
            return stated_value == [entry.get("size") for entry in actual.values() if isinstance(entry, dict)]
        if isinstance(stated_value, str) and "@" in stated_value:
            name, revision = (part.strip() for part in stated_value.split("@"))
            return str(actual.get("repo", "")).endswith(name) and str(actual.get("revision", "")).startswith(
                revision.rstrip("…")
            )
        if isinstance(stated_value, list):
            return any(stated_value == leaf for leaf in leaves(actual))
        return any(equal(stated_value, leaf) for leaf in leaves(actual))
    if isinstance(stated_value, (int, float)) and isinstance(actual, (int, float)):
        return float(stated_value) == float(actual)
    return stated_value == actual


def dereferenced(schema: dict, node: dict) -> dict:
    """A schema node with its local ``$ref`` ("#/definitions/train") followed."""
    while "$ref" in node:
        target = schema
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def schema_default(key: str) -> Any:
    schema = yaml.safe_load(Path(SCHEMA).read_text())
    node = schema
    for part in key.split("."):
        node = dereferenced(schema, node).get("properties", {}).get(part, {})
    return dereferenced(schema, node).get("default", ABSENT)


ROWS = key_rows()
CASES = [
    (cell, run, value)
    for cell, mini, paper in ROWS
    for run, value in (("mini", mini), ("paper", paper))
    if stated(value) is not None and any("*" not in k for k in keys_of(cell))
]


def test_most_cells_are_compared():
    # a change of the table's format that turned every cell into "prose" would compare nothing
    assert len(CASES) >= 60, f"only {len(CASES)} cells of config/README.md's key table read as values"


def test_the_table_is_found_and_names_real_keys():
    assert len(ROWS) > 40
    schema = yaml.safe_load(Path(SCHEMA).read_text())
    for cell, _, _ in ROWS:
        for key in keys_of(cell):
            if "*" in key:
                continue
            node = schema
            for part in key.split("."):
                node = dereferenced(schema, node)
                assert part in node.get("properties", {}), f"config/README.md names {key}, which the schema lacks"
                node = node["properties"][part]


@pytest.mark.parametrize(("cell", "run", "value"), CASES, ids=[f"{c.strip('`')}-{r}" for c, r, _ in CASES])
def test_a_stated_value_is_the_runs_value(cell, run, value):
    values = stated(value)
    keys = [k for k in keys_of(cell) if "*" not in k]
    if len(keys) > 1 and len(values) == 1:  # one value for every key the row names
        values = values * len(keys)
    elif len(values) != len(keys):  # one key with a list value written without brackets
        values = [values]
    for key, want in zip(keys, values, strict=True):
        got = lookup(RUNS[run], key)
        if DEFAULT.search(value.replace("`", "")):  # "4 (default)": the run leaves the key to its default
            assert got is ABSENT, f"config/README.md says {run} leaves {key} to its default; the config sets {got!r}"
            got = schema_default(key)
            if got is ABSENT:
                pytest.skip(f"{key}'s default is set in code, not in the schema")
        if isinstance(want, list) and not isinstance(got, (list, dict)) and len(want) == 1:
            want = want[0]
        assert equal(want, got), f"config/README.md says {key} = {value!r} for {run}; the config has {got!r}"
