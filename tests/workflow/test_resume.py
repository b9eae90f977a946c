"""Rerunning the same command resumes a killed run: no manual ``snakemake --unlock``.

A three-rule Snakefile in a temporary directory (each job writes a partial file, sleeps, then
writes its output) is killed with SIGKILL on its whole process group while its second job runs.
The lock it leaves stops a plain rerun; ``alma unlock-stale`` with the same arguments then removes
it, and the same Snakemake command finishes with the outputs of an uninterrupted run, byte for
byte. While a live run holds the lock, ``alma unlock-stale`` refuses and names its pid.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from alma.run_lock import lock_files

pytestmark = pytest.mark.slow

# The partial write before the sleep is what a killed job leaves: --rerun-incomplete (set in every
# profile of the repository) must redo it rather than trust it.
SNAKEFILE = """
rule all:
    input:
        "c.txt",


rule a:
    output:
        "a.txt",
    shell:
        "echo partial > {output}; sleep 2; echo a > {output}"


rule b:
    input:
        "a.txt",
    output:
        "b.txt",
    shell:
        "echo partial > {output}; sleep 2; cat {input} > {output}; echo b >> {output}"


rule c:
    input:
        "b.txt",
    output:
        "c.txt",
    shell:
        "echo partial > {output}; sleep 2; cat {input} > {output}; echo c >> {output}"
"""
ARGS = ("--cores", "1", "--rerun-incomplete")
OUTPUTS = ("a.txt", "b.txt", "c.txt")


def _env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def _workdir(root: Path, name: str) -> Path:
    workdir = root / name
    workdir.mkdir()
    (workdir / "Snakefile").write_text(SNAKEFILE)
    return workdir


def _start(workdir: Path) -> subprocess.Popen:
    """Snakemake in its own process group (session), so the whole run can be killed at once."""
    return subprocess.Popen([sys.executable, "-m", "snakemake", *ARGS], cwd=workdir, env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip


def _run(workdir: Path, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(argv), cwd=workdir, env=_env(), capture_output=True, text=True, timeout=120)


def _snakemake(workdir: Path) -> subprocess.CompletedProcess:
    return _run(workdir, sys.executable, "-m", "snakemake", *ARGS)


def _unlock_stale(workdir: Path, *extra: str) -> subprocess.CompletedProcess:
    return _run(workdir, sys.executable, "-m", "alma.cli", "unlock-stale", *extra, "--", *ARGS)


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, f"snakemake ended ({proc.returncode}) before {path.name} appeared"
        assert time.monotonic() < deadline, f"{path.name} did not appear in {timeout} s"
        time.sleep(0.05)


def _kill_group(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def _outputs(workdir: Path) -> dict[str, bytes]:
    return {name: (workdir / name).read_bytes() for name in OUTPUTS}


def test_rerunning_the_same_command_resumes_a_killed_run(tmp_path):
    reference = _workdir(tmp_path, "reference")
    assert _snakemake(reference).returncode == 0
    expected = _outputs(reference)
    assert expected["c.txt"] == b"a\nb\nc\n"

    workdir = _workdir(tmp_path, "killed")
    proc = _start(workdir)
    _wait_for(workdir / "b.txt", proc)  # a.txt is done, the second job is running
    _kill_group(proc)
    assert lock_files(workdir), "a SIGKILLed run leaves its lock behind"
    assert (workdir / "b.txt").read_bytes() == b"partial\n" and not (workdir / "c.txt").exists()

    plain = _snakemake(workdir)  # what a user met before: a rerun stops at the lock
    assert plain.returncode != 0 and "cannot be locked" in plain.stdout + plain.stderr

    unlocked = _unlock_stale(workdir)
    assert unlocked.returncode == 0, unlocked.stderr
    assert (
        len(unlocked.stdout.splitlines()) == 1 and "was killed" in unlocked.stdout and "was removed" in unlocked.stdout
    )
    assert not lock_files(workdir)

    resumed = _snakemake(workdir)
    assert resumed.returncode == 0, resumed.stdout[-2000:] + resumed.stderr[-2000:]
    assert _outputs(workdir) == expected
    nothing = _unlock_stale(workdir)  # no lock now: the step is a no-op
    assert (nothing.returncode, nothing.stdout) == (0, "")


def test_a_live_run_keeps_its_lock_and_is_named(tmp_path):
    workdir = _workdir(tmp_path, "live")
    proc = _start(workdir)
    try:
        _wait_for(workdir / "a.txt", proc)  # the lock is written before the first job starts
        locks = lock_files(workdir)
        refused = _unlock_stale(tmp_path, "--workdir", str(workdir))
        assert refused.returncode != 0 and refused.stdout == ""
        assert f"pid {proc.pid}" in refused.stderr and "snakemake" in refused.stderr, refused.stderr
        assert lock_files(workdir) == locks
        assert proc.wait(timeout=60) == 0  # the live run was left alone and finishes
    finally:
        if proc.poll() is None:
            _kill_group(proc)
    assert (workdir / "c.txt").read_bytes() == b"a\nb\nc\n"
