"""The paper's code path, executed: config/small.yaml end to end on CPU (SmolLM2-135M, the hub mirror).

The run uses every rule of config/paper.yaml's DAG (downloads from the local mirror, the GGUF base with
its chat format, the ArmoRM interface, the GPT-4o grader through a served model, AlpacaEval's and
lm-eval's own code), and nothing of the mini world. Checked here: the paper outputs exist with numbers
in them, and every rule name of the paper DAG was executed by this run (the list is printed).
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUN = REPO / "results" / "small"
ARGS = ("--configfile", "config/small.yaml", "--workflow-profile", "profiles/local", "--cores", "2")
MINI_ONLY_RULES = {"pretrain_mini_base", "build_mini_instruct", "build_mini_reward_model", "build_mini_rewardbench",
                   "build_mini_lmeval_tasks", "best_of_n"}  # fmt: skip

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def small_run(run_snakemake):
    for tree in ("results", "logs", "benchmarks"):
        shutil.rmtree(REPO / tree / "small", ignore_errors=True)
    run_snakemake(*ARGS, timeout=3600)
    return RUN


def rules_in_job_stats(dry_run_output: str) -> set[str]:
    """Rule names of a dry run's job-stats table (``name  count`` rows between the header and ``total``)."""
    table = dry_run_output.split("Job stats:", 1)[1].split("total", 1)[0]
    return {m.group(1) for m in re.finditer(r"^([a-z_0-9]+)\s+\d+\s*$", table, re.M)}


def executed_rules(run_snakemake) -> set[str]:
    """Rules that made some output of the finished run, from Snakemake's own records (--summary)."""
    summary = run_snakemake(*ARGS, "--summary").stdout
    rows = csv.DictReader(summary.splitlines()[summary.splitlines().index(next(
        line for line in summary.splitlines() if line.startswith("output_file"))):], delimiter="\t")  # fmt: skip
    return {row["rule"] for row in rows if row.get("rule") and row["rule"] != "-"}


def test_every_rule_of_the_paper_dag_is_executed(small_run, run_snakemake, paper_dry_run):
    paper_rules = rules_in_job_stats(paper_dry_run.stdout) - {"all"}
    assert {"download_seed_sft", "prepare_base_model", "grade_answers_llm", "train_round"} <= paper_rules
    executed = executed_rules(run_snakemake)
    print("paper DAG rules executed by config/small.yaml:", ", ".join(sorted(paper_rules & executed)))
    assert not paper_rules - executed, f"rules of the paper DAG no CI run executes: {sorted(paper_rules - executed)}"
    assert not executed & MINI_ONLY_RULES


def test_the_paper_outputs_have_numbers(small_run):
    paper = small_run / "paper"
    table1 = list(csv.DictReader((paper / "tables" / "table1.csv").open()))
    assert [row["Model"] for row in table1][0].startswith("Base")
    for row in table1:
        assert float(row["ArmoRM Avg"]) >= 0 and float(row["GPT-4o Avg"]) >= 0, row
    curve = list(csv.DictReader((paper / "round_curve.csv").open()))
    assert {r["model"] for r in curve} == {"base", "round1", "round2", "round3", "instruct"}
    assert {r["evaluator"] for r in curve} == {"gpt4o", "armorm"}
    table2 = list(csv.DictReader((paper / "tables" / "table2_judge.csv").open()))
    assert len(table2) == 4
    standard = list(csv.DictReader((paper / "tables" / "standard_benchmarks.csv").open()))
    assert len(standard) == 5 and {"gsm8k (exact_match)", "ifeval (prompt_level_strict_acc)"} <= set(standard[0])
    assert (paper / "check.csv").stat().st_size > 0 and (paper / "figures" / "round_curve.png").stat().st_size > 0


def test_the_base_is_the_packaged_checkpoint_in_its_chat_format(small_run):
    manifest = json.loads((small_run / "base" / "manifest.json").read_text())
    assert manifest["metrics"]["import"]["gguf_sha256"].startswith("b179c952")
    assert manifest["metrics"]["chat_format"] == {
        "chat_template": "chatml", "eos_token": "<|im_end|>", "generation_eos_token_ids": [2]}  # fmt: skip
    grade = json.loads((small_run / "eval" / "round1" / "lima" / "gpt4o.json").read_text())
    assert grade["calls"] + grade["cache_hits"] == grade["n"] and grade["cost_usd"] > 0
    assert grade["grader"]["endpoint"] == "alma serve-openai (127.0.0.1)"
    assert grade["grader"]["served_model"] == "results/small/judge/distill/model/manifest.json"  # the rounds' judge
