"""Jobs that need no model never import torch or pandas: a mini run starts ~110 `alma` processes.

Importing torch costs about 1.4 s and pandas 0.4 s per process on 2 cores; the oracle grade of a
model's 500 answers takes 0.6 s without them. Each check runs in a fresh interpreter and reads
`sys.modules` after the command, so it asserts what was imported, not how long it took.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from alma.mini.tasks import sample_tasks
from alma.mini.universe import build_universe
from alma.records import write_jsonl

PROBE = """
import sys, alma.cli
code = alma.cli.main(sys.argv[1:]) if len(sys.argv) > 1 else alma.cli.build_parser() and 0
print(code, ",".join(sorted(m for m in ("torch", "pandas", "transformers") if m in sys.modules)))
"""


def _run(*argv: str) -> tuple[int, set[str]]:
    out = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, check=True).stdout
    code, *modules = out.strip().splitlines()[-1].split()
    return int(code), set(modules[0].split(",")) if modules else set()


@pytest.fixture(scope="module")
def graded_inputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("grade")
    tasks = sample_tasks(build_universe(0), 6, seed=0, split="eval")
    prompts = [{"id": f"q{i}", "text": t.prompt, "benchmark": "lima"} for i, t in enumerate(tasks)]
    answers = [
        {"prompt_id": f"q{i}", "response_id": f"q{i}/{name}", "checkpoint": name, "sample_index": 0, "seed": 0,
         "sampling": {}, "text": t.reference if name == "good" else "No."}
        for name in ("good", "bad") for i, t in enumerate(tasks)
    ]  # fmt: skip
    write_jsonl(root / "prompts.jsonl", prompts, "eval_prompt")
    write_jsonl(root / "good.jsonl", answers[:6], "response")
    write_jsonl(root / "bad.jsonl", answers[6:], "response")
    return root


def test_building_the_cli_imports_no_heavy_library():
    assert _run() == (0, set())


def test_oracle_grading_imports_no_model_library(graded_inputs):
    out = graded_inputs / "oracle.json"
    argv = ["grade", "--prompts", str(graded_inputs / "prompts.jsonl"), "--answers", str(graded_inputs / "good.jsonl"),
            "--name", "good", "--evaluator", "oracle", "--params", '{"universe_seed": 0}', "--out", str(out),
            "--threads", "1"]  # fmt: skip
    assert _run(*argv) == (0, set())
    assert json.loads(out.read_text())["scores"] == [10.0] * 6


def test_alpacaeval_with_the_oracle_judge_imports_no_model_library(graded_inputs):
    out = graded_inputs / "alpacaeval.json"
    argv = ["alpacaeval", "--prompts", str(graded_inputs / "prompts.jsonl"),
            "--model-answers", str(graded_inputs / "good.jsonl"), "--reference-answers", str(graded_inputs / "bad.jsonl"),
            "--name", "good", "--params", '{"judge": "oracle", "universe_seed": 0}', "--out", str(out),
            "--threads", "1"]  # fmt: skip
    code, modules = _run(*argv)
    assert code == 0 and not {"torch", "transformers"} & modules  # alpaca-eval itself brings pandas
    assert json.loads(out.read_text())["win_rate"] == 100.0


THREADS_PROBE = """
import sys
from alma.commands import set_threads
if sys.argv[1] == "before":
    import torch
set_threads(1)
import torch
print(torch.get_num_threads(), "torch" in sys.modules)
"""


@pytest.mark.parametrize("torch_loaded", ["before", "after"])
def test_the_thread_cap_reaches_torch_imported_before_or_after_it(torch_loaded):
    # torch defaults to one thread per core; the cap must hold whether the job loaded torch first
    # (set directly) or loads it later with the model (read from OMP_NUM_THREADS at import).
    env = {k: v for k, v in __import__("os").environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", THREADS_PROBE, torch_loaded], capture_output=True, text=True,
                         check=True, env=env).stdout  # fmt: skip
    assert out.split() == ["1", "True"]
