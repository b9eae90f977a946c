"""Tell a lock left by a killed Snakemake run from a lock held by a live one.

Snakemake writes ``.snakemake/locks/<n>.input.lock`` and ``<n>.output.lock`` when a run starts and
removes them when it ends; a run killed with SIGKILL (or a cluster head whose job ended) leaves
them behind, and the next run stops until ``snakemake --unlock``. A lock is stale when no live
Snakemake process works in the same directory: Snakemake changes into its working directory, so
``/proc/<pid>/cwd`` names it. The decision is a pure function of the lock files and a process
list; :func:`read_processes` reads that list from ``/proc`` (Linux only).
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

LOCK_DIR = Path(".snakemake") / "locks"


@dataclass(frozen=True)
class Process:
    """One running process: what the lock decision needs of it."""

    pid: int
    ppid: int
    cwd: str | None  # None where /proc/<pid>/cwd cannot be read (another user's process)
    cmdline: tuple[str, ...]


@dataclass(frozen=True)
class LockState:
    """``none``: no lock; ``stale``: a lock no live run holds; ``held``: ``holder`` is the live run."""

    kind: Literal["none", "stale", "held"]
    lock_files: tuple[str, ...] = ()
    holder: Process | None = None


def lock_files(workdir: Path) -> list[str]:
    """Names of the lock files under ``workdir/.snakemake/locks`` (empty when there are none).

    Snakemake creates the directory itself whenever it starts, so only ``*.lock`` files are a lock.
    """
    directory = workdir / LOCK_DIR
    if not directory.is_dir():
        return []
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".lock"))


def is_snakemake(cmdline: Sequence[str]) -> bool:
    """Whether a command line runs Snakemake: ``snakemake ...``, ``python -m snakemake ...``, or
    ``python .../bin/snakemake ...`` (how the kernel lists a console script started by its shebang)."""
    if not cmdline:
        return False
    program = os.path.basename(cmdline[0])
    if program == "snakemake":
        return True
    if not program.startswith("python"):
        return False
    args = list(cmdline[1:])
    for index, arg in enumerate(args):
        if arg == "-m":
            return args[index + 1 : index + 2] == ["snakemake"]
        if arg.startswith("-"):  # interpreter flags such as -u or -X
            continue
        return os.path.basename(arg) == "snakemake"
    return False


def find_holder(processes: Iterable[Process], workdir: str, self_pid: int | None = None) -> Process | None:
    """The live Snakemake run working in ``workdir``, or None.

    A run's own job processes can be Snakemake too (``run:`` and script jobs), so the one whose
    parent is not among them is named: the head, the process a user would stop.
    """
    target = os.path.normpath(workdir)
    runs = sorted(
        (p for p in processes if p.pid != self_pid and p.cwd is not None and os.path.normpath(p.cwd) == target),
        key=lambda p: p.pid,
    )
    runs = [p for p in runs if is_snakemake(p.cmdline)]
    pids = {p.pid for p in runs}
    heads = [p for p in runs if p.ppid not in pids]  # never empty when runs is not: a process tree has roots
    return heads[0] if heads else None


def lock_state(
    locks: Sequence[str], processes: Iterable[Process], workdir: str, self_pid: int | None = None
) -> LockState:
    """Decide what the lock files ``locks`` of ``workdir`` mean, given the live ``processes``.

    A live Snakemake in another directory has its own ``.snakemake`` and never holds this lock.
    """
    if not locks:
        return LockState("none")
    holder = find_holder(processes, workdir, self_pid)
    if holder is not None:
        return LockState("held", tuple(locks), holder)
    return LockState("stale", tuple(locks))


def _read_process(entry: Path) -> Process | None:
    """One ``/proc/<pid>`` entry, or None when the process ended while being read."""
    try:
        raw = (entry / "cmdline").read_bytes()
        stat = (entry / "stat").read_text()
    except OSError:
        return None
    # stat is "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
    ppid = int(stat.rsplit(")", 1)[1].split()[1])
    try:
        cwd: str | None = os.readlink(entry / "cwd")
    except OSError:
        cwd = None
    cmdline = tuple(part.decode(errors="replace") for part in raw.split(b"\0")[:-1])
    return Process(int(entry.name), ppid, cwd, cmdline)


def read_processes(proc_root: Path = Path("/proc")) -> list[Process] | None:
    """Every process visible in ``proc_root``, or None where there is no ``/proc`` (not Linux)."""
    if not (proc_root / "self").exists():
        return None
    processes = (_read_process(entry) for entry in proc_root.iterdir() if entry.name.isdigit())
    return [p for p in processes if p is not None]


def held_message(holder: Process, workdir: str, limit: int = 200) -> str:
    """One line naming the live run that holds the lock of ``workdir``."""
    command = shlex.join(holder.cmdline)
    if len(command) > limit:
        command = command[: limit - 3] + "..."
    return (
        f"a live Snakemake run (pid {holder.pid}: {command}) holds the lock of {workdir}; "
        "wait for it or stop it, then rerun"
    )


def stale_message(workdir: str, locks: Sequence[str]) -> str:
    """One line saying that the previous run was killed and its lock removed."""
    return (
        f"the previous Snakemake run in {workdir} was killed (no live run holds its lock); "
        f"its lock ({', '.join(locks)}) was removed"
    )
