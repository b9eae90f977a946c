"""The cpu role image built for real, converted for Apptainer, and one mini-workflow rule run in it
with `--sdm apptainer`, its output equal to a host run (build_and_run.sh does the work)."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.containers

SCRIPT = Path(__file__).resolve().parent / "build_and_run.sh"


def test_cpu_image_runs_a_rule_like_the_host():
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip("needs root on Debian: starts dockerd, debootstraps rootfs, uses mount namespaces")
    # WORK is kept between runs (base rootfs, wheels and the apptainer rootfs are reused)
    work = os.environ.get("ALMA_CONTAINERS_WORK", "/tmp/alma-containers")
    proc = subprocess.run(["bash", str(SCRIPT), work], capture_output=True, text=True, timeout=3600)
    print(proc.stdout[-4000:])
    assert proc.returncode == 0, (
        f"build_and_run.sh exit {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )
    summary = re.search(r"^SUMMARY ok .*$", proc.stdout, re.M)
    assert summary, proc.stdout[-2000:]
