"""The whole workflow, end to end, on the reduced test config (tests/config/config.yaml).

Every rule of the mini-world DAG runs for real (TRL training, generation, judging, grading,
tables). Then: a second invocation has nothing to do, and deleting one round's best-of-N data
reruns exactly the jobs that depend on it.
"""

import csv
import json
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUN = REPO / "results" / "test"
ARGS = ("--configfile", "tests/config/config.yaml", "--workflow-profile", "profiles/local", "--cores", "2")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def finished_run(run_snakemake):
    shutil.rmtree(RUN, ignore_errors=True)
    shutil.rmtree(REPO / "logs" / "test", ignore_errors=True)
    run_snakemake(*ARGS, timeout=3000)
    return RUN


def test_outputs_of_every_stage_exist(finished_run):
    paper = finished_run / "paper"
    for name in ("round_curve.csv", "figures/round_curve.png", "tables/table1.md", "tables/table2_judge.md",
                 "figures/judge_diagnostics.png", "tables/judge_diagnostics.csv", "tables/standard_benchmarks.md",
                 "figures/prompt_diagnostics.png", "tables/prompt_diagnostics.csv"):  # fmt: skip
        assert (paper / name).stat().st_size > 0, name
    table2 = list(csv.DictReader((paper / "tables" / "table2_judge.csv").open()))
    assert len(table2) == 4 and all(row["RewardBench Avg"] for row in table2)
    standard = list(csv.DictReader((paper / "tables" / "standard_benchmarks.csv").open()))
    assert len(standard) == 5 and {"AlpacaEval LC", "mini_facts (acc_norm)", "mini_sums (exact_match)"} <= set(
        standard[0]
    )
    rows = list(csv.DictReader((paper / "round_curve.csv").open()))
    assert {"round", "model", "benchmark", "evaluator", "score", "ci_low", "ci_high"} <= set(rows[0])
    models = {r["model"] for r in rows}
    assert models == {"base", "round1", "round2", "round3", "instruct"}
    for row in rows:
        assert float(row["ci_low"]) <= float(row["score"]) <= float(row["ci_high"])
    claims = list(csv.DictReader((paper / "claims.csv").open()))
    assert len(claims) == 6 and {c["evaluator"] for c in claims} == {"oracle", "reward_model"}
    assert {c["right"] for c in claims if c["claim"] == "round 1 < final"} == {"round3"}
    manifest = json.loads((finished_run / "round3" / "model" / "manifest.json").read_text())
    # round 3 retrains M0 on D1 ∪ D2 ∪ D3
    assert sorted(Path(p).name for p in manifest["data"]) == ["best.jsonl", "best.jsonl", "sft_messages.jsonl"]
    assert manifest["base"].endswith("base/manifest.json") and manifest["files"]["model.safetensors"]


def test_rounds_never_reuse_prompts(finished_run):
    seen: set[str] = set()
    for r in (2, 3):
        ids = [json.loads(line)["id"] for line in (finished_run / f"round{r}" / "prompts.jsonl").open()]
        assert len(ids) == 12 and not seen & set(ids)
        seen |= set(ids)
    ledger = [json.loads(line)["id"] for line in (finished_run / "round3" / "ledger.jsonl").open()]
    assert sorted(ledger) == sorted(seen)


def test_second_run_has_nothing_to_do(finished_run, run_snakemake):
    proc = run_snakemake(*ARGS, "-n")
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_deleting_one_rounds_data_reruns_only_its_dependents(finished_run, run_snakemake):
    # Snakemake leaves a deleted intermediate alone while its consumers are up to date; naming it
    # as a target rebuilds it, and then exactly what depends on it.
    best = finished_run / "round3" / "data" / "best.jsonl"
    before = best.read_bytes()
    best.unlink()
    targets = (str(best.relative_to(REPO)), "all")
    proc = run_snakemake(*ARGS, "-n", *targets)
    planned = (proc.stdout + proc.stderr).split("Job stats:")[1].split("total")[0]
    jobs = {line.split()[0] for line in planned.strip().splitlines()[2:]}
    assert jobs == {
        "select_best",
        "train_round",
        "generate_answers",
        "grade_answers",
        "alpacaeval",
        "lmeval",
        "standard_benchmarks",
        "round_curve",
        "table1",
        "claims",
        "plot_round_curve",
        "check_paper",
        "accounting",
        "all",
    }
    run_snakemake(*ARGS, *targets, timeout=1200)
    assert best.read_bytes() == before  # same inputs, same seed: the same data again


def test_rerunning_alpacaeval_asks_the_judge_nothing(finished_run, run_snakemake):
    result = finished_run / "eval" / "round2" / "alpacaeval.json"
    first = json.loads(result.read_text())
    run_snakemake(*ARGS, "--forcerun", "alpacaeval", str(result.relative_to(REPO)), timeout=600)
    again = json.loads(result.read_text())
    assert first["judge_calls"] == first["n_total"] > 0
    assert again["judge_calls"] == 0 and again["cache_hits"] == first["n_total"]
    assert again["length_controlled_winrate"] == first["length_controlled_winrate"]


def test_an_ablation_run_reuses_the_upstream_and_fills_table6(finished_run, run_snakemake):
    ablation = REPO / "results" / "test_dpo"
    shutil.rmtree(ablation, ignore_errors=True)
    shutil.rmtree(REPO / "logs" / "test_dpo", ignore_errors=True)
    shutil.rmtree(REPO / "benchmarks" / "test_dpo", ignore_errors=True)
    before = {p: p.stat().st_mtime_ns for p in finished_run.rglob("*") if p.is_file()}
    config = ("--configfile", "tests/config/config.yaml", "tests/config/ablation_dpo.yaml")
    run_snakemake(*config, "--workflow-profile", "profiles/local", "--cores", "2", timeout=1800)

    # only the rounds, their evaluations and the tables are the ablation's own; nothing upstream was touched
    assert sorted(p.name for p in ablation.iterdir()) == ["eval", "paper", "round2", "round3"]
    assert sorted(p.name for p in (ablation / "eval").iterdir()) == ["round2", "round3"]
    assert {p: p.stat().st_mtime_ns for p in finished_run.rglob("*") if p.is_file()} == before
    manifest = json.loads((ablation / "round3" / "model" / "manifest.json").read_text())
    assert manifest["base"] == "results/test_dpo/round2/model/manifest.json"  # DPO continues the previous round
    assert list(manifest["data"]) == ["results/test_dpo/round3/data/pairs.jsonl"]

    run_snakemake(*ARGS, "results/test/paper/tables/table6.md", timeout=600)
    rows = {r["Round"]: r for r in csv.DictReader((finished_run / "paper" / "tables" / "table6.csv").open())}
    assert set(rows) == {"1", "2", "3"}
    # round 1 is the same shared SFT model in both runs, evaluated once; later rounds are each run's own
    assert rows["1"]["Best-of-N SFT"] == rows["1"]["DPO"]
    assert rows["3"]["Best-of-N SFT"] != rows["3"]["DPO"]


def test_an_ablation_that_changes_the_upstream_is_refused(finished_run, run_snakemake):
    proc = run_snakemake(
        "-n", "--configfile", "tests/config/config.yaml", "tests/config/ablation_dpo.yaml", "--config", "seed=7",
        check=False,
    )  # fmt: skip
    assert proc.returncode != 0
    assert "changes keys that run 'test' built its upstream with (seed;" in proc.stdout + proc.stderr
