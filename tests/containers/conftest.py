"""tests/containers builds and runs real images (minutes, root): only on request.

`make test-containers` runs `pytest -m containers tests/containers`; a plain `pytest tests`
(`make test`) skips these tests, so the default suite stays fast and needs no container engine.
"""

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "containers: builds a role image and runs a rule in it (make test-containers)")


def pytest_collection_modifyitems(config, items):
    if "containers" in (config.getoption("-m") or ""):
        return
    skip = pytest.mark.skip(reason="builds images for minutes: run with `make test-containers` (-m containers)")
    for item in items:
        if "containers" in item.keywords:
            item.add_marker(skip)
