"""The workflow through snakemake's Slurm executor on a real localhost Slurm (profiles/ci-slurm).

Three checks: the profile's request shapes reach Slurm as the paper profile writes them (toy
workflow, fast); a failing job is reported and snakemake exits non-zero instead of hanging; and the
mini workflow (tests/config/config.yaml) gives the same JSON/JSONL outputs through Slurm as locally.
"""

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slurm

REPO = Path(__file__).resolve().parents[2]

CI_PROFILE = REPO / "profiles" / "ci-slurm"
TEST_CONFIG = REPO / "tests" / "config" / "config.yaml"
SHIPPED_BASE = REPO / "resources" / "mini-base" / "pretrain.json"


def slurm_targets(run: str) -> list[str]:
    """What the comparison runs: the whole test DAG takes ~15 min of CPU per run here (twice), so by
    default two targets that reach every request shape of the profile in about a minute: CPU rules,
    1 GPU by --gpus (generate_answers), 1 GPU by --gres (grade_answers) and a 2-GPU single-task
    training job (train_initial_sft). ALMA_SLURM_FULL_DAG=1 runs `all`."""
    if os.environ.get("ALMA_SLURM_FULL_DAG") == "1":
        return ["all"]
    return [f"results/{run}/round1/sft1/manifest.json", f"results/{run}/eval/base/lima/oracle.json"]


# what a copy of the repository for a run leaves out: environments, VCS, earlier results
_NOT_COPIED = shutil.ignore_patterns(
    ".venv*",
    ".git",
    ".snakemake",
    "results",
    "logs",
    "benchmarks",
    ".cache",
    "__pycache__",
    ".pytest_cache",
    "*.egg-info",
)

# Rules named as in the workflow, so the ci-slurm profile's set-resources apply to them.
TOY_ROUTING = """
ECHO = "echo part=$SLURM_JOB_PARTITION gpus=${{CUDA_VISIBLE_DEVICES:-none}} ntasks=$SLURM_NTASKS cpus=$SLURM_CPUS_PER_TASK > {output}"
rule all:
    input: "results/merge_prompts.txt", "results/sample_responses.txt", "results/score_responses.txt", "results/train_round.txt"
rule merge_prompts:
    output: "results/merge_prompts.txt"
    shell: ECHO
rule sample_responses:
    input: "results/merge_prompts.txt"
    output: "results/sample_responses.txt"
    shell: ECHO
rule score_responses:
    input: "results/merge_prompts.txt"
    output: "results/score_responses.txt"
    shell: ECHO
rule train_round:
    input: "results/merge_prompts.txt"
    output: "results/train_round.txt"
    shell: ECHO
"""

TOY_FAILING = """
rule all:
    input: "results/b.txt"
rule a:
    output: "results/a.txt"
    shell: "echo a > {output}"
rule b:
    input: "results/a.txt"
    output: "results/b.txt"
    shell: "echo failing on purpose >&2; exit 3"
"""


def sbatch_calls(log_text: str) -> dict[str, list[str]]:
    """Rule name -> the sbatch command lines snakemake issued for its jobs (from the --verbose log)."""
    calls: dict[str, list[str]] = {}
    for line in log_text.splitlines():
        if "sbatch call:" in line and (m := re.search(r"--comment '?rule_([A-Za-z0-9_]+?)(?:_wildcards_|'|\s)", line)):
            calls.setdefault(m.group(1), []).append(line)
    return calls


# timings recorded in manifests and metrics: they differ between any two runs
VOLATILE_KEYS = frozenset({"wall_seconds", "wall_time_s", "train_time_s"})


def _without_volatile(value):
    if isinstance(value, dict):
        return {k: _without_volatile(v) for k, v in value.items() if k not in VOLATILE_KEYS}
    if isinstance(value, list):
        return [_without_volatile(v) for v in value]
    return value


def output_hashes(results: Path) -> dict[str, str]:
    """sha256 of every JSON/JSONL file under `results` (timing fields dropped), by relative path."""
    hashes = {}
    for path in sorted(results.rglob("*")):
        if path.suffix not in {".json", ".jsonl"} or not path.is_file():
            continue
        text = path.read_text()
        records = [json.loads(text)] if path.suffix == ".json" else [json.loads(x) for x in text.splitlines() if x]
        canonical = "\n".join(json.dumps(_without_volatile(r), sort_keys=True) for r in records)
        hashes[str(path.relative_to(results))] = hashlib.sha256(canonical.encode()).hexdigest()
    return hashes


def test_request_shapes_reach_slurm(slurm_cluster, run_snakemake, tmp_path):
    (tmp_path / "Snakefile").write_text(TOY_ROUTING)
    rc, secs, out = run_snakemake(
        "--profile", str(CI_PROFILE), cwd=tmp_path, env=slurm_cluster.env, log=tmp_path / "run.log", kill_after_s=300
    )
    assert rc == 0, out[-3000:]
    seen = {p.stem: p.read_text().split() for p in (tmp_path / "results").glob("*.txt")}
    print(f"\ntoy routing workflow through Slurm: {secs:.1f}s; {seen}")
    assert seen["merge_prompts"][:2] == ["part=debug", "gpus=none"]
    # fake GPUs: which index a job gets depends on what else runs, only the count is fixed
    assert seen["sample_responses"][0] == "part=gpu" and re.fullmatch(r"gpus=[01]", seen["sample_responses"][1])
    assert seen["score_responses"][0] == "part=gpu" and re.fullmatch(r"gpus=[01]", seen["score_responses"][1])
    # the paper's training shape: one task holding every GPU of the node, the launcher forks the ranks
    assert seen["train_round"] == ["part=gpu", "gpus=0,1", "ntasks=1", "cpus=2"]
    calls = sbatch_calls(out)
    assert "--gpus=1" in calls["sample_responses"][0]
    assert "--gres=gpu:1" in calls["score_responses"][0]
    assert "--gpus=2" in calls["train_round"][0] and "--ntasks-per-gpu" not in calls["train_round"][0]


def test_failing_job_is_reported_not_hung(slurm_cluster, run_snakemake, tmp_path):
    (tmp_path / "Snakefile").write_text(TOY_FAILING)
    rc, secs, out = run_snakemake(
        "--profile", str(CI_PROFILE), cwd=tmp_path, env=slurm_cluster.env, log=tmp_path / "run.log", kill_after_s=180
    )
    print(f"\nfailing toy workflow through Slurm: rc={rc} after {secs:.1f}s")
    assert rc not in (0, -9, 137), f"expected a clean failure, got rc={rc}:\n{out[-3000:]}"
    assert "SLURM status is: 'FAILED'" in out, out[-3000:]
    assert (tmp_path / "results" / "a.txt").exists() and not (tmp_path / "results" / "b.txt").exists()
    assert secs < 120, f"snakemake took {secs:.0f}s to give up on one failed job"


@pytest.mark.skipif(
    not ((REPO / "Snakefile").exists() and TEST_CONFIG.exists()),
    reason="the workflow (Snakefile) or tests/config/config.yaml does not exist yet",
)
@pytest.mark.skipif(
    not SHIPPED_BASE.exists(),
    reason="resources/mini-base is not shipped: each of the two runs would pretrain it first (many CPU minutes)",
)
def test_mini_workflow_through_slurm_matches_local_run(slurm_cluster, run_snakemake, tmp_path):
    # one copy, run twice at the same path: a path that leaks into an output cannot fake a difference
    work = tmp_path / "repo"
    shutil.copytree(REPO, work, ignore=_NOT_COPIED, symlinks=True)
    targets = slurm_targets(yaml.safe_load(TEST_CONFIG.read_text())["run"])
    config = [*targets, "--configfile", "tests/config/config.yaml"]
    # alma from the copy, not the editable install: edits to the checkout during the ~2 runs cannot
    # leak in (this caught a mid-test edit of the oracle once); PYTHONHASHSEED as `make` sets it
    env = {**slurm_cluster.env, "PYTHONPATH": str(work / "src"), "PYTHONHASHSEED": "0"}

    rc, local_s, out = run_snakemake(
        "--profile", "profiles/local", "--cores", "2", *config,
        cwd=work, env=env, log=tmp_path / "local.log", kill_after_s=1200,
    )  # fmt: skip
    assert rc == 0, f"local run failed:\n{out[-3000:]}"
    want = output_hashes(work / "results")
    for produced in ("results", "logs", "benchmarks", ".snakemake"):
        if (work / produced).exists():
            (work / produced).rename(tmp_path / f"local-{produced.lstrip('.')}")

    rc, slurm_s, out = run_snakemake(
        "--profile", "profiles/ci-slurm", *config,
        cwd=work, env=env, log=tmp_path / "slurm.log", kill_after_s=1800,
    )  # fmt: skip
    assert rc == 0, f"run through Slurm failed:\n{out[-3000:]}"

    calls = sbatch_calls(out)
    n_jobs = sum(len(v) for v in calls.values())
    print(f"\nmini workflow: local {local_s:.0f}s, through Slurm {slurm_s:.0f}s ({n_jobs} sbatch jobs)")
    assert n_jobs > 0, "no job went through sbatch"
    profile = yaml.safe_load((CI_PROFILE / "config.yaml").read_text())
    gpu_rules = {rule for rule, res in profile["set-resources"].items() if "gpu" in res or "gres" in res}
    for rule in gpu_rules & calls.keys():
        for call in calls[rule]:
            assert re.search(r"--gpus=\d|--gres=gpu", call), f"{rule} was submitted without a GPU request: {call}"
    assert gpu_rules & calls.keys(), "no GPU rule of the profile ran through Slurm"
    for rule in calls.keys() - gpu_rules:
        assert all("--gpus" not in c and "--gres" not in c for c in calls[rule]), f"CPU rule {rule} asked for a GPU"

    got = output_hashes(work / "results")
    assert want, "the local run wrote no JSON/JSONL under results/"
    differ = sorted(k for k in want.keys() | got.keys() if want.get(k) != got.get(k))
    assert not differ, f"outputs through Slurm differ from the local run: {differ[:20]}"
