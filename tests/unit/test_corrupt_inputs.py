"""Corrupt inputs reach the user as one clear line naming file, line and field; nothing is written.

Each case runs the real ``alma`` CLI in a subprocess (what a Snakemake job runs), so the assertion
"no traceback" covers everything between the command line and the record reader.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

GOOD = {"prompt": "What colour is the nola?", "response": "The nola is blue."}
CASES = {
    "truncated": (json.dumps(GOOD) + "\n" + json.dumps(GOOD)[:20]).encode(),
    "wrong_type": (json.dumps({**GOOD, "response": 7}) + "\n").encode(),
    "missing_field": (json.dumps({"prompt": "What colour is the nola?"}) + "\n").encode(),
    "empty": b"",
    "non_utf8": b'{"prompt": "caf\xe9", "response": "ok"}\n',
}
EXPECT = {
    "truncated": ("line 2", "not valid JSON"),
    "wrong_type": ("line 1", "field 'response'"),
    "missing_field": ("line 1", "field 'response'"),
    "empty": ("", "contains no seed_sft records"),
    "non_utf8": ("line 1", "not valid UTF-8"),
}


def _alma(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "alma.cli", *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("case", sorted(CASES))
def test_corrupt_seed_set_gives_one_clear_line_and_writes_nothing(case, tmp_path):
    bad = tmp_path / "sft.jsonl"
    bad.write_bytes(CASES[case])
    out = tmp_path / "out" / "sft_messages.jsonl"
    proc = _alma("seed-to-sft", "--seed-sft", str(bad), "--out", str(out))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    where, what = EXPECT[case]
    message = proc.stderr.strip().splitlines()[-1]
    assert str(bad) in message and where in message and what in message, message
    assert not out.exists() and not (out.parent.exists() and any(out.parent.iterdir()))  # no temp files either


def test_out_of_range_judge_score_is_named(tmp_path):
    bad = tmp_path / "judge.jsonl"
    bad.write_text(json.dumps({**GOOD, "score": 12}) + "\n")
    proc = _alma("validate", f"seed_judgment={bad}")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"{bad}, line 1: field 'score'" in proc.stderr and "0 to 10" in proc.stderr


def test_invalid_params_json_is_named(tmp_path):
    proc = _alma("build-seed-sft", "--params", "{not json", "--out", str(tmp_path / "x.jsonl"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "--params" in proc.stderr and not (tmp_path / "x.jsonl").exists()
