"""A real single-node Slurm on localhost for the tests in this folder, once per session.

`start_slurm.sh` installs slurmctld/slurmd/munge with apt when they are missing and starts the
daemons from a temp dir; the fixture skips (with the reason) where that cannot work: not root,
no apt, no network for apt, or a real Slurm already owning /etc/slurm/slurm.conf.
"""

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
# exit codes of start_slurm.sh that mean "this machine cannot host the test cluster"
_CANNOT_HOST = {2: "not root", 3: "another Slurm owns /etc/slurm/slurm.conf", 4: "apt cannot install Slurm"}


@dataclass(frozen=True)
class SlurmCluster:
    base: Path
    env: dict
    bringup_s: float


@pytest.fixture
def run_snakemake():
    """Run the venv's snakemake in `cwd`; returns (exit code, seconds, stdout+stderr), also saved to `log`.

    It is SIGKILLed after `kill_after_s`: a misconfigured slurm plugin hangs and ignores SIGTERM,
    so a plain subprocess timeout would leave it behind.
    """

    def run(*args: str, cwd: Path, env: dict, log: Path, kill_after_s: int) -> tuple[int, float, str]:
        cmd = ["timeout", "-s", "KILL", str(kill_after_s), sys.executable, "-m", "snakemake", *args]
        # rules call the venv's console scripts (`alma`), locally and inside Slurm jobs (--export=ALL)
        env = {**env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"}
        t0 = time.monotonic()
        proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        log.write_text(proc.stdout)
        return proc.returncode, time.monotonic() - t0, proc.stdout

    return run


@pytest.fixture(scope="session")
def slurm_cluster(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("tests/slurm needs root: start_slurm.sh runs slurmctld/slurmd/munge as root")
    packages = ("slurmctld", "slurmd", "slurm-client", "munge")
    installed = shutil.which("dpkg") and all(
        subprocess.run(["dpkg", "-s", p], capture_output=True).returncode == 0 for p in packages
    )
    if not installed and not shutil.which("apt-get"):
        pytest.skip("tests/slurm needs Debian's slurm packages or apt-get to install them")
    base = tmp_path_factory.mktemp("slurm")
    env = {**os.environ, "SLURM_BASE": str(base), "FAKE_GPUS": "2", "NODE_CPUS": "4"}
    env.pop("SLURM_CONF", None)  # the cluster's config is the /etc/slurm symlink, as jobs see it
    t0 = time.monotonic()
    up = subprocess.run(["bash", str(HERE / "start_slurm.sh")], env=env, capture_output=True, text=True, timeout=600)
    bringup_s = time.monotonic() - t0
    if up.returncode in _CANNOT_HOST:
        pytest.skip(f"no localhost Slurm ({_CANNOT_HOST[up.returncode]}): {up.stderr.strip()[-500:]}")
    assert up.returncode == 0, f"start_slurm.sh failed:\n{up.stdout}\n{up.stderr}"
    print(f"\nslurm bring-up {bringup_s:.1f}s: {up.stdout.strip().splitlines()[-1]}")
    yield SlurmCluster(base=base, env=env, bringup_s=bringup_s)
    subprocess.run(["bash", str(HERE / "stop_slurm.sh")], env=env, capture_output=True, timeout=120)
