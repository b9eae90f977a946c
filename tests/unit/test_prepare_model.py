"""`alma prepare-base`: a model's manifest for a run, from a local directory (shipped or downloaded)."""

from __future__ import annotations

import json
import shutil

import alma.cli
from alma.models import resolve_model
from alma.records import read_json, write_json


def _prepare(path, out) -> int:
    params = json.dumps({"name": "m", "path": str(path), "trust_remote_code": False})
    return alma.cli.main(["prepare-base", "--params", params, "--out", str(out)])


def test_a_shipped_model_keeps_its_build_metrics(tiny_model_dir, tmp_path):
    shipped = tmp_path / "resources" / "mini-reward-model"
    shutil.copytree(tiny_model_dir, shipped)
    write_json(shipped / "manifest.json", {"path": ".", "metrics": {"calibration": {"low": -4.5, "high": 0.6}}})
    out = tmp_path / "results" / "run" / "reward_model" / "manifest.json"
    assert _prepare(shipped, out) == 0
    manifest = read_json(out)
    assert manifest["metrics"]["calibration"] == {"low": -4.5, "high": 0.6}
    assert resolve_model(out) == shipped.resolve()
    assert "model.safetensors" in manifest["files"]


def test_a_plain_model_directory_gets_empty_metrics(tiny_model_dir, tmp_path):
    out = tmp_path / "base" / "manifest.json"
    assert _prepare(tiny_model_dir, out) == 0
    assert read_json(out)["metrics"] == {}


def test_a_missing_directory_without_a_hub_repo_is_refused_by_name(tmp_path, capsys):
    assert _prepare(tmp_path / "nowhere", tmp_path / "m.json") == 2
    assert "nowhere" in capsys.readouterr().err and not (tmp_path / "m.json").exists()
