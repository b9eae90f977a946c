"""config/gpu_smoke.yaml: the paper's DAG and batch arithmetic at a smoke run's sizes, ready for one GPU node.

The run itself needs a GPU node with the hub (see README.md); here its DAG is built and its contract
checked: every rule of the paper's DAG is in it, and each training's global batch divides over the
8 GPUs of one node with the micro-batch, as `alma.train.accumulation_plan` requires at launch.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from alma.train import accumulation_plan

REPO = Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((REPO / "config" / "gpu_smoke.yaml").read_text())
PAPER = yaml.safe_load((REPO / "config" / "paper.yaml").read_text())


def rules_in_job_stats(dry_run_output: str) -> set[str]:
    table = dry_run_output.split("Job stats:", 1)[1].split("total", 1)[0]
    return {m.group(1) for m in re.finditer(r"^([a-z_0-9]+)\s+\d+\s*$", table, re.M)}


def test_the_smoke_run_has_every_rule_of_the_paper_dag(run_snakemake, paper_dry_run):
    smoke = run_snakemake("-n", "--forceall", "--cores", "1", "--configfile", "config/gpu_smoke.yaml")
    assert rules_in_job_stats(smoke.stdout) == rules_in_job_stats(paper_dry_run.stdout)


def test_the_smoke_run_uses_the_papers_models_at_its_stated_sizes():
    for key in ("base_model", "instruct_model", "reward_model"):
        assert (CONFIG[key]["repo"], CONFIG[key].get("chat_template")) == (
            PAPER[key]["repo"],
            PAPER[key].get("chat_template"),
        )
    rounds = CONFIG["rounds"]
    assert (rounds["prompts_per_round"], rounds["responses_per_prompt"], rounds["feedback_rounds"]) == (64, 8, 2)
    assert rounds["sources"] == PAPER["rounds"]["sources"] and CONFIG["judge"]["variant"] == PAPER["judge"]["variant"]


@pytest.mark.parametrize("section", ["sft", "dpo", "judge"])
def test_each_training_divides_over_one_node_with_checkpointing(section):
    params = CONFIG["judge"]["train"] if section == "judge" else CONFIG["train"][section]
    micro, accumulation = accumulation_plan(params["batch_size"], params["micro_batch_size"], world_size=8)
    assert micro * 8 * accumulation == params["batch_size"] and accumulation > 1
    assert params["activation_checkpointing"] is True
