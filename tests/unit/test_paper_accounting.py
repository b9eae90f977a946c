from pathlib import Path

import pytest

from alma.paper.accounting import ACCOUNTING_COLUMNS, compute_accounting, round_from_path

HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def _tsv(root: Path, relative: str, *rows: tuple[float, float, object]) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{s}\t0:00:00\t{rss}\t1\t1\t1\t0\t0\t100\t{cpu}\n" for s, rss, cpu in rows]
    path.write_text(HEADER + "".join(lines))
    return path


def test_round_from_path():
    assert round_from_path(Path("round3.tsv")) == 3
    assert round_from_path(Path("round12/sft1_shard0.tsv")) == 12
    assert round_from_path(Path("judge_round_2/x.tsv")) == 2
    assert round_from_path(Path("shard0.tsv")) is None
    assert round_from_path(Path("background3.tsv")) is None


def test_accounting_levels_and_totals(tmp_path):
    paths = [
        _tsv(tmp_path, "train_policy/round2.tsv", (3600, 1000, 7200), (3600, 3000, 7200)),  # repeat(): mean time
        _tsv(tmp_path, "train_policy/round3.tsv", (1800, 2000, "-")),
        _tsv(tmp_path, "seed_data/all.tsv", (360, 10, 360)),
    ]
    table = compute_accounting(paths, tmp_path)
    assert tuple(table.columns) == ACCOUNTING_COLUMNS
    assert table["level"].tolist() == [
        "rule_round",
        "rule_round",
        "rule_round",
        "rule",
        "rule",
        "round",
        "round",
        "total",
    ]
    total = table.iloc[-1]
    assert (total["jobs"], total["wall_hours"], total["cpu_hours"], total["peak_rss_mb"]) == (3, 1.6, 2.1, 3000.0)
    rule = table[(table.level == "rule") & (table.rule == "train_policy")].iloc[0]
    assert (rule["jobs"], rule["wall_hours"]) == (2, 1.5)
    assert table[table.level == "round"]["round"].tolist() == [2, 3]


def test_files_outside_the_root_are_refused(tmp_path):
    path = _tsv(tmp_path / "elsewhere", "rule/x.tsv", (1, 1, 1))
    with pytest.raises(ValueError, match="not under the benchmark root"):
        compute_accounting([path], tmp_path / "root")
    bad = tmp_path / "root" / "rule" / "bad.tsv"
    bad.parent.mkdir(parents=True)
    bad.write_text("a\tb\n1\t2\n")
    with pytest.raises(ValueError, match="not a Snakemake benchmark file"):
        compute_accounting([bad], tmp_path / "root")
