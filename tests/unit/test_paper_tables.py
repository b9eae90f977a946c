import math

import pandas as pd
import pytest

from alma.paper.ablation_tables import table3, table4, table5, table6
from alma.paper.curve import CURVE_COLUMNS
from alma.paper.tables import read_table, table1, table2, write_table
from alma.records import write_json


def _curve(scores: dict[tuple[str, str, str], float]) -> pd.DataFrame:
    """A round curve from {(model, benchmark, evaluator): score}; CIs and counts are placeholders."""
    rows = []
    for (model, benchmark, evaluator), score in scores.items():
        number = 0 if model == "base" else (int(model[5:]) if model.startswith("round") else None)
        rows.append([number, model, benchmark, evaluator, score, score - 0.1, score + 0.1, 10, 0])
    curve = pd.DataFrame(rows, columns=list(CURVE_COLUMNS))
    curve["round"] = curve["round"].astype("Int64")
    return curve


def _run(shift: float, models=("base", "round1", "round2", "instruct"), evaluators=("oracle", "reward_model")):
    scores = {}
    for i, model in enumerate(models):
        for evaluator in evaluators:
            for j, benchmark in enumerate(("lima", "mtbench")):
                scores[(model, benchmark, evaluator)] = 3.0 + i + 0.5 * j + shift
            scores[(model, "average", evaluator)] = 3.25 + i + shift
    return _curve(scores)


def test_table1_rows_labels_and_columns():
    table = table1(_run(0.0), final_model="round2")
    assert list(table.index) == ["base", "round1", "final", "instruct"]
    assert list(table["Model"]) == ["Base, 3-shot", "ALMA round 1 (SFT)", "ALMA round 2", "Instruct"]
    assert list(table.columns[1:4]) == ["GPT-4o Avg", "GPT-4o LIMA", "GPT-4o MT-Bench"]
    assert list(table.columns[4:]) == ["ArmoRM Avg", "ArmoRM LIMA", "ArmoRM MT-Bench"]
    assert table.at["final", "ArmoRM Avg"] == 5.25


def test_table1_needs_the_final_model_and_one_evaluator_per_style():
    with pytest.raises(ValueError, match="round9"):
        table1(_run(0.0), final_model="round9")
    both = pd.concat([_run(0.0), _run(0.0, evaluators=("gpt4o",))])
    with pytest.raises(ValueError, match="both stand for GPT-4o"):
        table1(both, final_model="round2")
    only_sft = table1(_run(0.0, models=("base", "round1")), final_model="round1")
    assert list(only_sft.index) == ["base", "final"]


def test_table2_orders_variants_and_keeps_ties_integer(tmp_path):
    paths = []
    for variant, accuracy in (("ft_real", 0.8), ("fewshot_int", 0.5)):
        path = tmp_path / variant / "rewardbench.json"
        write_json(
            path,
            {
                "variant": variant,
                "dataset": "rewardbench",
                "accuracy": accuracy,
                "n": 10,
                "ties": 3,
                "per_category": {"safety": accuracy, "chat": accuracy + 0.1},
            },
        )
        paths.append(path)
    table = table2(paths)
    assert list(table.index) == ["fewshot_int", "ft_real"]
    assert list(table.columns) == [
        "Judge",
        "RewardBench Avg",
        "RewardBench Chat",
        "RewardBench Safety",
        "RewardBench Ties",
    ]
    assert str(table["RewardBench Ties"].dtype) == "Int64"
    with pytest.raises(ValueError, match="two judge evaluations"):
        table2([paths[0], paths[0]])


def test_ablation_tables():
    runs = {"diversified": _run(0.0), "random": _run(-0.2)}
    three = table3(runs)
    assert list(three.index) == ["diversified", "random"]
    assert list(three.columns) == ["Variant", "Avg", "LIMA", "MT-Bench"]
    assert three.at["random", "Avg"] == pytest.approx(5.05)
    five = table5({"n200_r10": _run(0.0), "n400_r5": _run(0.1, models=("base", "round1"))})
    assert five["Round"].tolist() == [2, 1]
    assert five.at["n400_r5", "Avg"] == pytest.approx(4.35)
    six = table6({"dpo": _run(0.3), "sft": _run(0.0, models=("base", "round1"))})
    assert list(six.index) == ["round1", "round2"]
    assert list(six.columns) == ["Round", "DPO", "Best-of-N SFT"]
    assert math.isnan(six.at["round2", "Best-of-N SFT"])
    with pytest.raises(ValueError, match="no ArmoRM"):
        table3({"x": _run(0.0, evaluators=("oracle",))})


def test_write_table_renders_csv_markdown_latex(tmp_path):
    table = table6({"dpo": _run(0.0), "sft": _run(0.0, models=("base", "round1"))})
    paths = write_table(table, tmp_path / "t_6", caption="Round 50% & more", decimals=2)
    assert [p.name for p in paths] == ["t_6.csv", "t_6.md", "t_6.tex"]
    md = paths[1].read_text().splitlines()
    assert md[0] == "**Round 50% & more**"
    assert md[2] == "| Round | DPO | Best-of-N SFT |"
    assert md[-1] == "| 2 | 5.25 | – |"
    tex = paths[2].read_text()
    assert r"\caption{Round 50\% \& more}" in tex and r"\label{tab:t\_6}" in tex
    assert r"2 & 5.25 & -- \\" in tex
    again = read_table(paths[0])
    assert list(again.index) == ["round1", "round2"]
    assert again.at["round1", "DPO"] == pytest.approx(4.25)


def test_table4_averages_per_category_and_needs_categories():
    evals = pd.DataFrame(
        {
            "model": ["round3"] * 4,
            "benchmark": ["mtbench"] * 4,
            "evaluator": ["armorm"] * 4,
            "score": [6.0, 8.0, 7.0, 9.0],
            "category": ["stem", "stem", "coding", "math"],
        }
    )
    table = table4({"one_sft": evals})
    assert list(table.columns) == ["Variant", "Avg", "Coding", "Math", "STEM"]
    assert table.loc["one_sft"].tolist() == ["One SFT", 7.5, 7.0, 9.0, 7.0]
    with pytest.raises(ValueError, match="no categorized ArmoRM scores"):
        table4({"x": evals.assign(category=None)})


def test_variant_labels_of_budget_keys():
    from alma.paper.ablation_tables import variant_label

    assert variant_label("n16_k48_r4") == "N=16, K=48, R=4"
    assert variant_label("dpo") == "DPO" and variant_label("n16_k48") == "n16_k48"
