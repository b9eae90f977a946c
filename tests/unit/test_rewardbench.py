"""RewardBench for the judge: the leaderboard arithmetic, the hub converter and the mini fixture."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alma.evaluation.rewardbench import SECTIONS, SUBSET_WEIGHTS, load_pairs, pair_credit, section_scores, summarize
from alma.mini.oracle import grade, parse_task
from alma.mini.rewardbench import SUBSETS, rewardbench_fixture
from alma.mini.tasks import split_of
from alma.mini.universe import build_universe
from alma.records import RecordError, write_jsonl
from alma.sources import convert

HUB_ROWS = Path(__file__).parents[1] / "fixtures" / "rewardbench" / "hub_rows.jsonl"


def test_every_subset_has_a_weight_and_one_section():
    subsets = [s for group in SECTIONS.values() for s in group]
    assert len(subsets) == len(set(subsets)) == 23 == len(SUBSET_WEIGHTS)
    assert SUBSET_WEIGHTS["math-prm"] == sum(
        SUBSET_WEIGHTS[f"hep-{x}"] for x in ("cpp", "go", "java", "js", "python", "rust")
    )


def test_pair_credit_counts_ties_and_missing_scores_as_half():
    assert pair_credit(7.5, 3.0) == 1.0
    assert pair_credit(3.0, 7.5) == 0.0
    assert pair_credit(5.0, 5.0) == 0.5
    assert pair_credit(None, 2.0) == 0.5


def test_sections_are_size_weighted_and_overall_is_their_mean():
    # chat: easy (100 rows) all right, mt-bench-easy (28) all wrong -> 100/128
    scores = section_scores({"alpacaeval-easy": 1.0, "mt-bench-easy": 0.0, "math-prm": 0.5, "hep-go": 1.0})
    assert scores["chat"] == pytest.approx(round(100 / 128, 4))
    assert scores["reasoning"] == pytest.approx(round((0.5 * 984 + 164) / (984 + 164), 4))
    rows = [{"subset": "alpacaeval-easy"}, {"subset": "alpacaeval-easy"}, {"subset": "donotanswer"}]
    summary = summarize(rows, [9.0, 1.0, 4.0], [2.0, 1.0, 8.0])
    assert summary["per_subset"] == {"alpacaeval-easy": 0.75, "donotanswer": 0.0}
    assert summary["accuracy"] == pytest.approx((0.75 + 0.0) / 2)
    assert summary["ties"] == 1 and summary["sections_missing"] == ["chat_hard", "reasoning"]


def test_hub_rows_convert_to_valid_records(tmp_path):
    rows = [json.loads(line) for line in HUB_ROWS.read_text().splitlines()]
    records = convert("rewardbench", rows, source=str(HUB_ROWS))
    out = tmp_path / "rb.jsonl"
    write_jsonl(out, records, "rewardbench_pair")
    loaded = load_pairs(out)
    assert [r["id"] for r in loaded] == ["30", "2011", "3100", "4200", "5300"]
    assert {r["subset"] for r in loaded} <= set(SUBSET_WEIGHTS)


def test_a_bad_row_is_named_by_file_line_and_field(tmp_path):
    path = tmp_path / "rb.jsonl"
    good = {"id": "1", "prompt": "Hi there", "chosen": "Hello!", "rejected": "", "subset": "alpacaeval-easy"}
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "subset": "not-a-subset"}) + "\n")
    with pytest.raises(RecordError) as err:
        load_pairs(path)
    assert err.value.line == 2 and err.value.field == "subset" and str(path) in str(err.value)


@pytest.fixture(scope="module")
def fixture_rows():
    return rewardbench_fixture(build_universe(0), per_subset=6, seed=0)


def test_mini_fixture_pairs_are_ordered_by_the_oracle_and_held_out(fixture_rows):
    universe = build_universe(0)
    assert len(fixture_rows) == 6 * len(SUBSETS)
    for row in fixture_rows:
        assert grade(universe, row["prompt"], row["chosen"]) > (grade(universe, row["prompt"], row["rejected"]) or 0)
        assert split_of(parse_task(universe, row["prompt"]).key) == "eval"
    covered = {section for row in fixture_rows for section, subsets in SECTIONS.items() if row["subset"] in subsets}
    assert covered == set(SECTIONS)
    assert rewardbench_fixture(build_universe(0), per_subset=6, seed=0) == fixture_rows


def test_an_oracle_judge_scores_one_on_the_mini_fixture(fixture_rows):
    universe = build_universe(0)
    chosen = [grade(universe, r["prompt"], r["chosen"]) for r in fixture_rows]
    rejected = [grade(universe, r["prompt"], r["rejected"]) for r in fixture_rows]
    assert summarize(fixture_rows, chosen, rejected)["accuracy"] == 1.0
    assert summarize(fixture_rows, rejected, chosen)["accuracy"] == 0.0
