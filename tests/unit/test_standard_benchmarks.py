"""The mini lm-eval tasks and the standard-benchmark table (AlpacaEval + lm-eval per model)."""

from __future__ import annotations

import json

import yaml

import alma.cli
from alma.mini.lmeval_tasks import TASKS, lmeval_docs
from alma.mini.oracle import parse_task
from alma.mini.tasks import split_of
from alma.mini.universe import build_universe
from alma.paper.standard import headline_metric, standard_table


def test_mini_lmeval_docs_are_held_out_and_well_formed():
    universe = build_universe(0)
    docs = lmeval_docs(universe, 20, seed=0)
    assert set(docs) == set(TASKS) and all(len(v) == 20 for v in docs.values())
    for doc in docs["mini_facts"]:
        assert (
            len(doc["choices"]) == 8
            and doc["choices"][doc["label"]] == parse_task(universe, doc["question"]).reference
        )
    for doc in docs["mini_sums"] + docs["mini_facts"]:
        assert split_of(parse_task(universe, doc["question"]).key) == "eval"
    assert lmeval_docs(universe, 20, seed=0) == docs


def test_build_command_writes_one_yaml_per_task(tmp_path):
    out = tmp_path / "tasks"
    params = json.dumps({"universe_seed": 0, "per_task": 5, "seed": 0})
    assert alma.cli.main(["build-mini-lmeval-tasks", "--params", params, "--out-dir", str(out)]) == 0
    kinds = {yaml.safe_load((out / f"{t}.yaml").read_text())["output_type"] for t in TASKS}
    assert kinds == {"multiple_choice", "generate_until"}


def test_headline_metric_prefers_normalised_accuracy_and_skips_stderr():
    assert headline_metric({"acc": 0.4, "acc_stderr": 0.1, "acc_norm": 0.5}) == ("acc_norm", 0.5)
    assert headline_metric({"exact_match,strict-match": 0.3, "exact_match_stderr,strict-match": 0.1}) == (
        "exact_match,strict-match",
        0.3,
    )
    assert headline_metric({"bleu": 12.0, "bleu_stderr": 1.0}) == ("bleu", 12.0)


def test_standard_table_has_one_row_per_model_in_round_order(tmp_path):
    files = []
    for model, lc in (("round2", 40.0), ("base", 5.0), ("instruct", 50.0), ("round1", 30.0)):
        ae = tmp_path / model / "alpacaeval.json"
        ae.parent.mkdir()
        ae.write_text(json.dumps({"model": model, "evaluator": "alpacaeval", "length_controlled_winrate": lc,
                                  "win_rate": lc + 1}))  # fmt: skip
        lm = tmp_path / model / "lmeval.json"
        lm.write_text(json.dumps({"model": model, "evaluator": "lmeval",
                                  "results": {"mini_facts": {"acc": 0.2, "acc_norm": lc / 100}}}))  # fmt: skip
        files += [ae, lm]
    table = standard_table(files)
    assert table.index.tolist() == ["base", "round1", "round2", "instruct"]
    assert table.loc["round2", "AlpacaEval LC"] == 40.0 and table.loc["base", "AlpacaEval WR"] == 6.0
    assert table.loc["instruct", "mini_facts (acc_norm)"] == 0.5
