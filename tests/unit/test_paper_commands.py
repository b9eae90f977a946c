import argparse
import shutil
from pathlib import Path

import pytest

from alma.paper.commands import register

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "paper"


def _run(*argv: object) -> int:
    parser = argparse.ArgumentParser(prog="alma")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args([str(a) for a in argv])
    return args.func(args)


def test_every_subcommand_is_registered():
    parser = argparse.ArgumentParser(prog="alma")
    sub = parser.add_subparsers(dest="command")
    register(sub)
    expected = {
        "best-of-n",
        "judge-diagnostics",
        "prompt-diagnostics",
        "paper-standard",
        "paper-curve",
        "paper-table1",
        "paper-claims",
        "paper-table2",
        "paper-table3",
        "paper-table4",
        "paper-table5",
        "paper-table6",
        "paper-figure2",
        "paper-figure3",
        "paper-check",
        "estimate",
        "accounting",
    }
    assert expected == set(sub.choices)


def test_strict_check_exits_nonzero_when_numbers_are_off(tmp_path, capsys):
    out = tmp_path / "tables"
    out.mkdir()
    shutil.copy(REFERENCE / "table2_judge.csv", out / "table2_judge.csv")
    assert (
        _run("paper-check", "--reproduced", out, "--reference", REFERENCE, "--tables", "table2_judge", "--strict") == 0
    )
    text = (out / "table2_judge.csv").read_text().replace("0.863", "0.800")
    (out / "table2_judge.csv").write_text(text)
    assert (
        _run("paper-check", "--reproduced", out, "--reference", REFERENCE, "--tables", "table2_judge", "--strict") == 1
    )
    assert "FAIL" in capsys.readouterr().out
    assert _run("paper-check", "--reproduced", out, "--reference", REFERENCE, "--output", tmp_path / "r.csv") == 0
    assert (tmp_path / "r.csv").exists()


def test_estimate_merges_config_files_like_snakemake(tmp_path, capsys):
    base = tmp_path / "config.yaml"
    base.write_text(
        "world: mini\nrounds: {feedback_rounds: 4, prompts_per_round: 96, responses_per_prompt: 8}\n"
        "prompt_synthesis: {pool_size: 1200}\njudge: {distill_pairs: 400}\n"
        "evaluation: {benchmarks: {lima: 40}, evaluators: [oracle, reward_model]}\n"
    )
    override = tmp_path / "paper.yaml"
    override.write_text("rounds: {prompts_per_round: 50000}\n")
    assert _run("estimate", "--configfile", base, override, "--gpu", "h200", "--output", tmp_path / "e.csv") == 0
    printed = capsys.readouterr().out
    assert "total" in printed and "61,440" in printed
    assert str(50000 * 8 * 4 + 1200) in (tmp_path / "e.csv").read_text()
    # an overlay alone goes over the embedded default, as in the workflow (alma.config.needs_default_config)
    assert _run("estimate", "--configfile", override, "--gpu", "h200", "--output", tmp_path / "o.csv") == 0
    assert "config/config.yaml" in capsys.readouterr().out
    with pytest.raises(ValueError, match="whole run config"):  # alma.cli turns it into one line, exit 2
        _run("estimate", "--configfile", override, base)


def test_workflow_spellings_of_the_options_are_accepted(tmp_path):
    raw = Path(__file__).resolve().parents[1] / "fixtures" / "paper" / "raw"
    evals = sorted((raw / "eval").rglob("*.json"))
    curve = tmp_path / "round_curve.csv"
    assert _run("paper-curve", "--inputs", *evals, "--bootstrap", 20, "--seed", 1, "--output", curve) == 0
    assert _run("paper-table1", "--input", curve, "--output-stem", tmp_path / "table1") == 0  # final: highest round
    assert "ALMA round 3" in (tmp_path / "table1.md").read_text()
    png, pdf = tmp_path / "f.png", tmp_path / "f.pdf"
    assert (
        _run("paper-figure2", "--input", curve, "--evaluator", "oracle", "--output-png", png, "--output-pdf", pdf) == 0
    )
    assert png.stat().st_size > 0 and pdf.stat().st_size > 0
