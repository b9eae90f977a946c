"""Run ``alma serve-openai`` as a child process for the length of one grading job.

:func:`served_endpoint` starts the server on a free loopback port (the server binds port 0 itself
and reports the port it got, so no other process can take it in between), waits until the model is
loaded, yields the endpoint's base URL, and always stops the server: on success, on an error, on
SIGTERM (Snakemake cancelling the job), and, through the server's own parent watch, even when the
grading process is killed outright.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from alma.records import read_json, sha256_text

log = logging.getLogger(__name__)

LOCAL_KEY_ENV = "ALMA_LOCAL_GRADER_KEY"
"""Environment variable holding the placeholder key sent to the local server (which accepts any key)."""


class ServerStartError(ValueError):
    """The local server exited or did not become ready in time (the message ends with its last log lines)."""


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """A running local server."""

    base_url: str
    pid: int


def served_model_identity(manifest_path: str | Path) -> str:
    """A short hash naming the served weights (file hashes, path, config), so cached grades follow the model."""
    manifest = read_json(manifest_path)
    identity = [manifest.get("files"), manifest.get("path"), manifest.get("config_hash")]
    return sha256_text(json.dumps(identity, sort_keys=True))[:12]


def _tail(path: Path, lines: int = 20) -> str:
    text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
    return "\n".join(text.splitlines()[-lines:]) or "(no output)"


def _wait_ready(proc: subprocess.Popen, ready: Path, log_path: Path, what: str, timeout_s: float) -> int:
    """The port the server listens on, once its ready file appears."""
    deadline = time.monotonic() + timeout_s
    while not ready.is_file():
        code = proc.poll()
        if code is not None:
            raise ServerStartError(f"{what} exited with status {code} before it was ready; its last lines:\n"
                                   f"{_tail(log_path)}")  # fmt: skip
        if time.monotonic() > deadline:
            raise ServerStartError(f"{what} was not ready after {timeout_s:.0f} s (raise grader.serve_timeout_s "
                                   f"for a slow model load); its last lines:\n{_tail(log_path)}")  # fmt: skip
        time.sleep(0.1)
    return int(json.loads(ready.read_text(encoding="utf-8"))["port"])


def _stop(proc: subprocess.Popen, grace_s: float = 10.0) -> None:
    """Terminate the server, then kill it if it lingers; reap it either way."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally that stops the server


@contextlib.contextmanager
def served_endpoint(
    model: str | Path, threads: int | None = None, timeout_s: float = 600.0, hide_env: Sequence[str] = ()
) -> Iterator[Endpoint]:
    """Serve ``model`` (a manifest or model directory) on 127.0.0.1 for the duration of the ``with`` block.

    Args:
        model: what ``alma serve-openai --model`` loads.
        threads: CPU threads of the server.
        timeout_s: how long the model may take to load.
        hide_env: environment variables the server must not inherit (API keys it has no use for).

    Raises:
        ServerStartError: the server died or was not ready within ``timeout_s``.
    """
    what = f"the local grading server (alma serve-openai --model {model})"
    with tempfile.TemporaryDirectory(prefix="alma-serve-") as tmp:
        ready, log_path = Path(tmp) / "ready.json", Path(tmp) / "server.log"
        command = [sys.executable, "-m", "alma.cli", "serve-openai", "--model", str(model), "--port", "0",
                   "--ready-file", str(ready), "--parent-pid", str(os.getpid())]  # fmt: skip
        if threads:
            command += ["--threads", str(threads)]
        env = {k: v for k, v in os.environ.items() if k not in set(hide_env)}
        in_main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, _exit_on_sigterm) if in_main else None
        with open(log_path, "wb") as server_log:
            proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=server_log, stderr=subprocess.STDOUT,
                                    env=env)  # fmt: skip
        try:
            port = _wait_ready(proc, ready, log_path, what, timeout_s)
            log.info("local grading server (pid %d) serves %s on 127.0.0.1:%d", proc.pid, model, port)
            yield Endpoint(base_url=f"http://127.0.0.1:{port}/v1", pid=proc.pid)
        finally:
            _stop(proc)
            if in_main and previous is not None:
                signal.signal(signal.SIGTERM, previous)
            log.info("local grading server (pid %d) stopped; its log:\n%s", proc.pid, _tail(log_path, 50))
