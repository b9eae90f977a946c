"""Fault injection: kill the whole workflow (Snakemake and its jobs, SIGKILL) at 10 seeded moments, recover
the way the README says (``snakemake --unlock``, rerun), and require exactly the files of an uninterrupted run.

The slice of the test DAG used here (seed sets, judge seed, prompt synthesis, embeddings, clustering and
the first round's selection) spans model loading, sampling, numpy and JSON-lines writers, so kills land
inside every kind of job. Model manifests are compared without their timing metrics.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUN = "faults"
RESULTS = REPO / "results" / RUN
ARGS = ("--configfile", "tests/config/config.yaml", "--config", f"run={RUN}", "--workflow-profile", "profiles/local",
        "--cores", "2")  # fmt: skip
TARGETS = (f"results/{RUN}/round2/prompts.jsonl", f"results/{RUN}/judge/data/train.jsonl")
KILLS = 10

pytestmark = pytest.mark.slow


def _env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}  # fmt: skip


def _snakemake(*extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "snakemake", *ARGS, *extra, *TARGETS], cwd=REPO, env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip


def _fingerprint() -> dict[str, str]:
    """sha256 of every result file; manifests without their timing metrics."""
    out = {}
    for path in sorted(p for p in RESULTS.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if path.name == "manifest.json":
            doc = json.loads(data)
            doc.pop("metrics", None)
            data = json.dumps(doc, sort_keys=True).encode()
        out[str(path.relative_to(RESULTS))] = hashlib.sha256(data).hexdigest()
    return out


def _clean() -> None:
    shutil.rmtree(RESULTS, ignore_errors=True)
    shutil.rmtree(REPO / "logs" / RUN, ignore_errors=True)
    shutil.rmtree(REPO / "benchmarks" / RUN, ignore_errors=True)


def test_killed_runs_recover_to_the_uninterrupted_result():
    _clean()
    start = time.monotonic()
    assert _snakemake().wait(timeout=900) == 0
    reference_seconds = time.monotonic() - start
    reference = _fingerprint()
    assert any(name.endswith("embeddings.npy") for name in reference)
    _clean()

    rng = random.Random(0)
    kills = 0
    finished = False
    for _ in range(KILLS):
        proc = _snakemake("--rerun-incomplete")
        try:
            # Short, seeded windows (Snakemake itself needs about 3 s to start): each attempt gets a
            # little further before it is killed, so the kills walk through the stages in order.
            proc.wait(timeout=rng.uniform(3.0, 3.0 + 0.25 * reference_seconds))
            finished = proc.returncode == 0
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            kills += 1
        unlock = subprocess.run([sys.executable, "-m", "snakemake", *ARGS, "--unlock", *TARGETS], cwd=REPO,
                                env=_env(), capture_output=True)  # fmt: skip
        assert unlock.returncode == 0
        if finished:
            break
    if not finished:
        assert _snakemake("--rerun-incomplete").wait(timeout=900) == 0
    assert kills >= 3, "the kills must land while the workflow runs"
    assert _fingerprint() == reference
    _clean()
