"""``alma`` subcommands that turn raw results into the paper's tables, figures, checks and cost tables.

Every subcommand takes explicit input and output paths, so a Snakemake rule calls exactly one of them
and each also runs by hand. :func:`register` adds them to the CLI's subparsers; each sets ``func``, a
callable taking the parsed arguments and returning the exit status. Examples::

    alma paper-curve --input results/mini/eval/*/*/*.json --output results/mini/paper/curve.csv
    alma paper-table1 --input results/mini/paper/curve.csv --output results/mini/paper/tables/table1
    alma paper-claims --input results/mini/paper/curve.csv --output results/mini/paper/claims
    alma paper-table2 --input results/mini/judge/eval/*/*.json --output results/mini/paper/tables/table2_judge
    alma paper-table3 --variant diversified=results/a/paper/curve.csv --variant random=results/b/paper/curve.csv \\
        --output results/ablations/paper/tables/table3
    alma paper-figure2 --input results/mini/paper/curve.csv --evaluator reward_model \\
        --png results/mini/paper/figures/figure2.png --pdf results/mini/paper/figures/figure2.pdf \\
        --data results/mini/paper/tables/figure2
    alma paper-check --reproduced results/mini/paper/tables --reference tests/reference/paper \\
        --output results/mini/paper/check.csv            # add --strict at paper scale
    alma estimate --configfile config/paper.yaml --gpu h100
    alma accounting --input benchmarks/mini/*/*.tsv --root benchmarks/mini --output results/mini/paper/accounting.csv
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alma.paper import diagnostic_commands, estimate
from alma.records import atomic_path

if TYPE_CHECKING:
    import pandas as pd

# pandas and the table modules are imported by the handlers that use them: every `alma` command
# builds this parser, and most (sampling, scoring, grading) never touch a table.

CAPTIONS = {
    "table1": "Table 1. Scores (0-10) of the 3-shot base model, ALMA after round 1 (SFT) and after the final round, "
    "and the comparison model, per prompt set and on average.",
    "table2_judge": "Table 2. Judge accuracy: a pair counts as right when the judge scores the better response higher.",
    "table3": "Table 3. Diversified vs random prompt selection, after one feedback round.",
    "table4": "Table 4. Response sources, per MT-Bench category.",
    "table5": "Table 5. Fixed generation budget N x K x R; each run's final round.",
    "table6": "Table 6. Average score per round: DPO vs best-of-N SFT.",
    "standard_benchmarks": "AlpacaEval 2.0 length-controlled (LC) and raw (WR) win rates in percent against the "
    "reference outputs, and lm-eval task metrics, per model.",
    "figure2": "Figure 2 data. Average score by round, with 95% bootstrap confidence intervals.",
}


def _write(table: pd.DataFrame, stem: Path, name: str, decimals: int = 2) -> int:
    from alma.paper import tables

    for path in tables.write_table(table, stem, CAPTIONS[name], decimals=decimals):
        print(f"wrote {path}")
    return 0


def _variants(specs: list[str]) -> dict[str, Any]:
    """``KEY=PATH`` -> {key: curve or evaluation files}: a ``.csv`` is a round curve, a directory holds
    evaluation JSON files (searched recursively), anything else is a comma-separated list of JSON files."""
    from alma.paper import curve

    variants: dict[str, Any] = {}
    for spec in specs:
        key, sep, value = spec.partition("=")
        if not sep or not key or not value or key in variants:
            raise SystemExit(f"--variant {spec!r}: expected a new KEY=PATH")
        path = Path(value)
        if path.suffix == ".csv":
            variants[key] = curve.read_curve(path)
        elif path.is_dir():
            variants[key] = sorted(path.rglob("*.json"))
        else:
            variants[key] = [Path(p) for p in value.split(",")]
    return variants


def _final_model(round_curve: pd.DataFrame) -> str:
    rounds = [int(r) for r in round_curve["round"].dropna() if r >= 1]
    if not rounds:
        raise SystemExit("the curve has no ALMA round; pass --final-model")
    return f"round{max(rounds)}"


def cmd_paper_curve(args: argparse.Namespace) -> int:
    """Evaluation files -> round curve CSV."""
    from alma.paper import curve

    result = curve.build_round_curve(args.input, n_boot=args.n_boot, seed=args.seed)
    curve.write_curve(result, args.output)
    print(f"wrote {args.output} ({len(result)} rows)")
    return 0


def cmd_paper_table1(args: argparse.Namespace) -> int:
    """Round curve -> Table 1."""
    from alma.paper import curve, tables

    round_curve = curve.read_curve(args.input)
    return _write(tables.table1(round_curve, args.final_model or _final_model(round_curve)), args.output, "table1")


def cmd_paper_table2(args: argparse.Namespace) -> int:
    """Judge evaluation files -> Table 2."""
    from alma.paper import tables

    return _write(tables.table2(args.input), args.output, "table2_judge", decimals=3)


def cmd_paper_standard(args: argparse.Namespace) -> int:
    """AlpacaEval and lm-eval result files -> the standard-benchmark table."""
    from alma.paper.standard import standard_table

    return _write(standard_table(args.input), args.output, "standard_benchmarks", decimals=3)


def cmd_paper_ablation(args: argparse.Namespace) -> int:
    """Variant runs -> Table 3, 4, 5 or 6."""
    from alma.paper import ablation_tables

    variants = _variants(args.variant)
    if args.table == "table3":
        table = ablation_tables.table3(variants, model=args.model or "round2", style=args.style)
    elif args.table == "table4":
        table = ablation_tables.table4(
            variants, model=args.model or "round3", style=args.style, benchmark=args.benchmark
        )
    elif args.table == "table5":
        table = ablation_tables.table5(variants, style=args.style)
    else:
        table = ablation_tables.table6(variants, style=args.style)
    return _write(table, args.output, args.table)


def cmd_paper_figure2(args: argparse.Namespace) -> int:
    """Round curve -> Figure 2 (PNG, PDF) and optionally its data table."""
    from alma.paper import curve, figures

    round_curve = curve.read_curve(args.input)
    figures.plot_round_curve(round_curve, args.png, args.pdf, evaluator=args.evaluator)
    print(f"wrote {args.png} and {args.pdf}")
    return _write(figures.figure2_table(round_curve), args.data, "figure2") if args.data else 0


def cmd_paper_figure3(args: argparse.Namespace) -> int:
    """Best-of-N CSV (n, score[, ci_low, ci_high, series]) -> Figure 3 (PNG, PDF)."""
    import pandas as pd

    from alma.paper import figures

    figures.plot_best_of_n(pd.read_csv(args.input), args.png, args.pdf)
    print(f"wrote {args.png} and {args.pdf}")
    return 0


def cmd_paper_check(args: argparse.Namespace) -> int:
    """Reproduced tables vs the paper's numbers; exit 1 in strict mode when a number is off."""
    from alma.paper import check

    report, passed = check.check(args.reproduced, args.reference, strict=args.strict, tables=args.tables)
    if args.output:
        check.write_report(report, args.output)
        print(f"wrote {args.output}")
    print(check.summarize(report, args.strict))
    return 0 if passed else 1


def cmd_estimate(args: argparse.Namespace) -> int:
    """Config -> per-stage compute and API-cost estimate."""
    import pandas as pd

    from alma.config import config_files, resolve_config

    # the workflow's rule: a whole run config alone, overlays over config/config.yaml unless one comes first
    config = resolve_config(args.configfile)
    print(f"config files, merged in order: {', '.join(map(str, config_files(args.configfile)))}")
    try:
        table = estimate.estimate(config, args.gpu)
    except KeyError as exc:
        raise SystemExit(str(exc.args[0])) from None
    with pd.option_context("display.width", 200, "display.max_columns", None):
        print(table.to_string(index=False))
    speed = estimate.GPU_THROUGHPUT[args.gpu]
    print(
        f"Assumed per-{args.gpu.upper()} throughput (tokens/s): generate {speed.generate:,.0f}, "
        f"prefill {speed.prefill:,.0f}, train {speed.train:,.0f} (alma.paper.estimate.GPU_THROUGHPUT)"
    )
    print(estimate.comparison_line(table, args.gpu))
    if args.output:
        with atomic_path(args.output) as handle:
            table.to_csv(handle, index=False, lineterminator="\n")
        print(f"wrote {args.output}")
    return 0


def cmd_accounting(args: argparse.Namespace) -> int:
    """Snakemake benchmark TSVs -> compute accounting CSV."""
    from alma.paper import accounting

    table = accounting.compute_accounting(args.input, args.root)
    with atomic_path(args.output) as handle:
        table.to_csv(handle, index=False, lineterminator="\n")
    print(table.to_string(index=False))
    return 0


def _add(subparsers: Any, name: str, func: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(name, help=(func.__doc__ or "").strip().splitlines()[0], description=func.__doc__)
    parser.set_defaults(func=func)
    return parser


def cmd_paper_claims(args: argparse.Namespace) -> int:
    """Round curve -> the paper's claims checked on it (base < round 1 < final, final's CI above round 1's)."""
    from alma.paper import claims, curve

    table = claims.round_claims(curve.read_curve(args.input))
    claims.write_claims(table, args.output)
    print(table.to_string(index=False))
    return 0


STEM_HELP = "output stem; writes .csv, .md and .tex (name it after the reference table, e.g. table1, for paper-check)"


def register(subparsers: Any) -> None:
    """Add the paper, estimate and accounting subcommands to ``subparsers`` (from ``add_subparsers()``).

    Long options have aliases (``--inputs``, ``--bootstrap``, ``--output-stem``, ``--output-png``,
    ``--output-pdf``) so the workflow's rules and the documented short forms both work.

    Args:
        subparsers: the CLI's ``argparse`` subparsers action.
    """
    paths = {"type": Path, "nargs": "+", "required": True}
    p = _add(subparsers, "paper-curve", cmd_paper_curve)
    p.add_argument(
        "--input",
        "--inputs",
        dest="input",
        **paths,
        help="evaluation JSON files (results/<run>/eval/<model>/<benchmark>/*.json)",
    )
    p.add_argument("--output", type=Path, required=True, help="round curve CSV")
    p.add_argument(
        "--n-boot",
        "--bootstrap",
        dest="n_boot",
        type=int,
        default=1000,
        help="bootstrap resamples per interval (default 1000)",
    )
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")

    p = _add(subparsers, "paper-table1", cmd_paper_table1)
    p.add_argument("--input", type=Path, required=True, help="round curve CSV")
    p.add_argument("--final-model", help="final ALMA model (default: the highest round in the curve)")
    p.add_argument("--output", "--output-stem", dest="output", type=Path, required=True, help=STEM_HELP)

    p = _add(subparsers, "paper-claims", cmd_paper_claims)
    p.add_argument("--input", type=Path, required=True, help="round curve CSV")
    p.add_argument("--output", "--output-stem", dest="output", type=Path, required=True, help="writes .csv and .md")

    p = _add(subparsers, "paper-table2", cmd_paper_table2)
    p.add_argument(
        "--input",
        "--inputs",
        dest="input",
        **paths,
        help="judge evaluation JSON files (results/<run>/judge/eval/*/*.json)",
    )
    p.add_argument("--output", "--output-stem", dest="output", type=Path, required=True, help=STEM_HELP)

    p = _add(subparsers, "paper-standard", cmd_paper_standard)
    p.add_argument("--input", "--inputs", dest="input", **paths, help="eval/<model>/{alpacaeval,lmeval}.json files")
    p.add_argument("--output", "--output-stem", dest="output", type=Path, required=True, help=STEM_HELP)

    for table in ("table3", "table4", "table5", "table6"):
        p = _add(subparsers, f"paper-{table}", cmd_paper_ablation)
        p.set_defaults(table=table)
        p.add_argument(
            "--variant",
            action="append",
            required=True,
            metavar="KEY=PATH",
            help="a run: KEY=curve.csv, KEY=eval-dir or KEY=a.json,b.json (table4 needs eval files)",
        )
        p.add_argument("--output", "--output-stem", dest="output", type=Path, required=True, help=STEM_HELP)
        p.add_argument("--style", default="ArmoRM", help="metric style (default ArmoRM, as in the paper's ablations)")
        if table in ("table3", "table4"):
            p.add_argument("--model", help="model compared (default round2 for table3, round3 for table4)")
        if table == "table4":
            p.add_argument("--benchmark", default="mtbench", help="prompt set with categories (default mtbench)")

    p = _add(subparsers, "paper-figure2", cmd_paper_figure2)
    p.add_argument("--input", type=Path, required=True, help="round curve CSV")
    p.add_argument("--evaluator", required=True, help="evaluator to plot (reward_model, armorm, oracle, gpt4o)")
    p.add_argument("--png", "--output-png", dest="png", type=Path, required=True)
    p.add_argument("--pdf", "--output-pdf", dest="pdf", type=Path, required=True)
    p.add_argument("--data", type=Path, help="also write the figure's numbers as a table (output stem)")

    p = _add(subparsers, "paper-figure3", cmd_paper_figure3)
    p.add_argument("--input", type=Path, required=True, help="best-of-N CSV: n, score[, ci_low, ci_high, series]")
    p.add_argument("--png", "--output-png", dest="png", type=Path, required=True)
    p.add_argument("--pdf", "--output-pdf", dest="pdf", type=Path, required=True)

    diagnostic_commands.register(subparsers, _add)

    p = _add(subparsers, "paper-check", cmd_paper_check)
    p.add_argument("--reproduced", type=Path, required=True, help="directory of reproduced <table>.csv files")
    p.add_argument("--reference", type=Path, required=True, help="tests/reference/paper (CSVs + tolerances.yaml)")
    p.add_argument("--strict", action="store_true", help="fail (exit 1) when a number is out of tolerance")
    p.add_argument("--tables", nargs="+", help="only these reference tables (default: all)")
    p.add_argument("--output", type=Path, help="cell-by-cell report CSV")

    p = _add(subparsers, "estimate", cmd_estimate)
    p.add_argument(
        "--configfile",
        type=Path,
        nargs="+",
        required=True,
        help="config files as for snakemake: a whole run config (it sets world:) alone, overlays over config/config.yaml",
    )
    p.add_argument("--gpu", choices=sorted(estimate.GPU_THROUGHPUT), default="h100")
    p.add_argument("--output", type=Path, help="also write the table as CSV")

    p = _add(subparsers, "accounting", cmd_accounting)
    p.add_argument(
        "--input", "--inputs", dest="input", **paths, help="Snakemake benchmark TSVs (benchmarks/<run>/<rule>/...tsv)"
    )
    p.add_argument("--root", type=Path, required=True, help="the run's benchmark directory (benchmarks/<run>)")
    p.add_argument("--output", type=Path, required=True, help="accounting CSV")
