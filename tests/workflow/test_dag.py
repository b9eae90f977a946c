"""The DAG of every committed config builds, lints clean, and has the paper's structure."""

import re

import pytest

CONFIGS = ["config/config.yaml", "config/paper.yaml", "tests/config/config.yaml"]


def job_counts(output: str) -> dict[str, int]:
    table = output.split("Job stats:")[1].split("total")[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M)}


@pytest.mark.parametrize("configfile", CONFIGS)
def test_dry_run(run_snakemake, configfile):
    proc = run_snakemake("-n", "--forceall", "--cores", "1", "--configfile", configfile)
    assert "Job stats:" in proc.stdout


def test_lint_has_no_warnings(run_snakemake):
    proc = run_snakemake("--lint", "--cores", "1", check=False)
    text = proc.stdout + proc.stderr
    assert proc.returncode == 0, text[-3000:]
    assert "Congratulations, your workflow is in a good condition!" in text, text[-3000:]


def test_paper_dag_has_two_sft_seeds_rounds_2_to_11_and_sharded_synthesis(paper_dry_run):
    proc = paper_dry_run
    counts = job_counts(proc.stdout)
    assert counts["train_initial_sft"] == 2
    assert counts["train_round"] == 10 and counts["select_prompts"] == 10
    rounds = set(re.findall(r"results/paper/round(\d+)/model/manifest\.json", proc.stdout))
    assert rounds == {str(r) for r in range(2, 12)}
    assert counts["synthesize_prompts"] == 2000
    # round 2 samples from the SFT pair only; rounds 3..11 also from the latest model (100 shards each)
    assert counts["sample_responses"] == 2 * 100 + 9 * 3 * 100
    for model in ("base", "round11", "instruct"):
        assert f"results/paper/eval/{model}/arena_hard/armorm.json" in proc.stdout
        assert f"results/paper/eval/{model}/lima/gpt4o.json" in proc.stdout


def test_round_training_reads_every_earlier_rounds_data(paper_dry_run):
    proc = paper_dry_run
    block = proc.stdout.split("output: results/paper/round11/model/manifest.json")[0].rsplit("rule train_round:", 1)[1]
    for r in range(2, 12):
        assert f"results/paper/round{r}/data/best.jsonl" in block
    assert "results/paper/seed/sft_messages.jsonl" in block


def test_the_oracle_judge_needs_no_judge_model_and_is_refused_outside_the_mini_world(run_snakemake):
    oracle = 'judge={"variant": "oracle"}'
    proc = run_snakemake(
        "-n", "--forceall", "--cores", "1", "-p", "--configfile", "tests/config/config.yaml", "--config", oracle
    )
    scoring = [b for b in proc.stdout.split("rule ")[1:] if b.startswith("score_responses:")]
    assert scoring and all("judge/ft/manifest.json" not in b and '"variant": "oracle"' in b for b in scoring)
    proc = run_snakemake("-n", "--cores", "1", "--configfile", "config/paper.yaml", "--config", oracle, check=False)
    assert proc.returncode != 0 and "oracle exists only in the mini world" in proc.stdout + proc.stderr


def test_mini_runs_use_the_shipped_stand_ins_and_their_rules_rebuild_them(run_snakemake):
    # A run from an empty results tree (a run name nobody uses) reads resources/ as it is: the
    # build rules have no inputs, so only --forcerun (or a missing resource) runs them.
    proc = run_snakemake("-n", "--cores", "1", "--configfile", "config/config.yaml", "--config", "run=dag_probe")
    counts = job_counts(proc.stdout)
    assert counts["prepare_instruct_model"] == counts["prepare_reward_model"] == counts["prepare_base_model"] == 1
    assert not {"build_mini_instruct", "build_mini_reward_model", "pretrain_mini_base"} & set(counts)
    targets = ("resources/mini-instruct/manifest.json", "resources/mini-reward-model/manifest.json")
    forced = ("--forcerun", "build_mini_instruct", "build_mini_reward_model")
    proc = run_snakemake("-n", "-p", "--cores", "1", *forced, *targets)
    assert set(job_counts(proc.stdout)) >= {"build_mini_instruct", "build_mini_reward_model"}
    assert "--instruct-out resources/mini-instruct/build/instruct_sft.jsonl" in proc.stdout
    assert '"instruct_examples": 600' in proc.stdout and '"reward_model_pairs": 800' in proc.stdout
    assert "train-reward-model --base resources/mini-reward-model/build/base.json" in proc.stdout


def test_the_stand_ins_build_the_same_under_every_config(run_snakemake):
    # A rule whose params change is rerun by Snakemake; if a run's config could change these, a test
    # run would overwrite the shipped models that every run reads.
    targets = ("resources/mini-instruct/manifest.json", "resources/mini-reward-model/manifest.json")
    forced = ("--forcerun", "build_mini_instruct", "build_mini_reward_model")
    commands = []
    for configfile in ("config/config.yaml", "tests/config/config.yaml"):
        proc = run_snakemake("-n", "-p", "--cores", "1", "--configfile", configfile, *forced, *targets)
        lines = proc.stdout.splitlines()
        commands.append(sorted(line for line in lines if line.startswith("Shell command:") and "/build/" in line))
    assert len(commands[0]) == 2 and commands[0] == commands[1]
