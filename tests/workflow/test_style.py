"""The code and workflow style the project lives by, checked by the tools that define it."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "src", "tests", "benchmarks"],
        ["ruff", "format", "--check", "src", "tests", "benchmarks"],
        ["snakefmt", "--check", "Snakefile", "workflow/"],
    ],
    ids=["ruff-check", "ruff-format", "snakefmt"],
)
def test_formatters_and_linters_pass(command):
    proc = subprocess.run([str(BIN / command[0]), *command[1:]], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def test_modules_stay_small_and_there_is_no_utils():
    for path in (REPO / "src" / "alma").rglob("*.py"):
        assert path.stem not in ("utils", "helpers", "misc"), path
        lines = len(path.read_text().splitlines())
        assert lines <= 420, f"{path.relative_to(REPO)} has {lines} lines; split it by responsibility"


def test_every_rule_has_a_log_and_every_heavy_rule_a_benchmark():
    import re

    heavy = {"threads: 2"}
    for smk in (REPO / "workflow" / "rules").glob("*.smk"):
        for block in re.split(r"\n(?=\s*rule \w+:)", smk.read_text()):
            block = block.strip("\n")
            if not block.lstrip().startswith("rule ") or "shell:" not in block:
                continue
            name = block.split(":")[0].split()[1]
            assert re.search(r"\n\s+log:", block), f"{smk.name}: rule {name} has no log:"
            if any(h in block for h in heavy):
                assert re.search(r"\n\s+benchmark:", block), f"{smk.name}: rule {name} runs a model, no benchmark:"
