"""The cluster head script resumes like ``make demo``: the stale-lock step, then the same Snakemake command.

The script runs under bash with stand-ins for ``alma`` and ``snakemake`` on PATH that record their
arguments, outside Slurm (no SLURM_JOB_ID, so no squeue call).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "workflow" / "scripts" / "submit-head.sh"


def _run_head(tmp_path: Path, *args: str, alma_exit: int = 0) -> tuple[subprocess.CompletedProcess, list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    calls = tmp_path / "calls.txt"
    for name, code in (("alma", alma_exit), ("snakemake", 0)):
        stand_in = bin_dir / name
        stand_in.write_text(f'#!/usr/bin/env bash\necho "{name} $*" >> "{calls}"\nexit {code}\n')
        stand_in.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    proc = subprocess.run(["bash", str(SCRIPT), *args], cwd=tmp_path, env=env, capture_output=True, text=True)
    return proc, calls.read_text().splitlines() if calls.exists() else []


def test_the_head_unlocks_a_stale_lock_then_runs_the_same_command(tmp_path):
    proc, calls = _run_head(tmp_path, "config/paper.yaml", "--config", "run=paper")
    assert proc.returncode == 0, proc.stderr
    same = "--profile profiles/slurm --configfile config/paper.yaml --config run=paper"
    assert calls == [f"alma unlock-stale -- {same}", f"snakemake {same}"]


def test_the_head_does_not_start_while_another_run_holds_the_lock(tmp_path):
    proc, calls = _run_head(tmp_path, "config/paper.yaml", alma_exit=1)
    assert proc.returncode == 1 and [call.split()[0] for call in calls] == ["alma"]


def test_the_head_asks_for_one_cpu_core_and_no_gpu():
    header = dict(re.findall(r"^#SBATCH --([\w-]+)=(\S+)", SCRIPT.read_text(), re.M))
    assert header["cpus-per-task"] == "1" and header["ntasks"] == "1"
    assert not {"gpus", "gres", "gpus-per-node"} & set(header)
    assert header["time"].startswith("7-")  # long: the head outlives every rule job it submits


@pytest.mark.parametrize("profile", ["local", "slurm", "ci-slurm"])
def test_every_profile_reruns_incomplete_outputs(profile):
    # what makes a resumed run redo the jobs a killed one left half-written
    text = (REPO / "profiles" / profile / "config.yaml").read_text()
    assert re.search(r"^rerun-incomplete: true\b", text, re.M)
