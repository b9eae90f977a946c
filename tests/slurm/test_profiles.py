"""The three profiles (slurm, local, ci-slurm) without a cluster: they parse as snakemake options,
name only rules the workflow has, agree on which rules need GPUs, and the slurm plugin turns the
paper profile into the sbatch lines a GPU cluster needs. The paper-scale dry run shows every job
with its resources."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yte

REPO = Path(__file__).resolve().parents[2]
PROFILES = ("slurm", "local", "ci-slurm")
RULE_FILES = sorted((REPO / "workflow" / "rules").glob("*.smk"))
# roles whose rules run on GPUs at paper scale (containers/images.yaml); eval's grade_answers too
GPU_ROLES = ("train", "vllm")


@pytest.fixture(autouse=True)
def no_site_environment(monkeypatch):
    """The profiles read ALMA_* site variables; tests see the committed defaults."""
    for name in list(os.environ):
        if name.startswith("ALMA_"):
            monkeypatch.delenv(name)


def render(name: str) -> dict:
    """A profile as snakemake reads it: YAML, then the YTE template (site variables) evaluated."""
    with open(REPO / "profiles" / name / "config.yaml") as stream:
        return yte.process_yaml(stream, require_use_yte=True)


def workflow_rules() -> dict[str, str | None]:
    """Rule name -> container role, from workflow/rules/*.smk (target rules live in the Snakefile)."""
    rules = {}
    for path in RULE_FILES:
        # rules may sit indented under an `if` (e.g. train_round for SFT or DPO)
        blocks = re.split(r"(?m)^[ \t]*rule (\w+):", path.read_text())
        for name, body in zip(blocks[1::2], blocks[2::2], strict=True):
            role = re.search(r'container_for\("(\w+)"\)', body)
            rules[name] = role.group(1) if role else None
    return rules


def gpu_rules(profile: dict) -> set[str]:
    return {
        rule for rule, res in profile["set-resources"].items() if res.get("gpu") or "gpu" in str(res.get("gres", ""))
    }


def resources_of(profile: dict, rule: str) -> dict:
    return {**profile["default-resources"], **profile["set-resources"].get(rule, {})}


class Resources(dict):
    """Snakemake's job.resources as the plugin reads it: .get() and attributes."""

    __getattr__ = dict.__getitem__


class FakeJob:
    def __init__(self, name: str, resources: dict):
        self.name, self.resources, self.threads = name, Resources(resources), 1


def sbatch_line(rule: str, resources: dict) -> str:
    """The sbatch call snakemake-executor-plugin-slurm writes for a job with these resources."""
    from snakemake_executor_plugin_slurm.submit_string import get_submit_command
    from snakemake_executor_plugin_slurm.utils import set_gres_string

    job = FakeJob(rule, resources)
    params = {
        "run_uuid": "test", "slurm_logfile": "log", "comment_str": f"rule_{rule}", "workdir": "wd",
        "account": f"-A {resources['slurm_account']}" if "slurm_account" in resources else "",
        "partition": f"-p {resources['slurm_partition']}",
    }  # fmt: skip
    return get_submit_command(job, params) + set_gres_string(job)


@pytest.mark.parametrize("name", PROFILES)
def test_profile_keys_are_snakemake_options(name):
    from snakemake.cli import get_argument_parser
    from snakemake.profiles import ProfileConfigFileParser

    options = get_argument_parser()._option_string_actions
    with open(REPO / "profiles" / name / "config.yaml") as stream:
        parsed = ProfileConfigFileParser().parse(stream)
    unknown = [key for key in parsed if f"--{key}" not in options]
    assert not unknown, f"profiles/{name}: not snakemake options: {unknown}"


@pytest.mark.skipif(not RULE_FILES, reason="workflow/rules/*.smk do not exist yet")
@pytest.mark.parametrize("name", PROFILES)
def test_profile_names_only_rules_of_the_workflow(name):
    # snakemake silently ignores set-resources of a rule it does not have: a typo would drop a GPU
    profile = render(name)
    unknown = (set(profile["set-resources"]) | set(profile.get("set-threads", {}))) - set(workflow_rules())
    assert not unknown, f"profiles/{name} sizes rules the workflow does not have: {sorted(unknown)}"


@pytest.mark.skipif(not RULE_FILES, reason="workflow/rules/*.smk do not exist yet")
def test_local_profile_changes_threads_of_inference_only():
    # inference outputs are bit-identical at 1 and 2 threads; training's floating-point sums may not be
    threads = render("local")["set-threads"]
    training = {rule for rule, role in workflow_rules().items() if role == "train"}
    assert threads and not set(threads) & training, (
        f"profiles/local re-threads training: {sorted(set(threads) & training)}"
    )
    assert set(threads.values()) == {1}, threads


@pytest.mark.skipif(not RULE_FILES, reason="workflow/rules/*.smk do not exist yet")
def test_slurm_profile_sizes_every_rule():
    missing = set(workflow_rules()) - set(render("slurm")["set-resources"])
    assert not missing, f"profiles/slurm has no entry (runtime, memory, GPUs) for: {sorted(missing)}"


@pytest.mark.skipif(not RULE_FILES, reason="workflow/rules/*.smk do not exist yet")
def test_profiles_agree_on_gpu_rules():
    rules = workflow_rules()
    on_gpu = gpu_rules(render("slurm"))
    needs_gpu = {rule for rule, role in rules.items() if role in GPU_ROLES}
    assert needs_gpu <= on_gpu, f"rules in a GPU image without a GPU in profiles/slurm: {sorted(needs_gpu - on_gpu)}"
    assert gpu_rules(render("ci-slurm")) == on_gpu, "profiles/ci-slurm must exercise the same GPU rules"
    assert set(render("local")["set-resources"]) == on_gpu, "profiles/local must claim GPUs for the same rules"


def test_training_takes_a_whole_node_as_one_task():
    profile = render("slurm")
    for rule in ("train_initial_sft", "train_round", "train_judge", "distill_judge"):
        line = sbatch_line(rule, resources_of(profile, rule))
        assert "--gpus=8" in line and "--cpus-per-task=96" in line, line
        # one task: the launcher forks the 8 ranks; --ntasks-per-gpu would start 8 launchers
        assert "--ntasks-per-gpu" not in line and "--ntasks=" not in line, line
        assert "-p gpu" in line and re.search(r" -t \d+", line) and re.search(r" --mem \d+", line), line


def test_generation_jobs_take_one_gpu_and_cpu_jobs_none():
    profile = render("slurm")
    for rule in ("synthesize_prompts", "sample_responses", "score_responses", "generate_answers", "grade_answers"):
        line = sbatch_line(rule, resources_of(profile, rule))
        assert "--gpus=1" in line and "-p gpu" in line and "--ntasks-per-gpu" not in line, line
    for rule in ("merge_prompts", "cluster_prompts", "select_best", "table1"):
        line = sbatch_line(rule, resources_of(profile, rule))
        assert "--gpus" not in line and "--gres" not in line and "-p cpu" in line and "--ntasks=1" in line, line


def test_site_variables_reach_the_sbatch_line(monkeypatch):
    monkeypatch.setenv("ALMA_SLURM_ACCOUNT", "alma-lab")
    monkeypatch.setenv("ALMA_GPU_PARTITION", "h100")
    monkeypatch.setenv("ALMA_GPU_MODEL", "h100")
    profile = render("slurm")
    line = sbatch_line("train_round", resources_of(profile, "train_round"))
    assert "-A alma-lab" in line and "-p h100" in line and "--gpus=h100:8" in line, line
    assert "--gpus=" not in sbatch_line("table1", resources_of(profile, "table1"))


@pytest.mark.parametrize(("gpus", "claim"), [("0", 0), ("8", 8)])
def test_local_profile_claims_the_machines_gpus(monkeypatch, gpus, claim):
    monkeypatch.setenv("ALMA_GPUS", gpus)
    profile = render("local")
    assert profile["resources"]["gpu"] == claim
    assert {res["gpu"] for res in profile["set-resources"].values()} == {claim}


@pytest.mark.slow
@pytest.mark.skipif(not (REPO / "config" / "paper.yaml").exists(), reason="config/paper.yaml does not exist yet")
def test_paper_dry_run_shows_every_job_with_its_resources(tmp_path):
    # a dry run checks for an apptainer binary (the profile turns containers on) but never runs it
    shim = tmp_path / "bin" / "apptainer"
    shim.parent.mkdir()
    shim.write_text("#!/bin/sh\necho 'apptainer version 1.4.5'\n")
    shim.chmod(0o755)
    env = {**os.environ, "PATH": f"{shim.parent}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "--profile", "profiles/slurm", "--configfile", "config/paper.yaml", "-n"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    jobs = re.findall(r"(?ms)^(?:local)?rule (\w+):\n(.*?)(?=^\S|\Z)", proc.stdout)
    assert jobs, proc.stdout[-2000:]
    on_gpu = gpu_rules(render("slurm"))
    for rule, block in jobs:
        if rule in ("all", "eval_all", "judge_all"):
            continue
        resources = re.search(r"^\s+resources: (.*)$", block, re.M)
        assert resources, f"job of {rule} printed without resources:\n{block}"
        assert "runtime=" in resources.group(1) and "mem_mb=" in resources.group(1), (rule, resources.group(1))
        assert ("gpu=" in resources.group(1)) == (rule in on_gpu), (rule, resources.group(1))
    counts = {rule: sum(r == rule for r, _ in jobs) for rule, _ in jobs}
    print(f"\npaper dry run: {len(jobs)} jobs, e.g. {dict(sorted(counts.items(), key=lambda kv: -kv[1])[:4])}")
