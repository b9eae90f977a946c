"""What a GPU run checks (``pytest tests/gpu``), and where its measurements go.

Every test here needs a CUDA device and skips with the reason elsewhere; the vLLM tests also need
vLLM. Measured figures (peak memory per rank, agreement margins) are appended as JSON lines to
``$ALMA_GPU_REPORT`` when set, so a cluster's smoke run leaves a record to size its profile by.
"""

from __future__ import annotations

import json
import os

import pytest


def cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


def pytest_collection_modifyitems(config, items):
    if cuda_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU (torch.cuda.is_available() is False)")
    for item in items:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def gpu_report():
    """record(name, **figures): one JSON line per measurement in $ALMA_GPU_REPORT (and on stdout)."""

    def record(name: str, **figures) -> None:
        line = json.dumps({"check": name, **figures}, sort_keys=True)
        print(line)
        if os.environ.get("ALMA_GPU_REPORT"):
            with open(os.environ["ALMA_GPU_REPORT"], "a") as out:
                out.write(line + "\n")

    return record
