import shutil
from pathlib import Path

import pandas as pd
import pytest

from alma.paper.check import REPORT_COLUMNS, check, summarize
from alma.paper.reference import load_reference, load_tolerances
from alma.paper.tables import read_table

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "paper"
BENCHMARKS = ("LIMA", "MT-Bench", "SR", "Arena-Hard", "Alpaca")


def test_every_reference_table_has_a_tolerance():
    tolerances = load_tolerances(REFERENCE / "tolerances.yaml")
    for name, table in load_reference(REFERENCE).items():
        for column in table.columns[1:]:
            assert tolerances.for_cell(name, column).atol > 0
    assert tolerances.metrics["score_0_10"].atol == 0.15
    assert tolerances.metrics["judge_accuracy"].atol == 0.03


def test_reference_transcription_is_self_consistent():
    """Catches typos: the paper's averages are means of the per-set scores (to its rounding)."""
    reference = load_reference(REFERENCE)
    one = reference["table1"]
    for style in ("GPT-4o", "ArmoRM"):
        means = one[[f"{style} {b}" for b in BENCHMARKS]].mean(axis=1)
        assert (means - one[f"{style} Avg"]).abs().max() <= 0.011, style
    three = reference["table3"]
    assert ((three[list(BENCHMARKS)].mean(axis=1) - three["Avg"]).abs() <= 0.011).all()
    four = reference["table4"]
    assert ((four.iloc[:, 2:].mean(axis=1) - four["Avg"]).abs() <= 0.015).all()
    # The same numbers appear in several places of the paper; they must agree here too.
    figure = reference["figure2"]
    for key in ("base", "round1", "instruct"):
        assert figure.at[key, "ArmoRM Avg"] == one.at[key, "ArmoRM Avg"]
    assert figure.at["round11", "ArmoRM Avg"] == one.at["final", "ArmoRM Avg"]
    six = reference["table6"]
    for k in range(1, 7):
        assert six.at[f"round{k}", "Best-of-N SFT"] == figure.at[f"round{k}", "ArmoRM Avg"]
    assert (
        three.at["diversified", "Avg"]
        == figure.at["round2", "ArmoRM Avg"]
        == reference["table5"].at["n200_k50000", "Avg"]
    )
    assert reference["table2_judge"].at["ft_real_distill", "RewardBench Avg"] == 0.863


def _reproduce_exactly(tmp_path: Path) -> Path:
    out = tmp_path / "tables"
    out.mkdir()
    for path in REFERENCE.glob("*.csv"):
        shutil.copy(path, out / path.name)
    return out


def test_exact_reproduction_passes_strict(tmp_path):
    report, passed = check(_reproduce_exactly(tmp_path), REFERENCE, strict=True)
    assert passed and report["ok"].all()
    assert tuple(report.columns) == REPORT_COLUMNS
    assert len(report) == sum(t.iloc[:, 1:].notna().sum().sum() for t in load_reference(REFERENCE).values())
    assert "PASS" in summarize(report, strict=True)


def test_cells_outside_tolerance_or_missing_fail_strict_only(tmp_path):
    out = _reproduce_exactly(tmp_path)
    table = read_table(out / "table1.csv")
    table.loc["final", "ArmoRM Avg"] += 0.149  # inside 0.15
    table.loc["base", "GPT-4o LIMA"] -= 0.2  # outside
    table.to_csv(out / "table1.csv")
    (out / "table3.csv").unlink()
    report, passed = check(out, REFERENCE, strict=True)
    assert not passed
    failed = report[~report["ok"]]
    assert set(failed["table"]) == {"table1", "table3"}
    assert failed[failed.table == "table1"][["row", "column"]].values.tolist() == [["base", "GPT-4o LIMA"]]
    assert failed[failed.table == "table3"]["reproduced"].isna().all()
    assert report.loc[(report.row == "base") & (report.column == "GPT-4o LIMA"), "diff"].item() == pytest.approx(-0.2)
    lenient, passed = check(out, REFERENCE, strict=False)
    assert passed and lenient.equals(report)
    assert "REPORT ONLY" in summarize(lenient, strict=False)
    only, passed = check(out, REFERENCE, strict=True, tables=["table2_judge"])
    assert passed and set(only["table"]) == {"table2_judge"}


def test_label_columns_are_not_compared(tmp_path):
    report, _ = check(_reproduce_exactly(tmp_path), REFERENCE, strict=True, tables=["table6"])
    assert set(report["column"]) == {"DPO", "Best-of-N SFT"}


def test_tolerances_file_errors(tmp_path):
    bad = tmp_path / "tolerances.yaml"
    bad.write_text("metrics: {score: {atol: -1}}\ntables: {t: score}\n")
    with pytest.raises(ValueError, match="negative"):
        load_tolerances(bad)
    bad.write_text("metrics: {score: {atol: 0.1}}\ntables: {t: other}\n")
    with pytest.raises(ValueError, match="undefined metrics other"):
        load_tolerances(bad)
    bad.write_text("metrics: {score: {atol: 0.1}}\ntables: {}\n")
    pd.DataFrame({"key": ["a"], "Model": ["x"], "v": [1.0]}).to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(KeyError, match="no metric for table 't'"):
        check(tmp_path, tmp_path, strict=True)
