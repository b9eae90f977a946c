"""lm-eval on a random-init tiny model with two local tasks (multiple choice + generation), fully offline."""

import json

import pytest
import yaml

import alma.cli
from alma.evaluation.lmeval import run_lmeval, write_local_tasks

MC = [{"question": f"What is {i} plus one?", "choices": [str(i + 1), str(i + 2), str(i + 5)], "label": 0}
      for i in range(8)]  # fmt: skip
GEN = [{"question": f"Repeat the number {i}.", "answer": str(i)} for i in range(8)]


def test_task_yaml_uses_absolute_data_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    task_dir = write_local_tasks("tasks", {"toy_mc": MC, "toy_gen": GEN})
    assert task_dir.is_absolute()
    mc = yaml.safe_load((task_dir / "toy_mc.yaml").read_text())
    gen = yaml.safe_load((task_dir / "toy_gen.yaml").read_text())
    assert mc["output_type"] == "multiple_choice" and gen["output_type"] == "generate_until"
    for config in (mc, gen):
        path = config["dataset_kwargs"]["data_files"]["test"]
        assert path.startswith("/") and len((task_dir / f"{config['task']}.jsonl").read_text().splitlines()) == 8
    with pytest.raises(ValueError, match="every doc needs"):
        write_local_tasks(tmp_path / "bad", {"bad": [{"text": "x"}]})


def test_lmeval_command_runs_both_tasks_from_another_directory(tiny_manifest, tmp_path, monkeypatch):
    if "alma.commands.external" not in alma.cli.COMMAND_MODULES:
        monkeypatch.setattr(alma.cli, "COMMAND_MODULES", (*alma.cli.COMMAND_MODULES, "alma.commands.external"))
    task_dir = write_local_tasks(tmp_path / "tasks", {"toy_mc": MC, "toy_gen": GEN})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the notes' trap: relative data paths would break here
    out = tmp_path / "lmeval.json"
    params = {"tasks": ["toy_mc", "toy_gen"], "batch_size": 8, "device": "cpu", "apply_chat_template": True}
    argv = ["lmeval", "--model", str(tiny_manifest), "--tasks-dir", str(task_dir), "--out", str(out),
            "--params", json.dumps(params)]  # fmt: skip
    assert alma.cli.main(argv) == 0
    results = json.loads(out.read_text())["results"]
    assert 0.0 <= results["toy_mc"]["acc"] <= 1.0 and "acc_norm" in results["toy_mc"]
    assert 0.0 <= results["toy_gen"]["exact_match"] <= 1.0


def test_run_lmeval_limit(tiny_model_dir, tmp_path):
    task_dir = write_local_tasks(tmp_path / "tasks", {"toy_mc": MC})
    results = run_lmeval(tiny_model_dir, ["toy_mc"], include_path=task_dir, limit=4, apply_chat_template=False,
                         batch_size=4, device="cpu")  # fmt: skip
    assert set(results) == {"toy_mc"} and results["toy_mc"]["sample_len"] == 4
