"""Resuming after a crash: rerunning the same command is all a user does.

Example (what ``make demo`` runs before its Snakemake command, with the same arguments)::

    alma unlock-stale -- --workflow-profile profiles/local --cores 2

With a lock that no live run holds (the previous run was killed), it runs ``snakemake --unlock``
with those arguments and prints one line; with a live run in the directory it names its pid and
exits 1; with no lock it does nothing. Snakemake's ``--rerun-incomplete`` (set in every profile)
then redoes the jobs the killed run left half-written.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from alma.commands import add_command
from alma.run_lock import held_message, lock_files, lock_state, read_processes, stale_message

HELD_EXIT = 1


def snakemake_unlock(args: list[str], workdir: Path) -> subprocess.CompletedProcess:
    """``snakemake --unlock <args>`` in ``workdir``, from this interpreter's environment."""
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "--unlock", *args], cwd=workdir, capture_output=True, text=True
    )


def cmd_unlock_stale(args: argparse.Namespace) -> int:
    """0 when the lock was stale (now removed) or absent; 1 when a live run holds it."""
    workdir = Path(args.workdir).resolve()
    snakemake_args = list(args.snakemake_args)
    if snakemake_args[:1] == ["--"]:
        snakemake_args = snakemake_args[1:]
    locks = lock_files(workdir)
    if not locks:
        return 0
    processes = read_processes()
    if processes is None:
        # Without /proc a live run cannot be ruled out: leave the lock, Snakemake explains it.
        print(f"alma unlock-stale: cannot list processes here; lock of {workdir} left as is", file=sys.stderr)
        return 0
    state = lock_state(locks, processes, str(workdir), os.getpid())
    if state.kind == "held":
        assert state.holder is not None
        print(f"alma unlock-stale: {held_message(state.holder, str(workdir))}", file=sys.stderr)
        return HELD_EXIT
    proc = snakemake_unlock(snakemake_args, workdir)
    if proc.returncode != 0:
        print(
            f"alma unlock-stale: snakemake --unlock failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}",
            file=sys.stderr,
        )
        return proc.returncode
    print(f"alma unlock-stale: {stale_message(str(workdir), state.lock_files)}")
    return 0


def register(sub) -> None:
    p = add_command(
        sub,
        "unlock-stale",
        cmd_unlock_stale,
        "remove the Snakemake lock a killed run left behind (refuse while a live run holds it)",
    )
    p.add_argument("--workdir", default=".", help="Snakemake's working directory (default: the current one)")
    p.add_argument("snakemake_args", nargs=argparse.REMAINDER, help="-- then the arguments of the Snakemake command")
