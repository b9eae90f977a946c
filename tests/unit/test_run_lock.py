"""The stale-lock decision of ``alma unlock-stale`` on fake process lists and a fake ``/proc``."""

from __future__ import annotations

import argparse
import os
import subprocess

import pytest

from alma.commands import recovery
from alma.run_lock import Process, find_holder, is_snakemake, lock_files, lock_state, read_processes

WORKDIR = "/data/alma"
LOCKS = ["0.input.lock", "0.output.lock"]
HEAD = Process(100, 1, WORKDIR, ("/venv/bin/python3.11", "/venv/bin/snakemake", "--cores", "2"))
JOB = Process(140, 100, WORKDIR, ("/venv/bin/python3.11", "-m", "snakemake", "--target-jobs", "x:a=1"))
SHELL_JOB = Process(120, 100, WORKDIR, ("/bin/bash", "-c", "alma select-prompts --out x"))
EDITOR = Process(90, 1, WORKDIR, ("vim", "Snakefile"))
ELSEWHERE = Process(200, 1, "/data/other", ("snakemake", "--cores", "2"))


@pytest.mark.parametrize(
    ("cmdline", "expected"),
    [
        (("snakemake", "--cores", "2"), True),
        (("/venv/bin/snakemake",), True),
        (("python3", "-m", "snakemake", "-n"), True),
        (("/usr/bin/python3.11", "-u", "-m", "snakemake"), True),
        (("/venv/bin/python", "/venv/bin/snakemake", "--unlock"), True),
        (("python3", "-m", "pytest", "snakemake"), False),
        (("python3", "-c", "import snakemake"), False),
        (("/bin/bash", "-c", "snakemake --cores 2"), False),
        (("alma", "unlock-stale", "--", "--cores", "2"), False),
        ((), False),
    ],
)
def test_snakemake_command_lines_are_recognised(cmdline, expected):
    assert is_snakemake(cmdline) is expected


def test_no_lock_files_is_no_lock_even_with_a_live_run():
    assert lock_state([], [HEAD], WORKDIR).kind == "none"


def test_a_lock_without_a_live_snakemake_here_is_stale():
    state = lock_state(LOCKS, [EDITOR, SHELL_JOB], WORKDIR)
    assert state.kind == "stale" and state.lock_files == tuple(LOCKS) and state.holder is None


def test_a_live_snakemake_in_another_directory_does_not_hold_this_lock():
    assert lock_state(LOCKS, [ELSEWHERE, EDITOR], WORKDIR).kind == "stale"


def test_a_live_snakemake_here_holds_the_lock_and_its_head_is_named():
    state = lock_state(LOCKS, [JOB, SHELL_JOB, HEAD, ELSEWHERE], WORKDIR)
    assert state.kind == "held" and state.holder == HEAD


def test_an_orphaned_snakemake_job_still_counts_as_live():
    # its head was killed, but the job may still be writing outputs: never unlock under it
    assert lock_state(LOCKS, [JOB], WORKDIR).holder == JOB


def test_unreadable_cwd_and_the_caller_itself_are_not_holders():
    hidden = Process(300, 1, None, ("snakemake",))
    assert find_holder([hidden], WORKDIR) is None
    assert lock_state(LOCKS, [HEAD], WORKDIR, self_pid=HEAD.pid).kind == "stale"
    assert lock_state(LOCKS, [HEAD], WORKDIR + "/", self_pid=None).kind == "held"


def test_only_lock_files_count_as_a_lock(tmp_path):
    assert lock_files(tmp_path) == []
    (tmp_path / ".snakemake" / "locks").mkdir(parents=True)
    assert lock_files(tmp_path) == []  # Snakemake creates the empty directory at every start
    (tmp_path / ".snakemake" / "locks" / "0.output.lock").write_text("results/x\n")
    assert lock_files(tmp_path) == ["0.output.lock"]


def _fake_proc(root, pid: int, ppid: int, comm: str, cmdline: list[str], cwd) -> None:
    entry = root / str(pid)
    entry.mkdir(parents=True)
    (entry / "cmdline").write_bytes(b"".join(arg.encode() + b"\0" for arg in cmdline))
    (entry / "stat").write_text(f"{pid} ({comm}) S {ppid} {pid} {pid} 0 -1\n")
    if cwd is not None:
        os.symlink(cwd, entry / "cwd")


def test_processes_are_read_from_proc(tmp_path):
    proc = tmp_path / "proc"
    _fake_proc(proc, 7, 1, "snake) (make", ["snakemake", "--cores", "2"], WORKDIR)  # comm with ") ("
    _fake_proc(proc, 8, 7, "bash", ["/bin/bash", "-c", "sleep 2"], None)
    (proc / "self").mkdir()
    (proc / "meminfo").write_text("")
    processes = sorted(read_processes(proc), key=lambda p: p.pid)
    assert processes == [
        Process(7, 1, WORKDIR, ("snakemake", "--cores", "2")),
        Process(8, 7, None, ("/bin/bash", "-c", "sleep 2")),
    ]
    assert read_processes(tmp_path / "no-proc") is None


def test_this_process_is_found_in_the_real_proc():
    if not os.path.exists("/proc/self"):
        pytest.skip("no /proc")
    me = [p for p in read_processes() if p.pid == os.getpid()]
    assert me and me[0].cwd == os.getcwd() and me[0].ppid == os.getppid()


def _run_command(tmp_path, monkeypatch, processes) -> tuple[int, list[list[str]]]:
    calls: list[list[str]] = []

    def fake_unlock(args, workdir):
        calls.append(args)
        return subprocess.CompletedProcess(args, 0, "", "")

    monkeypatch.setattr(recovery, "read_processes", lambda: processes)
    monkeypatch.setattr(recovery, "snakemake_unlock", fake_unlock)
    args = argparse.Namespace(workdir=str(tmp_path), snakemake_args=["--", "--cores", "2", "all"])
    return recovery.cmd_unlock_stale(args), calls


def test_the_command_unlocks_a_stale_lock_with_the_same_arguments(tmp_path, monkeypatch, capsys):
    (tmp_path / ".snakemake" / "locks").mkdir(parents=True)
    (tmp_path / ".snakemake" / "locks" / "0.input.lock").write_text("a\n")
    code, calls = _run_command(tmp_path, monkeypatch, [ELSEWHERE])
    out = capsys.readouterr().out
    assert code == 0 and calls == [["--cores", "2", "all"]]
    assert len(out.splitlines()) == 1 and "was killed" in out and "0.input.lock) was removed" in out


def test_the_command_refuses_while_a_live_run_holds_the_lock(tmp_path, monkeypatch, capsys):
    (tmp_path / ".snakemake" / "locks").mkdir(parents=True)
    (tmp_path / ".snakemake" / "locks" / "0.input.lock").write_text("a\n")
    live = Process(4242, 1, str(tmp_path.resolve()), ("snakemake", "--cores", "2"))
    code, calls = _run_command(tmp_path, monkeypatch, [live])
    err = capsys.readouterr().err
    assert code == recovery.HELD_EXIT != 0 and calls == []
    assert len(err.splitlines()) == 1 and "pid 4242" in err and "snakemake --cores 2" in err


def test_the_command_does_nothing_without_a_lock(tmp_path, monkeypatch, capsys):
    code, calls = _run_command(tmp_path, monkeypatch, [])
    assert (code, calls, capsys.readouterr().out) == (0, [], "")
