"""A whole run config (config/paper.yaml) is used alone; overlays (config/ablations/) lie over the first whole config.

Snakemake prints the MD5 of the config it resolved (``json.dumps(config, sort_keys=True)``, after the
schema's defaults are filled in); comparing it with the same hash of the expected config checks every key.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path
from typing import Any

from snakemake.utils import validate

from alma.config import load_yaml, merge_configs

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "workflow/schemas/config.schema.yaml"
MINI = load_yaml(REPO / "config/config.yaml")
PAPER = load_yaml(REPO / "config/paper.yaml")


def with_defaults(config: dict[str, Any]) -> dict[str, Any]:
    """The config as the workflow's validate() leaves it: the schema's defaults filled in."""
    config = copy.deepcopy(config)
    validate(config, str(SCHEMA))
    return config


def config_md5(config: dict[str, Any]) -> str:
    return hashlib.md5(json.dumps(config, sort_keys=True).encode()).hexdigest()


def printed_md5(output: str) -> str:
    return re.search(r"Config MD5: ([0-9a-f]{32})", output).group(1)


def flat(config: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted key -> leaf value."""
    out: dict[str, Any] = {}
    for key, value in config.items():
        name = f"{prefix}.{key}" if prefix else key
        out.update(flat(value, name) if isinstance(value, dict) and value else {name: value})
    return out


def params_of(output: str, rule: str, output_file: str) -> tuple[dict[str, Any], str]:
    """The ``--params`` JSON and the shell command of the job of ``rule`` that writes ``output_file``."""
    for block in output.split("\nrule ")[1:]:
        if block.startswith(f"{rule}:") and re.search(rf"^    output: .*{re.escape(output_file)}", block, re.M):
            shell = re.search(r"^Shell command: (.*)$", block, re.M).group(1)
            return json.loads(re.search(r"--params '(\{.*?\})'", shell).group(1)), shell
    raise AssertionError(f"no {rule} job writes {output_file}")


def test_the_paper_run_is_paper_yaml_and_schema_defaults_only(paper_dry_run):
    resolved = with_defaults(PAPER)
    assert printed_md5(paper_dry_run.stdout) == config_md5(resolved)
    assert "Config file(s): [PosixPath(" in paper_dry_run.stdout and "'config/config.yaml'" not in paper_dry_run.stdout
    # no value the mini world sets and the paper does not (mini:, ablations:, judge.distill_*, ...)
    mini, paper, seen = flat(MINI), flat(PAPER), flat(resolved)
    leaked = sorted(key for key in set(mini) - set(paper) if key in seen and seen[key] == mini[key])
    assert not leaked
    assert "mini" not in resolved and "table5" not in resolved["ablations"]  # the mini world's budgets
    assert resolved["judge"]["template"] == "standard"
    assert resolved["judge"]["distill_replay"] is None and resolved["judge"]["distill_epochs"] is None


def test_the_paper_jobs_get_the_papers_settings(paper_dry_run):
    out = paper_dry_run.stdout
    assert '"template": "compact"' not in out and "--replay" not in out
    judge_train = {**PAPER["judge"]["train"], "micro_batch_size": 2, "activation_checkpointing": True}
    assert PAPER["judge"]["train"] == judge_train  # the 8B judge: micro batches of 2, activations recomputed

    params, _ = params_of(out, "train_judge", "results/paper/judge/ft/manifest.json")
    assert params == {"seed": 0, "train": judge_train}
    # self-distillation continues with the judge's own settings, not the mini world's gentler ones
    params, shell = params_of(out, "distill_judge", "results/paper/judge/distill/model/manifest.json")
    assert params == {"seed": 1, "train": judge_train}
    assert "--template standard" in shell and "--replay" not in shell  # every annotation is replayed

    scoring = {"batch_size": 64, "judge_id": "Llama-3-8B", "template": "standard", "variant": "ft_real_distill"}
    params, _ = params_of(out, "score_responses", "results/paper/round11/judgments/latest/shard99.jsonl")
    assert params == scoring
    params, _ = params_of(out, "score_distill_pairs", "results/paper/judge/distill/judgments.jsonl")
    assert params == {**scoring, "variant": "ft_real"}

    sft = {
        "epochs": 3,
        "learning_rate": 1.0e-5,
        "batch_size": 128,
        "micro_batch_size": 2,
        "activation_checkpointing": True,
        "max_length": 4096,
        "warmup_ratio": 0.03,
    }
    params, _ = params_of(out, "train_round", "results/paper/round11/model/manifest.json")
    assert params == {"seed": 1101, "train": sft}
    params, _ = params_of(out, "train_initial_sft", "results/paper/round1/sft2/manifest.json")
    assert params == {"seed": 2, "train": sft}


def test_the_mini_world_and_an_overlay_over_it_resolve_as_before(run_snakemake):
    proc = run_snakemake("-n", "--cores", "1")
    assert printed_md5(proc.stdout) == config_md5(with_defaults(MINI))
    # `make ablations`: an overlay alone lies over config/config.yaml (shared_run pointed at itself, so the
    # dry run needs no built upstream)
    overlay = load_yaml(REPO / "config/ablations/dpo.yaml")
    proc = run_snakemake(
        "results/mini_dpo/round2/prompts.jsonl", "-n", "--cores", "1",
        "--configfile", "config/ablations/dpo.yaml", "--config", "shared_run=mini_dpo",
    )  # fmt: skip
    expected = merge_configs(merge_configs(MINI, overlay), {"shared_run": "mini_dpo"})
    assert printed_md5(proc.stdout) == config_md5(with_defaults(expected))


def test_an_overlay_lies_over_the_paper_when_the_paper_comes_first(run_snakemake):
    overlay = load_yaml(REPO / "config/ablations/random_prompts.yaml")
    own = {"run": "paper_random_prompts", "shared_run": "paper_random_prompts"}
    # the config is printed before the DAG is built, which needs the downloaded evaluation sets
    proc = run_snakemake(
        "results/paper_random_prompts/round2/prompts.jsonl", "-n", "--cores", "1",
        "--configfile", "config/paper.yaml", "config/ablations/random_prompts.yaml",
        "--config", *[f"{key}={value}" for key, value in own.items()], check=False,
    )  # fmt: skip
    assert printed_md5(proc.stdout) == config_md5(with_defaults(merge_configs(merge_configs(PAPER, overlay), own)))
    proc = run_snakemake(
        "-n", "--cores", "1", "--configfile", "config/ablations/dpo.yaml", "config/paper.yaml", check=False
    )
    assert proc.returncode != 0 and "config/paper.yaml sets `world:`, so it is a whole run config" in proc.stdout
