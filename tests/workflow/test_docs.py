"""Structural claims in the docs are true: paths exist, commands exist, versions agree."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text()


def test_readme_names_the_two_commands_and_ci_runs_the_test_one():
    assert "make demo" in README and "make test" in README
    assert "make test" in (REPO / ".ci" / "run").read_text()
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)


def test_every_path_in_the_layout_tree_exists():
    tree = README.split("## Layout")[1].split("```")[1]
    for line in tree.strip().splitlines():
        name = line.split()[0]
        assert (REPO / name.rstrip("/")).exists(), f"README layout names {name}, which does not exist"


def test_every_results_path_in_the_readme_comes_from_a_rule():
    rules = "".join(p.read_text() for p in (REPO / "workflow" / "rules").glob("*.smk"))
    for path in ("round_curve.csv", "figures/round_curve.png", "tables/table1.md", "tables/table2_judge.md"):
        assert f"results/mini/paper/{path}" in README
        assert path in rules


def test_snakemake_version_floor_is_consistent():
    floor = re.search(r'min_version\("([\d.]+)"\)', (REPO / "Snakefile").read_text()).group(1)
    pinned = re.search(r"^snakemake==([\d.]+)$", (REPO / "envs" / "cpu.txt").read_text(), re.M).group(1)
    assert tuple(map(int, pinned.split("."))) >= tuple(map(int, floor.split(".")))
    assert int(floor.split(".")[0]) == 9
